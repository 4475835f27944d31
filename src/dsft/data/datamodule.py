"""The LightningDataModule: prepare (or load from cache) the tokenized splits, serve batches."""

from __future__ import annotations

import logging
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from dsft.data.collate import PadCollator
from dsft.data.pipeline import prepare_data
from dsft.data.sampling import LengthGroupedBatchSampler, RankShard, ShuffledBatchSampler
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.models.chat_templates import get_template

log = logging.getLogger(__name__)


class InstructionDataModule(L.LightningDataModule):
    """The examples of a data config, rendered with the model's chat template."""

    def __init__(
        self,
        data: dict[str, Any],
        tokenizer,
        chat_template: str,
        micro_batch_size: int,
        seed: int = 42,
        cache_dir: str | None = None,
        devices: int = 1,
    ):
        super().__init__()
        self.cfg = data
        self.tokenizer = tokenizer
        self.template = get_template(chat_template)
        self.micro_batch_size = micro_batch_size
        self.devices = devices  # data-parallel ranks: each trains on its share of a global batch
        self.seed = seed
        self.cache_dir = cache_dir
        self.train_examples: list[TokenizedExample] = []
        self.val_examples: list[TokenizedExample] = []
        self.test_examples: list[TokenizedExample] = []
        self.stats: dict[str, Any] = {}
        self.loss_tokens_per_batch = 0.0  # mean answer tokens per training batch
        self.collate = PadCollator(tokenizer.pad_token_id, packed=bool(data.get("packing")))
        self._resume: tuple[int, int] | None = None  # (epoch, batches done) from a checkpoint

    def setup(self, stage: str | None = None) -> None:
        if self.train_examples:
            return
        data = prepare_data(self.cfg, self.tokenizer, self.template, self.seed, self.cache_dir)
        self.train_examples, self.val_examples, self.test_examples = data.train, data.val, data.test
        self.stats = data.stats
        # Per rank's micro-batch: the ranks' gradients are averaged, so each divides by its share
        # of the global batch's mean, and every answer token weighs what it would in one process.
        global_batch = self.micro_batch_size * self.devices
        n_batches = -(-len(self.train_examples) // global_batch)
        loss_tokens = sum(sum(t != IGNORE_INDEX for t in e.labels[1:]) for e in self.train_examples)
        self.loss_tokens_per_batch = loss_tokens / n_batches / self.devices

    def plan_inputs(self) -> dict[str, int | None]:
        """What the memory plan can know from the data: the positions and loss positions of the
        largest training micro-batch, at most (the longest examples padded to the longest of
        them; packed rows are always full), and how many distinct token ids the splits use
        (counted up to 5M tokens; None beyond)."""
        mb, examples = self.micro_batch_size, self.train_examples
        loss = [sum(t != IGNORE_INDEX for t in e.labels[1:]) for e in examples]
        if self.cfg.get("packing"):
            tokens = mb * int(self.cfg["max_length"])
            share = sum(loss) / max(1, sum(len(e.input_ids) for e in examples))
            batch = tokens, int(tokens * share)
        else:
            longest = max((len(e.input_ids) for e in examples), default=0)
            batch = mb * longest, sum(sorted(loss)[-mb:])
        splits = [*examples, *self.val_examples, *self.test_examples]
        rows = None
        if sum(len(e.input_ids) for e in splits) <= 5_000_000:
            rows = len(set().union(*(e.input_ids for e in splits)))
        return {
            "batch_tokens": batch[0],
            "batch_loss_tokens": batch[1],
            "embedding_rows_used": rows,
        }

    def train_dataloader(self) -> DataLoader:
        workers = self.cfg.get("num_workers", 0)
        # Its own generator: the loader's base seed must not draw from the global RNG, which a
        # resumed run restores for dropout (see dsft.training.resume).
        generator = torch.Generator().manual_seed(self.seed)
        rank, world = self._rank_and_world()
        global_batch = self.micro_batch_size * world
        if self.cfg.get("group_by_length", False):
            lengths = [len(e.input_ids) for e in self.train_examples]
            sampler = LengthGroupedBatchSampler(lengths, global_batch, self.seed)
        else:
            sampler = ShuffledBatchSampler(len(self.train_examples), global_batch, self.seed)
        if world > 1:  # every rank walks the same global batches and takes its share
            sampler = RankShard(sampler, rank, world)
        if self._resume is not None:
            sampler.resume_at(*self._resume)
            self._resume = None
        return DataLoader(
            self.train_examples,
            batch_sampler=sampler,
            collate_fn=self.collate,
            num_workers=workers,
            generator=generator,
        )

    def _rank_and_world(self) -> tuple[int, int]:
        trainer = self.trainer
        if trainer is None or trainer.world_size == 1:
            return 0, 1
        return trainer.global_rank, trainer.world_size

    def state_dict(self) -> dict[str, Any]:
        """Where training is in its epoch, for a resume that continues with the next batch."""
        if self.trainer is None:
            return {}
        progress = self.trainer.fit_loop.epoch_loop.batch_progress.current
        return {"epoch": self.trainer.current_epoch, "batches_done": progress.processed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state:
            self._resume = (int(state["epoch"]), int(state["batches_done"]))

    def val_dataloader(self) -> DataLoader:
        return self._eval_loader(self.val_examples)

    def test_dataloader(self) -> DataLoader:
        return self._eval_loader(self.test_examples)

    def _eval_loader(self, examples: list[TokenizedExample]) -> DataLoader:
        rank, world = self._rank_and_world()
        return DataLoader(
            examples[rank::world],  # each example scored once (the sums are reduced over ranks)
            batch_size=self.micro_batch_size,
            shuffle=False,
            collate_fn=PadCollator(self.tokenizer.pad_token_id),  # eval examples are unpacked
            num_workers=self.cfg.get("num_workers", 0),
        )

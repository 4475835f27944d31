"""The LightningDataModule: prepare (or load from cache) the tokenized splits, serve batches."""

from __future__ import annotations

import logging
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from dsft.data.collate import PadCollator
from dsft.data.pipeline import prepare_data
from dsft.data.sampling import LengthGroupedBatchSampler
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
    ):
        super().__init__()
        self.cfg = data
        self.tokenizer = tokenizer
        self.template = get_template(chat_template)
        self.micro_batch_size = micro_batch_size
        self.seed = seed
        self.cache_dir = cache_dir
        self.train_examples: list[TokenizedExample] = []
        self.val_examples: list[TokenizedExample] = []
        self.test_examples: list[TokenizedExample] = []
        self.stats: dict[str, Any] = {}
        self.loss_tokens_per_batch = 0.0  # mean answer tokens per training batch
        self.collate = PadCollator(tokenizer.pad_token_id, packed=bool(data.get("packing")))

    def setup(self, stage: str | None = None) -> None:
        if self.train_examples:
            return
        data = prepare_data(self.cfg, self.tokenizer, self.template, self.seed, self.cache_dir)
        self.train_examples, self.val_examples, self.test_examples = data.train, data.val, data.test
        self.stats = data.stats
        n_batches = -(-len(self.train_examples) // self.micro_batch_size)
        loss_tokens = sum(sum(t != IGNORE_INDEX for t in e.labels[1:]) for e in self.train_examples)
        self.loss_tokens_per_batch = loss_tokens / n_batches

    def train_dataloader(self) -> DataLoader:
        workers = self.cfg.get("num_workers", 0)
        if self.cfg.get("group_by_length", False):
            sampler = LengthGroupedBatchSampler(
                [len(e.input_ids) for e in self.train_examples], self.micro_batch_size, self.seed
            )
            return DataLoader(
                self.train_examples,
                batch_sampler=sampler,
                collate_fn=self.collate,
                num_workers=workers,
            )
        return DataLoader(
            self.train_examples,
            batch_size=self.micro_batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(self.seed),
            collate_fn=self.collate,
            num_workers=workers,
        )

    def val_dataloader(self) -> DataLoader:
        return self._eval_loader(self.val_examples)

    def test_dataloader(self) -> DataLoader:
        return self._eval_loader(self.test_examples)

    def _eval_loader(self, examples: list[TokenizedExample]) -> DataLoader:
        return DataLoader(
            examples,
            batch_size=self.micro_batch_size,
            shuffle=False,
            collate_fn=PadCollator(self.tokenizer.pad_token_id),  # eval examples are unpacked
            num_workers=self.cfg.get("num_workers", 0),
        )

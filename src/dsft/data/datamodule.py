"""The LightningDataModule: read, split, tokenize once, serve padded batches."""

from __future__ import annotations

import logging
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from dsft.data.collate import PadCollator
from dsft.data.reading import DataError, read_conversations
from dsft.data.sampling import LengthGroupedBatchSampler
from dsft.data.split import split_train_val
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample, tokenize_conversations
from dsft.models.chat_templates import get_template

log = logging.getLogger(__name__)


class InstructionDataModule(L.LightningDataModule):
    """Instruction data from one file, rendered with the model's chat template."""

    def __init__(
        self,
        data: dict[str, Any],
        tokenizer,
        chat_template: str,
        micro_batch_size: int,
        seed: int = 42,
    ):
        super().__init__()
        self.cfg = data
        self.tokenizer = tokenizer
        self.template = get_template(chat_template)
        self.micro_batch_size = micro_batch_size
        self.seed = seed
        self.train_examples: list[TokenizedExample] = []
        self.val_examples: list[TokenizedExample] = []
        self.loss_tokens_per_batch = 0.0  # mean answer tokens per training batch
        self.collate = PadCollator(tokenizer.pad_token_id)

    def setup(self, stage: str | None = None) -> None:
        if self.train_examples:
            return
        cfg = self.cfg
        conversations = read_conversations(cfg["path"], cfg["format"], cfg.get("system_prompt"))
        if cfg.get("max_examples"):
            conversations = conversations[: cfg["max_examples"]]
        train, val = split_train_val(conversations, cfg["val_fraction"])
        if not train or not val:
            raise DataError(
                f"{cfg['path']}: {len(conversations)} examples gave {len(train)} train and "
                f"{len(val)} val examples; add data or change data.val_fraction."
            )
        kwargs = dict(
            tokenizer=self.tokenizer,
            template=self.template,
            max_length=cfg["max_length"],
            loss_on_prompt=cfg.get("loss_on_prompt", False),
        )
        self.train_examples, dropped_train = tokenize_conversations(train, **kwargs)
        self.val_examples, dropped_val = tokenize_conversations(val, **kwargs)
        n_batches = -(-len(self.train_examples) // self.micro_batch_size)
        self.loss_tokens_per_batch = (
            sum(sum(t != IGNORE_INDEX for t in e.labels[1:]) for e in self.train_examples)
            / n_batches
        )
        # Order does not change the val loss; sorting by length cuts padding in its batches.
        self.val_examples.sort(key=lambda e: len(e.input_ids))
        log.info(
            "data %s: %d train / %d val examples (%d dropped: no answer tokens within "
            "max_length=%d)",
            cfg["name"],
            len(self.train_examples),
            len(self.val_examples),
            dropped_train + dropped_val,
            cfg["max_length"],
        )

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
        return DataLoader(
            self.val_examples,
            batch_size=self.micro_batch_size,
            shuffle=False,
            collate_fn=self.collate,
            num_workers=self.cfg.get("num_workers", 0),
        )

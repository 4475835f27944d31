"""Helpers for tests that train in-process and check a finished run independently of dsft's loss."""

from __future__ import annotations

from pathlib import Path

import torch

from dsft.data.datamodule import InstructionDataModule
from dsft.runs import LoadedRun
from dsft.training.run import train
from tests.conftest import compose_config


def train_in_process(overrides: list[str], run_dir: Path) -> float:
    """Compose the config as train.py does and run the real training flow in this process."""
    cfg = compose_config([*overrides, f"paths.output_dir={run_dir}"])
    from dsft.config.validate import validate

    validate(cfg)
    return train(cfg, run_dir)


def independent_val_loss(run: LoadedRun, max_examples: int | None = None) -> float:
    """Token-weighted val loss of a loaded run from transformers' own logits, one example at a
    time (not dsft's fused loss), over its first `max_examples` val examples. (Labels are not
    passed: peft's AdaLoRA adds its training penalty to such a loss, and fails when loaded for
    inference.)"""
    data = InstructionDataModule(
        run.config["data"], run.tokenizer, run.config["model"]["chat_template"], 1
    )
    data.setup()
    examples = data.val_examples[:max_examples]
    total, count = 0.0, 0
    with torch.no_grad():
        for example in examples:
            ids = torch.tensor([example.input_ids])
            targets = torch.tensor(example.labels[1:])
            logits = run.model(input_ids=ids, use_cache=False).logits[0, :-1].float()
            loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
            total += float(loss)
            count += int((targets != -100).sum())
    return total / count


def evaluated_examples(run: LoadedRun) -> int | None:
    """How many val examples the run's evaluations saw (trainer.limit_val_batches batches)."""
    limit = run.config["trainer"].get("limit_val_batches")
    if limit is None:
        return None
    return int(limit) * run.config["hardware"]["micro_batch_size"]

"""Perplexity of the run's held-out splits, overall and per data source."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from dsft.evaluation.scoring import label_losses


def evaluate_perplexity(run, task: dict[str, Any]) -> dict[str, Any]:
    """Token-weighted loss and perplexity per split (and per source); per-item losses kept."""
    from dsft.data.datamodule import InstructionDataModule

    data_cfg = run.config["data"]
    if task.get("data"):
        from dsft.evaluation.command import compose_group

        data_cfg = compose_group("data", task["data"])
    data = InstructionDataModule(  # the splits, from the tokenized-data cache
        data_cfg,
        run.tokenizer,
        run.config["model"]["chat_template"],
        1,
        seed=run.config.get("seed", 42),
        cache_dir=run.config.get("paths", {}).get("cache_dir"),
    )
    data.setup()
    metrics: dict[str, Any] = {}
    items: dict[str, list] = {}
    for split in task["splits"]:
        examples = getattr(data, f"{split}_examples")
        losses = label_losses(run, [(e.input_ids, e.labels) for e in examples])
        scored = [(e.source, loss, n) for e, (loss, n) in zip(examples, losses, strict=True)]
        metrics.update(_summaries(split, scored, task["by_source"]))
        items[split] = [{"source": s, "loss_sum": loss, "tokens": n} for s, loss, n in scored]
    return {"metrics": metrics, "n": {s: len(v) for s, v in items.items()}, "items": items}


def _summaries(split: str, scored: list, by_source: bool) -> dict[str, float]:
    groups: dict[str | None, list] = defaultdict(list)
    for source, loss, n in scored:
        groups[source].append((loss, n))
    out = _loss_and_ppl(split, [(loss, n) for _, loss, n in scored])
    if by_source and len(groups) > 1:
        for source, pairs in groups.items():
            out.update(_loss_and_ppl(f"{split}/{source}", pairs))
    return out


def _loss_and_ppl(prefix: str, pairs: list[tuple[float, int]]) -> dict[str, float]:
    tokens = sum(n for _, n in pairs)
    loss = sum(loss for loss, _ in pairs) / tokens if tokens else float("nan")
    return {f"{prefix}/loss": loss, f"{prefix}/perplexity": math.exp(loss)}

"""Evaluation results of an existing run sent to the loggers it trained with: TensorBoard scalars
in its tensorboard/ dir, and the summary of its own W&B run (same run id; offline runs stay
offline, to be synced with the rest)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def flat_metrics(metrics: Any) -> dict[str, float]:
    """{task: {metric: value}} as {eval/<task>/<metric>: value}, numbers only (also what
    summary.json's `eval` key becomes in `dsft compare`)."""
    if not isinstance(metrics, dict):
        return {}
    return {
        f"eval/{task}/{name}": float(value)
        for task, values in metrics.items()
        if isinstance(values, dict)
        for name, value in values.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def report_to_run_loggers(run_dir: Path, config: dict, metrics: dict, step: int) -> list[str]:
    """Send the metrics to every logger the run has on disk; returns what was written to."""
    flat = flat_metrics(metrics)
    written = []
    if (run_dir / "tensorboard").is_dir():
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))
        for key, value in flat.items():
            writer.add_scalar(key, value, global_step=step)
        writer.close()
        written.append(f"TensorBoard ({run_dir / 'tensorboard'})")
    from dsft.tracking.wandb_logger import wandb_run_id

    run_id = wandb_run_id(run_dir)
    if run_id is not None:
        written.append(_update_wandb(run_dir, config, run_id, flat))
    return written


def _update_wandb(run_dir: Path, config: dict, run_id: str, flat: dict[str, float]) -> str:
    import wandb

    from dsft.tracking.wandb_logger import resolve_mode

    node = (config.get("logger") or {}).get("wandb") or {}
    offline = not any(p.name.startswith("run-") for p in (run_dir / "wandb").glob("run-*-*"))
    mode = resolve_mode("auto")
    if mode == "disabled":
        return f"W&B run {run_id}: not updated (WANDB_MODE=disabled)"
    mode = "offline" if offline else mode
    run = wandb.init(
        id=run_id,
        resume="allow",
        project=node.get("project", "dsft"),
        entity=node.get("entity"),
        dir=str(run_dir),
        mode=mode,
        job_type="eval",
    )
    try:
        run.summary.update(flat)
    finally:
        run.finish()
    return f"W&B run {run_id} ({mode})"

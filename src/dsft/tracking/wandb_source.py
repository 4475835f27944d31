"""Runs of a W&B project (or one group of it) as RunRecords, through the public W&B API.

    dsft compare wandb:my-team/dsft              # every run of the project
    dsft compare wandb:my-team/dsft/<group>      # one multirun (dsft groups a sweep's jobs)

This needs network access and a W&B login; comparing local run dirs never does.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from dsft.tracking.run_records import CompareError, RunRecord

PREFIX = "wandb:"
# Config keys that differ between runs without being hyper-parameters.
_NOT_HYPERPARAMETERS = ("paths.", "logger.", "hydra.", "resume")
_STATES = {"finished": "completed", "crashed": "failed", "failed": "failed", "killed": "failed"}


def is_wandb_source(value: str) -> bool:
    return str(value).startswith(PREFIX)


def load_wandb_runs(source: str, api: Any = None) -> list[RunRecord]:
    """`wandb:entity/project[/group]` -> one RunRecord per W&B run."""
    parts = source[len(PREFIX) :].strip("/").split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise CompareError(f"{source!r}: write wandb:ENTITY/PROJECT or wandb:ENTITY/PROJECT/GROUP")
    import wandb

    try:
        api = api or wandb.Api()
        filters = {"group": parts[2]} if len(parts) == 3 else None
        runs = list(api.runs("/".join(parts[:2]), filters=filters))
    except Exception as err:  # wandb raises several types for auth and network failures
        raise CompareError(
            f"could not read {source} from W&B ({type(err).__name__}: {err}). Log in with "
            "`wandb login`, or compare the local run dirs instead (works offline)."
        ) from None
    if not runs:
        raise CompareError(f"{source} has no runs")
    return [record_from_wandb_run(run) for run in runs]


def record_from_wandb_run(run: Any) -> RunRecord:
    """A RunRecord from a `wandb.apis.public.Run` (config, summary, history, state)."""
    config = dict(run.config)
    summary = dict(run.summary)
    curve = sorted(
        (int(row["trainer/global_step"]), float(row["val/loss"]))
        for row in run.scan_history(keys=["trainer/global_step", "val/loss"])
        if _finite(row.get("val/loss")) is not None
    )
    hyper = {
        key: _as_override(value)
        for key, value in flatten(config).items()
        if not key.startswith(_NOT_HYPERPARAMETERS)
    }
    final_val = curve[-1][1] if curve else _finite(summary.get("val/loss"))
    return RunRecord(
        name=run.name,
        path=Path(PREFIX + "/".join(run.path)),
        status=_STATES.get(run.state, run.state),
        overrides=hyper,
        final_val_loss=final_val,
        best_val_loss=min((v for _, v in curve), default=final_val),
        initial_val_loss=curve[0][1] if curve else None,
        final_train_loss=_finite(summary.get("train/loss")),
        tokens_per_s=_finite(summary.get("final/tokens_per_s")),
        wall_time_s=_finite(summary.get("_runtime")),
        peak_rss_mb=_finite(summary.get("final/peak_rss_mb")),
        global_step=_finite(summary.get("trainer/global_step")),
        val_curve=curve,
        config=config,
    )


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'adapter': {'r': 8}} -> {'adapter.r': 8}; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _as_override(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return str(value)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None

"""The `Comparison` type and what both the table (compare) and the plots (plots) read from it.

METRICS, a run's hyper-parameter values and the labels made from them (`r=4 lr=1e-4`). Imports
stay light (no torch, no lightning, no matplotlib), and neither compare nor plots is imported here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dsft.tracking.run_names import format_value
from dsft.tracking.run_records import _MISSING, RunRecord, _lookup

# Metrics a comparison can sort by: RunRecord attribute -> column header.
METRICS: dict[str, str] = {
    "final_val_loss": "final val loss",
    "best_val_loss": "best val loss",
    "final_train_loss": "final train loss",
    "tokens_per_s": "tokens/s",
    "wall_time_s": "wall time",
    "initial_val_loss": "initial val loss",
    "peak_rss_mb": "peak RSS MiB",
    "tokens_seen": "tokens seen",
    "global_step": "steps",
}


def is_metric(name: str) -> bool:
    """A RunRecord metric, or an evaluation metric `eval/<task>/<metric>`."""
    return name in METRICS or (name.startswith("eval/") and name.count("/") >= 2)


def metric_header(name: str) -> str:
    return METRICS.get(name, name)


def unknown_metric(name: str) -> str:
    return (
        f"unknown metric {name!r}; choose one of: {', '.join(METRICS)}, or an evaluation "
        "metric eval/<task>/<metric> (e.g. eval/medical_mc/accuracy)"
    )


@dataclass
class Comparison:
    """Runs in rank order, the swept keys and the best run."""

    runs: list[RunRecord]
    swept: list[str]
    metric: str
    descending: bool = False

    @property
    def best(self) -> RunRecord | None:
        return best_run(self.runs, self.metric)

    def label(self, run: RunRecord) -> str:
        return run_label(run, self.swept, self.runs)


def best_run(ranked: list[RunRecord], metric: str) -> RunRecord | None:
    """The first completed run with a value for the metric, in rank order."""
    return next((r for r in ranked if r.completed and r.metric(metric) is not None), None)


def param_value(run: RunRecord, key: str) -> str | None:
    """The value of a hyper-parameter in a run: its override, else its config or group choice.

    None when the run has no such key; a key set to null in the config is "null".
    """
    if key in run.overrides:
        return run.overrides[key]
    value = _lookup(run.config, key, _MISSING)
    if value is _MISSING or isinstance(value, (dict, list)):
        value = run.choices.get(key, _MISSING)
    if value is _MISSING or isinstance(value, (dict, list)):
        return None
    if value is None or isinstance(value, bool):
        return json.dumps(value)  # null, true, false: as on the command line
    return str(value)


def short_names(keys: list[str]) -> dict[str, str]:
    """`adapter.r` -> `r`, `optimizer.lr` -> `lr`; the full key where the last parts collide."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last, strict=True)}


def run_label(run: RunRecord, swept: list[str], runs: list[RunRecord] | None = None) -> str:
    """`r=4 lr=1e-4` from the swept values; the run name when nothing is swept or labels clash."""
    names = short_names(swept)
    label = " ".join(f"{names[k]}={format_value(param_value(run, k))}" for k in swept)
    if not label:
        return run.name
    others = [r for r in runs or [] if r is not run]
    if any(run_label(o, swept) == label for o in others):
        return f"{label} ({run.name})"
    return label


def use_log_scale(values: list[float]) -> bool:
    """Log axis for positive values spanning more than 10x (learning rates, not ranks 4..32)."""
    return bool(values) and min(values) > 0 and max(values) / min(values) > 10

"""Run records: finding the run dirs dsft wrote and reading each into a `RunRecord`.

    summary.json           status, final losses, tokens/s, wall time (absent if a job crashed hard)
    .hydra/overrides.yaml  the job's command-line overrides: where the swept values come from
    .hydra/hydra.yaml      the config-group choices (adapter: lora, ...)
    config.yaml            the resolved config: the value of a key that a run did not override
    csv/metrics.csv        the per-step metrics: the validation-loss curve

Imports stay light (no torch, no lightning): `dsft compare` reads only these files.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dsft.evaluation.loggers import flat_metrics

_MISSING = object()


class CompareError(Exception):
    """A problem with the inputs the user can fix (a missing path, a dir with no runs)."""


@dataclass
class RunRecord:
    """What one run left behind, reduced to what a comparison needs."""

    name: str
    path: Path
    status: str
    overrides: dict[str, str] = field(default_factory=dict)
    final_val_loss: float | None = None
    best_val_loss: float | None = None
    initial_val_loss: float | None = None
    final_train_loss: float | None = None
    tokens_per_s: float | None = None
    tokens_seen: float | None = None
    wall_time_s: float | None = None
    peak_rss_mb: float | None = None
    global_step: float | None = None
    error: str | None = None
    # Evaluation metrics from summary.json's `eval` key: eval/<task>/<metric> -> value.
    eval: dict[str, float] = field(default_factory=dict)
    val_curve: list[tuple[int, float]] = field(default_factory=list)
    # Values of keys the run did not override: resolved config and config-group choices.
    config: dict[str, Any] = field(default_factory=dict, repr=False)
    choices: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    def metric(self, name: str) -> float | None:
        if name.startswith("eval/"):
            return _finite(self.eval.get(name))
        return _finite(getattr(self, name, None))


# --- finding runs ------------------------------------------------------------------------------


def is_run_dir(path: Path) -> bool:
    """A dir dsft trained (or tried to train) in."""
    return path.is_dir() and any(
        (path / name).exists()
        for name in ("summary.json", ".hydra", "config.yaml", "csv/metrics.csv")
    )


def is_multirun_dir(path: Path) -> bool:
    """A Hydra sweep dir: multirun.yaml and/or numbered job dirs."""
    return path.is_dir() and ((path / "multirun.yaml").exists() or bool(job_dirs(path)))


def job_dirs(multirun_dir: Path) -> list[Path]:
    """The job dirs of a sweep in job order (numbered dirs, and any other run dirs after them)."""
    children = [child for child in multirun_dir.iterdir() if child.is_dir()]
    numbered = sorted((c for c in children if c.name.isdigit()), key=lambda c: int(c.name))
    others = sorted(c for c in children if not c.name.isdigit() and is_run_dir(c))
    return numbered + others


def stage_dirs(path: Path) -> list[Path]:
    """The stage dirs of a multi-stage experiment's dir, in order ([] for any other dir)."""
    summary, _ = read_summary(path)
    stages = summary.get("stages") if isinstance(summary.get("stages"), list) else []
    dirs = [path / Path(str(s.get("run_dir", ""))).name for s in stages if isinstance(s, dict)]
    return [d for d in dirs if d.is_dir()]


def find_run_dirs(inputs: list[str | Path]) -> list[Path]:
    """Run dirs from the inputs: a run dir is itself, a sweep dir is its job dirs."""
    found: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise CompareError(f"{path} does not exist")
        if not path.is_dir():
            raise CompareError(f"{path} is not a dir (give a run dir or a multirun dir)")
        if is_run_dir(path):
            dirs = stage_dirs(path) or [path]
        elif is_multirun_dir(path):
            dirs = job_dirs(path)
        else:
            dirs = []
        if not dirs:
            raise CompareError(
                f"{path} holds no runs (expected a run dir with summary.json / .hydra/, or a "
                "multirun dir with numbered job dirs)"
            )
        found.extend(d for d in dirs if d.resolve() not in {f.resolve() for f in found})
    return found


# --- loading a run -----------------------------------------------------------------------------


def load_run(run_dir: Path, name: str | None = None) -> RunRecord:
    """One RunRecord from a run dir; a job without summary.json (crashed hard) is 'failed'."""
    summary, summary_error = read_summary(run_dir)
    curve, last_train_loss = read_metrics_csv(run_dir / "csv" / "metrics.csv")
    status = summary.get("status") or "failed"
    error = summary.get("error") or summary_error
    if status == "running" and not still_running(summary):
        status, error = "interrupted", interrupted_note(run_dir, summary)
    final_val = _finite(summary.get("final_val_loss"))
    if final_val is None and curve:
        final_val = curve[-1][1]
    recorded = [v for _, v in curve]
    if not recorded:
        initial = _finite(summary.get("initial_val_loss"))
        recorded = [v for v in (initial, final_val) if v is not None]
    return RunRecord(
        name=name or run_dir.name,
        path=run_dir,
        status=str(status),
        overrides=read_overrides(run_dir),
        final_val_loss=final_val,
        best_val_loss=min(recorded) if recorded else None,
        initial_val_loss=_finite(summary.get("initial_val_loss")),
        final_train_loss=_first(_finite(summary.get("final_train_loss")), last_train_loss),
        tokens_per_s=_finite(summary.get("tokens_per_s")),
        tokens_seen=_finite(summary.get("tokens_seen")),
        wall_time_s=_finite(summary.get("wall_time_s")),
        peak_rss_mb=_finite(summary.get("peak_rss_mb")),
        global_step=_finite(summary.get("global_step")),
        error=error,
        eval=flat_metrics(summary.get("eval")),
        val_curve=curve,
        config=_read_yaml(run_dir / "config.yaml") or {},
        choices=_lookup(_read_yaml(run_dir / ".hydra" / "hydra.yaml"), "hydra.runtime.choices")
        or {},
    )


def still_running(summary: dict[str, Any]) -> bool:
    """Whether the process that wrote a `running` summary is alive (True when it cannot tell:
    another host, or no pid recorded)."""
    import os
    import socket

    pid, host = summary.get("pid"), summary.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def interrupted_note(run_dir: Path, summary: dict[str, Any]) -> str:
    """What a user can do with a run whose process died without finishing its record."""
    checkpoint = summary.get("last_checkpoint")
    if checkpoint and Path(checkpoint).is_file():
        return (
            f"interrupted at step {summary.get('checkpoint_step')}, resumable: "
            f"python train.py resume={run_dir}"
        )
    return "interrupted before its first checkpoint (nothing to resume; run it again)"


def load_runs(run_dirs: list[Path]) -> list[RunRecord]:
    """RunRecords named by dir (job number); names shared by runs of two sweeps get the sweep."""
    names = [d.name for d in run_dirs]
    shared = {n for n in names if names.count(n) > 1}
    return [
        load_run(d, f"{d.parent.name}/{d.name}" if d.name in shared else d.name) for d in run_dirs
    ]


def read_summary(run_dir: Path) -> tuple[dict[str, Any], str | None]:
    """summary.json, and why it is missing or unreadable (None when it was read)."""
    path = run_dir / "summary.json"
    if not path.exists():
        return {}, "no summary.json (the job crashed before writing it, or is still running)"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        return {}, f"unreadable summary.json: {err}"
    return (data, None) if isinstance(data, dict) else ({}, "summary.json is not an object")


def read_overrides(run_dir: Path) -> dict[str, str]:
    """The job's command-line overrides as key -> value (`+key=v` and `++key=v` too)."""
    items = _read_yaml(run_dir / ".hydra" / "overrides.yaml")
    overrides: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        key, sep, value = str(item).partition("=")
        key = key.lstrip("+~")
        if key:
            overrides[key] = value if sep else ""
    return overrides


def read_metrics_csv(path: Path) -> tuple[list[tuple[int, float]], float | None]:
    """The val-loss curve [(step, value)] and the last train loss from a CSVLogger file.

    Val rows are sparse; a step logged twice (a resumed run) keeps its last value.
    """
    if not path.exists():
        return [], None
    val: dict[int, float] = {}
    train_loss = None
    try:
        with path.open(newline="") as fh:
            for index, row in enumerate(csv.DictReader(fh)):
                step = _to_int(row.get("step"), index)
                loss = _finite(row.get("val/loss"))
                if loss is not None:
                    val[step] = loss
                train_loss = _first(_finite(row.get("train/loss")), train_loss)
    except (OSError, csv.Error):
        return [], None
    return sorted(val.items()), train_loss


# --- helpers -----------------------------------------------------------------------------------


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None


def _lookup(data: Any, dotted: str, default: Any = None) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def _finite(value: Any) -> float | None:
    number = as_number(value)
    return number if number is not None and math.isfinite(number) else None


def _to_int(value: Any, default: int) -> int:
    number = _finite(value)
    return int(number) if number is not None else default


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def as_number(value: Any) -> float | None:
    """A float from a number or numeric string; None for anything else (booleans included)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None

"""Compare runs: rank them by a metric, print a table, write a CSV and plots.

Runs come in as `RunRecord`s: from local run dirs (dsft.tracking.run_records, fully offline) or
from a W&B project (dsft.tracking.wandb_source, online). Ranking, the table, the CSV and the
plots work on RunRecords only; the `Comparison` type and its labels, which the plots read too,
live in dsft.tracking.comparison.

Imports stay light (no torch, no lightning); matplotlib is imported only when plots are written.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from dsft.tracking.comparison import (
    METRICS,
    Comparison,
    best_run,
    is_metric,
    metric_header,
    param_value,
    run_label,
    short_names,
    unknown_metric,
    use_log_scale,
)
from dsft.tracking.run_names import format_value
from dsft.tracking.run_records import (
    CompareError,
    RunRecord,
    as_number,
    find_run_dirs,
    is_run_dir,
    job_dirs,
    load_run,
    load_runs,
)

__all__ = [
    "METRICS",
    "CompareError",
    "Comparison",
    "RunRecord",
    "best_run",
    "compare",
    "compare_runs",
    "find_run_dirs",
    "format_value",
    "load_run",
    "load_runs",
    "param_value",
    "run_label",
    "swept_params",
    "use_log_scale",
]

# The metric columns every comparison shows, in this order (the sort metric is added if missing).
TABLE_METRICS = (
    "final_val_loss",
    "best_val_loss",
    "final_train_loss",
    "tokens_per_s",
    "wall_time_s",
)
BEST_MARK = "★"


# --- swept keys, ranking -----------------------------------------------------------------------


def swept_params(runs: list[RunRecord]) -> list[str]:
    """Override keys whose values differ between runs, in command-line order (hydra.* dropped)."""
    keys: list[str] = []
    for run in runs:
        keys.extend(k for k in run.overrides if k not in keys and not k.startswith("hydra."))
    return [k for k in keys if len({_comparable(param_value(r, k)) for r in runs}) > 1]


def sort_runs(runs: list[RunRecord], metric: str, descending: bool = False) -> list[RunRecord]:
    """Completed runs by the metric (missing values after), then the runs that did not complete."""
    if not is_metric(metric):
        raise CompareError(unknown_metric(metric))

    def key(run: RunRecord) -> tuple[int, float]:
        value = run.metric(metric)
        if not run.completed:
            return (2, 0.0)
        if value is None:
            return (1, 0.0)
        return (0, -value if descending else value)

    return sorted(runs, key=key)  # stable: ties and failed runs keep their input order


def compare_runs(runs: list[RunRecord], metric: str, descending: bool = False) -> Comparison:
    return Comparison(sort_runs(runs, metric, descending), swept_params(runs), metric, descending)


# --- output ------------------------------------------------------------------------------------


def table_metrics(metric: str, runs: list[RunRecord] = ()) -> list[str]:
    """The standard columns, every evaluation metric a run has, and the sort metric."""
    evaluated = sorted({name for run in runs for name in run.eval})
    columns = list(TABLE_METRICS) + evaluated
    return columns + ([metric] if metric not in columns else [])


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One dict per run in rank order, plain values: what comparison.csv holds."""
    rows = []
    rank = 0
    for run in comparison.runs:
        ranked = run.completed and run.metric(comparison.metric) is not None
        if ranked:
            rank += 1
        row: dict[str, Any] = {"rank": rank if ranked else "", "run": run.name}
        row.update({k: param_value(run, k) or "" for k in comparison.swept})
        row["status"] = run.status
        metrics = table_metrics(comparison.metric, comparison.runs)
        row.update({m: _plain(run.metric(m)) for m in metrics})
        row["run_dir"] = str(run.path)
        rows.append(row)
    return rows


def write_csv(comparison: Comparison, path: Path) -> Path:
    rows = comparison_rows(comparison)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def build_table(comparison: Comparison, short_headers: bool = False) -> Table:
    """The rich table: one row per run in rank order, the best one starred and bold.

    Values are never cut: when the terminal is narrow, the headers wrap instead, and with
    `short_headers` the swept keys are named by their last part (`adapter.r` -> `r`).
    """
    metrics = table_metrics(comparison.metric, comparison.runs)
    best = comparison.best
    rows = []
    for row, run in zip(comparison_rows(comparison), comparison.runs, strict=True):
        rows.append(
            [
                f"{BEST_MARK} {row['rank']}" if run is best else str(row["rank"]),
                run.name,
                *(format_value(param_value(run, k)) for k in comparison.swept),
                run.status,
                *(_display(m, run.metric(m)) for m in metrics),
            ]
        )
    names = short_names(comparison.swept) if short_headers else {}
    headers = ["#", "run", *(names.get(k, k) for k in comparison.swept), "status"]
    for metric in metrics:
        arrow = (" ▼" if comparison.descending else " ▲") if metric == comparison.metric else ""
        headers.append(metric_header(metric) + arrow)
    order = "descending" if comparison.descending else "ascending"
    table = Table(title=f"{len(comparison.runs)} runs by {comparison.metric} ({order})")
    status_column = 2 + len(comparison.swept)
    for index, header in enumerate(headers):
        table.add_column(
            header,
            justify="left" if index in (1, status_column) else "right",
            min_width=max([len(r[index]) for r in rows] + [1]),
        )
    for row, run in zip(rows, comparison.runs, strict=True):
        style = {"completed": "green", "failed": "red"}.get(run.status, "yellow")
        row[status_column] = f"[{style}]{run.status}[/]"
        table.add_row(*row, style="bold" if run is best else None)
    return table


def default_out_dir(inputs: list[str | Path]) -> Path:
    """The sweep dir itself when the only input is one; ./comparison otherwise."""
    if len(inputs) == 1:
        path = Path(inputs[0])
        numbered = path.is_dir() and any(d.name.isdigit() for d in job_dirs(path))
        if not is_run_dir(path) and ((path / "multirun.yaml").exists() or numbered):
            return path
    return Path("comparison")


def load_inputs(inputs: list[str | Path]) -> list[RunRecord]:
    """RunRecords from local run/multirun dirs and `wandb:entity/project[/group]` sources."""
    from dsft.tracking.wandb_source import is_wandb_source, load_wandb_runs

    local = [i for i in inputs if not is_wandb_source(str(i))]
    runs = load_runs(find_run_dirs(local)) if local else []
    for source in inputs:
        if is_wandb_source(str(source)):
            runs += load_wandb_runs(str(source))
    return runs


def compare(
    inputs: list[str | Path],
    metric: str = "final_val_loss",
    out: str | Path | None = None,
    descending: bool = False,
    console: Console | None = None,
) -> tuple[Comparison, list[Path]]:
    """Load, rank, print the table, write comparison.csv and the plots; returns the files."""
    if not is_metric(metric):
        raise CompareError(unknown_metric(metric))
    comparison = compare_runs(load_inputs(inputs), metric, descending)
    out_dir = Path(out) if out is not None else default_out_dir(inputs)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CompareError(f"cannot write to {out_dir}: {err}") from None

    from dsft.tracking.plots import write_plots  # lazy: plots is only needed here

    files = [write_csv(comparison, out_dir / "comparison.csv"), *write_plots(comparison, out_dir)]
    console = console or _console()
    table = build_table(comparison)
    if _natural_width(console, table) > console.width:
        table = build_table(comparison, short_headers=True)
    width = _natural_width(console, table)
    if width > console.width and not console.is_terminal:
        console.width = width  # a file or a pipe: nothing wraps there, keep every column
    console.print(table)
    for run in comparison.runs:
        if run.error and not run.completed:
            console.print(f"run {run.name} [red]{run.status}[/]: {run.error}", soft_wrap=True)
    best = comparison.best
    if best is None:
        console.print(f"No completed run has {metric}.")
    else:
        console.print(
            f"{BEST_MARK} best: run {best.name} ({comparison.label(best)}), "
            f"{metric} {_display(metric, best.metric(metric))}: {best.path}",
            soft_wrap=True,
        )
    console.print(f"Wrote {', '.join(f.name for f in files)} to {out_dir}", soft_wrap=True)
    return comparison, files


def _natural_width(console: Console, table: Table) -> int:
    return Measurement.get(console, console.options.update_width(10_000), table).maximum


def _console() -> Console:
    """The terminal's width; 160 columns when piped or captured, so the table is not squeezed."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=160)
    return console


# --- helpers -----------------------------------------------------------------------------------


def _comparable(value: str | None) -> Any:
    """1e-4 and 0.0001 are the same value."""
    number = as_number(value)
    return ("number", number) if number is not None else ("text", value)


def _plain(value: float | None) -> Any:
    if value is None:
        return ""
    return int(value) if value.is_integer() and abs(value) >= 1 else value


def _display(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric == "wall_time_s":
        minutes, seconds = divmod(value, 60)
        return f"{int(minutes)}m {seconds:04.1f}s" if minutes else f"{seconds:.1f}s"
    if metric.endswith("loss"):
        return f"{value:.4f}"
    if metric.startswith("eval/"):
        return f"{value:.4g}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"

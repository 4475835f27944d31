"""PNG plots of a comparison: validation-loss curves and the sort metric against each swept key.

matplotlib is imported inside the functions, and figures are drawn with the Agg canvas directly
(no pyplot, no global backend switch), so importing this module costs nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from dsft.tracking.comparison import (
    Comparison,
    metric_header,
    param_value,
    short_names,
    use_log_scale,
)
from dsft.tracking.run_names import format_value
from dsft.tracking.run_records import RunRecord, as_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")


def write_plots(comparison: Comparison, out_dir: Path) -> list[Path]:
    """val_loss_curves.png, and metric_vs_<key>.png for every swept key."""
    files = [plot_val_curves(comparison, out_dir / "val_loss_curves.png")]
    for key in comparison.swept:
        files.append(plot_metric_vs_param(comparison, key, out_dir / plot_name(key)))
    return files


def plot_name(key: str) -> str:
    return f"metric_vs_{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.png"


def plot_val_curves(comparison: Comparison, path: Path) -> Path:
    """Val loss against step, one line per run labelled by its swept values; best run thicker."""
    fig, ax = _new_figure()
    best = comparison.best
    drawn = 0
    for run in comparison.runs:
        if not run.val_curve:
            continue
        marker = MARKERS[drawn % len(MARKERS)]  # runs with near-equal curves stay told apart
        steps, values = zip(*run.val_curve, strict=True)
        label = comparison.label(run)
        if run is best:
            label += " (best)"
        elif not run.completed:
            label += f" ({run.status})"
        ax.plot(
            steps,
            values,
            marker=marker if len(steps) <= 30 else None,
            markersize=6 if run is best else 5,
            linewidth=2.6 if run is best else 1.4,
            linestyle="-" if run.completed else "--",
            label=label,
            zorder=3 if run is best else 2,
        )
        drawn += 1
    missing = [r.name for r in comparison.runs if not r.val_curve]
    if not drawn:
        ax.text(0.5, 0.5, "no validation loss recorded", ha="center", va="center")
    ax.set_xlabel("step")
    ax.set_ylabel("val loss")
    ax.set_title("Validation loss")
    ax.grid(True, alpha=0.3)
    if missing:
        _footnote(fig, f"no val loss recorded: run {', '.join(missing)}")
    return _save(fig, ax, path, legend=drawn > 0)


def plot_metric_vs_param(comparison: Comparison, key: str, path: Path) -> Path:
    """The sort metric against one swept key; one line per combination of the other swept keys."""
    metric = comparison.metric
    others = [k for k in comparison.swept if k != key]
    names = short_names(comparison.swept)
    shown = [r for r in comparison.runs if r.completed and r.metric(metric) is not None]
    raw = [param_value(r, key) for r in shown]
    numbers = [as_number(v) for v in raw]
    numeric = bool(shown) and all(n is not None for n in numbers)
    if numeric:
        xs = {run.name: n for run, n in zip(shown, numbers, strict=True)}
    else:  # categories in first-seen order
        categories = list(dict.fromkeys(format_value(v) for v in raw))
        xs = {r.name: categories.index(format_value(v)) for r, v in zip(shown, raw, strict=True)}

    fig, ax = _new_figure()
    groups: dict[str, list[RunRecord]] = {}
    for run in shown:
        group = " ".join(f"{names[k]}={format_value(param_value(run, k))}" for k in others)
        groups.setdefault(group, []).append(run)
    for group, runs in groups.items():
        runs = sorted(runs, key=lambda r: xs[r.name])
        ax.plot(
            [xs[r.name] for r in runs],
            [r.metric(metric) for r in runs],
            marker="o",
            linewidth=1.4,
            label=group or None,
        )
    best = comparison.best
    if best in shown:
        ax.scatter(
            [xs[best.name]],
            [best.metric(metric)],
            marker="*",
            s=260,
            color="gold",
            edgecolors="black",
            zorder=5,
            label=f"best: {comparison.label(best)}",
        )
    _set_x_axis(ax, key, shown, xs, numeric)
    if not shown:
        ax.text(0.5, 0.5, f"no completed run has {metric}", ha="center", va="center")
    ax.set_xlabel(key)
    ax.set_ylabel(metric_header(metric))
    ax.set_title(f"{metric} vs {key}")
    ax.grid(True, alpha=0.3)
    left_out = [r.name for r in comparison.runs if r not in shown]
    if left_out:
        _footnote(fig, f"not shown (not completed or no {metric}): run {', '.join(left_out)}")
    return _save(fig, ax, path, legend=bool(shown))


def _set_x_axis(ax: Axes, key: str, shown: list[RunRecord], xs: dict, numeric: bool) -> None:
    """Ticks at the swept values, labelled as on the command line; log scale when they span >10x."""
    from matplotlib.ticker import NullLocator

    ticks = sorted(set(xs.values()))
    if not ticks:
        return
    if numeric and use_log_scale(ticks):
        ax.set_xscale("log")
    labels: dict[float, str] = {}
    for run in shown:
        labels.setdefault(xs[run.name], format_value(param_value(run, key)))
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels[t] for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    if not numeric:
        ax.set_xlim(-0.5, len(ticks) - 0.5)


def _new_figure() -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=110)
    return fig, fig.add_subplot()


def _footnote(fig: Figure, text: str) -> None:
    fig.text(0.01, 0.01, text, fontsize=8, color="dimgray", ha="left", va="bottom")


def _save(fig: Figure, ax: Axes, path: Path, legend: bool) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    handles, _ = ax.get_legend_handles_labels()
    if legend and handles:
        if len(handles) > 8:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
        else:
            ax.legend(fontsize="small")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    FigureCanvasAgg(fig)
    fig.savefig(path, format="png", bbox_inches="tight")
    return path

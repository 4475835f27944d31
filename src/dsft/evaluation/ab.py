"""A/B: the same suite on two models, paired per item, with 95% paired-bootstrap intervals.

Accuracy differences are in points (A - B), loss differences in nats per token (A - B, lower is
better); latency is a ratio (A / B). The bootstrap resamples items with a fixed seed, so the
interval is reproducible; an interval that excludes 0 is a clear difference.
"""

from __future__ import annotations

import random
from typing import Any

RESAMPLES = 2000


def paired_interval(pairs: list[tuple], statistic, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of statistic(resampled pairs) over RESAMPLES resamples."""
    rng = random.Random(seed)
    values = sorted(
        statistic([pairs[rng.randrange(len(pairs))] for _ in pairs]) for _ in range(RESAMPLES)
    )
    return values[int(0.025 * RESAMPLES)], values[int(0.975 * RESAMPLES) - 1]


def _accuracy_difference(pairs) -> float:
    return 100 * sum(a - b for a, b in pairs) / len(pairs)


def _loss_difference(pairs) -> float:
    tokens = sum(n for _, _, n in pairs)
    return (sum(a for a, _, _ in pairs) - sum(b for _, b, _ in pairs)) / tokens


def compare_results(
    a: dict[str, Any], b: dict[str, Any], same_data: bool = True
) -> dict[str, dict[str, Any]]:
    """Per task (and split): the difference, its interval, n and whether A is better.
    Perplexity is paired only when both runs have the same data config (`same_data`): otherwise
    their val/test items are different examples."""
    out: dict[str, dict[str, Any]] = {}
    for name, task_a in a["tasks"].items():
        task_b, kind = b["tasks"][name], task_a["config"]["type"]
        if kind == "multiple_choice":
            pairs = [
                (int(x["correct"]), int(y["correct"]))
                for x, y in zip(task_a["items"], task_b["items"], strict=True)
            ]
            out[name] = _entry("accuracy_points", pairs, _accuracy_difference, higher=True)
        elif kind == "perplexity" and not same_data:
            out[name] = {"metric": "loss", "skipped": "the runs' data configs differ"}
        elif kind == "perplexity":
            for split, items in task_a["items"].items():
                pairs = [
                    (x["loss_sum"], y["loss_sum"], x["tokens"])
                    for x, y in zip(items, task_b["items"][split], strict=True)
                ]
                out[f"{name}/{split}"] = _entry("loss", pairs, _loss_difference, higher=False)
        elif kind == "latency":
            ma, mb = task_a["metrics"], task_b["metrics"]
            out[name] = {
                "metric": "ttft_ratio",
                "ttft_p50_ratio": ma["ttft_p50_ms"] / mb["ttft_p50_ms"],
                "ttft_p90_ratio": ma["ttft_p90_ms"] / mb["ttft_p90_ms"],
                "n": task_a["n"],
            }
    return out


def _entry(metric: str, pairs: list[tuple], statistic, higher: bool) -> dict[str, Any]:
    difference = statistic(pairs)
    low, high = paired_interval(pairs, statistic)
    clear = low > 0 or high < 0
    better = (difference > 0) == higher if clear else None
    return {
        "metric": metric,
        "difference": difference,
        "interval": [low, high],
        "n": len(pairs),
        "a_better": better,
        "identical_items": sum(p[0] == p[1] for p in pairs),
    }


def verdicts(comparison: dict[str, dict[str, Any]], a: str, b: str) -> list[str]:
    """One line per task: "<a> better on medical_mc: +8.0 points [+3.1, +12.9], n=120"."""
    lines = []
    for task, entry in comparison.items():
        if "skipped" in entry:
            lines.append(f"{task}: not compared ({entry['skipped']}, so their items differ)")
            continue
        if "difference" not in entry:
            lines.append(
                f"{task}: time to first token {entry['ttft_p50_ratio']:.2f}x (P50), "
                f"{entry['ttft_p90_ratio']:.2f}x (P90) of {b}'s, n={entry['n']}"
            )
            continue
        unit = " points" if entry["metric"] == "accuracy_points" else " loss"
        low, high = entry["interval"]
        numbers = f"{entry['difference']:+.{1 if unit == ' points' else 3}f}{unit}"
        numbers += f" [{low:+.3g}, {high:+.3g}], n={entry['n']}"
        if entry["a_better"] is None:
            lines.append(f"no clear difference on {task}: {numbers}")
        else:
            lines.append(f"{a if entry['a_better'] else b} better on {task}: {numbers}")
    return lines

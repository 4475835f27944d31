"""The one-screen table of an evaluation's results."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def print_results(results: dict[str, Any], path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"eval {results['suite']}: {results['run_dir']}")
    for column in ("task", "metric", "value", "n", "seconds"):
        table.add_column(column, justify="right" if column in ("value", "n", "seconds") else "left")
    for name, task in results["tasks"].items():
        n = (
            task["n"]
            if not isinstance(task["n"], dict)
            else ", ".join(map(str, task["n"].values()))
        )
        for i, (metric, value) in enumerate(task["metrics"].items()):
            shown = "-" if value is None else f"{value:.4g}" if isinstance(value, float) else value
            table.add_row(
                name if i == 0 else "",
                metric,
                str(shown),
                str(n) if i == 0 else "",
                str(task["seconds"]) if i == 0 else "",
            )
    console = Console()
    console.print(table)
    console.print(f"written to {path}")

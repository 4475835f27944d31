"""`dsft compare` on run records built by hand: ranking, swept keys, table, CSV, PNGs, the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from dsft.tracking.compare import (
    CompareError,
    build_table,
    compare,
    compare_runs,
    default_out_dir,
    find_run_dirs,
    format_value,
    load_run,
    load_runs,
    param_value,
    run_label,
    swept_params,
    use_log_scale,
)
from tests.conftest import ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIXED = ["train.max_steps=6", "train.val_every_n_steps=3", "data.max_examples=200"]

# job -> (r, lr, val curve [(step, loss)], final train loss, tokens/s, wall s); None: crashed hard.
JOBS = {
    0: ("4", "0.0001", [(0, 11.76), (2, 11.75), (5, 11.70)], 11.80, 270.0, 9.7),
    1: ("4", "0.001", [(0, 11.76), (2, 11.40), (5, 11.20)], 11.30, 278.0, 4.4),
    2: ("8", "0.0001", None, None, None, None),
    3: ("8", "0.001", [(0, 11.76), (2, 11.10), (5, 11.50)], 11.45, 135.0, 8.3),
}
# Final val losses: job 1 is best (11.20); job 3 has the lowest loss seen (11.10) but ends higher.


def write_run(
    run_dir: Path,
    overrides: list[str],
    curve: list[tuple[int, float]] | None,
    train_loss: float | None = None,
    tokens_per_s: float | None = None,
    wall_time_s: float | None = None,
    config: dict | None = None,
) -> Path:
    """A run dir as dsft leaves it; curve=None: a job that crashed before writing anything else."""
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if curve is None:
        return run_dir
    import yaml

    (run_dir / "config.yaml").write_text(yaml.safe_dump(config or {}))
    (run_dir / "csv").mkdir()
    lines = ["epoch,lr-AdamW,step,train/grad_norm,train/loss,train/tokens_per_s,val/loss"]
    for step, loss in curve:
        lines.append(f"0,,{step},,,,{loss}")
        if step:
            lines.append(f"0,,{step},1.0,{train_loss},{tokens_per_s},")
    (run_dir / "csv" / "metrics.csv").write_text("\n".join(lines) + "\n")
    summary = {
        "status": "completed",
        "initial_val_loss": curve[0][1],
        "final_val_loss": curve[-1][1],
        "final_train_loss": train_loss,
        "tokens_per_s": tokens_per_s,
        "tokens_seen": 828,
        "wall_time_s": wall_time_s,
        "global_step": 6,
        "peak_rss_mb": 951.4,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return run_dir


@pytest.fixture
def sweep(tmp_path) -> Path:
    """A 4-job multirun dir: r in {4, 8} x lr in {1e-4, 1e-3}; job 2 crashed without a summary."""
    root = tmp_path / "multirun" / "2026-11-27_21-48-36-427750_5268"
    root.mkdir(parents=True)
    (root / "multirun.yaml").write_text("hydra:\n  mode: MULTIRUN\n")
    for job, (r, lr, curve, train_loss, tps, wall) in JOBS.items():
        overrides = [f"adapter.r={r}", f"optimizer.lr={lr}", *FIXED, f"hydra.job.num={job}"]
        write_run(root / str(job), overrides, curve, train_loss, tps, wall)
    return root


def test_find_run_dirs_expands_sweeps_and_keeps_run_dirs(sweep):
    jobs = [sweep / str(n) for n in range(4)]
    assert find_run_dirs([sweep]) == jobs
    assert find_run_dirs([jobs[1]]) == [jobs[1]]
    assert find_run_dirs([jobs[1], sweep]) == [jobs[1], jobs[0], jobs[2], jobs[3]]


def test_find_run_dirs_errors_on_missing_path_and_dir_without_runs(tmp_path):
    with pytest.raises(CompareError, match="does not exist"):
        find_run_dirs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CompareError, match="holds no runs"):
        find_run_dirs([tmp_path / "empty"])


def test_load_run_reads_summary_overrides_and_curve(sweep):
    run = load_run(sweep / "3")
    assert run.name == "3" and run.status == "completed"
    assert run.overrides["adapter.r"] == "8" and run.overrides["optimizer.lr"] == "0.001"
    assert run.val_curve == [(0, 11.76), (2, 11.10), (5, 11.50)]
    assert run.final_val_loss == 11.50
    assert run.best_val_loss == 11.10  # min over metrics.csv, not the final value
    assert (run.final_train_loss, run.tokens_per_s, run.wall_time_s) == (11.45, 135.0, 8.3)


def test_job_without_summary_is_failed_not_an_error(sweep):
    run = load_run(sweep / "2")
    assert run.status == "failed"
    assert run.final_val_loss is None and run.best_val_loss is None and run.val_curve == []
    assert "no summary.json" in run.error


def test_failed_summary_keeps_its_error_and_partial_curve(sweep):
    summary = sweep / "0" / "summary.json"
    data = json.loads(summary.read_text())
    data.update(status="failed", error="RuntimeError: CUDA out of memory")
    del data["final_val_loss"]
    summary.write_text(json.dumps(data))
    run = load_run(sweep / "0")
    assert run.status == "failed" and run.error == "RuntimeError: CUDA out of memory"
    assert run.final_val_loss == 11.70 and run.best_val_loss == 11.70  # from metrics.csv
    buffer = io.StringIO()
    comparison, _ = compare([sweep], console=Console(file=buffer, width=200))
    assert [r.name for r in comparison.runs] == ["1", "3", "0", "2"]  # failed ones last
    assert [r.status for r in comparison.runs[2:]] == ["failed", "failed"]
    assert "run 0 failed: RuntimeError: CUDA out of memory" in buffer.getvalue()


def test_swept_params_are_exactly_the_keys_that_vary(sweep):
    runs = load_runs(find_run_dirs([sweep]))
    assert swept_params(runs) == ["adapter.r", "optimizer.lr"]  # hydra.job.num is dropped


def test_ranking_best_first_failed_last(sweep):
    comparison = compare_runs(load_runs(find_run_dirs([sweep])), "final_val_loss")
    assert [r.name for r in comparison.runs] == ["1", "3", "0", "2"]
    assert comparison.best.name == "1"
    assert comparison.runs[-1].status == "failed"

    by_best = compare_runs(comparison.runs, "best_val_loss")
    assert [r.name for r in by_best.runs] == ["3", "1", "0", "2"]
    fastest = compare_runs(comparison.runs, "tokens_per_s", descending=True)
    assert [r.name for r in fastest.runs] == ["1", "0", "3", "2"]


def test_labels_use_short_keys_and_readable_values(sweep):
    runs = load_runs(find_run_dirs([sweep]))
    swept = swept_params(runs)
    assert run_label(runs[0], swept, runs) == "r=4 lr=1e-4"
    assert [format_value(v) for v in ("0.0001", "3.0e-04", "0.001", "0.05", "16", "lora")] == [
        "1e-4",
        "3e-4",
        "1e-3",
        "0.05",
        "16",
        "lora",
    ]
    assert use_log_scale([1e-4, 1e-3, 1e-2]) and not use_log_scale([4.0, 8.0, 32.0])
    assert not use_log_scale([-1.0, 100.0])


def test_key_missing_from_some_runs_takes_its_configured_value(tmp_path):
    """Separate runs: lr overridden in one only; the other's lr comes from its config.yaml."""
    config = {"optimizer": {"lr": 0.0002}, "adapter": {"r": 8}}
    a = write_run(tmp_path / "a", ["adapter.r=8"], [(0, 11.7), (5, 11.0)], 11.1, 200.0, 5.0, config)
    b = write_run(
        tmp_path / "b", ["adapter.r=8", "optimizer.lr=0.0003"], [(0, 11.7), (5, 10.9)], 11.0
    )
    runs = load_runs([a, b])
    assert swept_params(runs) == ["optimizer.lr"]  # adapter.r=8 in both: not swept
    assert [param_value(r, "optimizer.lr") for r in runs] == ["0.0002", "0.0003"]
    assert default_out_dir([a, b]) == Path("comparison")


def test_compare_writes_table_csv_and_pngs(sweep):
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    comparison, files = compare([sweep], console=console)
    output = buffer.getvalue()

    table = build_table(comparison)
    assert table.row_count == 4
    headers = [c.header for c in table.columns]
    assert headers[:5] == ["#", "run", "adapter.r", "optimizer.lr", "status"]
    assert "train.max_steps" not in headers and "hydra.job.num" not in headers
    row_lines = [line for line in output.splitlines() if line.startswith("│")]
    assert len(row_lines) == 4
    assert "★" in row_lines[0] and "│ 1 " in row_lines[0] and "11.2000" in row_lines[0]
    assert "failed" in row_lines[-1] and "★" not in row_lines[-1]
    assert "best: run 1 (r=4 lr=1e-3)" in output

    # Default out dir: the sweep dir itself.
    assert {f.name for f in files} == {
        "comparison.csv",
        "val_loss_curves.png",
        "metric_vs_adapter.r.png",
        "metric_vs_optimizer.lr.png",
    }
    assert all(f.parent == sweep for f in files)

    with (sweep / "comparison.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["run"] for r in rows] == ["1", "3", "0", "2"]
    assert [r["rank"] for r in rows] == ["1", "2", "3", ""]
    assert rows[0]["adapter.r"] == "4" and rows[0]["optimizer.lr"] == "0.001"
    assert float(rows[0]["final_val_loss"]) == 11.20 and float(rows[1]["best_val_loss"]) == 11.10
    assert rows[-1]["status"] == "failed" and rows[-1]["final_val_loss"] == ""

    import matplotlib.image

    for png in (f for f in files if f.suffix == ".png"):
        assert png.read_bytes()[:8] == PNG_SIGNATURE, png
        image = matplotlib.image.imread(png)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300, png
        assert image.std() > 0.01, f"{png} is blank"


def test_out_dir_defaults_to_comparison_for_several_inputs(sweep, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    compare([sweep / "0", sweep / "1"], console=Console(file=io.StringIO()))
    assert (tmp_path / "comparison" / "comparison.csv").exists()
    assert not (sweep / "comparison.csv").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dsft.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_cli_compare_prints_ranked_table_without_importing_torch(sweep, tmp_path):
    out = tmp_path / "cmp"
    proc = run_cli("compare", str(sweep), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 4
    assert "★" in rows[0] and "1e-3" in rows[0] and "failed" in rows[-1]
    assert "best: run 1 (r=4 lr=1e-3)" in proc.stdout
    assert (out / "comparison.csv").exists() and (out / "val_loss_curves.png").exists()
    imported = {
        line.split("|")[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert not {"torch", "lightning", "transformers"} & imported


def test_cli_missing_path_exits_2_without_traceback(tmp_path):
    proc = run_cli("compare", str(tmp_path / "does-not-exist"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli("compare", str(empty))
    assert proc.returncode == 2
    assert "holds no runs" in proc.stderr and "Traceback" not in proc.stderr

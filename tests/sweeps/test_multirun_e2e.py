"""Real multiruns on the tiny model: W&B runs read back from disk, Optuna, failures, compare."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAST, ROOT, assert_ok

pytestmark = pytest.mark.slow
SWEEP = ["adapter.r=4,8", "optimizer.lr=1e-4,1e-3"]
EXPECTED = {(r, lr) for r in (4, 8) for lr in (1e-4, 1e-3)}


def multirun(args: list[str], sweep_dir: Path, home: Path):
    cmd = [sys.executable, str(ROOT / "train.py"), "-m", f"hydra.sweep.dir={sweep_dir}", *args]
    env = {**os.environ, "HOME": str(home), "WANDB_MODE": ""}
    env.pop("WANDB_MODE")
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)


def wandb_records(job_dir: Path) -> list[dict]:
    """Every record of the job's offline W&B run, read back with wandb's own reader."""
    (run_file,) = job_dir.glob("wandb/offline-run-*/run-*.wandb")
    return wandb_file_records(run_file)


def wandb_file_records(run_file: Path) -> list[dict]:
    """Every record of one .wandb file, read with `wandb leet inspect`."""
    wandb_cli = shutil.which("wandb", path=str(Path(sys.executable).parent)) or "wandb"
    out = subprocess.run(
        [wandb_cli, "leet", "inspect", "--json", str(run_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def wandb_sweep(tmp_path_factory):
    base = tmp_path_factory.mktemp("sweep")
    proc = multirun(["logger=wandb", *SWEEP, *FAST, "train.max_steps=4"], base / "multirun", base)
    assert_ok(proc)
    return base / "multirun"


def test_four_jobs_four_distinct_wandb_runs_in_one_group(wandb_sweep):
    jobs = sorted(p for p in wandb_sweep.iterdir() if p.name.isdigit())
    assert len(jobs) == 4
    run_ids, groups, seen = set(), set(), set()
    for job in jobs:
        records = wandb_records(job)
        (run,) = [r["run"] for r in records if r["type"] == "run"]
        run_ids.add(run["run_id"])
        groups.add(run["run_group"])
        config = {}
        for r in records:
            if r["type"] == "config":
                config.update(r["config"]["update"])
        r_value, lr = config["adapter"]["r"], config["optimizer"]["lr"]
        assert isinstance(config["adapter"], dict)  # nested plain config, not strings
        overrides = (job / ".hydra" / "overrides.yaml").read_text()
        assert f"adapter.r={r_value}" in overrides
        assert run["display_name"] == f"r{r_value}-lr{lr:.0e}".replace("e-0", "e-")
        seen.add((r_value, lr))
        history = [r["history"]["item"] for r in records if r["type"] == "history"]
        val_losses = [h["val/loss"] for h in history if "val/loss" in h]
        summary = json.loads((job / "summary.json").read_text())
        assert val_losses[-1] == pytest.approx(summary["final_val_loss"], abs=1e-6)
        assert any("train/loss" in h for h in history)
        assert any("final/trainable_parameters" in h for h in history)
        assert any(r["type"] == "artifact" for r in records)  # the adapter
    assert seen == EXPECTED
    assert len(run_ids) == 4
    assert groups == {wandb_sweep.name}


def test_compare_ranks_the_sweep_and_draws_valid_pngs(wandb_sweep, tmp_path):
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [sys.executable, "-m", "dsft.cli", "compare", str(wandb_sweep), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr
    losses = {
        job.name: json.loads((job / "summary.json").read_text())["final_val_loss"]
        for job in wandb_sweep.iterdir()
        if job.name.isdigit()
    }
    best = min(losses, key=losses.get)
    rows = (out / "comparison.csv").read_text().splitlines()
    assert len(rows) == 5  # header + 4 runs
    assert rows[1].split(",")[1] == best  # rank 1 is the lowest final val loss
    assert "★" in proc.stdout
    pngs = sorted(out.glob("*.png"))
    assert {p.name for p in pngs} >= {"val_loss_curves.png"} and len(pngs) >= 3
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_a_failing_job_does_not_stop_the_sweep(tmp_path):
    # lr=1e30 makes the loss NaN within a few steps; the other job must still finish.
    sweep_dir = tmp_path / "multirun"
    proc = multirun(
        [*FAST, "optimizer.lr=1e-3,1e30", "optimizer.warmup_steps=0"], sweep_dir, tmp_path
    )
    assert proc.returncode != 0  # Hydra reports the failure at the end
    ok = json.loads((sweep_dir / "0" / "summary.json").read_text())
    failed = json.loads((sweep_dir / "1" / "summary.json").read_text())
    assert ok["status"] == "completed" and (sweep_dir / "0" / "adapter").is_dir()
    assert failed["status"] == "failed" and "FloatingPointError" in failed["error"]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dsft.cli",
            "compare",
            str(sweep_dir),
            "--out",
            str(tmp_path / "cmp"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stderr
    assert "failed" in out.stdout and "completed" in out.stdout


def test_optuna_sweep_runs_three_trials_and_reports_the_best(tmp_path):
    sweep_dir = tmp_path / "optuna"
    proc = multirun(
        [
            "+sweep=lora_optuna",
            "hydra.sweeper.n_trials=3",
            "logger=csv",
            *FAST,
            "train.max_steps=3",
        ],
        sweep_dir,
        tmp_path,
    )
    assert_ok(proc)
    results = (sweep_dir / "optimization_results.yaml").read_text()
    assert "best_value" in results and "best_params" in results
    trials = [p for p in sweep_dir.iterdir() if p.name.isdigit()]
    assert len(trials) == 3
    best = min(json.loads((t / "summary.json").read_text())["final_val_loss"] for t in trials)
    import yaml

    assert yaml.safe_load(results)["best_value"] == pytest.approx(best, abs=1e-6)


def test_time_to_first_step_counts_from_each_jobs_start(wandb_sweep):
    """Jobs of a multirun share one process: a later job's time to its first step must not
    include the jobs before it (it grew job after job when measured from the process start)."""
    jobs = sorted(p for p in wandb_sweep.iterdir() if p.name.isdigit())
    for job in jobs[1:]:
        summary = json.loads((job / "summary.json").read_text())
        assert 0 < summary["time_to_first_step_s"] <= summary["wall_time_s"] + 1.0, summary


def test_a_sweep_into_an_existing_sweep_dir_is_refused_before_anything_is_written(tmp_path):
    sweep_dir = tmp_path / "multirun"
    assert_ok(multirun([*FAST, "train.max_steps=2", "adapter.r=4"], sweep_dir, tmp_path))
    written = {
        p: p.read_bytes()
        for p in [sweep_dir / "multirun.yaml", *(sweep_dir / "0" / ".hydra").iterdir()]
    }
    again = multirun([*FAST, "train.max_steps=2", "adapter.r=8"], sweep_dir, tmp_path)
    assert again.returncode == 2
    assert f"hydra.sweep.dir: {sweep_dir} already holds a sweep" in again.stderr
    assert all(p.read_bytes() == content for p, content in written.items())  # untouched
    assert sorted(p.name for p in sweep_dir.iterdir()) == ["0", "multirun.yaml"]


def test_wandb_stages_artifacts_in_the_run_dir_not_home(wandb_sweep):
    home = wandb_sweep.parent  # the jobs ran with HOME here
    assert not (home / ".local" / "share" / "wandb").exists()
    assert list(wandb_sweep.glob("0/wandb/staging")), "the adapter artifact was staged elsewhere"

"""`dsft doctor`: each rule on synthetic run records (metrics.csv, summary.json, config.yaml in
the shape dsft writes them), then on real tiny runs made to overfit and to diverge."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dsft.tracking.doctor import diagnose, read_evidence, report
from tests.conftest import FAST, ROOT, assert_ok, run_train

CONFIG = {
    "model": {"family": "llama", "random_init": None},
    "adapter": {"method": "lora", "dropout": 0.0},
    "optimizer": {"lr": 2e-3, "warmup_steps": 10, "max_grad_norm": 1.0, "weight_decay": 0.0},
    "hardware": {"micro_batch_size": 8, "grad_accum": 1, "gradient_checkpointing": False},
    "data": {"num_workers": 0, "packing": False},
}


def write_run(
    run_dir: Path,
    train: list[float],
    val: dict[int, float],
    summary: dict | None = None,
    config: dict | None = None,
) -> Path:
    """A run dir as dsft writes one: CSVLogger rows (train every step, val sparse)."""
    (run_dir / "csv").mkdir(parents=True)
    fields = ["epoch", "step", "train/loss", "train/grad_norm", "val/loss"]
    with (run_dir / "csv" / "metrics.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for step, loss in enumerate(train):
            writer.writerow({"epoch": 0, "step": step, "train/loss": loss, "train/grad_norm": 1.0})
        for step, loss in sorted(val.items()):
            writer.writerow({"epoch": 0, "step": step, "val/loss": loss})
    done = {"status": "completed", "global_step": len(train), **(summary or {})}
    (run_dir / "summary.json").write_text(json.dumps(done))
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config or CONFIG))
    return run_dir


def problems(run_dir: Path) -> list[str]:
    return [f.problem for f in diagnose(read_evidence(run_dir))]


def healthy(steps: int = 200) -> list[float]:
    """A falling loss with the step-to-step noise of small batches."""
    return [8.0 * math.exp(-i / 80) + 2.0 + 0.15 * math.sin(i * 1.7) for i in range(steps)]


def test_a_healthy_run_has_no_findings(tmp_path):
    train = healthy()
    val = {s: train[s] + 0.3 for s in range(0, 200, 20)}
    assert problems(write_run(tmp_path / "run", train, val)) == []


def test_nan_is_divergence_with_a_lower_lr(tmp_path):
    train = [*healthy(30), float("nan"), float("nan")]
    run = write_run(tmp_path / "run", train, {0: 10.0, 20: 6.0})
    (finding,) = diagnose(read_evidence(run))
    assert finding.problem == "diverged" and "nan from step 30" in finding.evidence
    assert "optimizer.lr=0.0002" in finding.overrides


def test_a_loss_that_ends_above_its_start_is_divergence(tmp_path):
    train = [10 - i * 0.2 for i in range(20)] + [6 + i * 2.0 for i in range(20)]
    assert problems(write_run(tmp_path / "run", train, {0: 10.0})) == ["diverged"]


def test_overfitting_names_the_best_step(tmp_path):
    train = [8.0 - i * 0.03 for i in range(200)]
    val = {0: 8.0, 20: 7.0, 40: 6.5, 60: 6.8, 80: 7.2, 100: 7.6, 120: 8.0, 200: 6.5}
    (finding,) = diagnose(read_evidence(write_run(tmp_path / "run", train, val)))
    assert finding.problem == "overfitting" and "best at step 40 (6.5)" in finding.evidence
    assert "train.max_steps=41" in finding.overrides and "adapter.dropout=0.3" in finding.overrides


def test_a_val_loss_that_only_wobbles_is_not_overfitting(tmp_path):
    train = healthy()
    val = {0: 9.0, 40: 6.0, 80: 5.0, 120: 4.9, 160: 5.0, 199: 4.95}
    assert problems(write_run(tmp_path / "run", train, val)) == []


def test_oscillation(tmp_path):
    train = [6.0 + (3.0 if i % 2 else -3.0) for i in range(100)]
    val = {0: 6.0, 50: 6.0, 99: 6.01}
    assert "loss oscillating" in problems(write_run(tmp_path / "run", train, val))


def test_no_progress_suggests_a_higher_lr(tmp_path):
    train = [11.77 + 0.01 * math.sin(i) for i in range(100)]
    val = {0: 11.78, 50: 11.77, 99: 11.775}
    (finding,) = diagnose(read_evidence(write_run(tmp_path / "run", train, val)))
    assert finding.problem == "no progress" and "optimizer.lr=0.006" in finding.overrides


def test_out_of_memory_keeps_the_global_batch(tmp_path):
    error = "OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
    run = write_run(tmp_path / "run", [], {}, {"status": "failed", "error": error})
    (finding,) = diagnose(read_evidence(run))
    assert finding.problem == "out of memory"
    assert finding.overrides[:2] == ["hardware.micro_batch_size=4", "hardware.grad_accum=2"]
    assert "dsft plan" in finding.advice
    assert finding.overrides[-1] == "adapter=qlora"  # lora's 4-bit variant


def test_low_utilization_when_recorded(tmp_path):
    run = write_run(tmp_path / "run", healthy(), {0: 10.0, 199: 2.5}, {"gpu_utilization": 41})
    (finding,) = diagnose(read_evidence(run))
    assert finding.problem == "low accelerator utilization" and "41%" in finding.evidence


def test_a_sweep_is_checked_job_by_job(tmp_path):
    sweep = tmp_path / "multirun"
    write_run(sweep / "0", healthy(), {0: 10.0, 199: 2.5})
    write_run(sweep / "1", [*healthy(30), float("nan")], {0: 10.0})
    text, count = report([str(sweep)])
    assert count == 1
    assert f"{sweep / '0'}: completed after 200 steps: nothing alarming." in text
    assert f"{sweep / '1'}: completed after 31 steps: 1 finding(s)" in text and "diverged" in text


def test_not_a_run_dir_is_refused(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "dsft.cli", "doctor", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "not a run dir, nor a sweep dir" in proc.stderr


def doctor(run_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dsft.cli", "doctor", str(run_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.slow
def test_a_real_run_made_to_diverge(tmp_path):
    run_dir = tmp_path / "run"
    args = [*FAST[4:], "optimizer.lr=1.0", "optimizer.warmup_steps=0", "train.max_steps=30"]
    trained = run_train([*args, "train.val_every_n_steps=10"], run_dir)
    # It stops on the NaN loss, with one line and no traceback; or ends with a NaN val loss.
    assert trained.returncode in (0, 1) and "Traceback" not in trained.stderr, trained.stderr
    proc = doctor(run_dir)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "diverged" in proc.stdout and "optimizer.lr=0.1" in proc.stdout


@pytest.mark.slow
def test_a_real_run_made_to_overfit(tmp_path):
    """48 examples, a high lr, 60 steps: the val loss turns up after its best early step."""
    run_dir = tmp_path / "run"
    args = ["data.max_examples=48", "data.val_fraction=0.25", "optimizer.lr=5e-3"]
    args += ["train.max_steps=60", "train.val_every_n_steps=10"]
    args += ["train.early_stopping_patience=100"]
    assert_ok(run_train(args, run_dir))
    proc = doctor(run_dir)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "overfitting" in proc.stdout and "train.max_steps=" in proc.stdout
    assert "diverged" not in proc.stdout

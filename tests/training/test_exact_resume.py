"""A run killed with kill -9 and resumed continues exactly as if it had never stopped: the same
train loss at every later step (bit for bit in the CSV) and the same final val loss, also when
the kill lands while a checkpoint is being written."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_ok, run_train

pytestmark = pytest.mark.slow
ARGS = [
    "train.max_steps=24",
    "train.save_every_n_steps=2",
    "train.val_every_n_steps=12",
    "train.log_every_n_steps=1",
    "data.max_examples=400",
]


def train_losses(run_dir: Path) -> dict[int, str]:
    """step -> train/loss as written in the CSV (strings: compared bit for bit)."""
    with (run_dir / "csv" / "metrics.csv").open() as handle:
        return {int(r["step"]): r["train/loss"] for r in csv.DictReader(handle) if r["train/loss"]}


def final_val_loss(run_dir: Path) -> float:
    return json.loads((run_dir / "summary.json").read_text())["final_val_loss"]


def checkpoint_step(run_dir: Path) -> int:
    try:
        return json.loads((run_dir / "summary.json").read_text()).get("checkpoint_step") or 0
    except (OSError, ValueError):
        return 0


def kill_run(run_dir: Path, when) -> None:
    """Start train.py and kill -9 it as soon as `when(run_dir)` holds."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "train.py"), f"hydra.run.dir={run_dir}", *ARGS],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while not when(run_dir):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "timed out waiting to kill the run"
            time.sleep(0.001)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("full") / "run"
    assert_ok(run_train(ARGS, run_dir))
    return run_dir


def assert_resumes_exactly(killed: Path, resumed: Path, uninterrupted: Path) -> None:
    assert_ok(run_train([*ARGS, f"resume={killed}"], resumed))
    start = json.loads((resumed / "summary.json").read_text())["resumed_from"]
    assert start and Path(start).parent.parent == killed
    full, after = train_losses(uninterrupted), train_losses(resumed)
    assert after and set(after) <= set(full)
    assert min(after) > 0  # it continued, it did not start over
    assert {s: full[s] for s in after} == after  # every step after the resume, bit for bit
    assert final_val_loss(resumed) == final_val_loss(uninterrupted)


def test_kill_9_at_a_random_step_then_resume_equals_the_uninterrupted_run(uninterrupted, tmp_path):
    step = random.Random().randrange(4, 20, 2)
    killed = tmp_path / "killed"
    kill_run(killed, lambda d: checkpoint_step(d) >= step)
    assert_resumes_exactly(killed, tmp_path / "resumed", uninterrupted)


def test_kill_9_while_a_checkpoint_is_being_written(uninterrupted, tmp_path):
    killed = tmp_path / "killed"

    def writing(run_dir: Path) -> bool:
        # The atomic save's temp file exists only while torch.save writes it.
        return checkpoint_step(run_dir) >= 6 and any(
            (run_dir / "checkpoints").glob(".last.ckpt.*.partial")
        )

    kill_run(killed, writing)
    assert list((killed / "checkpoints").glob(".last.ckpt.*.partial"))  # caught mid-write
    assert (killed / "checkpoints" / "last.ckpt").is_file()  # the previous one is whole
    assert_resumes_exactly(killed, tmp_path / "resumed", uninterrupted)
    assert not list((killed / "checkpoints").glob(".last.ckpt.*.partial"))  # cleaned on resume


def test_resume_takes_the_runs_own_config_and_refuses_what_changes_learning(
    uninterrupted, tmp_path
):
    killed = tmp_path / "killed"
    kill_run(killed, lambda d: checkpoint_step(d) >= 8)
    # No overrides at all: the run's 24 steps, not the default 300.
    resumed = tmp_path / "resumed"
    assert_ok(run_train([f"resume={killed}"], resumed))
    assert json.loads((resumed / "summary.json").read_text())["global_step"] == 24
    assert final_val_loss(resumed) == final_val_loss(uninterrupted)
    refused = run_train([f"resume={killed}", "adapter.r=8"], tmp_path / "changed")
    assert refused.returncode == 2
    assert "adapter.r: resume=" in refused.stderr and "adapter.r=16" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_resuming_a_finished_run_says_so_and_how_to_extend_it(uninterrupted, tmp_path):
    proc = run_train([f"resume={uninterrupted}"], tmp_path / "again")
    assert proc.returncode == 2
    assert f"{uninterrupted} finished: it trained all 24 steps" in proc.stderr
    assert "train.max_steps=48" in proc.stderr
    extended = tmp_path / "extended"
    assert_ok(run_train([f"resume={uninterrupted}", "train.max_steps=30"], extended))
    summary = json.loads((extended / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == 30

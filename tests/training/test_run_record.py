"""Every run leaves a record however it ends: at start, at each checkpoint, after kill -9, and
with the real message when the data is bad."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsft.training.callbacks import AtomicCheckpointIO
from tests.conftest import FAST, ROOT, run_train, start_train

pytestmark = pytest.mark.slow


def wait_for(predicate, timeout: float = 240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def summary_of(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return {}


def test_a_killed_run_is_recorded_as_interrupted_and_resumable(tmp_path):
    run_dir = tmp_path / "run"
    args = [
        *FAST,
        "train.max_steps=200",
        "train.save_every_n_steps=3",
        "train.val_every_n_steps=50",
    ]
    proc = start_train(args, run_dir)
    try:
        started = wait_for(lambda: summary_of(run_dir))
        assert started["status"] == "running" and started["pid"] == proc.pid
        checkpointed = wait_for(lambda: summary_of(run_dir).get("checkpoint_step"))
        assert checkpointed >= 3
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    summary = summary_of(run_dir)
    assert summary["status"] == "running"  # the process could not say otherwise
    assert Path(summary["last_checkpoint"]).is_file()
    compare = subprocess.run(
        [sys.executable, "-m", "dsft.cli", "compare", str(run_dir), "--out", str(tmp_path / "c")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compare.returncode == 0, compare.stderr[-2000:]
    text = " ".join(compare.stdout.split())  # rich may wrap
    step = summary["checkpoint_step"]
    assert "interrupted" in text and f"interrupted at step {step}, resumable" in text


def test_bad_data_is_recorded_with_its_message(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "a", "output": "b"}\n{"instruction": \n')
    run_dir = tmp_path / "run"
    proc = run_train([*FAST, f"data.sources.0.path={bad}"], run_dir)
    assert proc.returncode == 2
    assert "bad.jsonl:2: malformed JSON" in proc.stderr
    summary = summary_of(run_dir)
    assert summary["status"] == "failed"
    assert summary["error"].startswith("DataError: ") and "bad.jsonl:2" in summary["error"]
    assert "bad.jsonl:2: malformed JSON" in (run_dir / "train.log").read_text()


def test_a_checkpoint_save_removes_what_a_killed_save_left(tmp_path):
    target = tmp_path / "last.ckpt"
    leftover = tmp_path / ".last.ckpt.k3j9x.partial"
    leftover.write_bytes(b"x" * 1000)
    AtomicCheckpointIO().save_checkpoint({"step": 1}, target)
    assert target.is_file() and not leftover.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]

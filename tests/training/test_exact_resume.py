"""A run killed with kill -9 and resumed continues exactly as if it had never stopped: the same
train loss at every later step (bit for bit in the CSV) and the same final val loss, also when
the kill lands while a checkpoint is being written."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import assert_ok, run_train, start_train

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


def kill_run(run_dir: Path, when, extra: list[str] = ()) -> None:
    """Start train.py and kill -9 it as soon as `when(run_dir)` holds."""
    proc = start_train([*ARGS, *extra], run_dir)
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
    # It continued, it did not start over: it trained only the steps after the checkpoint.
    log = (resumed / "train.log").read_text()
    resumed_at = int(re.search(r"CSV: continues .* rows before step (\d+)\)", log).group(1))
    assert resumed_at >= 2
    # Its CSV holds the whole run (the killed run's rows carried over): every train loss
    # equals the uninterrupted run's, bit for bit, before and after the resume.
    assert train_losses(resumed) == train_losses(uninterrupted)
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


def scalars(tensorboard_dir: Path, tag: str) -> dict[int, float]:
    """step -> value of a TensorBoard scalar, read as TensorBoard reads the dir (all its event
    files, in order, purges applied)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tensorboard_dir), purge_orphaned_data=True)
    events.Reload()
    values = [(e.step, e.value) for e in events.Scalars(tag)]
    assert len({s for s, _ in values}) == len(values), "a step shown twice"
    return dict(values)


def test_a_resumed_run_continues_its_csv_tensorboard_and_wandb_run(uninterrupted, tmp_path):
    from dsft.tracking.wandb_logger import wandb_run_id
    from tests.sweeps.test_multirun_e2e import wandb_file_records

    loggers = "logger=[tensorboard,wandb]"
    killed, resumed = tmp_path / "killed", tmp_path / "resumed"
    kill_run(killed, lambda d: checkpoint_step(d) >= 10, [loggers])
    assert_ok(run_train([*ARGS, loggers, f"resume={killed}"], resumed))
    # The CSV holds the whole run, rows before the resume carried over: as if never stopped.
    with (
        (uninterrupted / "csv" / "metrics.csv").open() as a,
        (resumed / "csv" / "metrics.csv").open() as b,
    ):
        keys = ("step", "train/loss", "val/loss", "lr-AdamW")
        full = [tuple(r[k] for k in keys) for r in csv.DictReader(a)]
        after = [tuple(r[k] for k in keys) for r in csv.DictReader(b)]
    assert after == full
    # TensorBoard shows one curve, each step once: the killed run's events up to the resume,
    # this run's after (what the killed run logged past its checkpoint is purged).
    shown = scalars(resumed / "tensorboard", "train/loss")
    assert sorted(shown) == sorted(train_losses(uninterrupted))
    for step, value in train_losses(uninterrupted).items():
        assert shown[step] == pytest.approx(float(value), rel=1e-6)
    log = (resumed / "train.log").read_text()
    assert f"CSV: continues {killed}/csv/metrics.csv" in log and "TensorBoard: continues" in log
    # W&B: the same run id goes on, in the new run dir.
    run_id = wandb_run_id(killed)
    assert run_id and wandb_run_id(resumed) == run_id
    (run_file,) = resumed.glob(f"wandb/offline-run-*-{run_id}/run-*.wandb")
    records = wandb_file_records(run_file)
    assert {r["run"]["run_id"] for r in records if r["type"] == "run"} == {run_id}

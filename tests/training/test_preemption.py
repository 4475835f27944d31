"""Which run dirs a job starting in them continues in place (a requeued cluster job), and which
it must refuse (runs are never overwritten)."""

from __future__ import annotations

import json

import pytest

from dsft.training.preemption import continues_in_place, snapshot_logs

CLEAN = ("SLURM_JOB_ID", "SLURM_RESTART_COUNT", "SLURM_PROCID", "SLURM_ARRAY_JOB_ID", "RANK")


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    for name in CLEAN:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "last.ckpt").write_bytes(b"ckpt")
    return tmp_path


def record(run_dir, **summary):
    (run_dir / "summary.json").write_text(json.dumps(summary))


def test_a_requeued_run_is_continued_and_a_finished_one_is_not(run_dir):
    record(run_dir, status="requeued")
    assert continues_in_place(run_dir)
    (run_dir / "checkpoints" / "last.ckpt").unlink()
    assert not continues_in_place(run_dir)  # nothing to continue from
    (run_dir / "checkpoints" / "last.ckpt").write_bytes(b"ckpt")
    for status in ("completed", "failed", "interrupted", "running"):
        record(run_dir, status=status)
        assert not continues_in_place(run_dir), status


def test_a_slurm_restart_of_the_same_job_continues_it(run_dir, monkeypatch):
    record(run_dir, status="interrupted", slurm_job_id="77")
    monkeypatch.setenv("SLURM_JOB_ID", "77")
    assert not continues_in_place(run_dir)  # the first start: not a restart
    monkeypatch.setenv("SLURM_RESTART_COUNT", "1")
    assert continues_in_place(run_dir)
    monkeypatch.setenv("SLURM_JOB_ID", "78")
    assert not continues_in_place(run_dir)  # another job pointed at this dir


def test_ranks_above_zero_join_the_run_their_rank_zero_restarted(run_dir, monkeypatch):
    record(run_dir, status="running", requeues=1)
    assert not continues_in_place(run_dir)  # rank 0: a running run is not requeued
    monkeypatch.setenv("SLURM_PROCID", "3")
    assert continues_in_place(run_dir)


def test_snapshot_sets_the_logs_aside_and_keeps_the_record(run_dir):
    (run_dir / "csv").mkdir()
    (run_dir / "csv" / "metrics.csv").write_text("step,train/loss\n0,1.0\n")
    (run_dir / "tensorboard" / "version_0").mkdir(parents=True)
    (run_dir / "tensorboard" / "version_0" / "events.out.tfevents.1").write_bytes(b"e")
    record(run_dir, status="requeued", requeues=0)
    first = snapshot_logs(run_dir)
    assert first == run_dir / ".requeued" / "1"
    assert (first / "csv" / "metrics.csv").read_text().endswith("0,1.0\n")
    assert (first / "tensorboard" / "version_0" / "events.out.tfevents.1").is_file()
    assert not (run_dir / "csv").exists()  # the CSV logger would delete it
    assert json.loads((first / "summary.json").read_text())["status"] == "requeued"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()  # resumed from in place
    assert snapshot_logs(run_dir) == run_dir / ".requeued" / "2"  # the next requeue's own

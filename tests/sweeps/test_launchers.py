"""Jobs launched in their own processes (Hydra's submitit launcher, as on SLURM) stay in the
sweep's one multirun dir; a job stopped by SIGTERM (a scheduler's preemption) leaves a
checkpoint that `resume=` continues."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import FAST, ROOT, assert_ok, run_dsft, run_train, start_train

pytestmark = pytest.mark.slow


def test_submitit_jobs_land_in_the_one_multirun_dir_and_compare_lists_them(tmp_path):
    # The sweep dir keeps the ${pid:} that each job's process would resolve anew.
    pattern = f"{tmp_path}/sweep_${{now:%H-%M-%S-%f}}_${{pid:}}"
    cmd = [
        sys.executable,
        str(ROOT / "train.py"),
        "-m",
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={pattern}",
        "adapter.r=4,8",
        "debug=fast",
        "train.max_steps=5",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert_ok(proc)
    (sweep,) = [d for d in tmp_path.iterdir() if d.name.startswith("sweep_")]  # one, not two
    jobs = sorted(d.name for d in sweep.iterdir() if (d / "summary.json").exists())
    assert jobs == ["0", "1"]
    for job in jobs:
        summary = json.loads((sweep / job / "summary.json").read_text())
        assert summary["status"] == "completed" and summary["global_step"] == 5
    compare = run_dsft("compare", str(sweep), "--out", str(tmp_path / "cmp"))
    assert_ok(compare)
    text = " ".join(compare.stdout.split())
    assert "adapter.r" in text and text.count("completed") >= 2


def test_sigterm_leaves_a_checkpoint_and_resume_continues(tmp_path):
    run_dir = tmp_path / "run"
    args = [
        *FAST,
        "train.max_steps=300",
        "train.save_every_n_steps=100",
        "train.val_every_n_steps=100",
    ]
    proc = start_train(args, run_dir)
    deadline = time.monotonic() + 300
    metrics = run_dir / "csv" / "metrics.csv"
    while not (metrics.exists() and metrics.read_text().count("\n") > 12):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=120) == 143  # 128 + SIGTERM: not a success
    summary = json.loads((run_dir / "summary.json").read_text())
    step = summary["checkpoint_step"]
    assert summary["status"] == "interrupted" and 0 < step < 100  # saved on the signal
    assert f"stopped by SIGTERM at step {step}; resumable" in summary["error"]
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert [p.name for p in (run_dir / "checkpoints").iterdir()] == ["last.ckpt"]
    resumed = tmp_path / "resumed"
    assert_ok(run_train([f"resume={run_dir}", "train.max_steps=" + str(step + 4)], resumed))
    after = json.loads((resumed / "summary.json").read_text())
    assert after["status"] == "completed" and after["global_step"] == step + 4


def _train_losses(metrics_csv) -> dict[int, float]:
    """step -> train/loss of a run's metrics.csv, refusing a step logged twice."""
    import csv

    losses: dict[int, float] = {}
    with open(metrics_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("train/loss"):
                step = int(row["step"])
                assert step not in losses, f"step {step} logged twice"
                losses[step] = float(row["train/loss"])
    return losses


def test_preemption_signal_requeues_a_submitit_job_which_continues_its_run_dir(tmp_path):
    # submitit's own preemption signal (USR2) to the job: dsft saves at the next step, records
    # `requeued`, and submitit's local executor restarts the job, which continues in place.
    sweep = tmp_path / "sweep"
    cmd = [
        sys.executable,
        str(ROOT / "train.py"),
        "-m",
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={sweep}",
        *FAST,
        "train.max_steps=200",
        "train.save_every_n_steps=100",
        "train.val_every_n_steps=50",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    job = sweep / "0"
    deadline = time.monotonic() + 300
    metrics = job / "csv" / "metrics.csv"
    while not (metrics.exists() and metrics.read_text().count("\n") > 12):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()[-3000:]
        time.sleep(0.2)
    first_pid = json.loads((job / "summary.json").read_text())["pid"]
    os.kill(first_pid, signal.SIGUSR2)
    output = proc.communicate(timeout=600)[0].decode()
    assert proc.returncode == 0, output[-4000:]
    summary = json.loads((job / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == 200
    assert summary["requeues"] == 1 and summary["pid"] != first_pid  # a new process, same dir
    before = json.loads((job / ".requeued" / "1" / "summary.json").read_text())
    step = before["checkpoint_step"]
    assert before["status"] == "requeued" and 0 < step < 100  # saved on the signal
    assert f"SIGUSR2 at step {step}" in before["error"]
    assert summary["resumed_from"] == str(job / "checkpoints" / "last.ckpt")
    # One curve in the run's own metrics.csv: every step once, the first run's rows kept.
    losses = _train_losses(job / "csv" / "metrics.csv")
    assert sorted(losses) == list(range(200))  # Lightning's rows count steps from 0
    earlier = _train_losses(job / ".requeued" / "1" / "csv" / "metrics.csv")
    assert all(losses[s] == earlier[s] for s in earlier if s < step)
    assert [d.name for d in sweep.iterdir() if d.is_dir() and d.name.isdigit()] == ["0"]


def test_slurm_warning_signal_requeues_with_scontrol_and_the_restarted_job_continues(tmp_path):
    # A job that SLURM launched without submitit (sbatch --signal=USR1@120 ... train.py): the
    # variables SLURM sets, and an `scontrol` on PATH that records what it is asked to do.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "scontrol.calls"
    scontrol = bin_dir / "scontrol"
    scontrol.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    scontrol.chmod(0o755)
    slurm = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "SLURM_JOB_ID": "4242",
        "SLURM_JOB_NAME": "dsft-medical",
        "SLURM_NTASKS": "1",
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
        "SLURM_NODEID": "0",
    }
    run_dir = tmp_path / "run"
    args = [
        *FAST,
        "train.max_steps=120",
        "train.save_every_n_steps=100",
        "train.val_every_n_steps=50",
    ]
    proc = start_train(args, run_dir, env=slurm)
    metrics = run_dir / "csv" / "metrics.csv"
    deadline = time.monotonic() + 300
    while not (metrics.exists() and metrics.read_text().count("\n") > 12):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGUSR1)
    assert proc.wait(timeout=120) == 128 + signal.SIGUSR1
    assert calls.read_text().split() == ["requeue", "4242"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "requeued" and summary["slurm_job_id"] == "4242"
    step = summary["checkpoint_step"]
    # SLURM starts the same command again, in the same run dir.
    again = run_train(args, run_dir, env={**slurm, "SLURM_RESTART_COUNT": "1"})
    assert_ok(again)
    after = json.loads((run_dir / "summary.json").read_text())
    assert after["status"] == "completed" and after["global_step"] == 120
    assert after["requeues"] == 1 and after["initial_val_loss"] == summary["initial_val_loss"]
    assert sorted(_train_losses(metrics)) == list(range(120))
    assert json.loads((run_dir / ".requeued/1/summary.json").read_text())["checkpoint_step"] == step


def test_launcher_tasks_are_the_ranks_of_one_ddp_run_equal_to_one_process(tmp_path):
    # The multi-node preset's mechanism, on one machine: the launcher starts one process per
    # device (submitit's local executor here, srun on SLURM) and Lightning joins them as ranks
    # of one run. Two ranks x 2 examples take the steps one process takes on 4.
    sweep, single = tmp_path / "sweep", tmp_path / "single"
    cmd = [
        sys.executable,
        str(ROOT / "train.py"),
        "-m",
        "hydra/launcher=submitit_local",
        "hydra.launcher.tasks_per_node=2",
        f"hydra.sweep.dir={sweep}",
        "strategy=ddp",
        "hardware.devices=2",
        "hardware.micro_batch_size=2",
        *FAST,
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert_ok(proc)
    assert_ok(run_train([*FAST, "hardware.micro_batch_size=4"], single))
    two = json.loads((sweep / "0" / "summary.json").read_text())
    one = json.loads((single / "summary.json").read_text())
    assert two["status"] == "completed" and two["global_step"] == one["global_step"] == 6
    assert "MEMBER: 2/2" in (sweep / "0" / "train.log").read_text()  # both tasks, one run
    assert abs(two["final_val_loss"] - one["final_val_loss"]) < 1e-4
    assert two["tokens_seen"] == one["tokens_seen"]  # the same examples, split over the ranks
    # Without one process per device the launcher would start the sweep again in each.
    refused = tmp_path / "refused"
    cmd[4:6] = ["hydra.launcher.tasks_per_node=1", f"hydra.sweep.dir={refused}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    error = json.loads((refused / "0" / "summary.json").read_text())["error"]
    assert "set hydra.launcher.tasks_per_node=2 hydra.launcher.nodes=1" in error
    assert not (refused / "0" / "checkpoints").exists()  # refused before anything loaded

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

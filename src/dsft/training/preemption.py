"""Preemption: a job stopped by its scheduler's warning signal is requeued, and continues its
own run dir when it starts again.

`RequeueRequested` comes from `dsft.training.requeue.RequeueOnSignal` at a step boundary, after
the checkpoint callback saved; the run flow records `requeued` and calls its `requeue()`.
When the job starts again in the same run dir,
`continues_in_place` says so and the run flow resumes from that dir's checkpoint instead of
refusing a dir that holds a run: the CSV and TensorBoard logs go on in the same files (their
earlier content is set aside in <run>/.requeued/<n>/ and carried back up to the checkpoint),
W&B in the same run. Light on imports: the Hydra callbacks use it before anything loads.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

from dsft.training.hydra_callbacks import is_ddp_worker

log = logging.getLogger(__name__)

# Where a continued run dir keeps what its logs held when it was requeued (one dir per requeue).
SNAPSHOTS = ".requeued"


class RequeueRequested(Exception):
    """Raised at a step boundary after the scheduler's warning signal: the run flow saves,
    records `requeued` and calls `requeue()`."""

    def __init__(self, signum: int, step: int, previous_handler: Any):
        super().__init__(f"{signal.Signals(signum).name} at step {step}")
        self.signum = signum
        self.step = step
        self.previous_handler = previous_handler

    def requeue(self, is_global_zero: bool) -> None:
        """Put the job back in the queue: submitit's handler when submitit launched the job (it
        exits the process), else `scontrol requeue` on SLURM (rank 0); then exit."""
        if callable(self.previous_handler) and os.environ.get("SUBMITIT_EXECUTOR"):
            self.previous_handler(self.signum, None)  # checkpoint + requeue + sys.exit
        elif is_global_zero and os.environ.get("SLURM_JOB_ID"):
            job = slurm_job_id()
            done = subprocess.run(["scontrol", "requeue", job], capture_output=True, text=True)
            if done.returncode:
                log.error("scontrol requeue %s failed: %s", job, done.stderr.strip())
            else:
                log.info("requeued SLURM job %s", job)
        raise SystemExit(128 + self.signum)


def on_cluster_job() -> bool:
    """Whether this process is a SLURM or submitit job (one a scheduler can requeue)."""
    return bool(os.environ.get("SLURM_JOB_ID") or os.environ.get("SUBMITIT_EXECUTOR"))


def slurm_job_id() -> str | None:
    """The SLURM job id to requeue (an array task's own id)."""
    array = os.environ.get("SLURM_ARRAY_JOB_ID")
    if array:
        return f"{array}_{os.environ['SLURM_ARRAY_TASK_ID']}"
    return os.environ.get("SLURM_JOB_ID")


def continues_in_place(run_dir: Path) -> bool:
    """Whether a job starting in `run_dir` continues the run there: the run was requeued (or,
    on SLURM, this very job was restarted after being stopped) and left its checkpoint."""
    if not (run_dir / "checkpoints" / "last.ckpt").is_file():
        return False
    summary = _read_json(run_dir / "summary.json")
    if summary.get("status") == "requeued":
        return True
    if summary.get("status") == "running" and summary.get("requeues") and is_ddp_worker():
        return True  # a rank > 0 joining the continued run its rank 0 has already restarted
    restarted = int(os.environ.get("SLURM_RESTART_COUNT") or 0) > 0
    return (
        restarted
        and summary.get("status") in ("interrupted", "running")
        and summary.get("slurm_job_id") == slurm_job_id()
    )


def snapshot_logs(run_dir: Path) -> Path:
    """Before a continued run's loggers open (the CSV logger deletes its file): move its CSV and
    TensorBoard logs and copy its record into <run>/.requeued/<n>/, from where `ContinuedLogs`
    carries them back, up to the checkpoint; returns that dir."""
    count = len(list((run_dir / SNAPSHOTS).glob("[0-9]*"))) if (run_dir / SNAPSHOTS).is_dir() else 0
    snapshot = run_dir / SNAPSHOTS / str(count + 1)
    snapshot.mkdir(parents=True)
    logs = {p.parent for p in run_dir.rglob("metrics.csv")}
    logs |= {p.parent for p in run_dir.rglob("events.out.tfevents.*")}
    for folder in sorted(logs):
        relative = folder.relative_to(run_dir)
        if not relative.parts or relative.parts[0] in (SNAPSHOTS, "wandb"):
            continue  # logs written in the run dir itself stay (none of dsft's loggers does)
        (snapshot / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(folder), str(snapshot / relative))
    if (run_dir / "summary.json").is_file():
        shutil.copy2(run_dir / "summary.json", snapshot / "summary.json")
    return snapshot


def latest_snapshot(run_dir: Path) -> Path | None:
    """The newest <run>/.requeued/<n>/ (what a run continued in place continues from)."""
    snapshots = (run_dir / SNAPSHOTS).glob("[0-9]*") if (run_dir / SNAPSHOTS).is_dir() else []
    return max(snapshots, key=lambda p: int(p.name), default=None)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def earlier_run_of(resume: str, run_dir: Path) -> Path:
    """The dir holding what a resumed run continues (its record, its logs): the run `resume`
    names, or for a run continued in place, its latest snapshot."""
    from dsft.config.resume import resumed_run_dir

    earlier = resumed_run_dir(resume)
    if earlier.resolve() == Path(run_dir).resolve():
        return latest_snapshot(earlier) or earlier
    return earlier

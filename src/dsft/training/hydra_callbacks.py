"""Hydra callbacks: checks that must run before Hydra writes anything into a run dir."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

# What a run that got as far as training leaves (a dir with only Hydra's .hydra/ and a log is an
# attempt that failed before training: reusing it loses nothing).
RUN_MARKERS = ("summary.json", "adapter", "model", "checkpoints", "csv")


RANK_VARIABLES = (
    "RANK",
    "LOCAL_RANK",
    "NODE_RANK",
    "GROUP_RANK",
    "SLURM_PROCID",
    "SUBMITIT_LOCAL_GLOBALID",
    "JSM_NAMESPACE_RANK",
)


def is_ddp_worker() -> bool:
    """True in every process but the job's global rank 0. Lightning's DDP launcher starts the
    ranks > 0 of a node by re-running rank 0's command with its run dir (logging to
    train_ddp_process_<n>.log), so they join that run instead of starting one; on a multi-node
    job only global rank 0 writes the run record."""
    # Global rank 0 is rank 0 by every count a launcher sets (torchrun, Lightning, SLURM, LSF);
    # LOCAL_RANK alone is 0 on every node.
    return any(os.environ.get(variable, "0") != "0" for variable in RANK_VARIABLES)


class ProtectExistingRuns(Callback):
    """Refuse `hydra.run.dir=<a dir that holds a run>` (or a sweep dir that holds a sweep) before
    Hydra rewrites its .hydra/ files, multirun.yaml and logs: runs are never overwritten."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        _refuse_unwritable(sweep_dir, "hydra.sweep.dir")
        jobs = [d for d in sweep_dir.iterdir() if d.is_dir()] if sweep_dir.is_dir() else []
        taken = [d.name for d in jobs if any((d / m).exists() for m in (*RUN_MARKERS, ".hydra"))]
        if (sweep_dir / "multirun.yaml").exists() or taken:
            found = ["multirun.yaml"] if (sweep_dir / "multirun.yaml").exists() else []
            found += [f"job dir {name}" for name in sorted(taken)[:3]]
            print(
                f"Invalid config: hydra.sweep.dir: {sweep_dir} already holds a sweep "
                f"({', '.join(found)}). Sweeps are never overwritten: drop the hydra.sweep.dir "
                "override (each sweep gets a new dir) or pick a new dir.",
                file=sys.stderr,
            )
            raise SystemExit(2)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from dsft.training.preemption import continues_in_place

        if is_ddp_worker():
            return
        run_dir = Path(config.hydra.run.dir)
        _refuse_unwritable(run_dir, "hydra.run.dir")
        if continues_in_place(run_dir):  # a requeued job, started again
            return
        taken = [name for name in RUN_MARKERS if (run_dir / name).exists()]
        if taken:
            print(
                f"Invalid config: hydra.run.dir: {run_dir} already holds a run "
                f"({', '.join(taken)}). Runs are never overwritten: drop the hydra.run.dir "
                "override (each run gets a new dir) or pick a new dir; to continue that run, "
                "pass resume=<that dir>.",
                file=sys.stderr,
            )
            raise SystemExit(2)


def _refuse_unwritable(target: Path, key: str) -> None:
    """Exit 2 naming `target` when it (or the dir it would be made in) cannot be written."""
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = writable_problem(existing)
    if problem:
        print(
            f"Invalid config: {key}: cannot write {target} ({existing}: {problem}). Make it "
            f"writable, or send the run elsewhere: {key}=<a writable dir>.",
            file=sys.stderr,
        )
        raise SystemExit(2)


def writable_problem(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (e.g. "Permission denied"), or None."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as err:
        return err.strerror or str(err)

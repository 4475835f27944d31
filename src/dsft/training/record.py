"""The run record: summary.json, written however the run ends, and the loggers closed."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from dsft.training.hydra_callbacks import is_ddp_worker

log = logging.getLogger(__name__)

# Run-level numbers also sent to the loggers as final/<key> when a run completes.
FINAL_METRICS = ("tokens_per_s", "peak_rss_mb", "peak_gpu_mb", "trainable_parameters")


class RunRecord:
    """What one job knows about itself; `finish()` writes it and closes the loggers."""

    def __init__(self, run_dir: Path, started: float, entered: float, root_dir: str):
        from dsft.tracking.run_summary import git_commit

        self.run_dir = run_dir
        self.started = started  # when the job began (clock.job_start_time)
        self.entered = entered  # when run() (or the stage) began: wall_time_s counts from it
        self.data: dict[str, Any] = {
            "status": "running",
            "run_dir": str(run_dir),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "git": git_commit(root_dir),
        }
        self.trainer = None
        self.module = None
        self.loggers: list = []

    def write_running(self) -> None:
        """summary.json at the start (status running, pid, host), so a run killed before it
        ends is visible as such (`dsft compare`: interrupted)."""
        self._write()

    def checkpointed(self, step: int, path: str) -> None:
        """Called after each checkpoint: the record says how far a resume would start from."""
        self.data.update(global_step=step, last_checkpoint=str(path), checkpoint_step=step)
        self._write()

    def _write(self) -> None:
        from dsft.atomic import write_json_atomic
        from dsft.training.write_errors import fallback_record

        if is_ddp_worker():
            return
        target = self.run_dir / "summary.json"
        try:
            write_json_atomic(target, self.data)
            return
        except OSError as err:
            elsewhere = fallback_record(self.run_dir)
            if self.data.get("record_written_to") != str(elsewhere):
                log.error(
                    "cannot write %s (%s): the run record goes to %s instead. Make the run "
                    "dir writable again to resume from its checkpoints.",
                    target,
                    err.strerror or err,
                    elsewhere,
                )
            self.data["record_written_to"] = str(elsewhere)
        try:
            write_json_atomic(elsewhere, self.data)
        except OSError as err:
            log.error("cannot write the run record anywhere (%s): %s", err, self.data)

    def finish(self) -> None:
        """Write summary.json (rank 0) and close every logger (wandb.finish), whatever
        happened."""
        self.data.update(self._measures())
        self._write()
        completed = self.data["status"] == "completed"
        final = {f"final/{k}": self.data[k] for k in FINAL_METRICS if self.data.get(k) is not None}
        for logger in self.loggers:
            try:
                if final and completed:
                    logger.log_metrics(final, step=self.data["global_step"])
                logger.finalize("success" if completed else "failed")  # flush, close
            except OSError as err:  # e.g. the run dir made read-only: the record says so
                log.error("%s could not write its files: %s", type(logger).__name__, err)
        if "wandb" in sys.modules:
            # Always finish the W&B run: jobs of a multirun share this process, and an unfinished
            # run would swallow the next job's records.
            sys.modules["wandb"].finish(exit_code=0 if completed else 1)
        self._log_outcome()

    def _measures(self) -> dict[str, Any]:
        from dsft.tracking.run_summary import package_versions, peak_gpu_mb, peak_rss_mb
        from dsft.training.builders import find_callback
        from dsft.training.callbacks import TokenThroughput

        trainer, module = self.trainer, self.module
        throughput = find_callback(trainer, TokenThroughput) if trainer else None
        return dict(
            wall_time_s=round(time.time() - self.entered, 2),
            global_step=trainer.global_step if trainer else 0,
            tokens_seen=throughput.tokens_seen if throughput else 0,
            tokens_per_s=round(throughput.tokens_per_second, 1) if throughput else None,
            time_to_first_step_s=throughput.time_to_first_step if throughput else None,
            trainable_parameters=module.trainable_parameters if module else None,
            peak_rss_mb=round(peak_rss_mb(), 1),
            peak_gpu_mb=peak_gpu_mb(),
            packages=package_versions(),
        )

    def _log_outcome(self) -> None:
        data = self.data
        if data["status"] != "completed":
            log.info("run %s: %s", data["status"], self.run_dir)
            return
        initial = data.get("initial_val_loss")
        log.info(
            "run completed in %.0f s: val loss %s -> %.4f, %s non-pad tokens/s, first optimizer "
            "step after %s s; saved in %s",
            data["wall_time_s"],
            f"{initial:.4f}" if initial else "?",
            data["final_val_loss"],
            data["tokens_per_s"],
            data["time_to_first_step_s"],
            data.get("saved"),
        )

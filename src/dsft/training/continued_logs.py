"""A resumed run's CSV and TensorBoard logs continue the earlier run's: its rows and events up
to the checkpoint are carried into the new run dir, so one file (one TensorBoard run) shows the
whole curve. (W&B continues the same run id: `dsft.tracking.wandb_logger`.)"""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

log = logging.getLogger(__name__)


class ContinuedLogs(L.Callback):
    """At the start of a resumed fit (the checkpoint restored, so its step known): the earlier
    run's CSV rows logged before that step go first in this run's metrics.csv, and its
    TensorBoard event files are copied beside this run's, which opens by purging what the
    earlier run logged from that step on (TensorBoard's SessionLog.START, as SummaryWriter's
    purge_step does)."""

    def __init__(self, earlier_run: str | Path, run_dir: str | Path):
        self.earlier_run = Path(earlier_run)
        self.run_dir = Path(run_dir)

    def _earlier(self, log_dir: str) -> Path:
        """The earlier run's counterpart of one of this run's log dirs."""
        return self.earlier_run / Path(log_dir).relative_to(self.run_dir)

    def on_train_start(self, trainer, pl_module) -> None:
        from dsft.training.builders import find_callback
        from dsft.training.callbacks import ResumableCheckpoint

        if not trainer.is_global_zero:
            return
        step = trainer.global_step
        checkpoint = find_callback(trainer, ResumableCheckpoint)
        pending = checkpoint.restored_pending_row if checkpoint else None
        csv_logger = next((g for g in trainer.loggers if isinstance(g, CSVLogger)), None)
        earlier_csv = self._earlier(csv_logger.log_dir) / "metrics.csv" if csv_logger else None
        rows = _earlier_rows(earlier_csv, step, pending)
        for logger in trainer.loggers:
            if isinstance(logger, CSVLogger):
                logger.experiment.metrics[:0] = rows  # before this run's rows, in order
                log.info("CSV: continues %s (%d rows before step %d)", earlier_csv, len(rows), step)
            elif isinstance(logger, TensorBoardLogger):
                self._continue_tensorboard(logger, step, [r for r in rows if r["step"] == step - 1])

    def _continue_tensorboard(self, logger: TensorBoardLogger, step: int, last: list[dict]) -> None:
        from tensorboard.compat.proto.event_pb2 import Event, SessionLog

        earlier = self._earlier(logger.log_dir)
        files = sorted(earlier.glob("events.out.tfevents.*"))
        target = Path(logger.log_dir)
        target.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copy2(file, target / file.name)
        # Purge from the checkpointed step's own row on, then log that row whole again.
        writer = logger.experiment._get_file_writer()
        writer.add_event(Event(step=step - 1, session_log=SessionLog(status=SessionLog.START)))
        for row in last:
            metrics = {k: v for k, v in row.items() if k not in ("step", "epoch")}
            logger.log_metrics(metrics, step=step - 1)
        log.info(
            "TensorBoard: continues %s (%d event files; what it logged from step %d on is "
            "replaced by this run)",
            earlier,
            len(files),
            step,
        )


def _earlier_rows(earlier_csv: Path | None, step: int, pending: dict | None) -> list[dict]:
    """The earlier run's CSV rows logged before `step` (the resumed one), with the row of the
    checkpointed step that was pending when the checkpoint was written."""
    rows = []
    if earlier_csv is not None:
        try:
            with earlier_csv.open(newline="") as handle:
                rows = [r for r in csv.DictReader(handle) if r.get("step")]
        except OSError as err:
            log.warning("CSV: %s cannot be continued (%s)", earlier_csv, err)
    rows = [{k: _number(v) for k, v in r.items() if v != ""} for r in rows]
    rows = [r for r in rows if r["step"] < step]
    if pending is not None:
        rows = [
            r for r in rows if not (r["step"] == pending["step"] and r.keys() >= pending.keys())
        ]
        rows.append(dict(pending))
    return rows


def _number(value: str) -> float | int | str:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value

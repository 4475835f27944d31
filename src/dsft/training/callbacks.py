"""Callbacks: throughput, checkpoints written atomically, and the final report to the loggers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.plugins.io import TorchCheckpointIO

from dsft.atomic import atomic_path
from dsft.training.clock import process_start_time


class TokenThroughput(L.Callback):
    """Logs non-pad tokens/s of training (validation time excluded) and counts tokens seen
    (at the end, summed over all ranks of a multi-device run).

    `job_started` (wall-clock seconds) is when the job began; the run flow sets it, so the time
    to the first optimizer step counts from the job's start, not the process's.
    """

    def __init__(self, log_every_n_steps: int, job_started: float | None = None):
        self.log_every_n_steps = log_every_n_steps
        self.job_started = job_started
        self.tokens_seen = 0
        self.train_seconds = 0.0
        self._window_tokens = 0
        self._window_seconds = 0.0
        self._last = None
        self.time_to_first_step: float | None = None

    def _resume_clock(self, *_: Any) -> None:
        self._last = time.perf_counter()

    on_train_epoch_start = _resume_clock
    on_validation_end = _resume_clock

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        now = time.perf_counter()
        elapsed = now - (self._last or now)
        self._last = now
        if self.time_to_first_step is None:
            started = self.job_started or process_start_time()
            self.time_to_first_step = round(time.time() - started, 2)
        self.tokens_seen += batch["num_tokens"]
        self.train_seconds += elapsed
        self._window_tokens += batch["num_tokens"]
        self._window_seconds += elapsed
        if trainer.global_step % self.log_every_n_steps == 0 and self._window_seconds > 0:
            pl_module.log("train/tokens_per_s", self._window_tokens / self._window_seconds)
            self._window_tokens, self._window_seconds = 0, 0.0

    def on_train_end(self, trainer, pl_module) -> None:
        if trainer.world_size > 1:  # every rank trained on its own shard: count them all
            mine = torch.tensor(float(self.tokens_seen), device=pl_module.device)
            self.tokens_seen = int(trainer.strategy.reduce(mine, reduce_op="sum").item())

    def state_dict(self) -> dict[str, Any]:
        """Counters a resumed run continues (tokens seen, training seconds, first-step time)."""
        return {
            "tokens_seen": self.tokens_seen,
            "train_seconds": self.train_seconds,
            "time_to_first_step": self.time_to_first_step,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.tokens_seen = int(state.get("tokens_seen", 0))
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self.time_to_first_step = state.get("time_to_first_step")

    @property
    def tokens_per_second(self) -> float:
        return self.tokens_seen / self.train_seconds if self.train_seconds else 0.0


class ResumableCheckpoint(ModelCheckpoint):
    """`last.ckpt` every N steps and when a run crashes, except when it diverged: a checkpoint
    of NaN weights would only make `resume=` continue from a broken state."""

    # Called with (step, path) after each checkpoint is written (the run record's progress).
    after_save = None
    # The loggers' row of the step being checkpointed (Lightning sends it to them just after
    # this save): kept in the checkpoint, so a resumed run's logs have that step too.
    _pending_row: dict[str, Any] | None = None
    restored_pending_row: dict[str, Any] | None = None

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "pending_log_row": self._pending_row}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.restored_pending_row = state_dict.get("pending_log_row")
        super().load_state_dict(state_dict)

    def on_exception(self, trainer, pl_module, exception: BaseException) -> None:
        from dsft.training.write_errors import CheckpointWriteError

        if isinstance(exception, (FloatingPointError, CheckpointWriteError)):
            return  # diverged weights, or a save that just failed: keep the last good one
        if self._should_save_on_exception(trainer):  # last.ckpt only (no extra step file)
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        # A checkpoint due at a step that also evaluates is written after the evaluation, so a
        # resumed run has that evaluation too (early stopping and the best weights saw it).
        every = self._every_n_train_steps
        if every >= 1 and trainer.global_step % every == 0 and _validates_now(trainer):
            self._defer_save_until_validation = True
            return
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def _save_checkpoint(self, trainer, filepath: str) -> None:
        self._pending_row = _pending_log_row(trainer)
        super()._save_checkpoint(trainer, filepath)
        for logger in trainer.loggers:  # what was logged up to the checkpoint is on disk too
            logger.save()
        if self.after_save is not None and trainer.is_global_zero:
            self.after_save(trainer.global_step, filepath)


class BestWeights(L.Callback):
    """Keeps a CPU copy of the trainable weights of the lowest `monitor` seen in training's
    evaluations (restored with `restore`); the copy is part of the checkpoint, so a resumed run
    knows its best too. The run flow saves these as the run's result (train.final_weights)."""

    def __init__(self, monitor: str = "val/loss"):
        self.monitor = monitor
        self.score: float | None = None
        self.step: int | None = None
        self.weights: dict[str, torch.Tensor] | None = None

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or trainer.state.fn != "fit":
            return
        value = trainer.callback_metrics.get(self.monitor)
        if value is None or not torch.isfinite(value):
            return
        if self.score is None or float(value) < self.score:
            self.score, self.step = float(value), trainer.global_step
            self.weights = {
                name: param.detach().to("cpu", copy=True)
                for name, param in pl_module.named_parameters()
                if param.requires_grad
            }

    def restore(self, pl_module) -> None:
        """Put the best weights back into the module."""
        params = dict(pl_module.named_parameters())
        with torch.no_grad():
            for name, weight in self.weights.items():
                params[name].copy_(weight)

    def state_dict(self) -> dict[str, Any]:
        return {"score": self.score, "step": self.step, "weights": self.weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.score, self.step, self.weights = state["score"], state["step"], state["weights"]


def _pending_log_row(trainer) -> dict[str, Any] | None:
    """The metrics Lightning logs for the current training step once its batch-end hooks are
    done (`update_train_step_metrics`), as the loggers will get them; None when none are due."""
    from lightning.fabric.utilities.apply_func import convert_tensors_to_scalars

    connector = trainer._logger_connector
    if trainer.state.fn != "fit" or not trainer.training or not connector.should_update_logs:
        return None
    metrics = convert_tensors_to_scalars(dict(connector.metrics["log"]))
    if not metrics:
        return None
    step = trainer.fit_loop.epoch_loop._batches_that_stepped
    return {**metrics, "epoch": trainer.current_epoch, "step": step}


def _validates_now(trainer) -> bool:
    """Whether the fit loop evaluates right after this training batch (Lightning's own test)."""
    loop = trainer.fit_loop
    return loop.epoch_loop._should_check_val_fx(loop._data_fetcher)


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temp file and renames it, so a crash never leaves half a file."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options=None) -> None:
        from dsft.training.write_errors import checkpoint_failure

        path = Path(path)
        remove_partials(path)  # what a save killed midway left behind
        written = 0
        try:
            with atomic_path(path) as partial:
                try:
                    torch.save(checkpoint, partial)
                finally:
                    written = partial.stat().st_size if partial.exists() else 0
        except (OSError, RuntimeError) as err:  # a full disk, a dir made read-only
            raise checkpoint_failure(err, path, written) from None


def remove_partials(target: Path) -> list[Path]:
    """Delete the temp files an interrupted atomic write of `target` left (.<name>.*.partial)."""
    removed = []
    for leftover in target.parent.glob(f".{target.name}.*.partial"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


class FinalReport(L.Callback):
    """Gives the loggers what exists only once the run is over: TensorBoard's hparams view gets
    the final val loss, W&B the saved adapter (or model) as an artifact. The run flow calls
    `on_run_saved` after the final evaluation and save."""

    def on_run_saved(self, trainer, record: dict[str, Any], saved: Path, hparams: dict) -> None:
        from lightning.pytorch.loggers import TensorBoardLogger

        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                logger.log_hyperparams(hparams, {"hp/final_val_loss": record["final_val_loss"]})
            upload = getattr(logger, "log_saved_dir", None)
            if upload is not None:
                upload(saved)

"""Progress people can read anywhere: a plain line every N optimizer steps (step/total, train
loss, the latest val loss, lr, tokens/s, elapsed, ETA) in train.log, and on the console too when
it is not a terminal (nohup, SLURM, CI, `| tee`), where Lightning's progress bar is off. On a
terminal the bar stays and the lines go to train.log only."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import lightning as L

log = logging.getLogger("dsft.progress")


def console_is_terminal() -> bool:
    return sys.stdout.isatty()


class _NotOnConsole(logging.Filter):
    """Keeps progress lines off console handlers (the progress bar shows them there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name != log.name


def _keep_off_console() -> None:
    for handler in logging.getLogger().handlers:
        console = getattr(handler, "stream", None) in (sys.stdout, sys.stderr)
        if console and not any(isinstance(f, _NotOnConsole) for f in handler.filters):
            handler.addFilter(_NotOnConsole())


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressLines(L.Callback):
    """One line every `every_n_steps` optimizer steps (and at the last), from rank 0."""

    def __init__(self, every_n_steps: int = 10):
        self.every_n_steps = max(1, int(every_n_steps))
        self._started: float | None = None
        self._first_step = 0
        self._last_logged = -1
        self._val_reported: int | None = None

    def on_train_start(self, trainer, pl_module) -> None:
        if console_is_terminal():
            _keep_off_console()
        self._started = time.perf_counter()
        self._first_step = trainer.global_step  # a resumed run starts past 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        last = trainer.max_steps > 0 and step >= trainer.max_steps
        if not trainer.is_global_zero or step == self._last_logged:
            return
        if step % self.every_n_steps and not last:
            return
        self._last_logged = step
        log.info("%s", self.line(trainer, step))

    def line(self, trainer, step: int) -> str:
        metrics: dict[str, Any] = trainer.callback_metrics
        total = trainer.max_steps if trainer.max_steps > 0 else None
        parts = [f"step {step}/{total}" if total else f"step {step}"]
        if "train/loss" in metrics:
            parts.append(f"train loss {float(metrics['train/loss']):.4f}")
        val_step = getattr(trainer.lightning_module, "last_val_step", None)
        if "val/loss" in metrics and val_step is not None and val_step != self._val_reported:
            self._val_reported = val_step  # a val loss once, when it is new
            parts.append(f"val loss {float(metrics['val/loss']):.4f} (step {val_step})")
        if trainer.optimizers:
            parts.append(f"lr {trainer.optimizers[0].param_groups[0]['lr']:.2e}")
        if "train/tokens_per_s" in metrics:
            parts.append(f"{float(metrics['train/tokens_per_s']):,.0f} tok/s")
        elapsed = time.perf_counter() - (self._started or time.perf_counter())
        parts.append(f"elapsed {_clock(elapsed)}")
        done = step - self._first_step
        if total and done > 0:
            parts.append(f"ETA {_clock(elapsed / done * (total - step))}")
        return " | ".join(parts)


def progress_bar() -> L.Callback:
    """Lightning's rich bar, its description fixed for step-limited runs (see StepsBar)."""
    from lightning.pytorch.callbacks import RichProgressBar

    class StepsBar(RichProgressBar):
        """`Epoch 0` (not `Epoch 0/-2`) when max_epochs is -1: dsft runs end at max_steps."""

        def _get_train_description(self, current_epoch: int) -> str:
            description = super()._get_train_description(current_epoch)
            max_epochs = self.trainer.max_epochs
            if max_epochs is None or max_epochs < 0:
                description = f"Epoch {current_epoch}"
            return description

    return StepsBar()

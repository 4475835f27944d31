"""Preemption on a cluster: the scheduler's warning signal saves a checkpoint and requeues the
job, and the requeued job continues its own run dir.

SLURM sends a signal some time before it stops a job (`--signal=USR1@120`; submitit's jobs get
USR2). `RequeueOnSignal` notes the signal and acts at the next optimizer step's boundary: the
checkpoint callback writes `last.ckpt` (atomically), the run record says `requeued`, and the job
is put back in the queue, by submitit when it launched the job (it counts the requeues and
restarts the same Hydra job), else with `scontrol requeue`. Lightning's own SLURM requeue saves
from inside the signal handler, mid-step, so dsft turns it off
(`dsft.training.cluster`).
What the run flow does then, and how the job continues its run dir when it starts again:
`dsft.training.preemption`.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

import lightning as L

from dsft.training.preemption import RequeueRequested, on_cluster_job

log = logging.getLogger(__name__)


class RequeueOnSignal(L.Callback):
    """On a cluster job (SLURM or submitit), the preemption warning signals stop the run at the
    next optimizer step with a checkpoint, and requeue it. Elsewhere it does nothing.

    Args:
        signals: the signal names to handle (SIGUSR1: SLURM's `--signal`; SIGUSR2: submitit's).
        sync_every_n_steps: on several devices the ranks agree on stopping every N steps (one
            collective); a single device stops at the next step.
    """

    def __init__(self, signals: list[str], sync_every_n_steps: int = 10):
        self.signals = [signal.Signals[name] for name in signals]
        self.sync_every_n_steps = sync_every_n_steps
        self.received: int | None = None
        self._previous: dict[int, Any] = {}
        self._step = -1

    def on_train_start(self, trainer, pl_module) -> None:
        # After Lightning registers its own handlers (they run before on_train_start).
        if not on_cluster_job():
            return
        for sig in self.signals:
            self._previous[sig] = signal.getsignal(sig)
            signal.signal(sig, self._note)
        self._step = trainer.global_step

    def _note(self, signum: int, _frame: Any) -> None:
        log.warning(
            "received %s: saving a checkpoint at the next step, then requeueing",
            signal.Signals(signum).name,
        )
        self.received = signum

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if not self._previous or trainer.global_step == self._step:
            return  # not on a cluster, or mid-accumulation: not a step boundary
        self._step = trainer.global_step
        stop = self.received is not None
        if trainer.world_size > 1:
            if trainer.global_step % self.sync_every_n_steps:
                return
            stop = trainer.strategy.reduce_boolean_decision(stop, all=False)
        if stop:
            signum = self.received or self.signals[0]
            raise RequeueRequested(signum, trainer.global_step, self._previous.get(signum))

    def teardown(self, trainer, pl_module, stage: str) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

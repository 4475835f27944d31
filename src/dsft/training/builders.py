"""The objects of one training job, each from its config node, in the order the run flow makes
them: data, module, callbacks, loggers, trainer. Nothing else in dsft instantiates them."""

from __future__ import annotations

import logging
from typing import Any

from hydra.utils import instantiate

from dsft.adapters.registry import method_class

log = logging.getLogger(__name__)


def build_datamodule(plain: dict[str, Any], tokenizer, seed: int, cache_dir: str):
    """The DataModule with every split read, checked and tokenized (before the model loads)."""
    from dsft.data.datamodule import InstructionDataModule

    datamodule = InstructionDataModule(
        plain["data"],
        tokenizer,
        plain["model"]["chat_template"],
        plain["hardware"]["micro_batch_size"],
        seed=seed,
        cache_dir=cache_dir,
        devices=plain["hardware"]["devices"],
    )
    datamodule.setup("fit")
    return datamodule


def build_module(plain: dict[str, Any], source: str, datamodule):
    """The LightningModule for the run's adapter method (its model is built by the Trainer)."""
    from dsft.training.module import FineTuneModule

    max_steps = plain["train"]["max_steps"]
    module = FineTuneModule(
        model=plain["model"],
        adapter=plain["adapter"],
        optimizer=plain["optimizer"],
        model_source=source,
        precision=plain["hardware"]["precision"],
        gradient_checkpointing=plain["hardware"]["gradient_checkpointing"],
        total_steps=max_steps if max_steps > 0 else None,
    )
    if plain["data"].get("group_by_length") or plain["hardware"]["devices"] > 1:
        module.loss_normalizer = datamodule.loss_tokens_per_batch
    return module


def build_callbacks(plain: dict[str, Any], job_started: float) -> list:
    """Every callback node of `callbacks:` that applies to this run (null nodes are left out)."""
    from dsft.training.callbacks import TokenThroughput

    train = plain["train"]
    skip = set()
    if not train["save_every_n_steps"]:
        skip.add("checkpoint")
    if train["final_weights"] == "last":
        skip.add("best_weights")
    if not train["early_stopping_patience"]:
        skip.add("early_stopping")
    elif not method_class(plain["adapter"]["method"]).supports_early_stopping:
        log.warning(
            "early stopping is off for adapter=%s: it cannot stop before the run's last step "
            "(train.early_stopping_patience is ignored)",
            plain["adapter"]["method"],
        )
        skip.add("early_stopping")
    callbacks = [
        instantiate(node) for name, node in plain["callbacks"].items() if node and name not in skip
    ]
    for callback in callbacks:
        if isinstance(callback, TokenThroughput):
            callback.job_started = job_started
    if plain.get("resume"):  # the earlier run's CSV and TensorBoard logs go on in this one
        from dsft.training.continued_logs import ContinuedLogs
        from dsft.training.preemption import earlier_run_of

        run_dir = plain["paths"]["output_dir"]
        callbacks.append(ContinuedLogs(earlier_run_of(plain["resume"], run_dir), run_dir))
    return callbacks


def build_loggers(plain: dict[str, Any]) -> list:
    """Every configured logger (each node has a `_target_`)."""
    return [instantiate(node) for node in (plain.get("logger") or {}).values() if node]


def build_trainer(plain: dict[str, Any], callbacks: list, loggers: list):
    """The Lightning Trainer from `trainer:`, with the run's callbacks, loggers and atomic
    checkpoint writes."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    from dsft.training.callbacks import AtomicCheckpointIO
    from dsft.training.cluster import cluster_plugins
    from dsft.training.progress import console_is_terminal, progress_bar

    bar = plain["trainer"]["enable_progress_bar"] and console_is_terminal()
    return instantiate(
        plain["trainer"],
        callbacks=[*callbacks, progress_bar()] if bar else callbacks,
        logger=loggers or False,
        plugins=[AtomicCheckpointIO(), *cluster_plugins()],
        # Without a terminal the bar is noise; dsft's progress lines say the same in plain text.
        enable_progress_bar=bar,
        # Only the checkpoint callbacks configured: Lightning would otherwise add its own.
        enable_checkpointing=any(isinstance(c, ModelCheckpoint) for c in callbacks),
    )


def find_callback(trainer, kind: type):
    """The trainer's callback of this type, or None."""
    return next((c for c in trainer.callbacks if isinstance(c, kind)), None)

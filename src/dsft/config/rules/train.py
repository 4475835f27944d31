"""Rules of the `train` and `trainer` groups."""

from __future__ import annotations

import inspect

from omegaconf import DictConfig, OmegaConf

from dsft.config import schema
from dsft.config.errors import ConfigError
from dsft.config.rules.common import positive


def validate_objective(train: DictConfig, evaluation: DictConfig | None) -> None:
    """train.objective names a loss the run records, or a task of its eval suite."""
    objective = train.objective
    if objective in ("final_val_loss", "final_test_loss"):
        return
    parts = objective.split("/")
    if len(parts) != 3 or parts[0] != "eval":
        raise ConfigError(
            "train.objective",
            f"{objective!r}: use final_val_loss, final_test_loss or eval/<task>/<metric>.",
        )
    tasks = list(evaluation.tasks) if evaluation is not None else []
    if parts[1] not in tasks:
        raise ConfigError(
            "train.objective",
            f"{objective!r} needs the task {parts[1]!r} in the run's eval suite; "
            + (f"its tasks: {', '.join(tasks)}." if tasks else "add eval=<suite>."),
        )


def validate_train(train: DictConfig) -> None:
    if train.max_steps <= 0 and train.max_epochs <= 0:
        raise ConfigError("train.max_steps", "set train.max_steps or train.max_epochs above 0.")
    positive("train.val_every_n_steps", train.val_every_n_steps, "Use e.g. 50.")
    positive("train.log_every_n_steps", train.log_every_n_steps, "Use e.g. 10.")
    if train.save_every_n_steps < 0:
        raise ConfigError("train.save_every_n_steps", "must be >= 0 (0 turns checkpoints off).")
    if train.early_stopping_patience < 0:
        raise ConfigError("train.early_stopping_patience", "must be >= 0 (0 turns it off).")
    if train.final_weights not in ("best", "last"):
        raise ConfigError(
            "train.final_weights",
            f"{train.final_weights!r}: use best (the lowest val loss seen while training) or last.",
        )


# Trainer flags that follow another group, so that group's rules hold: set that key instead.
LINKED = {
    "accelerator": "hardware.accelerator",
    "devices": "hardware.devices",
    "strategy": "strategy=<option>",
    "precision": "hardware.precision",
    "max_steps": "train.max_steps",
    "max_epochs": "train.max_epochs",
    "accumulate_grad_batches": "hardware.grad_accum",
    "val_check_interval": "train.val_every_n_steps",
    "log_every_n_steps": "train.log_every_n_steps",
}


def validate_trainer(trainer: DictConfig) -> None:
    """Linked flags stay linked; keys added with `+trainer.<arg>` must be arguments of the
    Trainer they are passed to (the schema's keys are checked at composition)."""
    for key, owner in LINKED.items():
        if key in trainer and not OmegaConf.is_interpolation(trainer, key):
            raise ConfigError(
                f"trainer.{key}",
                f"follows {owner} (whose rules are checked before anything loads); set that "
                f"instead of trainer.{key}.",
            )
    known = set(schema.TrainerConfig.__dataclass_fields__)
    added = [str(k) for k in trainer if k not in known]
    if not added:
        return
    from hydra.utils import get_class  # imports lightning only when extra keys are given

    target = get_class(trainer._target_)
    parameters = inspect.signature(target).parameters
    unknown = [k for k in added if k not in parameters]
    if unknown:
        raise ConfigError(
            f"trainer.{unknown[0]}",
            f"is not an argument of {trainer._target_}; its arguments: "
            f"{', '.join(p for p in parameters if p != 'self')}.",
        )

"""Rules of the `optimizer` group."""

from __future__ import annotations

from omegaconf import DictConfig

from dsft.config.errors import ConfigError
from dsft.config.rules.common import positive


def validate_optimizer(optimizer: DictConfig) -> None:
    positive("optimizer.lr", optimizer.lr, "Use e.g. optimizer.lr=2e-4.")
    if optimizer.weight_decay < 0:
        raise ConfigError("optimizer.weight_decay", f"must be >= 0, got {optimizer.weight_decay}.")
    if optimizer.warmup_steps < 0:
        raise ConfigError("optimizer.warmup_steps", f"must be >= 0, got {optimizer.warmup_steps}.")
    if not 0 <= optimizer.min_lr_ratio <= 1:
        raise ConfigError(
            "optimizer.min_lr_ratio", f"must be in [0, 1], got {optimizer.min_lr_ratio}."
        )
    positive("optimizer.max_grad_norm", optimizer.max_grad_norm, "Use e.g. 1.0.")
    for key in ("optimizer", "scheduler"):
        if "_target_" not in optimizer[key]:
            raise ConfigError(f"optimizer.{key}", "needs a `_target_` (a class or function path).")

"""Registers the schemas in Hydra's ConfigStore and the resolvers the YAML files use."""

from __future__ import annotations

import os
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from dsft.config.schema import DsftConfig

_REGISTERED = False


def _repo_root() -> str:
    """The directory holding `conf/`: $DSFT_ROOT when set (train.py sets it), else the cwd."""
    return os.environ.get("DSFT_ROOT") or str(Path.cwd())


def register_configs() -> None:
    """Register `train_schema` and the `dsft_root`/`pid` resolvers (idempotent)."""
    global _REGISTERED
    if _REGISTERED:
        return
    ConfigStore.instance().store(name="train_schema", node=DsftConfig)
    OmegaConf.register_new_resolver("dsft_root", _repo_root, replace=True)
    # The pid makes run dirs unique even for two jobs started in the same microsecond.
    OmegaConf.register_new_resolver("pid", os.getpid, replace=True)
    _REGISTERED = True

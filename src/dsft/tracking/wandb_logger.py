"""Weights & Biases logger: offline automatically when there is no API key."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from lightning.pytorch.loggers import WandbLogger

log = logging.getLogger(__name__)


def has_wandb_credentials() -> bool:
    """True when an API key is set or `wandb login` stored one in ~/.netrc."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    netrc = Path(os.environ.get("NETRC", Path.home() / ".netrc"))
    try:
        return "api.wandb.ai" in netrc.read_text()
    except OSError:
        return False


def make_wandb_logger(
    project: str,
    save_dir: str,
    entity: str | None = None,
    name: str | None = None,
    group: str | None = None,
    job_type: str = "train",
    tags: list[str] | None = None,
    mode: str = "auto",
) -> WandbLogger:
    """A WandbLogger; `mode: auto` logs offline (into save_dir) when no credentials are found."""
    if mode == "auto":
        mode = "online" if has_wandb_credentials() else "offline"
    if mode == "offline":
        log.info(
            "W&B: no API key, logging offline. Upload later with: wandb sync %s/wandb", save_dir
        )
    return WandbLogger(
        project=project,
        entity=entity,
        name=name,
        group=group,
        job_type=job_type,
        tags=list(tags or []),
        save_dir=save_dir,
        offline=mode == "offline",
    )

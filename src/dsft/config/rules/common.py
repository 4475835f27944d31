"""Small checks the rule modules share."""

from __future__ import annotations

from dsft.config.errors import ConfigError


def positive(key: str, value: float, hint: str) -> None:
    if not value > 0:
        raise ConfigError(key, f"must be positive, got {value}. {hint}")


def in_multirun() -> bool:
    """True inside a Hydra multirun (-m) job."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:  # not running under Hydra (tests, notebooks)
        return False

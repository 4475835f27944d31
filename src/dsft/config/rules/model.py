"""Rules of the `model` group."""

from __future__ import annotations

from omegaconf import DictConfig

from dsft.adapters.targets import check_target_names
from dsft.config.errors import ConfigError
from dsft.models.architectures import SUPPORTED_FAMILIES


def validate_model(model: DictConfig) -> None:
    if model.family not in SUPPORTED_FAMILIES:
        raise ConfigError(
            "model.family",
            f"unknown family {model.family!r}; known: {', '.join(SUPPORTED_FAMILIES)}.",
        )
    if model.hub_id is None and model.random_init is None:
        raise ConfigError(
            "model.hub_id", "set a hub id or local path (or `random_init` for a tiny random model)."
        )
    if model.default_target_preset not in model.lora_targets:
        raise ConfigError(
            "model.default_target_preset",
            f"{model.default_target_preset!r} is not one of model.lora_targets: "
            f"{', '.join(model.lora_targets) or '(none defined)'}.",
        )
    for preset, names in model.lora_targets.items():
        check_target_names(f"model.lora_targets.{preset}", list(names), model)

"""Which modules a LoRA config puts adapters on, known from the config alone (no torch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsft.config.errors import ConfigError
from dsft.models.architectures import lora_target_names


def selected_targets(adapter: Mapping[str, Any], model: Mapping[str, Any]) -> list[str]:
    """The target names the adapter config selects: its explicit list, else its preset."""
    if adapter.get("target_modules") is not None:
        return list(adapter["target_modules"])
    preset = adapter.get("target_preset", "default")
    if preset == "default":
        preset = model["default_target_preset"]
    return list(model["lora_targets"].get(preset, []))


def linear_module_names(model: Mapping[str, Any]) -> tuple[str, ...]:
    """What a LoRA target may name in this model: its family's Linear modules (and fused expert
    parameters), narrowed by its shape when known (MLA has q_proj without q-LoRA, q_a_proj and
    q_b_proj with it)."""
    names = lora_target_names(model["family"])
    shape = model.get("architecture") or model.get("random_init")
    if shape is None or "kv_lora_rank" not in shape:
        return names
    dropped = {"q_proj"} if shape.get("q_lora_rank") else {"q_a_proj", "q_b_proj"}
    return tuple(n for n in names if n not in dropped)


def check_target_names(key: str, names: list[str], model: Mapping[str, Any]) -> None:
    """Refuse an empty target list or names the model's architecture does not have."""
    valid = linear_module_names(model)
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ConfigError(
            key,
            f"{', '.join(unknown)} not in the {model['family']} architecture. "
            f"Modules that exist: {', '.join(valid)}.",
        )
    if not names:
        raise ConfigError(key, "is empty; name at least one module to put LoRA on.")

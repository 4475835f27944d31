"""Rules of the `data` group."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from dsft.config.errors import ConfigError
from dsft.config.rules.common import positive


def validate_data(data: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
    _validate_sources(data)
    for split, path in data.split_files.items():
        if split not in ("val", "test"):
            raise ConfigError("data.split_files", f"unknown split {split!r}; use val and test.")
        if not Path(path).expanduser().is_file():
            raise ConfigError(f"data.split_files.{split}", f"file not found: {path}.")
    if not 0 <= data.val_fraction < 1 or not 0 <= data.test_fraction < 1:
        raise ConfigError("data.val_fraction", "val and test fractions must be in [0, 1).")
    if data.val_fraction + data.test_fraction >= 1:
        raise ConfigError(
            "data.test_fraction", "val_fraction + test_fraction must leave training data (< 1)."
        )
    if data.val_fraction == 0 and "val" not in data.split_files:
        raise ConfigError("data.val_fraction", "must be > 0 unless data.split_files has val.")
    positive("data.max_length", data.max_length, "Use e.g. 512.")
    if data.max_length > model.context_length:
        raise ConfigError(
            "data.max_length",
            f"{data.max_length} exceeds model.context_length={model.context_length}.",
        )
    for key in ("max_examples", "mix_size"):
        if data[key] is not None:
            positive(f"data.{key}", data[key], "Use null for all examples.")


def _validate_sources(data: DictConfig) -> None:
    if not data.sources:
        raise ConfigError("data.sources", "is empty; add at least one source with a `path`.")
    weights = []
    for i, source in enumerate(data.sources):
        key = f"data.sources[{i}]"
        if not source.path.startswith("hf:") and not Path(source.path).expanduser().exists():
            raise ConfigError(
                f"{key}.path",
                f"data file not found: {Path(source.path).expanduser()}. Check the path in "
                f"conf/data/{data.name}.yaml (relative paths are relative to where you run).",
            )
        if source.weight < 0:
            raise ConfigError(f"{key}.weight", f"must be >= 0, got {source.weight}.")
        weights.append(source.weight)
    if not sum(weights) > 0:
        raise ConfigError(
            "data.sources", f"the source weights {weights} must sum to a positive number."
        )
    if data.domain_weight is not None and not 0 <= data.domain_weight <= 1:
        raise ConfigError("data.domain_weight", f"must be in [0, 1], got {data.domain_weight}.")

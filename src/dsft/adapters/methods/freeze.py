"""Freeze tuning: no adapter; whole decoder layers train and the rest stays frozen.

The result is a complete model saved with `save_pretrained` (and the tokenizer) in
<run>/model: it loads without dsft or peft. Under mixed precision the trained layers are kept
in fp32 (master weights) while the frozen ones stay 16-bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from omegaconf import DictConfig

from dsft.adapters.method import AdapterMethod, AdapterSchema, TrainablePlan
from dsft.adapters.registry import register_method
from dsft.adapters.saved import SavedResult
from dsft.config.errors import ConfigError


@dataclass
class FreezeSchema(AdapterSchema):
    method: str = "freeze"
    # Train the last N decoder layers ...
    trainable_layers: int | None = None
    # ... or every decoder layer except these indices, e.g. [0, 1, 2, 3, 4]. Set exactly one.
    freeze_layers: list[int] | None = None


class OwnWeights(AdapterMethod):
    """Methods that train the model's own weights and save the whole model."""

    saved_dir = "model"

    @classmethod
    def validate(cls, adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
        if hardware.precision in ("16-true", "bf16-true"):
            raise ConfigError(
                "hardware.precision",
                f"{hardware.precision} trains adapter={adapter.method}'s weights in 16 bits: "
                "small updates are lost (and fp16 AdamW turns zero gradients into NaN). Use "
                f"hardware.precision={hardware.precision.replace('-true', '-mixed')} (fp32 "
                "weights, 16-bit compute).",
            )
        cls.check_init_from_path(adapter, model)

    @classmethod
    def check_init_from(cls, adapter: DictConfig, model: DictConfig, saved: SavedResult) -> None:
        """Continue a complete model saved by freeze or full (it becomes the base)."""
        if saved.peft_type is not None:
            raise ConfigError(
                "adapter.init_from",
                f"{saved.describe()} is an adapter; adapter={adapter.method} trains the model's "
                "own weights and can continue only a complete model (an adapter=freeze|full "
                "run's model/ dir). Merge the adapter first, or use a LoRA method in this stage.",
            )

    def base_source(self, source: str) -> str:
        return self.adapter.get("init_from") or source

    def trained_modules(self, model) -> tuple[list, str]:
        """(the modules whose weights train, a description for the log)."""
        raise NotImplementedError

    def planned_trainable(self, shape) -> TrainablePlan:
        return TrainablePlan(shape.total_weights(), adapter_weights=False)

    def wrap(self, base, precision: str, gradient_checkpointing: bool, total_steps: int | None):
        from dsft.adapters.layers import train_own_weights

        modules, what = self.trained_modules(base)
        model = train_own_weights(
            base, modules, what, gradient_checkpointing, fp32_master=precision.endswith("-mixed")
        )
        model.train()
        return model

    def save(self, model, run_dir: Path, tokenizer, state_dict: dict | None = None) -> Path:
        from dsft.adapters.layers import save_model

        target = run_dir / self.saved_dir
        save_model(model, target, tokenizer)
        return target

    def load(self, load_base, saved: Path, source: str, trainable: bool = False):
        model = load_base(str(saved))  # the saved dir is the whole trained model
        return model.requires_grad_(trainable)


@register_method
class Freeze(OwnWeights):
    """Train some decoder layers."""

    name = "freeze"
    schema: ClassVar[type[AdapterSchema]] = FreezeSchema

    @classmethod
    def validate(cls, adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
        super().validate(adapter, model, hardware)
        if (adapter.trainable_layers is None) == (adapter.freeze_layers is None):
            raise ConfigError(
                "adapter.trainable_layers",
                "adapter=freeze needs exactly one of adapter.trainable_layers=N (train the last N "
                "decoder layers) or adapter.freeze_layers=[0,1,...] (train all but these).",
            )
        shape = model.architecture or model.random_init or {}
        layers = shape.get("num_hidden_layers")
        if adapter.trainable_layers is not None:
            top = layers if layers is not None else adapter.trainable_layers
            if not 0 < adapter.trainable_layers <= top:
                raise ConfigError(
                    "adapter.trainable_layers",
                    f"must be in 1..{top} (the model's decoder layers), "
                    f"got {adapter.trainable_layers}.",
                )
            return
        frozen = list(adapter.freeze_layers)
        bad = [i for i in frozen if i < 0 or (layers is not None and i >= layers)]
        if bad:
            raise ConfigError(
                "adapter.freeze_layers",
                f"{bad} are not decoder layer indices of {model.name}"
                + (f" (0..{layers - 1})." if layers is not None else "."),
            )
        if layers is not None and len(set(frozen)) >= layers:
            raise ConfigError(
                "adapter.freeze_layers",
                f"freezes all {layers} decoder layers; nothing would train.",
            )

    def trained_indices(self, num_layers: int) -> list[int]:
        """The decoder layers that train: the last N, or all but the frozen list."""
        if self.adapter.get("trainable_layers") is not None:
            return list(range(num_layers - self.adapter["trainable_layers"], num_layers))
        frozen = set(self.adapter["freeze_layers"])
        return [i for i in range(num_layers) if i not in frozen]

    def planned_trainable(self, shape) -> TrainablePlan:
        indices = self.trained_indices(shape.layers)
        weights = sum(shape.layer_weights(i) for i in indices)
        return TrainablePlan(weights, adapter_weights=False)

    def trained_modules(self, model) -> tuple[list, str]:
        layers = model.get_decoder().layers
        indices = self.trained_indices(len(layers))
        what = f"decoder layers {indices} of 0..{len(layers) - 1} (the rest frozen)"
        return [layers[i] for i in indices], what

"""What an adapter method is: one unit that knows its config, its parameters, saving and loading.

A method (LoRA, QLoRA, AdaLoRA, freeze, full, ...) is a subclass of `AdapterMethod` in its own
module under `dsft.adapters.methods`, registered with `@register_method`; its YAML file in
`conf/adapter/` extends its schema. Nothing outside the method branches on its name: the
LightningModule, the run flow, multi-stage runs and `load_run` call these hooks.

Method modules are imported to validate configs, so they import torch/peft/transformers inside
their hooks only, never at module level.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import torch
    from omegaconf import DictConfig

    from dsft.adapters.saved import SavedResult


@dataclass
class AdapterSchema:
    """Keys every adapter method has; each method's schema extends this."""

    method: str = "lora"
    # A saved result of an earlier run to continue training from (an earlier stage's
    # `adapter/` or `model/` dir); multi-stage experiments set it for stages 2..n.
    init_from: str | None = None


@dataclass(frozen=True)
class TrainablePlan:
    """What a method trains, as the memory planner needs it."""

    parameters: int
    # True: adapter weights in fp32 beside the frozen base; False: the base's own weights train
    # (their gradients and optimizer states are in the weights' dtype).
    adapter_weights: bool
    rank: int = 0  # LoRA rank (its A outputs are saved per token for backward)
    targets: tuple[str, ...] = ()  # the Linear module names it adapts


class AdapterMethod:
    """One way of training on top of a frozen base model.

    An instance is made per run from the plain (resolved) adapter and model configs. Class
    attributes say what the run flow needs to know; the hooks have defaults that do nothing.
    """

    name: ClassVar[str]
    schema: ClassVar[type[AdapterSchema]] = AdapterSchema
    # The folder of the run dir its result is saved in (and loaded from).
    saved_dir: ClassVar[str] = "adapter"
    # The peft_type its saved adapter_config.json says (None: it saves a complete model).
    peft_type: ClassVar[str | None] = None
    # False when stopping early would break the method (AdaLoRA's rank schedule).
    supports_early_stopping: ClassVar[bool] = True

    # The method to suggest when a run does not fit in memory (the same adapter on a 4-bit
    # base), if there is one (`quantized_variant()` may refine it per config).
    quantized_alternative: ClassVar[str | None] = None

    def __init__(self, adapter: dict[str, Any], model: dict[str, Any]):
        self.adapter = adapter
        self.model_cfg = model

    # --- before anything loads ---------------------------------------------------------------

    @classmethod
    def validate(cls, adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
        """Raise `ConfigError` for a config this method cannot train."""

    @classmethod
    def check_init_from(cls, adapter: DictConfig, model: DictConfig, saved: SavedResult) -> None:
        """Raise `ConfigError` unless this method can continue from `saved` (an earlier run's
        result, or what an earlier stage will save)."""
        from dsft.config.errors import ConfigError

        raise ConfigError(
            "adapter.init_from",
            f"adapter={cls.name} cannot continue from an earlier result ({saved.describe()}).",
        )

    @classmethod
    def check_init_from_path(cls, adapter: DictConfig, model: DictConfig) -> None:
        """Read the dir `adapter.init_from` names (if set) and check this method continues it."""
        if adapter.init_from is None:
            return
        from dsft.adapters.saved import SavedResult
        from dsft.config.errors import ConfigError

        saved = SavedResult.read(adapter.init_from)
        if saved is None:
            raise ConfigError(
                "adapter.init_from",
                f"nothing saved at {adapter.init_from} (no adapter_config.json, no config.json); "
                f"pass the `{cls.saved_dir}/` dir of an earlier run.",
            )
        cls.check_init_from(adapter, model, saved)

    def base_source(self, source: str) -> str:
        """Where the base model is loaded from (a method may start from an earlier result)."""
        return source

    def quantization(self) -> dict[str, Any] | None:
        """The 4-bit quantization the base is loaded with (None: full precision)."""
        return None

    # --- planning (dsft.planning: from the model's shapes, before anything loads) ------------

    def planned_trainable(self, shape) -> TrainablePlan:
        """What trains, for the memory planner (`shape`: a dsft.planning.shapes.ModelShape)."""
        raise NotImplementedError(
            f"adapter={self.name} does not tell the memory planner what it trains "
            "(AdapterMethod.planned_trainable)"
        )

    @classmethod
    def sharding_problem(cls, adapter: DictConfig, model: DictConfig) -> str | None:
        """Why this method cannot train under strategy=fsdp (dsft.training.sharding), or None."""
        return f"adapter={cls.name} does not shard yet"

    def quantized_variant(self) -> str | None:
        """The method name that trains this adapter on a 4-bit base (None: there is none)."""
        return self.quantized_alternative

    # --- building and training ---------------------------------------------------------------

    def wrap(self, base, precision: str, gradient_checkpointing: bool, total_steps: int | None):
        """The trainable model made from the frozen base (all its weights arrive frozen)."""
        raise NotImplementedError

    def causal_lm(self, model):
        """The transformers model inside whatever `wrap` returned."""
        return model

    def extra_loss(self, model) -> torch.Tensor | None:
        """A term added to the training loss (a regulariser), or None."""
        return None

    def on_train_start(self, model, total_steps: int) -> None:
        """Called once the trainer knows the run's real optimizer step count."""

    def after_optimizer_step(self, model, step: int, finite_gradients) -> None:
        """Called after each optimizer step, before gradients are zeroed. `finite_gradients()`
        says whether the step was real (False after an fp16 step the loss scaler skipped)."""

    def checkpoint_state(self, model) -> dict[str, Any] | None:
        """State that lives outside the parameters and must survive a resume."""
        return None

    def restore_state(self, model, state: dict[str, Any]) -> None:
        """Restore what `checkpoint_state` returned."""

    # --- results -----------------------------------------------------------------------------

    def save(self, model, run_dir: Path, tokenizer, state_dict: dict | None = None) -> Path:
        """Save the trained result into `run_dir / saved_dir` and return that path
        (`state_dict`: the trained weights gathered whole, when the model is sharded)."""
        raise NotImplementedError

    def load(self, load_base, saved: Path, source: str, trainable: bool = False):
        """The trained model from a dir written by `save`.

        Args:
            load_base: loads a frozen base model from a hub id or dir (`load_base(source)`).
            saved: the dir `save` wrote.
            source: where the run's base model comes from.
        """
        raise NotImplementedError

    def merged(self, model):
        """The trained model as one plain transformers model, what `load` returned (on an
        unquantized base) with anything the method added folded into the base weights."""
        return self.causal_lm(model)

    def close(self) -> None:
        """Free what the method made aside (temp dirs); called when the run ends."""

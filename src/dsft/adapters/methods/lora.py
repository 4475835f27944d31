"""LoRA, with its variants as options: DoRA, rsLoRA and PiSSA (see conf/adapter/lora.yaml).

    h = W x + (alpha / r) * B A x      A: r x in, B: out x r, B = 0 at the start

`use_dora` learns a magnitude per output feature and lets LoRA update the direction; `use_rslora`
scales by alpha / sqrt(r); `init=pissa` starts A and B from the principal singular vectors of W
(the base keeps the residual) and is saved as a plain LoRA on the original base.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from omegaconf import DictConfig

from dsft.adapters.method import AdapterMethod, AdapterSchema, TrainablePlan
from dsft.adapters.registry import register_method
from dsft.adapters.saved import SavedResult
from dsft.adapters.targets import check_target_names, selected_targets
from dsft.config.errors import ConfigError
from dsft.models.architectures import reaches_fused_experts

log = logging.getLogger(__name__)

BIASES = ("none", "all", "lora_only")


@dataclass
class LoraSchema(AdapterSchema):
    """LoRA's keys; the schema of adapter=lora, dora, rslora and pissa."""

    method: str = "lora"
    r: int = 16  # rank of A and B
    alpha: float = 32.0  # the update is scaled by alpha / r
    # When set, alpha = alpha_ratio * r (keeps the LoRA scale alpha / r fixed across a rank sweep).
    alpha_ratio: float | None = None
    dropout: float = 0.0  # LoRA dropout on the input of A (must be 0 on fused MoE experts)
    # Name of a preset in `model.lora_targets`, or `default` for `model.default_target_preset`.
    target_preset: str = "default"
    # Explicit module names; when set they replace the preset.
    target_modules: list[str] | None = None
    bias: str = "none"  # none | all | lora_only: which biases train too
    use_dora: bool = False  # DoRA: a learned magnitude per output feature, direction by LoRA
    use_rslora: bool = False  # rank-stabilised scale alpha / sqrt(r) instead of alpha / r
    # Initialisation of A and B: default (B = 0), gaussian, pissa (principal singular vectors of
    # W; the base keeps the residual), pissa_niter_<n> (fast randomised SVD).
    init: str = "default"


def _positive(key: str, value: float, hint: str) -> None:
    if not value > 0:
        raise ConfigError(key, f"must be positive, got {value}. {hint}")


def _is_pissa(init: str) -> bool:
    return init.startswith("pissa")


@register_method
class LoRA(AdapterMethod):
    """Low-rank adapters on the chosen Linear modules (and fused MoE experts) of a frozen base."""

    name = "lora"
    schema: ClassVar[type[AdapterSchema]] = LoraSchema
    peft_type: ClassVar[str] = "LORA"
    # What peft can put on fused MoE experts: (key, what, is it on) for this config.
    _not_on_experts: ClassVar[tuple[tuple[str, str], ...]] = (("use_dora", "DoRA"),)

    def __init__(self, adapter: dict[str, Any], model: dict[str, Any]):
        super().__init__(adapter, model)
        self.pissa_initial: Path | None = None

    # --- validation --------------------------------------------------------------------------

    @classmethod
    def validate(cls, adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
        _positive("adapter.r", adapter.r, "Use a LoRA rank such as adapter.r=16.")
        _positive("adapter.alpha", adapter.alpha, "Use e.g. adapter.alpha=32 (twice the rank).")
        if adapter.alpha_ratio is not None:
            _positive("adapter.alpha_ratio", adapter.alpha_ratio, "Use e.g. 2.0, or null.")
        if not 0 <= adapter.dropout < 1:
            raise ConfigError(
                "adapter.dropout", f"must be in [0, 1), got {adapter.dropout}. Use e.g. 0.05."
            )
        if adapter.bias not in BIASES:
            raise ConfigError("adapter.bias", f"must be one of {', '.join(BIASES)}.")
        cls._validate_targets(adapter, model)
        if not (adapter.init in ("default", "gaussian") or _is_pissa(adapter.init)):
            raise ConfigError(
                "adapter.init",
                f"unknown init {adapter.init!r}; use default, gaussian, pissa or pissa_niter_<n>.",
            )
        cls._validate_experts(adapter, model)
        cls.check_init_from_path(adapter, model)

    @classmethod
    def _validate_targets(cls, adapter: DictConfig, model: DictConfig) -> None:
        if adapter.target_modules is not None:
            check_target_names("adapter.target_modules", list(adapter.target_modules), model)
        elif adapter.target_preset != "default" and adapter.target_preset not in model.lora_targets:
            raise ConfigError(
                "adapter.target_preset",
                f"{adapter.target_preset!r} is not a preset of model {model.name}; "
                f"presets: default, {', '.join(model.lora_targets)}.",
            )

    @classmethod
    def _validate_experts(cls, adapter: DictConfig, model: DictConfig) -> None:
        """What peft cannot do on the fused 3-D routed experts of DeepSeek-V2/V3."""
        experts = reaches_fused_experts(selected_targets(adapter, model), model.family)
        if not experts:
            return
        key = "target_modules" if adapter.target_modules is not None else "target_preset"
        if len({"gate_proj", "up_proj"} & set(experts)) == 1:
            raise ConfigError(
                f"adapter.{key}",
                f"names one of gate_proj/up_proj: {model.family}'s routed experts hold both in "
                "one fused gate_up_proj weight, so LoRA cannot adapt one without the other. "
                "Name both.",
            )
        unsupported = [(k, what) for k, what in cls._not_on_experts if adapter.get(k)]
        if _is_pissa(adapter.init):
            unsupported.append(("init", "PiSSA"))
        for k, what in unsupported:
            raise ConfigError(
                f"adapter.{k}",
                f"{what} is not supported by peft on the fused MoE experts of {model.family}, "
                f"which {', '.join(experts)} reach. Use adapter.target_preset=attention "
                "(attention only), adapter=lora, or list targets without them.",
            )
        if adapter.dropout > 0:
            raise ConfigError(
                "adapter.dropout",
                f"must be 0 when LoRA targets {', '.join(experts)} on {model.family}: the "
                "routed experts are fused 3-D parameters that peft adapts as parameters "
                "(target_parameters), which does not support LoRA dropout. Use adapter.dropout=0.",
            )

    @classmethod
    def check_init_from(cls, adapter: DictConfig, model: DictConfig, saved: SavedResult) -> None:
        """Continue a saved adapter of the same kind, whose shape this config states again."""
        if saved.peft_type != cls.peft_type:
            hint = (
                "it is a complete model: set model.hub_id to it to train a new adapter on it"
                if saved.peft_type is None
                else f"adapter={cls.name} continues only {cls.peft_type} adapters"
            )
            raise ConfigError(
                "adapter.init_from",
                f"cannot continue {saved.describe()} with adapter={adapter.method}: {hint}.",
            )
        if adapter.init != "default":
            raise ConfigError(
                "adapter.init",
                f"{adapter.init} would be ignored: this run continues the adapter "
                f"{saved.describe()} as it was saved. A run (or a later stage) that continues "
                "an adapter needs adapter.init=default (e.g. in the stage's overrides).",
            )
        if saved.adapter and _is_pissa(str(saved.adapter.get("init", "default"))):
            log.warning(
                "adapter.init_from: %s was initialised with PiSSA and is saved as a plain LoRA "
                "of rank 2r; this run trains that adapter, so its own adapter.r/alpha are unused",
                saved.describe(),
            )
            return
        mine = cls._shape(adapter, model)
        theirs = cls._shape(saved.adapter, model) if saved.adapter else cls._saved_shape(saved)
        changed = {k: (theirs[k], v) for k, v in mine.items() if k in theirs and theirs[k] != v}
        if changed:
            what = "; ".join(f"{k} {old} -> {new}" for k, (old, new) in changed.items())
            raise ConfigError(
                "adapter.init_from",
                f"continues {saved.describe()}, whose shape this config changes ({what}): the "
                "run would train the saved adapter and silently ignore these keys. State the "
                "saved adapter's values, or drop init_from to train a new adapter.",
            )

    @staticmethod
    def _shape(adapter, model) -> dict[str, Any]:
        """The keys of an adapter config that a continued adapter keeps from its save."""
        ratio = adapter.get("alpha_ratio")
        alpha = ratio * adapter["r"] if ratio else adapter["alpha"]
        return {
            "r": adapter["r"],
            "alpha": float(alpha),
            "use_dora": bool(adapter.get("use_dora", False)),
            "use_rslora": bool(adapter.get("use_rslora", False)),
            "targets": sorted(selected_targets(adapter, model)),
        }

    @staticmethod
    def _saved_shape(saved: SavedResult) -> dict[str, Any]:
        """The same keys from adapter_config.json (targets are not compared: peft stores the
        fused experts apart)."""
        peft = saved.peft_config()
        if not peft:
            return {}
        return {
            "r": peft.get("r"),
            "alpha": float(peft.get("lora_alpha", 0)),
            "use_dora": bool(peft.get("use_dora")),
            "use_rslora": bool(peft.get("use_rslora")),
        }

    # --- planning ----------------------------------------------------------------------------

    quantized_alternative: ClassVar[str | None] = "qlora"

    def planned_trainable(self, shape) -> TrainablePlan:
        targets = selected_targets(self.adapter, self.model_cfg)
        r = self.adapter["r"]
        return TrainablePlan(shape.lora_parameters(targets, r), True, r, tuple(targets))

    @classmethod
    def sharding_problem(cls, adapter: DictConfig, model: DictConfig) -> str | None:
        from dsft.models.architectures import MOE_FAMILIES

        if model.family in MOE_FAMILIES:
            return f"the fused MoE experts of {model.family} do not shard yet"
        if _is_pissa(str(adapter.init)):
            return "PiSSA's initial adapter is saved from the whole weights"
        return None

    def quantized_variant(self) -> str | None:
        # PiSSA needs the full-precision weights (QLoRA refuses it)
        return (
            None
            if _is_pissa(str(self.adapter.get("init", "default")))
            else super().quantized_variant()
        )

    # --- training ----------------------------------------------------------------------------

    def peft_config(self, total_steps: int | None):
        from dsft.adapters.peft_lora import build_lora_config

        targets = selected_targets(self.adapter, self.model_cfg)
        return build_lora_config(self.adapter, targets, self.model_cfg["family"])

    def prepare_base(self, base, gradient_checkpointing: bool):
        """Make the frozen base ready for adapters (gradient checkpointing that reaches LoRA)."""
        if gradient_checkpointing:
            base.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs={"use_reentrant": False}
            )
            base.enable_input_require_grads()
        return base

    def wrap(self, base, precision: str, gradient_checkpointing: bool, total_steps: int | None):
        from dsft.adapters.peft_lora import describe_adapters, load_adapter, wrap_with_peft

        base = self.prepare_base(base, gradient_checkpointing)
        if self.adapter.get("init_from"):  # continue an earlier adapter (e.g. a previous stage)
            model = load_adapter(base, self.adapter["init_from"], is_trainable=True)
            log.info("adapter initialised from %s", self.adapter["init_from"])
            log.info(describe_adapters(model))
        else:
            model = wrap_with_peft(base, self.peft_config(total_steps))
            if _is_pissa(str(self.adapter.get("init", "default"))):
                from dsft.adapters.peft_lora import save_pissa_initial

                folder = Path(tempfile.mkdtemp(prefix="dsft-pissa-"))
                self.pissa_initial = save_pissa_initial(model, folder / "initial")
        model.train()  # from_pretrained returns eval mode; LoRA dropout must be active
        return model

    def causal_lm(self, model):
        return model.get_base_model()

    # --- results -----------------------------------------------------------------------------

    def save(self, model, run_dir: Path, tokenizer, state_dict: dict | None = None) -> Path:
        from dsft.adapters.peft_lora import save_adapter

        target = run_dir / self.saved_dir
        save_adapter(model, target, self.pissa_initial, state_dict)
        return target

    def load(self, load_base, saved: Path, source: str, trainable: bool = False):
        from dsft.adapters.peft_lora import load_adapter

        return load_adapter(load_base(source), saved, is_trainable=trainable)

    def merged(self, model):
        # peft folds every adapter kind in (DoRA's magnitude, PiSSA's converted adapter,
        # ParamWrapper LoRA on fused MoE experts); AdaLoRA's masked ranks merge as zeros.
        return model.merge_and_unload()

    def close(self) -> None:
        if self.pissa_initial is not None:
            shutil.rmtree(self.pissa_initial.parent, ignore_errors=True)
            self.pissa_initial = None

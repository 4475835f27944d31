"""LoRA and QLoRA: a peft LoraConfig from the adapter config, and the wrapped model.

QLoRA is LoRA over a 4-bit quantized base: the quantization happens when the base is loaded
(dsft.models.loading); here it only changes how the base is prepared for training.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
from transformers import PreTrainedModel

from dsft.config.errors import ConfigError

log = logging.getLogger(__name__)


def resolve_target_modules(adapter_cfg: dict[str, Any], model_cfg: dict[str, Any]) -> list[str]:
    """The module names LoRA goes on: the explicit list, else the chosen preset."""
    if adapter_cfg.get("target_modules"):
        return list(adapter_cfg["target_modules"])
    preset = adapter_cfg.get("target_preset", "default")
    if preset == "default":
        preset = model_cfg["default_target_preset"]
    return list(model_cfg["lora_targets"][preset])


def lora_alpha(adapter_cfg: dict[str, Any]) -> float:
    """alpha, or alpha_ratio * r when a ratio is given."""
    ratio = adapter_cfg.get("alpha_ratio")
    return ratio * adapter_cfg["r"] if ratio else adapter_cfg["alpha"]


def build_lora_config(adapter_cfg: dict[str, Any], target_modules: list[str]) -> LoraConfig:
    """peft LoraConfig: scale alpha / r on the update B A x."""
    return LoraConfig(
        r=adapter_cfg["r"],
        lora_alpha=lora_alpha(adapter_cfg),
        lora_dropout=adapter_cfg["dropout"],
        target_modules=target_modules,
        bias=adapter_cfg.get("bias", "none"),
        use_dora=adapter_cfg.get("use_dora", False),
        use_rslora=adapter_cfg.get("use_rslora", False),
        init_lora_weights=_init_weights(adapter_cfg.get("init", "default")),
        task_type="CAUSAL_LM",
    )


def _init_weights(init: str) -> bool | str:
    return True if init == "default" else init


def wrap_with_lora(
    model: PreTrainedModel,
    adapter_cfg: dict[str, Any],
    model_cfg: dict[str, Any],
    gradient_checkpointing: bool = False,
) -> PeftModel:
    """Put LoRA on the frozen base; logs which modules got adapters and the trainable count."""
    if adapter_cfg["method"] == "qlora":
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gradient_checkpointing
        )
    elif gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    if adapter_cfg.get("init_from"):  # continue an earlier adapter (e.g. a previous stage)
        peft_model = PeftModel.from_pretrained(model, adapter_cfg["init_from"], is_trainable=True)
        log.info("adapter initialised from %s", adapter_cfg["init_from"])
        log.info(describe_adapters(peft_model))
        return peft_model
    targets = resolve_target_modules(adapter_cfg, model_cfg)
    try:
        peft_model = get_peft_model(model, build_lora_config(adapter_cfg, targets))
    except ValueError as err:
        present = sorted({n.rsplit(".", 1)[-1] for n, _ in model.named_modules() if n})
        raise ConfigError(
            "adapter.target_modules",
            f"{err}. Module names in this model: {', '.join(present)}.",
        ) from None
    log.info(describe_adapters(peft_model))
    return peft_model


def adapted_module_counts(model: PeftModel) -> Counter:
    """How many modules of each name carry a LoRA adapter."""
    counts: Counter = Counter()
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and len(module.lora_A) > 0:
            # Fused MoE experts are wrapped per parameter (peft ParamWrapper), not per module.
            param = getattr(module, "parameter_name", None)
            counts[param or name.rsplit(".", 1)[-1]] += 1
    return counts


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts; 4-bit weights count as their unpacked size."""
    trainable = total = 0
    for param in model.parameters():
        n = param.numel()
        if hasattr(param, "quant_state"):  # bitsandbytes packs two 4-bit values per byte
            n *= 2
        total += n
        if param.requires_grad:
            trainable += n
    return trainable, total


def describe_adapters(model: PeftModel) -> str:
    """One log line: which modules got LoRA and how many parameters train."""
    counts = adapted_module_counts(model)
    trainable, total = count_parameters(model)
    modules = ", ".join(f"{name} x{n}" for name, n in sorted(counts.items()))
    return (
        f"LoRA on {sum(counts.values())} modules ({modules}); trainable parameters: "
        f"{trainable:,} of {total:,} ({100 * trainable / total:.2f}%)"
    )


def save_adapter(model: PeftModel, target: Path, pissa_initial: Path | None = None) -> None:
    """Save the adapter in PEFT format via a temp dir and a rename.

    The frozen base (lm_head included) comes from its source, so only adapter weights are
    saved. A PiSSA adapter is converted to a plain LoRA (of rank 2r) relative to the original
    base, so it loads onto the unmodified checkpoint like any other adapter.
    """
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    kwargs: dict[str, Any] = {"save_embedding_layers": False}
    if pissa_initial is not None:
        kwargs["path_initial_model_for_weight_conversion"] = str(pissa_initial)
    model.save_pretrained(staging, **kwargs)
    os.replace(staging, target)


def save_pissa_initial(model: PeftModel, target: Path) -> Path:
    """PiSSA moves the principal components of W into A and B; the adapter as initialised is
    what lets `save_adapter` express the trained one relative to the original base."""
    for config in model.peft_config.values():
        config.init_lora_weights = True  # reloading the initial adapter must not redo the SVD
    model.save_pretrained(target, save_embedding_layers=False)
    return target

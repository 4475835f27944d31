"""LoRA, QLoRA and AdaLoRA: a peft config from the adapter config, and the wrapped model.

QLoRA is LoRA over a 4-bit quantized base: the quantization happens when the base is loaded
(dsft.models.loading); here it only changes how the base is prepared for training. AdaLoRA is
LoRA in SVD form (B E A) whose ranks are pruned during training by importance.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from peft import (
    AdaLoraConfig,
    LoraConfig,
    PeftModel,
    get_peft_model,
    prepare_model_for_kbit_training,
)
from transformers import PreTrainedModel

from dsft.config.errors import ConfigError
from dsft.models.architectures import FUSED_EXPERTS, fused_expert_ranks

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


def build_lora_config(
    adapter_cfg: dict[str, Any],
    targets: list[str],
    family: str,
    total_steps: int | None = None,
) -> LoraConfig:
    """peft config: scale alpha / r on the update B A x. Fused MoE experts reached by the
    targets go to `target_parameters`; AdaLoRA lays its rank schedule over `total_steps` (set
    again from the trainer's step count once it is known, see `set_adalora_schedule`)."""
    r, alpha = adapter_cfg["r"], lora_alpha(adapter_cfg)
    common: dict[str, Any] = dict(
        lora_alpha=alpha,
        lora_dropout=adapter_cfg["dropout"],
        target_modules=[t for t in targets if t not in FUSED_EXPERTS],
        bias=adapter_cfg.get("bias", "none"),
        use_rslora=adapter_cfg.get("use_rslora", False),
        init_lora_weights=_init_weights(adapter_cfg.get("init", "default")),
        task_type="CAUSAL_LM",
    )
    if adapter_cfg["method"] != "adalora":
        experts = fused_expert_ranks(targets, family)
        return LoraConfig(
            r=r,
            use_dora=adapter_cfg.get("use_dora", False),
            target_parameters=sorted(experts) or None,
            rank_pattern={k: n * r for k, n in experts.items() if n > 1},
            # Keep each folded target's scale: alpha/r stays alpha/r at rank n r (rsLoRA's
            # alpha/sqrt(r) needs alpha sqrt(n)).
            alpha_pattern={
                k: (n**0.5 if common["use_rslora"] else n) * alpha
                for k, n in experts.items()
                if n > 1
            },
            **common,
        )
    return AdaLoraConfig(
        init_r=r,
        target_r=adapter_cfg["adalora"]["target_r"],
        orth_reg_weight=adapter_cfg["adalora"]["orth_reg_weight"],
        **adalora_schedule(adapter_cfg["adalora"], total_steps or 1),
        **common,
    )


def adalora_schedule(schedule: dict[str, Any], total_steps: int) -> dict[str, int]:
    """peft's AdaLoRA step counts from dsft's fractions of the run's optimizer steps.

    The final allocation happens at step `total_step - tfinal`, so tfinal is at least 1 (else
    that step is never reached and the target rank never enforced).
    """
    tfinal = max(1, int(schedule["final_fraction"] * total_steps))
    tinit = min(int(schedule["warmup_fraction"] * total_steps), max(0, total_steps - tfinal - 1))
    return {
        "total_step": total_steps,
        "tinit": tinit,
        "tfinal": tfinal,
        "deltaT": schedule["interval"],
    }


@contextmanager
def exact_targets():
    """Create or load adapters on exactly the targets dsft names.

    peft 0.21 rewrites the targets gate_proj/up_proj/down_proj of DeepSeek-V2/V3 (a conversion
    for adapters trained on transformers 4) to the fused routed experts *only*, so the dense MLP
    layers and the shared experts silently get no LoRA (huggingface/peft#3711, not fixed in a
    release yet). dsft names the fused experts itself (target_parameters), so the rewrite is
    switched off while an adapter is created or loaded. Use `load_adapter` to load dsft adapters.
    """
    from peft.utils import transformers_weight_conversion as conversion

    original = conversion.convert_peft_config_for_transformers
    conversion.convert_peft_config_for_transformers = lambda *args, **kwargs: None
    try:
        yield
    finally:
        conversion.convert_peft_config_for_transformers = original


def load_adapter(model: PreTrainedModel, adapter_dir: str | Path, **kwargs) -> PeftModel:
    """`PeftModel.from_pretrained` on exactly the saved targets (see `exact_targets`)."""
    with exact_targets():
        return PeftModel.from_pretrained(model, str(adapter_dir), **kwargs)


def _init_weights(init: str) -> bool | str:
    return True if init == "default" else init


def wrap_with_lora(
    model: PreTrainedModel,
    adapter_cfg: dict[str, Any],
    model_cfg: dict[str, Any],
    gradient_checkpointing: bool = False,
    total_steps: int | None = None,
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
        peft_model = load_adapter(model, adapter_cfg["init_from"], is_trainable=True)
        log.info("adapter initialised from %s", adapter_cfg["init_from"])
        log.info(describe_adapters(peft_model))
        return peft_model
    targets = resolve_target_modules(adapter_cfg, model_cfg)
    config = build_lora_config(adapter_cfg, targets, model_cfg["family"], total_steps)
    try:
        with exact_targets():
            peft_model = get_peft_model(model, config)
    except ValueError as err:
        present = sorted({n.rsplit(".", 1)[-1] for n, _ in model.named_modules() if n})
        raise ConfigError(
            "adapter.target_modules",
            f"{err}. Module names in this model: {', '.join(present)}.",
        ) from None
    log.info(describe_adapters(peft_model))
    return peft_model


def set_adalora_schedule(model: PeftModel, schedule: dict[str, Any], total_steps: int) -> None:
    """Lay AdaLoRA's schedule over the run's real optimizer step count (max_steps, or epochs x
    batches / accumulation); peft reads these from the config at every step."""
    config = model.peft_config[model.active_adapter]
    for key, value in adalora_schedule(schedule, total_steps).items():
        setattr(config, key, value)


def adalora_state(model: PeftModel) -> dict[str, Any]:
    """What AdaLoRA keeps only in memory: the rank pattern and the importance averages."""
    allocator = model.base_model.rankallocator
    return {
        "rank_pattern": model.peft_config[model.active_adapter].rank_pattern,
        "ipt": allocator.ipt,
        "exp_avg_ipt": allocator.exp_avg_ipt,
        "exp_avg_unc": allocator.exp_avg_unc,
    }


def restore_adalora_state(model: PeftModel, state: dict[str, Any]) -> None:
    model.peft_config[model.active_adapter].rank_pattern = state["rank_pattern"]
    allocator = model.base_model.rankallocator
    for key in ("ipt", "exp_avg_ipt", "exp_avg_unc"):
        setattr(allocator, key, state[key])


def adalora_orthogonality_penalty(model: PeftModel) -> torch.Tensor:
    """AdaLoRA's regulariser, mean over its matrices of ||A A^T - I|| and ||B^T B - I||.

    peft adds it inside the model's forward only when labels are passed; dsft computes its loss
    outside the model, so the training step adds it here.
    """
    total, count = None, 0
    for name, param in model.named_parameters():
        if not param.requires_grad or not ("lora_A" in name or "lora_B" in name):
            continue
        cov = param @ param.T if "lora_A" in name else param.T @ param
        eye = torch.eye(cov.shape[0], dtype=cov.dtype, device=cov.device)
        term = torch.linalg.matrix_norm(cov - eye)
        total = term if total is None else total + term
        count += 1
    return total / count if count else torch.zeros(())


def adapted_module_counts(model: PeftModel) -> Counter:
    """How many modules of each name carry a LoRA adapter."""
    counts: Counter = Counter()
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and len(module.lora_A) > 0:
            owner = [part for part in name.split(".") if part != "base_layer"][-1]
            # Fused MoE experts are wrapped per parameter (peft ParamWrapper): experts.<param>.
            param = getattr(module, "parameter_name", None)
            counts[f"{owner}.{param}" if param else owner] += 1
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

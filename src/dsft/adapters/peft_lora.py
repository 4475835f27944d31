"""peft for the LoRA family: configs from dsft's adapter config, creating, loading, saving and
describing adapters. The methods in `dsft.adapters.methods` call these."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import PreTrainedModel

from dsft.atomic import atomic_path
from dsft.config.errors import ConfigError
from dsft.models.architectures import FUSED_EXPERTS, fused_expert_ranks

log = logging.getLogger(__name__)


def lora_alpha(adapter_cfg: dict[str, Any]) -> float:
    """alpha, or alpha_ratio * r when a ratio is given."""
    ratio = adapter_cfg.get("alpha_ratio")
    return ratio * adapter_cfg["r"] if ratio else adapter_cfg["alpha"]


def lora_common_kwargs(adapter_cfg: dict[str, Any], targets: list[str]) -> dict[str, Any]:
    """The peft keys LoRA and AdaLoRA share (Linear targets only; fused experts are apart)."""
    return dict(
        lora_alpha=lora_alpha(adapter_cfg),
        lora_dropout=adapter_cfg["dropout"],
        target_modules=[t for t in targets if t not in FUSED_EXPERTS],
        bias=adapter_cfg.get("bias", "none"),
        use_rslora=adapter_cfg.get("use_rslora", False),
        init_lora_weights=_init_weights(adapter_cfg.get("init", "default")),
        task_type="CAUSAL_LM",
    )


def build_lora_config(adapter_cfg: dict[str, Any], targets: list[str], family: str) -> LoraConfig:
    """peft config: scale alpha / r on the update B A x. Fused MoE experts reached by the
    targets go to `target_parameters`, at rank n r for n targets folded into one."""
    r, common = adapter_cfg["r"], lora_common_kwargs(adapter_cfg, targets)
    alpha = common["lora_alpha"]
    experts = fused_expert_ranks(targets, family)
    return LoraConfig(
        r=r,
        use_dora=adapter_cfg.get("use_dora", False),
        target_parameters=sorted(experts) or None,
        rank_pattern={k: n * r for k, n in experts.items() if n > 1},
        # Keep each folded target's scale: alpha/r stays alpha/r at rank n r (rsLoRA's
        # alpha/sqrt(r) needs alpha sqrt(n)).
        alpha_pattern={
            k: (n**0.5 if common["use_rslora"] else n) * alpha for k, n in experts.items() if n > 1
        },
        **common,
    )


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


@contextmanager
def four_bit_experts_hidden(model: PreTrainedModel):
    """While peft injects an adapter, show it each 4-bit expert stack
    (`dsft.models.experts_4bit`) as a plain parameter of its real shape and dtype (a stride-0
    view of one zero: no memory), so it wraps them exactly as on an unquantized base: the same
    nesting, hence the same adapter keys, on both. The packed weights go back after."""
    from torch import nn
    from torch.nn.utils import parametrize

    from dsft.models.experts_4bit import four_bit_parametrization

    hidden = []
    for module in model.modules():
        for name in list(getattr(module, "parametrizations", {})):
            four_bit = four_bit_parametrization(module, name)
            if four_bit is None:
                continue
            packed = module.parametrizations[name].original
            parametrize.remove_parametrizations(module, name, leave_parametrized=False)
            state = four_bit.quant_state
            shape = torch.zeros((), dtype=state.dtype, device=packed.device).expand(state.shape)
            setattr(module, name, nn.Parameter(shape, requires_grad=False))
            hidden.append((module, name, packed, four_bit))
    try:
        yield
    finally:
        for module, name, packed, four_bit in hidden:
            setattr(module, name, nn.Parameter(packed, requires_grad=False))
            parametrize.register_parametrization(module, name, four_bit, unsafe=True)


def load_adapter(model: PreTrainedModel, adapter_dir: str | Path, **kwargs) -> PeftModel:
    """`PeftModel.from_pretrained` on exactly the saved targets (see `exact_targets`)."""
    with exact_targets(), four_bit_experts_hidden(model):
        peft_model = PeftModel.from_pretrained(model, str(adapter_dir), **kwargs)
    keep_four_bit_experts(peft_model)
    return peft_model


def _init_weights(init: str) -> bool | str:
    return True if init == "default" else init


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
        # bitsandbytes packs two 4-bit values per byte (Linear4bit weights and the packed
        # fused experts of dsft.models.experts_4bit alike)
        if hasattr(param, "quant_state") or param.dtype == torch.uint8:
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


def wrap_with_peft(model: PreTrainedModel, config) -> PeftModel:
    """`get_peft_model` on exactly the targets of `config`; a bad target names what exists."""
    try:
        with exact_targets(), four_bit_experts_hidden(model):
            peft_model = get_peft_model(model, config)
    except ValueError as err:
        present = sorted({n.rsplit(".", 1)[-1] for n, _ in model.named_modules() if n})
        raise ConfigError(
            "adapter.target_modules",
            f"{err}. Module names in this model: {', '.join(present)}.",
        ) from None
    keep_four_bit_experts(peft_model)
    log.info(describe_adapters(peft_model))
    return peft_model


def keep_four_bit_experts(model: PeftModel) -> None:
    """Where peft 0.21's `ParamWrapper` wraps a 4-bit expert stack (a parameter that already has
    a parametrization, the dequantization), give it its own activation of the LoRA update:

    - peft adds its LoRA parametrization with a consistency check that reads the parameter; in
      the inner of two nested wrappers (gate_up_proj and down_proj on one experts module) that
      read happens inside the outer one's `parametrize.cached()`, so the stack is cached
      *without* LoRA and the inner update is never applied. Registered unchecked here.
    - peft reads the parameter (`get_param`) for its dtype and device, dequantizing the whole
      stack each time: an empty tensor of the dequantized dtype and device answers instead.
    - after the forward peft removes its parametrization from a stacked parameter only if it is
      a `_LoraParameterProxy`; the single-adapter `_LoraFactorsProxy` would pile up forward
      after forward. The last LoRA proxy of either kind is removed.
    """
    from peft.tuners.lora.layer import ParamWrapper

    from dsft.models.experts_4bit import four_bit_parametrization

    for module in model.modules():
        if isinstance(module, ParamWrapper):
            base = module.get_base_layer()
            four_bit = four_bit_parametrization(base, module.parameter_name)
            if four_bit is not None:
                original = base.parametrizations[module.parameter_name].original
                spec = torch.empty(0, dtype=four_bit.quant_state.dtype, device=original.device)
                module.get_param = lambda spec=spec: spec
                module._activate_lora = partial(_activate_lora_on_four_bit, module)


@contextmanager
def _activate_lora_on_four_bit(wrapper, active_adapters: list[str]):
    from peft.tuners.lora.layer import _LoraFactorsProxy, _LoraParameterProxy
    from torch.nn.utils import parametrize

    adapters = [a for a in active_adapters if a in wrapper.lora_A]
    if not adapters:
        yield
        return
    if len(adapters) == 1:
        proxy = _LoraFactorsProxy(*wrapper.get_delta_factors(adapters[0]))
    else:
        proxy = _LoraParameterProxy(sum(wrapper.get_delta_weight(a) for a in adapters))
    base, name = wrapper.get_base_layer(), wrapper.parameter_name
    parametrize.register_parametrization(base, name, proxy, unsafe=True)
    try:
        with parametrize.cached():
            yield
    finally:
        chain = base.parametrizations[name]
        for i in reversed(range(len(chain))):
            if isinstance(chain[i], (_LoraFactorsProxy, _LoraParameterProxy)):
                del chain[i]
                break


def save_adapter(
    model: PeftModel,
    target: Path,
    pissa_initial: Path | None = None,
    state_dict: dict | None = None,
) -> None:
    """Save the adapter in PEFT format, atomically.

    The frozen base (lm_head included) comes from its source, so only adapter weights are
    saved. A PiSSA adapter is converted to a plain LoRA (of rank 2r) relative to the original
    base, so it loads onto the unmodified checkpoint like any other adapter.
    """
    kwargs: dict[str, Any] = {"save_embedding_layers": False}
    if state_dict is not None:  # gathered from shards (FSDP)
        kwargs["state_dict"] = state_dict
    if pissa_initial is not None:
        kwargs["path_initial_model_for_weight_conversion"] = str(pissa_initial)
    with atomic_path(target, directory=True) as staging:
        model.save_pretrained(staging, **kwargs)


def save_pissa_initial(model: PeftModel, target: Path) -> Path:
    """PiSSA moves the principal components of W into A and B; the adapter as initialised is
    what lets `save_adapter` express the trained one relative to the original base."""
    for config in model.peft_config.values():
        config.init_lora_weights = True  # reloading the initial adapter must not redo the SVD
    model.save_pretrained(target, save_embedding_layers=False)
    return target

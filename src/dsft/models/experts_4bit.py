"""4-bit storage for fused MoE expert weights, which bitsandbytes' loader leaves alone.

transformers 5 holds DeepSeek-V2/V3's routed experts as 3-D parameters (`mlp.experts.gate_up_proj`
of shape (experts, 2 x moe_intermediate, hidden) and `down_proj`), not `nn.Linear`, so
`BitsAndBytesConfig(load_in_4bit=True)` keeps them in 16/32 bits (bitsandbytes#1849). After
loading, each such parameter is quantized with bitsandbytes' own `replace_parameter_4bit`: the
packed 4-bit data replaces the parameter and a parametrization dequantizes it (to the compute
dtype) when the experts' forward reads it, cached for that one forward. peft's
`target_parameters` LoRA stacks its own parametrization on top, so LoRA on the experts keeps
working. Quantization blocks (64 weights) never straddle two experts as long as one expert's
matrix holds a multiple of 64 weights, which every DeepSeek shape does; so each expert is
quantized on its own, as if it were a `Linear4bit`.

While a layer runs, its whole expert stack exists dequantized for that forward (one layer at a
time with gradient checkpointing, which QLoRA runs use by default on the real models).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

BLOCKSIZE = 64


def fused_expert_parameters(model: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """The 3-D floating-point parameters (fused MoE expert stacks): (full name, module, name)."""
    found = []
    for module_name, module in model.named_modules():
        for name, param in module.named_parameters(recurse=False):
            if param.ndim == 3 and param.is_floating_point():
                found.append((f"{module_name}.{name}", module, name))
    return found


def quantize_fused_experts(
    model: nn.Module, quant_type: str, double_quant: bool, dtype: torch.dtype
) -> int:
    """Quantize every fused expert stack of `model` in place to 4 bits; returns the weights
    quantized. The stacks are cast to `dtype` first, so they dequantize to the compute dtype."""
    from bitsandbytes.nn.parametrize import replace_parameter_4bit

    quantized = 0
    for _, module, name in fused_expert_parameters(model):
        param = getattr(module, name)
        param.data = param.data.to(dtype)
        quantized += param.numel()
        replace_parameter_4bit(
            module,
            name,
            compress_statistics=double_quant,
            quant_type=quant_type,
            blocksize=BLOCKSIZE,
        )
    return quantized


def four_bit_parametrization(module: nn.Module, name: str):
    """The bitsandbytes dequantizing parametrization of `module.name`, or None."""
    from bitsandbytes.nn.parametrize import Bnb4bitParametrization

    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or name not in parametrizations:
        return None
    return next((p for p in parametrizations[name] if isinstance(p, Bnb4bitParametrization)), None)


def weight_counts(model: nn.Module) -> dict[str, Any]:
    """How many base weights are held in 4 bits (Linear4bit and 4-bit expert stacks) and which
    are not, by name, the largest first. Adapter weights (lora_*) are not the base: left out."""
    from bitsandbytes.nn import Params4bit

    packed_experts = {}  # id of a packed expert stack -> the weights it holds
    for module in model.modules():
        for name in getattr(module, "parametrizations", {}):
            parametrization = four_bit_parametrization(module, name)
            if parametrization is not None:
                original = module.parametrizations[name].original
                packed_experts[id(original)] = math.prod(parametrization.quant_state.shape)
    four_bit, experts_four_bit, other = 0, 0, {}
    for name, param in model.named_parameters():
        if "lora_" in name:
            continue
        if isinstance(param, Params4bit) and param.quant_state is not None:
            four_bit += math.prod(param.quant_state.shape)
        elif id(param) in packed_experts:
            experts_four_bit += packed_experts[id(param)]
        else:
            other[name] = param.numel()
    return {
        "four_bit": four_bit + experts_four_bit,
        "experts_four_bit": experts_four_bit,
        "other": sum(other.values()),
        "largest_other": sorted(other.items(), key=lambda kv: -kv[1])[:4],
        "experts_other": sum(n for k, n in other.items() if ".experts." in k),
    }

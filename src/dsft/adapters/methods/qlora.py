"""QLoRA: LoRA over a frozen base quantized to 4 bits by bitsandbytes (NF4 + double quant).

The quantization happens while the base loads (`quantization()` tells the loader how); the
LoRA matrices and the computation stay in `quantization.compute_dtype`.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from omegaconf import DictConfig

from dsft.adapters.method import AdapterSchema
from dsft.adapters.methods.lora import LoRA, LoraSchema
from dsft.adapters.registry import register_method
from dsft.config.errors import ConfigError

log = logging.getLogger(__name__)
QUANT_TYPES = ("nf4", "fp4")
COMPUTE_DTYPES = ("auto", "float32", "bfloat16", "float16")


@dataclass
class QuantizationSchema:
    """bitsandbytes 4-bit quantization of the frozen base."""

    quant_type: str = "nf4"  # nf4 | fp4
    double_quant: bool = True  # quantize the quantization constants too (~0.4 bit/weight saved)
    # auto: bfloat16 when the hardware precision is bf16, float16 for 16-mixed, else float32.
    compute_dtype: str = "auto"


@dataclass
class QLoraSchema(LoraSchema):
    method: str = "qlora"
    quantization: QuantizationSchema = field(default_factory=QuantizationSchema)


@register_method
class QLoRA(LoRA):
    """LoRA with a 4-bit base."""

    name = "qlora"
    schema: ClassVar[type[AdapterSchema]] = QLoraSchema

    @classmethod
    def validate(cls, adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
        super().validate(adapter, model, hardware)
        if adapter.init.startswith("pissa"):
            raise ConfigError(
                "adapter.init",
                "PiSSA needs the full-precision weights; it cannot start from 4-bit.",
            )
        quant = adapter.quantization
        if quant.quant_type not in QUANT_TYPES:
            raise ConfigError(
                "adapter.quantization.quant_type",
                f"must be one of {', '.join(QUANT_TYPES)}, got {quant.quant_type!r}.",
            )
        if quant.compute_dtype not in COMPUTE_DTYPES:
            raise ConfigError(
                "adapter.quantization.compute_dtype",
                f"must be one of {', '.join(COMPUTE_DTYPES)}, got {quant.compute_dtype!r}.",
            )
        if quant.compute_dtype == "bfloat16" and not hardware.has_bf16:
            raise ConfigError(
                "adapter.quantization.compute_dtype",
                f"bfloat16 is not supported by hardware={hardware.name}; use float16 or auto.",
            )
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ConfigError(
                "adapter.method",
                "QLoRA needs bitsandbytes, which is not installed. "
                "Run `pip install bitsandbytes` or use adapter=lora.",
            )

    def quantization(self) -> dict[str, Any]:
        return self.adapter["quantization"]

    def prepare_base(self, base, gradient_checkpointing: bool):
        from peft import prepare_model_for_kbit_training

        log_quantized(base)
        return prepare_model_for_kbit_training(
            base, use_gradient_checkpointing=gradient_checkpointing
        )


def quantized_weights(model) -> dict[str, Any]:
    """How many of the base model's weights bitsandbytes holds in 4 bits, and which are not: the
    parameters left in 16/32 bits, by name (the largest first). Adapter weights (lora_*) are
    not the base and are left out."""
    import math

    from bitsandbytes.nn import Params4bit

    four_bit, other = 0, {}
    for name, param in model.named_parameters():
        if "lora_" in name:
            continue
        if isinstance(param, Params4bit) and param.quant_state is not None:
            four_bit += math.prod(param.quant_state.shape)
        else:
            other[name] = param.numel()
    return {
        "four_bit": four_bit,
        "other": sum(other.values()),
        "largest_other": sorted(other.items(), key=lambda kv: -kv[1])[:4],
        "experts_other": sum(n for k, n in other.items() if ".experts." in k),
    }


def log_quantized(model) -> dict[str, Any]:
    """Log what the 4-bit base really holds in 4 bits (routed MoE experts, as fused 3-D
    parameters, are not nn.Linear and stay unquantized: bitsandbytes#1849)."""
    counts = quantized_weights(model)
    total = counts["four_bit"] + counts["other"] or 1
    log.info(
        "QLoRA: %s weights in 4 bits (%.1f%%), %s not (largest: %s)",
        f"{counts['four_bit']:,}",
        100 * counts["four_bit"] / total,
        f"{counts['other']:,}",
        ", ".join(f"{k} {n:,}" for k, n in counts["largest_other"]),
    )
    if counts["experts_other"]:
        log.warning(
            "QLoRA: the routed experts (%s weights, %.1f%% of the model) stay unquantized: "
            "bitsandbytes converts nn.Linear only, and transformers holds them as fused 3-D "
            "parameters (bitsandbytes#1849). Memory for them is as in adapter=lora.",
            f"{counts['experts_other']:,}",
            100 * counts["experts_other"] / total,
        )
    return counts

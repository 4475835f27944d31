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
from dsft.models.architectures import MOE_FAMILIES, routed_expert_weights

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
    quantized_alternative: ClassVar[str | None] = None  # it is the 4-bit one

    @classmethod
    def sharding_problem(cls, adapter: DictConfig, model: DictConfig) -> str | None:
        return f"adapter={cls.name} does not shard yet"

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
        if model.family in MOE_FAMILIES and not _quantizes_parameters():
            shape = model.get("architecture") or model.get("random_init") or {}
            size = f" ({routed_expert_weights(shape):,} weights)" if shape else ""
            raise ConfigError(
                "adapter.method",
                f"QLoRA on {model.name} must hold the routed experts (mlp.experts.gate_up_proj "
                f"and mlp.experts.down_proj{size}) in 4 bits, which needs bitsandbytes >= "
                f"{PARAMETRIZE_SINCE} (installed: {_bitsandbytes_version()}). Run "
                "`pip install -U bitsandbytes`.",
            )

    def quantization(self) -> dict[str, Any]:
        return self.adapter["quantization"]

    def prepare_base(self, base, gradient_checkpointing: bool):
        from peft import prepare_model_for_kbit_training

        log_quantized(base)
        return prepare_model_for_kbit_training(
            base, use_gradient_checkpointing=gradient_checkpointing
        )


PARAMETRIZE_SINCE = "0.48"  # bitsandbytes.nn.parametrize: 4-bit storage for any parameter


def _bitsandbytes_version() -> str:
    from importlib.metadata import version

    return version("bitsandbytes")


def _quantizes_parameters() -> bool:
    from packaging.version import Version

    return Version(_bitsandbytes_version()) >= Version(PARAMETRIZE_SINCE)


def log_quantized(model) -> dict[str, Any]:
    """Log what the 4-bit base holds in 4 bits, the fused MoE experts among them, and the
    largest weights that are not (embeddings, lm_head, norms stay in 16/32 bits)."""
    from dsft.models.experts_4bit import weight_counts

    counts = weight_counts(model)
    total = counts["four_bit"] + counts["other"] or 1
    log.info(
        "QLoRA: %s weights in 4 bits (%.1f%%; routed experts %s), %s not (largest: %s)",
        f"{counts['four_bit']:,}",
        100 * counts["four_bit"] / total,
        f"{counts['experts_four_bit']:,}",
        f"{counts['other']:,}",
        ", ".join(f"{k} {n:,}" for k, n in counts["largest_other"]),
    )
    if counts["experts_other"]:
        log.warning(
            "QLoRA: routed experts (%s weights, %.1f%% of the model) stay unquantized; "
            "memory for them is as in adapter=lora.",
            f"{counts['experts_other']:,}",
            100 * counts["experts_other"] / total,
        )
    return counts

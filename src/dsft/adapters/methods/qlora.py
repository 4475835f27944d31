"""QLoRA: LoRA over a frozen base quantized to 4 bits by bitsandbytes (NF4 + double quant).

The quantization happens while the base loads (`quantization()` tells the loader how); the
LoRA matrices and the computation stay in `quantization.compute_dtype`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any, ClassVar

from omegaconf import DictConfig

from dsft.adapters.method import AdapterSchema
from dsft.adapters.methods.lora import LoRA, LoraSchema
from dsft.adapters.registry import register_method
from dsft.config.errors import ConfigError

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

        return prepare_model_for_kbit_training(
            base, use_gradient_checkpointing=gradient_checkpointing
        )

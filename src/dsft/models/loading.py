"""Loading the frozen base model (optionally 4-bit quantized) and its tokenizer from a config."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, PreTrainedModel

from dsft.models.chat_templates import get_template
from dsft.models.experts_4bit import quantize_fused_experts
from dsft.models.jinja_template import jinja_chat_template
from dsft.models.tiny import ensure_tiny_model
from dsft.models.tokenizer import load_tokenizer

log = logging.getLogger(__name__)

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_model_source(model_cfg: dict[str, Any], cache_dir: str | Path) -> str:
    """Hub id or local dir to load the model from; builds the tiny model on first use."""
    if model_cfg.get("random_init"):
        path = ensure_tiny_model(
            cache_dir,
            model_cfg["name"],
            model_cfg["family"],
            dict(model_cfg["random_init"]),
            model_cfg.get("random_init_seed", 0),
            tokenizer=model_cfg.get("tokenizer"),
            dtype=model_cfg.get("dtype", "float32"),
        )
        return str(path)
    return model_cfg["hub_id"]


def load_dtype(model_dtype: str, precision: str) -> torch.dtype:
    """Weight dtype for the base: fp32 for 32-bit training, the model's dtype otherwise."""
    if precision in ("32-true", "32"):
        return torch.float32
    if precision.startswith("16") and model_dtype == "bfloat16":
        return torch.float16  # no bf16 on this hardware (validated earlier)
    return _DTYPES[model_dtype]


def compute_dtype(quant_compute_dtype: str, precision: str) -> torch.dtype:
    """Dtype QLoRA computes in: `auto` follows the hardware precision."""
    if quant_compute_dtype != "auto":
        return _DTYPES[quant_compute_dtype]
    if precision.startswith("bf16"):
        return torch.bfloat16
    if precision.startswith("16"):
        return torch.float16
    return torch.float32


def quantization_config(quant: dict[str, Any], precision: str) -> BitsAndBytesConfig:
    """The bitsandbytes 4-bit config for QLoRA."""
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=quant["quant_type"],
        bnb_4bit_use_double_quant=quant["double_quant"],
        bnb_4bit_compute_dtype=compute_dtype(quant["compute_dtype"], precision),
    )


def load_base_model(
    source: str,
    model_cfg: dict[str, Any],
    precision: str,
    quantization: dict[str, Any] | None = None,
    device: str | None = None,
) -> PreTrainedModel:
    """Load the base model with all its weights frozen."""
    kwargs: dict[str, Any] = {
        "dtype": load_dtype(model_cfg["dtype"], precision),
        "trust_remote_code": model_cfg.get("trust_remote_code", False),
    }
    if quantization is not None:
        kwargs["quantization_config"] = quantization_config(quantization, precision)
        # bitsandbytes quantizes while placing the weights, so they must land on their device.
        kwargs["device_map"] = {"": device or "cpu"}
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    if quantization is not None:
        import bitsandbytes as bnb

        layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
        for layer in layers:
            # bitsandbytes 0.50 repacks 4-bit weights in place for a CPU inference kernel the
            # first time a layer runs in eval mode; that fails for in_features not a multiple of
            # 64 and switches kernels between validation and training. Keep one kernel.
            layer.support_avx512bf16_for_cpu = False
        dtype = kwargs["quantization_config"].bnb_4bit_compute_dtype
        experts = quantize_fused_experts(
            model, quantization["quant_type"], quantization["double_quant"], dtype
        )
        log.info(
            "4-bit layers: %d bitsandbytes Linear4bit%s (%s, double quant %s, compute %s)",
            len(layers),
            f" and {experts:,} fused MoE expert weights" if experts else "",
            quantization["quant_type"],
            quantization["double_quant"],
            dtype,
        )
    model.requires_grad_(False)
    model.config.use_cache = False
    return model


def load_model_tokenizer(model_cfg: dict[str, Any], source: str):
    """The tokenizer for a model config (its own files unless `tokenizer` names another), with
    the Jinja chat template of the config's `chat_template`: what it saves and what
    `apply_chat_template` renders is the format dsft trains, never the hub's own."""
    tokenizer = load_tokenizer(
        model_cfg.get("tokenizer") or source, model_cfg.get("trust_remote_code", False)
    )
    if model_cfg.get("chat_template"):
        tokenizer.chat_template = jinja_chat_template(get_template(model_cfg["chat_template"]))
    return tokenizer

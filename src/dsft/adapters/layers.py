"""Training the model's own weights in place (adapter=freeze|full), and saving the whole model."""

from __future__ import annotations

import logging
from pathlib import Path

from torch import nn
from transformers import PreTrainedModel

from dsft.adapters.peft_lora import count_parameters
from dsft.atomic import atomic_path

log = logging.getLogger(__name__)


def train_own_weights(
    model: PreTrainedModel,
    modules: list[nn.Module],
    what: str,
    gradient_checkpointing: bool = False,
    fp32_master: bool = False,
) -> PreTrainedModel:
    """Unfreeze `modules` of the model (the base arrives all frozen).

    `fp32_master` (mixed precision): the trained weights are kept in fp32 so the optimizer
    updates full-precision weights while autocast computes in 16 bits; frozen ones keep the
    model's dtype.
    """
    if gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    for module in modules:
        if fp32_master:
            module.float()
        module.requires_grad_(True)
    trainable, total = count_parameters(model)
    log.info(
        "Training %s; trainable parameters: %s of %s (%.2f%%)",
        what,
        f"{trainable:,}",
        f"{total:,}",
        100 * trainable / total,
    )
    return model


def save_model(model: PreTrainedModel, target: Path, tokenizer=None) -> None:
    """Save the whole trained model (and its tokenizer), atomically."""
    with atomic_path(target, directory=True) as staging:
        model.save_pretrained(staging)
        if tokenizer is not None:
            tokenizer.save_pretrained(staging)

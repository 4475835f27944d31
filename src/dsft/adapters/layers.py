"""Training the model's own weights: some decoder layers (freeze) or all of them (full).

No adapter is added: the chosen weights are unfrozen in place, and the result is saved as a
complete checkpoint (`save_pretrained`) that loads without dsft or peft.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from transformers import PreTrainedModel

from dsft.adapters.lora import count_parameters

log = logging.getLogger(__name__)


def trained_layer_indices(adapter_cfg: dict[str, Any], num_layers: int) -> list[int]:
    """Decoder layers that train under adapter=freeze: the last N, or all but the frozen list."""
    if adapter_cfg.get("trainable_layers") is not None:
        return list(range(num_layers - adapter_cfg["trainable_layers"], num_layers))
    frozen = set(adapter_cfg["freeze_layers"])
    return [i for i in range(num_layers) if i not in frozen]


def train_own_weights(
    model: PreTrainedModel,
    adapter_cfg: dict[str, Any],
    gradient_checkpointing: bool = False,
    fp32_master: bool = False,
) -> PreTrainedModel:
    """Unfreeze the weights adapter=freeze|full trains (the base arrives all frozen).

    `fp32_master` (mixed precision): the trained weights are kept in fp32 so the optimizer
    updates full-precision weights while autocast computes in 16 bits; frozen ones keep the
    model's dtype.
    """
    if gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    layers = model.get_decoder().layers
    if adapter_cfg["method"] == "full":
        trained = [model]
        what = "every weight (full fine-tuning)"
    else:
        indices = trained_layer_indices(adapter_cfg, len(layers))
        trained = [layers[i] for i in indices]
        what = f"decoder layers {indices} of 0..{len(layers) - 1} (the rest frozen)"
    for module in trained:
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
    """Save the whole trained model (and its tokenizer) via a temp dir and a rename."""
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    if tokenizer is not None:
        tokenizer.save_pretrained(staging)
    os.replace(staging, target)

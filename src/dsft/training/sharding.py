"""FSDP for LoRA: PyTorch's FSDP2 (`fully_shard`) through Lightning's ModelParallelStrategy
(`strategy=fsdp`), which also runs on CPUs with gloo (Lightning's FSDPStrategy refuses them).

Units, innermost first: every LoRA A and B matrix on its own (trainable weights never share a
unit with frozen ones), each decoder layer, the input embeddings, the final norm and the output
layer (with its LoRA factors, which the fused loss reads as a whole). The training step calls
the decoder, whose sharded children gather their weights as they run, and reaches the output
layer through a call of that module (`through_module`), so FSDP's hooks unshard it for the
fused loss and reduce-scatter the LoRA gradients after backward.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # planning and validation import this module without torch
    import torch
    from torch import nn

log = logging.getLogger(__name__)
FSDP_TARGET = "lightning.pytorch.strategies.ModelParallelStrategy"


def is_sharded(strategy) -> bool:
    from lightning.pytorch.strategies import ModelParallelStrategy

    return isinstance(strategy, ModelParallelStrategy)


def shard_lora_model(model: nn.Module, causal_lm: nn.Module, mesh) -> None:
    """Apply `fully_shard` to a peft LoRA model in the units above."""
    from peft.tuners.lora import LoraLayer
    from torch.distributed.fsdp import fully_shard

    head = causal_lm.get_output_embeddings()
    for module in model.modules():
        if isinstance(module, LoraLayer) and module is not head:
            for name in module.lora_A:
                fully_shard(module.lora_A[name], mesh=mesh)
                fully_shard(module.lora_B[name], mesh=mesh)
    decoder = causal_lm.get_decoder()
    for layer in decoder.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(decoder.embed_tokens, mesh=mesh)
    fully_shard(decoder.norm, mesh=mesh)
    fully_shard(head, mesh=mesh)
    local, whole = local_and_whole(model)
    log.info(
        "FSDP over %d ranks: this rank holds %s of %s weights (%.1f%%)",
        mesh.size(),
        f"{local:,}",
        f"{whole:,}",
        100 * local / whole,
    )


def local_and_whole(model: nn.Module) -> tuple[int, int]:
    """(weights this rank stores, weights of the whole model)."""
    from torch.distributed.tensor import DTensor

    local = whole = 0
    for param in model.parameters():
        whole += param.numel()
        local += param.to_local().numel() if isinstance(param, DTensor) else param.numel()
    return local, whole


def through_module(module: nn.Module, fn: Callable[..., Any], *args):
    """`fn(*args, module)` run as `module`'s forward, so the hooks on it (FSDP's unshard before,
    gradient reduction after backward) fire around it."""
    module.forward = lambda *inputs: fn(*inputs, module)
    try:
        return module(*args)
    finally:
        del module.forward


def full_lora_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The adapter weights gathered whole (a collective: every rank calls it)."""
    from torch.distributed.tensor import DTensor

    state = {}
    for key, value in model.state_dict().items():
        if "lora_" in key:
            full = value.full_tensor() if isinstance(value, DTensor) else value
            state[key] = full.detach().cpu()
    return state

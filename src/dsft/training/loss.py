"""Causal-LM loss computed only where labels exist, fused with the output projection.

With DeepSeek's 129,280-token vocabulary the logits of a batch (tokens x vocab floats) dominate
time and memory. Two things keep them cheap here:

1. Only the hidden states at loss positions are projected: prompt and padding positions never
   reach the output layer.
2. `fused_linear_cross_entropy` computes, chunk by chunk, the loss *and its gradients* with
   respect to the hidden states and the LoRA factors of the output layer in one pass, so no
   logits are kept for backward and at most one chunk of them exists at a time.

For a frozen output weight W (vocab x hidden) with LoRA factors A (r x hidden), B (vocab x r) and
scale s, logits are z = h W^T + s (h A^T) B^T, and with p = softmax(z), y the one-hot target:

    dL/dz = p - y,   dL/dh = (p - y) W + s ((p - y) B) A,
    dL/dB = s (p - y)^T (h A^T),   dL/dA = s ((p - y) B)^T h.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def selected_token_loss_sum(
    hidden_states: torch.Tensor,
    loss_positions: torch.Tensor,
    loss_targets: torch.Tensor,
    head: nn.Module,
    chunk_size: int = 1024,
) -> torch.Tensor:
    """Sum of next-token cross-entropy over the selected positions.

    Args:
        hidden_states: (batch, seq, hidden) output of the decoder.
        loss_positions: flat indices into the (batch, seq - 1) grid of positions that predict a
            labelled token (from PadCollator).
        loss_targets: the token id each selected position must predict.
        head: the output projection (`nn.Linear`, or a peft LoRA-wrapped one).
        chunk_size: positions projected at once.
    """
    hidden = hidden_states[:, :-1].reshape(-1, hidden_states.shape[-1])
    hidden = hidden.index_select(0, loss_positions)
    parts = linear_head_parts(head)
    if parts is None:  # an output layer we cannot fuse (e.g. LoRA dropout, DoRA): plain autograd
        return _unfused_loss_sum(hidden, loss_targets, head, chunk_size)
    weight, lora_a, lora_b, scaling = parts
    return fused_linear_cross_entropy(
        hidden, loss_targets, weight, lora_a, lora_b, scaling, chunk_size
    )


def linear_head_parts(head: nn.Module):
    """(W, A, B, scale) of a bias-free Linear or a plain LoRA Linear; None for anything else."""
    if type(head) is nn.Linear:
        return (head.weight, None, None, 1.0) if head.bias is None else None
    base = getattr(head, "base_layer", None)
    if type(base) is not nn.Linear or base.bias is not None or head.merged:
        return None
    active = [a for a in head.active_adapters if a in head.lora_A]
    if head.disable_adapters or not active:
        return (base.weight, None, None, 1.0)
    if len(active) > 1:
        return None
    name = active[0]
    if not isinstance(head.lora_A[name], nn.Linear):  # e.g. AdaLoRA's SVD form B E A
        return None
    if head.use_dora.get(name) or not isinstance(head.lora_dropout[name], nn.Identity):
        return None
    return base.weight, head.lora_A[name].weight, head.lora_B[name].weight, head.scaling[name]


def fused_linear_cross_entropy(
    hidden: torch.Tensor,
    targets: torch.Tensor,
    weight: torch.Tensor,
    lora_a: torch.Tensor | None = None,
    lora_b: torch.Tensor | None = None,
    scaling: float = 1.0,
    chunk_size: int = 1024,
) -> torch.Tensor:
    """Summed cross-entropy of softmax(h W^T + s (h A^T) B^T) against `targets`, fused."""
    needs_grad = torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in (hidden, weight, lora_a, lora_b)
    )
    if needs_grad and weight.requires_grad:  # trainable output layer (full fine-tuning)
        projection = _Projection(weight, lora_a, lora_b, scaling)
        return _unfused_loss_sum(hidden, targets, projection, chunk_size)
    dtype = _compute_dtype(hidden)
    if needs_grad:
        return _FusedLinearCrossEntropy.apply(
            hidden, weight, lora_a, lora_b, scaling, targets, chunk_size, dtype
        )
    with torch.no_grad(), torch.autocast(hidden.device.type, enabled=False):
        weight, a, b = _cast(dtype, weight, lora_a, lora_b)
        total = hidden.new_zeros((), dtype=torch.float32)
        buffer = _logits_buffer(hidden, weight, chunk_size, dtype)
        for start in range(0, hidden.shape[0], chunk_size):
            part = slice(start, start + chunk_size)
            h = hidden[part].to(dtype)
            logits = _logits(h, weight, a, b, scaling, buffer)
            total += _softmax_in_place(logits.float(), targets[part])[0]
        return total


def _compute_dtype(hidden: torch.Tensor) -> torch.dtype:
    """The dtype matmuls run in: autocast's when it is on, else the hidden states'."""
    device = hidden.device.type
    if torch.is_autocast_enabled(device):
        return torch.get_autocast_dtype(device)
    return hidden.dtype


def _cast(dtype, *tensors):
    return [t.to(dtype) if t is not None else None for t in tensors]


def _logits_buffer(hidden, weight, chunk_size, dtype) -> torch.Tensor:
    """One (chunk x vocab) buffer that every chunk's logits are written into.

    Allocating a fresh tens-of-MB tensor per chunk (and per softmax step) costs page faults on
    every step on CPU; on 2 cores that was half the loss's time with an 8k vocabulary."""
    rows = min(chunk_size, hidden.shape[0])
    return torch.empty((rows, weight.shape[0]), dtype=dtype, device=hidden.device)


def _logits(h, weight, a, b, scaling, buffer, ha=None) -> torch.Tensor:
    logits = torch.mm(h, weight.t(), out=buffer[: h.shape[0]])
    if a is not None:
        # addmm adds the low-rank term in place: one pass over the (chunk x vocab) logits.
        logits.addmm_((h @ a.t()) * scaling if ha is None else ha, b.t())
    return logits


def _softmax_in_place(z: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(summed cross-entropy, softmax(z)) with z overwritten by the softmax: no extra
    (chunk x vocab) tensors, unlike logsumexp followed by exp."""
    z.sub_(z.amax(dim=1, keepdim=True))
    target = z.gather(1, targets[:, None])
    z.exp_()
    sums = z.sum(dim=1, keepdim=True)
    return (sums.log() - target).sum(), z.div_(sums)


class _FusedLinearCrossEntropy(torch.autograd.Function):
    """Loss and gradients in one chunked pass; backward only scales the stored gradients."""

    @staticmethod
    def forward(ctx, hidden, weight, lora_a, lora_b, scaling, targets, chunk_size, dtype):
        lora = lora_a is not None
        with torch.autocast(hidden.device.type, enabled=False):
            weight, a, b = _cast(dtype, weight, lora_a, lora_b)
            grad_hidden = torch.empty_like(hidden)
            grad_a = torch.zeros_like(lora_a, dtype=torch.float32) if lora else None
            grad_b = torch.zeros_like(lora_b, dtype=torch.float32) if lora else None
            total = hidden.new_zeros((), dtype=torch.float32)
            buffer = _logits_buffer(hidden, weight, chunk_size, dtype)
            for start in range(0, hidden.shape[0], chunk_size):
                part = slice(start, start + chunk_size)
                h, t = hidden[part].to(dtype), targets[part]
                ha = (h @ a.t()) * scaling if lora else None
                logits = _logits(h, weight, a, b, scaling, buffer, ha)
                loss, grad_z = _softmax_in_place(logits.float(), t)
                total += loss
                # dL/dz = softmax(z) - onehot(t), in place over the logits.
                grad_z[torch.arange(t.shape[0], device=t.device), t] -= 1
                grad_z = grad_z.to(dtype)
                grad_h = grad_z @ weight
                if lora:
                    grad_ha = (grad_z @ b) * scaling
                    grad_h += grad_ha @ a
                    # (ha^T grad_z)^T reads grad_z in its own layout: 3x faster than grad_z^T ha.
                    grad_b += (ha.t() @ grad_z).t().float()
                    grad_a += (grad_ha.t() @ h).float()
                grad_hidden[part] = grad_h
        ctx.save_for_backward(grad_hidden, grad_a, grad_b)
        ctx.lora_dtypes = (lora_a.dtype, lora_b.dtype) if lora else None
        return total

    @staticmethod
    def backward(ctx, grad_output):
        grad_hidden, grad_a, grad_b = ctx.saved_tensors
        grads_lora = (None, None)
        if ctx.lora_dtypes is not None:
            grads_lora = (
                (grad_a * grad_output).to(ctx.lora_dtypes[0]),
                (grad_b * grad_output).to(ctx.lora_dtypes[1]),
            )
        grad_h = grad_hidden * grad_output.to(grad_hidden.dtype)
        return grad_h, None, *grads_lora, None, None, None, None


class _Projection(nn.Module):
    """The output projection as a module, for the autograd fallback."""

    def __init__(self, weight, lora_a, lora_b, scaling):
        super().__init__()
        self.parts = (weight, lora_a, lora_b, scaling)

    def forward(self, h):
        weight, lora_a, lora_b, scaling = self.parts
        out = F.linear(h, weight)
        if lora_a is not None:
            out = out + F.linear(F.linear(h, lora_a), lora_b) * scaling
        return out


def _unfused_loss_sum(hidden, targets, head, chunk_size) -> torch.Tensor:
    """Plain autograd, chunked; chunks are recomputed in backward so one chunk's logits exist."""
    from torch.utils.checkpoint import checkpoint

    def chunk_loss(h, t):
        return F.cross_entropy(head(h).float(), t, reduction="sum")

    if hidden.shape[0] <= chunk_size:
        return chunk_loss(hidden, targets)
    total = hidden.new_zeros((), dtype=torch.float32)
    for start in range(0, hidden.shape[0], chunk_size):
        part = slice(start, start + chunk_size)
        if torch.is_grad_enabled():
            total = total + checkpoint(chunk_loss, hidden[part], targets[part], use_reentrant=False)
        else:
            total = total + chunk_loss(hidden[part], targets[part])
    return total

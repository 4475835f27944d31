"""Causal-LM loss computed only where labels exist, in chunks over the vocabulary projection.

With DeepSeek's 129,280-token vocabulary the logits of a batch (tokens x vocab floats) dominate
time and memory. Projecting only the hidden states at loss positions skips the prompt and padding
positions entirely, and chunking (with recomputation in backward) bounds the logits held at once.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint


def _chunk_loss_sum(hidden: torch.Tensor, targets: torch.Tensor, head: nn.Module) -> torch.Tensor:
    logits = head(hidden).float()
    return F.cross_entropy(logits, targets, reduction="sum")


def selected_token_loss_sum(
    hidden_states: torch.Tensor,
    loss_positions: torch.Tensor,
    loss_targets: torch.Tensor,
    head: nn.Module,
    chunk_size: int = 2048,
) -> torch.Tensor:
    """Sum of next-token cross-entropy over the selected positions.

    Args:
        hidden_states: (batch, seq, hidden) output of the decoder.
        loss_positions: flat indices into the (batch, seq - 1) grid of positions that predict a
            labelled token (from PadCollator).
        loss_targets: the token id each selected position must predict.
        head: the output projection (lm_head, possibly LoRA-wrapped).
        chunk_size: positions projected at once; above it, chunks are recomputed in backward so
            only one chunk's logits exist at a time.
    """
    hidden = hidden_states[:, :-1].reshape(-1, hidden_states.shape[-1])
    hidden = hidden.index_select(0, loss_positions)
    if hidden.shape[0] <= chunk_size:
        return _chunk_loss_sum(hidden, loss_targets, head)
    total = hidden.new_zeros((), dtype=torch.float32)
    for start in range(0, hidden.shape[0], chunk_size):
        part = slice(start, start + chunk_size)
        if torch.is_grad_enabled():
            total = total + checkpoint(
                _chunk_loss_sum, hidden[part], loss_targets[part], head, use_reentrant=False
            )
        else:
            total = total + _chunk_loss_sum(hidden[part], loss_targets[part], head)
    return total

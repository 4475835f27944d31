"""Batching: pad to the longest example in the batch and precompute where the loss goes."""

from __future__ import annotations

import torch

from dsft.data.packing import position_ids, segment_ids
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample


class PadCollator:
    """Pads a list of examples; also returns the flat positions and targets of the loss tokens.

    The loss positions are computed here on the host, so the training step selects hidden states
    with `index_select` instead of a boolean mask (which would force a device-to-host sync).
    """

    def __init__(self, pad_token_id: int, packed: bool = False):
        self.pad_token_id = pad_token_id
        self.packed = packed

    def __call__(self, examples: list[TokenizedExample]) -> dict[str, torch.Tensor | int]:
        length = max(len(e.input_ids) for e in examples)
        input_ids = torch.full((len(examples), length), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(examples), length), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(examples), length), dtype=torch.long)
        for row, example in enumerate(examples):
            n = len(example.input_ids)
            input_ids[row, :n] = torch.tensor(example.input_ids)
            labels[row, :n] = torch.tensor(example.labels)
            attention_mask[row, :n] = 1
        # Hidden state at position t predicts the token at t + 1.
        targets = labels[:, 1:]
        loss_positions = (targets != IGNORE_INDEX).flatten().nonzero().squeeze(1)
        batch = {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "loss_positions": loss_positions,
            "loss_targets": targets.flatten()[loss_positions],
            # Plain ints stay on the host, so throughput logging never syncs with the device.
            "num_tokens": int(attention_mask.sum()),
        }
        if self.packed:  # per-token example ids and restarting positions (see data.packing)
            segments = torch.zeros((len(examples), length), dtype=torch.long)
            positions = torch.zeros((len(examples), length), dtype=torch.long)
            for row, example in enumerate(examples):
                n = len(example.input_ids)
                segments[row, :n] = torch.tensor(segment_ids(example))
                positions[row, :n] = torch.tensor(position_ids(example))
            batch["segment_ids"], batch["position_ids"] = segments, positions
        return batch

"""Log-likelihoods of labelled tokens, from the model's own output layer.

Only the positions that carry a label are projected through `lm_head` (the logits of the other
positions are never needed), and sequences are scored in right-padded batches: the same numbers
as full logits, at a fraction of the cost with a 129k vocabulary.
"""

from __future__ import annotations

import torch

from dsft.data.tokenize import IGNORE_INDEX


@torch.no_grad()
def label_losses(
    run, sequences: list[tuple[list[int], list[int]]], batch_size: int = 8
) -> list[tuple[float, int]]:
    """(summed cross-entropy, token count) per (input_ids, labels); labels[t] is predicted at
    position t - 1, IGNORE_INDEX where nothing is scored."""
    causal_lm = run.causal_lm
    device = next(causal_lm.parameters()).device
    pad = run.tokenizer.pad_token_id
    results = []
    for start in range(0, len(sequences), batch_size):
        chunk = sequences[start : start + batch_size]
        width = max(len(ids) for ids, _ in chunk)
        ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        labels = torch.full((len(chunk), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, (input_ids, row_labels) in enumerate(chunk):
            ids[row, : len(input_ids)] = torch.tensor(input_ids)
            labels[row, : len(row_labels)] = torch.tensor(row_labels)
            mask[row, : len(input_ids)] = 1
        hidden = causal_lm.get_decoder()(
            input_ids=ids.to(device), attention_mask=mask.to(device), use_cache=False
        ).last_hidden_state
        targets = labels[:, 1:].to(device)
        scored = targets != IGNORE_INDEX
        logits = causal_lm.get_output_embeddings()(hidden[:, :-1][scored]).float()
        token_losses = torch.nn.functional.cross_entropy(logits, targets[scored], reduction="none")
        rows = scored.nonzero()[:, 0]
        sums = torch.zeros(len(chunk), device=device).index_add_(0, rows, token_losses)
        counts = scored.sum(dim=1)
        results += [(float(s), int(n)) for s, n in zip(sums.tolist(), counts.tolist(), strict=True)]
    return results


def continuation_logprobs(run, context: list[int], continuations: list[list[int]]) -> list[float]:
    """Summed log-probability of each continuation after the same context."""
    sequences = [(context + c, [IGNORE_INDEX] * len(context) + c) for c in continuations]
    return [-loss for loss, _ in label_losses(run, sequences)]

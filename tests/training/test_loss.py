"""The selected-positions loss equals the ordinary full-logits loss, chunked or not."""

from __future__ import annotations

import torch
from transformers import AutoConfig, AutoModelForCausalLM

from dsft.data.collate import PadCollator
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.training.loss import selected_token_loss_sum


def tiny_llama():
    torch.manual_seed(0)
    config = AutoConfig.for_model(
        "llama",
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=500,
    )
    return AutoModelForCausalLM.from_config(config).float()


def batch():
    g = torch.Generator().manual_seed(0)
    examples = []
    for length, prompt in [(12, 5), (30, 10), (7, 2)]:
        ids = torch.randint(3, 500, (length,), generator=g).tolist()
        examples.append(TokenizedExample(ids, [IGNORE_INDEX] * prompt + ids[prompt:]))
    return PadCollator(pad_token_id=0)(examples)


def test_matches_full_logits_cross_entropy():
    model, b = tiny_llama(), batch()
    labels = torch.full_like(b["input_ids"], IGNORE_INDEX)
    flat = labels[:, 1:].reshape(-1)
    flat[b["loss_positions"]] = b["loss_targets"]
    labels[:, 1:] = flat.view(labels.shape[0], -1)
    reference = model(
        input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=labels
    ).loss
    hidden = model.model(
        input_ids=b["input_ids"], attention_mask=b["attention_mask"]
    ).last_hidden_state
    ours = selected_token_loss_sum(hidden, b["loss_positions"], b["loss_targets"], model.lm_head)
    assert torch.allclose(ours / b["loss_targets"].numel(), reference, atol=1e-6)


def test_chunked_equals_unchunked_with_gradients():
    model, b = tiny_llama(), batch()
    results = []
    for chunk in (10_000, 7):
        model.zero_grad()
        hidden = model.model(
            input_ids=b["input_ids"], attention_mask=b["attention_mask"]
        ).last_hidden_state
        loss = selected_token_loss_sum(
            hidden, b["loss_positions"], b["loss_targets"], model.lm_head, chunk_size=chunk
        )
        loss.backward()
        results.append(
            (
                loss.detach(),
                model.lm_head.weight.grad.clone(),
                model.model.embed_tokens.weight.grad.clone(),
            )
        )
    (l1, g1, e1), (l2, g2, e2) = results
    assert torch.allclose(l1, l2, atol=1e-5)
    assert torch.allclose(g1, g2, atol=1e-6) and torch.allclose(e1, e2, atol=1e-6)

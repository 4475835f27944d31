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


def lora_head(vocab=300, hidden=16, r=4, dropout=0.0):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(1)
    model = torch.nn.Sequential()
    model.add_module("lm_head", torch.nn.Linear(hidden, vocab, bias=False))
    peft_model = get_peft_model(
        model, LoraConfig(r=r, lora_alpha=8, lora_dropout=dropout, target_modules=["lm_head"])
    )
    head = peft_model.base_model.model.lm_head
    with torch.no_grad():  # B starts at zero; make both factors non-trivial
        head.lora_B["default"].weight.normal_()
    return head


def reference_loss(hidden, targets, head):
    return torch.nn.functional.cross_entropy(head(hidden), targets, reduction="sum")


def test_fused_lora_head_matches_autograd_loss_and_gradients():
    from dsft.training.loss import linear_head_parts

    head = lora_head()
    assert linear_head_parts(head) is not None  # really takes the fused path
    hidden = torch.randn(50, 16, requires_grad=True)
    targets = torch.randint(0, 300, (50,))
    results = []
    for fn in ("reference", "fused"):
        head.zero_grad()
        hidden.grad = None
        if fn == "reference":
            loss = reference_loss(hidden, targets, head)
        else:
            positions = torch.arange(50)
            padded = torch.cat([hidden, hidden[:1]])[None]  # (1, 51, h): last position unused
            loss = selected_token_loss_sum(padded, positions, targets, head, chunk_size=16)
        loss.backward()
        results.append(
            (
                loss.detach(),
                hidden.grad.clone(),
                head.lora_A["default"].weight.grad.clone(),
                head.lora_B["default"].weight.grad.clone(),
            )
        )
    for ref, fused in zip(*results, strict=True):
        assert torch.allclose(ref, fused, atol=1e-4, rtol=1e-5)
    assert head.base_layer.weight.grad is None  # frozen weight gets no gradient


def test_no_grad_path_equals_grad_path():
    head = lora_head()
    hidden = torch.randn(1, 41, 16)
    targets = torch.randint(0, 300, (40,))
    with torch.no_grad():
        value = selected_token_loss_sum(hidden, torch.arange(40), targets, head, chunk_size=7)
    expected = reference_loss(hidden[0, :-1], targets, head)
    assert torch.allclose(value, expected, atol=1e-4)


def test_lora_dropout_on_head_falls_back_to_autograd():
    from dsft.training.loss import linear_head_parts

    assert linear_head_parts(lora_head(dropout=0.1)) is None

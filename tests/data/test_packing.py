"""Packed rows give the same loss as the examples run one by one (no cross-example attention)."""

from __future__ import annotations

import pytest
import torch

from dsft.data.collate import PadCollator
from dsft.data.packing import pack_examples
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.models.loading import resolve_model_source
from dsft.training.module import FineTuneModule
from tests.conftest import TINY_LLAMA

ARCHITECTURES = {
    "llama": TINY_LLAMA,
    "deepseek_v3": dict(
        vocab_size=512,
        hidden_size=64,
        intermediate_size=128,
        moe_intermediate_size=32,
        num_hidden_layers=2,
        first_k_dense_replace=1,
        num_attention_heads=4,
        num_key_value_heads=4,
        q_lora_rank=32,
        kv_lora_rank=32,
        qk_rope_head_dim=8,
        qk_nope_head_dim=8,
        v_head_dim=16,
        n_routed_experts=4,
        num_experts_per_tok=2,
        n_shared_experts=1,
        n_group=1,
        topk_group=1,
        max_position_embeddings=256,
    ),
}
TARGETS = {
    "llama": ["q_proj", "v_proj", "lm_head"],
    "deepseek_v3": ["q_b_proj", "kv_b_proj", "lm_head"],
}


def examples(n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        length = int(torch.randint(6, 40, (1,), generator=g))
        prompt = int(torch.randint(1, length - 2, (1,), generator=g))
        ids = torch.randint(3, 512, (length,), generator=g).tolist()
        out.append(TokenizedExample(ids, [IGNORE_INDEX] * prompt + ids[prompt:]))
    return out


def module_for(family, cache):
    model_cfg = {
        "name": f"pack-{family}",
        "family": family,
        "dtype": "float32",
        "random_init": ARCHITECTURES[family],
        "random_init_seed": 0,
        "tokenizer": None,
        "lora_targets": {"t": TARGETS[family]},
        "default_target_preset": "t",
    }
    adapter = {"method": "lora", "r": 4, "alpha": 8, "dropout": 0.0, "target_preset": "default"}
    module = FineTuneModule(model_cfg, adapter, {}, resolve_model_source(model_cfg, cache))
    module.configure_model()
    module.model.eval()
    return module


def non_pad_fraction(batch):
    return float(batch["attention_mask"].float().mean())


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("family", sorted(ARCHITECTURES))
def test_packed_loss_equals_unpacked_token_weighted_loss(family, attention, model_cache):
    module = module_for(family, model_cache)
    module.model.get_base_model().set_attn_implementation(attention)
    data = examples()
    unpacked = PadCollator(pad_token_id=0)(data)
    packed_rows = pack_examples(data, max_length=96)
    packed = PadCollator(pad_token_id=0, packed=True)(packed_rows)
    assert len(packed_rows) < len(data)
    with torch.no_grad():
        # One example at a time: the reference, free of padding and packing effects.
        total = sum(module.loss_sum(PadCollator(0)([e])) for e in data)
        count = sum(PadCollator(0)([e])["loss_targets"].numel() for e in data)
        reference = total / count
        padded = module.loss_sum(unpacked) / unpacked["loss_targets"].numel()
        packed_loss = module.loss_sum(packed) / packed["loss_targets"].numel()
    assert packed["loss_targets"].numel() == count
    assert abs(float(packed_loss) - float(reference)) < 1e-4
    assert abs(float(padded) - float(reference)) < 1e-4
    print(
        f"\n{family}/{attention}: non-pad fraction padded {non_pad_fraction(unpacked):.2f}, "
        f"packed {non_pad_fraction(packed):.2f}; loss {float(reference):.6f} / "
        f"{float(packed_loss):.6f}"
    )
    assert non_pad_fraction(packed) > non_pad_fraction(unpacked)


def test_restarting_positions_alone_would_leak_across_examples(model_cache):
    """Why the mask matters: without it the second example's loss changes."""
    module = module_for("llama", model_cache)
    data = examples(2, seed=1)
    row = pack_examples(data, max_length=96)
    batch = PadCollator(pad_token_id=0, packed=True)(row)
    with torch.no_grad():
        masked = module.loss_sum(batch)
        leaky = dict(batch)
        leaky.pop("segment_ids")  # plain causal attention over the whole row
        leaky_loss = module.loss_sum(leaky)
    assert abs(float(masked) - float(leaky_loss)) > 1e-3


def test_no_example_learns_to_predict_the_next_examples_first_token():
    data = [TokenizedExample([5, 6, 7], [5, 6, 7]), TokenizedExample([8, 9], [8, 9])]
    (row,) = pack_examples(data, max_length=16)
    assert row.labels == [IGNORE_INDEX, 6, 7, IGNORE_INDEX, 9]


def test_packing_is_deterministic_and_keeps_every_example():
    data = examples(40)
    rows = pack_examples(data, max_length=80)
    assert sorted(len(e.input_ids) for e in data) == sorted(n for r in rows for n in r.segments)
    assert all(len(r.input_ids) <= 80 for r in rows)
    assert [r.input_ids for r in pack_examples(data, 80)] == [r.input_ids for r in rows]

"""The static per-family module names used by validation match real transformers models."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM

from dsft.models.architectures import LINEAR_MODULE_NAMES

SMALL = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=256,
)
MLA_MOE = dict(
    SMALL,
    num_key_value_heads=4,
    moe_intermediate_size=32,
    n_routed_experts=4,
    num_experts_per_tok=2,
    n_shared_experts=1,
    first_k_dense_replace=1,
    kv_lora_rank=32,
    qk_rope_head_dim=8,
    qk_nope_head_dim=8,
    v_head_dim=16,
    n_group=1,
    topk_group=1,
)
VARIANTS = {
    "llama": [SMALL],
    "qwen2": [SMALL],
    "qwen3": [dict(SMALL, head_dim=16)],
    # With q-LoRA (V3) and without it (V2-Lite: q_proj).
    "deepseek_v2": [dict(MLA_MOE, q_lora_rank=None), dict(MLA_MOE, q_lora_rank=32)],
    "deepseek_v3": [dict(MLA_MOE, q_lora_rank=32), dict(MLA_MOE, q_lora_rank=None)],
}


def linear_names(family: str, kwargs: dict) -> set[str]:
    config = AutoConfig.for_model(family, **kwargs)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    return {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, nn.Linear)}


@pytest.mark.parametrize("family", sorted(LINEAR_MODULE_NAMES))
def test_static_names_are_exactly_the_linear_layers(family):
    found = set().union(*(linear_names(family, kwargs) for kwargs in VARIANTS[family]))
    assert found == set(LINEAR_MODULE_NAMES[family])


def test_moe_router_is_not_a_lora_target():
    assert "gate" not in LINEAR_MODULE_NAMES["deepseek_v3"]

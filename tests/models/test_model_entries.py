"""The shapes shipped in conf/model/*.yaml build the published parameter counts."""

from __future__ import annotations

import pytest
import torch
import yaml
from transformers import AutoConfig, AutoModelForCausalLM

from tests.conftest import CONF

# Published parameter counts (billions; DeepSeek-V3/R1 without the multi-token-prediction module).
PUBLISHED = {
    "deepseek_llm_7b": 6.91,
    "deepseek_llm_7b_chat": 6.91,
    "deepseek_coder_6_7b_base": 6.74,
    "deepseek_coder_6_7b_instruct": 6.74,
    "deepseek_r1_distill_qwen_1_5b": 1.78,
    "deepseek_r1_distill_qwen_7b": 7.62,
    "deepseek_r1_distill_qwen_14b": 14.8,
    "deepseek_r1_distill_qwen_32b": 32.8,
    "deepseek_r1_distill_llama_8b": 8.03,
    "deepseek_r1_distill_llama_70b": 70.6,
    "deepseek_r1_0528_qwen3_8b": 8.19,
    "deepseek_v2_lite": 15.7,
    "deepseek_v2_lite_chat": 15.7,
    "deepseek_v3": 671,
    "deepseek_v3_1": 671,
    "deepseek_r1": 671,
}
ENTRIES = sorted(
    p for p in (CONF / "model").glob("*.yaml") if yaml.safe_load(p.read_text()).get("architecture")
)


def test_every_entry_with_a_shape_has_a_published_count():
    assert {p.stem for p in ENTRIES} == set(PUBLISHED)


@pytest.mark.parametrize("path", ENTRIES, ids=lambda p: p.stem)
def test_shape_gives_the_published_parameter_count(path):
    entry = yaml.safe_load(path.read_text())
    config = AutoConfig.for_model(entry["family"], **entry["architecture"])
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    billions = sum(p.numel() for p in model.parameters()) / 1e9
    assert billions == pytest.approx(PUBLISHED[path.stem], rel=0.03)

"""LoRA variants (DoRA, rsLoRA, PiSSA) train, save, reload and merge on real peft layers."""

from __future__ import annotations

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

from dsft.adapters.lora import save_adapter
from dsft.data.collate import PadCollator
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.models.loading import resolve_model_source
from dsft.training.module import LoRAFineTuneModule
from tests.conftest import TINY_LLAMA

VARIANTS = {
    "rslora": {"use_rslora": True},
    "dora": {"use_dora": True},
    "pissa": {"init": "pissa_niter_4"},
}


def batch():
    g = torch.Generator().manual_seed(0)
    examples = []
    for _ in range(4):
        ids = torch.randint(3, 512, (24,), generator=g).tolist()
        examples.append(TokenizedExample(ids, [IGNORE_INDEX] * 8 + ids[8:]))
    return PadCollator(pad_token_id=0)(examples)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_trains_saves_reloads_and_merges(variant, model_cache, tmp_path):
    model_cfg = {
        "name": "variants-llama",
        "family": "llama",
        "dtype": "float32",
        "random_init": TINY_LLAMA,
        "random_init_seed": 0,
        "tokenizer": None,
        "lora_targets": {"all": ["q_proj", "v_proj", "gate_proj", "down_proj"]},
        "default_target_preset": "all",
    }
    adapter = {
        "method": "lora",
        "r": 4,
        "alpha": 8,
        "dropout": 0.0,
        "target_preset": "default",
        **VARIANTS[variant],
    }
    source = resolve_model_source(model_cfg, model_cache)
    module = LoRAFineTuneModule(model_cfg, adapter, {}, source)
    module.configure_model()
    config = module.model.peft_config["default"]
    assert config.use_dora == adapter.get("use_dora", False)
    assert config.use_rslora == adapter.get("use_rslora", False)
    params = [p for p in module.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-2)
    b = batch()
    losses = []
    for _ in range(2):
        loss = module.loss_sum(b) / b["loss_targets"].numel()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss))
    assert all(torch.isfinite(torch.tensor(losses))) and losses[0] != losses[1]

    module.model.eval()
    with torch.no_grad():
        expected = module.model(input_ids=b["input_ids"]).logits
    save_adapter(module.model, tmp_path / "adapter", module.pissa_initial)
    base_dir = source  # the original checkpoint, PiSSA included (its adapter is converted)
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    reloaded = PeftModel.from_pretrained(base, tmp_path / "adapter").eval()
    with torch.no_grad():
        assert torch.allclose(reloaded(input_ids=b["input_ids"]).logits, expected, atol=1e-5)
        merged = reloaded.merge_and_unload()
        assert torch.allclose(merged(input_ids=b["input_ids"]).logits, expected, atol=1e-4)

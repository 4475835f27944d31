"""LoRA reaches DeepSeek-V3's fused routed experts, and trains them (the classic silent miss)."""

from __future__ import annotations

import torch
from omegaconf import OmegaConf

from dsft.adapters.peft_lora import adapted_module_counts
from dsft.data.collate import PadCollator
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.models.loading import resolve_model_source
from tests.conftest import compose_config


def test_default_preset_trains_both_lora_matrices_of_the_routed_experts(model_cache):
    from dsft.training.module import FineTuneModule

    cfg = OmegaConf.to_container(compose_config(), resolve=False, enum_to_str=True)
    model_cfg, adapter = cfg["model"], cfg["adapter"]
    module = FineTuneModule(model_cfg, adapter, {}, resolve_model_source(model_cfg, model_cache))
    module.configure_model()
    experts = {
        name: m
        for name, m in module.model.named_modules()
        if type(m).__name__ == "ParamWrapper" and "experts" in name
    }
    wrapped = {m.parameter_name for m in experts.values()}
    assert wrapped == {"gate_up_proj", "down_proj"}  # both fused expert weights of layer 1
    # The run log names them apart from the Linear layers of the same name.
    counts = adapted_module_counts(module.model)
    assert counts["experts.gate_up_proj"] == 1 and counts["experts.down_proj"] == 1
    assert counts["down_proj"] == 2 and counts["gate_proj"] == 2  # dense MLP + shared experts
    trainable = {n for n, p in module.model.named_parameters() if p.requires_grad}
    assert any("experts" in n and "lora_A" in n for n in trainable)
    assert any("experts" in n and "lora_B" in n for n in trainable)
    assert not any(".mlp.gate." in n for n in trainable)  # the router is never adapted
    # The same names also reach the dense MLP (layer 0) and the shared experts: peft 0.21 alone
    # would move them to the routed experts only (huggingface/peft#3711).
    for module_path in ("layers.0.mlp", "layers.1.mlp.shared_experts"):
        for proj in ("gate_proj", "up_proj", "down_proj"):
            assert any(f"{module_path}.{proj}.lora_B" in n for n in trainable), (module_path, proj)

    before = {
        n: p.detach().clone()
        for n, p in module.model.named_parameters()
        if p.requires_grad and "experts" in n
    }
    g = torch.Generator().manual_seed(0)
    examples = [
        TokenizedExample(
            ids := torch.randint(3, 129_000, (32,), generator=g).tolist(),
            [IGNORE_INDEX] * 8 + ids[8:],
        )
        for _ in range(4)
    ]
    batch = PadCollator(pad_token_id=1)(examples)
    params = [p for p in module.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    for _ in range(2):
        (module.loss_sum(batch) / batch["loss_targets"].numel()).backward()
        optimizer.step()
        optimizer.zero_grad()
    changed = {
        n
        for n, p in module.model.named_parameters()
        if n in before and not torch.equal(p.detach(), before[n])
    }
    assert changed == set(before)  # every expert LoRA matrix moved (A and B, both weights)
    assert {k for k in ("lora_A", "lora_B") if any(k in n for n in changed)} == {"lora_A", "lora_B"}

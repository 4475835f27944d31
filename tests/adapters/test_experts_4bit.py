"""QLoRA on DeepSeek MoE: the fused routed experts are held in 4 bits too (real bitsandbytes),
LoRA on them through peft's target_parameters still trains, and the adapter reloads."""

from __future__ import annotations

import json

import torch
from peft import get_peft_model_state_dict

from dsft.adapters.peft_lora import load_adapter, save_adapter
from dsft.data.collate import PadCollator
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.models.experts_4bit import fused_expert_parameters, weight_counts
from dsft.models.loading import load_base_model
from tests.adapters.test_family_matrix import configured_module

QLORA_FP32 = ["adapter=qlora", "adapter.quantization.compute_dtype=float32"]


def distinct_batches(n: int = 4):
    g = torch.Generator().manual_seed(1)
    out = []
    for _ in range(n):
        examples = []
        for _ in range(2):
            ids = torch.randint(3, 129_000, (24,), generator=g).tolist()
            examples.append(TokenizedExample(ids, [IGNORE_INDEX] * 8 + ids[8:]))
        out.append(PadCollator(pad_token_id=1)(examples))
    return out


def expert_state_bytes(model) -> int:
    """Bytes of the routed experts in the model's state dict (bitsandbytes writes a 4-bit
    stack's packed data and its quantization statistics there)."""
    return sum(
        t.numel() * t.element_size()
        for k, t in model.state_dict().items()
        if ".mlp.experts." in k and "lora_" not in k and isinstance(t, torch.Tensor)
    )


def train(module, batches, steps: int) -> list[float]:
    torch.manual_seed(0)
    params = [p for p in module.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    losses = []
    for step in range(steps):
        batch = batches[step % len(batches)]
        loss = module.loss_sum(batch) / batch["loss_targets"].numel()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def test_qlora_holds_the_routed_experts_in_4_bits(model_cache, caplog):
    caplog.set_level("INFO")
    module, cfg, source = configured_module(QLORA_FP32, model_cache)  # the tiny V3
    # Independently: the same model unquantized, its nn.Linear weights (but lm_head) and its
    # fused routed-expert parameters.
    plain = load_base_model(source, cfg["model"], "32-true")
    linear = sum(
        m.weight.numel()
        for n, m in plain.named_modules()
        if isinstance(m, torch.nn.Linear) and n != "lm_head"
    )
    experts = {name: p for name, p in plain.named_parameters() if ".mlp.experts." in name}
    n_experts = sum(p.numel() for p in experts.values())
    counts = weight_counts(module.model)
    assert counts["experts_four_bit"] == n_experts > 0
    assert counts["four_bit"] == linear + n_experts
    assert counts["experts_other"] == 0
    assert f"QLoRA: {linear + n_experts:,} weights in 4 bits" in caplog.text
    assert f"routed experts {n_experts:,}" in caplog.text
    assert "stay unquantized" not in caplog.text

    # The packed storage: 2 weights per byte plus per-block statistics, vs 4 bytes in fp32.
    plain_bytes, packed_bytes = expert_state_bytes(plain), expert_state_bytes(module.model)
    assert plain_bytes == 4 * n_experts
    assert n_experts / 2 <= packed_bytes < plain_bytes / 6
    # Dequantized on access, each expert close to its fp32 weights (NF4 error, not garbage).
    base = module.causal_lm
    for full_name, owner, name in fused_expert_parameters(plain):
        experts = base.get_submodule(full_name.rsplit(".", 1)[0]).get_base_layer()  # in peft
        quantized = getattr(experts, name)
        original = getattr(owner, name)
        assert quantized.shape == original.shape and quantized.dtype == torch.float32
        error = (quantized - original).norm() / original.norm()
        assert 0 < error < 0.15, (full_name, error)


def test_lora_on_4_bit_experts_trains_like_lora(model_cache):
    batches = distinct_batches()
    lora, _, _ = configured_module(["adapter=lora"], model_cache)
    qlora, _, _ = configured_module(QLORA_FP32, model_cache)
    expert_lora = [
        p for n, p in qlora.model.named_parameters() if ".experts." in n and "lora_" in n
    ]
    assert len(expert_lora) == 4  # A and B for gate_up_proj and down_proj
    before = [p.detach().clone() for p in expert_lora]
    lora_losses, qlora_losses = train(lora, batches, 20), train(qlora, batches, 20)
    # Both memorise the same 4 random batches. How close the 4-bit base stays to the fp32 one
    # is checked on the bundled data (test_train_e2e: val loss within 2%); random tokens drift
    # apart by a few percent from run to run.
    assert lora_losses[-1] < 0.95 * lora_losses[0]
    assert qlora_losses[-1] < 0.95 * qlora_losses[0]
    assert all(not torch.equal(p, b) for p, b in zip(expert_lora, before, strict=True))
    # peft stacks its LoRA parametrization on the 4-bit one per forward; it must come off again.
    stacks = [
        len(m.parametrizations[name])
        for m in qlora.model.modules()
        for name in getattr(m, "parametrizations", {})
    ]
    assert stacks == [1, 1]


def test_qlora_adapter_reloads_on_a_4_bit_and_a_full_base(model_cache, tmp_path):
    module, cfg, source = configured_module(QLORA_FP32, model_cache)
    batches = distinct_batches(2)
    train(module, batches, 3)
    save_adapter(module.model, tmp_path / "adapter")
    saved = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    suffixes = ["experts.down_proj", "experts.gate_up_proj"]
    assert sorted(saved["target_parameters"]) == suffixes

    batch = batches[0]
    module.model.eval()
    with torch.no_grad():
        trained = module.model(input_ids=batch["input_ids"]).logits
    trained_state = get_peft_model_state_dict(module.model)
    quant = {"quant_type": "nf4", "double_quant": True, "compute_dtype": "float32"}
    for quantization in (quant, None):
        base = load_base_model(source, cfg["model"], "32-true", quantization=quantization)
        reloaded = load_adapter(base, tmp_path / "adapter").eval()
        state = get_peft_model_state_dict(reloaded)
        assert state.keys() == trained_state.keys()
        assert sum(".experts." in k for k in state) == 4
        assert all(torch.equal(state[k], trained_state[k]) for k in state), quantization
        if quantization is not None:  # the same 4-bit base and adapter: the same outputs
            with torch.no_grad():
                logits = reloaded(input_ids=batch["input_ids"]).logits
            torch.testing.assert_close(logits, trained)

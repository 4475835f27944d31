"""Every adapter method on every architecture family, on tiny random models with real module names.

Each case composes `model=<family>_tiny adapter=<method>` the way train.py does, validates it,
builds the module, trains 2 optimizer steps with Lightning on CPU, checks the trainable parameter
count against an analytic count (computed from a separately built reference model's shapes, not
from peft), saves, reloads to identical outputs and merges.
"""

from __future__ import annotations

from functools import partial

import lightning as L
import pytest
import torch
from omegaconf import OmegaConf
from peft import PeftModel
from transformers import AutoConfig, AutoModelForCausalLM

from dsft.adapters.methods.freeze import Freeze
from dsft.adapters.targets import selected_targets
from dsft.config.validate import validate
from dsft.data.collate import PadCollator
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.models.loading import load_base_model, resolve_model_source
from dsft.training.module import FineTuneModule
from tests.conftest import compose_config

FAMILY_MODELS = {
    "llama": "llama_tiny",
    "qwen2": "qwen2_tiny",
    "qwen3": "qwen3_tiny",
    "deepseek_v2": "deepseek_v2_tiny",
    "deepseek_v3": "deepseek_v3_tiny",
}
METHODS = ("lora", "qlora", "dora", "rslora", "pissa", "adalora", "freeze", "full")
RANK = 4
# The fused routed-expert parameters, and the MLP module names peft maps onto each of them.
FUSED_EXPERTS = {
    "experts.gate_up_proj": ("gate_proj", "up_proj"),
    "experts.down_proj": ("down_proj",),
}
ADALORA = [  # prune within the two steps: rank re-allocation at step 0, final mask at step 1
    "adapter.adalora.target_r=2",
    "adapter.adalora.warmup_fraction=0",
    "adapter.adalora.final_fraction=0.5",
    "adapter.adalora.interval=1",
]


def reference_model(model_cfg):
    """The same architecture on the meta device: shapes only, built without dsft or peft."""
    config = AutoConfig.for_model(model_cfg["family"], **model_cfg["random_init"])
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def expected_trainable(model_cfg, adapter) -> int:
    """The analytic trainable count of a method on this architecture."""
    ref = reference_model(model_cfg)
    method = adapter["method"]
    if method == "full":
        return sum(p.numel() for p in ref.parameters())
    if method == "freeze":
        layers = ref.get_decoder().layers
        indices = Freeze(adapter, model_cfg).trained_indices(len(layers))
        return sum(p.numel() for i in indices for p in layers[i].parameters())
    targets = set(selected_targets(adapter, model_cfg))
    total = 0
    for name, module in ref.named_modules():
        if isinstance(module, torch.nn.Linear) and name.rsplit(".", 1)[-1] in targets:
            n_in, n_out = module.in_features, module.out_features
            total += RANK * (n_in + n_out)  # A (r x in) and B (out x r)
            total += n_out if adapter["use_dora"] else 0  # DoRA's magnitude per output row
            total += RANK if method == "adalora" else 0  # AdaLoRA's singular values E
    if model_cfg["family"] in ("deepseek_v2", "deepseek_v3"):
        for name, param in ref.named_parameters():
            for fused, mlp_names in FUSED_EXPERTS.items():
                if not name.endswith(fused):
                    continue
                # One LoRA pair per expert (stacked), rank r per target name that maps here.
                ranks = RANK * ((fused in targets) + len(targets & set(mlp_names)))
                experts, n_out, n_in = param.shape
                total += ranks * experts * (n_in + n_out)
    return total


def batches():
    g = torch.Generator().manual_seed(0)
    examples = []
    for _ in range(2):
        ids = torch.randint(3, 129_000, (24,), generator=g).tolist()
        examples.append(TokenizedExample(ids, [IGNORE_INDEX] * 8 + ids[8:]))
    batch = PadCollator(pad_token_id=1)(examples)
    return [batch, batch]  # the same batch twice: the loss changes only if the weights did


class LossRecorder(L.Callback):
    def __init__(self):
        self.losses = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self.losses.append(float(outputs["loss"]))


def overrides_for(family: str, method: str) -> list[str]:
    overrides = [f"model={FAMILY_MODELS[family]}", f"adapter={method}"]
    if method not in ("freeze", "full"):
        overrides += [f"adapter.r={RANK}", f"adapter.alpha={2 * RANK}"]
    return overrides + (ADALORA if method == "adalora" else [])


def configured_module(overrides: list[str], model_cache, total_steps: int | None = None):
    """(module with its model built, plain model/adapter/optimizer configs, model source) for a
    config composed and validated the way train.py does it."""
    cfg = compose_config(overrides)
    validate(cfg)  # the same checks as train.py, before any model is built
    plain = {
        k: OmegaConf.to_container(cfg[k], resolve=True, enum_to_str=True)
        for k in ("model", "adapter", "optimizer")
    }
    source = resolve_model_source(plain["model"], model_cache)
    module = FineTuneModule(
        plain["model"], plain["adapter"], plain["optimizer"], source, total_steps=total_steps
    )
    module.configure_model()
    return module, plain, source


def outputs(model, input_ids):
    model.eval()
    with torch.no_grad():
        return model(input_ids=input_ids).logits


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("family", sorted(FAMILY_MODELS))
def test_method_trains_saves_reloads_and_merges(family, method, model_cache, tmp_path):
    module, cfg, source = configured_module(overrides_for(family, method), model_cache, 2)
    model_cfg, adapter = cfg["model"], cfg["adapter"]

    # Exactly the intended parameters train.
    trainable = {n: p for n, p in module.model.named_parameters() if p.requires_grad}
    assert sum(p.numel() for p in trainable.values()) == expected_trainable(model_cfg, adapter)
    if method == "freeze":
        last = len(module.model.get_decoder().layers) - 1
        assert all(n.startswith(f"model.layers.{last}.") for n in trainable)
    elif method != "full":
        assert all("lora_" in n for n in trainable)
        assert not any(".mlp.gate." in n for n in trainable)  # the MoE router is never adapted
    before = {n: p.detach().clone() for n, p in trainable.items()}

    recorder = LossRecorder()
    trainer = L.Trainer(
        accelerator="cpu",
        max_steps=2,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=1,
        callbacks=[recorder],
    )
    trainer.fit(module, train_dataloaders=torch.utils.data.DataLoader(batches(), batch_size=None))
    assert trainer.global_step == 2
    first, second = recorder.losses
    assert torch.isfinite(torch.tensor([first, second])).all() and first != second
    moved = [n for n, p in module.model.named_parameters() if n in before]
    assert any(not torch.equal(trainable[n].detach(), before[n]) for n in moved)

    input_ids = batches()[0]["input_ids"]
    expected = outputs(module.model, input_ids)
    saved = module.method.save(module.model, tmp_path, tokenizer=None)
    assert saved == tmp_path / ("model" if method in ("freeze", "full") else "adapter")
    module.method.close()
    if method == "adalora":
        assert module.model.peft_config["default"].rank_pattern  # ranks were pruned
    quantization = module.method.quantization()

    def load_base(from_source, quantization=quantization):
        return load_base_model(from_source, model_cfg, "32-true", quantization=quantization)

    reloaded = module.method.load(load_base, saved, source)
    torch.testing.assert_close(outputs(reloaded, input_ids), expected, rtol=0, atol=1e-5)
    if method in ("freeze", "full"):
        assert not isinstance(reloaded, PeftModel)
        return  # nothing to merge: the saved weights are the whole trained model

    # Merging: W + s B A folded into the weights gives the adapter model's outputs. A QLoRA
    # adapter is merged into the unquantized base (merging into 4-bit weights re-quantizes them).
    if method == "qlora":
        reloaded = module.method.load(partial(load_base, quantization=None), saved, source)
    unmerged = outputs(reloaded, input_ids)
    merged = reloaded.merge_and_unload()
    assert not isinstance(merged, PeftModel)
    torch.testing.assert_close(outputs(merged, input_ids), unmerged, rtol=0, atol=1e-4)


def test_experts_preset_trains_both_lora_matrices_of_the_routed_experts(model_cache):
    overrides = [*overrides_for("deepseek_v3", "lora"), "adapter.target_preset=experts"]
    module, cfg, _ = configured_module(overrides, model_cache)
    trainable = {n: p for n, p in module.model.named_parameters() if p.requires_grad}
    assert trainable and all(".mlp.experts." in n for n in trainable)  # routed experts only
    count = sum(p.numel() for p in trainable.values())
    assert count == expected_trainable(cfg["model"], cfg["adapter"]) > 0
    wrapped = {
        m.parameter_name for m in module.model.modules() if type(m).__name__ == "ParamWrapper"
    }
    assert wrapped == {"gate_up_proj", "down_proj"}
    before = {n: p.detach().clone() for n, p in trainable.items()}
    optimizer = torch.optim.AdamW(trainable.values(), lr=1e-3)
    batch = batches()[0]
    for _ in range(2):
        (module.loss_sum(batch) / batch["loss_targets"].numel()).backward()
        optimizer.step()
        optimizer.zero_grad()
    changed = {n for n, p in trainable.items() if not torch.equal(p.detach(), before[n])}
    assert changed == set(trainable)  # A and B of both fused weights moved
    assert {k for k in ("lora_A", "lora_B") if any(k in n for n in changed)} == {"lora_A", "lora_B"}


@pytest.mark.parametrize(
    ("overrides", "scaling"),
    [
        (["adapter.r=8", "adapter.alpha=16"], 2.0),
        (["adapter.r=8", "adapter.alpha=${adapter.r}"], 1.0),  # interpolation: alpha follows r
        (["adapter.r=32", "adapter.alpha_ratio=0.5"], 0.5),  # alpha = 0.5 * r
        (["adapter=rslora", "adapter.r=16", "adapter.alpha=16"], 4.0),  # alpha / sqrt(r)
    ],
)
def test_lora_scale_follows_alpha_rank_and_ratio(overrides, scaling, model_cache):
    module, cfg, _ = configured_module(["model=llama_tiny", *overrides], model_cache)
    adapter = cfg["adapter"]
    layer = module.model.get_base_model().model.layers[0].self_attn.q_proj
    assert layer.scaling["default"] == pytest.approx(scaling)
    assert layer.r["default"] == adapter["r"]


@pytest.mark.parametrize(("quant_type", "double_quant"), [("fp4", True), ("nf4", False)])
def test_qlora_quantization_options_reach_bitsandbytes(quant_type, double_quant, model_cache):
    import bitsandbytes as bnb

    overrides = [
        "model=llama_tiny",
        "adapter=qlora",
        f"adapter.quantization.quant_type={quant_type}",
        f"adapter.quantization.double_quant={double_quant}",
        "adapter.quantization.compute_dtype=float32",
    ]
    module, _, _ = configured_module(overrides, model_cache)
    layers = [m for m in module.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(layers) == 14  # 7 projections x 2 layers; lm_head stays in full precision
    state = layers[0].weight.quant_state
    assert state.quant_type == quant_type and (state.nested is double_quant)
    assert layers[0].compute_dtype == torch.float32
    batch = batches()[0]
    loss = module.loss_sum(batch) / batch["loss_targets"].numel()
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for n, p in module.model.named_parameters() if "lora_B" in n)


def test_freeze_under_mixed_precision_trains_fp32_layers_on_a_16_bit_base(model_cache):
    cfg = compose_config(["model=llama_tiny", "adapter=freeze"])
    model_cfg = dict(
        OmegaConf.to_container(cfg.model, resolve=True, enum_to_str=True), dtype="bfloat16"
    )
    source = resolve_model_source(model_cfg, model_cache)
    base = load_base_model(source, model_cfg, "bf16-mixed")
    adapter = {"method": "freeze", "trainable_layers": 1}
    model = Freeze(adapter, model_cfg).wrap(base, "bf16-mixed", False, None)
    trained = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert trained and all(n.startswith("model.layers.1.") for n in trained)
    assert all(p.dtype == torch.float32 for p in trained.values())  # fp32 master weights
    frozen = [p for p in model.parameters() if not p.requires_grad]
    assert frozen and all(p.dtype == torch.bfloat16 for p in frozen)  # the base stays 16-bit
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(input_ids=batches()[0]["input_ids"]).logits.float().logsumexp(-1).mean()
    loss.backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in trained.values())

"""Bad configs fail before any model loads, with a message naming the key and what to do."""

from __future__ import annotations

import importlib.util

import pytest
import yaml
from hydra.errors import ConfigCompositionException
from omegaconf.errors import OmegaConfBaseException

from dsft.config.errors import ConfigError
from dsft.config.validate import validate
from tests.conftest import CONF, compose_config

BAD = [
    (["adapter.r=-1"], "adapter.r", "positive"),
    (["adapter.r=0"], "adapter.r", "positive"),
    (["adapter.alpha=0"], "adapter.alpha", "positive"),
    (["adapter.dropout=1.0"], "adapter.dropout", "[0, 1)"),
    (["optimizer.lr=0"], "optimizer.lr", "positive"),
    (["optimizer.lr=-3e-4"], "optimizer.lr", "positive"),
    (["hardware=t4", "hardware.precision=bf16-mixed"], "hardware.precision", "16-mixed"),
    (
        ["data.sources.0.path=/nonexistent/dir/train.jsonl"],
        "data.sources[0].path",
        "/nonexistent/dir/train.jsonl",
    ),
    (["data.sources.0.weight=0"], "data.sources", "positive"),
    (["data.sources.0.weight=-1"], "data.sources[0].weight", ">= 0"),
    (["data.val_fraction=0.5", "data.test_fraction=0.5"], "data.test_fraction", "< 1"),
    (["adapter.dropout=0.1"], "adapter.dropout", "fused 3-D parameters"),
    (["strategy=ddp", "+strategy.start_method=spawn"], "strategy", "use ddp"),
    (["strategy.name=ddp_spawn"], "strategy", "use ddp"),
    (["data.max_length=100000"], "data.max_length", "context_length"),
    (["strategy=fsdp", "hardware.devices=2"], "strategy", "fused MoE experts"),
    (["strategy=fsdp", "model=llama_tiny", "adapter=qlora"], "strategy", "does not shard"),
    (["adapter.target_preset=everything"], "adapter.target_preset", "all_linear"),
    (["resume=/nonexistent/run"], "resume", "last.ckpt"),
    # adapter methods
    (["adapter=adalora", "adapter.target_preset=all_linear"], "adapter.method", "fused MoE"),
    (["adapter=dora", "adapter.target_preset=experts"], "adapter.use_dora", "fused MoE"),
    (["adapter=adalora", "adapter.adalora.target_r=32"], "adapter.adalora.target_r", "exceed"),
    (
        ["adapter=adalora", "adapter.adalora.final_fraction=0.95"],
        "adapter.adalora.warmup_fraction",
        "[0, 1)",
    ),
    (["adapter=adalora", "adapter.init=gaussian"], "adapter.init", "own"),
    (["adapter=adalora", "adapter.use_rslora=true"], "adapter.use_rslora", "AdaLoRA"),
    (
        ["adapter=full", "hardware=h100", "hardware.precision=bf16-true"],
        "hardware.precision",
        "bf16-mixed",
    ),
    (
        ["adapter=freeze", "hardware=t4", "hardware.precision=16-true"],
        "hardware.precision",
        "16-mixed",
    ),
    (["adapter=adalora", "adapter.method=lora"], "adapter.adalora", "not a key of adapter"),
    (["adapter.method=qlora"], "adapter.method", "adapter=qlora (the group option)"),
    (["+adapter.rank=8"], "adapter.rank", "Did you mean adapter.r?"),
    (["+data.max_len=512"], "data.max_len", "Did you mean data.max_length?"),
    (["+max_steps=10"], "max_steps", "train.max_steps"),  # Hydra's suggestion for a typo
    (["adapter=lora", "adapter.method=freeze"], "adapter.method", "adapter=freeze (the group"),
    # Trainer flags that follow another group cannot bypass that group's rules.
    (["hardware=t4", "trainer.precision=bf16-mixed"], "trainer.precision", "hardware.precision"),
    (["trainer.devices=2"], "trainer.devices", "hardware.devices"),
    (["trainer.max_steps=-1"], "trainer.max_steps", "train.max_steps"),
    (["+trainer.profiler_typo=simple"], "trainer.profiler_typo", "profiler"),
    (
        ["adapter=freeze", "adapter.trainable_layers=null"],
        "adapter.trainable_layers",
        "exactly one",
    ),
    (["adapter=freeze", "adapter.freeze_layers=[0]"], "adapter.trainable_layers", "exactly one"),
    (["adapter=freeze", "adapter.trainable_layers=3"], "adapter.trainable_layers", "1..2"),
    (
        ["adapter=freeze", "adapter.trainable_layers=null", "adapter.freeze_layers=[0,7]"],
        "adapter.freeze_layers",
        "[7]",
    ),
    (
        ["adapter=freeze", "adapter.trainable_layers=null", "adapter.freeze_layers=[0,1]"],
        "adapter.freeze_layers",
        "nothing would train",
    ),
    (["adapter=full", "adapter.init_from=/tmp"], "adapter.init_from", "`model/` dir"),
    (["adapter.method=prefix"], "adapter.method", "adalora"),
    (["adapter.target_modules=[q_a_proj,gate_proj]"], "adapter.target_modules", "Name both"),
]


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"), BAD, ids=[b[1] + ":" + b[0][-1] for b in BAD]
)
def test_bad_value_names_the_key(overrides, key, fragment):
    cfg = compose_config(overrides)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert err.value.key == key
    assert fragment in str(err.value)


def test_unknown_lora_target_lists_the_modules_that_exist():
    cfg = compose_config(["adapter.target_modules=[q_proj,qkv_proj]"])
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    message = str(err.value)
    assert err.value.key == "adapter.target_modules"
    assert "qkv_proj" in message and "deepseek_v3" in message
    for existing in ("q_a_proj", "kv_b_proj", "o_proj", "lm_head"):
        assert existing in message


def test_target_valid_for_one_family_is_rejected_for_another():
    validate(compose_config(["model=deepseek_llm_7b", "adapter.target_modules=[q_proj,v_proj]"]))
    cfg = compose_config(["model=deepseek_llm_7b", "adapter.target_modules=[kv_b_proj]"])
    with pytest.raises(ConfigError, match="kv_b_proj not in the llama architecture"):
        validate(cfg)


def test_qlora_without_bitsandbytes_says_how_to_fix(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "bitsandbytes" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ConfigError, match="pip install bitsandbytes"):
        validate(compose_config(["adapter=qlora"]))


@pytest.mark.parametrize(
    ("model", "weights"), [("deepseek_v2_lite", "14,394,851,328"), ("deepseek_v3_tiny", "98,304")]
)
def test_qlora_on_moe_with_a_bitsandbytes_that_cannot_hold_experts_in_4_bits(
    monkeypatch, model, weights
):
    import importlib.metadata

    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: "0.47.0" if name == "bitsandbytes" else real_version(name),
    )
    with pytest.raises(ConfigError) as err:
        validate(compose_config([f"model={model}", "adapter=qlora"]))
    message = str(err.value)
    assert "mlp.experts.gate_up_proj" in message and f"({weights} weights)" in message
    assert ">= 0.48 (installed: 0.47.0)" in message
    validate(compose_config(["model=llama_tiny", "adapter=qlora"]))  # no experts: fine


def test_qlora_bf16_compute_on_hardware_without_bf16():
    cfg = compose_config(
        ["adapter=qlora", "hardware=t4", "adapter.quantization.compute_dtype=bfloat16"]
    )
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert err.value.key == "adapter.quantization.compute_dtype"


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("adapter.rank=8", "rank"),
        ("adapter.r=sixteen", "sixteen"),
        ("optimizer.lr=fast", "fast"),
        ("trainer.limit_val_batchez=2", "limit_val_batchez"),
        ("adapter=full adapter.trainable_layers=1", "trainable_layers"),
        # Closed choices: a value outside them fails here, listing the allowed ones.
        ("hardware.precision=fp8", "bf16-mixed"),
        ("data.truncation=middle", "drop"),
        ("data.sources.0.format=xml", "conversations"),
        ("model.chat_template=deepseek_v4", "deepseek_v3_1"),
    ],
)
def test_typos_wrong_types_and_closed_choices_fail_at_composition(override, fragment):
    with pytest.raises((ConfigCompositionException, OmegaConfBaseException)) as err:
        compose_config(override.split())
    assert fragment in str(err.value) or fragment in str(err.value.__cause__)


def test_trainer_flags_are_config(tmp_path):
    cfg = compose_config(["trainer.limit_val_batches=2", "+trainer.profiler=simple"])
    validate(cfg)
    assert cfg.trainer.limit_val_batches == 2 and cfg.trainer.profiler == "simple"
    assert cfg.trainer.max_steps == cfg.train.max_steps  # length follows the train group
    cfg = compose_config(["hardware.grad_accum=4", "train.val_every_n_steps=25"])
    assert cfg.trainer.val_check_interval == 100  # Lightning counts batches


def test_a_model_file_without_its_chat_template_fails_before_loading(tmp_path):
    model = yaml.safe_load((CONF / "model" / "llama_tiny.yaml").read_text())
    del model["chat_template"], model["defaults"]
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "forgetful.yaml").write_text(yaml.safe_dump(model))
    cfg = compose_config([f"hydra.searchpath=[file://{tmp_path}]", "model=forgetful"])
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert err.value.key == "model.chat_template" and "required" in str(err.value)


def test_mla_targets_follow_the_models_q_lora_rank():
    # DeepSeek-V2-Lite has no q-LoRA: q_proj exists, q_a_proj does not (and V3 the reverse).
    validate(compose_config(["model=deepseek_v2_lite", "adapter.target_modules=[q_proj]"]))
    with pytest.raises(ConfigError, match="q_a_proj not in the deepseek_v2 architecture"):
        validate(compose_config(["model=deepseek_v2_lite", "adapter.target_modules=[q_a_proj]"]))
    with pytest.raises(ConfigError, match="q_proj not in the deepseek_v3 architecture"):
        validate(compose_config(["model=deepseek_v3", "adapter.target_modules=[q_proj]"]))


def test_adalora_continues_only_an_adalora_adapter(tmp_path):
    (tmp_path / "adapter_config.json").write_text('{"peft_type": "LORA"}')
    cfg = compose_config(["adapter=adalora", f"adapter.init_from={tmp_path}"])
    with pytest.raises(ConfigError, match="adapter=adalora continues only ADALORA") as err:
        validate(cfg)
    assert err.value.key == "adapter.init_from"

"""Every YAML file under conf/ composes with the schema and passes validation."""

from __future__ import annotations

import pytest
import yaml

from dsft.config.validate import validate
from tests.conftest import CONF, ROOT, compose_config

GROUP_OPTIONS = sorted(
    (path.parent.name, path.stem)
    for path in CONF.glob("*/*.yaml")
    if path.parent.name not in ("hydra", "paths")
)
SWEEP_FILES = sorted(ROOT.glob("sweeps/**/*.yaml"))


def test_groups_are_discovered():
    groups = {group for group, _ in GROUP_OPTIONS}
    assert {"model", "adapter", "data", "optimizer", "hardware", "logger"} <= groups


@pytest.mark.parametrize(
    ("group", "option"), GROUP_OPTIONS, ids=[f"{g}/{o}" for g, o in GROUP_OPTIONS]
)
def test_option_composes_and_validates(group: str, option: str):
    # An option that the default model cannot use is checked with a model it serves.
    companions = {("strategy", "fsdp"): ["model=llama_tiny"]}
    cfg = compose_config([f"{group}={option}", *companions.get((group, option), [])])
    validate(cfg)
    if group in cfg:
        assert cfg[group] is not None


def test_default_config_is_the_embedded_cpu_job():
    cfg = compose_config()
    validate(cfg)
    assert cfg.model.name == "deepseek_v3_tiny"
    assert cfg.hardware.accelerator == "cpu"
    assert cfg.data.name == "demo"
    # The tiny model's default preset adapts the output layer (conf/model/deepseek_v3_tiny.yaml).
    assert "lm_head" in cfg.model.lora_targets[cfg.model.default_target_preset]


@pytest.mark.parametrize("path", SWEEP_FILES, ids=[p.name for p in SWEEP_FILES])
def test_sweep_files_parse(path):
    assert yaml.safe_load(path.read_text()) is not None


MODELS = sorted(p.stem for p in (CONF / "model").glob("*.yaml"))


@pytest.mark.parametrize("adapter", ["adalora", "dora", "freeze", "full", "pissa", "rslora"])
@pytest.mark.parametrize("model", MODELS)
def test_lora_variants_compose_with_every_model(model, adapter):
    validate(compose_config([f"model={model}", f"adapter={adapter}"]))

"""Every file under sweeps/ composes with the real config (or, for W&B specs, parses and turns
into command lines that compose)."""

from __future__ import annotations

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from dsft.config.validate import validate
from tests.conftest import CONF, ROOT

HYDRA_PRESETS = sorted(ROOT.glob("sweeps/*/*.yaml"))
HYDRA_PRESETS = [p for p in HYDRA_PRESETS if p.parent.name != "wandb"]
WANDB_SPECS = sorted(ROOT.glob("sweeps/wandb/*.yaml"))


def compose_with_hydra(overrides: list[str]):
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="train", overrides=overrides, return_hydra_config=True)


def test_every_sweep_file_is_covered():
    assert {p.parent.name for p in HYDRA_PRESETS} >= {"sweep", "cluster"}
    assert WANDB_SPECS


@pytest.mark.parametrize("path", HYDRA_PRESETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_hydra_preset_composes_and_validates(path):
    cfg = compose_with_hydra([f"+{path.parent.name}={path.stem}"])
    validate(cfg)
    if path.parent.name == "sweep":
        assert cfg.hydra.mode.name == "MULTIRUN"
        params = cfg.hydra.sweeper.params
        assert "adapter.r" in params and "optimizer.lr" in params
        # Every swept key exists in the default config (sweepable without `+`).
        for key in params:
            node = cfg
            for part in key.split("."):
                assert part in node, f"{key} is not in the default config"
                node = node[part]
    else:
        assert "submitit" in cfg.hydra.launcher._target_


def sample_args(spec: dict) -> list[list[str]]:
    """What `${args_no_hyphens}` expands to for a few parameter sets the agent could pick."""
    choices = []
    for key, param in spec["parameters"].items():
        if "values" in param:
            choices.append([(key, v) for v in (param["values"][0], param["values"][-1])])
        else:
            choices.append([(key, param["min"]), (key, param["max"])])
    return [[f"{k}={v}" for k, v in combo] for combo in zip(*choices, strict=False)]


@pytest.mark.parametrize("path", WANDB_SPECS, ids=lambda p: p.stem)
def test_wandb_spec_command_lines_compose(path):
    spec = yaml.safe_load(path.read_text())
    assert spec["program"] == "train.py"
    assert spec["command"][:3] == ["${env}", "${interpreter}", "${program}"]
    assert "${args_no_hyphens}" in spec["command"]
    fixed = [c for c in spec["command"] if not c.startswith("${")]
    for param in spec["parameters"].values():
        for value in param.get("values", []) + [param.get("min"), param.get("max")]:
            assert not isinstance(value, str), f"{value!r} would reach the agent as a string"
    for args in sample_args(spec):
        cfg = compose_with_hydra([*fixed, *args])
        validate(cfg)
        for arg in args:
            key, value = arg.split("=")
            node = cfg
            for part in key.split("."):
                node = node[part]
            assert float(node) == float(value)


@pytest.fixture
def as_multirun_job():
    """Set the composed config as the running Hydra job's (what validate() sees in a job)."""
    from hydra.core.hydra_config import HydraConfig

    yield HydraConfig.instance().set_config
    HydraConfig.instance().cfg = None


def test_multi_node_preset_starts_one_process_per_device(as_multirun_job):
    from dsft.config.errors import ConfigError

    cfg = compose_with_hydra(["+cluster=slurm_2x8", "hydra.mode=MULTIRUN"])
    as_multirun_job(cfg)
    validate(cfg)  # in a multirun: allowed, the launcher starts a process per device
    launcher = cfg.hydra.launcher
    assert (launcher.nodes, launcher.tasks_per_node, launcher.gpus_per_node) == (2, 8, 8)
    assert (cfg.trainer.num_nodes, cfg.trainer.devices) == (2, 8)
    assert cfg.strategy._target_.endswith("DDPStrategy")
    assert launcher.additional_parameters.requeue is True and launcher.max_num_timeout > 0
    cfg = compose_with_hydra(
        ["+cluster=slurm_2x8", "hydra.mode=MULTIRUN", "hydra.launcher.tasks_per_node=1"]
    )
    as_multirun_job(cfg)
    with pytest.raises(ConfigError, match="hydra.launcher.tasks_per_node=8 hydra.launcher.nodes=2"):
        validate(cfg)

"""conf/train.yaml composed outside `python train.py` (for the `dsft` subcommands), with the same
overrides syntax; Hydra's composition errors become a ConfigError naming the group."""

from __future__ import annotations

from omegaconf import DictConfig

from dsft.config.errors import ConfigError


def compose_train(overrides: list[str], key: str = "overrides") -> DictConfig:
    """The composed (unresolved) config; `key` names what a composition error is about."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from dsft.bundle import conf_dir
    from dsft.config.store import expand_plan_flag, register_configs

    register_configs()
    conf = conf_dir()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
            return compose(config_name="train", overrides=expand_plan_flag(overrides))
    except Exception as err:  # Hydra's composition errors name the override
        raise ConfigError(key, str(err).splitlines()[0]) from None
    finally:
        GlobalHydra.instance().clear()

"""Checks a composed config before anything heavy is imported or loaded.

Every rule raises `ConfigError` naming the key and what to do. Types and closed choices are
checked by the schemas at composition; here: keys added with `+` that no schema has, then the
ranges and cross-group rules of each group (`dsft.config.rules`), the adapter method's own rules
(`AdapterMethod.validate`) and the resume checkpoint.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from dsft.adapters.registry import method_class
from dsft.config import schema
from dsft.config.errors import ConfigError
from dsft.config.rules import data, hardware, model, optimizer, targets, train

# Groups whose keys a schema fixes (the adapter's schema depends on its method).
SCHEMAS = {
    "model": schema.ModelConfig,
    "data": schema.DataConfig,
    "optimizer": schema.OptimizerConfig,
    "hardware": schema.HardwareConfig,
    "train": schema.TrainConfig,
    "paths": schema.PathsConfig,
}


DSFT_KEYS = set(schema.DsftConfig.__dataclass_fields__) | {"hydra"}


def validate(cfg: DictConfig) -> None:
    """Raise `ConfigError` for the first rule the config breaks."""
    check_required_keys(cfg)
    method = method_class(cfg.adapter.method)
    check_known_keys(cfg, method.schema)
    targets.validate_targets(cfg)
    model.validate_model(cfg.model)
    method.validate(cfg.adapter, cfg.model, cfg.hardware)
    optimizer.validate_optimizer(cfg.optimizer)
    hardware.validate_hardware(cfg.hardware, cfg.strategy)
    hardware.validate_sharding(cfg)
    data.validate_data(cfg.data, cfg.model, cfg.hardware)
    train.validate_train(cfg.train)
    train.validate_objective(cfg.train, cfg.eval)
    train.validate_trainer(cfg.trainer)
    if cfg.eval is not None:  # its files are read and checked now, not after training
        from dsft.evaluation.suite import check_suite

        check_suite(OmegaConf.to_container(cfg.eval, resolve=True))
    if cfg.resume is not None:
        resolve_resume_checkpoint(cfg.resume)


def check_required_keys(cfg: DictConfig) -> None:
    """Keys the schemas mark required (`???`) that the composed config leaves unset."""
    missing = sorted(k for k in _missing_keys(cfg, "") if not k.startswith("hydra."))
    if missing:
        group = missing[0].split(".")[0]
        choice = cfg[group].get("name") if isinstance(cfg.get(group), DictConfig) else None
        where = f"conf/{group}/{choice}.yaml" if choice else "the config"
        raise ConfigError(
            missing[0],
            f"is required and not set in {where}"
            + (f" (also unset: {', '.join(missing[1:])})" if missing[1:] else "")
            + f". Add `{missing[0].split('.', 1)[-1]}: <value>` there or pass {missing[0]}=...",
        )


def _missing_keys(node: DictConfig, path: str) -> list[str]:
    """Keys set to `???`, without resolving interpolations (which may need Hydra's runtime)."""
    found = []
    for key in node.keys():  # noqa: SIM118 (DictConfig: `in` skips MISSING values)
        full = f"{path}{key}"
        if OmegaConf.is_missing(node, key):
            found.append(full)
        elif not OmegaConf.is_interpolation(node, key):
            child = node._get_node(key)
            if isinstance(child, DictConfig) and not child._is_none():
                found += _missing_keys(child, f"{full}.")
    return found


def check_known_keys(cfg: DictConfig, adapter_schema: type) -> None:
    """Refuse keys no schema has: Hydra lets `+adapter.rank=8` add one, which nothing would read
    (the run would train at the default rank without a word)."""
    typed = OmegaConf.get_type(cfg.adapter)
    if not (isinstance(typed, type) and issubclass(typed, adapter_schema)):
        raise ConfigError(
            "adapter.method",
            f"adapter.method={cfg.adapter.method} was set without its config group, so the "
            f"adapter keys are another method's. Choose the method with adapter="
            f"{cfg.adapter.method} (the group option), not adapter.method=.",
        )
    extra = [str(k) for k in cfg.keys() if k not in DSFT_KEYS]  # noqa: SIM118
    if extra:
        raise ConfigError(
            extra[0],
            f"is not a top-level key: nothing would read it. Top-level keys: "
            f"{', '.join(sorted(DSFT_KEYS - {'hydra'}))} (and the groups' own keys, e.g. "
            "train.max_steps).",
        )
    for group, group_schema in {**SCHEMAS, "adapter": adapter_schema}.items():
        _compare_keys(group, cfg[group], OmegaConf.structured(group_schema))


def _compare_keys(path: str, node: DictConfig, reference: DictConfig) -> None:
    known = [str(k) for k in reference.keys()]  # noqa: SIM118 (`in` skips MISSING values)
    for key in node.keys():  # noqa: SIM118 (DictConfig: `in` skips MISSING values)
        if key not in known:
            close = (
                difflib.get_close_matches(str(key), known, n=1)
                or sorted(
                    (k for k in known if str(key).startswith(k) or k.startswith(str(key))), key=len
                )[-1:]
            )
            hint = f" Did you mean {path}.{close[0]}?" if close else ""
            raise ConfigError(
                f"{path}.{key}",
                f"is not a key of {path} (schema {OmegaConf.get_type(reference).__name__}): "
                f"nothing would read it.{hint} Known keys: {', '.join(known)}.",
            )
        child, ref_child = node._get_node(key), reference._get_node(key)
        typed = isinstance(ref_child, DictConfig) and OmegaConf.get_type(ref_child) not in (
            dict,
            None,
        )
        if typed and isinstance(child, DictConfig) and not child._is_none():
            _compare_keys(f"{path}.{key}", child, ref_child)


def resolve_resume_checkpoint(resume: str) -> Path:
    """Turn `resume` (a run dir or a .ckpt file) into the checkpoint file to resume from."""
    path = Path(resume).expanduser()
    if path.is_dir():
        path = path / "checkpoints" / "last.ckpt"
    if not path.is_file():
        raise ConfigError(
            "resume",
            f"no checkpoint at {path}. Pass a run dir that has checkpoints/last.ckpt "
            "(written every train.save_every_n_steps) or the path of a .ckpt file.",
        )
    return path

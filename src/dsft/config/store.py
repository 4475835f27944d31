"""Registers the schemas in Hydra's ConfigStore and the resolvers the YAML files use."""

from __future__ import annotations

import math
import os

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from dsft import bundle
from dsft.config.schema import DsftConfig

_REGISTERED = False


def register_configs() -> None:
    """Register `train_schema`, each adapter method's schema (`/schema/adapter/<method>`, which
    conf/adapter/<method>.yaml extends) and the resolvers the YAML files use (idempotent)."""
    global _REGISTERED
    if _REGISTERED:
        return
    store = ConfigStore.instance()
    store.store(name="train_schema", node=DsftConfig)
    register_adapter_schemas()
    OmegaConf.register_new_resolver("multiply", lambda *xs: math.prod(xs), replace=True)
    OmegaConf.register_new_resolver("dsft_root", lambda: str(bundle.root()), replace=True)
    # Cached like `pid`: a job's process (submitit, a DDP rank) keeps the launcher's outputs/.
    OmegaConf.register_new_resolver("dsft_work_dir", bundle.work_dir, use_cache=True, replace=True)
    # The pid makes run dirs unique even for two jobs started in the same microsecond. Cached
    # in the config (as Hydra's `now` is), so a sweep dir resolved in the launching process
    # stays the same in each job's process (submitit copies the config, cache included).
    OmegaConf.register_new_resolver("pid", os.getpid, use_cache=True, replace=True)
    _REGISTERED = True


def register_adapter_schemas() -> None:
    """Store every registered method's schema; call again after registering a new method."""
    from dsft.adapters.registry import methods

    store = ConfigStore.instance()
    for name, method in methods().items():
        store.store(group="schema/adapter", name=name, node=method.schema)


def expand_plan_flag(argv: list[str]) -> list[str]:
    """`plan=true` / `plan=false` on the command line mean `plan.enabled=...` (`plan` is a
    node with `enabled` and `force`, and Hydra would refuse a bool for it)."""
    out = []
    for arg in argv:
        key, _, value = arg.partition("=")
        if key.lstrip("+") == "plan" and value.lower() in ("true", "false"):
            arg = f"plan.enabled={value.lower()}"
        out.append(arg)
    return out

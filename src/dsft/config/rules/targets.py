"""Which `_target_`s a config may instantiate: only callables from packages dsft trusts.

A config node with `_target_` runs that callable with the node's keys as arguments, so an
unchecked `+logger.x._target_=os.system` (or `torch.load` of a pickle) would run any code a
config file or a command line names. Allowed: Lightning, torch.optim (and torch's LR schedulers),
transformers, bitsandbytes' optimizers, dsft, and the modules a user lists in `allowed_targets`.
Hydra's own nodes (`hydra.*`: sweepers, launchers) are Hydra's business and not checked.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

from dsft.config.errors import ConfigError

TRUSTED = (
    "lightning",
    "pytorch_lightning",
    "torch.optim",
    "transformers",
    "bitsandbytes.optim",
    "dsft",
)


def validate_targets(cfg: DictConfig) -> None:
    """Refuse a `_target_` outside the trusted packages and `allowed_targets`, naming its key."""
    allowed = (*TRUSTED, *(str(m).strip() for m in cfg.get("allowed_targets") or []))
    plain = OmegaConf.to_container(cfg, resolve=False, throw_on_missing=False)
    plain.pop("hydra", None)
    for key, target in _targets(plain, ""):
        if not any(target == m or target.startswith(f"{m}.") for m in allowed if m):
            module = target.rsplit(".", 1)[0] if "." in target else target
            raise ConfigError(
                key,
                f"{target!r} is not from a package dsft trusts ({', '.join(TRUSTED)}): a "
                "config node with _target_ runs what it names. If you wrote it, trust its "
                f"module: allowed_targets=[{module}] (in your config, or on the command line).",
            )


def _targets(node: Any, path: str) -> list[tuple[str, str]]:
    """(key, value) of every `_target_` under a plain config (unresolved)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            full = f"{path}{key}"
            if key == "_target_":
                found.append((full, str(value)))
            else:
                found += _targets(value, f"{full}.")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _targets(item, f"{path.rstrip('.')}[{i}].")
    return found

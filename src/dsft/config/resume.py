"""`resume=<run>` continues a run with that run's own config, not a new one from the defaults;
`rerun=<run>` trains it again from the start, in a new dir, after checking its data files.

The config is composed again from the run's recorded command-line overrides
(`.hydra/overrides.yaml`) plus the new command line's, and compared, value by value, with the
config the run recorded (`config.yaml`). Keys that do not change what is learned may differ:
where outputs go, logging and evaluation cadence, loggers, data-loader workers, the eval suite,
and max_steps / max_epochs to extend a run. Any other difference (a changed override, or a config
file edited since) is refused before anything loads, naming the key.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from dsft.config.errors import ConfigError

log = logging.getLogger(__name__)

# Keys (and prefixes) whose value may change on resume: none of them changes what is learned.
MAY_CHANGE = (
    "resume",
    "rerun",
    "paths.",
    "logger",
    "eval",
    "train.max_steps",
    "train.max_epochs",
    "train.log_every_n_steps",
    "train.val_every_n_steps",
    "train.save_every_n_steps",
    "train.objective",
    "trainer.max_steps",
    "trainer.max_epochs",
    "trainer.log_every_n_steps",
    "trainer.val_check_interval",
    "trainer.enable_progress_bar",
    "callbacks.checkpoint.every_n_train_steps",
    "callbacks.throughput.log_every_n_steps",
    "data.num_workers",
    "data.cache",
)


def resumed_config(cfg: DictConfig) -> tuple[DictConfig, list[str]]:
    """The config to resume with, the run's own plus what the command line may change; and the
    overrides that make it (the new run records them, so it can be resumed in turn)."""
    run_dir = resumed_run_dir(cfg.resume)
    resumed, overrides = _recomposed(run_dir, "resume", f"resume={cfg.resume}")
    _refuse_finished(run_dir, resumed)
    return resumed, overrides


def rerun_config(cfg: DictConfig) -> tuple[DictConfig, list[str]]:
    """`rerun=<run>`: that run's own config, to train it again from the start in a new dir;
    refused, naming the file, when a data file it read has changed since."""
    from dsft.data.fingerprint import changed_files, fingerprint

    run_dir = Path(cfg.rerun).expanduser()
    rerun, overrides = _recomposed(run_dir, "rerun", f"rerun={cfg.rerun}")
    recorded = (_read_json(run_dir / "summary.json").get("data") or {}).get("files")
    if not recorded:
        log.warning(
            "rerun=%s: the run recorded no data hashes (made before dsft kept them), so its "
            "data files cannot be checked",
            run_dir,
        )
        return rerun, overrides
    data = OmegaConf.to_container(rerun.data, resolve=True)
    changed = changed_files(recorded, fingerprint(data))
    if changed:
        raise ConfigError(
            "rerun",
            f"{changed[0]} is not the file {run_dir} trained on: its content "
            f"(sha256) differs from the one recorded in {run_dir / 'summary.json'}"
            f"{f' (and {len(changed) - 1} more changed)' if len(changed) > 1 else ''}. A "
            "rerun repeats a run exactly; restore the file, or train a new run on the new data.",
        )
    return rerun, overrides


def _recomposed(run_dir: Path, key: str, keep: str) -> tuple[DictConfig, list[str]]:
    """The run's config composed again from its overrides and the command line's (without
    `key`, plus `keep`), checked value by value against the run's config.yaml."""
    from hydra import compose
    from hydra.core.hydra_config import HydraConfig

    recorded = _read_yaml(run_dir / "config.yaml")
    earlier = _read_yaml(run_dir / ".hydra" / "overrides.yaml")
    if recorded is None or earlier is None:
        raise ConfigError(
            key,
            f"{run_dir} has no config.yaml or .hydra/overrides.yaml, so its config cannot be "
            "rebuilt; name a run dir that train.py made.",
        )
    drop = ("resume", "rerun")
    now = [o for o in HydraConfig.get().overrides.task if _key(o) not in drop]
    overrides = [o for o in earlier if _key(o) not in drop] + now + [keep]
    composed = compose(config_name="train", overrides=overrides)
    plain = OmegaConf.to_container(composed, resolve=True)
    # Paths inside the old run dir (checkpoints/, csv/) are the same paths in the new one.
    recorded = _moved(recorded, str(recorded["paths"]["output_dir"]), plain["paths"]["output_dir"])
    _refuse_changes(plain, recorded, run_dir, key)
    return composed, overrides


def record_overrides(overrides: list[str]) -> None:
    """Replace the new run's .hydra/overrides.yaml with the overrides that really made its
    config (a resumed or rerun run's own command line names only the run it continues)."""
    from hydra.core.hydra_config import HydraConfig

    hydra = HydraConfig.get()
    if hydra.output_subdir is None:
        return
    path = Path(hydra.runtime.output_dir) / hydra.output_subdir / "overrides.yaml"
    path.write_text(yaml.safe_dump(list(overrides), default_flow_style=False))


def resumed_run_dir(resume: str) -> Path:
    """The run dir `resume` names (a run dir, or a .ckpt inside its checkpoints/)."""
    path = Path(resume).expanduser()
    return path.parent.parent if path.suffix == ".ckpt" else path


def _refuse_changes(
    resumed: dict[str, Any], recorded: dict[str, Any], run_dir: Path, what: str
) -> None:
    verb = "continues that run" if what == "resume" else "repeats that run"
    for key, (was, now) in _differences(recorded, resumed, "").items():
        if key == "hydra" or any(
            key == m or key.startswith(m if m.endswith(".") else m + ".") for m in MAY_CHANGE
        ):
            continue
        raise ConfigError(
            key,
            f"{what}={run_dir} {verb} with its own config, where {key}={was!r}; "
            f"this would make it {now!r}, which changes what is learned. Drop that override "
            f"(or restore the config file it came from), or train a new run instead. On {what} "
            "only these may change: max_steps/max_epochs, logging and eval cadence, loggers, "
            "eval, paths, data.num_workers.",
        )


def _refuse_finished(run_dir: Path, resumed: DictConfig) -> None:
    summary = _read_json(run_dir / "summary.json")
    steps, max_steps = summary.get("global_step"), resumed.train.max_steps
    if summary.get("status") == "completed" and steps is not None and steps >= max_steps:
        raise ConfigError(
            "resume",
            f"{run_dir} finished: it trained all {steps} steps (train.max_steps={max_steps}), "
            f"so there is nothing to continue. To train it further, resume with more steps, "
            f"e.g. resume={run_dir} train.max_steps={2 * steps}.",
        )


def _moved(node: Any, old: str, new: str) -> Any:
    """`node` with every string that starts with the old run dir starting with the new one."""
    if isinstance(node, dict):
        return {k: _moved(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_moved(v, old, new) for v in node]
    if isinstance(node, str) and node.startswith(old):
        return new + node[len(old) :]
    return node


def _differences(a: Any, b: Any, path: str) -> dict[str, tuple[Any, Any]]:
    """key -> (a's value, b's value) for every leaf that differs (missing counts as None)."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = {}
        for key in sorted(set(a) | set(b), key=str):
            found |= _differences(a.get(key), b.get(key), f"{path}{key}.")
        return found
    return {} if a == b else {path.rstrip("."): (a, b)}


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None

"""Multi-stage experiments: one command, several trainings in a row, each in its own run dir,
each starting from the result of the stage before (e.g. general data, then domain data)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from dsft.adapters.registry import method_class
from dsft.adapters.saved import SavedResult
from dsft.config.errors import ConfigError
from dsft.config.validate import validate

log = logging.getLogger(__name__)


def compose_stages(cfg: DictConfig, run_dir: Path) -> list[tuple[str, Path, DictConfig]]:
    """(name, run dir, config) per stage: the experiment's config plus the stage's overrides,
    composed and validated now, before anything trains. Stage n > 1 continues stage n - 1's
    result (`adapter.init_from`), and is validated with it: a method that cannot continue the
    previous stage's result is refused here, not after stage 1 trained."""
    from hydra import compose
    from hydra.core.hydra_config import HydraConfig

    parent = [o for o in HydraConfig.get().overrides.task if not o.startswith("hydra.")]
    stages: list[tuple[str, Path, DictConfig]] = []
    for index, stage in enumerate(cfg.stages, start=1):
        stage_dir = run_dir / f"{index}-{stage.name}"
        overrides = [*parent, *stage.overrides, "stages=null", f"paths.output_dir={stage_dir}"]
        try:
            stage_cfg = compose(config_name="train", overrides=overrides)
        except Exception as err:  # Hydra's composition errors name the bad override
            raise ConfigError(f"stages[{index - 1}].overrides", str(err)) from None
        if stages:
            continue_previous(stage_cfg, stages[-1], f"stages[{index - 1}]")
        else:
            _in_stage(validate, stage_cfg, "stages[0]")
        stages.append((stage.name, stage_dir, stage_cfg))
    return stages


def continue_previous(stage_cfg: DictConfig, previous: tuple, key: str) -> None:
    """Point the stage at what the previous stage will save, and validate it with that."""
    name, previous_dir, previous_cfg = previous
    previous_method = method_class(previous_cfg.adapter.method)
    planned = SavedResult(
        path=previous_dir / previous_method.saved_dir,
        method=previous_method.name,
        adapter=OmegaConf.to_container(previous_cfg.adapter, resolve=True, enum_to_str=True),
        peft_type=previous_method.peft_type,
    )
    with open_dict(stage_cfg):
        stage_cfg.adapter.init_from = None  # not there yet: the rest is validated without it
    _in_stage(validate, stage_cfg, key)
    method = method_class(stage_cfg.adapter.method)
    _in_stage(lambda c: method.check_init_from(c.adapter, c.model, planned), stage_cfg, key, name)
    with open_dict(stage_cfg):
        stage_cfg.adapter.init_from = str(planned.path)


def _in_stage(check, stage_cfg: DictConfig, key: str, previous: str | None = None) -> None:
    """Run a check, naming the stage in its error."""
    try:
        check(stage_cfg)
    except ConfigError as err:
        after = f" (continuing stage {previous!r})" if previous else ""
        raise ConfigError(f"{key}{after}: {err.key}", err.message) from None


def run_stages(
    stages: list[tuple[str, Path, DictConfig]], run_dir: Path, train_fn, job_started: float | None
) -> float:
    """Train each stage in order; returns the last stage's train.objective (its val loss by
    default). The experiment's summary.json lists every stage and how the whole ended."""
    from dsft.atomic import write_json_atomic

    summary = {"status": "running", "stages": []}
    value = float("nan")
    try:
        for name, stage_dir, stage_cfg in stages:
            init_from = stage_cfg.adapter.init_from
            log.info("stage %s: %s (from %s)", name, stage_dir, init_from or "the base model")
            value = train_fn(stage_cfg, stage_dir, job_started)
            job_started = None  # later stages count from their own start
            stage_summary = json.loads((stage_dir / "summary.json").read_text())
            summary["stages"].append(
                {
                    "name": name,
                    "run_dir": str(stage_dir),
                    "final_val_loss": stage_summary.get("final_val_loss"),
                    "objective": value,
                    "init_from": init_from,
                }
            )
        summary["status"] = "completed"
        return value
    except BaseException as err:
        summary.update(status="failed", error=f"{type(err).__name__}: {err}")
        raise
    finally:
        write_json_atomic(run_dir / "summary.json", summary)

"""Multi-stage experiments: one command, several trainings in a row, each in its own run dir,
each starting from the adapter of the stage before (e.g. general data, then domain data)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from dsft.config import ConfigError, validate

log = logging.getLogger(__name__)


def compose_stages(cfg: DictConfig, run_dir: Path) -> list[tuple[str, Path, DictConfig]]:
    """(name, run dir, config) per stage: the experiment's config plus the stage's overrides,
    composed and validated now, before anything trains."""
    from hydra import compose
    from hydra.core.hydra_config import HydraConfig

    parent = [o for o in HydraConfig.get().overrides.task if not o.startswith("hydra.")]
    stages = []
    for index, stage in enumerate(cfg.stages, start=1):
        stage_dir = run_dir / f"{index}-{stage.name}"
        overrides = [*parent, *stage.overrides, "stages=null", f"paths.output_dir={stage_dir}"]
        try:
            stage_cfg = compose(config_name="train", overrides=overrides)
        except Exception as err:  # Hydra's composition errors name the bad override
            raise ConfigError(f"stages[{index - 1}].overrides", str(err)) from None
        validate(stage_cfg)
        stages.append((stage.name, stage_dir, stage_cfg))
    return stages


def run_stages(stages: list[tuple[str, Path, DictConfig]], run_dir: Path, train_fn) -> float:
    """Train each stage from the previous stage's adapter; returns the last val loss."""
    from dsft.tracking.run_summary import write_json_atomic

    summary = {"status": "running", "stages": []}
    previous_adapter = None
    val_loss = float("nan")
    try:
        for name, stage_dir, stage_cfg in stages:
            stage_dir.mkdir(parents=True, exist_ok=True)
            if previous_adapter is not None:
                with open_dict(stage_cfg):
                    stage_cfg.adapter.init_from = str(previous_adapter)
            (stage_dir / "config.yaml").write_text(OmegaConf.to_yaml(stage_cfg, resolve=True))
            log.info("stage %s: %s (from %s)", name, stage_dir, previous_adapter or "a new adapter")
            val_loss = train_fn(stage_cfg, stage_dir, time.time())
            summary["stages"].append(
                {
                    "name": name,
                    "run_dir": str(stage_dir),
                    "final_val_loss": val_loss,
                    "init_from": str(previous_adapter) if previous_adapter else None,
                }
            )
            previous_adapter = stage_dir / "adapter"
        summary["status"] = "completed"
        return val_loss
    except BaseException as err:
        summary.update(status="failed", error=f"{type(err).__name__}: {err}")
        raise
    finally:
        write_json_atomic(run_dir / "summary.json", summary)

"""The training app: `dsft train [overrides]` and, in a checkout, `python train.py [overrides]`.

One Hydra app over dsft's config tree (`dsft.bundle.conf_dir()`): every group, override, `-m`
sweep, `--cfg job` and `--config-dir <your conf>` (your own groups on top of dsft's) work the same
from either entry point. `python -m dsft.app` runs it too; that is the command Lightning's DDP
launcher re-runs for the ranks > 0 of an installed `dsft train`.
"""

from __future__ import annotations

import logging
import os
import sys

import hydra
from omegaconf import DictConfig

from dsft import bundle
from dsft.config.store import expand_plan_flag, register_configs


@hydra.main(config_path=str(bundle.conf_dir()), config_name="train", version_base="1.3")
def _app(cfg: DictConfig) -> float:
    """Run one job; returns train.objective (the final val loss by default) for sweepers."""
    # The screen would stay blank for the ~10 s that torch, transformers and Lightning take.
    logging.getLogger("dsft").info(
        "starting: model %s, adapter %s, data %s (loading torch, the tokenizer and the data)",
        cfg.model.name,
        cfg.adapter.method,
        cfg.data.name,
    )
    from dsft.training.run import run

    return run(cfg)


def main() -> None:
    """Hydra's command line (sys.argv) over dsft's config tree."""
    # A run owns its W&B service. One inherited from the parent process (a notebook, a test
    # runner) would outlive a crashed run and keep its stream open, so resuming it would fail.
    os.environ.pop("WANDB_SERVICE", None)
    register_configs()
    sys.argv = expand_plan_flag(sys.argv)  # `plan=true` means plan.enabled=true
    _app()


if __name__ == "__main__":
    main()

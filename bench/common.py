"""Shared pieces of the benchmarks: the machine, its matmul peak, the bench data (model shapes and
FLOPs: dsft.planning.shapes)."""

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

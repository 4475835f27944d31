"""Peak memory of the loss over a 129,280-token vocabulary: full logits vs dsft's chunked loss.

    python bench/loss_memory.py [--gpu] [--tokens 4096] [--hidden 1536]

A batch of 4 x 1024 tokens, all labelled (the worst case for dsft: nothing to skip). Each variant
runs forward + backward in its own process; the peak is measured above the memory held before
the loss (RSS on CPU, torch's allocator on GPU).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

VOCAB = 129_280


def measure(variant: str, tokens: int, hidden: int, gpu: bool) -> float:
    import torch
    import torch.nn.functional as F

    from dsft.training.loss import selected_token_loss_sum

    device = "cuda" if gpu else "cpu"
    dtype = torch.bfloat16 if gpu else torch.float32
    torch.manual_seed(0)
    head = torch.nn.Linear(hidden, VOCAB, bias=False, device=device, dtype=dtype)
    head.requires_grad_(False)
    hidden_states = torch.randn(
        4, tokens // 4 + 1, hidden, device=device, dtype=dtype, requires_grad=True
    )
    targets = torch.randint(0, VOCAB, (tokens,), device=device)
    positions = torch.arange(tokens, device=device)
    if gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        before = _rss_now()
    if variant == "full_logits":
        logits = head(hidden_states[:, :-1]).float()
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets)
    else:
        loss = selected_token_loss_sum(hidden_states, positions, targets, head) / tokens
    loss.backward()
    if gpu:
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before) / 2**20


def _rss_now() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--tokens", type=int, default=4096)
    parser.add_argument("--hidden", type=int, default=1536)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps({"peak_mb": measure(args.variant, args.tokens, args.hidden, args.gpu)}))
        return
    results = {}
    for variant in ("full_logits", "dsft_chunked"):
        cmd = [
            sys.executable,
            __file__,
            "--variant",
            variant,
            "--tokens",
            str(args.tokens),
            "--hidden",
            str(args.hidden),
        ] + (["--gpu"] if args.gpu else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        results[variant] = json.loads(out.strip().splitlines()[-1])["peak_mb"]
    ratio = results["full_logits"] / results["dsft_chunked"]
    print(
        f"loss peak memory, {args.tokens} tokens x {VOCAB} vocab, hidden {args.hidden} "
        f"({'GPU bf16' if args.gpu else 'CPU fp32'}): "
        f"full logits {results['full_logits']:.0f} MiB, "
        f"dsft chunked {results['dsft_chunked']:.0f} MiB, {ratio:.1f}x lower"
    )
    print(
        json.dumps(
            {
                "tokens": args.tokens,
                "hidden": args.hidden,
                "gpu": args.gpu,
                **results,
                "ratio": ratio,
            }
        )
    )


if __name__ == "__main__":
    main()

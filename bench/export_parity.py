"""Export parity on every tiny family x method, and the NF4 size on a real model shape.

    python bench/export_parity.py                      # both parts, ~15 min on 2 CPU cores
    python bench/export_parity.py --part parity        # or: --part nf4-size

Part 1 trains each family x method with `debug=fast` (python train.py), exports it with
`dsft export --format merged,onnx,torchscript,nf4` and tabulates the parity numbers each
export.json recorded. Part 2 builds a random-init model with the full shape of
DeepSeek-R1-Distill-Qwen-1.5B (28 layers, bf16, 1.78B parameters), saves it as a merged export
would be saved, and quantizes it with the same `save_nf4` the nf4 export uses, to report the size
ratio on a real shape (the tiny models are mostly embeddings, which stay 16/32-bit).
Writes a markdown table to bench/results/<date>-export-parity-cpu2.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("llama_tiny", "qwen2_tiny", "qwen3_tiny", "deepseek_v2_tiny", "deepseek_v3_tiny")
METHODS = ("lora", "qlora", "dora", "pissa", "freeze")
FORMATS = "merged,onnx,torchscript,nf4"


def run(*args: str) -> None:
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr[-3000:]}")


def parity_part(work: Path) -> list[str]:
    rows = [
        "| model | adapter | merged max diff | vs base | greedy 20 equal | template ids equal "
        "| onnx max diff | torchscript max diff | nf4 max diff | nf4 top-1 | export s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model in FAMILIES:
        for method in METHODS:
            run_dir = work / f"{model}-{method}"
            extra = [] if method == "freeze" else ["adapter.r=4", "adapter.alpha=8"]
            run(
                sys.executable,
                "train.py",
                f"model={model}",
                f"adapter={method}",
                *extra,
                "debug=fast",
                f"hydra.run.dir={run_dir}",
            )
            started = time.perf_counter()
            run(sys.executable, "-m", "dsft.cli", "export", str(run_dir), "--format", FORMATS)
            seconds = time.perf_counter() - started
            rec = {
                f: json.loads((run_dir / "export" / f / "export.json").read_text())["parity"]
                for f in FORMATS.split(",")
            }
            merged = rec["merged"]
            rows.append(
                f"| {model} | {method} | {merged['max_abs_diff']:.1e} "
                f"| {merged['vs_base_max_abs_diff']:.2f} | {merged['greedy_equal']} "
                f"| {merged['template']['trained_ids_equal']} | {rec['onnx']['max_abs_diff']:.1e} "
                f"| {rec['torchscript']['max_abs_diff']:.1e} | {rec['nf4']['max_abs_diff']:.2f} "
                f"| {rec['nf4']['top1_agreement']:.2f} | {seconds:.0f} |"
            )
            print(rows[-1], flush=True)
            shutil.rmtree(run_dir)  # ~0.5 GB of exports each
    return rows


def nf4_size_part(work: Path) -> list[str]:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from dsft.export.formats import save_nf4

    config = AutoConfig.for_model(
        "qwen2",
        vocab_size=151936,
        hidden_size=1536,
        intermediate_size=8960,
        num_hidden_layers=28,
        num_attention_heads=12,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    params = sum(p.numel() for p in model.parameters())
    merged, nf4 = work / "merged-1.5b", work / "nf4-1.5b"
    model.save_pretrained(merged)
    del model
    started = time.perf_counter()
    save_nf4(merged, nf4)
    seconds = time.perf_counter() - started

    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.glob("*.safetensors"))

    ratio = size(nf4) / size(merged)
    return [
        "| shape | parameters | merged bf16 | nf4 | ratio | quantize s |",
        "|---|---|---|---|---|---|",
        f"| R1-Distill-Qwen-1.5B (28 layers, untied 151,936 vocab) | {params / 1e9:.2f}B "
        f"| {size(merged) / 2**30:.2f} GiB | {size(nf4) / 2**30:.2f} GiB | {ratio:.2f} "
        f"| {seconds:.0f} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("parity", "nf4-size", "both"), default="both")
    args = parser.parse_args()
    os.environ.setdefault("DSFT_CACHE", str(Path(tempfile.gettempdir()) / "dsft-bench-cache"))
    lines = [
        f"# Export parity and NF4 size ({dt.date.today()}, {os.cpu_count()} CPU cores)",
        "",
        f"Command: `python bench/export_parity.py --part {args.part}`. Max diffs are max |logit "
        "difference| against the trained model (`load_run`; QLoRA: its adapter on the "
        "unquantized base) on a batch of 3 right-padded prompts and 1 prompt alone.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("parity", "both"):
            lines += ["## Parity (tiny models, debug=fast runs)", "", *parity_part(Path(tmp)), ""]
        if args.part in ("nf4-size", "both"):
            lines += ["## NF4 size on a real shape", "", *nf4_size_part(Path(tmp)), ""]
    out = ROOT / "bench" / "results" / f"{dt.date.today()}-export-parity-cpu{os.cpu_count()}.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

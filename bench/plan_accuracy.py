"""How close `dsft plan` comes to the memory training really takes.

Each configuration trains for a few steps with `python train.py` (in its own process); dsft
records in summary.json the measured peak (CPU: peak RSS above the RSS before the model loaded;
GPU: torch.cuda.max_memory_allocated) and the plan's prediction for the run's largest
micro-batch. The table of both, and their ratio, goes to bench/results/plan_accuracy-<device>.json.

    python bench/plan_accuracy.py            # CPU: six configurations, ~4 min on 2 cores
    python bench/plan_accuracy.py --gpu      # GPU: four configurations
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, describe_machine  # noqa: E402

STEPS = ["train.max_steps=6", "train.val_every_n_steps=6", "train.save_every_n_steps=0"]
QUICK = ["train.initial_validation=false", "data.max_examples=400", "logger=csv"]
PACKED = ["data.packing=true"]
# Sets the CPU runtime-overhead constant (dsft.planning.memory.CPU_OVERHEAD); not one of the six.
CPU_CALIBRATION = {"llama lora 512 packed": ["model=llama_tiny", "data.max_length=512", *PACKED]}
CPU_CONFIGS = {
    "v3 lora 256": ["model=deepseek_v3_tiny", "adapter=lora"],
    "v3 qlora 256": ["model=deepseek_v3_tiny", "adapter=qlora"],
    "llama lora 1024 packed": ["model=llama_tiny", "data.max_length=1024", *PACKED],
    "llama qlora 1024 packed ckpt": [
        "model=llama_tiny",
        "adapter=qlora",
        "data.max_length=1024",
        "hardware.gradient_checkpointing=true",
        *PACKED,
    ],
    "qwen2 lora 512 packed ckpt": [
        "model=qwen2_tiny",
        "data.max_length=512",
        "hardware.gradient_checkpointing=true",
        *PACKED,
    ],
    "v3 lora 1024 packed": ["model=deepseek_v3_tiny", "data.max_length=1024", *PACKED],
}
GPU_CONFIGS = {
    "v3 lora 1024 packed bf16": [
        "model=deepseek_v3_tiny",
        "hardware=h100",
        "hardware.micro_batch_size=4",
        "data.max_length=1024",
        *PACKED,
    ],
    "llama qlora 2048 packed": [
        "model=llama_tiny",
        "adapter=qlora",
        "hardware=h100",
        "hardware.micro_batch_size=4",
        "data.max_length=2048",
        *PACKED,
    ],
    "qwen2-1.5B shape lora 2048 packed": [
        "model=bench_qwen2_1_5b_shape",
        "hardware=h100",
        "hardware.micro_batch_size=2",
        "data.max_length=2048",
        *PACKED,
    ],
    "qwen2-1.5B shape qlora 1024 no ckpt": [
        "model=bench_qwen2_1_5b_shape",
        "adapter=qlora",
        "hardware=h100",
        "hardware.micro_batch_size=2",
        "hardware.gradient_checkpointing=false",
        "data.max_length=1024",
        *PACKED,
    ],
}


def run_config(overrides: list[str], run_dir: Path) -> dict:
    cmd = [sys.executable, str(ROOT / "train.py"), f"hydra.run.dir={run_dir}", *overrides]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(overrides)} failed:\n{proc.stderr[-3000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    memory = summary["memory"]
    measured = memory.get("cuda_max_allocated_mb") or memory["training_rss_mb"]
    return {
        "measured_mb": measured,
        "predicted_mb": memory["predicted_mb"],
        "ratio": memory["predicted_mb"] / measured,
        "terms_mb": memory["predicted_terms_mb"],
        "rss": {k: v for k, v in memory.items() if k.startswith("rss") or k.startswith("cuda")},
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument(
        "--calibrate", action="store_true", help="run the calibration config (the overhead)"
    )
    args = parser.parse_args()
    configs = GPU_CONFIGS if args.gpu else CPU_CONFIGS
    if args.calibrate:
        configs = CPU_CALIBRATION
    os.environ.setdefault("DSFT_ROOT", str(ROOT))
    rows = {}
    with tempfile.TemporaryDirectory(prefix="dsft-plan-bench-") as work:
        for name, overrides in configs.items():
            full = [*overrides, *STEPS, *QUICK]
            rows[name] = {
                "overrides": full,
                **run_config(full, Path(work) / name.replace(" ", "_")),
            }
            r = rows[name]
            print(
                f"{name:<38} measured {r['measured_mb']:8.1f} MB  predicted "
                f"{r['predicted_mb']:8.1f} MB  ratio {r['ratio']:.3f}",
                flush=True,
            )
    ratios = [r["ratio"] for r in rows.values()]
    result = {
        "what": "dsft plan's predicted training peak vs measured "
        + (
            "torch.cuda.max_memory_allocated" if args.gpu else "peak RSS minus RSS before the model"
        ),
        "command": "python bench/plan_accuracy.py" + (" --gpu" if args.gpu else ""),
        "machine": describe_machine(args.gpu),
        "date": time.strftime("%Y-%m-%d"),
        "max_abs_error": max(abs(r - 1) for r in ratios),
        "configs": rows,
    }
    out = ROOT / "bench" / "results" / f"plan_accuracy-{'gpu' if args.gpu else 'cpu'}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"largest error {100 * result['max_abs_error']:.1f}%; written to {out}")


if __name__ == "__main__":
    main()

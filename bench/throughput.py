"""dsft against a plain transformers + peft loop: same model, data, batch, steps and LoRA.

    python bench/throughput.py            # CPU: real 129,280 vocab and an 8k BPE vocab (~5 min)
    python bench/throughput.py --gpu      # GPU: a model shaped like DeepSeek-R1-Distill-Qwen-1.5B

Each measurement runs in its own process, interleaved (dsft, baseline, dsft, baseline, ...), so
both see the same machine conditions. dsft runs as users run it (`python train.py ...`); the
baseline is bench/baseline.py. Prints a table and the dsft/baseline ratios, and writes
bench/results/<date>-<machine>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DEMO_DATA,
    ROOT,
    describe_machine,
    measured_matmul_peak,
    train_small_vocab_tokenizer,
)

from dsft.planning.shapes import ModelShape  # noqa: E402

PACKED = ("data.packing=true",)
# What each side reports per measurement (medians over the repeats).
MEASURES = (
    "tokens_per_s",
    "peak_rss_mb",
    "peak_gpu_mb",
    "time_to_first_step_s",
    "final_train_loss",
    "final_val_loss",
)


def bench_data(work: Path, concat: int) -> str:
    """The demo data, or longer examples made of `concat` demo examples each (for GPUs, where
    the demo's ~36-token examples leave the device idle)."""
    if concat <= 1:
        return str(DEMO_DATA)
    rows = [json.loads(line) for line in DEMO_DATA.read_text(encoding="utf-8").splitlines()]
    path = work / f"demo-x{concat}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(0, len(rows) - concat + 1, concat):
            group = rows[i : i + concat]
            joined = {
                "instruction": "\n\n".join(
                    f"{r['instruction']} {r['input']}".strip() for r in group
                ),
                "input": "",
                "output": "\n\n".join(r["output"] for r in group),
            }
            out.write(json.dumps(joined, ensure_ascii=False) + "\n")
    return str(path)


def scenarios(args, work: Path) -> list[dict]:
    """The model/vocab set-ups to compare, each with dsft overrides and a baseline spec."""
    common = dict(
        steps=args.steps,
        batch_size=4,
        max_length=256,
        r=8,
        alpha=16,
        lr=2e-3,
        warmup_steps=5,
        seed=0,
        data_path=bench_data(work, args.concat),
        val_fraction=0.05,
        max_examples=2000,
    )
    if args.gpu:
        return [
            dict(
                common,
                name="qwen2-1.5b-shape",
                model="bench_qwen2_1_5b_shape",
                extra=[],
                preset="all_linear",
                device="cuda",
                precision="bf16-mixed",
                batch_size=16,
                max_length=1024,
                lr=2e-4,
            )
        ]
    small = train_small_vocab_tokenizer(work / "bpe8k")
    return [
        dict(
            common,
            name="vocab-129k",
            model="deepseek_v3_tiny",
            extra=[],
            preset="all_linear_and_head",
            device="cpu",
            precision="32-true",
        ),
        dict(
            common,
            name="vocab-8k",
            model="deepseek_v3_tiny",
            preset="all_linear_and_head",
            extra=["model.random_init.vocab_size=8192", f"model.tokenizer={small}"],
            device="cpu",
            precision="32-true",
        ),
    ]


def dsft_overrides(s: dict) -> list[str]:
    hardware = "h100" if s["device"] == "cuda" else "cpu"
    return [
        f"model={s['model']}",
        f"hardware={hardware}",
        *s["extra"],
        f"train.max_steps={s['steps']}",
        f"train.val_every_n_steps={s['steps']}",
        "train.save_every_n_steps=0",
        "train.early_stopping_patience=0",
        "train.initial_validation=false",
        f"train.log_every_n_steps={max(1, s['steps'] // 4)}",
        f"hardware.micro_batch_size={s['batch_size']}",
        "hardware.grad_accum=1",
        "hardware.gradient_checkpointing=false",
        f"hardware.precision={s['precision']}",
        f"adapter.r={s['r']}",
        f"adapter.alpha={s['alpha']}",
        "adapter.dropout=0",
        f"adapter.target_preset={s['preset']}",
        f"optimizer.lr={s['lr']}",
        f"optimizer.warmup_steps={s['warmup_steps']}",
        "optimizer.weight_decay=0",
        f"seed={s['seed']}",
        f"data.max_length={s['max_length']}",
        f"data.val_fraction={s['val_fraction']}",
        f"data.max_examples={s['max_examples']}",
        f"data.sources.0.path={s['data_path']}",
        "data.test_fraction=0",
        "data.cache=false",
    ]


def run_dsft(s: dict, work: Path, repeat: int | str, extra: tuple[str, ...] = ()) -> dict:
    run_dir = work / f"dsft-{s['name']}-{repeat}"
    cmd = [sys.executable, str(ROOT / "train.py"), f"hydra.run.dir={run_dir}", *dsft_overrides(s)]
    cmd += extra
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"dsft failed:\n{proc.stderr[-4000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    return {k: summary[k] for k in (*MEASURES, "tokens_seen", "trainable_parameters")} | {
        "config": str(run_dir / "config.yaml")
    }


def run_baseline(s: dict, model_dir: str, tokenizer: str, data_cfg: dict) -> dict:
    spec = dict(s, model_dir=model_dir, tokenizer=tokenizer, data=data_cfg)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "baseline.py"), "--spec", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise RuntimeError(f"baseline failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def model_source(s: dict) -> tuple[str, str, dict]:
    """Build (once) the scenario's model through dsft's cache; return (dir, tokenizer, config)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from dsft.config.store import register_configs
    from dsft.models.loading import resolve_model_source

    os.environ.setdefault("DSFT_ROOT", str(ROOT))
    register_configs()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=dsft_overrides(s))
    data = OmegaConf.to_container(cfg.data, resolve=True, enum_to_str=True)
    model = OmegaConf.to_container(cfg.model, resolve=True, enum_to_str=True)
    source = resolve_model_source(model, cfg.paths.cache_dir)
    # The baseline puts LoRA on the same modules: the preset's, read from the model config.
    s["targets"] = list(model["lora_targets"][s["preset"]])
    s["family"] = model["family"]
    return source, model.get("tokenizer") or source, model["random_init"], data


def loss_token_share(tokenizer_source: str, data_cfg: dict) -> float:
    """Answer (loss) tokens per non-pad token in the bench's training examples."""
    from dsft.data.pipeline import prepare_data
    from dsft.data.tokenize import IGNORE_INDEX
    from dsft.models.chat_templates import get_template
    from dsft.models.tokenizer import load_tokenizer

    data = prepare_data(data_cfg, load_tokenizer(tokenizer_source), get_template("deepseek_v3"))
    total = sum(len(e.input_ids) for e in data.train)
    return sum(sum(t != IGNORE_INDEX for t in e.labels[1:]) for e in data.train) / total


def summarise(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--gpu", action="store_true", help="GPU mode (bf16, 1.5B-shaped model)")
    parser.add_argument("--steps", type=int, default=40, help="optimizer steps per measurement")
    parser.add_argument("--repeats", type=int, default=2, help="measurements per side (median)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--concat", type=int, default=1, help="join N demo examples into one (longer sequences)"
    )
    parser.add_argument("--only", metavar="NAME", help="run one scenario (e.g. vocab-8k)")
    args = parser.parse_args()

    import torch

    machine = describe_machine(args.gpu)
    peak = measured_matmul_peak(args.gpu)
    precision = "bf16" if args.gpu else "fp32"
    print(f"machine: {machine}\nmatmul peak ({precision}): {peak / 1e9:.1f} GFLOP/s")
    work = Path(tempfile.mkdtemp(prefix="dsft-bench-"))
    report = {
        "date": dt.date.today().isoformat(),
        "machine": machine,
        "matmul_peak_flops": peak,
        "command": " ".join(["python", "bench/throughput.py", *sys.argv[1:]]),
        "scenarios": [],
    }
    for s in scenarios(args, work):
        if args.only and s["name"] != args.only:
            continue
        model_dir, tokenizer, config, data_cfg = model_source(s)
        runs = {"dsft": [], "baseline": [], "dsft_packed": []}
        for repeat in range(args.repeats):  # interleaved: A B C A B C
            runs["dsft"].append(run_dsft(s, work, repeat))
            runs["baseline"].append(run_baseline(s, model_dir, tokenizer, data_cfg))
            # dsft with data.packing=true: rows filled with whole examples (block-diagonal
            # attention), so the same 4 rows per step carry more examples and tokens.
            runs["dsft_packed"].append(run_dsft(s, work, f"packed-{repeat}", PACKED))
            print(
                f"  {s['name']} repeat {repeat}: "
                + ", ".join(
                    f"{side} {r[-1]['tokens_per_s']:.0f} tok/s" for side, r in runs.items()
                ),
                flush=True,
            )
        trainable = {side: {r["trainable_parameters"] for r in runs[side]} for side in runs}
        if len({frozenset(t) for t in trainable.values()}) != 1:
            raise RuntimeError(f"{s['name']}: the sides train different parameters: {trainable}")
        # The loss check: dsft fed exactly the baseline's batches (same shuffle, no grouping).
        same = run_dsft(s, work, "same-batches", ("data.group_by_length=false",))
        print(f"  {s['name']} same batches: dsft {same['tokens_per_s']:.0f} tok/s", flush=True)
        row = {
            "name": s["name"],
            "spec": {k: v for k, v in s.items() if k != "extra"},
            "overrides": dsft_overrides(s),
            "runs": runs,
        }
        for side in runs:
            row[side] = {k: summarise(runs[side], k) for k in MEASURES}
            # Same useful work for both sides: FLOPs of the real tokens, over the measured peak.
            tokens = row[side]["tokens_per_s"]
            loss_share = loss_token_share(tokenizer, data_cfg)
            shape = ModelShape.from_values(s["family"], config)
            # context 64: the mean causal context of the bench's short examples (its order)
            flops_per_token = shape.lora_step_flops(s["r"], s["targets"], 1, loss_share, 64)
            row[side]["mfu"] = tokens * flops_per_token / peak
        row["ratios"] = {
            "tokens_per_s": row["dsft"]["tokens_per_s"] / row["baseline"]["tokens_per_s"],
            "peak_rss_mb": row["dsft"]["peak_rss_mb"] / row["baseline"]["peak_rss_mb"],
            # Same examples in the same batches: the optimisations must not change the loss.
            "same_batches_val_loss_rel_diff": abs(
                same["final_val_loss"] - row["baseline"]["final_val_loss"]
            )
            / row["baseline"]["final_val_loss"],
            # dsft's default length-grouped batches (same examples, other batch composition).
            "grouped_val_loss_rel_diff": abs(
                row["dsft"]["final_val_loss"] - row["baseline"]["final_val_loss"]
            )
            / row["baseline"]["final_val_loss"],
            "same_batches_tokens_per_s": same["tokens_per_s"] / row["baseline"]["tokens_per_s"],
            "packed_tokens_per_s": row["dsft_packed"]["tokens_per_s"]
            / row["baseline"]["tokens_per_s"],
            "packed_peak_rss_mb": row["dsft_packed"]["peak_rss_mb"]
            / row["baseline"]["peak_rss_mb"],
        }
        row["dsft_same_batches"] = same
        if args.gpu:
            row["ratios"]["peak_gpu_mb"] = (
                row["dsft"]["peak_gpu_mb"] / row["baseline"]["peak_gpu_mb"]
            )
        report["scenarios"].append(row)
        print_row(row)
    host = (
        "gpu-" + torch.cuda.get_device_name().split()[-1].lower()
        if args.gpu
        else f"cpu{os.cpu_count()}"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{report['date']}-{host}-{socket.gethostname()[:12]}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")


def print_row(row: dict) -> None:
    print(f"\n{row['name']}")
    print(
        f"  {'':11} {'tok/s':>9} {'RSS MB':>8} {'GPU MB':>8} {'1st step s':>10} "
        f"{'val loss':>9} {'MFU':>7}"
    )
    for side in ("dsft", "baseline", "dsft_packed"):
        r = row[side]
        gpu = f"{r['peak_gpu_mb']:.0f}" if r["peak_gpu_mb"] else "-"
        print(
            f"  {side:11} {r['tokens_per_s']:9.0f} {r['peak_rss_mb']:8.0f} {gpu:>8} "
            f"{r['time_to_first_step_s']:10.1f} {r['final_val_loss']:9.4f} {r['mfu']:7.2%}"
        )
    ratios = ", ".join(f"{k} {v:.3f}" for k, v in row["ratios"].items())
    print(f"  dsft/baseline: {ratios}")


if __name__ == "__main__":
    main()

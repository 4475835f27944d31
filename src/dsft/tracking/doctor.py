"""`dsft doctor RUN`: the usual problems of a LoRA fine-tuning run, found in what it recorded
(csv/metrics.csv, summary.json, config.yaml) and explained: the evidence (steps, values) and
the overrides to try.

Each rule is a function of a `RunEvidence` returning a `Finding` or None. The thresholds are
deliberately loose: a finding should be worth reading, and the default run has none.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Series = list[tuple[int, float]]  # (step, value), NaN and inf kept


@dataclass
class Finding:
    problem: str
    evidence: str
    overrides: list[str] = field(default_factory=list)
    advice: str = ""


@dataclass
class RunEvidence:
    run_dir: Path
    train_loss: Series
    val_loss: Series
    grad_norm: Series
    summary: dict[str, Any]
    config: dict[str, Any]

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.config
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


class DoctorError(ValueError):
    """Not a run dir (or a sweep of them)."""


def read_evidence(run_dir: Path) -> RunEvidence:
    if not (run_dir / "summary.json").is_file() and not (run_dir / "config.yaml").is_file():
        raise DoctorError(f"{run_dir}: no summary.json or config.yaml: not a run dir.")
    series: dict[str, dict[int, float]] = {"train/loss": {}, "val/loss": {}, "train/grad_norm": {}}
    metrics = run_dir / "csv" / "metrics.csv"
    if metrics.is_file():
        with metrics.open(newline="") as fh:
            for row in csv.DictReader(fh):
                for key, values in series.items():
                    if row.get(key) not in (None, "") and row.get("step") not in (None, ""):
                        values[int(float(row["step"]))] = float(row[key])
    summary = _read(run_dir / "summary.json", json.loads) or {}
    config = _read(run_dir / "config.yaml", yaml.safe_load) or {}
    train, val, grad = (sorted(series[k].items()) for k in series)
    return RunEvidence(run_dir, train, val, grad, summary, config)


def _read(path: Path, parse: Callable[[str], Any]) -> Any:
    try:
        return parse(path.read_text())
    except (OSError, ValueError, yaml.YAMLError):
        return None


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _lr(run: RunEvidence) -> float:
    return float(run.get("optimizer.lr", 2e-3))


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else str(value)


# --- the rules ---------------------------------------------------------------------------------


def out_of_memory(run: RunEvidence) -> Finding | None:
    error = str(run.summary.get("error") or "")
    if "out of memory" not in error.lower() and "OutOfMemoryError" not in error:
        return None
    mb = int(run.get("hardware.micro_batch_size", 1))
    accum = int(run.get("hardware.grad_accum", 1))
    overrides = []
    if mb > 1:  # the same global batch from smaller micro-batches
        overrides += [f"hardware.micro_batch_size={mb // 2}", f"hardware.grad_accum={accum * 2}"]
    if not run.get("hardware.gradient_checkpointing", False):
        overrides.append("hardware.gradient_checkpointing=true")
    alternative = _quantized_alternative(str(run.get("adapter.method", "")))
    if alternative:
        overrides.append(f"adapter={alternative}")
    return Finding(
        "out of memory",
        f"the run failed: {error[:200]}",
        overrides,
        "Smaller micro-batches with more accumulation keep the global batch; checkpointing "
        "trades compute for activation memory; QLoRA holds the base in 4 bits. "
        "`dsft plan <overrides>` says before launch whether a change fits.",
    )


def _quantized_alternative(method: str) -> str | None:
    """The method that trains this run's adapter over a 4-bit base, when there is one."""
    from dsft.adapters.registry import methods

    known = methods().get(method)
    return known.quantized_alternative if known else None


def diverged(run: RunEvidence) -> Finding | None:
    """NaN/inf losses (logged, or the run stopped on one), or a train loss that ends far
    above its best."""
    error = str(run.summary.get("error") or "")
    if error.startswith("FloatingPointError"):
        return _divergence(run, f"the run stopped: {error.partition(': ')[2].split(';')[0]}")
    for name, curve in (("train loss", run.train_loss), ("val loss", run.val_loss)):
        bad = [(s, v) for s, v in curve if not math.isfinite(v)]
        if bad:
            step, value = bad[0]
            return _divergence(run, f"the {name} is {value} from step {step}")
    if len(run.train_loss) < 10:
        return None
    values = [v for _, v in run.train_loss]
    window = max(3, len(values) // 10)  # moving means: a noisy step is not a trend
    means = [_mean(values[i : i + window]) for i in range(len(values) - window + 1)]
    best = min(means)
    best_step = run.train_loss[means.index(best) + window // 2][0]
    start, tail = means[0], means[-1]
    if tail > best * 1.5 and tail > start:
        return _divergence(
            run,
            f"the train loss (mean of {window} steps) fell to {_fmt(best)} around step "
            f"{best_step} and ended at {_fmt(tail)}, above where it started ({_fmt(start)})",
        )
    return None


def _divergence(run: RunEvidence, evidence: str) -> Finding:
    lr = _lr(run)
    warmup = int(run.get("optimizer.warmup_steps", 0))
    overrides = [f"optimizer.lr={lr / 10:.2g}", f"optimizer.warmup_steps={max(20, warmup * 2)}"]
    clip = run.get("optimizer.max_grad_norm")
    if not clip:
        overrides.append("optimizer.max_grad_norm=1.0")
    return Finding(
        "diverged",
        evidence + f" (lr {lr:g}, warmup {warmup} steps)",
        overrides,
        "The learning rate is too high for this model and batch: lower it about 10x and warm "
        "up for longer; keep gradient clipping on.",
    )


def oscillating(run: RunEvidence) -> Finding | None:
    """A train loss that jumps up and down far more than it trends, with no val progress."""
    values = [v for _, v in run.train_loss if math.isfinite(v)]
    if len(values) < 20:
        return None
    half = values[len(values) // 2 :]
    jumps = [abs(b - a) for a, b in zip(half, half[1:], strict=False)]
    trend = abs(half[-1] - half[0]) / max(1, len(half) - 1)
    level = _mean(half)
    val = [v for _, v in run.val_loss if math.isfinite(v)]
    val_gain = (val[0] - min(val)) / val[0] if len(val) >= 2 else 0.0
    if _mean(jumps) > 0.15 * level and _mean(jumps) > 10 * trend and val_gain < 0.02:
        return Finding(
            "loss oscillating",
            f"over the second half the train loss moves {_fmt(_mean(jumps))} per step on "
            f"average around {_fmt(level)} ({_mean(jumps) / level:.0%}) with no trend, and the "
            f"val loss improved {val_gain:.1%}",
            [f"optimizer.lr={_lr(run) / 3:.2g}", "optimizer.warmup_steps=50"],
            "A learning rate too high makes each step overshoot: lower it and warm up longer "
            "(a bigger global batch via hardware.grad_accum also smooths the steps).",
        )
    return None


def no_progress(run: RunEvidence) -> Finding | None:
    """After a fair number of steps, the val (or train) loss has barely moved."""
    steps = int(run.summary.get("global_step") or (run.train_loss[-1][0] if run.train_loss else 0))
    val = [v for _, v in run.val_loss if math.isfinite(v)]
    if steps < 50 or len(val) < 2 or not all(math.isfinite(v) for _, v in run.train_loss):
        return None
    gain = (val[0] - min(val)) / val[0]
    if gain >= 0.01:
        return None
    advice = "The loss has not moved: the learning rate may be too low, or the adapted modules "
    advice += "cannot change what matters"
    if run.get("model.random_init"):
        advice += " (a random-init model learns little while its output head is frozen: adapt "
        advice += "lm_head too, e.g. adapter.target_modules=[...,lm_head])"
    return Finding(
        "no progress",
        f"after {steps} steps the val loss went from {_fmt(val[0])} to at best "
        f"{_fmt(min(val))} ({gain:.2%} better)",
        [f"optimizer.lr={_lr(run) * 3:.2g}", "adapter.r=32"],
        advice + ". Check the trainable parameter count in the log and the loss mask "
        "(`dsft data preview`).",
    )


def overfitting(run: RunEvidence) -> Finding | None:
    """The val loss rose well past its best while the train loss kept falling."""
    val = [(s, v) for s, v in run.val_loss if math.isfinite(v)]
    if len(val) < 4:
        return None
    best_step, best = min(val, key=lambda sv: sv[1])
    # After the best step; not the final evaluation of the best weights, reloaded (same value).
    after = [(s, v) for s, v in val if s > best_step and abs(v - best) > 1e-9]
    if len(after) < 2 or _mean([v for _, v in after[-3:]]) < best * 1.05:
        return None
    train_at_best = [v for s, v in run.train_loss if s <= best_step and math.isfinite(v)]
    train_after = [v for s, v in run.train_loss if s > best_step and math.isfinite(v)]
    if not train_at_best or not train_after:
        return None
    window = max(1, len(train_after) // 4)
    before, end = _mean(train_at_best[-window:]), _mean(train_after[-window:])
    if end >= before:
        return None
    overrides = [f"train.max_steps={best_step + 1}"]  # metrics count steps from 0
    # LoRA dropout cannot go on fused MoE experts (DeepSeek-V2/V3): weight decay there.
    moe = str(run.get("model.family", "")).startswith("deepseek_v")
    if float(run.get("adapter.dropout", 0.0) or 0.0) < 0.3 and not moe:
        overrides.append("adapter.dropout=0.3")
    overrides += ["optimizer.weight_decay=0.1", "train.early_stopping_patience=2"]
    return Finding(
        "overfitting",
        f"the val loss was best at step {best_step} ({_fmt(best)}) and was "
        f"{_fmt(after[-1][1])} by step {after[-1][0]}, while the train loss fell from "
        f"{_fmt(before)} to {_fmt(end)}",
        overrides,
        "The adapter is memorizing the training examples: stop near the best step (the run "
        "keeps its best weights: train.final_weights=best), regularize, or add data.",
    )


def low_utilization(run: RunEvidence) -> Finding | None:
    """An accelerator busy less than 80% of the time, when the run logged its utilization."""
    utilization = run.summary.get("gpu_utilization")
    if utilization is None or float(utilization) >= 80:
        return None
    workers = int(run.get("data.num_workers", 0) or 0)
    mb = int(run.get("hardware.micro_batch_size", 1))
    overrides = [f"data.num_workers={max(2, workers * 2)}", f"hardware.micro_batch_size={mb * 2}"]
    if not run.get("data.packing"):
        overrides.append("data.packing=true")
    return Finding(
        "low accelerator utilization",
        f"the GPU was busy {float(utilization):.0f}% of the time",
        overrides,
        "The GPU waits for data or runs batches too small to fill it.",
    )


RULES: list[Callable[[RunEvidence], Finding | None]] = [
    out_of_memory,
    diverged,
    overfitting,
    oscillating,
    no_progress,
    low_utilization,
]


def diagnose(run: RunEvidence) -> list[Finding]:
    findings = [f for f in (rule(run) for rule in RULES) if f is not None]
    if any(f.problem == "diverged" for f in findings):  # its symptoms are not separate problems
        findings = [f for f in findings if f.problem in ("diverged", "out of memory")]
    return findings


def run_dirs(path: Path) -> list[Path]:
    """The run itself, or every job dir of a sweep (outputs/multirun/<time>)."""
    if (path / "summary.json").is_file() or (path / "config.yaml").is_file():
        return [path]
    jobs = (
        sorted(
            (p for p in path.iterdir() if p.is_dir() and (p / "summary.json").is_file()),
            key=lambda p: (not p.name.isdigit(), int(p.name) if p.name.isdigit() else 0, p.name),
        )
        if path.is_dir()
        else []
    )
    if not jobs:
        raise DoctorError(f"{path}: not a run dir, nor a sweep dir holding runs.")
    return jobs


def report(paths: list[str]) -> tuple[str, int]:
    """The doctor's text for runs and sweeps, and how many findings it made."""
    lines, count = [], 0
    for given in paths:
        for run_dir in run_dirs(Path(given).expanduser()):
            run = read_evidence(run_dir)
            findings = diagnose(run)
            count += len(findings)
            status = run.summary.get("status", "unknown")
            steps = run.summary.get("global_step")
            head = f"{run_dir}: {status}" + (f" after {steps} steps" if steps is not None else "")
            if not findings:
                lines.append(f"{head}: nothing alarming.")
                continue
            lines.append(f"{head}: {len(findings)} finding(s)")
            for finding in findings:
                lines.append(f"  - {finding.problem}: {finding.evidence}.")
                if finding.advice:
                    lines.append(f"    {finding.advice}")
                if finding.overrides:
                    lines.append(f"    try: python train.py {' '.join(finding.overrides)}")
    return "\n".join(lines), count

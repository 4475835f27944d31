"""A finished run back as a model: `load_run(run_dir)` for evaluation, chat and export.

    from dsft.runs import load_run
    run = load_run("outputs/runs/<run>")          # the last stage of a multi-stage run
    prompt = run.template.prompt([Message("user", "Hi")])  # carries the template's BOS
    ids = run.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    out = run.model.generate(**ids, max_new_tokens=32)

It reads only the run dir (config.yaml, summary.json and the saved adapter or model) and never
needs the Hydra app. Every adapter method loads the same way, through its `load` hook.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dsft.adapters.registry import build_method, method_class
from dsft.models.chat_templates import ChatTemplate, get_template


class RunError(ValueError):
    """A dir that cannot be loaded as a finished run; the message says why and what to do."""


@dataclass
class LoadedRun:
    """A trained model with what it was trained with."""

    run_dir: Path  # the (stage) run dir the model comes from
    config: dict[str, Any]  # that run's resolved config, plain
    summary: dict[str, Any]  # its summary.json
    model: Any  # the trained model in eval mode (a PeftModel for LoRA methods)
    tokenizer: Any
    template: ChatTemplate
    method: Any  # the AdapterMethod that trained it
    causal_lm: Any  # the transformers model inside the method's wrapper
    base: bool = False  # True: the run's base model, without what the run trained


def load_run(
    run_dir: str | Path,
    stage: str | None = None,
    quantized: bool = True,
    precision: str = "32-true",
    device: str = "cpu",
    cache_dir: str | Path | None = None,
    base: bool = False,
) -> LoadedRun:
    """Rebuild the trained model, tokenizer and chat template of a finished run.

    Args:
        run_dir: a run dir (outputs/runs/<run>, or one job of a multirun dir).
        stage: for a multi-stage run, the stage's name (default: the last stage).
        quantized: QLoRA runs: the adapter on the 4-bit base as trained (True) or on the
            unquantized base (False).
        precision: the precision the weights are loaded for (as hardware.precision).
        cache_dir: where tiny random-init bases are cached (default: the run's paths.cache_dir);
            a missing one is rebuilt from the run's config.
        base: the run's base model instead (for A/B against it), as the run loaded it (4-bit
            for QLoRA unless quantized=False), with the run's tokenizer and template.
    """
    from dsft.models.loading import load_base_model, load_model_tokenizer, resolve_model_source

    run_dir, config, summary = finished_run(run_dir, stage)
    model_cfg = config["model"]
    method = build_method(config["adapter"], model_cfg)
    saved = run_dir / method.saved_dir
    source = resolve_model_source(model_cfg, cache_dir or config["paths"]["cache_dir"])
    quantization = method.quantization() if quantized else None

    def load_base(from_source: str):
        return load_base_model(from_source, model_cfg, precision, quantization, device)

    model = load_base(source) if base else method.load(load_base, saved, source)
    model.eval()
    causal_lm = model if base else method.causal_lm(model)
    causal_lm.config.use_cache = True  # training turns it off; generation needs the KV cache
    if quantization is None:
        model.to(device)
    return LoadedRun(
        run_dir=run_dir,
        config=config,
        summary=summary,
        model=model,
        tokenizer=load_model_tokenizer(model_cfg, source),
        template=get_template(model_cfg["chat_template"]),
        method=method,
        causal_lm=causal_lm,
        base=base,
    )


def finished_run(
    run_dir: str | Path, stage: str | None = None
) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """(the stage's dir, its config, its summary) of a finished run; RunError otherwise. Reads
    files only: for checks before anything loads."""
    run_dir = stage_dir(Path(run_dir).expanduser(), stage)
    config, summary = _read_finished(run_dir)
    return run_dir, config, summary


def stage_dir(run_dir: Path, stage: str | None) -> Path:
    """The dir of a stage of a multi-stage run (the last by default); any other run: itself."""
    summary = _read_json(run_dir / "summary.json")
    stages = summary.get("stages")
    if not stages:
        if stage is not None:
            raise RunError(f"{run_dir} is not a multi-stage run; drop stage={stage!r}.")
        return run_dir
    names = [s["name"] for s in stages]
    if stage is None:
        if summary.get("status") != "completed":
            raise RunError(
                f"{run_dir} is a multi-stage run that did not finish (status "
                f"{summary.get('status')}; finished stages: {', '.join(names)}). Load a "
                "finished stage by name (stage=...), or run the experiment again."
            )
        stage = names[-1]
    if stage not in names:
        raise RunError(f"{run_dir} has no stage {stage!r}; its stages: {', '.join(names)}.")
    # The stage's dir inside this one (the recorded path is where the run was made).
    return run_dir / Path(stages[names.index(stage)]["run_dir"]).name


def _read_finished(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config, summary) of a run that completed and saved its result; RunError otherwise."""
    if not run_dir.is_dir():
        raise RunError(f"no run dir at {run_dir}.")
    config_file = run_dir / "config.yaml"
    summary = _read_json(run_dir / "summary.json")
    if not config_file.is_file() or not summary:
        raise RunError(
            f"{run_dir} holds no dsft run (config.yaml or summary.json missing). Pass the dir "
            "train.py made, e.g. outputs/runs/<time> or outputs/multirun/<time>/<job>."
        )
    config = yaml.safe_load(config_file.read_text())
    saved = run_dir / method_class(config["adapter"]["method"]).saved_dir
    if summary.get("status") != "completed" or not saved.is_dir():
        status = summary.get("status", "unknown")
        error = f" ({summary['error']})" if summary.get("error") else ""
        raise RunError(
            f"{run_dir} holds no finished run: its status is {status}{error} and "
            f"{saved.name}/ {'exists' if saved.is_dir() else 'is missing'}. Load a completed "
            "run, or continue this one with `python train.py resume=<run dir>`."
        )
    return config, summary


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}

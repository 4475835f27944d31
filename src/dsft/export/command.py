"""`dsft export RUN --format merged,onnx [--out DIR] [--overwrite]`: write, check, then place.

Everything that can be refused is refused before a model loads: an unfinished run, an unknown
format, a format the method cannot ship, an export already there. Each format is written into a
staging dir beside its target, checked (`verify`), given its export.json, and only then renamed to
`<root>/<format>`; one that fails its check is kept as `<root>/<format>.failed` and the command
exits non-zero. `<root>` is `<run>/export` unless `--out` names another.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dsft.export.errors import ExportError, ExportFailed

DEFAULT_FORMATS = ("merged",)


def parse_formats(spec: str | list[str] | None) -> list[str]:
    """Format names from `merged,onnx` (or a list), in the order they are written."""
    from dsft.export.catalog import FORMAT_HELP as FORMATS

    names = spec.split(",") if isinstance(spec, str) else list(spec or DEFAULT_FORMATS)
    names = [n.strip() for n in names if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ExportError(
            f"unknown export format {', '.join(unknown) or '(none)'}; known: {', '.join(FORMATS)}."
        )
    return [n for n in FORMATS if n in names]  # merged first: the others may reuse it


def export_run(
    run_dir: str | Path,
    formats: str | list[str] | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    stage: str | None = None,
    device: str = "cpu",
) -> dict[str, Path]:
    """Export a finished run; returns {format: its dir}. Raises ExportError before loading
    anything for a request that cannot work, ExportFailed when a written export fails its check."""
    from dsft.adapters.registry import build_method
    from dsft.runs import finished_run

    names = parse_formats(formats)
    # From here on run_dir is the stage's own dir (a multi-stage run's last stage by default).
    run_dir, config, summary = finished_run(run_dir, stage)
    method = build_method(config["adapter"], config["model"])
    device = check_device(device)
    from dsft.export.formats import FORMATS

    for name in names:
        FORMATS[name].check_run(method)
    root = Path(out).expanduser() if out else run_dir / "export"
    targets = {name: root / name for name in names}
    for target in targets.values():
        if target.exists() and not target.is_dir():
            raise ExportError(f"{target} is a file; remove it or pass --out DIR.")
    there = [str(t) for t in targets.values() if t.is_dir() and any(t.iterdir())]
    if there and not overwrite:
        raise ExportError(
            f"an export is already there: {', '.join(there)}. Pass --overwrite to replace it, "
            "or --out DIR to write elsewhere."
        )
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=root) as scratch:
        ctx = _prepare(run_dir, config, summary, device, Path(scratch))
        failed = {}
        for name in names:
            final = _export_one(ctx, FORMATS[name](), targets[name])
            if final != targets[name]:
                failed[name] = final
    if failed:
        kept = ", ".join(str(path) for path in failed.values() if path is not None)
        raise ExportFailed(
            f"{', '.join(failed)} failed; kept as {kept or 'nothing (it could not be written)'} "
            "(see export.json there)."
        )
    return ctx.written


def check_device(device: str) -> str:
    """A device torch can use here, or ExportError (before anything loads)."""
    from dsft.models.devices import inference_device

    try:
        return inference_device(device)[0]
    except ValueError as err:
        raise ExportError(f"--device: {err}") from None


def _prepare(run_dir, config, summary, device, scratch: Path):
    """Load the trained model's references and the merged model (the heavy part)."""
    from dsft.export import parity
    from dsft.export.formats import ExportContext
    from dsft.models.loading import resolve_model_source
    from dsft.runs import load_run
    from dsft.training.noise import silence_known_noise

    silence_known_noise()
    source = resolve_model_source(config["model"], config["paths"]["cache_dir"])
    _say(f"loading the base model of {run_dir}")
    base = _load(run_dir, device, base=True, quantized=False)
    batch = parity.ParityBatch.build(base.tokenizer, base.template)
    base_logits = parity.logits_of(parity.model_forward(base.model, device), batch)
    del base
    _free_memory()
    _say("loading the trained model")
    run = load_run(run_dir, device=device)
    trained = parity.reference(run.model, batch, device)
    if run.method.quantization() is not None:  # merge into the original weights, never 4-bit
        del run
        _free_memory()
        _say("loading the adapter on the unquantized base (QLoRA merges into it)")
        run = _load(run_dir, device, base=False, quantized=False)
        unquantized = parity.reference(run.model, batch, device)
    else:
        unquantized = trained
    merged = run.method.merged(run.model).eval()
    return ExportContext(
        run_dir=run_dir,
        config=config,
        summary=summary,
        method=run.method,
        tokenizer=run.tokenizer,
        template=run.template,
        merged=merged,
        batch=batch,
        trained=trained,
        unquantized=unquantized,
        base_logits=base_logits,
        source=source,
        device=device,
        scratch=scratch,
    )


def _free_memory() -> None:
    """Let a dropped model's memory go before the next one loads (peft models hold cycles)."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _load(run_dir, device, base: bool, quantized: bool):
    """load_run on the unquantized base, with a clear error when that base cannot be loaded."""
    from dsft.runs import load_run

    try:
        return load_run(run_dir, device=device, base=base, quantized=quantized)
    except OSError as err:
        raise ExportError(
            f"the unquantized base model cannot be loaded ({str(err).splitlines()[0]}); exports "
            "merge into the original weights, so download it first (huggingface-cli download "
            "<hub id>) or point model.hub_id at a local copy."
        ) from None


def _export_one(ctx, fmt, target: Path) -> Path | None:
    """Write, verify and place one format. Returns `target` when it passed, else where the
    failed export was kept (None when it could not even be written)."""
    from dsft.atomic import staging_dir, write_json_atomic
    from dsft.export.formats import write_card

    started = time.perf_counter()
    _say(f"{fmt.name}: writing")
    staging = staging_dir(target)
    try:
        fmt.write(ctx, staging)
        write_card(ctx, fmt.name, staging)
        _say(f"{fmt.name}: checking against the trained model")
        check = fmt.verify(ctx, staging)
    except KeyboardInterrupt:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as err:  # an exporter or loader failing: this format fails, others go on
        shutil.rmtree(staging, ignore_errors=True)
        _say(f"{fmt.name}: FAILED while exporting: {type(err).__name__}: {err}")
        return None
    record = _record(ctx, fmt.name, staging, check, time.perf_counter() - started)
    write_json_atomic(staging / "export.json", record)
    final = _place(staging, target, check["passed"])
    if check["passed"]:
        ctx.written[fmt.name] = final
    _say(f"{fmt.name}: {_verdict(check)} -> {final}")
    return final


def _place(staging: Path, target: Path, passed: bool) -> Path:
    """Rename the checked staging dir to its target (replacing an old export only once the new
    one is complete), or aside to <target>.failed."""
    if not passed:
        final = _free(target.with_name(target.name + ".failed"))
        staging.rename(final)
        return final
    if target.exists():
        old = _free(target.with_name(f".{target.name}.replaced"))  # never an earlier leftover
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)
    return target


def _free(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`... whichever does not exist yet."""
    n, candidate = 2, path
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}-{n}"), n + 1
    return candidate


def _record(ctx, name: str, folder: Path, check: dict[str, Any], seconds: float) -> dict:
    from importlib import metadata

    from dsft.tracking.run_summary import package_versions

    files = {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    versions = package_versions()
    if name == "onnx":
        versions.update({m: metadata.version(m) for m in ("onnx", "onnxscript", "onnxruntime")})
    return {
        "format": name,
        "run_dir": str(ctx.run_dir),
        "model": ctx.config["model"]["name"],
        "adapter": ctx.config["adapter"]["method"],
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "files": files,
        "size_bytes": sum(files.values()),
        "parity": check,
        "passed": check["passed"],
        "versions": versions,
    }


def _verdict(check: dict[str, Any]) -> str:
    numbers = f"max |logit diff| {check['max_abs_diff']:.2g}, top-1 {check['top1_agreement']:.3f}"
    if not check["passed"]:
        return f"FAILED ({'; '.join(check.get('failures', []))}; {numbers})"
    extra = ""
    if "size_ratio_to_merged" in check:
        extra = f", {check['size_ratio_to_merged']:.2f}x the merged size"
    return f"ok ({numbers}{extra})"


def _say(text: str) -> None:
    print(f"dsft export: {text}", file=sys.stderr, flush=True)

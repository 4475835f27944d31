"""One training job, from a composed config to a finished run dir.

`run(cfg)` holds the error policy (a bad config exits with a message, or in a multirun fails
its job with a record); `train(cfg, run_dir)` is the flow: data, module, callbacks, loggers,
trainer (the builders), then fit, final evaluation, save and the run record. Whatever happens,
summary.json says how the run ended and the loggers are closed.
"""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from dsft.config.errors import ConfigError
from dsft.config.resume import record_overrides, rerun_config, resumed_config
from dsft.config.rules.common import in_multirun
from dsft.config.rules.hardware import check_machine
from dsft.config.validate import resolve_resume_checkpoint, validate
from dsft.training.clock import job_start_time
from dsft.training.hydra_callbacks import RUN_MARKERS, is_ddp_worker
from dsft.training.peak_memory import PeakMemory
from dsft.training.preemption import (
    RequeueRequested,
    continues_in_place,
    earlier_run_of,
    slurm_job_id,
    snapshot_logs,
)
from dsft.training.record import RunRecord
from dsft.training.write_errors import CheckpointWriteError

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> float:
    """Train, evaluate and save one job (or each stage of a multi-stage one); returns the value
    of train.objective (the final val loss by default), the metric sweepers optimise."""
    entered, job_started = time.time(), job_start_time()
    run_dir = Path(cfg.paths.output_dir)
    in_place = continues_in_place(run_dir)  # a requeued job, started again in its run dir
    try:
        if HydraConfig.initialized() and (cfg.resume or cfg.rerun) and not in_place:
            cfg = own_config(cfg)  # the earlier run's own config, not the defaults
        validate(cfg)
        check_machine(cfg.hardware)
        if cfg.plan.enabled:
            check_plan(cfg)
        if in_place:
            cfg = continue_in_place(cfg, run_dir)
        elif not is_ddp_worker():
            ensure_fresh_run_dir(run_dir)
        stages = None
        if cfg.stages:
            from dsft.training.stages import compose_stages

            stages = compose_stages(cfg, run_dir)
    except ConfigError as err:
        _refuse(err, run_dir, "Invalid config", discard_dir=True)
    try:
        if stages:
            from dsft.training.stages import run_stages

            write_config(cfg, run_dir)  # the experiment's; each stage writes its own
            return run_stages(stages, run_dir, train, job_started)
        return train(cfg, run_dir, job_started, entered)
    except RequeueRequested as err:  # saved and recorded: back in the queue, then exit
        err.requeue(is_global_zero=not is_ddp_worker())
    except (CheckpointWriteError, FloatingPointError) as err:  # diverged, or a failed save
        if in_multirun():
            raise
        print(f"Run failed: {err}", file=sys.stderr)
        _log_to_files(logging.ERROR, f"Run failed: {err}")
        raise SystemExit(1) from None
    except Exception as err:
        if in_multirun():
            # Hydra keeps a failed job's exception until the sweep ends; drop the frames so
            # the failed job's model and data do not stay in memory for the other jobs.
            traceback.clear_frames(err.__traceback__)
        raise


def check_plan(cfg: DictConfig) -> None:
    """`plan=true`: print the memory plan; refuse a run that does not fit unless plan.force."""
    from dsft.planning.memory import plan_memory, setup_from_config
    from dsft.planning.report import render

    plan = plan_memory(setup_from_config(cfg))
    text = render(plan)
    print(text, flush=True)
    _log_to_files(logging.INFO, text)  # once on the console (the print), and in train.log
    if plan.fits is False and not cfg.plan.force:
        raise ConfigError(
            "plan",
            f"the run needs ~{plan.total / 2**30:.1f} GiB per device, more than the device's "
            f"{plan.setup.memory_bytes / 2**30:.1f} GiB: apply a change above, or start it "
            "anyway with plan.force=true.",
        )


def predicted_memory(cfg: DictConfig, data: dict[str, Any]) -> dict[str, Any]:
    """The memory plan's prediction for this run and its data (its largest micro-batch), for
    summary.json; empty when the model config has no shape values to plan from."""
    from dataclasses import replace

    from dsft.planning.memory import plan_memory, setup_from_config

    try:
        plan = plan_memory(replace(setup_from_config(cfg), **data), suggest=False)
    except Exception as err:  # a prediction never fails a trained run (e.g. a user's method)
        log.warning("no memory plan for this run: %s", err or type(err).__name__)
        return {}
    terms = plan.as_dict()["terms"]
    return {"predicted_mb": round(plan.total / 2**20, 1), "predicted_terms_mb": terms}


def continue_in_place(cfg: DictConfig, run_dir: Path) -> DictConfig:
    """A requeued job's config, set to resume its own run dir's checkpoint; rank 0 sets the
    dir's logs aside first, for the loggers to continue (`preemption.snapshot_logs`)."""
    from omegaconf import open_dict

    if not is_ddp_worker():
        snapshot = snapshot_logs(run_dir)
        log.info("continuing the requeued run in %s (its logs so far: %s)", run_dir, snapshot)
    with open_dict(cfg):
        cfg.resume = str(run_dir)
    return cfg


def own_config(cfg: DictConfig) -> DictConfig:
    """For resume= or rerun=: the earlier run's config (checked), its overrides recorded."""
    if cfg.resume and cfg.rerun:
        raise ConfigError("rerun", "resume= continues a run, rerun= starts it again: pick one.")
    cfg, overrides = resumed_config(cfg) if cfg.resume else rerun_config(cfg)
    if not is_ddp_worker():
        record_overrides(overrides)
    return cfg


def _refuse(err: Exception, run_dir: Path, what: str, discard_dir: bool = False) -> None:
    """Stop on bad input: exit 2 with the message (on stderr once, not again from the console
    log), or in a multirun fail this job with a record so the sweep goes on. `discard_dir`: a
    config refused before training removes the run dir Hydra made for it, when it holds only
    Hydra's files (nothing a user made), so rejected configs leave no empty runs behind."""
    if in_multirun():
        log.error("%s: %s", what, err)
        from dsft.atomic import write_json_atomic

        if not (run_dir / "summary.json").exists():
            write_json_atomic(
                run_dir / "summary.json",
                {"status": "failed", "error": f"{type(err).__name__}: {err}"},
            )
        raise err
    print(f"{what}: {err}", file=sys.stderr)
    removed = discard_dir and not is_ddp_worker() and _remove_if_only_hydras(run_dir)
    if not removed:
        _log_to_files(logging.ERROR, f"{what}: {err}")
    raise SystemExit(2) from None


def _log_to_files(level: int, message: str) -> None:
    """Log to the log files only (train.log), not to the console the message went to."""
    record = log.makeRecord(log.name, level, __file__, 0, message, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def _remove_if_only_hydras(run_dir: Path) -> bool:
    """Remove a run dir holding nothing but what Hydra writes into a new one (.hydra/ and the
    job's log); True when removed."""
    hydras = {".hydra", f"{HydraConfig.get().job.name}.log"} if HydraConfig.initialized() else set()
    if not run_dir.is_dir() or not hydras or {p.name for p in run_dir.iterdir()} - hydras:
        return False
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logging.FileHandler)]:
        if Path(handler.baseFilename).parent == run_dir.resolve():  # the open train.log
            root.removeHandler(handler)
            handler.close()
    shutil.rmtree(run_dir, ignore_errors=True)
    return not run_dir.exists()


def ensure_fresh_run_dir(run_dir: Path) -> None:
    """Refuse to write into a dir that already holds a run: nothing a user made is overwritten."""
    taken = [name for name in RUN_MARKERS if (run_dir / name).exists()]
    if taken:
        raise ConfigError(
            "hydra.run.dir",
            f"{run_dir} already holds a run ({', '.join(taken)}). Runs are never overwritten: "
            "drop the hydra.run.dir override (each run gets a new dir) or pick a new dir; "
            "to continue that run, pass resume=<that dir>.",
        )


def write_config(cfg: DictConfig, run_dir: Path) -> None:
    """The resolved config into <run>/config.yaml (rank 0): what the run really used."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if not is_ddp_worker():
        (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))


def plain_config(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain dicts and strings (what modules and records keep)."""
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


def train(
    cfg: DictConfig, run_dir: Path, job_started: float | None = None, entered: float | None = None
) -> float:
    """The flow of one job in `run_dir`; returns the value of train.objective.

    Args:
        job_started: when the job began (the time to the first step counts from it).
        entered: when run() was called (the wall time counts from it); default: now.
    """
    from dsft.training.noise import silence_known_noise

    silence_known_noise()
    # Heavy imports live here, after validation, so bad configs fail fast.
    import lightning as L

    from dsft.data.reading import DataError
    from dsft.models.loading import load_model_tokenizer, resolve_model_source
    from dsft.training import builders
    from dsft.training.callbacks import ResumableCheckpoint

    write_config(cfg, run_dir)
    plain = plain_config(cfg)
    now = time.time()
    record = RunRecord(run_dir, job_started or now, entered or now, cfg.paths.root_dir)
    if slurm_job_id():
        record.data["slurm_job_id"] = slurm_job_id()  # a requeued job knows its run by it
    if cfg.resume and Path(cfg.resume) == run_dir:  # continued in place: count the requeues
        earlier = _read_json(earlier_run_of(cfg.resume, run_dir) / "summary.json")
        record.data["requeues"] = int(earlier.get("requeues") or 0) + 1
    record.write_running()
    try:
        L.seed_everything(cfg.seed, workers=True, verbose=False)
        source = resolve_model_source(plain["model"], cfg.paths.cache_dir)
        tokenizer = load_model_tokenizer(plain["model"], source)
        try:
            datamodule = builders.build_datamodule(plain, tokenizer, cfg.seed, cfg.paths.cache_dir)
        except DataError as err:
            record.data.update(status="failed", error=f"DataError: {err}")
            _refuse(err, run_dir, "Invalid data")
        record.data["data"] = datamodule.stats
        record.module = module = builders.build_module(plain, source, datamodule)
        callbacks = builders.build_callbacks(plain, record.started)
        record.loggers = builders.build_loggers(plain)
        record.trainer = trainer = builders.build_trainer(plain, callbacks, record.loggers)
        checkpoint = builders.find_callback(trainer, ResumableCheckpoint)
        if checkpoint is not None:
            checkpoint.after_save = record.checkpointed

        def save_last() -> Path:  # when the best weights are the result, the last ones too
            return save_result(trainer, module, run_dir / "last", tokenizer)

        val_loss = fit_and_evaluate(cfg, plain, record, trainer, module, datamodule, save_last)
        saved = save_result(trainer, module, run_dir, tokenizer)
        if plain.get("eval") and trainer.is_global_zero:
            record.data["eval"] = evaluate_trained(plain, run_dir, module, tokenizer, trainer)
        record.data.update(saved=str(saved), status="completed", final_val_loss=val_loss)
        for callback in trainer.callbacks:
            if hasattr(callback, "on_run_saved"):
                callback.on_run_saved(trainer, record.data, saved, plain)
        return objective_value(record.data, plain["train"]["objective"])
    except BaseException as err:
        if isinstance(err, RequeueRequested):
            record.data.update(
                status="requeued",
                error=f"requeued on {err}: the job continues this run dir when it starts "
                f"again (or: python train.py resume={run_dir})",
            )
            raise
        if _terminated(err):  # SIGTERM (a scheduler's preemption, Ctrl-C in a container)
            step = record.trainer.global_step if record.trainer else 0
            record.data.update(
                status="interrupted",
                error=f"stopped by SIGTERM at step {step}; resumable: python train.py "
                f"resume={run_dir}",
            )
            # Lightning's SIGTERMException is a SystemExit with code 0: say it did not finish.
            raise SystemExit(128 + signal.SIGTERM) from None
        record.data["status"] = "failed"
        record.data.setdefault("error", f"{type(err).__name__}: {err}")  # the first cause
        raise
    finally:
        if record.module is not None:
            record.module.method.close()  # e.g. PiSSA's initial adapter in a temp dir
        record.finish()


def _terminated(err: BaseException) -> bool:
    """Whether Lightning stopped the run on SIGTERM (it saves a checkpoint first)."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    return isinstance(err, SIGTERMException) or isinstance(err.__context__, SIGTERMException)


def fit_and_evaluate(cfg, plain, record, trainer, module, datamodule, save_last) -> float:
    """Initial validation, fit (or resume), final validation, the choice of the best or last
    weights, and test; returns the val loss of the weights chosen."""
    for logger in trainer.loggers:
        logger.log_hyperparams(plain)
    record.data["init_from"] = plain["adapter"].get("init_from")
    record.data["rerun_of"] = plain.get("rerun")
    ckpt_path = resolve_resume_checkpoint(cfg.resume) if cfg.resume else None
    record.data["resumed_from"] = str(ckpt_path) if ckpt_path else None
    if ckpt_path is not None:
        from dsft.training.callbacks import remove_partials

        remove_partials(Path(ckpt_path))  # a save killed midway in the resumed run
        earlier_run = earlier_run_of(cfg.resume, Path(cfg.paths.output_dir))
        earlier = _read_json(earlier_run / "summary.json")
        record.data["initial_val_loss"] = earlier.get("initial_val_loss")  # the run's start
    peak = PeakMemory(cuda=trainer.strategy.root_device.type == "cuda")
    peak.start()
    if ckpt_path is None and plain["train"]["initial_validation"]:
        # The starting point, so every run shows how far training moved the val loss.
        trainer.validate(module, datamodule=datamodule, verbose=False)
        record.data["initial_val_loss"] = _metric(trainer, "val/loss")
    trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    record.data["memory"] = {**peak.stop(), **predicted_memory(cfg, datamodule.plan_inputs())}
    record.data["final_train_loss"] = _metric(trainer, "train/loss")
    # Val loss of the final weights: reuse the last evaluation if it ran at the last step.
    if module.last_val_step != trainer.global_step or "val/loss" not in trainer.callback_metrics:
        trainer.validate(module, datamodule=datamodule, verbose=False)
    val_loss = float(trainer.callback_metrics["val/loss"])
    val_loss = choose_weights(trainer, module, datamodule, val_loss, record.data, save_last)
    if datamodule.test_examples:
        trainer.test(module, datamodule=datamodule, verbose=False)
        record.data["final_test_loss"] = _metric(trainer, "test/loss")
    return val_loss


def choose_weights(trainer, module, datamodule, val_loss: float, data: dict, save_last) -> float:
    """Keep the last weights, or (train.final_weights=best) put back the best ones when an
    evaluation during training beat the final val loss, after saving the last in <run>/last/.
    summary.json says which were kept; returns their val loss."""
    from dsft.training.builders import find_callback
    from dsft.training.callbacks import BestWeights

    data.update(saved_weights="last", last_step=trainer.global_step, last_val_loss=val_loss)
    best = find_callback(trainer, BestWeights)
    if best is None or best.weights is None or best.score >= val_loss:
        return val_loss
    data["last_saved"] = str(save_last())
    best.restore(module)
    trainer.validate(module, datamodule=datamodule, verbose=False)
    best_loss = float(trainer.callback_metrics["val/loss"])
    data.update(saved_weights="best", best_step=best.step, best_val_loss=best_loss)
    log.info(
        "saving the best weights (step %d, val loss %.4f) rather than the last (step %d, "
        "%.4f); the last are in %s",
        best.step,
        best_loss,
        trainer.global_step,
        val_loss,
        data["last_saved"],
    )
    return best_loss


def _read_json(path: Path) -> dict[str, Any]:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def objective_value(data: dict[str, Any], objective: str) -> float:
    """The number train.py returns to sweepers: a recorded loss or an eval metric."""
    if objective.startswith("eval/"):
        _, task, metric = objective.split("/")
        value = data.get("eval", {}).get(task, {}).get(metric)
        if value is None:
            raise ValueError(f"train.objective={objective}: the eval suite recorded no {metric}")
        return float(value)
    if data.get(objective) is None:
        raise ValueError(f"train.objective={objective}: this run recorded none (no test split?)")
    return float(data[objective])


def evaluate_trained(plain, run_dir: Path, module, tokenizer, trainer) -> dict[str, Any]:
    """Run the `eval` suite on the model just trained (in memory, as saved); its results go to
    <run>/eval/<suite>.json, the loggers (eval/<task>/<metric>) and summary.json's `eval`."""
    from dsft.evaluation.loggers import flat_metrics
    from dsft.evaluation.suite import metrics_of, run_suite, write_results
    from dsft.models.chat_templates import get_template
    from dsft.runs import LoadedRun

    module.model.eval()
    module.causal_lm.config.use_cache = True  # generation (latency) needs the KV cache
    run = LoadedRun(
        run_dir=run_dir,
        config=plain,
        summary={},
        model=module.model,
        tokenizer=tokenizer,
        template=get_template(plain["model"]["chat_template"]),
        method=module.method,
        causal_lm=module.causal_lm,
    )
    results = run_suite(run, plain["eval"])
    log.info("eval %s written to %s", results["suite"], write_results(run_dir, results))
    metrics = metrics_of(results)
    for logger in trainer.loggers:
        logger.log_metrics(flat_metrics(metrics), step=trainer.global_step)
    return metrics


def save_result(trainer, module, run_dir: Path, tokenizer) -> Path:
    """The method saves its result (rank 0 only); returns where."""
    from dsft.adapters.registry import method_class

    state = None
    if module.sharded:  # gathered on every rank (a collective), written by rank 0
        from dsft.training.sharding import full_lora_state

        state = full_lora_state(module.model)
    if trainer.is_global_zero:
        return module.method.save(module.model, run_dir, tokenizer, state)
    return run_dir / method_class(module.hparams.adapter["method"]).saved_dir


def _metric(trainer, key: str) -> float | None:
    value = trainer.callback_metrics.get(key)
    return float(value) if value is not None else None

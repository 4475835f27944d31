"""One training job, from a composed config to a finished run dir.

`run(cfg)` is the only place that instantiates objects, in this order: validation (no heavy
imports), data, model, callbacks, loggers, trainer; then fit, final validation, adapter export and
the run record. Whatever happens, summary.json says how the run ended and loggers are closed.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from dsft.config import ConfigError, validate
from dsft.config.validate import in_multirun, resolve_resume_checkpoint
from dsft.training.hydra_callbacks import RUN_MARKERS, is_ddp_worker

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> float:
    """Train, evaluate and save one adapter; returns the final validation loss."""
    started = time.time()
    try:
        run_dir = Path(cfg.paths.output_dir)
        validate(cfg)
        if not is_ddp_worker():
            ensure_fresh_run_dir(run_dir)
        if cfg.stages:
            from dsft.training.stages import compose_stages

            stages = compose_stages(cfg, run_dir)
    except ConfigError as err:
        log.error("Invalid config: %s", err)
        if in_multirun():  # fail this job only, with a record; the sweep goes on
            from dsft.tracking.run_summary import write_json_atomic

            if not (run_dir / "summary.json").exists():
                run_dir.mkdir(parents=True, exist_ok=True)
                write_json_atomic(
                    run_dir / "summary.json", {"status": "failed", "error": f"ConfigError: {err}"}
                )
            raise
        print(f"Invalid config: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    run_dir.mkdir(parents=True, exist_ok=True)
    if not is_ddp_worker():
        (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    try:
        if cfg.stages:
            from dsft.training.stages import run_stages

            return run_stages(stages, run_dir, _train)
        return _train(cfg, run_dir, started)
    except Exception as err:
        if in_multirun():
            # Hydra keeps a failed job's exception until the sweep ends; drop the frames so
            # the failed job's model and data do not stay in memory for the other jobs.
            traceback.clear_frames(err.__traceback__)
        raise


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


def _silence_known_noise() -> None:
    """Hide warnings that are harmless here and would bury the lines that matter."""
    import warnings

    for message in (
        r".*_pattern keys did not match any targeted module.*",  # peft, fused MoE experts
        r".*is_gradient_checkpointing.*is deprecated.*",  # transformers 5 renaming
        r".*isinstance\(treespec, LeafSpec\).*",  # lightning on torch 2.13
    ):
        warnings.filterwarnings("ignore", message=message)
    # bitsandbytes looks for optional CPU kernels from the hub; without them it uses its own.
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
    import lightning  # noqa: F401  (adds its own console handlers, which would print twice)
    import transformers

    transformers.utils.logging.disable_progress_bar()
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(
        lambda record: "litlogger" not in record.getMessage()
    )


def _train(cfg: DictConfig, run_dir: Path, started: float) -> float:
    _silence_known_noise()
    # Heavy imports live here, after validation, so bad configs fail fast.
    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor
    from lightning.pytorch.loggers import TensorBoardLogger

    from dsft.adapters.layers import save_model
    from dsft.adapters.lora import save_adapter
    from dsft.data.datamodule import InstructionDataModule
    from dsft.data.reading import DataError
    from dsft.models.loading import load_model_tokenizer, resolve_model_source
    from dsft.training.callbacks import AtomicCheckpointIO, ResumableCheckpoint, TokenThroughput
    from dsft.training.module import LoRAFineTuneModule

    plain = OmegaConf.to_container(cfg, resolve=True)
    hardware, train = plain["hardware"], plain["train"]
    record: dict[str, Any] = {
        "status": "running",
        "run_dir": str(run_dir),
        "git": _git(cfg.paths.root_dir),
    }
    loggers: list = []
    try:
        L.seed_everything(cfg.seed, workers=True, verbose=False)
        source = resolve_model_source(plain["model"], cfg.paths.cache_dir)
        tokenizer = load_model_tokenizer(plain["model"], source)
        datamodule = InstructionDataModule(
            plain["data"],
            tokenizer,
            plain["model"]["chat_template"],
            hardware["micro_batch_size"],
            seed=cfg.seed,
            cache_dir=cfg.paths.cache_dir,
        )
        try:
            datamodule.setup("fit")  # reads and checks all data before the model loads
            record["data"] = datamodule.stats
        except DataError as err:
            if in_multirun():
                raise
            print(f"Invalid data: {err}", file=sys.stderr)
            raise SystemExit(2) from None
        module = LoRAFineTuneModule(
            model=plain["model"],
            adapter=plain["adapter"],
            optimizer=plain["optimizer"],
            model_source=source,
            precision=hardware["precision"],
            gradient_checkpointing=hardware["gradient_checkpointing"],
            total_steps=train["max_steps"] if train["max_steps"] > 0 else None,
        )
        if plain["data"].get("group_by_length"):
            module.loss_normalizer = datamodule.loss_tokens_per_batch
        throughput = TokenThroughput(train["log_every_n_steps"])
        callbacks = [throughput, LearningRateMonitor(logging_interval="step")]
        if train["save_every_n_steps"]:
            callbacks.append(
                ResumableCheckpoint(
                    dirpath=run_dir / "checkpoints",
                    save_top_k=0,
                    save_last=True,
                    every_n_train_steps=train["save_every_n_steps"],
                    save_on_exception=True,
                )
            )
        if train["early_stopping_patience"] and plain["adapter"]["method"] == "adalora":
            log.warning(
                "early stopping is off for adapter=adalora: its rank schedule ends at the "
                "run's last step (train.early_stopping_patience is ignored)"
            )
        elif train["early_stopping_patience"]:
            callbacks.append(
                EarlyStopping(monitor="val/loss", patience=train["early_stopping_patience"])
            )
        loggers = build_loggers(plain.get("logger") or {})
        trainer = L.Trainer(
            accelerator=hardware["accelerator"],
            devices=hardware["devices"],
            strategy=hardware["strategy"],
            precision=hardware["precision"],
            max_steps=train["max_steps"],
            max_epochs=train["max_epochs"],
            accumulate_grad_batches=hardware["grad_accum"],
            val_check_interval=train["val_every_n_steps"] * hardware["grad_accum"],
            check_val_every_n_epoch=None,
            log_every_n_steps=train["log_every_n_steps"],
            num_sanity_val_steps=0,
            callbacks=callbacks,
            logger=loggers or False,
            plugins=[AtomicCheckpointIO()],
            enable_checkpointing=bool(train["save_every_n_steps"]),
            default_root_dir=str(run_dir),
            enable_model_summary=False,
        )
        for lg in loggers:
            lg.log_hyperparams(plain)
        record["init_from"] = plain["adapter"].get("init_from")
        ckpt_path = resolve_resume_checkpoint(cfg.resume) if cfg.resume else None
        record["resumed_from"] = str(ckpt_path) if ckpt_path else None
        if ckpt_path is None and train["initial_validation"]:
            # The starting point, so every run shows how far training moved the val loss.
            trainer.validate(module, datamodule=datamodule, verbose=False)
            record["initial_val_loss"] = _metric(trainer, "val/loss")
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
        train_loss = _metric(trainer, "train/loss")
        val_loss = _final_val_loss(trainer, module, datamodule)
        if datamodule.test_examples:
            trainer.test(module, datamodule=datamodule, verbose=False)
            record["final_test_loss"] = _metric(trainer, "test/loss")
        saved = run_dir / ("adapter" if module.uses_lora else "model")
        if trainer.is_global_zero:
            if module.uses_lora:
                save_adapter(module.model, saved, module.pissa_initial)
            else:  # freeze / full: the whole model, loadable without dsft or peft
                save_model(module.model, saved, tokenizer)
        record["saved"] = str(saved)
        for lg in loggers:
            if isinstance(lg, TensorBoardLogger):  # its hparams view needs the result metrics
                lg.log_hyperparams(plain, {"hp/final_val_loss": val_loss})
        for lg in loggers:
            if hasattr(lg, "on_adapter_saved"):
                lg.on_adapter_saved(saved)
        record.update(status="completed", final_val_loss=val_loss, final_train_loss=train_loss)
        return val_loss
    except BaseException as err:
        record.update(status="failed", error=f"{type(err).__name__}: {err}")
        raise
    finally:
        _finish(record, run_dir, started, locals())


def _git(root_dir: str) -> dict[str, Any]:
    from dsft.tracking.run_summary import git_commit

    return git_commit(root_dir)


def _metric(trainer, key: str) -> float | None:
    value = trainer.callback_metrics.get(key)
    return float(value) if value is not None else None


def _final_val_loss(trainer, module, datamodule) -> float:
    """Val loss of the final weights: reuse the last evaluation if it ran at the last step."""
    last_val_step = getattr(module, "last_val_step", None)
    if last_val_step != trainer.global_step or "val/loss" not in trainer.callback_metrics:
        trainer.validate(module, datamodule=datamodule, verbose=False)
    return float(trainer.callback_metrics["val/loss"])


def build_loggers(logger_cfg: dict[str, Any]) -> list:
    """Instantiate every configured logger (each node has a `_target_`)."""
    from hydra.utils import instantiate

    return [instantiate(node) for node in logger_cfg.values() if node]


def _finish(record: dict[str, Any], run_dir: Path, started: float, scope: dict[str, Any]) -> None:
    """Write summary.json and close the loggers (wandb.finish), whatever happened."""
    from dsft.tracking.run_summary import (
        package_versions,
        peak_gpu_mb,
        peak_rss_mb,
        write_json_atomic,
    )

    throughput = scope.get("throughput")
    trainer = scope.get("trainer")
    module = scope.get("module")
    record.update(
        wall_time_s=round(time.time() - started, 2),
        global_step=trainer.global_step if trainer else 0,
        tokens_seen=throughput.tokens_seen if throughput else 0,
        tokens_per_s=round(throughput.tokens_per_second, 1) if throughput else None,
        time_to_first_step_s=throughput.time_to_first_step if throughput else None,
        trainable_parameters=module.trainable_parameters if module else None,
        peak_rss_mb=round(peak_rss_mb(), 1),
        peak_gpu_mb=peak_gpu_mb(),
        packages=package_versions(),
    )
    if not is_ddp_worker():  # rank 0 writes the run's record
        write_json_atomic(run_dir / "summary.json", record)
    final = {
        f"final/{key}": record[key]
        for key in ("tokens_per_s", "peak_rss_mb", "peak_gpu_mb", "trainable_parameters")
        if record.get(key) is not None
    }
    for lg in scope.get("loggers") or []:
        if final and record["status"] == "completed":
            lg.log_metrics(final, step=record["global_step"])
        lg.finalize("success" if record["status"] == "completed" else "failed")  # flush, close
    if "wandb" in sys.modules:
        # Always finish the W&B run: jobs of a multirun share this process, and an unfinished
        # run would swallow the next job's records.
        sys.modules["wandb"].finish(exit_code=0 if record["status"] == "completed" else 1)
    if record["status"] == "completed":
        log.info(
            "run completed in %.0f s: val loss %s -> %.4f, %s non-pad tokens/s, first optimizer "
            "step after %s s; saved in %s",
            record["wall_time_s"],
            f"{record['initial_val_loss']:.4f}" if record.get("initial_val_loss") else "?",
            record["final_val_loss"],
            record["tokens_per_s"],
            record["time_to_first_step_s"],
            record.get("saved"),
        )
    else:
        log.info("run %s: %s", record["status"], run_dir)

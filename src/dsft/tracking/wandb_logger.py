"""Weights & Biases logger: named from the overrides, grouped by sweep, offline without a key,
off with WANDB_MODE=disabled."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from lightning.pytorch.loggers import WandbLogger

from dsft.tracking.run_names import run_name

log = logging.getLogger(__name__)


# $WANDB_MODE values (wandb's own) -> the mode a run logs in.
_ENV_MODES = {
    "online": "online",
    "run": "online",
    "offline": "offline",
    "dryrun": "offline",
    "disabled": "disabled",
}


def has_wandb_credentials() -> bool:
    """True when wandb would find credentials for its server: WANDB_API_KEY (or an identity
    token file), or a `wandb login` entry in the .netrc for the configured host (WANDB_BASE_URL
    or wandb's settings; a self-hosted server counts), read with wandb's own lookup."""
    if os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    try:  # wandb's credential lookup (wandb >= 0.22); no server is contacted
        from wandb.sdk import wandb_setup
        from wandb.sdk.lib.wbauth import read_netrc_auth
    except ImportError:  # an older wandb: its netrc lookup was `wandb.api.api_key`
        import wandb

        return bool(getattr(getattr(wandb, "api", None), "api_key", None))
    try:
        return read_netrc_auth(host=wandb_setup.singleton().settings.base_url) is not None
    except Exception as err:  # a malformed entry: wandb itself would refuse it
        log.warning("W&B: the .netrc entry for the W&B host is unusable (%s)", err)
        return False


def resolve_mode(mode: str) -> str:
    """online, offline or disabled. `auto`: $WANDB_MODE when set (wandb's own switch), else
    online with credentials and offline without."""
    if mode != "auto":
        return mode
    env = os.environ.get("WANDB_MODE", "").strip().lower()
    if env:
        if env not in _ENV_MODES:
            raise ValueError(f"WANDB_MODE={env!r}: use one of {', '.join(_ENV_MODES)}.")
        return _ENV_MODES[env]
    return "online" if has_wandb_credentials() else "offline"


def wandb_run_id(run_dir: Path) -> str | None:
    """The id of a run dir's W&B run, from its dir name (<offline-run|run>-<time>-<id>)."""
    runs = sorted((Path(run_dir) / "wandb").glob("*run-*-*"))
    return runs[0].name.rsplit("-", 1)[-1] if runs else None


class DsftWandbLogger(WandbLogger):
    """A WandbLogger that can also upload the final adapter as a model artifact."""

    def __init__(self, *args, log_adapter: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # Lightning always passes `anonymous`, which wandb >= 0.22 warns about on every run.
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)
        self.log_adapter = log_adapter and self._wandb_init.get("mode") != "disabled"

    def log_saved_dir(self, adapter_dir: Path) -> None:
        """Upload the run's saved adapter (or model) dir as a `model` artifact."""
        if not self.log_adapter:
            return
        import wandb

        # adapter-<run id>, or model-<run id> for adapter=freeze|full (a complete model).
        artifact = wandb.Artifact(f"{adapter_dir.name}-{self.experiment.id}", type="model")
        artifact.add_dir(str(adapter_dir))
        self.experiment.log_artifact(artifact)


def _hydra_context() -> tuple[list[str], str | None]:
    """(the overrides that name this job, the multirun dir name when in a sweep)."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hydra = HydraConfig.get()
    except (ImportError, ValueError):
        return [], None
    overrides = list(hydra.overrides.task)
    if hydra.mode != RunMode.MULTIRUN:
        return overrides, None
    swept = swept_keys(Path(hydra.sweep.dir), hydra.sweeper.get("params"))
    if swept:  # name sweep jobs by what the sweep varies, not by what all jobs share
        overrides = [o for o in overrides if o.lstrip("+~").partition("=")[0] in swept]
    return overrides, Path(hydra.sweep.dir).name


def swept_keys(sweep_dir: Path, sweeper_params) -> set[str]:
    """Keys a multirun varies: comma lists or sweep functions on its command line, and the
    sweeper's `params` (from a +sweep preset)."""
    import yaml

    keys = set(sweeper_params or {})
    try:
        multirun = yaml.safe_load((sweep_dir / "multirun.yaml").read_text())
        task = multirun["hydra"]["overrides"]["task"]
    except (OSError, KeyError, TypeError):
        return keys
    for override in task:
        key, _, value = override.lstrip("+~").partition("=")
        if "," in value or value.startswith(("range(", "choice(", "interval(", "tag(", "glob(")):
            keys.add(key)
    return keys


def make_wandb_logger(
    project: str,
    save_dir: str,
    entity: str | None = None,
    name: str | None = None,
    group: str | None = None,
    job_type: str = "train",
    tags: list[str] | None = None,
    mode: str = "auto",
    log_adapter: bool = True,
    resume_from: str | None = None,
) -> WandbLogger:
    """The W&B logger of a job.

    Args:
        name: run name; null makes one from the overrides (e.g. `r16-a32-lr3e-4`).
        group: null puts every job of a multirun in one group named after the multirun dir.
        mode: auto ($WANDB_MODE when set; else offline into save_dir when no credentials are
            found, online when they are), online, offline or disabled (nothing written).
        log_adapter: upload the final adapter as a `model` artifact.
        resume_from: the run dir (or .ckpt) a resumed run continues: its W&B run goes on.
    """
    overrides, sweep_group = _hydra_context()
    mode = resolve_mode(mode)
    if mode == "offline":
        log.info("W&B: logging offline. Upload later: wandb sync %s/wandb", save_dir)
    if mode == "disabled":
        log.info("W&B: disabled (WANDB_MODE=disabled or logger.wandb.mode=disabled)")
    else:  # artifacts are staged in the run dir, not in ~/.local/share/wandb
        _stage_artifacts_in(Path(save_dir) / "wandb" / "staging")
    continued = {}
    if resume_from:
        from dsft.config.resume import resumed_run_dir

        run_id = wandb_run_id(resumed_run_dir(resume_from))
        if run_id:
            log.info("W&B: continuing run %s of %s", run_id, resumed_run_dir(resume_from))
            continued = {"id": run_id, "resume": "allow"}
    return DsftWandbLogger(
        project=project,
        entity=entity,
        name=name or run_name(overrides),
        group=group or sweep_group,
        job_type=job_type,
        tags=list(tags or []),
        save_dir=save_dir,
        # wandb.init(mode=...), not Lightning's `offline`, which sets WANDB_MODE for the process
        mode=mode,
        log_adapter=log_adapter,
        **continued,
    )


_STAGING_SET_BY_US = "_DSFT_WANDB_DATA_DIR"


def _stage_artifacts_in(folder: Path) -> None:
    """Point wandb's artifact staging ($WANDB_DATA_DIR) at the run dir, unless the user set it."""
    if os.environ.get("WANDB_DATA_DIR") and not os.environ.get(_STAGING_SET_BY_US):
        return
    os.environ["WANDB_DATA_DIR"] = os.environ[_STAGING_SET_BY_US] = str(folder)

"""Shared fixtures: the real config, composed the way train.py composes it, and CLI runs on CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
os.environ["DSFT_ROOT"] = str(ROOT)

from dsft.config.store import register_configs  # noqa: E402

register_configs()

# A tiny random Llama for unit tests that need a real model (built in milliseconds).
TINY_LLAMA = dict(
    vocab_size=512,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=256,
)

# Tiny limits that keep a CLI training run to seconds on a 2-core CPU.
FAST = [
    "train.max_steps=6",
    "train.val_every_n_steps=3",
    "train.log_every_n_steps=1",
    "train.save_every_n_steps=3",
    "data.max_examples=240",
    "data.val_fraction=0.1",
]


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory) -> Path:
    """One cache of tiny models for the whole session (subprocesses inherit it)."""
    cache = Path(os.environ.get("DSFT_TEST_CACHE") or tmp_path_factory.mktemp("dsft-cache"))
    os.environ["DSFT_CACHE"] = str(cache)
    os.environ["WANDB_SILENT"] = "true"
    os.environ.pop("WANDB_API_KEY", None)
    return cache


def compose_config(overrides: list[str] | None = None):
    """Compose conf/train.yaml with overrides, exactly as `python train.py` would."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="train", overrides=overrides or [])


def run_train(args: list[str], run_dir: Path, timeout: int = 600, env: dict | None = None):
    """Run `python train.py` in a subprocess with its run dir at `run_dir`."""
    cmd = [sys.executable, str(ROOT / "train.py"), f"hydra.run.dir={run_dir}", *args]
    return subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def start_train(args: list[str], run_dir: Path, env: dict | None = None) -> subprocess.Popen:
    """Start `python train.py` in the background (output discarded), its run dir at `run_dir`;
    for tests that stop it midway (kill -9, SIGTERM)."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "train.py"), f"hydra.run.dir={run_dir}", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def run_dsft(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the `dsft` command (python -m dsft.cli) in a subprocess from the repo root."""
    return subprocess.run(
        [sys.executable, "-m", "dsft.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def assert_ok(proc) -> None:
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """`finished_run(family, method)`: the dir of a `debug=fast` run of that tiny family model
    and adapter method, trained in-process once per session and shared by the tests that only
    read it (load_run, chat, export), with the val loss it recorded."""
    from tests.adapters.test_family_matrix import overrides_for
    from tests.run_helpers import train_in_process

    runs: dict[tuple[str, str], tuple[Path, float]] = {}

    def get(family: str, method: str) -> tuple[Path, float]:
        if (family, method) not in runs:
            run_dir = tmp_path_factory.mktemp(f"{family}-{method}") / "run"
            recorded = train_in_process([*overrides_for(family, method), "debug=fast"], run_dir)
            runs[family, method] = (run_dir, recorded)
        return runs[family, method]

    return get

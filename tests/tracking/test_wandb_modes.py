"""Which mode a W&B run logs in: WANDB_MODE decides when set (disabled writes nothing), else the
credentials wandb itself would find (a key, or a .netrc entry for the configured host, a
self-hosted one included) make it online and their absence offline."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import FAST, assert_ok, read_summary, run_train

KEY = "0123456789abcdef0123456789abcdef01234567"  # 40 characters, as wandb keys are


def mode_in_fresh_process(home, env: dict[str, str]) -> str:
    """resolve_mode("auto") in a new process (wandb caches its settings per process)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k != "NETRC"}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dsft.tracking.wandb_logger import resolve_mode as m; print(m('auto'))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "HOME": str(home), "WANDB_SILENT": "true", **env},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def test_wandb_mode_decides_when_set(tmp_path):
    assert mode_in_fresh_process(tmp_path, {"WANDB_MODE": "disabled"}) == "disabled"
    assert mode_in_fresh_process(tmp_path, {"WANDB_MODE": "offline", "WANDB_API_KEY": KEY}) == (
        "offline"
    )
    assert mode_in_fresh_process(tmp_path, {"WANDB_MODE": "dryrun"}) == "offline"


def test_credentials_decide_otherwise(tmp_path):
    assert mode_in_fresh_process(tmp_path, {}) == "offline"
    assert mode_in_fresh_process(tmp_path, {"WANDB_API_KEY": KEY}) == "online"


def test_a_netrc_entry_for_a_self_hosted_server_is_found(tmp_path):
    netrc = f"machine wandb.corp.example\n  login user\n  password {KEY}\n"
    (tmp_path / ".netrc").write_text(netrc)
    (tmp_path / ".netrc").chmod(0o600)
    host = {"WANDB_BASE_URL": "https://wandb.corp.example"}
    assert mode_in_fresh_process(tmp_path, host) == "online"
    other = {"WANDB_BASE_URL": "https://wandb.elsewhere.example"}
    assert mode_in_fresh_process(tmp_path, other) == "offline"  # an entry for another host


def test_an_unknown_wandb_mode_is_named(monkeypatch):
    from dsft.tracking.wandb_logger import resolve_mode

    monkeypatch.setenv("WANDB_MODE", "sometimes")
    with pytest.raises(ValueError, match="WANDB_MODE='sometimes': use one of online"):
        resolve_mode("auto")
    assert resolve_mode("offline") == "offline"  # an explicit logger.wandb.mode wins


@pytest.mark.slow
def test_wandb_disabled_writes_nothing(tmp_path):
    run_dir = tmp_path / "run"
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "WANDB_MODE": "disabled"}
    proc = run_train([*FAST[:4], "logger=wandb"], run_dir, env=env)
    assert_ok(proc)
    assert read_summary(run_dir)["status"] == "completed"
    assert not (run_dir / "wandb").exists()
    assert not list(home.rglob("*wandb*")), list(home.rglob("*wandb*"))
    assert "anonymous setting has no effect" not in proc.stdout + proc.stderr

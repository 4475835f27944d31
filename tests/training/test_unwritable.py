"""A run that cannot write (a read-only run dir or cache, a full disk) says which path and what
to do, leaves no partial files, and writes its record wherever it still can.

Each case runs a real `python train.py`. The tests run as root on CI, and root writes into
read-only dirs, so the child drops its override capabilities (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH) before it starts: file modes then apply to it as to any user. A full disk is
a real file-size limit (`ulimit -f`): every write past it fails, as on a disk with no room left.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from dsft.training.write_errors import fallback_record
from tests.conftest import FAST, ROOT

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _as_a_user() -> None:
    """preexec_fn: the child keeps its uid but not root's right to ignore file modes."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _train(args: list[str], env: dict | None = None, preexec=_as_a_user, wait: bool = True):
    cmd = [sys.executable, str(ROOT / "train.py"), *args]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec,
    )
    if not wait:
        return proc
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def _partials(folder: Path) -> list[Path]:
    return list(folder.rglob("*.partial"))


def test_a_read_only_run_dir_is_refused_naming_it_before_anything_is_written(tmp_path):
    run_dir = tmp_path / "ro"
    run_dir.mkdir()
    run_dir.chmod(0o555)
    try:
        code, _, err = _train([f"hydra.run.dir={run_dir}", *FAST])
        assert code == 2, err[-2000:]
        assert f"cannot write {run_dir}" in err and "Permission denied" in err
        assert "Unable to configure handler" not in err  # Hydra's own failure, before
        assert list(run_dir.iterdir()) == []
        code, _, err = _train([f"hydra.run.dir={run_dir}/a/b", *FAST])  # to be made inside it
        assert code == 2 and f"cannot write {run_dir}/a/b ({run_dir}: Permission denied" in err
    finally:
        run_dir.chmod(0o755)


def test_a_read_only_cache_dir_warns_and_the_run_goes_on(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    run_dir = tmp_path / "run"
    try:
        code, _, err = _train(
            [f"hydra.run.dir={run_dir}", *FAST, "data.max_examples=120"],
            env={"DSFT_CACHE": str(cache)},
        )
    finally:
        cache.chmod(0o755)
    assert code == 0, err[-3000:]
    log = (run_dir / "train.log").read_text()
    assert f"cannot write the model cache {cache}/models (Permission denied)" in log
    assert f"cannot write the data cache {cache}/data (Permission denied): going on" in log
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
    assert list(cache.iterdir()) == []


def _wait_for_checkpoint(proc, run_dir: Path) -> int:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        try:
            step = json.loads((run_dir / "summary.json").read_text()).get("checkpoint_step")
        except (OSError, ValueError):
            step = None
        if step:
            return step
        time.sleep(0.2)
    raise AssertionError("no checkpoint within 300 s")


def _set_mode(folder: Path, mode: int) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(mode)


def test_a_run_dir_made_read_only_mid_run_fails_clearly_and_records_elsewhere(tmp_path):
    run_dir = tmp_path / "run"
    elsewhere = fallback_record(run_dir)
    elsewhere.unlink(missing_ok=True)
    args = [f"hydra.run.dir={run_dir}", *FAST, "train.max_steps=400", "train.save_every_n_steps=2"]
    proc = _train([*args, "train.val_every_n_steps=200"], wait=False)
    step = _wait_for_checkpoint(proc, run_dir)
    _set_mode(run_dir, 0o555)
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        _set_mode(run_dir, 0o755)
    assert proc.returncode == 1, err[-3000:]
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    assert f"cannot write the checkpoint {checkpoint}" in err
    assert f"{checkpoint.parent} is not writable (Permission denied)" in err
    assert f"the run record goes to {elsewhere} instead" in out  # the log, on the console
    record = json.loads(elsewhere.read_text())
    assert record["status"] == "failed" and str(checkpoint) in record["error"]
    assert record["checkpoint_step"] >= step and record["global_step"] > record["checkpoint_step"]
    assert _partials(run_dir) == []
    assert checkpoint.is_file()  # the last good checkpoint: the run can be resumed from it
    elsewhere.unlink()


def _disk_of(limit: int):
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def test_a_full_disk_during_a_checkpoint_names_it_and_leaves_no_partial_file(tmp_path):
    run_dir = tmp_path / "run"
    code, _, err = _train(
        [f"hydra.run.dir={run_dir}", *FAST, "data.max_examples=120"], preexec=_disk_of(4 << 20)
    )
    assert code == 1, err[-3000:]
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    message = f"cannot write the checkpoint {checkpoint}: files may not exceed 4.0 MiB here"
    assert message in err and "The partial file was removed" in err and "resume=" in err
    assert "Traceback" not in err
    record = json.loads((run_dir / "summary.json").read_text())
    assert record["status"] == "failed" and message in record["error"]
    assert _partials(run_dir) == [] and not checkpoint.exists()

"""The config paths of the CLI are fast and never import torch."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.conftest import ROOT


def run_cli(*args: str, importtime: bool = False):
    flags = ["-X", "importtime"] if importtime else []
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *flags, str(ROOT / "train.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc, time.perf_counter() - start


def imported_modules(importtime_stderr: str) -> set[str]:
    return {
        line.split("|")[-1].strip()
        for line in importtime_stderr.splitlines()
        if line.startswith("import time:")
    }


def test_cfg_job_is_fast_and_torch_free():
    proc, seconds = run_cli("adapter=qlora", "hardware=a100", "--cfg", "job", importtime=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "method: qlora" in proc.stdout and "precision: bf16-mixed" in proc.stdout
    modules = imported_modules(proc.stderr)
    assert not {"torch", "transformers", "peft", "lightning"} & modules
    # A generous bound: the import check above is the real one (a loaded CI machine took 4 s).
    assert seconds < 20.0, f"--cfg job took {seconds:.2f}s"


def test_bad_rank_fails_fast_naming_the_key(tmp_path):
    proc, seconds = run_cli("adapter.r=-1", f"hydra.run.dir={tmp_path / 'run'}", importtime=True)
    assert proc.returncode == 2
    assert "adapter.r" in proc.stderr and "positive" in proc.stderr
    assert "Traceback" not in proc.stderr
    # Refused before anything heavy is imported (validation reads only the config).
    assert not {"torch", "transformers", "peft", "lightning"} & imported_modules(proc.stderr)
    assert seconds < 20.0, f"rejecting adapter.r=-1 took {seconds:.2f}s"


def test_a_refused_config_says_so_once_and_leaves_no_run_dir(tmp_path):
    run_dir = tmp_path / "run"
    proc, _ = run_cli("adapter.r=-1", f"hydra.run.dir={run_dir}")
    assert proc.returncode == 2
    said = (proc.stdout + proc.stderr).count("adapter.r: must be positive")
    assert said == 1, proc.stdout + proc.stderr
    assert not run_dir.exists()  # Hydra had made it, with .hydra/ and train.log


def test_a_refused_config_keeps_a_dir_that_holds_anything_else(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "notes.txt").write_text("mine")
    proc, _ = run_cli("adapter.r=-1", f"hydra.run.dir={run_dir}")
    assert proc.returncode == 2
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert "adapter.r: must be positive" in (run_dir / "train.log").read_text()  # logged there


def test_dsft_help_is_torch_free():
    for args in (["--help"], ["export", "--help"], ["chat", "--help"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "dsft.cli", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert not {"torch", "transformers", "peft"} & imported_modules(proc.stderr), args
        if args[0] == "export":
            assert "merged,adapter,nf4,onnx,torchscript,pt2" in proc.stdout
        if args == ["--help"]:  # every subcommand is listed
            for command in ("train", "data", "eval", "chat", "export", "plan", "rerun", "compare"):
                assert f"    {command} " in proc.stdout, command


def test_dsft_version():
    from dsft import __version__

    proc = subprocess.run(
        [sys.executable, "-m", "dsft.cli", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"dsft {__version__}"

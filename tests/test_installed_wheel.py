"""The built wheel trains without a checkout: installed into a fresh venv outside the repo, `dsft
train` finds its packaged config tree and bundled data, writes outputs under the current
directory, and takes a user's own groups with `--config-dir`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv holding only the built dsft wheel; its dependencies are the test
    venv's (a .pth line), so nothing is downloaded and the test venv's editable dsft is not on
    the path (a .pth line adds a folder without running the .pth files in it)."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = wheels.glob("dsft-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin"


def dsft(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DSFT_ROOT", "PYTHONPATH")}
    return subprocess.run(
        [str(bin_dir / "dsft"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def only_run(cwd: Path) -> Path:
    runs = list((cwd / "outputs" / "runs").iterdir())
    assert len(runs) == 1, runs
    return runs[0]


def test_wheel_holds_dsft_and_its_config_tree(installed):
    python = installed / "python"
    where = subprocess.run(
        [str(python), "-c", "import dsft, dsft.bundle; print(dsft.__file__, dsft.bundle.root())"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DSFT_ROOT"},
    )
    package, bundled = where.stdout.split()
    venv = str(installed.parent)
    assert package.startswith(venv) and bundled.startswith(venv), where.stdout
    bundled = Path(bundled)
    for shipped in ("conf/train.yaml", "conf/data/medical.yaml", "sweeps/sweep/lora_grid.yaml"):
        assert (bundled / shipped).is_file(), shipped
    assert (bundled / "data/demo/demo.jsonl").stat().st_size == (
        ROOT / "data/demo/demo.jsonl"
    ).stat().st_size
    assert not [p.name for p in (bundled / "conf/local").glob("*.yaml") if p.name != "example.yaml"]


def test_version_and_help_list_every_subcommand(installed, tmp_path):
    version = dsft(installed, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("dsft 0."), version.stderr
    usage = dsft(installed, tmp_path, "--help")
    assert usage.returncode == 0, usage.stderr
    for command in ("train", "plan", "eval", "chat", "export", "rerun", "compare"):
        assert f"    {command} " in usage.stdout, command


@pytest.mark.slow
def test_installed_dsft_train_runs_the_default_flow_in_the_current_dir(installed, tmp_path):
    proc = dsft(installed, tmp_path, "train", "debug=fast")
    assert proc.returncode == 0, proc.stderr[-4000:]
    run = only_run(tmp_path)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == 4
    assert (run / "adapter" / "adapter_model.safetensors").is_file()
    assert "step 4/4" in (run / "train.log").read_text()
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["paths"]["work_dir"] == str(tmp_path)
    assert config["paths"]["root_dir"].startswith(str(installed.parent))
    # `dsft rerun` of an installed run: the packaged app again, outputs beside the first run.
    again = dsft(installed, tmp_path.parent, "rerun", str(run))
    assert again.returncode == 0, again.stderr[-4000:]
    (rerun,) = [p for p in (tmp_path / "outputs" / "runs").iterdir() if p != run]
    assert json.loads((rerun / "summary.json").read_text())["rerun_of"] == str(run)


@pytest.mark.slow
def test_installed_dsft_train_takes_a_users_config_dir(installed, tmp_path):
    """A domain of the user's own (a data YAML in their conf/, a JSONL beside it) on top of the
    packaged groups: config only, no checkout."""
    (tmp_path / "conf" / "data").mkdir(parents=True)
    rows = [
        {
            "instruction": f"What does clause {i} of the lease say?",
            "output": f"Clause {i} says the tenant pays rent on day {i % 28 + 1} of each month.",
        }
        for i in range(60)
    ]
    (tmp_path / "lease.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (tmp_path / "conf" / "data" / "lease.yaml").write_text(
        "name: lease\nsources:\n  - path: lease.jsonl\n    format: alpaca\nval_fraction: 0.1\n"
    )
    proc = dsft(installed, tmp_path, "train", "--config-dir", "conf", "data=lease", "debug=fast")
    assert proc.returncode == 0, proc.stderr[-4000:]
    run = only_run(tmp_path)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed"
    config = (run / "config.yaml").read_text()
    assert "name: lease" in config and "path: lease.jsonl" in config

"""`dsft rerun RUN` trains a run again from its own config into a new dir: the same losses bit
for bit on CPU in fp32; refused, naming the file, once a data file it read has changed, and
naming the key when the command line would change what is learned."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, assert_ok, read_summary, run_dsft, run_train

pytestmark = pytest.mark.slow


def losses(run_dir: Path) -> list[tuple[str, str, str]]:
    """(step, train/loss, val/loss) of every CSV row, as written (compared bit for bit)."""
    with (run_dir / "csv" / "metrics.csv").open() as handle:
        return [(r["step"], r["train/loss"], r["val/loss"]) for r in csv.DictReader(handle)]


def test_rerun_repeats_the_losses_bit_for_bit_and_refuses_changed_data(tmp_path):
    data = tmp_path / "demo.jsonl"
    shutil.copy(ROOT / "data" / "demo" / "demo.jsonl", data)
    first = tmp_path / "first"
    args = [
        f"data.sources.0.path={data}",
        "data.max_examples=300",
        "train.max_steps=16",
        "train.val_every_n_steps=8",
        "train.log_every_n_steps=1",
    ]
    assert_ok(run_train(args, first))
    recorded = read_summary(first)["data"]
    assert recorded["files"] == {str(data): hashlib.sha256(data.read_bytes()).hexdigest()}
    assert sum(recorded["examples"].values()) == sum(recorded["split"].values())

    again = tmp_path / "again"
    assert_ok(run_dsft("rerun", str(first), f"hydra.run.dir={again}"))
    assert losses(again) == losses(first)
    assert sum(1 for _, train, _ in losses(first) if train) == 16
    summary = read_summary(again)
    assert summary["rerun_of"] == str(first) and summary["status"] == "completed"
    assert summary["final_val_loss"] == read_summary(first)["final_val_loss"]
    # The rerun records the overrides that made its config: it can itself be resumed or rerun.
    overrides = yaml.safe_load((again / ".hydra" / "overrides.yaml").read_text())
    assert overrides == [*args, f"rerun={first}"]

    changed = tmp_path / "changed"
    proc = run_dsft("rerun", str(first), f"hydra.run.dir={changed}", "optimizer.lr=0.1")
    assert proc.returncode == 2 and "optimizer.lr" in proc.stderr, proc.stderr[-2000:]

    lines = data.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace("e", "E", 1)  # one row edited
    data.write_text("".join(lines))
    proc = run_dsft("rerun", str(first), f"hydra.run.dir={changed}")
    assert proc.returncode == 2
    assert f"{data} is not the file {first} trained on" in proc.stderr
    assert not (changed / "summary.json").exists()  # refused before anything ran


def test_rerun_of_a_dir_that_is_not_a_run_says_so(tmp_path):
    proc = run_dsft("rerun", str(tmp_path))
    assert proc.returncode == 2
    assert f"{tmp_path} has no readable config.yaml: not a run dir" in proc.stderr

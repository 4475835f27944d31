"""With early stopping (train.final_weights=best, the default) a run saves the weights of its
lowest val loss, keeps the last ones in <run>/last/, and says which it saved."""

from __future__ import annotations

import csv
import json

import pytest
from safetensors.torch import load_file

from dsft.runs import load_run
from tests.run_helpers import evaluated_examples, independent_val_loss, train_in_process

pytestmark = pytest.mark.slow
# A learning rate high enough that the val loss turns up, so early stopping stops the run.
OVERFIT = [
    "train.max_steps=40",
    "train.val_every_n_steps=4",
    "train.early_stopping_patience=2",
    "train.log_every_n_steps=1",
    "train.save_every_n_steps=0",
    "optimizer.lr=0.03",
    "data.max_examples=300",
    "trainer.limit_val_batches=2",
]


def val_losses(run_dir) -> dict[int, float]:
    """Optimizer steps done -> val loss of each evaluation during training (the CSV's `step` of
    a validation row is Lightning's index of the last batch, one less; the first row is the
    evaluation before training)."""
    with (run_dir / "csv" / "metrics.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["val/loss"]]
    return {int(r["step"]) + 1: float(r["val/loss"]) for r in rows[1:]}


def test_the_best_weights_are_saved_and_the_last_kept(tmp_path):
    run_dir = tmp_path / "best"
    recorded = train_in_process(OVERFIT, run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    logged = val_losses(run_dir)
    assert summary["saved_weights"] == "best"
    best, last = summary["best_step"], summary["last_step"]
    assert best < last < 40  # early stopping stopped it after the best
    assert min(logged.values()) == pytest.approx(logged[best])
    assert summary["best_val_loss"] == pytest.approx(logged[best], abs=1e-6)
    assert summary["last_val_loss"] > summary["best_val_loss"]
    assert recorded == summary["final_val_loss"] == summary["best_val_loss"]
    # What load_run (and so eval, chat, export) gets is the best: its own val loss says so.
    run = load_run(run_dir)
    loss = independent_val_loss(run, evaluated_examples(run))
    assert loss == pytest.approx(summary["best_val_loss"], abs=1e-4)
    saved = load_file(str(run_dir / "adapter" / "adapter_model.safetensors"))
    kept = load_file(str(run_dir / "last" / "adapter" / "adapter_model.safetensors"))
    assert summary["last_saved"] == str(run_dir / "last" / "adapter")
    assert saved.keys() == kept.keys()
    assert any(not saved[k].equal(kept[k]) for k in saved)


def test_final_weights_last_saves_the_last(tmp_path):
    run_dir = tmp_path / "last"
    train_in_process([*OVERFIT, "train.final_weights=last"], run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["saved_weights"] == "last" and "best_step" not in summary
    assert summary["final_val_loss"] == pytest.approx(val_losses(run_dir)[summary["last_step"]])
    assert not (run_dir / "last").exists()

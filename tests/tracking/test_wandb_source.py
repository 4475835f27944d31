"""W&B runs become RunRecords that rank like local runs (the API itself needs the network)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from dsft.tracking.compare import CompareError, compare_runs
from dsft.tracking.wandb_source import load_wandb_runs, record_from_wandb_run


@dataclass
class PublicRun:
    """The attributes of wandb.apis.public.Run that the loader reads."""

    name: str
    config: dict
    summary: dict
    history: list[dict]
    state: str = "finished"
    path: list[str] = field(default_factory=lambda: ["team", "dsft", "abc123"])

    def scan_history(self, keys):
        return [row for row in self.history if all(k in row for k in keys)]


def run(name, r, lr, losses, state="finished"):
    config = {
        "adapter": {"r": r, "alpha": 32},
        "optimizer": {"lr": lr},
        "paths": {"output_dir": f"/runs/{name}"},
    }
    history = [{"trainer/global_step": 10 * i, "val/loss": v} for i, v in enumerate(losses)]
    history.append({"trainer/global_step": 5, "train/loss": 9.0})  # rows without val/loss
    return PublicRun(
        name, config, {"train/loss": losses[-1] + 0.1, "_runtime": 12}, history, state=state
    )


def test_records_rank_by_final_val_loss_and_sweep_keys_come_from_config():
    records = [
        record_from_wandb_run(r)
        for r in (
            run("r4-lr1e-4", 4, 1e-4, [11.8, 9.0]),
            run("r8-lr1e-3", 8, 1e-3, [11.8, 7.5, 7.0]),
            run("r8-lr1e-4", 8, 1e-4, [11.8, 8.9], state="crashed"),
        )
    ]
    comparison = compare_runs(records, "final_val_loss")
    assert [r.name for r in comparison.runs] == ["r8-lr1e-3", "r4-lr1e-4", "r8-lr1e-4"]
    assert comparison.best.name == "r8-lr1e-3"
    assert comparison.runs[-1].status == "failed"
    # Keys that vary are swept; paths.* differ too but are not hyper-parameters.
    assert comparison.swept == ["adapter.r", "optimizer.lr"]
    best = comparison.best
    assert best.val_curve == [(0, 11.8), (10, 7.5), (20, 7.0)]
    assert best.best_val_loss == 7.0 and best.initial_val_loss == 11.8


def test_bad_source_spec_is_a_clear_error():
    with pytest.raises(CompareError, match="wandb:ENTITY/PROJECT"):
        load_wandb_runs("wandb:only-a-project")

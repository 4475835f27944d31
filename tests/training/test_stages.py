"""Multi-stage runs: each stage is validated with the result it will really start from, before
stage 1 trains, and really starts from it."""

from __future__ import annotations

import shutil

import pytest

from dsft.runs import load_run
from tests.conftest import assert_ok, read_summary, run_train
from tests.run_helpers import evaluated_examples, independent_val_loss

pytestmark = pytest.mark.slow
FAST = ["debug=fast", "train.initial_validation=true", "data.cache=true"]


def stages(*overrides: list[str]) -> str:
    """A `stages=[...]` override: stage i gets overrides[i]."""
    items = []
    for i, stage in enumerate(overrides, start=1):
        quoted = ", ".join(f"'{o}'" for o in stage)
        items.append(f"{{name: s{i}, overrides: [{quoted}]}}")
    return f"stages=[{', '.join(items)}]"


@pytest.mark.parametrize(
    ("first", "second"), [("adapter=freeze", "adapter=freeze"), ("adapter=lora", "adapter=lora")]
)
def test_a_stage_starts_from_the_previous_stages_result(first, second, tmp_path):
    run_dir = tmp_path / "run"
    assert_ok(run_train([*FAST, stages([first], [second])], run_dir))
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    one, two = (read_summary(run_dir / name) for name in ("1-s1", "2-s2"))
    saved = "model" if "freeze" in first else "adapter"
    assert two["init_from"] == str(run_dir / "1-s1" / saved) == summary["stages"][1]["init_from"]
    # Same data, same val split: stage 2 starts exactly where stage 1 ended, not from the base.
    assert two["initial_val_loss"] == pytest.approx(one["final_val_loss"], abs=1e-5)
    assert two["initial_val_loss"] < one["initial_val_loss"] - 1e-3
    # load_run: the last stage by default, any stage by name, each the model its run evaluated,
    # also after the experiment's dir was moved.
    moved = tmp_path / "moved"
    shutil.move(run_dir, moved)
    for stage, record in ((None, two), ("s1", one)):
        run = load_run(moved, stage=stage)
        assert run.run_dir == moved / ("2-s2" if stage is None else "1-s1")
        loss = independent_val_loss(run, evaluated_examples(run))
        assert loss == pytest.approx(record["final_val_loss"], abs=1e-4)


@pytest.mark.parametrize(
    ("first", "second", "fragment"),
    [
        # A freeze stage cannot continue a LoRA adapter (it silently trained from the base).
        (["adapter=lora"], ["adapter=freeze"], "is an adapter; adapter=freeze"),
        (["adapter=full"], ["adapter=lora"], "is a complete model"),
        (["adapter=lora"], ["adapter=adalora"], "continues only ADALORA"),
        # A continued adapter keeps its shape: the stage's own r would be ignored.
        (["adapter=lora"], ["adapter.r=8"], "r 16 -> 8"),
        (["adapter=lora"], ["adapter.target_preset=attention"], "targets"),
    ],
)
def test_a_stage_that_cannot_continue_is_refused_before_stage_one_trains(
    first, second, fragment, tmp_path
):
    run_dir = tmp_path / "run"
    proc = run_train([*FAST, stages(first, second)], run_dir)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "stages[1] (continuing stage 's1')" in proc.stderr and fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (run_dir / "1-s1").exists()  # nothing trained

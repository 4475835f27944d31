"""`dsft compare` shows evaluation metrics as columns, ranks by them, and reads the stages of a
multi-stage experiment."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from dsft.tracking.compare import CompareError, compare, find_run_dirs
from tests.conftest import assert_ok, read_summary, run_train
from tests.tracking.test_compare import write_run


def with_eval(run_dir, accuracy):
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["eval"] = {"medical_mc": {"accuracy": accuracy}, "latency": {"ttft_p90_ms": 9.5}}
    (run_dir / "summary.json").write_text(json.dumps(summary))


def test_eval_metrics_are_columns_and_a_ranking_key(tmp_path):
    for name, loss, accuracy in (("a", 11.2, 0.25), ("b", 11.5, 0.75), ("c", 11.1, 0.5)):
        write_run(tmp_path / name, [f"run={name}"], [(0, 11.8), (5, loss)], 11.0, 100.0, 5.0)
        with_eval(tmp_path / name, accuracy)
    console = Console(file=io.StringIO(), width=200)
    comparison, files = compare(
        [tmp_path / n for n in "abc"],
        metric="eval/medical_mc/accuracy",
        descending=True,
        out=tmp_path / "out",
        console=console,
    )
    assert [r.name for r in comparison.runs] == ["b", "c", "a"]  # best accuracy first
    output = console.file.getvalue()
    assert "eval/medical_mc/accuracy" in output and "eval/latency/ttft_p90_ms" in output
    header = (tmp_path / "out" / "comparison.csv").read_text().splitlines()[0].split(",")
    assert "eval/medical_mc/accuracy" in header
    with pytest.raises(CompareError, match="eval/<task>/<metric>"):
        compare([tmp_path / "a"], metric="accuracy", out=tmp_path / "out", console=console)


@pytest.mark.slow
def test_a_two_stage_experiment_records_and_compares_mc_accuracy_per_stage(tmp_path):
    run_dir = tmp_path / "run"
    stages = "stages=[{name: general, overrides: []}, {name: medical, overrides: ['data=medical']}]"
    eval_args = ["eval=medical_mc", "++eval.tasks.medical_mc.max_items=8"]
    assert_ok(run_train(["debug=fast", stages, *eval_args], run_dir))
    for stage in ("1-general", "2-medical"):
        accuracy = read_summary(run_dir / stage)["eval"]["medical_mc"]["accuracy"]
        assert 0 <= accuracy <= 1 and (run_dir / stage / "eval" / "medical_mc.json").is_file()
    assert [d.name for d in find_run_dirs([run_dir])] == ["1-general", "2-medical"]
    console = Console(file=io.StringIO(), width=200)
    comparison, _ = compare([run_dir], out=tmp_path / "out", console=console)
    assert {r.name for r in comparison.runs} == {"1-general", "2-medical"}
    assert all(r.metric("eval/medical_mc/accuracy") is not None for r in comparison.runs)
    assert "eval/medical_mc/accuracy" in console.file.getvalue()

"""A/B with paired-bootstrap intervals: an adapter that knows the answers beats its base with an
interval that excludes 0; an untrained adapter (B = 0) differs from its base on no item."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from dsft.evaluation.ab import paired_interval
from dsft.evaluation.command import evaluate_run
from dsft.evaluation.mc_data import read_questions
from dsft.evaluation.multiple_choice import question_block
from tests.conftest import ROOT
from tests.run_helpers import train_in_process


def test_the_bootstrap_is_reproducible_and_zero_for_identical_items():
    pairs = [(1, 0)] * 30 + [(0, 1)] * 10 + [(1, 1)] * 20

    def difference(p):
        return 100 * sum(a - b for a, b in p) / len(p)

    assert paired_interval(pairs, difference) == paired_interval(pairs, difference)
    low, high = paired_interval(pairs, difference)
    assert 0 < low < difference(pairs) < high  # +33 points, clearly above 0
    assert paired_interval([(1, 1), (0, 0)] * 20, difference) == (0.0, 0.0)


@pytest.mark.slow
def test_an_adapter_trained_on_the_answers_beats_its_base(tmp_path):
    lines = (ROOT / "data/medical/medical_mc.jsonl").read_text().splitlines()
    questions = [json.loads(line) for line in lines][:32]
    mc = tmp_path / "mc.jsonl"
    mc.write_text("".join(json.dumps(q) + "\n" for q in questions))
    rows = []
    for q in read_questions(mc):  # the question as the suite renders it, the right choice after
        header = f"The following are multiple choice questions (with answers) about {q.subject}."
        rows.append(
            {"instruction": f"{header}\n\n{question_block(q)}", "output": q.choices[q.answer]}
        )
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "val.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:4]))
    run_dir = tmp_path / "run"
    train_in_process(
        [
            f"data.sources.0.path={tmp_path / 'train.jsonl'}",
            f"+data.split_files.val={tmp_path / 'val.jsonl'}",
            "data.test_fraction=0",
            "data.max_length=512",
            "data.cleaning.normalize_whitespace=false",
            "train.max_steps=150",
            "train.early_stopping_patience=0",
        ],
        run_dir,
    )
    path = evaluate_run(
        str(run_dir),
        ["eval=medical_mc", f"eval.tasks.medical_mc.path={mc}", "eval.tasks.medical_mc.k_shot=0"],
        against="base",
    )
    record = json.loads(path.read_text())
    entry = record["comparison"]["medical_mc"]
    assert entry["n"] == 32 and entry["a_better"] is True
    assert entry["difference"] > 0 and entry["interval"][0] > 0  # the interval excludes 0
    assert record["verdicts"][0].startswith("adapter better on medical_mc: +")


@pytest.mark.slow
def test_an_untrained_adapter_differs_from_its_base_on_no_item(tmp_path):
    trained = tmp_path / "trained"
    train_in_process(["debug=fast"], trained)
    run_dir = tmp_path / "untrained"
    shutil.copytree(trained, run_dir)
    weights = run_dir / "adapter" / "adapter_model.safetensors"
    state = load_file(weights)
    save_file({k: torch.zeros_like(v) if "lora_B" in k else v for k, v in state.items()}, weights)
    path = evaluate_run(
        str(run_dir),
        ["~eval.tasks.latency", "~eval.tasks.memory", "eval.tasks.medical_mc.max_items=10"],
        against="base",
    )
    comparison = json.loads(path.read_text())["comparison"]
    assert set(comparison) == {"perplexity/val", "perplexity/test", "medical_mc"}
    for entry in comparison.values():
        assert entry["difference"] == 0.0 and entry["interval"] == [0.0, 0.0]
        assert entry["identical_items"] == entry["n"] > 0

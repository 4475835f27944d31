"""lm-evaluation-harness on the same loaded model and adapter agrees exactly with dsft's own
multiple-choice scorer (the same rule: the highest log-likelihood of " <choice>" after the
question, plain text), offline with a local task YAML."""

from __future__ import annotations

import json

import pytest

from dsft.evaluation.command import compose_suite
from dsft.evaluation.suite import run_suite
from dsft.runs import load_run
from tests.conftest import ROOT
from tests.run_helpers import train_in_process

pytest.importorskip("lm_eval")
pytestmark = pytest.mark.slow
N = 24

TASK = """\
task: dsft_medical_mc
dataset_path: json
dataset_kwargs:
  data_files: {path}
test_split: train
output_type: multiple_choice
doc_to_text: "<｜begin▁of▁sentence｜>The following are multiple choice questions (with answers) \\
  about {{{{subject}}}}.\\n\\n{{{{question}}}}\\nA. {{{{choices[0]}}}}\\nB. {{{{choices[1]}}}}\\n\\
  C. {{{{choices[2]}}}}\\nD. {{{{choices[3]}}}}\\nAnswer:"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: "{{{{['A', 'B', 'C', 'D'].index(answer)}}}}"
target_delimiter: " "
metric_list:
  - metric: acc
"""


def test_lm_eval_and_dsft_score_the_same_items_the_same_way(tmp_path, monkeypatch):
    for variable in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):  # nothing from the hub
        monkeypatch.setenv(variable, "1")
    run_dir = tmp_path / "run"
    train_in_process(["debug=fast", "train.max_steps=20"], run_dir)
    questions = (ROOT / "data" / "medical" / "medical_mc.jsonl").read_text().splitlines()[:N]
    mc = tmp_path / "mc.jsonl"
    mc.write_text("\n".join(questions) + "\n")
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "dsft_medical_mc.yaml").write_text(TASK.format(path=mc))
    suite = compose_suite(
        [
            "eval=medical_mc",
            f"eval.tasks.medical_mc.path={mc}",
            "eval.tasks.medical_mc.k_shot=0",
            "eval.tasks.medical_mc.chat_template=false",
            "+eval.tasks.lm_eval.type=harness",
            "+eval.tasks.lm_eval.tasks=[dsft_medical_mc]",
            f"+eval.tasks.lm_eval.include_path={tasks}",
        ]
    )
    results = run_suite(load_run(run_dir), suite)["tasks"]
    ours = [item["correct"] for item in results["medical_mc"]["items"]]
    theirs = [bool(item["acc"]) for item in results["lm_eval"]["items"]["dsft_medical_mc"]]
    assert len(ours) == len(theirs) == N
    assert ours == theirs  # item by item, not only on average
    accuracy = results["medical_mc"]["metrics"]["accuracy"]
    assert results["lm_eval"]["metrics"]["dsft_medical_mc/acc"] == pytest.approx(accuracy)
    json.dumps(results["lm_eval"]["metrics"])  # plain numbers, for the results file

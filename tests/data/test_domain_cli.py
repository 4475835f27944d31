"""A new domain is a YAML file and a data file: no Python, run from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.conftest import FAST, ROOT, assert_ok, read_summary, run_train

pytestmark = pytest.mark.slow


def test_new_domain_from_a_config_dir_outside_the_repo(tmp_path):
    domain = tmp_path / "my_project"
    (domain / "conf" / "data").mkdir(parents=True)
    rows = [
        {"question": f"What is ticket {i} about?", "answer": f"Ticket {i} is about login."}
        for i in range(120)
    ]
    (domain / "tickets.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (domain / "conf" / "data" / "support_tickets.yaml").write_text(
        "name: support_tickets\n"
        "sources:\n"
        f"  - path: {domain / 'tickets.jsonl'}\n"
        "    format: alpaca\n"
        "    columns: {instruction: question, output: answer}\n"
        "system_prompt: You answer support tickets.\n"
    )
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "train.py"),
            "--config-dir",
            str(domain / "conf"),
            f"hydra.run.dir={run_dir}",
            "data=support_tickets",
            *FAST[:4],
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert_ok(proc)
    recorded = yaml.safe_load((run_dir / "config.yaml").read_text())["data"]
    assert recorded["name"] == "support_tickets"
    assert recorded["sources"][0]["columns"] == {"instruction": "question", "output": "answer"}
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and summary["data"]["split"]["train"] > 80


def test_bad_column_mapping_fails_before_the_model_loads(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "train.py"),
            f"hydra.run.dir={tmp_path / 'run'}",
            "+data.sources.0.columns.instruction=question",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert (
        "instruction -> 'question'" in proc.stderr
        and "columns are: input, instruction" in proc.stderr
    )
    assert "Loading weights" not in proc.stderr + proc.stdout


def test_two_stage_experiment_runs_both_stages(tmp_path):
    run_dir = tmp_path / "two_stage"
    proc = run_train(
        [
            "experiment=two_stage_medical",
            "stages.0.overrides=['data=demo','train.max_steps=4','data.max_examples=200']",
            "stages.1.overrides=['data=medical_mix','train.max_steps=4','data.mix_size=200']",
            "train.val_every_n_steps=2",
            "train.save_every_n_steps=0",
        ],
        run_dir,
    )
    assert_ok(proc)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and len(summary["stages"]) == 2
    general, medical = (
        read_summary(run_dir / s["run_dir"].split("/")[-1]) for s in summary["stages"]
    )
    assert general["status"] == medical["status"] == "completed"
    assert medical["init_from"] == str(run_dir / "1-general" / "adapter")
    assert medical["data"]["weights"]["medical"] == pytest.approx(0.7)
    assert (run_dir / "2-medical" / "adapter" / "adapter_model.safetensors").is_file()

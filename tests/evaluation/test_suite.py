"""An evaluation suite on a real finished run (tiny model, CPU): each task checked against an
independent computation where one exists, and the results file never overwritten."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from dsft.config.errors import ConfigError
from dsft.evaluation.command import compose_suite
from dsft.evaluation.mc_data import EvalDataError, read_questions
from dsft.evaluation.multiple_choice import context_text
from dsft.evaluation.suite import check_suite, run_suite, write_results
from dsft.runs import load_run
from tests.conftest import ROOT
from tests.run_helpers import train_in_process

pytestmark = pytest.mark.slow
QUICK = ["eval.tasks.medical_mc.max_items=6", "eval.tasks.latency.repeats=2"]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("eval") / "run"
    train_in_process(["debug=fast"], run_dir)
    return run_dir


@pytest.fixture(scope="module")
def results(finished_run):
    return run_suite(load_run(finished_run), compose_suite(QUICK))


def test_perplexity_of_the_val_split_is_the_runs_own_val_loss(results, finished_run):
    summary = json.loads((finished_run / "summary.json").read_text())
    perplexity = results["tasks"]["perplexity"]
    # debug=fast evaluates 2 batches of 4; its val split has fewer examples: all were seen.
    assert perplexity["n"]["val"] <= 8
    assert perplexity["metrics"]["val/loss"] == pytest.approx(summary["final_val_loss"], abs=1e-4)
    assert perplexity["metrics"]["val/perplexity"] == pytest.approx(
        torch.tensor(summary["final_val_loss"]).exp().item(), rel=1e-3
    )
    # The run tested 2 batches of 4 (debug=fast): the same first 8 test items give its loss.
    first = perplexity["items"]["test"][:8]
    loss = sum(i["loss_sum"] for i in first) / sum(i["tokens"] for i in first)
    assert loss == pytest.approx(summary["final_test_loss"], abs=1e-4)


def test_multiple_choice_scores_are_the_log_likelihoods_of_the_choices(results, finished_run):
    task = results["tasks"]["medical_mc"]
    assert task["n"] == 6 and task["metrics"]["accuracy"] == pytest.approx(
        sum(i["correct"] for i in task["items"]) / 6
    )
    # Recompute the first item from the full logits of whole sequences, one at a time.
    run = load_run(finished_run)
    question = read_questions(task["config"]["path"])[0]
    text = context_text(run, question, [], chat=True)
    context = run.tokenizer(text, add_special_tokens=False)["input_ids"]
    expected = []
    for choice in question.choices:
        continuation = run.tokenizer(choice, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([context + continuation])
        with torch.no_grad():
            logprobs = run.model(input_ids=ids).logits[0].log_softmax(-1)
        positions = range(len(context) - 1, ids.shape[1] - 1)
        expected.append(sum(float(logprobs[p, ids[0, p + 1]]) for p in positions))
    assert task["items"][0]["scores"] == pytest.approx(expected, abs=1e-3)
    assert task["items"][0]["chosen"] == max(range(4), key=expected.__getitem__)


def test_latency_has_ordered_percentiles_over_every_timed_generation(results):
    task = results["tasks"]["latency"]
    assert task["n"] == len(task["config"]["prompts"]) * 2  # prompts x repeats
    metrics = task["metrics"]
    assert 0 < metrics["ttft_p50_ms"] <= metrics["ttft_p90_ms"] <= metrics["ttft_p99_ms"]
    assert metrics["decode_tokens_per_s"] > 0


def test_memory_reports_the_peak_and_the_weights(results):
    metrics = results["tasks"]["memory"]["metrics"]
    assert metrics["peak_rss_mb"] > metrics["weights_mb"] > 100  # 35M fp32 weights: ~136 MB


def test_results_are_never_overwritten(results, tmp_path):
    first = write_results(tmp_path, results)
    second = write_results(tmp_path, results)
    assert (first.name, second.name) == ("default.json", "default-2.json")
    assert json.loads(first.read_text())["tasks"].keys() == results["tasks"].keys()
    assert write_results(tmp_path, results, overwrite=True) == first


@pytest.mark.parametrize(
    ("overrides", "error", "fragment"),
    [
        (["+eval.tasks.x.type=bleu"], ConfigError, "unknown task 'bleu'"),
        (["+eval.tasks.latency.repeatz=2"], ConfigError, "repeatz"),
        (["eval.tasks.medical_mc.path=/nowhere/mc.jsonl"], EvalDataError, "/nowhere/mc.jsonl"),
        (
            ["eval.tasks.medical_mc.k_shot=2", "eval.tasks.medical_mc.dev_path=null"],
            ConfigError,
            "dev_path",
        ),
    ],
)
def test_a_bad_suite_fails_before_any_model_loads(overrides, error, fragment):
    with pytest.raises(error, match=fragment):
        check_suite(compose_suite(overrides))


def test_dsft_eval_command(finished_run, tmp_path):
    cmd = [sys.executable, "-m", "dsft.cli", "eval", str(finished_run), *QUICK, "--overwrite"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ttft_p90_ms" in proc.stdout and "accuracy" in proc.stdout
    assert (finished_run / "eval" / "default.json").is_file()
    missing = subprocess.run(
        [sys.executable, "-m", "dsft.cli", "eval", str(tmp_path / "none")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "no run dir" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_train_returns_the_chosen_eval_metric_for_sweepers(tmp_path):
    args = ["debug=fast", "eval=medical_mc", "eval.tasks.medical_mc.max_items=4"]
    args = [a if not a.startswith("eval.tasks.") else f"++{a}" for a in args]
    value = train_in_process([*args, "train.objective=eval/medical_mc/accuracy"], tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert value == summary["eval"]["medical_mc"]["accuracy"] != summary["final_val_loss"]
    with pytest.raises(ConfigError, match="add eval=<suite>"):
        train_in_process(["train.objective=eval/medical_mc/accuracy"], tmp_path / "s")


def test_dsft_eval_reaches_the_runs_own_tensorboard_and_wandb_run(tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    from dsft.evaluation.command import evaluate_run
    from tests.sweeps.test_multirun_e2e import wandb_file_records

    run_dir = tmp_path / "run"
    train_in_process(["debug=fast", "logger=[tensorboard,wandb]"], run_dir)
    (original,) = run_dir.glob("wandb/offline-run-*")
    run_id = original.name.rsplit("-", 1)[-1]
    evaluate_run(str(run_dir), ["eval=medical_mc", "eval.tasks.medical_mc.max_items=4"])
    accuracy = json.loads((run_dir / "eval" / "medical_mc.json").read_text())["tasks"][
        "medical_mc"
    ]["metrics"]["accuracy"]
    tags = {}
    for events in (run_dir / "tensorboard").glob("events.out.tfevents.*"):
        for event in EventFileLoader(str(events)).Load():
            for value in event.summary.value:
                tags[value.tag] = value
    assert "eval/medical_mc/accuracy" in tags
    # The same W&B run id got a second offline segment whose summary holds the accuracy.
    segments = sorted(run_dir.glob(f"wandb/offline-run-*-{run_id}"))
    assert len(segments) == 2
    later = segments[1] if segments[0] == original else segments[0]
    (run_file,) = later.glob("run-*.wandb")
    records = wandb_file_records(run_file)
    values = {}
    for record in records:
        if record["type"] == "summary":
            values.update(record["summary"]["update"])
    assert values["eval/medical_mc/accuracy"] == pytest.approx(accuracy)
    assert {r["run"]["run_id"] for r in records if r["type"] == "run"} == {run_id}


def test_latency_in_a_batch_and_perplexity_on_another_data_config(finished_run):
    suite = compose_suite(
        [
            "~eval.tasks.medical_mc",
            "~eval.tasks.memory",
            "eval.tasks.latency.repeats=2",
            "eval.tasks.latency.batch_size=3",
            "eval.tasks.perplexity.data=medical",
            "eval.tasks.perplexity.splits=[val]",
        ]
    )
    results = run_suite(load_run(finished_run), suite)["tasks"]
    latency = results["latency"]
    assert len(latency["items"]["batch_ttft_s"]) == 2
    assert 0 < latency["metrics"]["batch3_ttft_p50_ms"] <= latency["metrics"]["batch3_ttft_p90_ms"]
    assert latency["metrics"]["batch3_decode_tokens_per_s"] > 0
    perplexity = results["perplexity"]
    sources = {item["source"] for item in perplexity["items"]["val"]}
    assert sources == {"medical_qa.jsonl"} and perplexity["n"]["val"] > 30  # the medical split

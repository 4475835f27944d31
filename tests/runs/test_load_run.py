"""`load_run` gives back the trained model of any finished run: every adapter method on a tiny
model of every family, each checked against the val loss its run recorded."""

from __future__ import annotations

import json

import pytest
from peft import PeftModel

from dsft.models.chat_templates import Message
from dsft.runs import RunError, load_run
from tests.adapters.test_family_matrix import FAMILY_MODELS, METHODS
from tests.run_helpers import evaluated_examples, independent_val_loss

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("family", sorted(FAMILY_MODELS))
def test_load_run_rebuilds_the_model_the_run_evaluated(family, method, finished_run):
    run_dir, recorded = finished_run(family, method)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["final_val_loss"] == recorded

    run = load_run(run_dir)
    assert run.config["adapter"]["method"] == run.method.name
    assert isinstance(run.model, PeftModel) == (method not in ("freeze", "full"))
    assert not run.model.training and run.causal_lm.config.use_cache
    loss = independent_val_loss(run, evaluated_examples(run))
    assert loss == pytest.approx(recorded, abs=1e-4)
    # Ready to generate: the run's chat template, the KV cache on.
    assert run.template.name == run.config["model"]["chat_template"]
    ids = run.tokenizer(run.template.prompt([Message("user", "Hi")]), return_tensors="pt")
    ids.pop("token_type_ids", None)
    out = run.model.generate(**ids, max_new_tokens=2, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 2


def test_qlora_run_loads_on_the_unquantized_base_too(finished_run):
    import bitsandbytes as bnb

    run_dir, _ = finished_run("llama", "qlora")
    quantized = load_run(run_dir)
    full = load_run(run_dir, quantized=False)
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in quantized.model.modules())
    assert not any(isinstance(m, bnb.nn.Linear4bit) for m in full.model.modules())
    # The same adapter on the full-precision base: close to, not equal to, the 4-bit model.
    a = independent_val_loss(quantized, 4)
    b = independent_val_loss(full, 4)
    assert a != b and abs(a - b) < 0.5


def test_a_dir_without_a_finished_run_is_refused_clearly(tmp_path):
    with pytest.raises(RunError, match="no run dir"):
        load_run(tmp_path / "missing")
    with pytest.raises(RunError, match="holds no dsft run"):
        load_run(tmp_path)
    run_dir = tmp_path / "failed"
    run_dir.mkdir()
    (run_dir / "config.yaml").write_text("adapter: {method: lora}\n")
    (run_dir / "summary.json").write_text('{"status": "failed", "error": "KeyboardInterrupt: "}')
    with pytest.raises(RunError, match="status is failed .*adapter/ is missing.*resume="):
        load_run(run_dir)
    with pytest.raises(RunError, match="not a multi-stage run"):
        load_run(run_dir, stage="medical")
    # An experiment that failed in stage 2 lists only stage 1: no silent stage-1 model.
    experiment = tmp_path / "experiment"
    experiment.mkdir()
    (experiment / "summary.json").write_text(
        '{"status": "failed", "stages": [{"name": "general", "run_dir": "/elsewhere/1-general"}]}'
    )
    with pytest.raises(RunError, match="did not finish.*finished stages: general"):
        load_run(experiment)
    with pytest.raises(RunError, match="no run dir at .*experiment/1-general"):
        load_run(experiment, stage="general")  # the stage dir is looked up inside this dir

"""`dsft export`: every format passes its parity check on every family and method, the merged
model is usable by plain transformers with the trained chat template, and bad requests are
refused before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from dsft.data.tokenize import tokenize_conversations
from dsft.export.command import export_run
from dsft.export.errors import ExportError, ExportFailed
from dsft.models.chat_templates import Message
from dsft.runs import load_run
from tests.adapters.test_family_matrix import FAMILY_MODELS
from tests.conftest import run_dsft

pytestmark = pytest.mark.slow
EXPORT_METHODS = ("lora", "qlora", "dora", "pissa", "freeze")
CONVERSATION = [
    Message("system", "Answer in one word."),
    Message("user", "Is aspirin an NSAID?"),
    Message("assistant", "Yes."),
    Message("user", "And paracetamol?"),
    Message("assistant", "No."),
]


def record(folder: Path) -> dict:
    return json.loads((folder / "export.json").read_text())


@pytest.mark.parametrize("method", EXPORT_METHODS)
@pytest.mark.parametrize("family", sorted(FAMILY_MODELS))
def test_merged_onnx_and_torchscript_equal_the_trained_model(
    family, method, finished_run, tmp_path
):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run_dir, _ = finished_run(family, method)
    written = export_run(run_dir, "merged,onnx,torchscript", out=tmp_path)
    assert set(written) == {"merged", "onnx", "torchscript"}
    for fmt, folder in written.items():
        parity = record(folder)["parity"]
        assert record(folder)["passed"] and parity["max_abs_diff"] <= 1e-4, (fmt, parity)
        assert parity["shapes"][0][0] == 3 and parity["shapes"][1][0] == 1  # two batch sizes
    merged = record(written["merged"])["parity"]
    assert merged["greedy_equal"] and merged["vs_base_max_abs_diff"] > 1e-4

    # Independently of the export's own check: plain transformers on a new conversation.
    model = AutoModelForCausalLM.from_pretrained(written["merged"], dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(written["merged"])
    trained = load_run(run_dir, quantized=False)
    (example,), _ = tokenize_conversations(
        [CONVERSATION], trained.tokenizer, trained.template, 4096
    )
    dicts = [{"role": m.role, "content": m.content} for m in CONVERSATION]
    ids = tokenizer.apply_chat_template(dicts, return_dict=False)
    assert ids == example.input_ids
    with torch.inference_mode():
        got = model(input_ids=torch.tensor([ids])).logits
        want = trained.model(input_ids=torch.tensor([ids])).logits
    assert (got - want).abs().max().item() <= 1e-4


def copy_run(run_dir: Path, to: Path) -> Path:
    """A copy of a shared finished run that a test may change."""
    import shutil

    shutil.copytree(run_dir, to, ignore=shutil.ignore_patterns("export", "checkpoints"))
    return to


def test_default_export_refuses_to_overwrite_and_replaces_only_when_told(finished_run, tmp_path):
    run_dir = copy_run(finished_run("llama", "lora")[0], tmp_path / "run")
    proc = run_dsft("export", str(run_dir))
    assert proc.returncode == 0, proc.stderr[-3000:]
    merged = run_dir / "export" / "merged"
    assert proc.stdout.strip() == str(merged)
    assert "merged: ok (max |logit diff|" in proc.stderr
    first = record(merged)
    assert (merged / "model.safetensors").is_file() and (merged / "README.md").is_file()
    config = json.loads((merged / "tokenizer_config.json").read_text())
    assert "chat_template" in config  # in tokenizer_config.json, where every loader looks
    card = (merged / "README.md").read_text()
    assert "llama_tiny" in card and "final_val_loss" in card

    again = run_dsft("export", str(run_dir))
    assert (
        again.returncode == 2 and "already there" in again.stderr and "--overwrite" in again.stderr
    )
    assert record(merged)["created"] == first["created"]
    replaced = run_dsft("export", str(run_dir), "--overwrite")
    assert replaced.returncode == 0, replaced.stderr[-3000:]
    assert sorted(p.name for p in (run_dir / "export").iterdir()) == ["merged"]  # no leftovers


def test_nf4_adapter_and_pt2_exports(finished_run, tmp_path):
    import bitsandbytes as bnb
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    run_dir, _ = finished_run("llama", "lora")
    written = export_run(run_dir, "nf4,adapter,pt2", out=tmp_path)
    nf4 = record(written["nf4"])["parity"]
    assert 0 < nf4["weights_4bit"] < nf4["weights_total"]
    assert 0 < nf4["size_ratio_to_merged"] < 1 and 0 <= nf4["top1_agreement"] <= 1
    quantized = AutoModelForCausalLM.from_pretrained(written["nf4"])  # no extra config
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in quantized.modules())
    assert record(written["adapter"])["parity"]["max_abs_diff"] <= 1e-4
    config = json.loads((written["adapter"] / "adapter_config.json").read_text())
    base = AutoModelForCausalLM.from_pretrained(config["base_model_name_or_path"])
    assert isinstance(PeftModel.from_pretrained(base, written["adapter"]), PeftModel)
    assert record(written["pt2"])["parity"]["max_abs_diff"] <= 1e-4


def test_a_merge_that_changes_nothing_is_kept_aside_as_failed(finished_run, tmp_path):
    untrained = copy_run(finished_run("llama", "lora")[0], tmp_path / "run")
    weights = untrained / "adapter" / "adapter_model.safetensors"
    tensors = load_file(weights)
    save_file({k: v * 0 if "lora_B" in k else v for k, v in tensors.items()}, weights)
    with pytest.raises(ExportFailed, match="merged, nf4 failed"):
        export_run(untrained, "merged,nf4")
    export = untrained / "export"
    assert sorted(p.name for p in export.iterdir()) == ["merged.failed", "nf4.failed"]
    assert "the merged model equals the base model" in " ".join(
        record(export / "merged.failed")["parity"]["failures"]
    )
    # nf4 is built from the merge, so a merge that did nothing fails it too.
    assert "the merge did nothing" in " ".join(record(export / "nf4.failed")["parity"]["failures"])


def test_a_stage_of_a_multi_stage_run_exports(finished_run, tmp_path):
    experiment = tmp_path / "experiment"
    experiment.mkdir()
    copy_run(finished_run("llama", "lora")[0], experiment / "1-general")
    summary = {"status": "completed", "stages": [{"name": "general", "run_dir": "/x/1-general"}]}
    (experiment / "summary.json").write_text(json.dumps(summary))
    written = export_run(experiment, "merged", stage="general", out=tmp_path / "out")
    assert record(written["merged"])["run_dir"] == str(experiment / "1-general")
    assert export_run(experiment, "merged", out=tmp_path / "last")  # the last stage by default


def test_bad_requests_are_refused_before_loading(finished_run, tmp_path):
    run_dir, _ = finished_run("llama", "freeze")
    with pytest.raises(ExportError, match="unknown export format gguf; known: merged"):
        export_run(run_dir, "merged,gguf")
    with pytest.raises(ExportError, match="adapter=freeze trains the model's own weights"):
        export_run(run_dir, "adapter")
    v3, _ = finished_run("deepseek_v3", "lora")
    with pytest.raises(ExportError, match="huggingface/peft#3711"):
        export_run(v3, "adapter")
    with pytest.raises(ExportError, match="no CUDA GPU is available here"):
        export_run(run_dir, "merged", device="cuda")
    proc = run_dsft("export", str(tmp_path / "nothing"))
    assert proc.returncode == 2 and "no run dir" in proc.stderr and "Traceback" not in proc.stderr


def test_a_qlora_run_whose_base_cannot_be_loaded_is_a_clear_error(finished_run, tmp_path):
    import shutil

    import yaml

    run_dir, _ = finished_run("llama", "qlora")
    moved = tmp_path / "run"
    shutil.copytree(run_dir, moved, ignore=shutil.ignore_patterns("export", "checkpoints"))
    config = yaml.safe_load((moved / "config.yaml").read_text())
    config["model"].update(random_init=None, hub_id=str(tmp_path / "gone"))
    (moved / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(ExportError, match="the unquantized base model cannot be loaded"):
        export_run(moved, "merged", out=tmp_path / "out")
    assert not (tmp_path / "out" / "merged").exists()

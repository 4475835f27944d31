"""End-to-end runs of `python train.py` on the tiny model, CPU only."""

from __future__ import annotations

import pytest
import torch
import yaml
from transformers import AutoModelForCausalLM

from dsft.models.loading import load_model_tokenizer, resolve_model_source
from dsft.runs import load_run
from tests import run_helpers
from tests.conftest import FAST, assert_ok, read_summary, run_train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("lora") / "run"
    proc = run_train([*FAST, "train.max_steps=12", "train.val_every_n_steps=6"], run_dir)
    assert_ok(proc)
    return run_dir


def test_run_dir_has_everything(lora_run):
    for name in (
        "config.yaml",
        "summary.json",
        "adapter/adapter_config.json",
        "adapter/adapter_model.safetensors",
        "csv/metrics.csv",
        "checkpoints/last.ckpt",
        ".hydra/overrides.yaml",
    ):
        assert (lora_run / name).exists(), name
    summary = read_summary(lora_run)
    assert summary["status"] == "completed" and summary["global_step"] == 12
    for key in (
        "final_train_loss",
        "final_val_loss",
        "initial_val_loss",
        "tokens_seen",
        "tokens_per_s",
        "peak_rss_mb",
        "wall_time_s",
        "packages",
        "git",
    ):
        assert summary[key] is not None, key
    assert summary["tokens_seen"] > 0 and summary["tokens_per_s"] > 0
    assert summary["packages"]["torch"] and summary["packages"]["peft"]
    assert summary["final_val_loss"] < summary["initial_val_loss"] - 0.5


def test_metrics_csv_logs_losses_lr_grad_norm_and_throughput(lora_run):
    header = (lora_run / "csv" / "metrics.csv").read_text().splitlines()[0].split(",")
    for column in ("train/loss", "val/loss", "lr-AdamW", "train/grad_norm", "train/tokens_per_s"):
        assert column in header, header


def test_checkpoint_holds_only_adapter_weights(lora_run):
    ckpt = torch.load(lora_run / "checkpoints" / "last.ckpt", weights_only=False)
    names = list(ckpt["state_dict"])
    assert names and all("lora_" in n for n in names)
    assert "optimizer_states" in ckpt and ckpt["global_step"] == 12
    hparams = ckpt["hyper_parameters"]
    assert isinstance(hparams["adapter"], dict) and hparams["adapter"]["r"] == 16


def independent_val_loss(run_dir) -> float:
    """The run's model rebuilt by load_run, scored by transformers' own logits."""
    return run_helpers.independent_val_loss(load_run(run_dir))


def test_saved_adapter_reproduces_final_val_loss(lora_run):
    summary = read_summary(lora_run)
    assert abs(independent_val_loss(lora_run) - summary["final_val_loss"]) < 1e-4


def test_existing_run_dir_is_never_overwritten(lora_run):
    files = ("summary.json", ".hydra/overrides.yaml", ".hydra/config.yaml", "train.log")
    before = {name: (lora_run / name).read_bytes() for name in files}
    proc = run_train([*FAST, "adapter.r=4"], lora_run)
    assert proc.returncode == 2
    assert "never overwritten" in proc.stderr and str(lora_run) in proc.stderr
    assert {name: (lora_run / name).read_bytes() for name in files} == before


def test_summary_records_the_measured_peak_next_to_the_plan(lora_run):
    memory = read_summary(lora_run)["memory"]
    assert memory["rss_peak_mb"] > memory["rss_before_model_mb"] > 0
    assert memory["training_rss_mb"] > 0 and memory["predicted_mb"] > 0
    assert {"activations", "loss (fused)", "optimizer states"} <= set(memory["predicted_terms_mb"])
    # The bench holds the plan to 15%; here only that both describe the same run.
    assert 0.5 < memory["predicted_mb"] / memory["training_rss_mb"] < 2


def test_resume_continues_from_the_checkpoint_in_a_new_dir(lora_run, tmp_path):
    resumed = tmp_path / "resumed"
    proc = run_train([*FAST, "train.max_steps=15", f"resume={lora_run}"], resumed)
    assert_ok(proc)
    summary = read_summary(resumed)
    assert summary["status"] == "completed"
    assert summary["resumed_from"] == str(lora_run / "checkpoints" / "last.ckpt")
    assert summary["global_step"] == 15
    # The token count continues the run's: its 12 steps, then 3 more.
    assert summary["tokens_seen"] > read_summary(lora_run)["tokens_seen"] > 0


def test_qlora_with_4_bit_experts_trains_like_lora(tmp_path):
    """The tiny V3 under QLoRA (its routed experts in 4 bits too) reaches the val loss of fp32
    LoRA within 2% after 20 steps on the bundled data."""
    steps = [
        *FAST,
        "train.max_steps=20",
        "train.val_every_n_steps=20",
        "train.save_every_n_steps=20",
    ]
    runs = {}
    for adapter in ("lora", "qlora"):
        runs[adapter] = tmp_path / adapter
        assert_ok(run_train([*steps, f"adapter={adapter}"], runs[adapter]))
    log = (runs["qlora"] / "train.log").read_text()
    assert "4-bit layers: 16 bitsandbytes Linear4bit and 98,304 fused MoE expert weights" in log
    assert "routed experts 98,304" in log and "stay unquantized" not in log
    lora, qlora = read_summary(runs["lora"]), read_summary(runs["qlora"])
    assert qlora["status"] == "completed"
    assert qlora["final_val_loss"] < 0.95 * qlora["initial_val_loss"]
    assert abs(qlora["final_val_loss"] - lora["final_val_loss"]) / lora["final_val_loss"] < 0.02


def test_tensorboard_logger_records_hparams_and_metrics(tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    run_dir = tmp_path / "tb"
    assert_ok(run_train([*FAST, "train.max_steps=3", "logger=tensorboard"], run_dir))
    tags, hparams = set(), b""
    for events in (run_dir / "tensorboard").glob("events.out.tfevents.*"):
        for event in EventFileLoader(str(events)).Load():
            for value in event.summary.value:
                tags.add(value.tag)
                if value.metadata.plugin_data.plugin_name == "hparams":
                    hparams += value.metadata.plugin_data.content
    assert {"train/loss", "val/loss", "hp/final_val_loss"} <= tags
    assert b"adapter/r" in hparams and b"optimizer/lr" in hparams  # the hyper-parameters
    assert (run_dir / "csv" / "metrics.csv").is_file()  # the CSV logger still runs beside it


def test_freeze_trains_the_last_layer_and_saves_a_complete_model(tmp_path):
    run_dir = tmp_path / "run"
    assert_ok(run_train([*FAST, "adapter=freeze", "adapter.trainable_layers=1"], run_dir))
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and not (run_dir / "adapter").exists()
    assert summary["saved"] == str(run_dir / "model")
    ckpt = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=False)
    assert ckpt["state_dict"] and all(
        k.startswith("model.model.layers.1.") for k in ckpt["state_dict"]
    )
    # The saved dir is a plain checkpoint: transformers alone loads it, tokenizer included.
    model = AutoModelForCausalLM.from_pretrained(run_dir / "model")
    cfg = yaml.safe_load((run_dir / "config.yaml").read_text())
    base = AutoModelForCausalLM.from_pretrained(
        resolve_model_source(cfg["model"], cfg["paths"]["cache_dir"])
    )
    trained, original = model.state_dict(), base.state_dict()
    changed = {k for k in original if not torch.equal(trained[k], original[k])}
    assert changed and all(k.startswith("model.layers.1.") for k in changed)
    assert load_model_tokenizer({"tokenizer": None}, str(run_dir / "model")).vocab_size > 0


def test_adalora_prunes_ranks_and_resumes_in_its_final_phase(tmp_path):
    run_dir = tmp_path / "run"
    # 6 steps, the last half with the ranks fixed: the final allocation happens at step 3.
    assert_ok(run_train([*FAST, "adapter=adalora", "adapter.adalora.final_fraction=0.5"], run_dir))
    config = yaml.safe_load((run_dir / "adapter" / "adapter_config.json").read_text())
    assert config["peft_type"] == "ADALORA" and config["total_step"] == 6
    # The final allocation kept exactly target_r singular values per adapted module on average.
    kept = [sum(mask) for mask in config["rank_pattern"].values()]
    assert kept and sum(kept) == config["target_r"] * len(kept) and max(kept) <= config["init_r"]
    assert read_summary(run_dir)["status"] == "completed"
    # Resumed at step 6 of 10 (final phase from step 5): the rank pattern comes from the
    # checkpoint; without it peft's masking step fails.
    resumed = tmp_path / "resumed"
    proc = run_train(
        [
            *FAST,
            "adapter=adalora",
            "adapter.adalora.final_fraction=0.5",
            "train.max_steps=10",
            f"resume={run_dir}",
        ],
        resumed,
    )
    assert_ok(proc)
    summary = read_summary(resumed)
    assert summary["status"] == "completed" and summary["global_step"] == 10
    config = yaml.safe_load((resumed / "adapter" / "adapter_config.json").read_text())
    assert config["rank_pattern"] and config["total_step"] == 10


def test_ddp_with_length_grouped_batches_takes_the_steps_of_one_process(tmp_path):
    """Each of two ranks trains on its half of the global batch one process would train on (the
    default length-grouped batches): the result is the same run, within float reduction order."""
    single, ddp = tmp_path / "single", tmp_path / "ddp"
    assert_ok(run_train([*FAST, "hardware.micro_batch_size=4"], single))
    assert_ok(
        run_train([*FAST, "hardware.micro_batch_size=2", "hardware.devices=2", "strategy=ddp"], ddp)
    )
    one, two = read_summary(single), read_summary(ddp)
    assert two["status"] == "completed" and two["global_step"] == one["global_step"] == 6
    assert one["final_val_loss"] < one["initial_val_loss"]
    assert abs(two["initial_val_loss"] - one["initial_val_loss"]) < 1e-4
    assert abs(two["final_val_loss"] - one["final_val_loss"]) < 1e-4


def test_ddp_on_two_cpu_processes_trains_one_run(tmp_path):
    """Real DDP: Lightning starts a second process (gloo) with rank 0's command and run dir."""
    single, ddp = tmp_path / "single", tmp_path / "ddp"
    common = [*FAST, "data.group_by_length=false"]
    assert_ok(run_train(common, single))
    assert_ok(run_train([*common, "hardware.devices=2", "strategy=ddp"], ddp))
    summary = read_summary(ddp)
    assert summary["status"] == "completed" and summary["global_step"] == 6
    # The rank-1 worker joined this run (its log is here) instead of starting one.
    assert (ddp / "train_ddp_process_1.log").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddp", "single"]
    # Two ranks, each with its own 4 examples per step: about twice the tokens of one process.
    ratio = summary["tokens_seen"] / read_summary(single)["tokens_seen"]
    assert 1.5 < ratio < 2.5
    # The val loss reduced over both ranks equals an independent single-process evaluation.
    assert abs(independent_val_loss(ddp) - summary["final_val_loss"]) < 1e-4


def test_progress_lines_without_a_terminal_and_only_in_train_log_on_one(tmp_path):
    """Piped (no terminal): a line every N steps on the console and in train.log, no bar. On a
    pseudo-terminal: the lines only in train.log."""
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import ROOT

    args = [*FAST, "callbacks.progress.every_n_steps=2"]
    piped = tmp_path / "piped"
    proc = run_train(args, piped)
    assert_ok(proc)
    lines = [line for line in proc.stdout.splitlines() if "dsft.progress" in line]
    assert [line.split(" - ")[1].split(" |")[0] for line in lines] == [
        "step 2/6",
        "step 4/6",
        "step 6/6",
    ]
    assert "train loss" in lines[0] and "tok/s" in lines[0] and "ETA" in lines[0]
    assert "val loss" in lines[1] and "(step 3)" in lines[1]  # new since the line before
    assert "Epoch 0" not in proc.stdout  # no progress bar without a terminal
    assert (
        sum("dsft.progress" in line for line in (piped / "train.log").read_text().splitlines()) == 3
    )

    tty = tmp_path / "tty"
    leader, follower = pty.openpty()
    cmd = [sys.executable, str(ROOT / "train.py"), f"hydra.run.dir={tty}", *args]
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    assert child.wait(timeout=600) == 0, screen[-2000:]
    os.close(leader)
    assert b"dsft.progress" not in screen
    assert b"Epoch 0 " in screen and b"Epoch 0/-2" not in screen  # the bar, for max_epochs -1
    assert b"loading torch, the tokenizer and the data" in screen  # before the slow imports
    assert (
        sum("dsft.progress" in line for line in (tty / "train.log").read_text().splitlines()) == 3
    )


def test_fsdp_on_two_cpu_processes_equals_one_process_and_saves_one_adapter(tmp_path):
    """strategy=fsdp (FSDP2 through Lightning, gloo): each rank holds half of every weight; the
    run ends where one process with the same global batch does; one loadable adapter."""
    from safetensors.torch import load_file

    common = [*FAST, "model=llama_tiny"]
    single, fsdp = tmp_path / "single", tmp_path / "fsdp"
    assert_ok(run_train([*common, "hardware.micro_batch_size=4"], single))
    two = [*common, "hardware.micro_batch_size=2", "hardware.devices=2", "strategy=fsdp"]
    assert_ok(run_train(two, fsdp))
    log = (fsdp / "train.log").read_text()
    assert "FSDP over 2 ranks: this rank holds" in log and "(50.0%)" in log
    one, sharded = read_summary(single), read_summary(fsdp)
    assert sharded["status"] == "completed" and sharded["global_step"] == 6
    assert abs(sharded["final_val_loss"] - one["final_val_loss"]) < 1e-4
    assert "train/grad_norm" in (fsdp / "csv" / "metrics.csv").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fsdp", "single"]
    a = load_file(fsdp / "adapter" / "adapter_model.safetensors")
    b = load_file(single / "adapter" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
    assert max(float((a[k] - b[k]).abs().max()) for k in a) < 1e-4
    run = load_run(fsdp)  # the whole adapter, on an unsharded model
    assert run.model is not None


def test_fast_dev_run_is_honoured(tmp_path):
    """`+trainer.fast_dev_run=true` (any Trainer flag passes through the trainer group): one
    step, then the run ends completed."""
    run_dir = tmp_path / "run"
    assert_ok(run_train(["+trainer.fast_dev_run=true", "data.max_examples=64"], run_dir))
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and summary["global_step"] == 1

"""`dsft plan` and `python train.py plan=true`: the table, the verdict, the changes that make a
run fit, and the refusal before anything loads."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace

import pytest

from dsft.planning.memory import GIB, plan_memory, setup_from_config
from tests.conftest import ROOT, assert_ok, compose_config, run_dsft, run_train


def test_plan_prints_the_table_fast_without_torch():
    code = (
        "import sys; from dsft.cli import main; "
        "rc = main(['plan', 'model=deepseek_v2_lite', 'adapter=qlora', 'hardware=a100']); "
        "print('torch imported:', 'torch' in sys.modules); sys.exit(rc)"
    )
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for term in ("weights, 4-bit", "weights, fp32", "adapter parameters", "gradients"):
        assert term in out
    assert "optimizer states" in out and "activations" in out and "loss (fused)" in out
    assert "14,394,851,328 experts" in out  # the routed experts are 4-bit too
    assert "fits" in out and "torch imported: False" in out
    assert elapsed < 3, elapsed


def test_a_run_that_does_not_fit_gets_changes_that_do():
    proc = run_dsft("plan", "model=deepseek_v2_lite", "hardware=a100", "hardware.memory_gb=24")
    assert proc.returncode == 1, proc.stderr
    assert "does NOT fit" in proc.stdout
    assert "adapter=qlora" in proc.stdout
    # What the plan says of the change is what planning with it says.
    changed = setup_from_config(
        compose_config(
            ["model=deepseek_v2_lite", "hardware=a100", "hardware.memory_gb=24", "adapter=qlora"]
        )
    )
    assert plan_memory(changed).fits


def test_micro_batch_is_halved_with_accumulation_kept_global():
    setup = setup_from_config(
        compose_config(["model=deepseek_r1_distill_qwen_7b", "hardware=a100"])
    )
    needed = plan_memory(setup, suggest=False).total
    halved = plan_memory(replace(setup, micro_batch=4, grad_accum=8), suggest=False).total
    assert halved < needed
    # A device between the two: halving the micro-batch is the mildest change that fits.
    plan = plan_memory(replace(setup, memory_bytes=(needed + halved) / 2))
    assert plan.fits is False
    first = plan.changes[0]
    assert first.overrides == ["hardware.micro_batch_size=4", "hardware.grad_accum=8"]
    assert first.plan.fits and first.plan.total == pytest.approx(halved)


def test_checkpointing_and_length_trade_memory_as_expected():
    base = ["model=deepseek_r1_distill_llama_8b", "hardware=a100", "data.max_length=4096"]
    off = plan_memory(
        setup_from_config(compose_config([*base, "hardware.gradient_checkpointing=false"]))
    )
    on = plan_memory(
        setup_from_config(compose_config([*base, "hardware.gradient_checkpointing=true"]))
    )

    def activations(plan):
        return sum(t.bytes for t in plan.terms if t.name == "activations")

    assert activations(off) > 10 * activations(on) > 0
    short = plan_memory(setup_from_config(compose_config([*base[:-1], "data.max_length=1024"])))
    assert short.total < on.total
    assert 7.5 * GIB < on.total < 80 * GIB  # 8B in bf16 is ~15 GiB of weights alone
    assert on.terms[0].bytes == pytest.approx(8.03e9 * 2, rel=0.01)


@pytest.mark.slow
def test_train_refuses_a_run_the_plan_says_does_not_fit(tmp_path):
    run_dir = tmp_path / "refused"
    proc = run_train(["plan=true", "hardware.memory_gb=0.05", "debug=fast"], run_dir)
    assert proc.returncode == 2
    assert "Memory plan" in proc.stdout and "plan.force=true" in proc.stderr
    assert not (run_dir / "adapter").exists()
    forced = tmp_path / "forced"
    assert_ok(
        run_train(["plan=true", "plan.force=true", "hardware.memory_gb=0.05", "debug=fast"], forced)
    )
    assert "does NOT fit" in (forced / "train.log").read_text()
    assert proc.stdout.count("Memory plan") == 1  # not again from the console log handler


def test_fsdp_divides_weights_and_states_over_devices_and_is_suggested():
    base = ["model=deepseek_r1_distill_qwen_32b", "hardware=a100", "hardware.memory_gb=40"]
    plan = plan_memory(setup_from_config(compose_config(base)))
    assert plan.fits is False
    suggested = [" ".join(c.overrides) for c in plan.changes]
    assert "strategy=fsdp hardware.devices=2" in suggested
    sharded = plan_memory(
        setup_from_config(compose_config([*base, "strategy=fsdp", "hardware.devices=2"]))
    )
    assert sharded.fits

    def weights(p):
        return next(t.bytes for t in p.terms if t.name.startswith("weights"))

    assert weights(sharded) == pytest.approx(weights(plan) / 2)
    # MoE models do not shard yet: never suggested for them.
    moe = plan_memory(
        setup_from_config(
            compose_config(["model=deepseek_v2_lite", "hardware=a100", "hardware.memory_gb=24"])
        )
    )
    assert not any("strategy=fsdp" in " ".join(c.overrides) for c in moe.changes)


def test_a_method_the_planner_does_not_know_never_fails_its_run(monkeypatch, caplog):
    """A user's method without `planned_trainable`: the run's summary just has no prediction."""
    from dsft.adapters.method import AdapterMethod
    from dsft.adapters.methods.lora import LoRA
    from dsft.training.run import predicted_memory

    monkeypatch.setattr(LoRA, "planned_trainable", AdapterMethod.planned_trainable)
    assert predicted_memory(compose_config([]), {}) == {}
    assert "does not tell the memory planner what it trains" in caplog.text

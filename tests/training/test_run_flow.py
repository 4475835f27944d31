"""The run flow from config: trainer flags and callbacks as nodes, debug=fast, who writes the
record, and what a run leaves behind (and does not)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from dsft.runs import load_run
from dsft.training.hydra_callbacks import is_ddp_worker
from tests.conftest import assert_ok, read_summary, run_train
from tests.run_helpers import independent_val_loss, train_in_process


@pytest.mark.slow
def test_debug_fast_runs_the_whole_flow_with_trainer_flags_from_the_command_line(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_train(
        ["debug=fast", "trainer.limit_val_batches=1", "+trainer.profiler=simple"], run_dir
    )
    assert_ok(proc)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed" and summary["global_step"] == 4
    assert "Profiler Report" in proc.stdout + proc.stderr  # +trainer.profiler reached Lightning
    # Every evaluation saw exactly one batch of 4 examples (trainer.limit_val_batches=1).
    run = load_run(run_dir)
    assert run.config["trainer"]["limit_val_batches"] == 1
    assert independent_val_loss(run, 4) == pytest.approx(summary["final_val_loss"], abs=1e-4)
    assert independent_val_loss(run) != pytest.approx(summary["final_val_loss"], abs=1e-4)


def test_an_unknown_trainer_key_fails_at_composition(tmp_path):
    proc = run_train(["trainer.max_stepz=3"], tmp_path / "run")
    assert proc.returncode == 1
    assert "max_stepz" in proc.stderr and "TrainerConfig" in proc.stderr
    assert not (tmp_path / "run" / "summary.json").exists()


@pytest.mark.slow
def test_callbacks_are_nodes_that_can_be_removed_or_added(tmp_path):
    run_dir = tmp_path / "run"
    extra = "+callbacks.summary._target_=lightning.pytorch.callbacks.ModelSummary"
    assert_ok(run_train(["debug=fast", "callbacks.checkpoint=null", extra], run_dir))
    # The checkpoint callback was left out, and Lightning did not add its own.
    assert not list(run_dir.rglob("*.ckpt"))
    assert read_summary(run_dir)["status"] == "completed"


@pytest.mark.parametrize(
    ("env", "worker"),
    [
        ({}, False),
        ({"LOCAL_RANK": "0", "NODE_RANK": "0"}, False),
        ({"LOCAL_RANK": "1"}, True),
        ({"LOCAL_RANK": "0", "NODE_RANK": "1"}, True),  # rank 0 of the second node
        ({"RANK": "5", "LOCAL_RANK": "1"}, True),
        ({"SLURM_PROCID": "2"}, True),
        ({"RANK": "0", "LOCAL_RANK": "0", "SLURM_PROCID": "0"}, False),
    ],
)
def test_only_global_rank_zero_writes_the_run_record(env, worker, monkeypatch):
    for variable in ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    assert is_ddp_worker() is worker


@pytest.mark.slow
def test_pissa_leaves_no_temp_dir_behind(tmp_path):
    def pissa_dirs() -> set[Path]:
        return set(Path(tempfile.gettempdir()).glob("dsft-pissa-*"))

    before = pissa_dirs()
    train_in_process(["model=llama_tiny", "adapter=pissa", "debug=fast"], tmp_path / "run")
    assert pissa_dirs() == before
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()

"""`dsft eval RUN [overrides]`: compose the suite, check it, load the run, evaluate, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def compose_group(group: str, option: str) -> dict[str, Any]:
    """One config group's option (e.g. data=medical), composed and resolved as train.py would."""
    return _compose([f"{group}={option}"], group)


def compose_suite(overrides: list[str]) -> dict[str, Any]:
    """The `eval` node of conf/train.yaml with the overrides (`eval=default` unless given)."""
    if not any(o.startswith("eval=") for o in overrides):
        overrides = ["eval=default", *overrides]
    # A task's YAML states only what it changes, so its other options are added, not overridden
    # (`++`); check_suite still refuses a key the task's schema does not have.
    overrides = [f"++{o}" if o.startswith("eval.tasks.") else o for o in overrides]
    return _compose(overrides, "eval")


def _compose(overrides: list[str], group: str) -> dict[str, Any]:
    """conf/train.yaml composed with the overrides; the `group` node, resolved and plain."""
    from omegaconf import OmegaConf

    from dsft.config.compose import compose_train

    cfg = compose_train(overrides, group)
    return OmegaConf.to_container(cfg[group], resolve=True, enum_to_str=True)


def evaluate_run(
    run_dir: str,
    overrides: list[str],
    stage: str | None = None,
    overwrite: bool = False,
    against: str | None = None,
) -> Path:
    """Evaluate a finished run with a suite (and A/B it against its base or another run);
    returns the results file (the A/B file with `against`)."""
    from dsft.evaluation.report import print_results
    from dsft.evaluation.suite import check_suite, run_suite, write_results
    from dsft.runs import load_run

    suite = compose_suite(overrides)
    check_suite(suite)  # bad files and keys fail here, before the model loads
    run = load_run(run_dir, stage=stage)
    if against is not None:  # both must exist before either is evaluated
        other = (
            load_run(run_dir, stage=stage, base=True) if against == "base" else load_run(against)
        )
    results = run_suite(run, suite)
    path = write_results(run.run_dir, results, overwrite=overwrite)
    print_results(results, path)
    _report(run, results)
    if against is None:
        return path
    same_data = run.config["data"] == other.config["data"]
    return _ab(run, results, run_suite(other, suite), against, overwrite, same_data)


def _report(run, results: dict) -> None:
    """The run's own loggers get the metrics too (TensorBoard, W&B)."""
    from dsft.evaluation.loggers import report_to_run_loggers
    from dsft.evaluation.suite import metrics_of

    step = int(run.summary.get("global_step") or 0)
    for target in report_to_run_loggers(run.run_dir, run.config, metrics_of(results), step):
        print(f"also logged to {target}")


def _ab(run, results, other_results, against: str, overwrite: bool, same_data: bool) -> Path:
    from dsft.evaluation.ab import compare_results, verdicts
    from dsft.evaluation.suite import write_results

    label_a = "adapter" if against == "base" else run.run_dir.name
    label_b = "base" if against == "base" else Path(against).name
    comparison = compare_results(results, other_results, same_data)
    lines = verdicts(comparison, label_a, label_b)
    record = {
        "suite": results["suite"],
        "a": str(run.run_dir),
        "b": "base" if against == "base" else str(against),
        "comparison": comparison,
        "verdicts": lines,
        "b_results": other_results,
    }
    path = write_results(run.run_dir, record, overwrite=overwrite, name=f"ab-{label_b}")
    for line in lines:
        print(line)
    print(f"A/B written to {path}")
    return path

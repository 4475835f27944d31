"""An evaluation suite on a finished run: check it, run its tasks, write the results.

results = run_suite(load_run(run_dir), suite_cfg)   # suite_cfg: a plain `eval` node
path = write_results(run_dir, results)              # <run>/eval/<suite>.json, never over one
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import time
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from dsft.config.errors import ConfigError
from dsft.evaluation.tasks import SCORES, TASK_TYPES


def check_suite(suite: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each task merged onto its type's schema (unknown keys refused) and its files read and
    checked, before any model loads; returns the tasks with their defaults filled in."""
    from dsft.evaluation.mc_data import read_questions

    if not suite.get("tasks"):
        raise ConfigError("eval.tasks", "the suite has no tasks; add one, e.g. perplexity.")
    checked = {}
    for name, node in suite["tasks"].items():
        key = f"eval.tasks.{name}"
        kind = (node or {}).get("type")
        if kind not in TASK_TYPES:
            raise ConfigError(
                f"{key}.type", f"unknown task {kind!r}; known: {', '.join(TASK_TYPES)}."
            )
        try:
            task = OmegaConf.to_container(
                OmegaConf.merge(OmegaConf.structured(TASK_TYPES[kind]), node), throw_on_missing=True
            )
        except Exception as err:  # OmegaConf names the key
            raise ConfigError(key, str(err).splitlines()[0]) from None
        if kind == "multiple_choice":
            if task["score"] not in SCORES:
                raise ConfigError(f"{key}.score", f"must be one of {', '.join(SCORES)}.")
            read_questions(task["path"])
            if task["k_shot"] and not task["dev_path"]:
                raise ConfigError(f"{key}.k_shot", "k-shot examples need a dev_path file.")
            if task["dev_path"]:
                read_questions(task["dev_path"])
        if kind == "harness" and importlib.util.find_spec("lm_eval") is None:
            raise ConfigError(
                f"{key}.type",
                'harness tasks need lm-evaluation-harness: pip install "lm-eval[hf]" (or the '
                "dsft extra: pip install -e '.[eval]').",
            )
        if kind == "latency" and (task["repeats"] < 1 or task["max_new_tokens"] < 2):
            raise ConfigError(key, "needs repeats >= 1 and max_new_tokens >= 2.")
        checked[name] = task
    return checked


def metrics_of(results: dict[str, Any]) -> dict[str, Any]:
    """{task: {metric: value}}: what summary.json and the loggers keep of a suite's results."""
    return {name: task["metrics"] for name, task in results["tasks"].items()}


def run_suite(run, suite: dict[str, Any]) -> dict[str, Any]:
    """Run every task of the suite on a loaded run; memory tasks last (they report peaks)."""
    from dsft.evaluation.harness import evaluate_harness
    from dsft.evaluation.latency import evaluate_latency
    from dsft.evaluation.memory import evaluate_memory
    from dsft.evaluation.multiple_choice import evaluate_multiple_choice
    from dsft.evaluation.perplexity import evaluate_perplexity
    from dsft.tracking.run_summary import package_versions

    runners = {
        "perplexity": evaluate_perplexity,
        "multiple_choice": evaluate_multiple_choice,
        "latency": evaluate_latency,
        "memory": evaluate_memory,
        "harness": evaluate_harness,
    }
    tasks = check_suite(suite)
    order = sorted(tasks, key=lambda n: tasks[n]["type"] == "memory")
    results: dict[str, Any] = {}
    for name in order:
        started = time.perf_counter()
        outcome = runners[tasks[name]["type"]](run, tasks[name])
        outcome.update(config=tasks[name], seconds=round(time.perf_counter() - started, 2))
        results[name] = outcome
    return {
        "suite": suite["name"],
        "run_dir": str(run.run_dir),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "packages": package_versions(),
        "tasks": results,
    }


def write_results(
    run_dir: Path, results: dict[str, Any], overwrite: bool = False, name: str | None = None
) -> Path:
    """<run>/eval/<name>.json (name: the suite's); a new <name>-<n>.json when one exists
    (unless `overwrite`)."""
    from dsft.atomic import write_json_atomic

    name = name or results["suite"]
    folder = Path(run_dir) / "eval"
    path = folder / f"{name}.json"
    number = 2
    while path.exists() and not overwrite:
        path = folder / f"{name}-{number}.json"
        number += 1
    write_json_atomic(path, results)
    return path

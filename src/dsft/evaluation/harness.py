"""lm-evaluation-harness tasks on the loaded model (adapter included), offline with local YAMLs."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def evaluate_harness(run, task: dict[str, Any]) -> dict[str, Any]:
    """lm-eval's metrics per task (`<task>/acc`, ...) and, per task, each document's `acc`."""
    import lm_eval
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    logging.getLogger("lm-eval").setLevel(logging.WARNING)
    model = HFLM(pretrained=run.model, tokenizer=run.tokenizer, batch_size=task["batch_size"])
    output = lm_eval.simple_evaluate(
        model=model,
        tasks=list(task["tasks"]),
        num_fewshot=task["num_fewshot"],
        limit=task["limit"],
        task_manager=TaskManager(include_path=task["include_path"]),
        log_samples=True,
    )
    metrics, items = {}, {}
    for name, values in output["results"].items():
        for key, value in values.items():
            metric, _, _filter = key.partition(",")
            if isinstance(value, int | float) and not isinstance(value, bool):
                metrics[f"{name}/{metric}"] = float(value)
        samples = sorted(output["samples"].get(name, []), key=lambda s: s["doc_id"])
        items[name] = [{"doc_id": s["doc_id"], "acc": s.get("acc")} for s in samples]
    return {"metrics": metrics, "n": {k: len(v) for k, v in items.items()}, "items": items}

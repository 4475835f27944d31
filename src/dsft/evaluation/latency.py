"""Time to first token and decode speed of greedy generation with the KV cache."""

from __future__ import annotations

import statistics
import time
from typing import Any

from dsft.models.chat_templates import Message


class _Clock:
    """A transformers streamer that only notes when tokens arrive."""

    def __init__(self):
        self.times: list[float] = []

    def put(self, value) -> None:  # first call: the prompt; then one call per new token
        self.times.append(time.perf_counter())

    def end(self) -> None:
        self.times.append(time.perf_counter())


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between order statistics."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def evaluate_latency(run, task: dict[str, Any]) -> dict[str, Any]:
    """TTFT P50/P90/P99 and decode tokens/s over prompts x repeats timed generations."""
    prompts = [run.template.prompt([Message("user", p)]) for p in task["prompts"]]
    # The prompts carry the template's BOS, as the training data did.
    options = dict(return_tensors="pt", return_token_type_ids=False, add_special_tokens=False)
    encoded = [run.tokenizer(p, **options) for p in prompts]
    device = next(run.model.parameters()).device
    encoded = [{k: v.to(device) for k, v in e.items()} for e in encoded]
    for inputs in encoded[:1] * task["warmup"]:
        _generate(run, inputs, task["max_new_tokens"])
    ttft, decode = [], []
    for _ in range(task["repeats"]):
        for inputs in encoded:
            first, speed = _generate(run, inputs, task["max_new_tokens"])
            ttft.append(first)
            if speed is not None:
                decode.append(speed)
    metrics = {f"ttft_p{q}_ms": 1000 * percentile(ttft, q) for q in (50, 90, 99)}
    metrics["decode_tokens_per_s"] = statistics.median(decode) if decode else None
    items = {"ttft_s": ttft, "decode": decode}
    if task.get("batch_size"):
        batch_metrics, items["batch_ttft_s"] = _batched(run, prompts, task, device)
        metrics.update(batch_metrics)
    return {"metrics": metrics, "n": len(ttft), "items": items}


def _batched(run, prompts: list[str], task: dict[str, Any], device) -> tuple[dict, list[float]]:
    """The prompts as one left-padded batch of batch_size (cycled), timed `repeats` times:
    the batch's time to first token and its total decode tokens/s."""
    size = task["batch_size"]
    texts = [prompts[i % len(prompts)] for i in range(size)]
    side = run.tokenizer.padding_side
    run.tokenizer.padding_side = "left"  # generation continues every row from its last token
    try:
        batch = run.tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            add_special_tokens=False,
            return_token_type_ids=False,
        )
    finally:
        run.tokenizer.padding_side = side
    batch = {k: v.to(device) for k, v in batch.items()}
    _generate(run, batch, task["max_new_tokens"])  # warm-up at this shape
    ttft, decode = [], []
    for _ in range(task["repeats"]):
        first, speed = _generate(run, batch, task["max_new_tokens"])
        ttft.append(first)
        if speed is not None:
            decode.append(speed * size)  # every row made a token per step
    prefix = f"batch{size}_"
    metrics = {f"{prefix}ttft_p{q}_ms": 1000 * percentile(ttft, q) for q in (50, 90)}
    metrics[f"{prefix}decode_tokens_per_s"] = statistics.median(decode) if decode else None
    return metrics, ttft


def _generate(run, inputs: dict, max_new_tokens: int) -> tuple[float, float | None]:
    clock = _Clock()
    pad = run.tokenizer.pad_token_id
    start = time.perf_counter()
    run.model.generate(
        **inputs,
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        do_sample=False,
        use_cache=True,
        streamer=clock,
        pad_token_id=pad,
    )
    token_times = clock.times[1:-1]  # after the prompt, before end()
    first = token_times[0] - start
    if len(token_times) < 2:
        return first, None
    return first, (len(token_times) - 1) / (token_times[-1] - token_times[0])

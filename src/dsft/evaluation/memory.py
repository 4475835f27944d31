"""Memory: peak host RSS and GPU memory of the process, and the weights' own footprint."""

from __future__ import annotations

from typing import Any


def evaluate_memory(run, task: dict[str, Any]) -> dict[str, Any]:
    """Peaks so far in this process (run it last in a suite to cover the other tasks)."""
    from dsft.tracking.run_summary import peak_gpu_mb, peak_rss_mb

    weights = sum(t.numel() * t.element_size() for t in run.model.parameters())
    weights += sum(t.numel() * t.element_size() for t in run.model.buffers())
    metrics = {
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "weights_mb": round(weights / 2**20, 2),
    }
    gpu = peak_gpu_mb()
    if gpu is not None:
        import torch

        metrics["peak_gpu_allocated_mb"] = round(gpu, 1)
        metrics["peak_gpu_reserved_mb"] = round(torch.cuda.max_memory_reserved() / 2**20, 1)
    return {"metrics": metrics, "n": 1, "items": []}

"""Peak memory of training, measured: on a CPU the process's peak RSS above what it held before
the model loaded (Linux: /proc/self/status VmHWM, reset through /proc/self/clear_refs); on a GPU
`torch.cuda.max_memory_allocated`. Recorded in summary.json next to the plan's prediction."""

from __future__ import annotations

from pathlib import Path

MIB = 1024**2


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """`start()` before the model loads, `stop()` after training: the peak in between."""

    def __init__(self, cuda: bool):
        self.cuda = cuda
        self.baseline_kib: int | None = None
        self.resettable = False

    def start(self) -> None:
        self.baseline_kib = _status_kib("VmRSS")
        try:  # "5" resets the peak (VmHWM) to the current RSS (Linux >= 4.0)
            Path("/proc/self/clear_refs").write_text("5")
            self.resettable = True
        except OSError:
            self.resettable = False
        if self.cuda:
            import torch

            torch.cuda.reset_peak_memory_stats()
            self.cuda_baseline = torch.cuda.memory_allocated()

    def stop(self) -> dict[str, float]:
        out: dict[str, float] = {}
        peak = _status_kib("VmHWM")
        if self.baseline_kib is not None and peak is not None:
            out["rss_before_model_mb"] = round(self.baseline_kib / 1024, 1)
            out["rss_peak_mb"] = round(peak / 1024, 1)
            if self.resettable:  # else the peak may predate the baseline
                out["training_rss_mb"] = round((peak - self.baseline_kib) / 1024, 1)
        if self.cuda:
            import torch

            out["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / MIB, 1)
            out["cuda_max_reserved_mb"] = round(torch.cuda.max_memory_reserved() / MIB, 1)
        return out

"""Where a finished run's model runs (chat, export): a device torch has here, and its precision."""

from __future__ import annotations


def inference_device(device: str) -> tuple[str, str]:
    """(device, precision to load for it) for `auto` (a GPU when there is one), cpu, cuda[:N];
    ValueError, before anything loads, for a device this machine does not have."""
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise ValueError(f"unknown device {device!r}; use auto, cpu or cuda (cuda:N).") from None
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device}: no CUDA GPU is available here; use cpu.")
        return device, "bf16-true" if torch.cuda.is_bf16_supported() else "16-true"
    if kind != "cpu":
        raise ValueError(f"device {device}: only cpu and cuda are supported.")
    return device, "32-true"

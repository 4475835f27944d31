"""What a checkpoint must hold besides weights and optimizer for a resume to continue exactly.

Lightning restores the adapter, optimizer, scheduler, step and epoch, and the callbacks' own
state (early stopping). dsft adds the position in the epoch's batch order (the datamodule's
state_dict) and, here, every random number generator (python, numpy, torch CPU and CUDA): the
dropout masks of step N+1 are then the ones the uninterrupted run drew.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def rng_states() -> dict[str, Any]:
    states = {
        "python": random.getstate(),
        # Plain values (no numpy array), so checkpoints load with torch.load(weights_only=True).
        "numpy": _plain_numpy_state(np.random.get_state()),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict[str, Any]) -> None:
    random.setstate(_as_python_state(states["python"]))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _plain_numpy_state(state) -> tuple:
    kind, keys, pos, has_gauss, cached = state
    return (str(kind), [int(k) for k in keys], int(pos), int(has_gauss), float(cached))


def _as_python_state(state):
    """random.setstate wants tuples; a checkpoint round trip may have made lists."""
    version, internal, gauss = state
    return (version, tuple(internal), gauss)

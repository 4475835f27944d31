"""Strategy nodes for the Trainer (conf/strategy/): Lightning's strategies by name or as objects."""

from __future__ import annotations


def named(name: str = "auto") -> str:
    """A strategy Lightning knows by name (`auto`: one device, or DDP on several GPUs)."""
    return name

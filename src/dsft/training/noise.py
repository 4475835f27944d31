"""Warnings and log handlers that are harmless here and would bury the lines that matter."""

from __future__ import annotations

import logging
import warnings


def silence_known_noise() -> None:
    """Hide known-harmless warnings; route Lightning's logs through ours (once, not twice)."""
    for message in (
        r".*_pattern keys did not match any targeted module.*",  # peft, fused MoE experts
        r".*is_gradient_checkpointing.*is deprecated.*",  # transformers 5 renaming
        r".*isinstance\(treespec, LeafSpec\).*",  # lightning on torch 2.13
    ):
        warnings.filterwarnings("ignore", message=message)
    # bitsandbytes looks for optional CPU kernels from the hub; without them it uses its own.
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
    import lightning  # noqa: F401  (adds its own console handlers, which would print twice)
    import transformers

    transformers.utils.logging.disable_progress_bar()
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(
        lambda record: "litlogger" not in record.getMessage()
    )

"""Short, readable run names and sweep groups, made from what the command line changed.

`format_value` here is the one way a value is shown: in run names, comparison tables and plots.
"""

from __future__ import annotations

import math
import re

# Keys people sweep, and the short prefix each gets in a run name.
SHORT_KEYS = {
    "adapter.r": "r",
    "adapter.alpha": "a",
    "adapter.alpha_ratio": "ar",
    "adapter.dropout": "do",
    "optimizer.lr": "lr",
    "optimizer.weight_decay": "wd",
    "optimizer.warmup_steps": "wu",
    "hardware.micro_batch_size": "bs",
    "data.max_length": "len",
}
# Overrides that say where or how to run, not what is trained.
_IGNORED_PREFIXES = ("hydra.", "paths.", "logger", "resume", "train.log_every", "+sweep", "sweep")


def format_value(value: str | None) -> str:
    """A value as people write it: `0.0003`, `3.0e-4` -> `3e-4`; `2.0` -> `2`; `1e5` stays `1e5`.

    Whole numbers (`16`), non-finite numbers and anything not a number stay as typed; None (a
    key a run does not have, in a comparison table) is `-`. Used for run names, tables and plots.
    """
    if value is None:
        return "-"
    try:
        number = float(value)
    except ValueError:
        return value
    if re.fullmatch(r"[+-]?\d+", value.strip()) or not math.isfinite(number):
        return value
    if number != 0 and (abs(number) < 1e-2 or abs(number) >= 1e5):
        mantissa, exponent = f"{number:.6e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    return f"{number:g}"


def run_name(overrides: list[str]) -> str | None:
    """`adapter.r=16 adapter.alpha=32 optimizer.lr=3e-4` -> `r16-a32-lr3e-4`; groups by option."""
    parts = []
    for override in overrides:
        key, _, value = override.lstrip("+~").partition("=")
        if not value or key.startswith(_IGNORED_PREFIXES):
            continue
        if "." not in key:  # a group choice such as adapter=qlora
            parts.append(value)
            continue
        prefix = SHORT_KEYS.get(key, key.rsplit(".", 1)[-1])
        parts.append(f"{prefix}{format_value(value)}")
    name = "-".join(parts)
    return re.sub(r"[^\w.+-]", "_", name) or None

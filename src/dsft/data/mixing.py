"""Mixing several sources by weight: each drawn example comes from source k with probability
weight_k / sum(weights), deterministically for a seed."""

from __future__ import annotations

import random
from typing import TypeVar

T = TypeVar("T")


def normalized_weights(weights: list[float], names: list[str]) -> list[float]:
    """Weights as probabilities; a clear error for negative weights or a non-positive sum."""
    from dsft.data.reading import DataError

    for name, weight in zip(names, weights, strict=True):
        if weight < 0:
            raise DataError(f"source {name}: weight {weight} is negative; weights must be >= 0.")
    total = sum(weights)
    if not total > 0:
        raise DataError(
            f"source weights {dict(zip(names, weights, strict=True))} sum to {total}; "
            "they must sum to a positive number."
        )
    return [w / total for w in weights]


def mix(pools: list[list[T]], weights: list[float], size: int, seed: int = 0) -> list[T]:
    """`size` examples: the source of each is drawn by weight, then the next example of that
    source in a shuffled cycle (so a small source repeats only after all of it was used)."""
    rng = random.Random(seed)
    orders = []
    for pool in pools:
        order = list(range(len(pool)))
        rng.shuffle(order)
        orders.append(order)
    cursors = [0] * len(pools)
    live = [k for k, pool in enumerate(pools) if pool and weights[k] > 0]
    picks = rng.choices(live, weights=[weights[k] for k in live], k=size)
    mixed = []
    for k in picks:
        if cursors[k] == len(orders[k]):
            rng.shuffle(orders[k])
            cursors[k] = 0
        mixed.append(pools[k][orders[k][cursors[k]]])
        cursors[k] += 1
    return mixed

"""Mixing several sources: by default every row of every source once (`concatenate`); with a
mix_size, a domain_weight or unequal weights, each drawn example comes from source k with
probability weight_k / sum(weights), deterministically for a seed (`mix`), and the run says per
source how many rows were used, repeated and left out."""

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


def concatenate(pools: list[list[T]], seed: int = 0) -> list[T]:
    """Every example of every source exactly once, shuffled (deterministically for a seed):
    what several sources with equal weights and no mix_size train on."""
    rows = [row for pool in pools for row in pool]
    random.Random(seed).shuffle(rows)
    return rows


def usage(pools: list[list], drawn: list[list[int]]) -> list[dict[str, int]]:
    """Per source: rows, how many of them were used, draws that repeated a row, rows left out."""
    report = []
    for pool, indices in zip(pools, drawn, strict=True):
        unique = len(set(indices))
        report.append(
            {
                "rows": len(pool),
                "used": unique,
                "repeated": len(indices) - unique,
                "left_out": len(pool) - unique,
            }
        )
    return report


def mix(pools: list[list[T]], weights: list[float], size: int, seed: int = 0) -> list[T]:
    """`size` examples: the source of each is drawn by weight, then the next example of that
    source in a shuffled cycle (so a small source repeats only after all of it was used)."""
    return mix_with_usage(pools, weights, size, seed)[0]


def mix_with_usage(
    pools: list[list[T]], weights: list[float], size: int, seed: int = 0
) -> tuple[list[T], list[dict[str, int]]]:
    """`mix`, and per source what it used, repeated and left out (see `usage`)."""
    rng = random.Random(seed)
    orders = []
    for pool in pools:
        order = list(range(len(pool)))
        rng.shuffle(order)
        orders.append(order)
    cursors = [0] * len(pools)
    live = [k for k, pool in enumerate(pools) if pool and weights[k] > 0]
    picks = rng.choices(live, weights=[weights[k] for k in live], k=size)
    mixed, drawn = [], [[] for _ in pools]
    for k in picks:
        if cursors[k] == len(orders[k]):
            rng.shuffle(orders[k])
            cursors[k] = 0
        index = orders[k][cursors[k]]
        mixed.append(pools[k][index])
        drawn[k].append(index)
        cursors[k] += 1
    return mixed, usage(pools, drawn)

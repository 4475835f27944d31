"""Length-grouped batching: batches of similar lengths, so little of a padded batch is padding."""

from __future__ import annotations

import random
from collections.abc import Iterator

from torch.utils.data import Sampler


class LengthGroupedBatchSampler(Sampler[list[int]]):
    """Shuffles, sorts by length inside windows of `window_batches` batches, shuffles the batches.

    Every example appears exactly once per epoch; the order changes with the epoch and the seed.
    The window keeps batches random across the dataset while making each one nearly uniform.
    """

    def __init__(
        self, lengths: list[int], batch_size: int, seed: int = 0, window_batches: int = 64
    ):
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.window = batch_size * window_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed * 100_003 + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), self.window):
            window = sorted(order[start : start + self.window], key=self.lengths.__getitem__)
            batches += [
                window[i : i + self.batch_size] for i in range(0, len(window), self.batch_size)
            ]
        rng.shuffle(batches)
        self.epoch += 1
        return iter(batches)

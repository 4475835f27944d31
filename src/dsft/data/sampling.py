"""Training batch orders fixed by (seed, epoch), resumable in the middle of an epoch.

A resumed run must see exactly the batches the uninterrupted run would have seen next: the
order of an epoch depends only on the seed and the epoch number (never on the global RNG), and
`resume_at(epoch, batches)` makes the next pass over that epoch start after the batches
already trained on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from torch.utils.data import Sampler


class EpochBatchSampler(Sampler[list[int]]):
    """Batches of indices, reshuffled per epoch; subclasses say how an epoch's batches form."""

    def __init__(self, n: int, batch_size: int, seed: int = 0):
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0
        self._resume: tuple[int, int] | None = None

    def set_epoch(self, epoch: int) -> None:  # Lightning calls it at each epoch's start
        self.epoch = epoch

    def resume_at(self, epoch: int, batches_done: int) -> None:
        """Skip the first `batches_done` batches of `epoch` (once: the resumed pass)."""
        self._resume = (epoch, batches_done)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def epoch_batches(self, rng: random.Random) -> list[list[int]]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[list[int]]:
        batches = self.epoch_batches(random.Random(self.seed * 100_003 + self.epoch))
        if self._resume is not None and self._resume[0] == self.epoch:
            batches = batches[self._resume[1] :]
        self._resume = None
        self.epoch += 1  # without Lightning: the next pass is the next epoch
        return iter(batches)


class ShuffledBatchSampler(EpochBatchSampler):
    """Every example once per epoch, in a random order."""

    def epoch_batches(self, rng: random.Random) -> list[list[int]]:
        order = list(range(self.n))
        rng.shuffle(order)
        return [order[i : i + self.batch_size] for i in range(0, self.n, self.batch_size)]


class LengthGroupedBatchSampler(EpochBatchSampler):
    """Shuffles, sorts by length inside windows of `window_batches` batches, shuffles the batches.

    Every example appears exactly once per epoch; the order changes with the epoch and the seed.
    The window keeps batches random across the dataset while making each one nearly uniform, so
    little of a padded batch is padding.
    """

    def __init__(
        self, lengths: list[int], batch_size: int, seed: int = 0, window_batches: int = 64
    ):
        super().__init__(len(lengths), batch_size, seed)
        self.lengths = lengths
        self.window = batch_size * window_batches

    def epoch_batches(self, rng: random.Random) -> list[list[int]]:
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), self.window):
            window = sorted(order[start : start + self.window], key=self.lengths.__getitem__)
            batches += [
                window[i : i + self.batch_size] for i in range(0, len(window), self.batch_size)
            ]
        rng.shuffle(batches)
        return batches


class RankShard(Sampler[list[int]]):
    """One rank's share of each global batch of `batches` (a sampler of micro_batch x world
    batches, shuffled or length-grouped, the same on every rank): at each step the ranks' micro-
    batches together are the batch one process would train on with micro_batch x world. A
    global batch shorter than `world` is repeated so that every rank gets an example."""

    def __init__(self, batches: EpochBatchSampler, rank: int, world: int):
        self.batches, self.rank, self.world = batches, rank, world

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def resume_at(self, epoch: int, batches_done: int) -> None:
        self.batches.resume_at(epoch, batches_done)

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.batches:
            if len(batch) < self.world:
                batch = (batch * self.world)[: self.world]
            yield batch[self.rank :: self.world]

"""The train/val split depends only on each example's content."""

from __future__ import annotations

import random

import pytest

from dsft.data.sampling import LengthGroupedBatchSampler, RankShard, ShuffledBatchSampler
from dsft.data.split import content_key, split_train_val
from dsft.models.chat_templates import Message


def conversations(n, start=0):
    return [[Message("user", f"q{i}"), Message("assistant", f"a{i}")] for i in range(start, n)]


def keys(items):
    return {content_key(c) for c in items}


def test_split_is_stable_under_shuffling_and_growth():
    rows = conversations(2000)
    train, val = split_train_val(rows, 0.1)
    assert 150 < len(val) < 250  # ~10%
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    train2, val2 = split_train_val(shuffled, 0.1)
    assert keys(val2) == keys(val) and keys(train2) == keys(train)
    train3, val3 = split_train_val(rows + conversations(3000, 2000), 0.1)
    assert keys(val) <= keys(val3) and keys(train) <= keys(train3)


def test_length_grouped_batches_cover_every_example_once_with_little_padding():
    from dsft.data.sampling import LengthGroupedBatchSampler

    rng = random.Random(0)
    lengths = [rng.randint(5, 200) for _ in range(1000)]
    sampler = LengthGroupedBatchSampler(lengths, batch_size=4, seed=3)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert len(batches) == len(sampler) == 250

    def non_pad_fraction(batches):
        real = sum(lengths[i] for b in batches for i in b)
        return real / sum(max(lengths[i] for i in b) * len(b) for b in batches)

    random_batches = [list(range(i, i + 4)) for i in range(0, 1000, 4)]
    assert non_pad_fraction(batches) > 0.95 > non_pad_fraction(random_batches)
    assert list(sampler) != batches  # a new order next epoch


def test_three_way_split_is_stable_too():
    from dsft.data.split import split_three_ways

    rows = conversations(3000)
    train, val, test = split_three_ways(rows, 0.1, 0.1)
    assert abs(len(val) - 300) < 60 and abs(len(test) - 300) < 60
    shuffled = rows[:]
    random.Random(2).shuffle(shuffled)
    train2, val2, test2 = split_three_ways(shuffled + conversations(4000, 3000), 0.1, 0.1)
    assert keys(val) <= keys(val2) and keys(test) <= keys(test2) and keys(train) <= keys(train2)


@pytest.mark.parametrize("grouped", [True, False])
def test_rank_shards_together_are_the_global_batches_of_one_process(grouped):
    lengths = [(i * 37) % 101 + 1 for i in range(50)]

    def global_batches():
        if grouped:
            return LengthGroupedBatchSampler(lengths, 8, seed=3, window_batches=2)
        return ShuffledBatchSampler(len(lengths), 8, seed=3)

    one = list(global_batches())
    shards = [list(RankShard(global_batches(), rank, 2)) for rank in (0, 1)]
    assert len(shards[0]) == len(shards[1]) == len(one)
    for step, batch in enumerate(one):
        assert sorted(shards[0][step] + shards[1][step]) == sorted(batch)
        assert len(shards[0][step]) == len(shards[1][step]) or len(batch) % 2
    # A resumed rank continues with the global batches the run had not reached.
    resumed = RankShard(global_batches(), 1, 2)
    resumed.resume_at(0, 3)
    assert list(resumed) == shards[1][3:]


def test_a_global_batch_smaller_than_the_ranks_still_feeds_every_rank():
    batches = ShuffledBatchSampler(5, 4, seed=0)  # batches of 4 and 1
    shards = [list(RankShard(ShuffledBatchSampler(5, 4, seed=0), r, 4)) for r in range(4)]
    last = list(batches)[-1]
    assert all(shard[-1] == last for shard in shards)

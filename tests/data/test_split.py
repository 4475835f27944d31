"""The train/val split depends only on each example's content."""

from __future__ import annotations

import random

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

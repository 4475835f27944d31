"""Deterministic train/val split by a hash of each example's content.

An example's split depends only on its own text, so shuffling the file or adding rows never moves
an existing example to the other split.
"""

from __future__ import annotations

import hashlib

from dsft.models.chat_templates import Message


def content_key(messages: list[Message]) -> str:
    """A stable text key for a conversation."""
    return "\x1e".join(
        f"{m.role}\x1f{m.content}" + (f"\x1f{m.reasoning}" if m.reasoning else "") for m in messages
    )


def hash_fraction(key: str, salt: str = "dsft-split") -> float:
    """Map a key to a number in [0, 1), uniformly and reproducibly."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_three_ways(
    conversations: list[list[Message]], val_fraction: float, test_fraction: float
) -> tuple[list[list[Message]], list[list[Message]], list[list[Message]]]:
    """(train, val, test) by hash fraction: [0, val) val, [val, val + test) test, rest train."""
    train, val, test = [], [], []
    for messages in conversations:
        h = hash_fraction(content_key(messages))
        if h < val_fraction:
            val.append(messages)
        elif h < val_fraction + test_fraction:
            test.append(messages)
        else:
            train.append(messages)
    return train, val, test


def split_train_val(
    conversations: list[list[Message]], val_fraction: float
) -> tuple[list[list[Message]], list[list[Message]]]:
    """(train, val): an example goes to val when its hash fraction is below `val_fraction`."""
    train, val = [], []
    for messages in conversations:
        (val if hash_fraction(content_key(messages)) < val_fraction else train).append(messages)
    return train, val

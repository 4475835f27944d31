"""The tokenized-data cache on disk: integer arrays and JSON, never pickle, checked by a hash.

One safetensors file per cache key. Per split (`train`, `val`, `test`): the token ids and labels
of all examples concatenated (int32), each example's length, and for packed rows the lengths of
the examples packed into each; the metadata holds each example's data source, the data stats, a
format tag and the sha256 of the arrays. Reading it can only produce numbers and strings: a file
planted in the cache dir cannot run code, and one whose hash does not match is ignored (the data
is prepared again). Files of the old pickle cache (`*.pkl`) are never opened.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from dsft.atomic import atomic_path
from dsft.data.packing import PackedExample
from dsft.data.tokenize import TokenizedExample

log = logging.getLogger(__name__)
FORMAT = "dsft-data-cache/1"
SPLITS = ("train", "val", "test")
SUFFIX = ".safetensors"


def save_splits(
    path: Path, splits: dict[str, list[TokenizedExample]], stats: dict[str, Any]
) -> None:
    """Write the splits and their stats atomically (a crash leaves no half file)."""
    tensors: dict[str, torch.Tensor] = {}
    sources = {}
    for name in SPLITS:
        examples = splits[name]
        tensors |= _arrays(name, examples)
        sources[name] = [e.source for e in examples]
    metadata = {
        "format": FORMAT,
        "sha256": _digest(tensors),
        "sources": json.dumps(sources),
        "stats": json.dumps(stats, default=str),
    }
    with atomic_path(path) as partial:
        save_file(tensors, str(partial), metadata=metadata)


def load_splits(path: Path) -> tuple[dict[str, list[TokenizedExample]], dict[str, Any]] | None:
    """(splits, stats) from a cache file, or None when it is missing, not ours or corrupt."""
    if not path.is_file():
        return None
    try:
        tensors = load_file(str(path))
        with open(path, "rb") as handle:  # the header's metadata (load_file drops it)
            header = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))
        metadata = header.get("__metadata__") or {}
        if metadata.get("format") != FORMAT or metadata.get("sha256") != _digest(tensors):
            raise ValueError("not a dsft data cache, or its contents do not match its hash")
        sources = json.loads(metadata["sources"])
        splits = {name: _examples(name, tensors, sources[name]) for name in SPLITS}
        return splits, json.loads(metadata["stats"])
    except (OSError, ValueError, KeyError, SafetensorError) as err:
        log.warning("ignoring the data cache %s (%s); preparing the data again", path, err)
        return None


def _arrays(name: str, examples: list[TokenizedExample]) -> dict[str, torch.Tensor]:
    lengths = [len(e.input_ids) for e in examples]
    segments = [getattr(e, "segments", None) for e in examples]
    return {
        f"{name}.input_ids": _int32([t for e in examples for t in e.input_ids]),
        f"{name}.labels": _int32([t for e in examples for t in e.labels]),
        f"{name}.lengths": torch.tensor(lengths, dtype=torch.int64),
        # Packed rows: how many examples each holds (0: not packed), then their lengths.
        f"{name}.packed_counts": torch.tensor([len(s or []) for s in segments], dtype=torch.int64),
        f"{name}.packed_lengths": torch.tensor(
            [n for s in segments for n in (s or [])], dtype=torch.int64
        ),
    }


def _examples(name: str, tensors: dict[str, torch.Tensor], sources: list) -> list:
    ids = tensors[f"{name}.input_ids"].tolist()
    labels = tensors[f"{name}.labels"].tolist()
    lengths = tensors[f"{name}.lengths"].tolist()
    counts = tensors[f"{name}.packed_counts"].tolist()
    packed = tensors[f"{name}.packed_lengths"].tolist()
    if not (
        len(lengths) == len(counts) == len(sources) and sum(lengths) == len(ids) == len(labels)
    ):
        raise ValueError(f"the {name} arrays do not fit together")
    examples, start, seg = [], 0, 0
    for length, count, source in zip(lengths, counts, sources, strict=True):
        row_ids, row_labels = ids[start : start + length], labels[start : start + length]
        start += length
        if count:
            example = PackedExample.from_parts(row_ids, row_labels, packed[seg : seg + count])
            seg += count
        else:
            example = TokenizedExample(row_ids, row_labels, source)
        examples.append(example)
    return examples


def _int32(values: list[int]) -> torch.Tensor:
    return torch.from_numpy(np.asarray(values, dtype=np.int32))


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(tensors[key].numpy().tobytes())
    return digest.hexdigest()

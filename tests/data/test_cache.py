"""The tokenized-data cache holds arrays only: it round-trips every example exactly, never
unpickles, and ignores a file that is not what dsft wrote."""

from __future__ import annotations

import hashlib
import os
import pickle

from dsft.data.cache import load_splits
from dsft.data.pipeline import prepare_data
from tests.data.test_pipeline import TEMPLATE, TOK, data_cfg, write_rows


def _fields(examples):
    return [(e.input_ids, e.labels, e.source, getattr(e, "segments", None)) for e in examples]


def test_every_example_comes_back_exactly_packed_rows_included(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 60, "alpha")
    b = write_rows(tmp_path / "b.jsonl", 30, "beta")
    cfg = data_cfg({"path": a}, {"path": b}, packing=True)
    fresh = prepare_data(cfg, TOK, TEMPLATE, cache_dir=tmp_path / "cache")
    cached = prepare_data(cfg, TOK, TEMPLATE, cache_dir=tmp_path / "cache")
    assert any(len(getattr(row, "segments", [])) > 1 for row in fresh.train)  # really packed
    for split in ("train", "val", "test"):
        assert _fields(getattr(cached, split)) == _fields(getattr(fresh, split))
    assert cached.stats == fresh.stats
    assert type(cached.train[0]) is type(fresh.train[0])


class _Payload:
    """Unpickling this runs a command (the attack an old pickle cache allowed)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_file_in_the_cache_dir_never_runs_and_is_ignored(tmp_path, caplog):
    a = write_rows(tmp_path / "a.jsonl", 40, "alpha")
    cfg = data_cfg({"path": a})
    cache = tmp_path / "cache"
    good = prepare_data(cfg, TOK, TEMPLATE, cache_dir=cache)
    (entry,) = (cache / "data").glob("*.safetensors")
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Payload(marker))
    entry.with_suffix(".pkl").write_bytes(payload)  # where the pickle cache looked
    entry.write_bytes(payload)  # and in place of the real entry
    again = prepare_data(cfg, TOK, TEMPLATE, cache_dir=cache)
    assert not marker.exists()
    assert "ignoring the data cache" in caplog.text
    assert _fields(again.train) == _fields(good.train)  # prepared again, then re-cached
    assert load_splits(entry) is not None


def test_a_cache_entry_whose_arrays_were_changed_is_refused(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 40, "alpha")
    cache = tmp_path / "cache"
    prepare_data(data_cfg({"path": a}), TOK, TEMPLATE, cache_dir=cache)
    (entry,) = (cache / "data").glob("*.safetensors")
    raw = bytearray(entry.read_bytes())
    raw[-1] ^= 0xFF  # one byte of the last array flipped
    entry.write_bytes(bytes(raw))
    assert load_splits(entry) is None


def test_the_cache_is_keyed_by_content_not_by_size_or_mtime(tmp_path):
    path = tmp_path / "a.jsonl"
    a = write_rows(path, 40, "alpha")
    cfg = data_cfg({"path": a}, split_files={"test": write_rows(tmp_path / "t.jsonl", 8, "t")})
    cache = tmp_path / "cache"
    first = prepare_data(cfg, TOK, TEMPLATE, cache_dir=cache)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.stats["files"] == {
        a: digest,
        str(tmp_path / "t.jsonl"): hashlib.sha256((tmp_path / "t.jsonl").read_bytes()).hexdigest(),
    }
    assert first.stats["examples"] == {
        "train": len(first.train),
        "val": len(first.val),
        "test": len(first.test),
    }
    os.utime(path, ns=(1, 1))  # touched: same content, so the same entry
    prepare_data(cfg, TOK, TEMPLATE, cache_dir=cache)
    assert len(list((cache / "data").glob("*.safetensors"))) == 1
    stat = path.stat()
    text = path.read_text()
    path.write_text(text.replace("alpha answer 3.", "alpha answer 7.", 1))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    assert path.stat().st_size == stat.st_size
    edited = prepare_data(cfg, TOK, TEMPLATE, cache_dir=cache)
    assert len(list((cache / "data").glob("*.safetensors"))) == 2  # a new entry, prepared again
    assert edited.stats["files"][a] != digest
    assert _fields(edited.train) != _fields(first.train)


def test_an_unwritable_cache_dir_warns_and_prepares_without_it(tmp_path, caplog):
    """(A read-only one, with a real run: tests/training/test_unwritable.py.)"""
    a = write_rows(tmp_path / "a.jsonl", 40, "alpha")
    cache = tmp_path / "cache"
    (cache / "data").mkdir(parents=True)
    blocker = cache / "data" / "blocked"
    blocker.write_text("a file where the cache wants a dir")
    data = prepare_data(data_cfg({"path": a}), TOK, TEMPLATE, cache_dir=blocker)
    assert data.train and "cannot write the data cache" in caplog.text
    assert "going on without it" in caplog.text

"""The data pipeline end to end: sources -> cleaning -> split -> mix -> tokens, and its cache."""

from __future__ import annotations

import json

import pytest

from dsft.data.pipeline import prepare_data
from dsft.data.reading import DataError
from dsft.models.chat_templates import get_template
from dsft.models.tokenizer import bundled_deepseek_tokenizer

TOK = bundled_deepseek_tokenizer()
TEMPLATE = get_template("deepseek_v3")


def data_cfg(*sources, **overrides):
    cfg = {
        "name": "t",
        "sources": list(sources),
        "val_fraction": 0.1,
        "test_fraction": 0.1,
        "max_length": 128,
        "cleaning": {"normalize_whitespace": True, "deduplicate": True, "min_chars": 1},
    }
    return {**cfg, **overrides}


def write_rows(path, n, prefix, length=1):
    rows = [
        {"instruction": f"{prefix} question {i}?", "output": f"{prefix} answer {i}. " * length}
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_three_way_split_and_mixing_by_weight(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 300, "alpha")
    b = write_rows(tmp_path / "b.jsonl", 300, "beta")
    cfg = data_cfg(
        {"path": a, "name": "a", "weight": 3}, {"path": b, "name": "b", "weight": 1}, mix_size=2000
    )
    data = prepare_data(cfg, TOK, TEMPLATE)
    assert data.stats["split"]["train"] == 2000
    assert 40 < len(data.val) < 80 and 40 < len(data.test) < 80  # ~10% of 600 each
    from_a = sum("alpha" in TOK.decode(e.input_ids) for e in data.train)
    assert abs(from_a / 2000 - 0.75) <= 0.03
    assert data.stats["weights"] == {"a": 0.75, "b": 0.25}


def test_domain_weight_gives_the_first_source_its_share(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 100, "alpha")
    b = write_rows(tmp_path / "b.jsonl", 500, "beta")
    cfg = data_cfg(
        {"path": a, "name": "dom"}, {"path": b, "name": "gen"}, domain_weight=0.7, mix_size=2000
    )
    data = prepare_data(cfg, TOK, TEMPLATE)
    from_a = sum("alpha" in TOK.decode(e.input_ids) for e in data.train)
    assert abs(from_a / 2000 - 0.7) <= 0.03


def test_empty_after_cleaning_shows_the_counts_per_step(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 20, "alpha")
    cfg = data_cfg({"path": a, "name": "a"})
    cfg["cleaning"] = {"deduplicate": True, "min_chars": 10_000}
    with pytest.raises(DataError, match=r"source a: no examples left.*length_dropped 20"):
        prepare_data(cfg, TOK, TEMPLATE)


def test_packing_raises_the_non_pad_share(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 200, "alpha")
    data = prepare_data(data_cfg({"path": a}, packing=True), TOK, TEMPLATE)
    assert data.stats["packed"]["rows"] < data.stats["packed"]["examples"] / 3
    assert all(len(row.input_ids) <= 128 for row in data.train)


def test_cache_is_reused_and_invalidated_by_a_changed_file(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 50, "alpha")
    cfg = data_cfg({"path": a})
    first = prepare_data(cfg, TOK, TEMPLATE, cache_dir=tmp_path / "cache")
    (cached,) = (tmp_path / "cache" / "data").glob("*.safetensors")
    again = prepare_data(cfg, TOK, TEMPLATE, cache_dir=tmp_path / "cache")
    assert [e.input_ids for e in again.train] == [e.input_ids for e in first.train]
    assert len(list((tmp_path / "cache" / "data").glob("*.safetensors"))) == 1
    write_rows(tmp_path / "a.jsonl", 60, "alpha")  # the data changed: a new cache entry
    changed = prepare_data(cfg, TOK, TEMPLATE, cache_dir=tmp_path / "cache")
    assert len(changed.train) + len(changed.val) + len(changed.test) == 60
    assert len(list((tmp_path / "cache" / "data").glob("*.safetensors"))) == 2
    assert cached.exists()


def test_explicit_split_files(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 50, "alpha")
    v = write_rows(tmp_path / "v.jsonl", 7, "val")
    data = prepare_data(data_cfg({"path": a}, split_files={"val": v}), TOK, TEMPLATE)
    assert len(data.val) == 7 and all("val" in TOK.decode(e.input_ids) for e in data.val)


def test_two_sources_with_the_same_file_name(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = write_rows(tmp_path / "x" / "train.jsonl", 40, "alpha")
    b = write_rows(tmp_path / "y" / "train.jsonl", 40, "beta")
    data = prepare_data(data_cfg({"path": a}, {"path": b}), TOK, TEMPLATE)
    assert set(data.stats["weights"]) == {"train.jsonl", "train.jsonl#1"}


def test_two_sources_at_default_weights_train_on_every_row_once(tmp_path):
    a = write_rows(tmp_path / "a.jsonl", 120, "alpha")
    b = write_rows(tmp_path / "b.jsonl", 30, "beta")
    data = prepare_data(data_cfg({"path": a}, {"path": b}), TOK, TEMPLATE)
    ids = [tuple(e.input_ids) for e in data.train]
    assert len(ids) == len(set(ids)) == data.stats["split"]["train"]  # no row twice
    held_out = data.stats["split"]["val"] + data.stats["split"]["test"]
    assert len(ids) + held_out == 150  # and none left out
    assert data.stats["mixing"] == "every row once"


def test_a_weighted_mix_reports_what_it_used_repeated_and_left_out(tmp_path, caplog):
    import logging

    a = write_rows(tmp_path / "a.jsonl", 120, "alpha")
    b = write_rows(tmp_path / "b.jsonl", 30, "beta")
    cfg = data_cfg({"path": a}, {"path": b}, mix_size=100, domain_weight=0.5)
    with caplog.at_level(logging.INFO, logger="dsft.data.pipeline"):
        data = prepare_data(cfg, TOK, TEMPLATE)
    used = data.stats["mixing"]
    assert sum(u["used"] + u["repeated"] for u in used.values()) == 100
    a_use, b_use = used["a.jsonl"], used["b.jsonl"]
    assert a_use["left_out"] > 0 and b_use["repeated"] > 0  # 50/50 of 120 vs 30 rows
    assert a_use["used"] + a_use["left_out"] == a_use["rows"]
    assert "rows left out" in caplog.text

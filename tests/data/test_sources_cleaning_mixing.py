"""Sources in every format, column mapping, cleaning counts, weighted mixing."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from dsft.data.cleaning import clean
from dsft.data.mixing import mix, normalized_weights
from dsft.data.reading import DataError
from dsft.data.sources import check_columns, read_source_rows, to_conversations

ROWS = [
    {"question": "What is 2+2?", "answer": "4", "system": ""},
    {"question": "Capital of France?", "answer": "Paris", "system": "Be brief."},
]


def write_all_formats(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    (folder / "b.json").write_text(json.dumps({"data": ROWS}))
    with (folder / "c.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(ROWS), folder / "d.parquet")
    return folder


@pytest.mark.parametrize("name", ["a.jsonl", "b.json", "c.csv", "d.parquet"])
def test_every_file_type_with_column_mapping(tmp_path, name):
    folder = write_all_formats(tmp_path / "data")
    rows, where = read_source_rows(str(folder / name))
    columns = {"instruction": "question", "output": "answer"}
    check_columns(rows, columns, name)
    (first, second) = to_conversations(rows, where, "alpaca", columns)
    assert [m.content for m in first] == ["What is 2+2?", "4"]
    assert second[0].role == "system" and second[-1].content == "Paris"


def test_a_folder_reads_every_file_in_it(tmp_path):
    rows, where = read_source_rows(str(write_all_formats(tmp_path / "data")))
    assert len(rows) == 8 and where[0].endswith("a.jsonl:1")


def test_saved_hf_dataset_dir(tmp_path):
    import datasets

    datasets.Dataset.from_list(ROWS).save_to_disk(str(tmp_path / "ds"))
    rows, _ = read_source_rows(str(tmp_path / "ds"))
    assert rows == ROWS


def test_conversations_openai_and_sharegpt_and_text():
    openai = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "more"},
            {"role": "assistant", "content": "sure"},
        ]
    }
    sharegpt = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}
    (a, b) = to_conversations([openai, sharegpt], ["r1", "r2"], "conversations")
    assert [m.role for m in a] == ["user", "assistant", "user", "assistant"]
    assert [m.role for m in b] == ["user", "assistant"]
    (t,) = to_conversations([{"text": "Plain domain text."}], ["r1"], "text")
    assert t[0].role == "text"


def test_bad_inputs_name_what_is_wrong(tmp_path):
    rows = [{"question": "q", "answer": "a"}]
    with pytest.raises(DataError, match=r"instruction -> 'prompt'.*columns are: answer, question"):
        check_columns(rows, {"instruction": "prompt"}, "f.jsonl")
    with pytest.raises(
        DataError, match="unknown data format 'xml'; known: auto, alpaca, conversations"
    ):
        to_conversations(rows, ["f:1"], "xml")
    with pytest.raises(DataError, match="f:1: .*'messages'"):
        to_conversations(rows, ["f:1"], "conversations")
    with pytest.raises(DataError, match="not found"):
        read_source_rows(str(tmp_path / "missing.jsonl"))
    with pytest.raises(DataError, match="sum to 0"):
        normalized_weights([0.0, 0.0], ["a", "b"])
    with pytest.raises(DataError, match="negative"):
        normalized_weights([1.0, -1.0], ["a", "b"])


def test_cleaning_reports_what_each_step_did():
    (conv,) = to_conversations(
        [{"instruction": "<p>Hello&amp;  world</p>", "output": "Ｆｕｌｌ width"}], ["r"], "alpaca"
    )
    dup = list(conv)
    short = to_conversations([{"instruction": "q", "output": "a"}], ["r"], "alpaca")[0]
    cleaned, report = clean(
        [conv, dup, short],
        {
            "strip_html": True,
            "normalize_unicode": True,
            "normalize_whitespace": True,
            "deduplicate": True,
            "min_chars": 3,
        },
        "test",
    )
    assert cleaned[0][0].content == "Hello& world" and cleaned[0][1].content == "Full width"
    assert report["strip_html_changed"] == 2 and report["normalize_unicode_changed"] == 2
    assert report["length_dropped"] == 1 and report["duplicates_dropped"] == 1
    assert report["rows_out"] == 1


def test_mixing_shares_match_the_weights():
    pools = [
        [("a", i) for i in range(50)],
        [("b", i) for i in range(500)],
        [("c", i) for i in range(7)],
    ]
    weights = normalized_weights([0.7, 0.2, 0.1], ["a", "b", "c"])
    drawn = mix(pools, weights, 2000, seed=0)
    shares = Counter(src for src, _ in drawn)
    for name, weight in zip("abc", weights, strict=True):
        assert abs(shares[name] / 2000 - weight) <= 0.03, shares
    # A small pool repeats only after all of it was used.
    first_a = [i for src, i in drawn if src == "a"][:50]
    assert sorted(first_a) == list(range(50))
    assert mix(pools, weights, 2000, seed=0) == drawn  # deterministic


def test_reasoning_is_read_from_both_formats():
    chat = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a", "reasoning_content": "because"},
        ]
    }
    alpaca = {"instruction": "q", "output": "a", "reasoning": "since"}
    (c,) = to_conversations([chat], ["r1"], "conversations")
    (a,) = to_conversations([alpaca], ["r2"], "alpaca")
    assert c[-1].reasoning == "because" and a[-1].reasoning == "since"

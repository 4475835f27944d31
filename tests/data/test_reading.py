"""Bad data files fail with the file, line or field named."""

from __future__ import annotations

import json

import pytest

from dsft.data.reading import DataError
from dsft.data.sources import read_source_rows, to_conversations


def read_conversations(path, data_format):
    rows, where = read_source_rows(str(path))
    return to_conversations(rows, where, data_format)


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_alpaca_rows_into_conversations(tmp_path):
    path = write(
        tmp_path / "d.jsonl",
        [
            json.dumps({"instruction": "Add", "input": "1 2", "output": "3"}),
            "",
            json.dumps({"instruction": "Hi", "output": "Hello", "system": "Be brief."}),
        ],
    )
    first, second = read_conversations(path, "alpaca")
    assert [m.role for m in first] == ["user", "assistant"]
    assert first[0].content == "Add\n\n1 2" and first[1].content == "3"
    assert [m.role for m in second] == ["system", "user", "assistant"]


def test_malformed_json_names_file_and_line(tmp_path):
    path = write(tmp_path / "d.jsonl", [json.dumps({"instruction": "a", "output": "b"}), "{oops"])
    with pytest.raises(DataError, match=r"d\.jsonl:2: malformed JSON"):
        read_conversations(path, "alpaca")


def test_missing_field_names_field_and_row(tmp_path):
    path = write(
        tmp_path / "d.jsonl",
        [
            json.dumps({"instruction": "a", "output": "b"}),
            json.dumps({"instruction": "a", "answer": "b"}),
        ],
    )
    with pytest.raises(DataError, match=r"row 2: missing or empty required field 'output'"):
        read_conversations(path, "alpaca")


def test_non_utf8_is_reported(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"instruction": "caf\xe9", "output": "x"}\n')
    with pytest.raises(DataError, match="not UTF-8"):
        read_conversations(path, "alpaca")

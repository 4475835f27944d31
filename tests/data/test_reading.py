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
    with pytest.raises(DataError, match=r"d\.jsonl:2: missing or empty required field 'output'"):
        read_conversations(path, "alpaca")


def test_non_utf8_is_reported(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"instruction": "caf\xe9", "output": "x"}\n')
    with pytest.raises(DataError, match="not UTF-8"):
        read_conversations(path, "alpaca")


def test_rows_are_located_by_file_line_after_blank_lines(tmp_path):
    good = json.dumps({"instruction": "a", "output": "b"})
    bad = json.dumps({"instruction": "a", "answer": "b"})
    path = tmp_path / "d.jsonl"
    path.write_text(f"{good}\n\n\n{good}\n{bad}\n")  # the bad row is row 3, on line 5
    with pytest.raises(DataError, match=r"d\.jsonl:5: missing or empty required field 'output'"):
        read_conversations(path, "alpaca")
    csv_path = tmp_path / "d.csv"
    csv_path.write_text('instruction,output\na,"two\nlines"\nb,\n')  # row 2 ends on line 4
    with pytest.raises(DataError, match=r"d\.csv:4: missing or empty required field 'output'"):
        read_conversations(csv_path, "alpaca")


def test_latin1_bytes_are_located_by_line_and_column(tmp_path):
    rows = [json.dumps({"instruction": f"q{i}", "output": "x" * 200}) for i in range(100)]
    path = tmp_path / "d.jsonl"
    # Far past the first read buffer: the old message named a byte offset inside that buffer.
    path.write_bytes("\n".join(rows).encode() + b'\n{"instruction": "caf\xe9", "output": "x"}\n')
    with pytest.raises(DataError, match=r"d\.jsonl:101:21: not UTF-8 text .*byte 0xe9"):
        read_conversations(path, "alpaca")


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path, suffix):
    row = {"instruction": "What is 2+2?", "output": "4"}
    text = {
        ".jsonl": json.dumps(row) + "\n",
        ".json": json.dumps([row]),
        ".csv": "instruction,output\nWhat is 2+2?,4\n",
    }[suffix]
    path = tmp_path / f"d{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    (conversation,) = read_conversations(path, "alpaca")
    assert conversation[0].content == "What is 2+2?" and conversation[-1].content == "4"

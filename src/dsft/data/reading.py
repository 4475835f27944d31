"""Reading data files as text, with errors that name the file, the line and the column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class DataError(ValueError):
    """Bad input data; the message names the file, the line and what to do."""


def read_text(path: str | Path) -> str:
    """A data file's text: UTF-8, with or without a byte-order mark; DataError (file:line:column
    of the first bad byte) for anything else."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        start = err.start  # offset in the whole file (the BOM, if any, counts)
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        raise DataError(
            f"{path}:{line}:{column}: not UTF-8 text ({err.reason}, byte 0x{raw[start]:02x} at "
            f"offset {start}). Save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)."
        ) from None


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file (blank lines skipped); see `read_jsonl_lines`."""
    return [row for _, row in read_jsonl_lines(path)]


def read_jsonl_lines(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(file line number, row) of each non-blank line of a JSON-lines file."""
    path = Path(path)
    rows = []
    for line_no, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(
                f"{path}:{line_no}: malformed JSON ({err.msg} at column {err.colno}). "
                "Each line must be one JSON object."
            ) from None
        if not isinstance(row, dict):
            raise DataError(f"{path}:{line_no}: expected a JSON object, got {row!r:.60}.")
        rows.append((line_no, row))
    return rows

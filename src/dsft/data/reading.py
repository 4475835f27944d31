"""Reading example files into conversations, with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dsft.models.chat_templates import Message


class DataError(ValueError):
    """Bad input data; the message names the file, the line and what to do."""


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file (blank lines skipped)."""
    path = Path(path)
    rows = []
    try:
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
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
                rows.append(row)
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}).") from None
    return rows


def alpaca_to_messages(
    row: dict[str, Any], where: str, system_prompt: str | None = None
) -> list[Message]:
    """An alpaca row {instruction, input, output[, system]} as a conversation."""
    for field in ("instruction", "output"):
        value = row.get(field)
        if not isinstance(value, str) or not value.strip():
            raise DataError(
                f"{where}: missing or empty required field {field!r} "
                f"(alpaca rows need 'instruction' and 'output'; the row has {sorted(row)})."
            )
    prompt = row["instruction"]
    if row.get("input"):
        prompt = f"{prompt}\n\n{row['input']}"
    messages = []
    system = row.get("system") or system_prompt
    if system:
        messages.append(Message("system", system))
    messages += [Message("user", prompt), Message("assistant", row["output"])]
    return messages


def read_conversations(
    path: str | Path, data_format: str, system_prompt: str | None = None
) -> list[list[Message]]:
    """All conversations in a data file."""
    if data_format != "alpaca":
        raise DataError(f"unknown data format {data_format!r}; known: alpaca.")
    rows = read_jsonl(path)
    return [
        alpaca_to_messages(row, f"{path}:row {i}", system_prompt) for i, row in enumerate(rows, 1)
    ]

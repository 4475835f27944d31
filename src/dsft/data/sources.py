"""Reading a data source (files, folders, Hugging Face datasets) into conversations.

A source is a file (.jsonl, .json, .csv, .parquet, .txt), a folder of such files, a dataset dir
written by `datasets.save_to_disk`, or `hf:<name>` for a dataset on the Hugging Face hub. A .txt
file is plain text, read as `text` rows: one document per line, per blank-line block or per file
(`documents`). Rows are mapped to one of three formats:

    alpaca         instruction, input, output (+ optional system, reasoning, history
                   [[user, assistant]...])
    conversations  messages: [{role, content[, reasoning_content]}] (OpenAI / DeepSeek API; a
                   content may be a list of {type: text, text} parts) or [{from, value}]
                   (ShareGPT)
    text           text: plain text for continued pre-training (loss on every token)

`columns` renames fields: `{instruction: question, output: answer}` reads `question`/`answer`.
Every error names the file and row (or line) and says what to do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dsft.data.reading import DataError, read_jsonl_lines, read_text
from dsft.models.chat_templates import Message

FORMATS = ("auto", "alpaca", "conversations", "text")
FILE_TYPES = (".jsonl", ".json", ".csv", ".parquet", ".txt")
# How a .txt file splits into documents: each non-blank line, each block of lines between blank
# lines, or the whole file.
DOCUMENTS = ("lines", "blocks", "file")
_SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
    "model": "assistant",
}


def read_source_rows(
    path: str, split: str = "train", documents: str = "lines"
) -> tuple[list[dict[str, Any]], list[str]]:
    """(rows, where each row came from) for a file, a folder, a saved dataset or `hf:<name>`;
    `documents` splits .txt files (DOCUMENTS)."""
    if path.startswith("hf:"):
        return _hf_rows(path[3:], split)
    source = Path(path).expanduser()
    if not source.exists():
        raise DataError(f"data source not found: {source}. Check the path in the data config.")
    if source.is_dir():
        if (source / "dataset_info.json").exists() or (source / "dataset_dict.json").exists():
            return _saved_dataset_rows(source, split)
        files = sorted(p for p in source.rglob("*") if p.suffix in FILE_TYPES)
        if not files:
            raise DataError(f"{source}: no {', '.join(FILE_TYPES)} files in this folder.")
        rows, where = [], []
        for file in files:
            file_rows, file_where = read_file_rows(file, documents)
            rows += file_rows
            where += file_where
        return rows, where
    return read_file_rows(source, documents)


def read_file_rows(path: Path, documents: str = "lines") -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of one file, each with its location (file:line or file:row) for error messages."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return _txt_rows(path, documents)
    if suffix == ".jsonl":  # located by file line (blank lines count)
        lines = read_jsonl_lines(path)
        return [row for _, row in lines], [f"{path}:{line}" for line, _ in lines]
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".json":
        rows = _json_rows(path)
    elif suffix == ".parquet":
        rows = _parquet_rows(path)
    else:
        raise DataError(f"{path}: unsupported file type; use one of {', '.join(FILE_TYPES)}.")
    return rows, [f"{path}:row {i}" for i in range(1, len(rows) + 1)]


def _txt_rows(path: Path, documents: str) -> tuple[list[dict[str, Any]], list[str]]:
    """`{"text": document}` rows of a plain-text file, each located by its first line."""
    if documents not in DOCUMENTS:
        raise DataError(f"{path}: documents={documents!r}; use one of {', '.join(DOCUMENTS)}.")
    text = read_text(path)
    if documents == "file":
        return ([{"text": text}], [f"{path}:1"]) if text.strip() else ([], [])
    rows, where, block, start = [], [], [], 0
    for line_no, line in enumerate([*text.splitlines(), ""], start=1):
        if documents == "lines" and line.strip():
            rows.append({"text": line})
            where.append(f"{path}:{line_no}")
        elif documents == "blocks" and line.strip():
            start = start or line_no
            block.append(line)
        elif block:  # a blank line (or the end) closes a block
            rows.append({"text": "\n".join(block)})
            where.append(f"{path}:{start}")
            block, start = [], 0
    return rows, where


def _json_rows(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise DataError(f"{path}:{err.lineno}: malformed JSON ({err.msg}).") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError(f'{path}: expected a JSON list of objects (or {{"data": [...]}}).')
    return data


def _csv_rows(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows of a CSV file, each located by the file line it ends on (quoted newlines count)."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    rows, where = [], []
    try:
        for row in reader:
            rows.append(row)
            where.append(f"{path}:{reader.line_num}")
        return rows, where
    except csv.Error as err:
        raise DataError(f"{path}: malformed CSV ({err}).") from None


def _parquet_rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).to_pylist()
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise DataError(f"{path}: cannot read parquet ({err}).") from None


def _saved_dataset_rows(path: Path, split: str) -> tuple[list[dict[str, Any]], list[str]]:
    import datasets

    data = datasets.load_from_disk(str(path))
    if isinstance(data, datasets.DatasetDict):
        if split not in data:
            raise DataError(f"{path}: no split {split!r}; splits: {', '.join(data)}.")
        data = data[split]
    rows = data.to_list()
    return rows, [f"{path}[{split}]:row {i}" for i in range(1, len(rows) + 1)]


def _hf_rows(name: str, split: str) -> tuple[list[dict[str, Any]], list[str]]:
    import datasets

    rows = datasets.load_dataset(name, split=split).to_list()
    return rows, [f"hf:{name}[{split}]:row {i}" for i in range(1, len(rows) + 1)]


def check_columns(rows: list[dict[str, Any]], columns: dict[str, str], origin: str) -> None:
    """Fail early when a column mapping names a column the data does not have."""
    if not rows:
        return
    present = set().union(*(r.keys() for r in rows[:100]))
    missing = {ours: theirs for ours, theirs in columns.items() if theirs not in present}
    if missing:
        pairs = ", ".join(f"{ours} -> {theirs!r}" for ours, theirs in missing.items())
        raise DataError(
            f"{origin}: column mapping {pairs} names columns the data does not have; "
            f"its columns are: {', '.join(sorted(present))}."
        )


def to_conversations(
    rows: list[dict[str, Any]],
    where: list[str],
    data_format: str,
    columns: dict[str, str] | None = None,
    system_prompt: str | None = None,
) -> list[list[Message]]:
    """Rows in a known format as conversations (a text row is one unprompted 'assistant' turn)."""
    if data_format not in FORMATS:
        raise DataError(f"unknown data format {data_format!r}; known: {', '.join(FORMATS)}.")
    columns = dict(columns or {})
    return [
        _CONVERTERS[data_format](_renamed(row, columns), at, system_prompt)
        for row, at in zip(rows, where, strict=True)
    ]


def _renamed(row: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    if not columns:
        return row
    renamed = dict(row)
    for ours, theirs in columns.items():
        renamed[ours] = row.get(theirs)
    return renamed


def _required_text(row: dict[str, Any], field: str, where: str, fmt: str, needs: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DataError(
            f"{where}: missing or empty required field {field!r} ({fmt} rows need {needs}; "
            f"the row has {sorted(row)}). Map other column names with `columns:`."
        )
    return value


def _alpaca(row: dict[str, Any], where: str, system_prompt: str | None) -> list[Message]:
    needs = "'instruction' and 'output'"
    prompt = _required_text(row, "instruction", where, "alpaca", needs)
    answer = _required_text(row, "output", where, "alpaca", needs)
    if row.get("input"):
        prompt = f"{prompt}\n\n{row['input']}"
    messages = []
    system = row.get("system") or system_prompt
    if system:
        messages.append(Message("system", system))
    for turn in row.get("history") or []:
        if not (isinstance(turn, (list, tuple)) and len(turn) == 2):
            raise DataError(f"{where}: 'history' must be a list of [user, assistant] pairs.")
        messages += [Message("user", str(turn[0])), Message("assistant", str(turn[1]))]
    reasoning = row.get("reasoning") or None
    return [*messages, Message("user", prompt), Message("assistant", answer, reasoning)]


def _conversation(row: dict[str, Any], where: str, system_prompt: str | None) -> list[Message]:
    turns = row.get("messages", row.get("conversations"))
    if not isinstance(turns, list) or not turns:
        raise DataError(
            f"{where}: missing required field 'messages' (a list of {{role, content}}; ShareGPT "
            f"'conversations' with {{from, value}} works too). The row has {sorted(row)}."
        )
    messages = []
    for i, turn in enumerate(turns, start=1):  # numbered from 1, as rows and lines are
        role = turn.get("role", turn.get("from")) if isinstance(turn, dict) else None
        content = turn.get("content", turn.get("value")) if isinstance(turn, dict) else None
        if isinstance(content, list):
            content = _text_parts(content, f"{where}: message {i}")
        if role not in _SHAREGPT_ROLES or not isinstance(content, str):
            raise DataError(
                f"{where}: message {i} needs a role (system/user/assistant, or ShareGPT "
                f"human/gpt) and a text content; got {turn!r:.80}."
            )
        reasoning = turn.get("reasoning_content") or turn.get("reasoning") or None
        messages.append(Message(_SHAREGPT_ROLES[role], content, reasoning))
    if system_prompt and messages[0].role != "system":
        messages.insert(0, Message("system", system_prompt))
    if not any(m.role == "assistant" for m in messages):
        raise DataError(f"{where}: the conversation has no assistant message to learn from.")
    return messages


def _text_parts(parts: list[Any], where: str) -> str:
    """An OpenAI-style content list (`[{"type": "text", "text": ...}, ...]`) as one text, its
    parts joined as the model would read them (no separator)."""
    texts = []
    for j, part in enumerate(parts, start=1):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind != "text" or not isinstance(part.get("text"), str):
            raise DataError(
                f"{where}, content part {j}: only text parts ({{type: text, text: ...}}) can "
                f"train a text model; got {part!r:.80}. Drop the other parts from the data."
            )
        texts.append(part["text"])
    return "".join(texts)


def _text(row: dict[str, Any], where: str, system_prompt: str | None) -> list[Message]:
    return [Message("text", _required_text(row, "text", where, "text", "'text'"))]


def _auto(row: dict[str, Any], where: str, system_prompt: str | None) -> list[Message]:
    """The format a row's fields say: messages/conversations, instruction, or text."""
    if "messages" in row or "conversations" in row:
        return _conversation(row, where, system_prompt)
    if "instruction" in row:
        return _alpaca(row, where, system_prompt)
    if "text" in row:
        return _text(row, where, system_prompt)
    raise DataError(
        f"{where}: cannot tell the format of a row with fields {sorted(row)}: expected "
        "'messages' (conversations), 'instruction' + 'output' (alpaca) or 'text'. Set the "
        "source's format and map your column names with `columns:`."
    )


_CONVERTERS = {"auto": _auto, "alpaca": _alpaca, "conversations": _conversation, "text": _text}


def iter_texts(messages: list[Message]) -> Iterator[str]:
    yield from (m.content for m in messages)

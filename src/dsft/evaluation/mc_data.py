"""Reading multiple-choice files (MMLU format) with errors that name the file and line."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

LETTERS = "ABCDEFGHIJ"


class EvalDataError(ValueError):
    """A bad evaluation file; the message names file:line and what to do."""


@dataclass(frozen=True)
class Question:
    question: str
    choices: tuple[str, ...]
    answer: int  # index into choices
    subject: str | None = None


def read_questions(path: str | Path) -> list[Question]:
    """Every question of a .jsonl or .csv file, checked row by row."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise EvalDataError(f"{path}: no such multiple-choice file. Check the path in the suite.")
    rows = _csv_rows(path) if path.suffix == ".csv" else _jsonl_rows(path)
    questions = [_question(row, f"{path}:{line}") for line, row in rows]
    if not questions:
        raise EvalDataError(f"{path}: no questions in the file; add rows or fix the path.")
    return questions


def _jsonl_rows(path: Path):
    for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as err:
            raise EvalDataError(f"{path}:{line}: not valid JSON ({err.msg}).") from None
        if not isinstance(row, dict):
            raise EvalDataError(f"{path}:{line}: a row must be a JSON object.")
        yield line, row


def _csv_rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        yield from enumerate(csv.DictReader(handle), start=2)


def _question(row: dict, where: str) -> Question:
    question = str(row.get("question") or "").strip()
    if not question:
        raise EvalDataError(f"{where}: missing field `question`.")
    choices = row.get("choices")
    if choices is None:  # MMLU CSV layout: one column per letter
        choices = [row[k] for k in LETTERS if row.get(k) not in (None, "")]
    if isinstance(choices, str):
        raise EvalDataError(f"{where}: `choices` must be a list, got a string.")
    choices = tuple(str(c).strip() for c in choices)
    if len(choices) < 2:
        raise EvalDataError(
            f"{where}: {len(choices)} choice(s); a question needs at least two (`choices`: "
            "[...], or columns A, B, C, D)."
        )
    return Question(
        question, choices, _answer(row.get("answer"), choices, where), row.get("subject")
    )


def _answer(answer, choices: tuple[str, ...], where: str) -> int:
    letters = LETTERS[: len(choices)]
    if isinstance(answer, int) or (isinstance(answer, str) and answer.strip().isdigit()):
        index = int(answer)
    elif isinstance(answer, str) and answer.strip().upper() in letters and answer.strip():
        index = letters.index(answer.strip().upper())
    else:
        raise EvalDataError(
            f"{where}: answer {answer!r} is not one of the choices' letters {', '.join(letters)} "
            f"(or an index 0..{len(choices) - 1})."
        )
    if not 0 <= index < len(choices):
        raise EvalDataError(
            f"{where}: answer index {index} is outside the {len(choices)} choices (0-based)."
        )
    return index

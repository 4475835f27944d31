"""Multiple-choice files: both layouts read, and every bad row named by file:line."""

from __future__ import annotations

import json

import pytest

from dsft.evaluation.mc_data import EvalDataError, read_questions
from tests.conftest import ROOT


def write(tmp_path, rows, name="mc.jsonl"):
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


GOOD = {"question": "2 + 2?", "choices": ["3", "4", "5", "6"], "answer": "B", "subject": "math"}


def test_jsonl_and_csv_layouts_read_the_same_question(tmp_path):
    (question,) = read_questions(write(tmp_path, [GOOD]))
    assert question.choices == ("3", "4", "5", "6") and question.answer == 1
    csv_file = tmp_path / "mc.csv"
    csv_file.write_text("question,A,B,C,D,answer\n2 + 2?,3,4,5,6,1\n")
    (from_csv,) = read_questions(csv_file)
    assert from_csv.choices == question.choices and from_csv.answer == 1


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ({**GOOD, "question": ""}, "missing field `question`"),
        ({**GOOD, "answer": "E"}, "answer 'E' is not one of the choices' letters A, B, C, D"),
        ({**GOOD, "answer": 7}, "outside the 4 choices"),
        ({**GOOD, "choices": ["only one"]}, "at least two"),
        ('{"question": "broken', "not valid JSON"),
    ],
)
def test_a_bad_row_is_named_by_file_and_line(row, fragment, tmp_path):
    path = write(tmp_path, [GOOD, row])
    with pytest.raises(EvalDataError) as err:
        read_questions(path)
    assert f"{path}:2:" in str(err.value) and fragment in str(err.value)


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(EvalDataError, match="no questions"):
        read_questions(write(tmp_path, []))


@pytest.mark.parametrize("domain", ["medical", "finance"])
def test_the_bundled_sets_are_well_formed_and_balanced(domain):
    questions = read_questions(ROOT / "data" / domain / f"{domain}_mc.jsonl")
    dev = read_questions(ROOT / "data" / domain / f"{domain}_mc_dev.jsonl")
    assert len(questions) >= 100 and len(dev) == 5
    assert all(len(q.choices) == 4 and len(set(q.choices)) == 4 for q in questions)
    # The right letter is spread over A-D (a model cannot score by always answering one letter).
    counts = [sum(q.answer == i for q in questions) for i in range(4)]
    assert min(counts) > len(questions) / 8
    assert not {q.question for q in questions} & {q.question for q in dev}

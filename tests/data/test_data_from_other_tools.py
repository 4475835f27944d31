"""Data shaped by other tools trains with config only: plain .txt corpora for continued
pre-training (documents per line, per blank-line block or per file, located by line in errors)
and OpenAI-style content lists."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from dsft.data.reading import DataError
from dsft.data.sources import read_source_rows, to_conversations
from tests.conftest import compose_config

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus.txt"
CONTENT_LISTS = FIXTURES / "content_lists.jsonl"


def test_lines_blocks_and_file(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("first line\nsecond line\n\n\nthird, after two blank lines\n  \nlast\n")
    rows, where = read_source_rows(str(text), documents="lines")
    assert [r["text"] for r in rows] == [
        "first line",
        "second line",
        "third, after two blank lines",
        "last",
    ]
    assert where == [f"{text}:1", f"{text}:2", f"{text}:5", f"{text}:7"]
    rows, where = read_source_rows(str(text), documents="blocks")
    assert [r["text"] for r in rows] == [
        "first line\nsecond line",
        "third, after two blank lines",
        "last",
    ]
    assert where == [f"{text}:1", f"{text}:5", f"{text}:7"]
    rows, where = read_source_rows(str(text), documents="file")
    assert rows == [{"text": text.read_text()}] and where == [f"{text}:1"]


def test_a_folder_mixes_txt_with_other_files(tmp_path):
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    (tmp_path / "b.jsonl").write_text('{"text": "three"}\n')
    rows, _ = read_source_rows(str(tmp_path))
    assert [r["text"] for r in rows] == ["one", "two", "three"]


def test_a_txt_file_that_is_not_utf8_names_its_line(tmp_path):
    text = tmp_path / "latin1.txt"
    text.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin1.txt:2:4: not UTF-8"):
        read_source_rows(str(text))


def test_an_unknown_documents_value_fails_at_composition():
    with pytest.raises(Exception, match="data.sources") as err:
        compose_config([f"data.sources=[{{path: {CORPUS}, documents: paragraphs}}]"])
    assert "expected one of [lines, blocks, file]" in str(err.value.__cause__)


@pytest.mark.slow
def test_a_txt_corpus_trains_with_config_only(tmp_path):
    """48 paragraphs as blocks: each a document whose every token carries loss (no prompt)."""
    from dsft.data.datamodule import InstructionDataModule
    from dsft.runs import load_run
    from tests.run_helpers import train_in_process

    overrides = [f"data.sources=[{{path: {CORPUS}, documents: blocks}}]", "debug=fast"]
    run_dir = tmp_path / "run"
    val_loss = train_in_process(overrides, run_dir)
    assert math.isfinite(val_loss)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert sum(summary["data"]["examples"].values()) == 48, summary["data"]
    run = load_run(run_dir)
    data = InstructionDataModule(
        run.config["data"], run.tokenizer, run.config["model"]["chat_template"], 1
    )
    data.setup()
    for example in data.train_examples[:5]:
        learned = [t for t, label in zip(example.input_ids, example.labels, strict=True)]
        assert all(label != -100 for label in example.labels[1:]), "a text token without loss"
        text = run.tokenizer.decode(learned, skip_special_tokens=True)
        assert text.startswith("Note ") and "Scientists who study" in text, text


def test_content_lists_join_their_text_parts():
    rows, where = read_source_rows(str(CONTENT_LISTS))
    (first, *_) = to_conversations(rows, where, "auto")
    assert [(m.role, m.content) for m in first] == [
        ("system", "You answer questions about units."),
        ("user", "How many grams are in 1 kilograms? Answer briefly."),
        ("assistant", "1000 grams."),
    ]


def test_a_content_part_that_is_not_text_is_refused_naming_row_message_and_part():
    image = {"type": "image_url", "image_url": {"url": "x.png"}}
    row = {"messages": [{"role": "user", "content": [{"type": "text", "text": "?"}, image]}]}
    with pytest.raises(DataError, match=r"f.jsonl:3: message 1, content part 2: only text parts"):
        to_conversations([row], ["f.jsonl:3"], "conversations")


@pytest.mark.slow
def test_a_content_list_file_trains_with_config_only(tmp_path):
    from tests.run_helpers import train_in_process

    run_dir = tmp_path / "run"
    source = f"data.sources=[{{path: {CONTENT_LISTS}}}]"
    val_loss = train_in_process([source, "debug=fast"], run_dir)
    assert math.isfinite(val_loss)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert sum(summary["data"]["examples"].values()) == 40

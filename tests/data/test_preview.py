"""`dsft data preview`: examples as the model sees them, the loss tokens marked, and the data's
numbers; the tokenizer only, no weights."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from dsft.data.preview import percentiles
from tests.conftest import ROOT


def preview(*args: str, cache) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dsft.cli", "data", "preview", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DSFT_CACHE": str(cache), "COLUMNS": "200"},
    )


def test_percentiles_are_nearest_rank():
    assert percentiles(list(range(1, 101))) == {
        "min": 1,
        "p50": 50,
        "p90": 90,
        "p99": 99,
        "max": 100,
    }
    assert percentiles([7]) == {"min": 7, "p50": 7, "p90": 7, "p99": 7, "max": 7}


def test_medical_preview_marks_the_answers_and_plots(tmp_path):
    cache, png = tmp_path / "cache", tmp_path / "lengths.png"
    proc = preview("data=medical", "-n", "2", "--plot", str(png), cache=cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert out.count("train example ") == 2 and "of 324:" in out
    # Not a terminal: the loss spans are marked. Each begins where the assistant turn does and
    # ends after the end-of-sentence token the model learns to stop with; prompts carry none.
    panels = re.findall(r"╭─ train example.*?╰", out, flags=re.S)
    for panel in panels:
        flat = re.sub(r"\s*│\s*", "", panel)
        assert flat.count("<｜Assistant｜>⟦") == flat.count("⟦") >= 1, flat
        assert flat.count("<｜end▁of▁sentence｜>⟧") == flat.count("⟧"), flat
        assert "⟦" not in flat.split("<｜Assistant｜>")[0]  # the first prompt: no loss
    for row in ("examples", "train 324, val 36, test 34", "tokens per example (train)", "p90"):
        assert row in out, row
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert not (cache / "models").exists()  # no model was built or loaded


def test_truncation_and_packing_are_counted(tmp_path):
    proc = preview(
        "data=medical", "-n", "0", "data.max_length=96", "data.packing=true", cache=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    truncated = re.search(r"truncated at max_length 96 \(train\)\s*│\s*(\d+) examples", proc.stdout)
    assert truncated and int(truncated.group(1)) > 0, proc.stdout
    packing = re.search(r"(\d+) examples in (\d+) rows of 96 tokens: ([\d.]+)% full", proc.stdout)
    assert packing, proc.stdout
    examples, rows, fill = int(packing.group(1)), int(packing.group(2)), float(packing.group(3))
    assert examples == 324 and rows < examples and 0 < fill <= 100


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["data=nope"], "data"),
        (["data.max_length=-3"], "data.max_length"),
    ],
)
def test_bad_overrides_are_named(tmp_path, args, said):
    proc = preview(*args, cache=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("dsft data preview: error:") and said in proc.stderr
    assert "Traceback" not in proc.stderr

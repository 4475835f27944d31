"""Build the small multiple-choice sets (MMLU format) for the bundled medical and finance domains.

Every question comes from a glossary entry of scripts/make_domain_data.py (written for this
repository): "Which of the following best describes <term>?", with the entry's own definition as
the right answer and the definitions of three other terms of the same glossary as the wrong ones,
each without its opening "<term> is" so the choice text does not name its term. The right letter
and the distractors are picked with random.Random(0) per domain, so the output is byte-identical
between runs and every answer can be checked against the glossary. The first 5 questions of each
domain go to a dev file (k-shot examples), the rest to the test file.

    python scripts/make_mc_data.py [--out-dir data]

writes <out-dir>/<domain>/<domain>_mc.jsonl and <domain>_mc_dev.jsonl.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_QUESTIONS = 5
CHOICES = 4
OPENING = re.compile(r"^.+? (is|are) (?P<rest>.+)$", re.DOTALL)


def glossary_domains():
    spec = importlib.util.spec_from_file_location(
        "make_domain_data", REPO_ROOT / "scripts" / "make_domain_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module.domains()


def description(definition: str) -> str:
    """The first sentence of a definition without its opening "<term> is"."""
    first = definition.split(". ")[0].rstrip(".") + "."
    match = OPENING.match(first)
    rest = match["rest"] if match else first
    return rest[0].upper() + rest[1:]


def questions(domain) -> list[dict]:
    rng = random.Random(0)
    entries = list(domain.glossary)
    described = [description(e.definition) for e in entries]
    rows = []
    for index, entry in enumerate(entries):
        others = [i for i in range(len(entries)) if described[i] != described[index]]
        picked = rng.sample(others, CHOICES - 1)
        answer = rng.randrange(CHOICES)
        choices = [described[i] for i in picked]
        choices.insert(answer, described[index])
        rows.append(
            {
                "question": f'Which of the following best describes "{entry.term}"?',
                "choices": choices,
                "answer": "ABCD"[answer],
                "subject": domain.field,
            }
        )
    return rows


def write_jsonl(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT / "data")
    args = parser.parse_args()
    for domain in glossary_domains():
        rows = questions(domain)
        folder = args.out_dir / domain.name
        write_jsonl(rows[:DEV_QUESTIONS], folder / f"{domain.name}_mc_dev.jsonl")
        write_jsonl(rows[DEV_QUESTIONS:], folder / f"{domain.name}_mc.jsonl")
        print(f"{domain.name}: {len(rows) - DEV_QUESTIONS} questions + {DEV_QUESTIONS} dev")


if __name__ == "__main__":
    main()

"""Build the small bundled instruction-tuning dataset from Python standard library docstrings.

The text comes from the docstrings of a fixed list of standard library modules (PSF licence),
read offline with ``importlib`` and ``inspect``. Each public function, class and method with a
useful docstring becomes one alpaca-style example (``instruction``, ``input``, ``output``); each
module also yields a one-sentence summary and a list of its public names. The template used for
an object is chosen from a hash of its qualified name, so the output is byte-identical between
runs on the same Python version.

Run from anywhere:

    python scripts/make_demo_data.py [--out data/demo/demo.jsonl] [--max-examples 2000]
"""

from __future__ import annotations

import argparse
import builtins
import hashlib
import importlib
import inspect
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "demo" / "demo.jsonl"
DEFAULT_MAX_EXAMPLES = 2000
MAX_OUTPUT_CHARS = 600
MIN_OUTPUT_CHARS = 20
MAX_NAMES_LISTED = 12

# Standard library modules whose docstrings are the source text (PSF licence).
MODULES = sorted(
    [
        "abc",
        "argparse",
        "array",
        "ast",
        "base64",
        "binascii",
        "bisect",
        "bz2",
        "calendar",
        "cmath",
        "codecs",
        "collections",
        "collections.abc",
        "concurrent.futures",
        "configparser",
        "contextlib",
        "copy",
        "csv",
        "dataclasses",
        "datetime",
        "decimal",
        "difflib",
        "email.message",
        "email.utils",
        "enum",
        "fnmatch",
        "fractions",
        "functools",
        "glob",
        "graphlib",
        "gzip",
        "hashlib",
        "heapq",
        "html",
        "inspect",
        "io",
        "ipaddress",
        "itertools",
        "json",
        "logging",
        "lzma",
        "math",
        "mimetypes",
        "numbers",
        "operator",
        "os.path",
        "pathlib",
        "pickle",
        "pprint",
        "queue",
        "random",
        "re",
        "secrets",
        "shlex",
        "shutil",
        "sqlite3",
        "stat",
        "statistics",
        "string",
        "struct",
        "tarfile",
        "tempfile",
        "textwrap",
        "threading",
        "time",
        "timeit",
        "traceback",
        "types",
        "typing",
        "unicodedata",
        "unittest",
        "urllib.parse",
        "uuid",
        "weakref",
        "xml.etree.ElementTree",
        "zipfile",
        "zlib",
    ]
)

BOILERPLATE_DOC = re.compile(r"^(Initialize self|Create and return a new object|See help\()")
GRAMMAR_RULE = re.compile(r"^\w+ = .*\|")  # ASDL productions used as docstrings by ast nodes
SIGNATURE_LINE = re.compile(r"^[\w.]+\(.*\)\s*(-+>.*)?$")
INLINE_SIGNATURE = re.compile(r"^[\w.]+\([^()]*\)\s*(?:->\s*[\w.]+\s*)?(?:--|-|:)\s+(?=\w)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`'\"(])")
UNSTABLE_REPR = re.compile(r"<|0x[0-9a-fA-F]+")


@dataclass(frozen=True)
class DocObject:
    """A public stdlib object with its display name and cleaned docstring."""

    module: str
    name: str
    qualname: str
    obj: object
    kind: str  # "function", "class" or "method"
    doc: str


@dataclass(frozen=True)
class Example:
    """One alpaca-style record plus the module it came from."""

    module: str
    instruction: str
    input: str
    output: str

    def to_json(self) -> str:
        """Serialise as one sorted-key, UTF-8 JSON line."""
        record = {"instruction": self.instruction, "input": self.input, "output": self.output}
        return json.dumps(record, ensure_ascii=False, sort_keys=True)


def stable_hash(text: str) -> int:
    """Return a process-independent integer hash of ``text``."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], 16)


def collapse_whitespace(text: str) -> str:
    """Join lines and squeeze runs of whitespace into single spaces."""
    return " ".join(text.split())


def first_paragraph(doc: object) -> str:
    """Return the first prose paragraph of a docstring, skipping leading signature lines."""
    if not isinstance(doc, str):
        return ""
    for paragraph in re.split(r"\n\s*\n", inspect.cleandoc(doc)):
        lines = [line for line in paragraph.strip().splitlines() if line.strip()]
        while lines and (SIGNATURE_LINE.match(lines[0].strip()) or set(lines[0].strip()) == {"-"}):
            lines = lines[1:]
        text = strip_inline_signature(collapse_whitespace("\n".join(lines)))
        if text:
            return text
    return ""


def strip_inline_signature(text: str) -> str:
    """Drop a ``D.index(value) -- return ...`` style prefix and capitalise what is left."""
    stripped = INLINE_SIGNATURE.sub("", text, count=1)
    return stripped[:1].upper() + stripped[1:] if stripped != text else text


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences at terminal punctuation followed by a capital."""
    return [s for s in SENTENCE_END.split(text) if s]


def first_sentence(text: str) -> str:
    """Return the first sentence of ``text``."""
    sentences = split_sentences(text)
    return sentences[0] if sentences else ""


def cap_length(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """Shorten ``text`` to ``limit`` characters, cutting at a sentence boundary when possible."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    return text[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def is_useful_doc(doc: str) -> bool:
    """Reject empty, very short, generic and grammar-only docstrings."""
    return (
        len(doc) >= MIN_OUTPUT_CHARS
        and not BOILERPLATE_DOC.match(doc)
        and not GRAMMAR_RULE.match(doc)
    )


def public_names(module: object) -> list[str]:
    """Return the sorted public names a module defines or explicitly exports."""
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return sorted(n for n in set(exported) if not n.startswith("_") and hasattr(module, n))
    names = []
    for name in dir(module):
        owner = getattr(getattr(module, name), "__module__", None) or ""
        if not name.startswith("_") and (owner == module.__name__ or owner.startswith("_")):
            names.append(name)
    return sorted(names)


def object_kind(obj: object) -> str | None:
    """Classify an object as "class" or "function", or None for anything else."""
    if inspect.isclass(obj):
        return "class"
    if inspect.isroutine(obj):
        return "function"
    return None


def class_methods(module_name: str, class_name: str, cls: type) -> list[DocObject]:
    """Return the documented public methods of ``cls``, named via its exported ``class_name``."""
    methods = []
    for name in sorted(vars(cls)):
        if name.startswith("_"):
            continue
        attr = getattr(cls, name, None)
        doc = first_paragraph(getattr(attr, "__doc__", None))
        if inspect.isroutine(attr) and is_useful_doc(doc):
            qualname = f"{module_name}.{class_name}.{name}"
            methods.append(DocObject(module_name, name, qualname, attr, "method", doc))
    return methods


def collect_objects(module_name: str, module: object, seen: set[int]) -> list[DocObject]:
    """Return documented public functions, classes and methods of one module."""
    found = []
    for name in public_names(module):
        obj = getattr(module, name)
        kind = object_kind(obj)
        if kind is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        doc = first_paragraph(obj.__doc__)
        if is_useful_doc(doc):
            found.append(DocObject(module_name, name, f"{module_name}.{name}", obj, kind, doc))
        if kind == "class":
            found.extend(class_methods(module_name, name, obj))
    return found


def format_signature(item: DocObject) -> str:
    """Return ``qualname(params)`` from inspect.signature, or "" when unavailable or unstable."""
    try:
        signature = inspect.signature(item.obj)
    except (TypeError, ValueError):
        return ""
    params = list(signature.parameters.values())
    if item.kind == "method" and params and params[0].name == "self":
        signature = signature.replace(parameters=params[1:])
    text = f"{item.qualname}{signature}"
    return "" if UNSTABLE_REPR.search(text) else text


def describe_example(item: DocObject) -> Example | None:
    """Ask what an object does; answer with its docstring's first paragraph."""
    questions = {
        "function": [
            ("What does `{q}` do in Python?", ""),
            ("Explain what the following Python standard library function does.", "`{q}`"),
            ("Briefly describe the `{q}` function.", ""),
        ],
        "class": [
            ("What is the `{q}` class in Python used for?", ""),
            ("Explain what the following Python standard library class represents.", "`{q}`"),
        ],
        "method": [
            ("What does the `{q}` method do?", ""),
            ("Describe this Python method in plain English.", "`{q}`"),
        ],
    }[item.kind]
    instruction, input_text = questions[stable_hash("describe:" + item.qualname) % len(questions)]
    return Example(
        item.module,
        instruction.format(q=item.qualname),
        input_text.format(q=item.qualname),
        cap_length(item.doc),
    )


def signature_example(item: DocObject) -> Example | None:
    """Ask for an object's call signature."""
    signature = format_signature(item)
    if not signature:
        return None
    if item.kind == "class":
        instruction = f"How do you construct a `{item.qualname}` object? Give the signature."
    else:
        instruction = f"Give the signature of `{item.qualname}`."
    return Example(item.module, instruction, "", signature)


def provider_example(item: DocObject, ambiguous: set[str]) -> Example | None:
    """Ask which module provides a top-level name that is unique across the module list."""
    if item.kind == "method" or item.name in ambiguous or hasattr(builtins, item.name):
        return None
    output = (
        f"`{item.name}` is provided by the `{item.module}` module of the Python standard "
        f"library. {first_sentence(item.doc)}"
    )
    instruction = f"Which Python standard library module provides `{item.name}`?"
    return Example(item.module, instruction, "", cap_length(output))


def object_example(item: DocObject, ambiguous: set[str]) -> Example | None:
    """Build one example for ``item``, picking a template by hash and falling back in order."""
    templates: list[Callable[[DocObject], Example | None]] = [
        describe_example,
        signature_example,
        lambda it: provider_example(it, ambiguous),
        describe_example,
    ]
    start = stable_hash(item.qualname) % len(templates)
    for offset in range(len(templates)):
        example = templates[(start + offset) % len(templates)](item)
        if example is not None and len(example.output) >= MIN_OUTPUT_CHARS:
            return example
    return None


def module_examples(module_name: str, module: object, items: list[DocObject]) -> list[Example]:
    """Return a one-sentence summary and a list of public names for one module."""
    examples = []
    summary = first_sentence(first_paragraph(module.__doc__))
    if len(summary) >= MIN_OUTPUT_CHARS:
        instruction = f"Summarise the `{module_name}` module in one sentence."
        examples.append(Example(module_name, instruction, "", cap_length(summary)))
    top_level = [it.name for it in items if it.kind != "method"][:MAX_NAMES_LISTED]
    if len(top_level) >= 3:
        names = ", ".join(f"`{name}`" for name in top_level)
        output = f"The `{module_name}` module provides, among others: {names}."
        instruction = f"List some functions or classes provided by the `{module_name}` module."
        examples.append(Example(module_name, instruction, "", cap_length(output)))
    return examples


def ambiguous_names(objects: list[DocObject]) -> set[str]:
    """Return top-level names that more than one module in the list provides."""
    counts = Counter(it.name for it in objects if it.kind != "method")
    return {name for name, count in counts.items() if count > 1}


def build_examples(module_names: list[str]) -> list[Example]:
    """Introspect every module and return deduplicated examples in source order."""
    modules = {name: importlib.import_module(name) for name in module_names}
    seen: set[int] = set()
    objects = {name: collect_objects(name, mod, seen) for name, mod in modules.items()}
    ambiguous = ambiguous_names([it for items in objects.values() for it in items])
    examples: list[Example] = []
    for name, module in modules.items():
        examples.extend(module_examples(name, module, objects[name]))
        examples.extend(filter(None, (object_example(it, ambiguous) for it in objects[name])))
    unique: dict[tuple[str, str], Example] = {}
    for ex in examples:
        if len(ex.output) >= MIN_OUTPUT_CHARS:
            unique.setdefault((ex.instruction, ex.output), ex)
    return list(unique.values())


def select_examples(examples: list[Example], max_examples: int) -> list[Example]:
    """Shuffle deterministically by content hash and keep at most ``max_examples``."""
    ordered = sorted(examples, key=lambda ex: (stable_hash(ex.to_json()), ex.to_json()))
    return ordered[:max_examples]


def write_jsonl(examples: list[Example], out: Path) -> None:
    """Write examples as UTF-8 JSON lines, each newline-terminated."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for ex in examples:
            handle.write(ex.to_json() + "\n")


def parse_args() -> argparse.Namespace:
    """Parse command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output JSONL path")
    parser.add_argument(
        "--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES, help="cap on examples written"
    )
    return parser.parse_args()


def main() -> None:
    """Generate the dataset and report what was written."""
    args = parse_args()
    examples = select_examples(build_examples(MODULES), args.max_examples)
    write_jsonl(examples, args.out)
    n_modules = len({ex.module for ex in examples})
    print(f"wrote {len(examples)} examples from {n_modules} modules to {args.out}")


if __name__ == "__main__":
    main()

"""Cleaning steps, each switchable, each reporting how many examples it changed or dropped."""

from __future__ import annotations

import html
import logging
import re
import string
import unicodedata
from dataclasses import replace

from dsft.data.split import content_key
from dsft.models.chat_templates import Message

log = logging.getLogger(__name__)

Conversation = list[Message]
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def strip_html(text: str) -> str:
    """Drop tags, decode entities (`&amp;` -> `&`)."""
    return html.unescape(_TAG.sub(" ", text))


# CJK punctuation and spacing, which NFKC would rewrite into ASCII (，。！？（）：； and the
# ideographic space): the CJK Symbols and Punctuation block, and the full-width forms that are
# neither letters nor digits (U+FF01-FF0F, FF1A-FF20, FF3B-FF40, FF5B-FF64).
_CJK_PUNCTUATION = re.compile(
    r"([\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff64]+)"
)


def normalize_unicode(text: str) -> str:
    """NFKC (full-width letters and digits, ligatures and compatibility forms become their plain
    forms), except CJK punctuation and spacing, which Chinese and Japanese text keeps."""
    parts = _CJK_PUNCTUATION.split(text)  # odd indices: the kept runs
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


def normalize_whitespace(text: str) -> str:
    """Collapse runs of spaces/tabs, keep at most one blank line, trim the ends."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def remove_punctuation(text: str) -> str:
    """Remove ASCII punctuation (off by default: it changes what the model learns to write)."""
    return text.translate(_PUNCTUATION)


TEXT_STEPS = {
    "strip_html": strip_html,
    "normalize_unicode": normalize_unicode,
    "normalize_whitespace": normalize_whitespace,
    "remove_punctuation": remove_punctuation,
}


def clean(conversations: list[Conversation], cfg: dict, origin: str) -> tuple[list, dict]:
    """Apply the enabled steps in order; returns (conversations, {step: count}) and logs it."""
    report: dict[str, int] = {"rows_in": len(conversations)}
    for name, fn in TEXT_STEPS.items():
        if cfg.get(name):
            conversations, changed = _map_text(conversations, fn)
            report[f"{name}_changed"] = changed
    min_chars, max_chars = cfg.get("min_chars") or 0, cfg.get("max_chars")
    if min_chars or max_chars:
        kept = [c for c in conversations if _length_ok(c, min_chars, max_chars)]
        report["length_dropped"] = len(conversations) - len(kept)
        conversations = kept
    if cfg.get("deduplicate"):
        seen: set[str] = set()
        kept = []
        for c in conversations:
            key = content_key(c)
            if key not in seen:
                seen.add(key)
                kept.append(c)
        report["duplicates_dropped"] = len(conversations) - len(kept)
        conversations = kept
    report["rows_out"] = len(conversations)
    log.info("cleaning %s: %s", origin, ", ".join(f"{k} {v}" for k, v in report.items()))
    return conversations, report


def _map_text(conversations: list[Conversation], fn) -> tuple[list[Conversation], int]:
    out, changed = [], 0
    for conversation in conversations:
        new = [replace(m, content=fn(m.content)) for m in conversation]
        changed += new != conversation
        out.append(new)
    return out, changed


def _length_ok(conversation: Conversation, min_chars: int, max_chars: int | None) -> bool:
    answer = sum(len(m.content) for m in conversation if m.role in ("assistant", "text"))
    if answer < min_chars or any(not m.content.strip() for m in conversation):
        return False
    return max_chars is None or sum(len(m.content) for m in conversation) <= max_chars

"""Conversations to token ids and labels, with the loss only where the template says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsft.models.chat_templates import ChatTemplate, Message

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

# What happens to an example longer than data.max_length: cut its end, or skip it.
TRUNCATIONS = ("right", "drop")

IGNORE_INDEX = -100


@dataclass
class TokenizedExample:
    input_ids: list[int]
    labels: list[int]  # IGNORE_INDEX where no loss is computed
    source: str | None = None  # the data source it came from (val/test examples)


def tokenize_conversations(
    conversations: list[list[Message]],
    tokenizer: PreTrainedTokenizerBase,
    template: ChatTemplate,
    max_length: int,
    loss_on_prompt: bool = False,
    truncation: str = "right",
    last_turn_only: bool = False,
    report: dict[str, int] | None = None,
) -> tuple[list[TokenizedExample], int]:
    """Tokenize every conversation; returns (examples, number dropped for having no loss tokens).

    Each run of consecutive untrained or trained template text is tokenized as one string (all
    runs in one batched call): a prompt is tokenized as it is at inference, whatever segments the
    template cut it into, and the label mask follows the prompt/answer boundaries. Examples
    longer than `max_length` are cut at the end (`truncation="right"`) or skipped (`"drop"`);
    both count as dropped when no answer is left.
    `last_turn_only` trains only the final assistant turn of multi-turn conversations.
    `report`, when given, gets `truncated` (examples cut at max_length and kept) and
    `answer_tokens_cut` (the trained tokens those cuts lost) added to it.
    """
    if not conversations:
        return [], 0
    try:
        rendered = [template.render(messages, last_turn_only) for messages in conversations]
    except ValueError as err:  # e.g. reasoning for a template without a think block
        from dsft.data.reading import DataError

        raise DataError(str(err)) from None
    rendered = [_runs(segments) for segments in rendered]
    texts = [text for segments in rendered for text, _ in segments]
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    examples, dropped, cursor = [], 0, 0
    for segments in rendered:
        input_ids: list[int] = []
        labels: list[int] = []
        for _, trainable in segments:
            piece = ids[cursor]
            cursor += 1
            input_ids += piece
            labels += piece if (trainable or loss_on_prompt) else [IGNORE_INDEX] * len(piece)
        if len(input_ids) > max_length and truncation == "drop":
            dropped += 1
            continue
        truncated = len(input_ids) > max_length
        cut = sum(label != IGNORE_INDEX for label in labels[max_length:])
        input_ids, labels = input_ids[:max_length], labels[:max_length]
        # Position 0 is never predicted, so an example needs a loss token after it.
        if all(label == IGNORE_INDEX for label in labels[1:]):
            dropped += 1
            continue
        if report is not None and truncated:
            report["truncated"] = report.get("truncated", 0) + 1
            report["answer_tokens_cut"] = report.get("answer_tokens_cut", 0) + cut
        examples.append(TokenizedExample(input_ids, labels))
    return examples, dropped


def _runs(segments: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Consecutive segments with the same trainable flag joined into one (empty ones dropped)."""
    runs: list[tuple[str, bool]] = []
    for text, trainable in segments:
        if not text:
            continue
        if runs and runs[-1][1] == trainable:
            runs[-1] = (runs[-1][0] + text, trainable)
        else:
            runs.append((text, trainable))
    return runs

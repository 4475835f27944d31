"""DeepSeek chat formats, rendered as segments that say which text the loss is computed on.

A template turns a conversation into (text, trainable) segments; the data pipeline tokenizes each
segment on its own, so the loss mask follows segment boundaries exactly.

deepseek_v3 (V3):                  <BOS>{system}<｜User｜>{user}<｜Assistant｜>{answer}<EOS>
deepseek_r1 (R1, R1-Distill):      the same, and an answer with reasoning is
                                   <think>\\n{reasoning}\\n</think>\\n\\n{answer}<EOS>
deepseek_llm (LLM 7B, V2):         <BOS>{system}\\n\\nUser: {user}\\n\\nAssistant: {answer}<EOS>
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Segment = tuple[str, bool]  # (text, trainable)


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant | text (plain text for continued pre-training)
    content: str
    # An assistant's chain of thought (R1 style); rendered only by templates with a think block.
    reasoning: str | None = None


@dataclass(frozen=True)
class ChatTemplate:
    """A chat format: literal markers around each role's text."""

    name: str
    bos: str
    eos: str
    system_prefix: str
    system_suffix: str
    user_prefix: str
    user_suffix: str  # also opens the assistant turn
    assistant_prefix: str = ""
    # Whether answers may carry reasoning, rendered as <think>...</think> before the answer.
    thinks: bool = False

    def render(self, messages: list[Message]) -> list[Segment]:
        """Segments for a conversation; assistant answers (and their EOS) are trainable."""
        segments: list[Segment] = [(self.bos, False)]
        for message in messages:
            if message.role == "system":
                segments.append((self.system_prefix + message.content + self.system_suffix, False))
            elif message.role == "user":
                segments.append((self.user_prefix + message.content + self.user_suffix, False))
            elif message.role == "assistant":
                segments.append((self.assistant_prefix + self._answer(message) + self.eos, True))
            elif message.role == "text":  # continued pre-training: plain text, all trained
                segments.append((message.content + self.eos, True))
            else:
                raise ValueError(f"unknown role {message.role!r}; use system, user or assistant")
        return segments

    def _answer(self, message: Message) -> str:
        if not message.reasoning:  # no reasoning: no think block (never an empty one)
            return message.content
        if not self.thinks:
            raise ValueError(
                f"an answer carries reasoning, but the {self.name} chat template has no think "
                "block; use model.chat_template=deepseek_r1 or drop the reasoning field."
            )
        return f"<think>\n{message.reasoning}\n</think>\n\n{message.content}"


_BOS = "<｜begin▁of▁sentence｜>"
_EOS = "<｜end▁of▁sentence｜>"

TEMPLATES: dict[str, ChatTemplate] = {
    "deepseek_v3": ChatTemplate(
        name="deepseek_v3",
        bos=_BOS,
        eos=_EOS,
        system_prefix="",
        system_suffix="",
        user_prefix="<｜User｜>",
        user_suffix="<｜Assistant｜>",
    ),
    "deepseek_llm": ChatTemplate(
        name="deepseek_llm",
        bos=_BOS,
        eos=_EOS,
        system_prefix="",
        system_suffix="\n\n",
        user_prefix="User: ",
        user_suffix="\n\nAssistant:",
        assistant_prefix=" ",
    ),
}


# R1 and its distills: V3's markers, plus the think block.
TEMPLATES["deepseek_r1"] = replace(TEMPLATES["deepseek_v3"], name="deepseek_r1", thinks=True)


def get_template(name: str) -> ChatTemplate:
    """Look up a template by name."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown chat template {name!r}; known: {', '.join(TEMPLATES)}") from None

"""DeepSeek chat formats, rendered as segments that say which text the loss is computed on.

A template turns a conversation into (text, trainable) segments; the data pipeline tokenizes each
segment on its own, so the loss mask follows segment boundaries exactly. Trained: each answer and
the end marker that stops generation; never trained: BOS, system, user turns and prompt markers.

deepseek_v3 (V3):              <BOS>{system}<｜User｜>{user}<｜Assistant｜>{answer}<EOS>
deepseek_r1 (R1, R1-Distill):  the same; an answer with reasoning is trained as
                               <think>\\n{reasoning}\\n</think>\\n\\n{answer}<EOS>
deepseek_v3_1 (V3.1):          <BOS>{system}<｜User｜>{user}<｜Assistant｜></think>{answer}<EOS>;
                               reasoning: <｜Assistant｜><think>{reasoning}</think>{answer}<EOS>
                               (the mode marker after <｜Assistant｜> belongs to the prompt)
deepseek_llm (LLM 7B, V2):     <BOS>{system}\\n\\nUser: {user}\\n\\nAssistant: {answer}<EOS>
deepseek_coder (Coder):        <BOS>{system}### Instruction:\\n{user}\\n### Response:\\n
                               {answer}\\n<|EOT|>\\n  (Coder's default system prompt when none)

Reasoning-style templates (R1, V3.1) keep the reasoning of the last assistant turn only, as their
own chat templates do: earlier turns' reasoning is dropped from the conversation history, and an
earlier answer whose reasoning was dropped is not trained (it would teach answers without
thinking).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

Segment = tuple[str, bool]  # (text, trainable)


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant | text (plain text for continued pre-training)
    content: str
    # An assistant's chain of thought; rendered only by templates with a think block.
    reasoning: str | None = None


@dataclass(frozen=True)
class ChatTemplate:
    """A chat format: literal markers around each role's text."""

    name: str
    bos: str
    eos: str  # ends every answer; trained, so the model learns to stop
    system_prefix: str
    system_suffix: str
    user_prefix: str
    user_suffix: str  # also opens the assistant turn
    assistant_prefix: str = ""
    answer_suffix: str = ""  # untrained text after the end marker (Coder's newline)
    # The system prompt a conversation without one gets (the model's own default), if any.
    default_system: str | None = None
    # How reasoning is rendered: none (no think block), r1 or v3_1 (see the module docstring).
    thinking: str = "none"

    def render(self, messages: list[Message], last_turn_only: bool = False) -> list[Segment]:
        """Segments for a conversation; assistant answers (and their end marker) are trainable,
        all of them or, with `last_turn_only`, only the final one."""
        if self.thinking == "none" and any(m.reasoning for m in messages):
            raise ValueError(
                f"an answer carries reasoning, but the {self.name} chat template has no think "
                "block; use model.chat_template=deepseek_r1 (or deepseek_v3_1), or drop the "
                "reasoning field."
            )
        answers = [i for i, m in enumerate(messages) if m.role == "assistant"]
        last = answers[-1] if answers else None
        segments: list[Segment] = [(self.bos, False)]
        if self.default_system is not None and not any(m.role == "system" for m in messages):
            segments.append((self.default_system, False))
        for i, message in enumerate(messages):
            if message.role == "system":
                segments.append((self.system_prefix + message.content + self.system_suffix, False))
            elif message.role == "user":
                segments.append((self.user_prefix + message.content + self.user_suffix, False))
            elif message.role == "assistant":
                turn = self._assistant(message, keep_reasoning=i == last)
                # An earlier answer whose reasoning the history drops is context, not a target:
                # training it would teach the model to answer without thinking.
                dropped = bool(message.reasoning) and i != last
                if (last_turn_only and i != last) or dropped:
                    turn = [(text, False) for text, _ in turn]
                segments += turn
            elif message.role == "text":  # continued pre-training: plain text, all trained
                segments.append((message.content + self.eos, True))
            else:
                raise ValueError(f"unknown role {message.role!r}; use system, user or assistant")
        return segments

    def _assistant(self, message: Message, keep_reasoning: bool) -> list[Segment]:
        reasoning = message.reasoning if keep_reasoning else None
        end = [(self.answer_suffix, False)] if self.answer_suffix else []
        if self.thinking == "v3_1":  # the mode marker is part of the prompt
            if reasoning:
                body = f"{reasoning}</think>{message.content}{self.eos}"
                return [("<think>", False), (body, True), *end]
            return [("</think>", False), (message.content + self.eos, True), *end]
        answer = message.content
        if reasoning:  # never an empty think block
            answer = f"<think>\n{reasoning}\n</think>\n\n{answer}"
        return [(self.assistant_prefix + answer + self.eos, True), *end]


_BOS = "<｜begin▁of▁sentence｜>"
_EOS = "<｜end▁of▁sentence｜>"
# DeepSeek-Coder-Instruct's own default system prompt (from its tokenizer_config chat_template).
_CODER_SYSTEM = (
    "You are an AI programming assistant, utilizing the Deepseek Coder model, developed by "
    "Deepseek Company, and you only answer questions related to computer science. For "
    "politically sensitive questions, security and privacy issues, and other non-computer "
    "science questions, you will refuse to answer\n"
)

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
    "deepseek_coder": ChatTemplate(
        name="deepseek_coder",
        bos=_BOS,
        eos="\n<|EOT|>",
        answer_suffix="\n",
        system_prefix="",
        system_suffix="",
        user_prefix="### Instruction:\n",
        user_suffix="\n### Response:\n",
        default_system=_CODER_SYSTEM,
    ),
}
# R1 and its distills: V3's markers, plus the think block. V3.1: a thinking-mode marker.
TEMPLATES["deepseek_r1"] = replace(TEMPLATES["deepseek_v3"], name="deepseek_r1", thinking="r1")
TEMPLATES["deepseek_v3_1"] = replace(
    TEMPLATES["deepseek_v3"], name="deepseek_v3_1", thinking="v3_1"
)


def get_template(name: str) -> ChatTemplate:
    """Look up a template by name."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown chat template {name!r}; known: {', '.join(TEMPLATES)}") from None

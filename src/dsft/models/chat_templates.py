"""DeepSeek chat formats, rendered as segments that say which text the loss is computed on.

A template turns a conversation into (text, trainable) segments; the data pipeline tokenizes each
run of untrained or trained text as one string, as a generation prompt followed by its answer.
Trained: each answer and the end marker that stops generation; never trained: BOS, system, user
turns and prompt markers.

deepseek_v3 (V3):              <BOS>{system}<｜User｜>{user}<｜Assistant｜>{answer}<EOS>
deepseek_r1 (R1, R1-Distill):  V3's markers; the final answer follows <think>\n, which the prompt
                               forces as R1's own template does: trained as
                               {reasoning}\n</think>\n\n{answer}<EOS>, or without reasoning as an
                               empty think block </think>\n\n{answer}<EOS>; earlier answers in the
                               history are rendered without a think block, as R1 renders them
deepseek_v3_1 (V3.1):          <BOS>{system}<｜User｜>{user}<｜Assistant｜></think>{answer}<EOS>;
                               reasoning: <｜Assistant｜><think>{reasoning}</think>{answer}<EOS>
                               (the mode marker after <｜Assistant｜> belongs to the prompt)
deepseek_llm (LLM 7B, V2):     <BOS>{system}\n\nUser: {user}\n\nAssistant: {answer}<EOS>
deepseek_coder (Coder):        <BOS>{system}### Instruction:\n{user}\n### Response:\n
                               {answer}\n<|EOT|>\n  (Coder's default system prompt when none)

`ChatTemplate.prompt` gives the text a generation continues from: a conversation ending with a
user turn, up to the point where the answer's trained text starts (with the mode marker of V3.1
and R1's forced <think>\n). `dsft.models.jinja_template` writes the same format as the Jinja
chat template saved with every tokenizer, so `apply_chat_template` renders what dsft trained on.

Why R1 trains after a forced <think>\n: R1's and R1-Distill's official templates end every
generation prompt with it, so a model served with them (vLLM, transformers) always starts from
there; training the same prompt keeps training and serving equal. An answer without reasoning
becomes an empty think block, as R1 writes one itself when it does not need to think.

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
        answers = [i for i, m in enumerate(messages) if m.role == "assistant"]
        last = answers[-1] if answers else None
        return self._history(messages, last, last_turn_only)

    def prompt(self, messages: list[Message], thinking: bool | None = False) -> str:
        """The text before the answer to `messages` (ending with a user turn), as render trains it.

        Args:
            thinking: False: answer directly (R1: after an empty think block; V3.1: after its
                </think> marker). True: open the think block so the model reasons first
                (thinking templates only). None: the template's own generation prompt, what
                `apply_chat_template(add_generation_prompt=True)` renders (R1: <think>\n, the
                model decides whether to reason; V3.1: non-thinking).
        """
        if not messages or messages[-1].role != "user":
            got = f"the last message is {messages[-1].role!r}" if messages else "it is empty"
            raise ValueError(f"a prompt needs a conversation that ends with a user message; {got}")
        if thinking and self.thinking == "none":
            raise ValueError(
                f"thinking=True needs a template with a think block; {self.name} has none "
                "(use deepseek_r1 or deepseek_v3_1)."
            )
        # As render does for the history of an answer at index len(messages): every earlier
        # assistant turn is history, its reasoning dropped.
        segments = self._history(messages, last=len(messages))
        history = "".join(text for text, _ in segments)
        return history + self.generation_prompt(thinking)

    def generation_prompt(self, thinking: bool | None = None) -> str:
        """What follows the last user turn before the answer's content (see `prompt`)."""
        if self.thinking == "v3_1":
            return _THINK_OPEN if thinking else _THINK_CLOSE
        if self.thinking == "r1":
            return _R1_OPEN if thinking or thinking is None else _R1_OPEN + _R1_EMPTY_CLOSE
        return ""

    def _history(
        self, messages: list[Message], last: int | None, last_turn_only: bool = False
    ) -> list[Segment]:
        """Render's segments, with `last` the index of the final answer (the one that keeps its
        reasoning and, in R1, its think block)."""
        if self.thinking == "none" and any(m.reasoning for m in messages):
            raise ValueError(
                f"an answer carries reasoning, but the {self.name} chat template has no think "
                "block; use model.chat_template=deepseek_r1 (or deepseek_v3_1), or drop the "
                "reasoning field."
            )
        segments: list[Segment] = [(self.bos, False)]
        if self.default_system is not None and not any(m.role == "system" for m in messages):
            segments.append((self.default_system, False))
        for i, message in enumerate(messages):
            if message.role == "system":
                segments.append((self.system_prefix + message.content + self.system_suffix, False))
            elif message.role == "user":
                segments.append((self.user_prefix + message.content + self.user_suffix, False))
            elif message.role == "assistant":
                turn = self._assistant(message, final=i == last)
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

    def _assistant(self, message: Message, final: bool) -> list[Segment]:
        """(untrained mode marker, trained answer) of one assistant turn; only the final answer
        keeps its reasoning."""
        reasoning = message.reasoning if final else None
        head, body = "", self.assistant_prefix
        if self.thinking == "v3_1":
            head = _THINK_OPEN if reasoning else _THINK_CLOSE
            body += (reasoning + _THINK_CLOSE) if reasoning else ""
        elif self.thinking == "r1" and final:
            head = _R1_OPEN
            body += (reasoning + "\n" + _R1_EMPTY_CLOSE) if reasoning else _R1_EMPTY_CLOSE
        segments = [(head, False)] if head else []
        segments.append((body + message.content + self.eos, True))
        if self.answer_suffix:
            segments.append((self.answer_suffix, False))
        return segments


_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
# R1: the think block the prompt opens, and how it closes after the reasoning (or at once).
_R1_OPEN = _THINK_OPEN + "\n"
_R1_EMPTY_CLOSE = _THINK_CLOSE + "\n\n"
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

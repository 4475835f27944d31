"""Chat with a finished run: its model from `load_run`, prompted with the run's own chat template.

    dsft chat outputs/runs/<run>                       # interactive: history kept, /reset, /exit
    dsft chat outputs/runs/<run> --prompt "What is ..." --temperature 0   # one answer to stdout

A `ChatSession` keeps the conversation as dsft `Message`s and renders each prompt with
`ChatTemplate.prompt`, the text the run trained its answers after; reasoning templates (R1, V3.1)
keep each answer's reasoning apart, and their history drops it, as training did. Tokens stream as
they are generated (a transformers streamer); each answer reports its first-token time and speed.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from transformers import TextStreamer

from dsft.models.chat_templates import Message
from dsft.models.tokenizer import stop_token_ids

if TYPE_CHECKING:
    from dsft.runs import LoadedRun


@dataclass
class Sampling:
    """How answers are generated; temperature 0 is greedy decoding."""

    max_new_tokens: int = 256
    temperature: float = 0.6  # DeepSeek's recommendation for R1 and V3
    top_p: float = 0.95
    top_k: int | None = None
    repetition_penalty: float = 1.0
    seed: int | None = None  # set: the same answers on every run

    def __post_init__(self) -> None:
        checks = [
            (
                self.max_new_tokens >= 1,
                f"--max-new-tokens must be at least 1, got {self.max_new_tokens}",
            ),
            (
                self.temperature >= 0,
                f"--temperature must be 0 (greedy) or more, got {self.temperature}",
            ),
            (0 < self.top_p <= 1, f"--top-p must be in (0, 1], got {self.top_p}"),
            (
                self.top_k is None or self.top_k >= 1,
                f"--top-k must be at least 1, got {self.top_k}",
            ),
            (self.repetition_penalty > 0, "--repetition-penalty must be positive"),
        ]
        for ok, why in checks:
            if not ok:
                raise ValueError(why)

    def generate_kwargs(self) -> dict:
        if self.temperature <= 0:
            return {"do_sample": False, "repetition_penalty": self.repetition_penalty}
        return {
            "do_sample": True,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k or 0,  # 0: no top-k cut
            "repetition_penalty": self.repetition_penalty,
        }


@dataclass
class Reply:
    """One generated answer and how long it took."""

    text: str  # everything generated (reasoning, think markers and answer), without the stop token
    answer: str
    reasoning: str | None
    new_tokens: int
    prompt_tokens: int
    first_token_s: float
    total_s: float
    stopped: bool = False  # interrupted (Ctrl-C) before the model finished

    @property
    def tokens_per_s(self) -> float:
        decode_s = self.total_s - self.first_token_s
        return (self.new_tokens - 1) / decode_s if self.new_tokens > 1 and decode_s > 0 else 0.0

    def timing(self) -> str:
        return (
            f"{self.new_tokens} tokens, first after {self.first_token_s * 1000:.0f} ms, "
            f"{self.tokens_per_s:.1f} tokens/s; context {self.prompt_tokens + self.new_tokens} "
            "tokens" + (" (stopped)" if self.stopped else "")
        )


@dataclass
class ChatSession:
    """A conversation with a loaded run."""

    run: LoadedRun
    sampling: Sampling = field(default_factory=Sampling)
    system: str | None = None
    thinking: bool | None = None  # None: the template's served prompt (R1 opens <think>)
    history: list[Message] = field(default_factory=list)

    def __post_init__(self) -> None:
        import torch

        if self.sampling.seed is not None:
            torch.manual_seed(self.sampling.seed)
        self.stop_ids = stop_token_ids(self.run.tokenizer, self.run.template)
        self.context_length = int(self.run.config["model"]["context_length"])

    def reset(self) -> None:
        self.history = []

    def messages(self, user: str) -> list[Message]:
        system = [Message("system", self.system)] if self.system else []
        return [*system, *self.history, Message("user", user)]

    def reply(self, user: str, on_text: Callable[[str], None] = lambda text: None) -> Reply:
        """Answer `user` after the history; `on_text` gets the answer's text as it streams."""
        import torch

        run = self.run
        ids = self._prompt_ids(user)
        room = self.context_length - ids.shape[1]
        streamer = _TimedStreamer(run.tokenizer, self.stop_ids, on_text)
        started = time.perf_counter()
        stopped = False
        try:
            with torch.inference_mode():
                run.causal_lm.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=min(self.sampling.max_new_tokens, room),
                    eos_token_id=self.stop_ids,
                    pad_token_id=run.tokenizer.pad_token_id,
                    streamer=streamer,
                    **self.sampling.generate_kwargs(),
                )
        except KeyboardInterrupt:
            stopped = True
            streamer.end()
        total = time.perf_counter() - started
        text = streamer.text()
        # Stripped: the history renders the answer with the template's own spacing and markers
        # (deepseek_llm's leading space, Coder's newline before <|EOT|>), as training did.
        answer, reasoning = (
            _split_reasoning(text) if run.template.thinking != "none" else (text.strip(), None)
        )
        if not stopped:  # an interrupted answer is not history the model wrote
            self.history += [Message("user", user), Message("assistant", answer, reasoning)]
        first = (streamer.first_token_at or time.perf_counter()) - started
        return Reply(text, answer, reasoning, streamer.tokens, ids.shape[1], first, total, stopped)

    def _prompt_ids(self, user: str):
        """The prompt's token ids; the oldest turns are dropped while the prompt and a full
        answer (max_new_tokens) do not fit the context."""
        import torch

        tokenizer, template = self.run.tokenizer, self.run.template
        while True:
            text = template.prompt(self.messages(user), thinking=self.thinking)
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            fits = len(ids) + self.sampling.max_new_tokens <= self.context_length
            if fits or not self.history:
                break
            self.history = self.history[2:]  # one user/assistant pair
        if len(ids) >= self.context_length:
            raise ValueError(
                f"the prompt is {len(ids)} tokens, more than the model's context_length "
                f"{self.context_length}; shorten the message or the system prompt."
            )
        return torch.tensor([ids], device=self.run.causal_lm.device)


def _split_reasoning(text: str) -> tuple[str, str | None]:
    """(answer, reasoning) of a generation from a thinking template's prompt."""
    if "</think>" not in text:
        return text.strip(), None
    reasoning, answer = text.split("</think>", 1)
    reasoning = reasoning.replace("<think>", "").strip()
    return answer.strip(), reasoning or None


class _TimedStreamer(TextStreamer):
    """A transformers streamer that hands on the new text, times the first new token and counts
    the new ones; stop tokens are counted but not shown."""

    def __init__(self, tokenizer, stop_ids: list[int], on_text: Callable[[str], None]):
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=False)
        self.stop_ids = set(stop_ids)
        self.on_text = on_text
        self.first_token_at: float | None = None
        self.tokens = 0
        self.parts: list[str] = []

    def put(self, value):
        if not self.next_tokens_are_prompt:
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            value = value.reshape(-1)
            self.tokens += value.numel()
            value = value[[int(t) not in self.stop_ids for t in value.tolist()]]
        super().put(value)

    def on_finalized_text(self, text: str, stream_end: bool = False):
        if text:
            self.parts.append(text)
            self.on_text(text)

    def text(self) -> str:
        return "".join(self.parts)


HELP = "/reset clears the history, /exit (or Ctrl-D) quits, Ctrl-C stops an answer."


def chat(
    run_dir: str,
    stage: str | None = None,
    base: bool = False,
    prompt: str | None = None,
    system: str | None = None,
    thinking: bool | None = None,
    sampling: Sampling | None = None,
    device: str = "auto",
) -> None:
    """`dsft chat`: one answer to stdout (`prompt`), or an interactive conversation."""
    from dsft.models.chat_templates import get_template
    from dsft.models.devices import inference_device
    from dsft.runs import finished_run, load_run

    # Everything that can be refused is, before the model loads.
    _, config, _ = finished_run(run_dir, stage)
    template = get_template(config["model"]["chat_template"])
    if thinking is not None and template.thinking == "none":
        raise ValueError(
            f"--thinking/--no-thinking need a template with a think block; this run's is "
            f"{template.name}."
        )
    device, precision = inference_device(device)
    print(
        f"loading {run_dir} ({'base model' if base else 'trained model'}, {device}) ...",
        file=sys.stderr,
    )
    run = load_run(run_dir, stage=stage, precision=precision, device=device, base=base)
    session = ChatSession(run, sampling or Sampling(), system, thinking)
    if prompt is not None:
        reply = session.reply(prompt, on_text=_write)
        print()
        print(reply.timing(), file=sys.stderr)
        return
    _interactive(session)


def _interactive(session: ChatSession) -> None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    run = session.run
    what = "base model of" if run.base else "model trained by"
    print(
        f"Chatting with the {what} {run.run_dir} ({run.config['model']['name']}, "
        f"adapter={run.config['adapter']['method']}, template {run.template.name}). {HELP}"
    )
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not line:
            continue
        if line in ("/exit", "/quit"):
            return
        if line == "/reset":
            session.reset()
            print("(history cleared)")
            continue
        if line.startswith("/"):
            print(HELP)
            continue
        print("model> ", end="", flush=True)
        try:
            reply = session.reply(line, on_text=_write)
        except ValueError as err:  # e.g. a message longer than the context: say so, go on
            print(f"\n(error: {err})")
            continue
        print()
        print(f"[{reply.timing()}]")


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()

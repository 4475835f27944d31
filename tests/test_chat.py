"""`dsft chat`: one scripted answer, and the interactive mode driven under a pseudo-terminal."""

from __future__ import annotations

import re
import sys

import pytest
import torch

from dsft.chat import ChatSession, Sampling, _split_reasoning
from dsft.models.chat_templates import Message
from dsft.runs import load_run
from tests.conftest import ROOT, run_dsft

pytestmark = pytest.mark.slow
TIMING = re.compile(r"(\d+) tokens, first after \d+ ms, [\d.]+ tokens/s; context (\d+) tokens")


def greedy_text(run, question: str, n: int) -> str:
    """What greedy decoding writes after the run's prompt, computed here with plain generate."""
    prompt = run.template.prompt([Message("user", question)], thinking=None)
    ids = run.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        out = run.causal_lm.generate(input_ids=ids, max_new_tokens=n, do_sample=False)
    new = [t for t in out[0, ids.shape[1] :].tolist() if t != run.tokenizer.eos_token_id]
    return run.tokenizer.decode(new)


@pytest.mark.parametrize("base", [False, True])
def test_prompt_prints_the_greedy_answer_and_its_timing(finished_run, base):
    run_dir, _ = finished_run("deepseek_v3", "lora")
    args = ["chat", str(run_dir), "--prompt", "What is a dose?", "--temperature", "0"]
    proc = run_dsft(*args, "--max-new-tokens", "12", *(["--base"] if base else []))
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = load_run(run_dir, base=base)
    assert proc.stdout.strip() == greedy_text(run, "What is a dose?", 12).strip()
    timing = TIMING.search(proc.stderr)
    assert timing and int(timing.group(1)) <= 12, proc.stderr[-2000:]


def test_the_trained_and_the_base_model_answer_differently(finished_run):
    run_dir, _ = finished_run("deepseek_v3", "lora")
    trained, base = load_run(run_dir), load_run(run_dir, base=True)
    assert greedy_text(trained, "What is a dose?", 12) != greedy_text(base, "What is a dose?", 12)


def test_interactive_chat_keeps_history_resets_and_exits(finished_run):
    pexpect = pytest.importorskip("pexpect")
    run_dir, _ = finished_run("deepseek_v3", "lora")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "dsft.cli", "chat", str(run_dir), "--temperature", "0", "--max-new-tokens", "6"],
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=240,
    )
    try:
        child.expect("Chatting with the model trained by")
        contexts = []
        for line in (
            "What is a dose?",
            "And a second question?",
            "/reset",
            "And a second question?",
        ):
            child.expect_exact("you> ")
            child.sendline(line)
            if line == "/reset":
                child.expect_exact("(history cleared)")
                continue
            child.expect(r"\[" + TIMING.pattern + r"\]")
            contexts.append(int(child.match.group(2)))
        # Turn 2 sees turn 1 (its context is longer); after /reset the same message starts over.
        assert contexts[1] > contexts[0] + 6
        assert contexts[2] < contexts[1]
        child.expect_exact("you> ")
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_session_history_drops_reasoning_and_fits_the_context(finished_run):
    run_dir, _ = finished_run("qwen2", "lora")  # deepseek_r1 template
    session = ChatSession(load_run(run_dir), Sampling(max_new_tokens=4, temperature=0))
    reply = session.reply("Hi")
    assert reply.new_tokens == 4 and session.history[0] == Message("user", "Hi")
    session.history[1] = Message("assistant", "Hello.", reasoning="The user greets me.")
    prompt = session.run.template.prompt(session.messages("Bye"), thinking=None)
    assert "The user greets me." not in prompt and prompt.endswith("Bye<｜Assistant｜><think>\n")
    # A history too long for the context and a full answer (4 tokens) drops its oldest turns.
    session.context_length = len(session._prompt_ids("Bye")[0]) + 4
    session.history = [Message("user", "x " * 40), Message("assistant", "y"), *session.history]
    assert len(session._prompt_ids("Bye")[0]) + 4 == session.context_length
    assert session.history[0] == Message("user", "Hi")


def test_split_reasoning():
    assert _split_reasoning("Let me think.\n</think>\n\n4.") == ("4.", "Let me think.")
    assert _split_reasoning("</think>\n\n4.") == ("4.", None)
    assert _split_reasoning("4.") == ("4.", None)


def test_bad_requests_are_clear_errors_before_loading(finished_run, tmp_path):
    run_dir, _ = finished_run("deepseek_v3", "lora")
    cases = [
        ([str(tmp_path / "nope")], "no run dir at"),
        (
            [str(run_dir), "--thinking"],
            "need a template with a think block; this run's is deepseek_v3",
        ),
        ([str(run_dir), "--top-p", "0"], "--top-p must be in (0, 1]"),
        ([str(run_dir), "--device", "cuda"], "no CUDA GPU is available here"),
    ]
    for args, message in cases:
        proc = run_dsft("chat", *args, "--prompt", "Hi")
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert "loading" not in proc.stderr  # refused before the model loads

"""MMLU-style multiple choice, scored by the log-likelihood of each choice (or its letter)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dsft.evaluation.mc_data import LETTERS, Question, read_questions
from dsft.evaluation.scoring import continuation_logprobs
from dsft.models.chat_templates import Message


def question_block(question: Question, with_answer: bool = False) -> str:
    """The question and its lettered choices, ending with `Answer:`."""
    lines = [question.question]
    lines += [f"{LETTERS[i]}. {choice}" for i, choice in enumerate(question.choices)]
    text = "\n".join(lines) + "\nAnswer:"
    if with_answer:
        text += f" {LETTERS[question.answer]}"
    return text


def context_text(run, question: Question, shots: list[Question], chat: bool) -> str:
    """Everything before the scored continuation: the k-shot examples, then the question."""
    subject = question.subject or "general knowledge"
    header = f"The following are multiple choice questions (with answers) about {subject}.\n\n"
    examples = "".join(question_block(q, with_answer=True) + "\n\n" for q in shots)
    body = header + examples + question_block(question)
    if chat:
        return run.template.prompt([Message("user", body)])
    return run.template.bos + body  # the template's BOS, as in training


def evaluate_multiple_choice(run, task: dict[str, Any]) -> dict[str, Any]:
    """Accuracy overall and per subject; each item's scores and whether it was right."""
    questions = read_questions(task["path"])[: task.get("max_items") or None]
    shots = read_questions(task["dev_path"])[: task["k_shot"]] if task["k_shot"] else []
    encode = run.tokenizer
    items = []
    for question in questions:
        # The texts carry their own BOS (from the template), as the training data did.
        text = context_text(run, question, shots, task["chat_template"])
        context = encode(text, add_special_tokens=False)["input_ids"]
        # In chat format the answer starts right after the assistant marker (as in training);
        # in plain text after "Answer:" and a space.
        space = "" if task["chat_template"] else " "
        if task["score"] == "letter":
            options = [space + LETTERS[i] for i in range(len(question.choices))]
        else:
            options = [space + choice for choice in question.choices]
        continuations = [encode(o, add_special_tokens=False)["input_ids"] for o in options]
        scores = continuation_logprobs(run, context, continuations)
        chosen = max(range(len(scores)), key=scores.__getitem__)
        items.append(
            {
                "subject": question.subject,
                "scores": scores,
                "chosen": chosen,
                "answer": question.answer,
                "correct": chosen == question.answer,
            }
        )
    return {"metrics": _accuracies(items), "n": len(items), "items": items}


def _accuracies(items: list[dict]) -> dict[str, float]:
    metrics = {"accuracy": sum(i["correct"] for i in items) / len(items)}
    subjects: dict[str, list[bool]] = defaultdict(list)
    for item in items:
        if item["subject"]:
            subjects[item["subject"]].append(item["correct"])
    if len(subjects) > 1:
        for subject, correct in sorted(subjects.items()):
            metrics[f"accuracy/{subject}"] = sum(correct) / len(correct)
    return metrics

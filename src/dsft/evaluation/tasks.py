"""The evaluation task types and their schemas (no torch: validation imports this)."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

# Prompts for latency when a suite gives none: short questions, rendered with the chat template.
DEFAULT_PROMPTS = [
    "What is a Python list?",
    "Explain what a dictionary is in simple terms.",
    "How do I read a file line by line?",
    "What does the len function return?",
]


@dataclass
class PerplexityTask:
    """Token-weighted loss and perplexity of the run's own held-out splits."""

    type: str = "perplexity"
    splits: list[str] = field(default_factory=lambda: ["val", "test"])
    by_source: bool = True  # also per data source (domain vs general for mixed data)
    # Another data config (conf/data/<name>) to score instead of the run's own, e.g. general
    # data after domain training; its splits are made the same way.
    data: str | None = None


@dataclass
class MultipleChoiceTask:
    """MMLU-style questions from a local file, scored by log-likelihood."""

    type: str = "multiple_choice"
    # .jsonl or .csv: question, choices (a list, or columns A B C D), answer (letter or index),
    # optional subject.
    path: str = MISSING
    dev_path: str | None = None  # k-shot examples come from here (the first k, in order)
    k_shot: int = 0
    # choices: the log-likelihood of each choice's text; letter: of the answer letter.
    score: str = "choices"
    chat_template: bool = True  # render the question with the model's chat template
    max_items: int | None = None  # evaluate the first N items only


@dataclass
class LatencyTask:
    """Time to first token and decode speed, greedy, with the KV cache, after warm-up."""

    type: str = "latency"
    prompts: list[str] = field(default_factory=lambda: list(DEFAULT_PROMPTS))
    repeats: int = 3  # timed generations per prompt
    warmup: int = 1  # untimed generations first
    max_new_tokens: int = 16  # every generation makes exactly this many tokens
    # Also time all prompts as one batch of this size (left-padded); null: batch 1 only.
    batch_size: int | None = None


@dataclass
class MemoryTask:
    """Peak host RSS (and GPU memory) of the evaluation, and the weights' footprint."""

    type: str = "memory"


@dataclass
class HarnessTask:
    """Tasks of lm-evaluation-harness (`pip install "lm-eval[hf]"`), run on the loaded model with
    its adapter; local task YAMLs from `include_path` keep it offline."""

    type: str = "harness"
    tasks: list[str] = MISSING  # lm-eval task names, e.g. [mmlu_anatomy] or a local task's name
    include_path: str | None = None  # a dir of lm-eval task YAMLs (local data, no hub)
    num_fewshot: int | None = None
    limit: int | None = None  # the first N documents of each task
    batch_size: int = 1


TASK_TYPES = {
    "perplexity": PerplexityTask,
    "multiple_choice": MultipleChoiceTask,
    "latency": LatencyTask,
    "memory": MemoryTask,
    "harness": HarnessTask,
}
SCORES = ("choices", "letter")

"""Does an export compute what was trained? Logits on a fixed batch, greedy tokens, template ids.

Every export is compared with the trained model from `load_run` on the same prompts, rendered with
the run's chat template at two shapes (a right-padded batch of three, and one prompt alone), so a
graph that fixed its batch or sequence length fails too. Only real (unpadded) positions count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from dsft.models.chat_templates import ChatTemplate, Message

PROMPTS = (
    "What is the usual adult dose of paracetamol, and when should it be lowered?",
    "Hi",
    "Summarise in one sentence: the patient reported chest pain after exercise.",
    "Explain compound interest to a ten-year-old.",
)
GREEDY_TOKENS = 20
# A conversation whose ids the exported tokenizer's apply_chat_template must reproduce.
CONVERSATION = [
    Message("system", "You are a careful assistant."),
    Message("user", "What is 2+2?"),
    Message("assistant", "4."),
    Message("user", "And 3+3?"),
    Message("assistant", "6."),
]

Forward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (ids, mask) -> logits


@dataclass
class ParityBatch:
    """The fixed inputs: a padded batch and a single prompt, as (input_ids, attention_mask)."""

    shapes: list[tuple[torch.Tensor, torch.Tensor]]
    prompt_ids: list[list[int]]  # the prompts alone, for greedy generation

    @classmethod
    def build(cls, tokenizer, template: ChatTemplate) -> ParityBatch:
        texts = [template.prompt([Message("user", p)]) for p in PROMPTS]
        ids = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
        pad = tokenizer.pad_token_id
        return cls(
            shapes=[_right_padded(ids[:3], pad), _right_padded(ids[3:], pad)], prompt_ids=ids
        )


@dataclass
class Reference:
    """What the trained model computes on a ParityBatch."""

    logits: list[torch.Tensor]  # one per shape, float32, on the CPU
    greedy: list[list[int]]  # the new tokens of greedy generation per prompt


def logits_of(forward: Forward, batch: ParityBatch) -> list[torch.Tensor]:
    with torch.inference_mode():
        return [forward(ids, mask).float().cpu() for ids, mask in batch.shapes]


def model_forward(model, device: str = "cpu") -> Forward:
    """A transformers (or peft) model as a Forward."""

    def forward(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = model(input_ids=ids.to(device), attention_mask=mask.to(device), use_cache=False)
        return out.logits

    return forward


def greedy_tokens(model, batch: ParityBatch, device: str = "cpu") -> list[list[int]]:
    """The first GREEDY_TOKENS tokens greedy decoding writes after each prompt (KV cache on)."""
    out = []
    with torch.inference_mode():
        for ids in batch.prompt_ids[:2]:
            prompt = torch.tensor([ids], device=device)
            tokens = model.generate(
                input_ids=prompt,
                attention_mask=torch.ones_like(prompt),
                max_new_tokens=GREEDY_TOKENS,
                min_new_tokens=GREEDY_TOKENS,
                do_sample=False,
                use_cache=True,
                pad_token_id=0,
            )
            out.append(tokens[0, len(ids) :].tolist())
    return out


def reference(model, batch: ParityBatch, device: str = "cpu") -> Reference:
    return Reference(
        logits_of(model_forward(model, device), batch), greedy_tokens(model, batch, device)
    )


def compare(got: list[torch.Tensor], want: list[torch.Tensor], batch: ParityBatch) -> dict:
    """Max abs logit difference and top-1 agreement over the real positions of every shape."""
    diffs, agree, total = [], 0, 0
    for g, w, (_, mask) in zip(got, want, batch.shapes, strict=True):
        real = mask.bool()
        g, w = g[real], w[real]
        diffs.append((g - w).abs().max().item())
        agree += (g.argmax(-1) == w.argmax(-1)).sum().item()
        total += real.sum().item()
    shapes = [list(ids.shape) for ids, _ in batch.shapes]
    return {"max_abs_diff": max(diffs), "top1_agreement": agree / total, "shapes": shapes}


def template_check(tokenizer, run_tokenizer, template: ChatTemplate) -> dict[str, Any]:
    """Whether `tokenizer.apply_chat_template` (an exported tokenizer) gives the ids dsft trained
    on for CONVERSATION, and the served prompt of its first question."""
    from dsft.data.tokenize import tokenize_conversations

    (example,), _ = tokenize_conversations([CONVERSATION], run_tokenizer, template, 1 << 20)
    dicts = [{"role": m.role, "content": m.content} for m in CONVERSATION]
    served = tokenizer.apply_chat_template(dicts, return_dict=False)
    prompt = tokenizer.apply_chat_template(dicts[:2], add_generation_prompt=True, tokenize=False)
    return {
        "trained_ids_equal": served == example.input_ids,
        "served_prompt": prompt,
        "expected_prompt": template.prompt(CONVERSATION[:2], thinking=None),
    }


def _right_padded(rows: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return ids, mask

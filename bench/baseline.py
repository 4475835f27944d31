"""The baseline: a plain transformers + peft training loop, as people write it by hand.

It trains on exactly the examples dsft trains on (the same files, split and token ids, prepared
with dsft's data functions so that only the training differs), in shuffled batches padded to the
longest example, with the loss from `model(..., labels=...)` over the full logits, `.item()` on
every step, and the same LoRA config, optimizer, schedule and clipping. Prints one JSON line.

    python bench/baseline.py --spec '{...}'   (run by bench/throughput.py)
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from peft import get_peft_model
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM

from dsft.adapters.peft_lora import build_lora_config, count_parameters, exact_targets
from dsft.data.pipeline import prepare_data
from dsft.data.tokenize import IGNORE_INDEX
from dsft.models.chat_templates import get_template
from dsft.models.tokenizer import load_tokenizer
from dsft.training.clock import process_start_time
from dsft.training.schedules import warmup_cosine


def pad_batch(examples, pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), length), pad_id)
    labels = torch.full((len(examples), length), IGNORE_INDEX)
    mask = torch.zeros((len(examples), length), dtype=torch.long)
    for i, e in enumerate(examples):
        ids[i, : len(e.input_ids)] = torch.tensor(e.input_ids)
        labels[i, : len(e.labels)] = torch.tensor(e.labels)
        mask[i, : len(e.input_ids)] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def main(spec: dict) -> dict:
    torch.manual_seed(spec["seed"])
    device = spec["device"]
    bf16 = spec["precision"].startswith("bf16")
    tokenizer = load_tokenizer(spec["tokenizer"])
    # The exact examples dsft trains on (same reading, cleaning, split and tokens).
    data = prepare_data(spec["data"], tokenizer, get_template("deepseek_v3"), spec["seed"])
    train_ex, val_ex = data.train, data.val

    model = AutoModelForCausalLM.from_pretrained(
        spec["model_dir"], dtype=torch.bfloat16 if bf16 else torch.float32
    ).to(device)
    model.requires_grad_(False)
    # The same LoRA placement as dsft's (the config only; peft does the rest). exact_targets keeps
    # peft 0.21 from dropping the dense MLP and shared-expert targets (huggingface/peft#3711).
    adapter = {"method": "lora", "r": spec["r"], "alpha": spec["alpha"], "dropout": 0.0}
    lora = build_lora_config(adapter, spec["targets"], spec["family"])
    with exact_targets():
        model = get_peft_model(model, lora)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=spec["lr"], weight_decay=0.0)
    scheduler = warmup_cosine(optimizer, spec["steps"], spec["warmup_steps"], 0.1)
    collate = lambda b: pad_batch(b, tokenizer.pad_token_id)  # noqa: E731
    loader = DataLoader(
        train_ex,
        batch_size=spec["batch_size"],
        shuffle=True,
        collate_fn=collate,
        generator=torch.Generator().manual_seed(spec["seed"]),
    )

    losses, tokens, first_step, step = [], 0, None, 0
    start = time.perf_counter()
    while step < spec["steps"]:
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            with torch.autocast(
                device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=bf16
            ):
                loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            tokens += int(batch["attention_mask"].sum())
            step += 1
            if first_step is None:
                first_step = time.time() - process_start_time()
            if step == spec["steps"]:
                break
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {
        "tokens_per_s": tokens / seconds,
        "trainable_parameters": count_parameters(model)[0],
        "train_seconds": seconds,
        "non_pad_tokens": tokens,
        "time_to_first_step_s": first_step,
        "final_train_loss": losses[-1],
        "final_val_loss": val_loss(model, val_ex, spec, tokenizer.pad_token_id, bf16),
        "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20
        if device.startswith("cuda")
        else None,
    }


@torch.no_grad()
def val_loss(model, examples, spec, pad_id, bf16) -> float:
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(examples), spec["batch_size"]):
        batch = {
            k: v.to(spec["device"])
            for k, v in pad_batch(examples[i : i + spec["batch_size"]], pad_id).items()
        }
        n = int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())
        with torch.autocast(
            device_type=spec["device"].split(":")[0], dtype=torch.bfloat16, enabled=bf16
        ):
            total += float(model(**batch).loss) * n
        count += n
    return total / count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True, help="JSON spec from bench/throughput.py")
    result = main(json.loads(parser.parse_args().spec))
    import resource

    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))

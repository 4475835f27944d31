"""`dsft data preview`: the data as the model sees it, before any training.

Examples rendered with the model's chat template, the tokens that carry loss highlighted, token
counts per example, and a summary: examples per source and split, length percentiles, what
`max_length` truncated or dropped, and the packing fill rate. Only the tokenizer is loaded.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample

PERCENTILES = (50, 90, 99)


def preview_config(overrides: list[str]) -> tuple[dict[str, Any], dict[str, Any], int, str]:
    """(data, model, seed, cache_dir) of `train.py [overrides]`, validated."""
    from dsft.config.compose import compose_train
    from dsft.config.validate import validate

    cfg = compose_train(overrides)
    validate(cfg)
    data = OmegaConf.to_container(cfg.data, resolve=True, enum_to_str=True)
    model = OmegaConf.to_container(cfg.model, resolve=True, enum_to_str=True)
    return data, model, int(cfg.seed), str(cfg.paths.cache_dir)


def tokenizer_for(model: dict[str, Any], cache_dir: str):
    """The run's tokenizer (with dsft's chat template), without loading weights: the model's
    named tokenizer, else its own files (a tiny random-init model is built once, cached)."""
    from dsft.models.loading import load_model_tokenizer, resolve_model_source

    source = model.get("tokenizer") or resolve_model_source(model, cache_dir)
    return load_model_tokenizer(model, source)


def percentiles(values: list[int]) -> dict[str, int]:
    """min, p50, p90, p99 and max of `values` (nearest rank)."""
    if not values:
        return {}
    ordered = sorted(values)
    out = {"min": ordered[0]}
    for p in PERCENTILES:
        out[f"p{p}"] = ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))]
    out["max"] = ordered[-1]
    return out


def summarize(data, cfg: dict[str, Any]) -> dict[str, Any]:
    """The preview's numbers, from prepared (unpacked) splits and their stats."""
    from dsft.data.packing import pack_examples

    summary: dict[str, Any] = {
        "splits": {s: len(getattr(data, s)) for s in ("train", "val", "test")},
        "sources": {
            name: {k: v for k, v in info.items() if k in ("rows_in", "rows_out")}
            for name, info in (data.stats.get("sources") or {}).items()
        },
        "per_source": {},
        "lengths": percentiles([len(e.input_ids) for e in data.train]),
        "loss_tokens": percentiles([loss_tokens(e) for e in data.train]),
        "truncated": data.stats.get("truncated_in_tokenization", {}),
        "dropped": data.stats.get("dropped_in_tokenization", {}),
        "max_length": cfg["max_length"],
    }
    for split in ("val", "test"):
        for example in getattr(data, split):
            counts = summary["per_source"].setdefault(example.source or "?", {})
            counts[split] = counts.get(split, 0) + 1
    if cfg.get("packing") and data.train:
        rows = pack_examples(data.train, cfg["max_length"])
        tokens = sum(len(e.input_ids) for e in data.train)
        summary["packing"] = {
            "rows": len(rows),
            "examples": len(data.train),
            "fill_rate": tokens / (len(rows) * cfg["max_length"]),
        }
    return summary


def loss_tokens(example: TokenizedExample) -> int:
    return sum(label != IGNORE_INDEX for label in example.labels[1:])


def pick(examples: list[TokenizedExample], n: int, shuffle: bool, seed: int) -> list[int]:
    """Indices of the first n examples, or n at random."""
    indices = list(range(len(examples)))
    if shuffle:
        random.Random(seed).shuffle(indices)
    return indices[:n]


MARKS = ("⟦", "⟧")  # around the loss-carrying spans where there are no colours (a pipe, a file)


def render_example(example: TokenizedExample, tokenizer, marked: bool = False):
    """A rich Text of the example's tokens: loss-carrying ones highlighted (and between MARKS
    when `marked`), the rest dim."""
    from rich.text import Text

    text, inside = Text(), False
    # Label t is the target of position t-1: token t carries loss when labels[t] is set.
    for token, label in zip(example.input_ids, example.labels, strict=True):
        learned = label != IGNORE_INDEX
        if marked and learned != inside:
            text.append(MARKS[0] if learned else MARKS[1])
            inside = learned
        text.append(tokenizer.decode([token]), style="bold black on green" if learned else "dim")
    if inside:
        text.append(MARKS[1])
    return text


def plot_lengths(data, path: Path, max_length: int) -> Path:
    """A histogram of the training examples' token lengths (and loss tokens), max_length marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lengths = [len(e.input_ids) for e in data.train]
    answers = [loss_tokens(e) for e in data.train]
    figure, axis = plt.subplots(figsize=(7, 4))
    top = max([*lengths, max_length])
    bins = [top * i / 50 for i in range(51)]  # the same bins for both
    axis.hist(lengths, bins=bins, alpha=0.7, label="whole example")
    axis.hist(answers, bins=bins, alpha=0.7, label="tokens with loss")
    axis.axvline(max_length, color="red", linestyle="--", label=f"max_length {max_length}")
    axis.set_xlabel("tokens")
    axis.set_ylabel("training examples")
    axis.set_title(f"Token lengths of {len(lengths)} training examples")
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def preview(
    overrides: list[str],
    n: int = 5,
    split: str = "train",
    shuffle: bool = False,
    plot: str | None = None,
    console=None,
) -> dict[str, Any]:
    """Print n examples of a split and the summary; returns the summary."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    from dsft.data.pipeline import prepare_data
    from dsft.models.chat_templates import get_template

    console = console or Console()
    data_cfg, model, seed, cache_dir = preview_config(overrides)
    unpacked = {**data_cfg, "packing": False}  # examples one by one; packing is summarized
    console.print(f"[dim]loading the tokenizer of {model['name']} (no weights)...[/dim]")
    tokenizer = tokenizer_for(model, cache_dir)
    template = get_template(model["chat_template"])
    data = prepare_data(unpacked, tokenizer, template, seed, cache_dir)
    examples = getattr(data, split)
    marked = console.color_system is None
    for i in pick(examples, n, shuffle, seed):
        example = examples[i]
        title = (
            f"{split} example {i + 1} of {len(examples)}: {len(example.input_ids)} tokens, "
            f"{loss_tokens(example)} with loss" + (f" ({example.source})" if example.source else "")
        )
        shown = render_example(example, tokenizer, marked)
        console.print(Panel(shown, title=title, title_align="left"))
    if marked:
        console.print(f"{MARKS[0]}...{MARKS[1]}: tokens the loss is computed on")
    else:
        console.print("[bold black on green]highlighted[/]: tokens the loss is computed on")
    summary = summarize(data, data_cfg)
    table = Table(title=f"data {data_cfg['name']} with {model['chat_template']} template")
    table.add_column("what")
    table.add_column("value")
    table.add_row("examples", ", ".join(f"{s} {c}" for s, c in summary["splits"].items()))
    for name, info in summary["sources"].items():
        held_out = summary["per_source"].get(name, {})
        table.add_row(
            f"source {name}",
            f"{info.get('rows_in')} rows read, {info.get('rows_out')} after cleaning"
            + "".join(f", {c} {s}" for s, c in held_out.items()),
        )
    for key, label in (("lengths", "tokens per example"), ("loss_tokens", "tokens with loss")):
        table.add_row(f"{label} (train)", ", ".join(f"{k} {v}" for k, v in summary[key].items()))
    for split_name, info in summary["truncated"].items():
        if info.get("truncated"):
            table.add_row(
                f"truncated at max_length {summary['max_length']} ({split_name})",
                f"{info['truncated']} examples, {info['answer_tokens_cut']} answer tokens cut",
            )
    dropped = {s: c for s, c in summary["dropped"].items() if c}
    if dropped:
        table.add_row("dropped (no answer within max_length)", str(dropped))
    if "packing" in summary:
        packing = summary["packing"]
        table.add_row(
            "packing",
            f"{packing['examples']} examples in {packing['rows']} rows of {summary['max_length']}"
            f" tokens: {packing['fill_rate']:.1%} full",
        )
    console.print(table)
    if plot:
        written = plot_lengths(data, Path(plot), summary["max_length"])
        console.print(f"length histogram: {written}")
    return summary

"""From a data config to tokenized train/val/test examples: read, clean, split, mix, tokenize,
pack; cached on disk (`dsft.data.cache`: arrays, no pickle) so sweep jobs with the same data and
tokenizer do not redo it."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsft.data.cache import SUFFIX, load_splits, save_splits
from dsft.data.cleaning import clean
from dsft.data.fingerprint import fingerprint
from dsft.data.mixing import concatenate, mix_with_usage, normalized_weights
from dsft.data.packing import pack_examples
from dsft.data.reading import DataError
from dsft.data.sources import check_columns, read_source_rows, to_conversations
from dsft.data.split import split_three_ways
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample, tokenize_conversations
from dsft.models.chat_templates import ChatTemplate

log = logging.getLogger(__name__)
# 2: val/test examples know their source; 3: prompts tokenized whole, R1 after <think>\n;
# 4: arrays in safetensors instead of pickle; 5: keyed by file contents; 6: NFKC leaves CJK
# punctuation alone
CACHE_VERSION = 6


@dataclass
class PreparedData:
    train: list[TokenizedExample]
    val: list[TokenizedExample]
    test: list[TokenizedExample]
    stats: dict[str, Any] = field(default_factory=dict)


def prepare_data(
    cfg: dict[str, Any],
    tokenizer,
    template: ChatTemplate,
    seed: int = 0,
    cache_dir: str | Path | None = None,
) -> PreparedData:
    """Tokenized splits for a data config, from the cache when it has them."""
    files = fingerprint(cfg)  # what the run reads, by content (summary.json: data.files)
    cache_file = None
    if cache_dir is not None and cfg.get("cache", True):
        cache_file = (
            Path(cache_dir).expanduser()
            / "data"
            / f"{cache_key(cfg, tokenizer, template, seed, files)}{SUFFIX}"
        )
        cached = load_splits(cache_file)
        if cached is not None and cached[0]["train"]:  # (an empty one: prepare, and say why)
            splits, stats = cached
            data = PreparedData(**splits, stats=stats)
            log.info(
                "data %s: %d train / %d val / %d test examples (tokenized earlier: %s)",
                cfg["name"],
                len(data.train),
                len(data.val),
                len(data.test),
                cache_file,
            )
            return _accounted(data, files)
    data = _prepare(cfg, tokenizer, template, seed)
    if cache_file is not None:
        splits = {"train": data.train, "val": data.val, "test": data.test}
        try:
            save_splits(cache_file, splits, data.stats)
        except OSError as err:  # the cache is optional: warn, and go on without it
            log.warning(
                "cannot write the data cache %s (%s): going on without it (the data is "
                "prepared again next time). Make the dir writable, point DSFT_CACHE "
                "(paths.cache_dir) elsewhere, or set data.cache=false.",
                cache_file.parent,
                err.strerror or err,
            )
    return _accounted(data, files)


def _accounted(data: PreparedData, files: dict[str, str]) -> PreparedData:
    """The stats with what was read (file -> sha256) and the examples per split."""
    data.stats["files"] = files
    data.stats["examples"] = {s: len(getattr(data, s)) for s in ("train", "val", "test")}
    return data


def cache_key(
    cfg: dict[str, Any], tokenizer, template: ChatTemplate, seed: int, files: dict[str, str]
) -> str:
    """Changes whenever the data config, the files' contents (`files`: path -> sha256), the
    tokenizer or the template do; not when a file is only touched or copied back."""
    vocab = tokenizer.get_vocab()
    spec = {
        "version": CACHE_VERSION,
        "data": {k: v for k, v in cfg.items() if k not in ("num_workers", "cache", "name")},
        "files": sorted(files.items()),
        "tokenizer": [
            tokenizer.name_or_path,
            len(vocab),
            hashlib.sha256(json.dumps(sorted(vocab.items())).encode()).hexdigest(),
        ],
        "template": repr(template),
        "seed": seed,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _prepare(cfg: dict[str, Any], tokenizer, template: ChatTemplate, seed: int) -> PreparedData:
    stats: dict[str, Any] = {"sources": {}}
    pools = _read_pools(cfg, stats)
    train, val, test = _split_and_mix(cfg, pools, stats, seed)
    splits = {"train": [(None, train)], "val": val, "test": test}
    tokenized = _tokenize_splits(cfg, splits, tokenizer, template, stats)
    truncated = {k: v["truncated"] for k, v in stats["truncated_in_tokenization"].items()}
    cut = sum(v["answer_tokens_cut"] for v in stats["truncated_in_tokenization"].values())
    log.info(
        "data %s: %d train / %d val / %d test examples%s (dropped in tokenization: %s; cut at "
        "max_length %d: %s, %d answer tokens lost)",
        cfg["name"],
        len(tokenized["train"]),
        len(tokenized["val"]),
        len(tokenized["test"]),
        f", packed from {stats['packed']['examples']}" if "packed" in stats else "",
        stats["dropped_in_tokenization"],
        cfg["max_length"],
        truncated,
        cut,
    )
    return PreparedData(tokenized["train"], tokenized["val"], tokenized["test"], stats)


def _read_pools(cfg: dict[str, Any], stats: dict[str, Any]) -> list[list]:
    """The cleaned conversations of each source (its cleaning report into stats)."""
    pools = []
    for index, source in enumerate(cfg["sources"]):
        name = source.get("name") or Path(source["path"]).name or f"source{index}"
        if name in stats["sources"]:  # two files with one name: keep their stats apart
            name = f"{name}#{index}"
        conversations = _read_source(source, cfg, name)
        conversations, report = clean(conversations, cfg.get("cleaning") or {}, name)
        stats["sources"][name] = report
        if not conversations:
            raise DataError(
                f"source {name}: no examples left after cleaning ({_counts(report)}). "
                "Relax data.cleaning (min_chars, max_chars) or check the file."
            )
        pools.append(conversations)
    return pools


def _split_and_mix(cfg: dict[str, Any], pools: list[list], stats: dict[str, Any], seed: int):
    """(train, val, test): training conversations (pools mixed), and the val and test
    conversations as (source name, conversations) groups; each source is split by hash."""
    explicit = {}
    for split, path in (cfg.get("split_files") or {}).items():
        if split not in ("val", "test"):
            raise DataError(f"data.split_files: unknown split {split!r}; use val and test.")
        explicit[split] = _read_source({"path": path, "format": "auto"}, cfg, f"{split} file")
    val_fraction = 0.0 if "val" in explicit else cfg["val_fraction"]
    test_fraction = 0.0 if "test" in explicit else cfg["test_fraction"]
    splits = [split_three_ways(pool, val_fraction, test_fraction) for pool in pools]
    train_pools = [s[0] for s in splits]
    names = list(stats["sources"])
    # Held-out examples stay grouped by source (for per-source evaluation), in source order.
    held_out = {}
    for index, split in ((1, "val"), (2, "test")):
        if split in explicit:
            held_out[split] = [(f"{split} file", explicit[split])]
        else:
            held_out[split] = [(n, s[index]) for n, s in zip(names, splits, strict=True)]
    val, test = held_out["val"], held_out["test"]
    weights = normalized_weights([float(s.get("weight", 1.0)) for s in cfg["sources"]], names)
    if cfg.get("domain_weight") is not None and len(weights) > 1:
        rest = sum(weights[1:]) or 1.0
        share = cfg["domain_weight"]
        weights = [share] + [(1 - share) * w / rest for w in weights[1:]]
    stats["weights"] = dict(zip(names, weights, strict=True))
    weighted = cfg.get("mix_size") or len(set(weights)) > 1  # domain_weight makes them unequal
    if len(train_pools) == 1 and not cfg.get("mix_size"):
        train = train_pools[0]
    elif not weighted:  # equal weights, no size: every row once, nothing silently left out
        train = concatenate(train_pools, seed)
        stats["mixing"] = "every row once"
    else:
        size = cfg.get("mix_size") or sum(len(p) for p in train_pools)
        train, used = mix_with_usage(train_pools, weights, size, seed)
        stats["mixing"] = dict(zip(names, used, strict=True))
        for name, use in stats["mixing"].items():
            log.info(
                "data %s: source %s: %d of its %d train rows used, %d draws repeated a row, "
                "%d rows left out",
                cfg["name"],
                name,
                use["used"],
                use["rows"],
                use["repeated"],
                use["left_out"],
            )
    stats["split"] = {
        "train": len(train),
        "val": sum(len(group) for _, group in val),
        "test": sum(len(group) for _, group in test),
    }
    if not train or not stats["split"]["val"]:
        raise DataError(
            f"data {cfg['name']}: {stats['split']} examples after splitting; add data, or "
            "change data.val_fraction / data.split_files."
        )
    return train, val, test


def _tokenize_splits(cfg, splits: dict[str, list], tokenizer, template, stats) -> dict[str, list]:
    """Token ids and labels per split (each split given as (source, conversations) groups);
    training rows packed when configured, eval rows sorted by length."""
    kwargs = dict(
        tokenizer=tokenizer,
        template=template,
        max_length=cfg["max_length"],
        loss_on_prompt=cfg.get("loss_on_prompt", False),
        truncation=cfg.get("truncation", "right"),
        last_turn_only=cfg.get("loss_on_last_turn_only", False),
    )
    tokenized = {}
    for split, groups in splits.items():
        tokenized[split], dropped, report = [], 0, {"truncated": 0, "answer_tokens_cut": 0}
        for source, conversations in groups:
            examples, n = tokenize_conversations(conversations, **kwargs, report=report)
            for example in examples:
                example.source = source
            tokenized[split] += examples
            dropped += n
        stats.setdefault("dropped_in_tokenization", {})[split] = dropped
        stats.setdefault("truncated_in_tokenization", {})[split] = report
    if not tokenized["train"]:
        conversations = [c for _, group in splits["train"] for c in group]
        raise DataError(_nothing_fits(cfg, conversations, kwargs))
    if cfg.get("packing"):
        before = len(tokenized["train"])
        tokenized["train"] = pack_examples(tokenized["train"], cfg["max_length"])
        stats["packed"] = {"examples": before, "rows": len(tokenized["train"])}
    # Order does not change the val loss; sorting by length cuts padding in its batches.
    for split in ("val", "test"):
        tokenized[split].sort(key=lambda e: len(e.input_ids))
    return tokenized


def _nothing_fits(cfg, conversations: list, kwargs: dict) -> str:
    """Why no training example survived tokenization: the lengths against data.max_length."""
    whole = dict(kwargs, max_length=1 << 30, truncation="right")
    examples, _ = tokenize_conversations(conversations[:500], **whole)
    prompts = sorted(
        next((i for i, t in enumerate(e.labels) if t != IGNORE_INDEX), len(e.labels))
        for e in examples
    )
    lengths = sorted(len(e.input_ids) for e in examples)
    if not prompts:
        return f"data {cfg['name']}: no training example has an answer to learn from."
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    return (
        f"data.max_length={cfg['max_length']}: every training example was dropped, because no "
        f"answer starts within {cfg['max_length']} tokens (prompts are {prompts[0]} to "
        f"{prompts[-1]} tokens, whole examples {lengths[0]} to {lengths[-1]}). Raise "
        f"data.max_length, e.g. data.max_length={p90} keeps 90% of the examples whole."
    )


def _read_source(source: dict[str, Any], cfg: dict[str, Any], name: str):
    rows, where = read_source_rows(
        source["path"], source.get("split", "train"), str(source.get("documents") or "lines")
    )
    if cfg.get("max_examples"):
        rows, where = rows[: cfg["max_examples"]], where[: cfg["max_examples"]]
    if not rows:
        raise DataError(f"source {name} ({source['path']}): no rows.")
    columns = dict(source.get("columns") or {})
    check_columns(rows, columns, source["path"])
    return to_conversations(
        rows, where, source.get("format", "auto"), columns, cfg.get("system_prompt")
    )


def _counts(report: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in report.items())

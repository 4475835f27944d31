"""Tiny random-init models with a real architecture, built once and cached on disk.

The model is built from its transformers config class with a fixed seed, written with
`save_pretrained` into a folder named by a hash of its spec, and from then on loaded through the
ordinary `from_pretrained` path, exactly like a downloaded checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

from dsft.atomic import atomic_path
from dsft.models.tokenizer import BUNDLED_DEEPSEEK, load_tokenizer

log = logging.getLogger(__name__)


def tiny_model_dir(
    cache_dir: str | Path, name: str, family: str, config: dict[str, Any], seed: int
) -> Path:
    """The cache folder of a spec: the same spec always maps to the same folder."""
    spec = {
        "family": family,
        "config": config,
        "seed": seed,
        "transformers": transformers.__version__,
    }
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return Path(cache_dir).expanduser() / "models" / f"{name}-{digest}"


def ensure_tiny_model(
    cache_dir: str | Path,
    name: str,
    family: str,
    config: dict[str, Any],
    seed: int,
    tokenizer: str | None = BUNDLED_DEEPSEEK,
    dtype: str = "float32",
) -> Path:
    """Build and save the tiny model (and its tokenizer) unless the cache already holds it."""
    spec = dict(config, _dtype=dtype)
    target = tiny_model_dir(cache_dir, name, family, spec, seed)
    if (target / "config.json").is_file():
        return target
    try:
        return _build(target, family, config, seed, tokenizer, dtype)
    except OSError as err:
        if (target / "config.json").is_file():  # another job got there first: use its copy
            return target
        # The cache is optional: an unwritable one costs a rebuild, never the run.
        elsewhere = Path(tempfile.gettempdir()) / "dsft-cache"
        fallback = tiny_model_dir(elsewhere, name, family, spec, seed)
        log.warning(
            "cannot write the model cache %s (%s): building the tiny model in %s instead. Make "
            "the cache dir writable, or point DSFT_CACHE (paths.cache_dir) elsewhere.",
            target.parent,
            err.strerror or err,
            fallback,
        )
        if (fallback / "config.json").is_file():
            return fallback
        return _build(fallback, family, config, seed, tokenizer, dtype)


def _build(target: Path, family: str, config: dict, seed: int, tokenizer, dtype: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    model_config = AutoConfig.for_model(family, **config)
    # A private RNG: building the model must not change the run's random state, or a run's
    # LoRA init would depend on whether the model was already cached.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(model_config, dtype=getattr(torch, dtype))
    # Written to a temp dir and renamed, so parallel jobs never see a half-written model.
    with atomic_path(target, directory=True) as staging:
        model.save_pretrained(staging)
        if tokenizer is not None:
            load_tokenizer(tokenizer).save_pretrained(staging)
    return target

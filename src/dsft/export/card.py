"""The model card (README.md) written beside an export: what it is, how it was made, how it did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_LOAD = {
    "merged": """```python
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("{path}")
model = AutoModelForCausalLM.from_pretrained("{path}")
ids = tokenizer.apply_chat_template(
    [{{"role": "user", "content": "Hello"}}], add_generation_prompt=True, return_tensors="pt"
)
print(tokenizer.decode(model.generate(ids, max_new_tokens=64)[0, ids.shape[1]:]))
```""",
    "nf4": """```python
from transformers import AutoModelForCausalLM, AutoTokenizer

# 4-bit NF4 (bitsandbytes): the quantization config is saved with the weights.
tokenizer = AutoTokenizer.from_pretrained("{path}")
model = AutoModelForCausalLM.from_pretrained("{path}")
```""",
    "adapter": """```python
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

base = AutoModelForCausalLM.from_pretrained("{base}")
model = PeftModel.from_pretrained(base, "{path}")
tokenizer = AutoTokenizer.from_pretrained("{path}")  # carries the trained chat template
```""",
}


def model_card(fmt: str, run_dir: Path, config: dict[str, Any], summary: dict[str, Any]) -> str:
    """A README.md for the `fmt` export of a run."""
    model, adapter, data = config["model"], config["adapter"], config["data"]
    base = model.get("hub_id") or f"{model['name']} (random-init, built by dsft)"
    front = ["---", "library_name: transformers", "tags: [dsft, deepseek, fine-tuned]"]
    if model.get("hub_id"):
        front.append(f"base_model: {model['hub_id']}")
    front.append("---")
    lines = [
        *front,
        "",
        f"# {model['name']} fine-tuned on {data.get('name', 'custom data')} ({fmt} export)",
        "",
        f"Fine-tuned with dsft; exported from the run `{run_dir}`.",
        "",
        "| | |",
        "|---|---|",
        f"| base model | {base} |",
        f"| adapter | {_adapter(adapter)} |",
        f"| data | {data.get('name')}: {', '.join(_sources(data))} |",
        f"| chat template | {model['chat_template']} (saved in tokenizer_config.json) |",
        f"| max length | {data.get('max_length')} tokens |",
        f"| optimizer steps | {summary.get('global_step', '?')} |",
        "",
        "## Metrics",
        "",
        *_metrics(summary, run_dir),
        "",
    ]
    if fmt in _LOAD:
        lines += ["## Use", "", _LOAD[fmt].format(path=".", base=model.get("hub_id") or base), ""]
    return "\n".join(lines)


def _adapter(adapter: dict[str, Any]) -> str:
    method = adapter["method"]
    if "r" in adapter:
        return f"{method} (r={adapter['r']}, alpha={adapter.get('alpha')})"
    return method


def _sources(data: dict[str, Any]) -> list[str]:
    return [Path(str(s.get("path", "?"))).name for s in data.get("sources", [])]


def _metrics(summary: dict[str, Any], run_dir: Path) -> list[str]:
    rows = ["| metric | value |", "|---|---|"]
    for key in ("initial_val_loss", "final_val_loss", "final_test_loss"):
        if isinstance(summary.get(key), int | float):
            rows.append(f"| {key} | {summary[key]:.4f} |")
    for path in sorted((run_dir / "eval").glob("*.json")):
        try:
            results = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for task, result in (results.get("tasks") or {}).items():
            for metric, value in (result.get("metrics") or {}).items():
                if isinstance(value, int | float):
                    rows.append(f"| eval/{task}/{metric} ({path.stem}) | {value:.4g} |")
    return rows if len(rows) > 2 else ["No metrics recorded."]

"""The README's memory table: `dsft plan` for the real model entries x (lora, qlora), with
whether each fits a 24, 40 and 80 GB device.

    python scripts/plan_table.py [extra overrides]
"""

from __future__ import annotations

import sys
from dataclasses import replace

from dsft.config.compose import compose_train
from dsft.planning.memory import GIB, plan_memory, setup_from_config

MODELS = [
    "deepseek_llm_7b",
    "deepseek_r1_distill_qwen_1_5b",
    "deepseek_r1_distill_qwen_7b",
    "deepseek_r1_distill_qwen_14b",
    "deepseek_r1_distill_qwen_32b",
    "deepseek_r1_distill_llama_8b",
    "deepseek_r1_distill_llama_70b",
    "deepseek_v2_lite",
    "deepseek_v3",
]
SETTINGS = ["hardware=a100", "hardware.micro_batch_size=1", "data.max_length=2048"]
DEVICES_GB = (24, 40, 80)


def row(model: str, extra: list[str]) -> str:
    cells = [f"`{model}`"]
    for adapter in ("lora", "qlora"):
        setup = setup_from_config(
            compose_train([f"model={model}", f"adapter={adapter}", *SETTINGS, *extra])
        )
        total = plan_memory(setup, suggest=False).total
        fits = []
        for gb in DEVICES_GB:
            plan = plan_memory(replace(setup, memory_bytes=gb * GIB), suggest=False)
            fits.append("yes" if plan.fits else "no")
        cells.append(f"{total / GIB:,.1f} GiB ({'/'.join(fits)})")
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    extra = sys.argv[1:]
    print(f"Settings: {' '.join(SETTINGS + extra)}; fits 24 / 40 / 80 GB")
    print("| model | lora | qlora |")
    print("|---|---|---|")
    for model in MODELS:
        print(row(model, extra))


if __name__ == "__main__":
    main()

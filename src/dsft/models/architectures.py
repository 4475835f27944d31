"""What each supported architecture family is made of, known without loading any weights.

The names are the `nn.Linear` module names transformers uses for each family; tests check them
against real (meta-device) models, so config validation can reject a LoRA target that does not
exist before a model is loaded.
"""

from __future__ import annotations

_LLAMA_LIKE = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
    "lm_head",
)
# Multi-head latent attention (MLA): q_proj without q-LoRA (V2-Lite), q_a_proj/q_b_proj with it.
# The MoE router `gate` is not an nn.Linear and is never a LoRA target; the routed experts are fused
# 3-D parameters that `target_modules` cannot reach.
_DEEPSEEK_MLA_MOE = (
    "q_proj",
    "q_a_proj",
    "q_b_proj",
    "kv_a_proj_with_mqa",
    "kv_b_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
    "lm_head",
)

LINEAR_MODULE_NAMES: dict[str, tuple[str, ...]] = {
    "llama": _LLAMA_LIKE,
    "qwen2": _LLAMA_LIKE,
    "qwen3": _LLAMA_LIKE,
    "deepseek_v2": _DEEPSEEK_MLA_MOE,
    "deepseek_v3": _DEEPSEEK_MLA_MOE,
}

SUPPORTED_FAMILIES = tuple(LINEAR_MODULE_NAMES)

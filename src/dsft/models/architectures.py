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
# 3-D parameters (see FUSED_EXPERTS).
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

# The routed experts of the MoE families are one 3-D parameter (experts, out, in) per projection,
# adapted through peft's `target_parameters`; gate and up projections are fused into one. A LoRA
# target written as a key here names that parameter; the MLP names (gate_proj, up_proj,
# down_proj) reach the dense MLPs and shared experts (Linear layers) and the fused experts too.
FUSED_EXPERTS: dict[str, tuple[str, ...]] = {
    "experts.gate_up_proj": ("gate_proj", "up_proj"),
    "experts.down_proj": ("down_proj",),
}
MOE_FAMILIES = ("deepseek_v2", "deepseek_v3")


def routed_expert_weights(shape: dict) -> int:
    """Weights in the routed experts of a DeepSeek MoE config (gate, up and down projections of
    every routed expert in every MoE layer); 0 for a dense model."""
    experts = shape.get("n_routed_experts") or 0
    moe_layers = shape.get("num_hidden_layers", 0) - shape.get("first_k_dense_replace", 0)
    return moe_layers * experts * 3 * shape.get("moe_intermediate_size", 0) * shape["hidden_size"]


def lora_target_names(family: str) -> tuple[str, ...]:
    """Everything a LoRA target may name in this family: Linear modules and fused parameters."""
    fused = tuple(FUSED_EXPERTS) if family in MOE_FAMILIES else ()
    return LINEAR_MODULE_NAMES[family] + fused


def fused_expert_ranks(names: list[str], family: str) -> dict[str, int]:
    """Fused expert parameter -> how many rank-r LoRA targets fold into it (0: not adapted).

    Naming both gate_proj and up_proj gives the fused gate_up_proj rank 2r, the same parameters
    as two rank-r adapters (peft's convention for these models).
    """
    if family not in MOE_FAMILIES:
        return {}
    chosen = set(names)
    counts = {
        fused: int(fused in chosen) + len(chosen & set(mlp)) for fused, mlp in FUSED_EXPERTS.items()
    }
    return {fused: n for fused, n in counts.items() if n}


def reaches_fused_experts(names: list[str], family: str) -> list[str]:
    """The target names that put LoRA on fused routed experts (as parameters, for peft)."""
    if family not in MOE_FAMILIES:
        return []
    reaching = set(FUSED_EXPERTS).union(*FUSED_EXPERTS.values())
    return sorted(n for n in names if n in reaching)

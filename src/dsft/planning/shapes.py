"""A model's shapes from its config values alone (no weights, no torch): the linear layers of each
kind of decoder layer by their LoRA target names, the fused routed experts, the parameter counts,
the LoRA parameters a target list adds, and the FLOPs of a training step.

`ModelShape.of(model_cfg)` reads the model YAML's `architecture` (a real checkpoint's config.json
values) or `random_init` (a tiny model's). The memory planner and the benchmarks use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsft.models.architectures import MOE_FAMILIES, fused_expert_ranks


@dataclass(frozen=True)
class ModelShape:
    family: str
    vocab: int
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    tied_embeddings: bool = False
    # DeepSeek MLA (q_lora_rank 0: no q-LoRA, a plain q_proj)
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_nope: int = 0
    qk_rope: int = 0
    v_head: int = 0
    # DeepSeek MoE
    dense_layers: int = 0
    moe_intermediate: int = 0
    routed_experts: int = 0
    shared_experts: int = 0
    experts_per_token: int = 0

    @classmethod
    def of(cls, model_cfg: dict[str, Any]) -> ModelShape:
        values = model_cfg.get("architecture") or model_cfg.get("random_init")
        if not values:
            raise ValueError(
                f"model {model_cfg.get('name')!r} has neither `architecture` nor `random_init` "
                "values: add the checkpoint's config.json shape values under `architecture`."
            )
        return cls.from_values(model_cfg["family"], dict(values))

    @classmethod
    def from_values(cls, family: str, v: dict[str, Any]) -> ModelShape:
        heads = v["num_attention_heads"]
        mla = family in MOE_FAMILIES
        return cls(
            family=family,
            vocab=v["vocab_size"],
            hidden=v["hidden_size"],
            layers=v["num_hidden_layers"],
            heads=heads,
            kv_heads=v.get("num_key_value_heads") or heads,
            head_dim=v.get("head_dim") or v["hidden_size"] // heads,
            intermediate=v["intermediate_size"],
            tied_embeddings=bool(v.get("tie_word_embeddings", False)),
            q_lora_rank=(v.get("q_lora_rank") or 0) if mla else 0,
            kv_lora_rank=v.get("kv_lora_rank", 0) if mla else 0,
            qk_nope=v.get("qk_nope_head_dim", 0) if mla else 0,
            qk_rope=v.get("qk_rope_head_dim", 0) if mla else 0,
            v_head=v.get("v_head_dim", 0) if mla else 0,
            dense_layers=v.get("first_k_dense_replace", 0) if mla else v["num_hidden_layers"],
            moe_intermediate=v.get("moe_intermediate_size", 0) if mla else 0,
            routed_experts=(v.get("n_routed_experts") or 0) if mla else 0,
            shared_experts=v.get("n_shared_experts", 0) if mla else 0,
            experts_per_token=v.get("num_experts_per_tok", 0) if mla else 0,
        )

    @property
    def moe_layers(self) -> int:
        return self.layers - self.dense_layers if self.routed_experts else 0

    @property
    def mla(self) -> bool:
        return self.kv_lora_rank > 0

    # --- linear layers ------------------------------------------------------------------------

    def attention_linears(self) -> dict[str, tuple[int, int]]:
        """(in, out) of each attention projection of one layer, by module name."""
        h = self.hidden
        if not self.mla:
            q, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
            return {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h)}
        qk = self.qk_nope + self.qk_rope
        out: dict[str, tuple[int, int]] = {}
        if self.q_lora_rank:
            out["q_a_proj"] = (h, self.q_lora_rank)
            out["q_b_proj"] = (self.q_lora_rank, self.heads * qk)
        else:
            out["q_proj"] = (h, self.heads * qk)
        out["kv_a_proj_with_mqa"] = (h, self.kv_lora_rank + self.qk_rope)
        out["kv_b_proj"] = (self.kv_lora_rank, self.heads * (self.qk_nope + self.v_head))
        out["o_proj"] = (self.heads * self.v_head, h)
        return out

    def mlp_linears(self, intermediate: int) -> dict[str, tuple[int, int]]:
        h = self.hidden
        return {
            "gate_proj": (h, intermediate),
            "up_proj": (h, intermediate),
            "down_proj": (intermediate, h),
        }

    def layer_linears(self, moe: bool) -> dict[str, tuple[int, int]]:
        """The nn.Linear layers of one decoder layer (a MoE layer's are its shared experts')."""
        mlp = self.moe_intermediate * self.shared_experts if moe else self.intermediate
        linears = self.attention_linears()
        if mlp:
            linears.update(self.mlp_linears(mlp))
        return linears

    def fused_experts(self) -> dict[str, tuple[int, int, int]]:
        """The routed experts of one MoE layer: (experts, in, out) per fused parameter."""
        if not self.routed_experts:
            return {}
        e, i, h = self.routed_experts, self.moe_intermediate, self.hidden
        return {"experts.gate_up_proj": (e, h, 2 * i), "experts.down_proj": (e, i, h)}

    # --- parameter counts ---------------------------------------------------------------------

    def linear_weights(self) -> int:
        """Weights of all decoder nn.Linear layers (what bitsandbytes turns into Linear4bit)."""
        per_dense = sum(a * b for a, b in self.layer_linears(False).values())
        per_moe = sum(a * b for a, b in self.layer_linears(True).values())
        return self.dense_layers * per_dense + self.moe_layers * per_moe

    def routed_expert_weights(self) -> int:
        per_layer = sum(e * a * b for e, a, b in self.fused_experts().values())
        return self.moe_layers * per_layer

    def embedding_weights(self) -> int:
        """Input embeddings and the output layer (one matrix when tied)."""
        return self.vocab * self.hidden * (1 if self.tied_embeddings else 2)

    def small_weights(self) -> int:
        """Norms, MLA's latent norms, Qwen3's q/k norms and the MoE routers."""
        per_layer = 2 * self.hidden + self.q_lora_rank + self.kv_lora_rank
        if self.family == "qwen3":
            per_layer += 2 * self.head_dim
        router = self.routed_experts * self.hidden
        return self.layers * per_layer + self.moe_layers * router + self.hidden

    def layer_weights(self, index: int) -> int:
        """Weights of decoder layer `index` (Linear layers, routed experts, norms, router)."""
        moe = bool(self.routed_experts) and index >= self.dense_layers
        linear = sum(a * b for a, b in self.layer_linears(moe).values())
        experts = sum(e * a * b for e, a, b in self.fused_experts().values()) if moe else 0
        norms = 2 * self.hidden + self.q_lora_rank + self.kv_lora_rank
        return linear + experts + norms + (self.routed_experts * self.hidden if moe else 0)

    def total_weights(self) -> int:
        return (
            self.linear_weights()
            + self.routed_expert_weights()
            + self.embedding_weights()
            + self.small_weights()
        )

    def lora_parameters(self, targets: list[str], r: int) -> int:
        """Parameters LoRA of rank r adds on these target names (peft's layout: A and B per
        Linear; per fused expert parameter one stacked pair at rank n r, n the targets folded
        into it)."""
        chosen = set(targets)
        total = 0
        for n_layers, moe in ((self.dense_layers, False), (self.moe_layers, True)):
            linears = self.layer_linears(moe)
            total += n_layers * sum(r * (a + b) for k, (a, b) in linears.items() if k in chosen)
        if self.routed_experts:
            for fused, n in fused_expert_ranks(targets, self.family).items():
                e, a, b = self.fused_experts()[fused]
                total += self.moe_layers * n * r * e * (a + b)
        if "lm_head" in chosen:
            total += r * (self.hidden + self.vocab)
        return total

    def lora_modules_per_layer(self, targets: list[str], moe: bool) -> int:
        return sum(1 for k in self.layer_linears(moe) if k in set(targets))

    def experts_adapted(self, targets: list[str]) -> bool:
        return bool(self.routed_experts and fused_expert_ranks(targets, self.family))

    # --- FLOPs ----------------------------------------------------------------------------------

    def active_weights_per_token(self, moe: bool) -> int:
        """Weights one token multiplies through in one layer (routed experts: the chosen ones)."""
        linear = sum(a * b for a, b in self.layer_linears(moe).values())
        if moe:
            per_expert = 3 * self.moe_intermediate * self.hidden
            linear += self.experts_per_token * per_expert
        return linear

    def lora_step_flops(
        self, r: int, targets: list[str], non_pad_tokens: int, loss_tokens: int, context: int
    ) -> float:
        """FLOPs a LoRA training step must do for its real tokens, counted honestly.

        Frozen matmuls cost a forward (2 per weight per token) and an input gradient (2 more),
        but no weight gradient; LoRA matrices cost forward, input gradient and weight gradient
        (6). The output layer runs only for loss tokens. Attention scores add 2 * 2 * d_attn *
        context per token (forward, `context` the mean causal context), tripled for backward.
        Padding does no useful work and is not counted, so wasted work shows up as lower
        utilisation.
        """
        backbone = 0.0
        chosen = set(targets)
        for n_layers, moe in ((self.dense_layers, False), (self.moe_layers, True)):
            frozen = self.active_weights_per_token(moe)
            lora = sum(r * (a + b) for k, (a, b) in self.layer_linears(moe).items() if k in chosen)
            backbone += n_layers * (4 * frozen + 6 * lora)
        attn_dim = self.heads * (self.qk_nope + self.qk_rope if self.mla else self.head_dim)
        attention = self.layers * 3 * 2 * 2 * attn_dim * context
        head = 4 * self.hidden * self.vocab + (6 * r * (self.hidden + self.vocab))
        return float(non_pad_tokens * (backbone + attention) + loss_tokens * head)

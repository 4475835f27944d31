"""The planner's activation count per token and layer against what autograd really keeps:
every tensor saved for backward during a forward of the tiny models, attributed to the decoder
layer that saved it (torch.autograd.graph.saved_tensors_hooks), at two lengths."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from dsft.data.collate import PadCollator
from dsft.data.tokenize import IGNORE_INDEX, TokenizedExample
from dsft.planning.memory import layer_activation_elements, setup_from_config
from tests.adapters.test_family_matrix import configured_module
from tests.conftest import compose_config


def saved_per_layer(module, length: int, batch: int = 4) -> dict:
    """Bytes saved for backward per decoder layer (and outside them: "rest")."""
    g = torch.Generator().manual_seed(0)
    examples = []
    for _ in range(batch):
        ids = torch.randint(3, 1000, (length,), generator=g).tolist()
        examples.append(TokenizedExample(ids, [IGNORE_INDEX] * (length // 2) + ids[length // 2 :]))
    inputs = PadCollator(pad_token_id=1)(examples)
    params = {p.untyped_storage().data_ptr() for p in module.model.parameters()}
    where, seen, kept = ["rest"], {}, []
    hooks = []
    for i, layer in enumerate(module.causal_lm.get_decoder().layers):
        hooks.append(layer.register_forward_pre_hook(lambda m, a, i=i: where.__setitem__(0, i)))
        hooks.append(layer.register_forward_hook(lambda m, a, o: where.__setitem__(0, "rest")))

    def pack(t):
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key not in params and key not in seen:
            seen[key] = (storage.nbytes(), where[0])
        kept.append(t)  # alive until the count is done: no storage is reused meanwhile
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        module.loss_sum(inputs)
    for hook in hooks:
        hook.remove()
    out: dict = {}
    for nbytes, layer in seen.values():
        out[layer] = out.get(layer, 0) + nbytes
    return out


@pytest.mark.parametrize(
    "overrides",
    [
        ["model=llama_tiny"],
        ["model=qwen2_tiny"],
        ["model=qwen3_tiny"],
        ["model=deepseek_v2_tiny"],
        ["model=deepseek_v3_tiny"],
        ["model=deepseek_v3_tiny", "adapter.r=4"],
    ],
    ids=lambda o: " ".join(o),
)
def test_saved_activations_per_token_and_layer(overrides, model_cache):
    module, _, _ = configured_module(overrides, model_cache)
    setup = setup_from_config(compose_config(overrides))
    short, long = saved_per_layer(module, 64), saved_per_layer(module, 128)
    shape = setup.shape
    for layer in range(shape.layers):
        moe = bool(shape.routed_experts) and layer >= shape.dense_layers
        per_token = (long[layer] - short[layer]) / (4 * 64) / 4  # fp32 elements
        planned = layer_activation_elements(replace(setup, compute_bytes=4), moe)
        assert abs(planned - per_token) / per_token < 0.1, (layer, planned, per_token)

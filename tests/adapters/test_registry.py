"""Adapter methods are units: a new one is one module and one YAML, and nothing outside
`dsft.adapters` knows the names of the built-in ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from dsft.adapters.method import AdapterSchema
from dsft.adapters.methods.freeze import OwnWeights
from dsft.adapters.registry import methods, register_method
from dsft.config.errors import ConfigError
from dsft.config.store import register_adapter_schemas
from dsft.config.validate import validate
from dsft.runs import load_run
from tests.conftest import ROOT, compose_config
from tests.run_helpers import evaluated_examples, independent_val_loss, train_in_process

BUILT_IN = ("lora", "qlora", "adalora", "freeze", "full")


# --- a toy method, registered exactly as a built-in one is --------------------------------------


@dataclass
class NormTuningSchema(AdapterSchema):
    method: str = "norm_tuning"
    include_final_norm: bool = True  # also train the norm before the output layer


@register_method
class NormTuning(OwnWeights):
    """Train only the RMSNorm weights (a few thousand parameters)."""

    name = "norm_tuning"
    schema = NormTuningSchema

    def trained_modules(self, model) -> tuple[list, str]:
        norms = [m for n, m in model.named_modules() if n.endswith("norm")]
        if not self.adapter["include_final_norm"]:
            norms = [m for m in norms if m is not model.get_decoder().norm]
        return norms, f"{len(norms)} norms"


YAML = """\
# python train.py adapter=norm_tuning
defaults:
  - /schema/adapter/norm_tuning@_here_
  - _self_
include_final_norm: false
"""


@pytest.fixture
def toy_conf(tmp_path) -> list[str]:
    register_adapter_schemas()
    (tmp_path / "conf" / "adapter").mkdir(parents=True)
    (tmp_path / "conf" / "adapter" / "norm_tuning.yaml").write_text(YAML)
    return [f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "adapter=norm_tuning"]


def test_a_new_method_is_one_module_and_one_yaml(toy_conf, tmp_path):
    assert methods()["norm_tuning"] is NormTuning
    cfg = compose_config(toy_conf)
    assert cfg.adapter.include_final_norm is False
    with pytest.raises(Exception, match="nrom"):  # its schema is typed like any other
        compose_config([*toy_conf, "adapter.nrom=1"])

    run_dir = tmp_path / "run"
    recorded = train_in_process([*toy_conf, "model=llama_tiny", "debug=fast"], run_dir)
    run = load_run(run_dir)
    assert isinstance(run.method, NormTuning)
    assert independent_val_loss(run, evaluated_examples(run)) == pytest.approx(recorded, abs=1e-4)
    # Only the decoder layers' norms moved (the final norm was excluded by its YAML).
    trained = run.model.state_dict()
    from transformers import AutoModelForCausalLM

    from dsft.models.loading import resolve_model_source

    original = AutoModelForCausalLM.from_pretrained(
        resolve_model_source(run.config["model"], run.config["paths"]["cache_dir"])
    ).state_dict()
    changed = {k for k in original if not torch.equal(trained[k], original[k])}
    assert changed and all(re.fullmatch(r"model\.layers\.\d+\..*norm\.weight", k) for k in changed)


def test_an_unknown_method_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        validate(compose_config(["adapter.method=prefix_tuning"]))
    assert err.value.key == "adapter.method"
    assert all(name in str(err.value) for name in BUILT_IN)


def test_method_names_appear_only_in_the_adapters_package():
    pattern = re.compile(r"""["'](""" + "|".join(BUILT_IN) + r""")["']""")
    offenders = []
    for path in sorted((ROOT / "src" / "dsft").rglob("*.py")):
        if "adapters" in path.relative_to(ROOT / "src" / "dsft").parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_every_method_has_a_yaml_that_extends_its_schema():
    for name, method in methods().items():
        if method.__module__.startswith("tests."):
            continue
        text = (ROOT / "conf" / "adapter" / f"{name}.yaml").read_text()
        assert f"/schema/adapter/{name}@_here_" in text, name
        assert Path(ROOT / "src" / "dsft" / "adapters" / "methods" / f"{name}.py").is_file()

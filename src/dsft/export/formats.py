"""One class per export format: how it is written, and the check that proves it is what trained.

Each format's `write` fills an empty dir; its `verify` loads what was written the way a user
would (plain transformers, peft, onnxruntime, torch.jit) and compares it with the trained model
on the parity batch (`dsft.export.parity`). `verify` returns the numbers for export.json and
whether they pass.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch

from dsft.export import parity
from dsft.export.card import model_card
from dsft.export.catalog import FORMAT_HELP
from dsft.export.errors import ExportError

TOLERANCE = 1e-4  # max abs logit difference for fp32 exports
MIN_TOP1_16BIT = 0.9  # bf16/fp16 merged weights round; their argmax must still agree this often


@dataclass
class ExportContext:
    """What every format starts from: the run, its merged model and the trained references."""

    run_dir: Path
    config: dict[str, Any]
    summary: dict[str, Any]
    method: Any
    tokenizer: Any
    template: Any
    merged: Any  # the plain transformers model, adapter folded in, fp32
    batch: parity.ParityBatch
    trained: parity.Reference  # the model as trained (QLoRA: on its 4-bit base)
    unquantized: parity.Reference  # what the merge must equal (QLoRA: on the unquantized base)
    base_logits: list[torch.Tensor]  # the base model without the run's training
    source: str  # where the base model comes from
    device: str = "cpu"
    scratch: Path | None = None  # where a merged copy for other formats may be written
    written: dict[str, Path] = field(default_factory=dict)  # format -> its final dir
    _merge_failures: list[str] | None = None

    def merged_dir(self) -> Path:
        """A merged save on disk: the merged export of this call, or a scratch copy."""
        if "merged" in self.written:
            return self.written["merged"]
        target = self.scratch / "merged"
        if not target.exists():
            Merged().write(self, target)
        return target

    def merge_failures(self) -> list[str]:
        """Why the merged model in memory is not the trained model (empty: it is). Formats
        built from it (nf4) must not ship a merge that failed."""
        if self._merge_failures is None:
            logits = parity.logits_of(parity.model_forward(self.merged, self.device), self.batch)
            diff = parity.compare(logits, self.unquantized.logits, self.batch)["max_abs_diff"]
            from_base = parity.compare(logits, self.base_logits, self.batch)["max_abs_diff"]
            self._merge_failures = _failures(
                (diff <= TOLERANCE, f"the merge differs from the trained model by {diff:.3g}"),
                (from_base > TOLERANCE, "the merged model equals the base: the merge did nothing"),
            )["failures"]
        return self._merge_failures

    def stop_token_ids(self) -> list[int]:
        from dsft.models.tokenizer import stop_token_ids

        return stop_token_ids(self.tokenizer, self.template)

    def save_tokenizer(self, out: Path) -> None:
        # The Jinja chat template inside tokenizer_config.json, where every loader looks (older
        # transformers, vLLM, llama.cpp's converter), not only in chat_template.jinja.
        self.tokenizer.save_pretrained(out, save_jinja_files=False)


class ExportFormat:
    """A way to ship a run."""

    name: ClassVar[str]  # as in dsft.export.catalog.FORMAT_HELP

    @classmethod
    def check_run(cls, method) -> None:
        """Raise ExportError when this format cannot ship a run of `method`."""

    def write(self, ctx: ExportContext, out: Path) -> None:
        raise NotImplementedError

    def verify(self, ctx: ExportContext, out: Path) -> dict[str, Any]:
        """Numbers for export.json; `passed` says whether the export is the trained model."""
        raise NotImplementedError


class Merged(ExportFormat):
    name = "merged"

    def write(self, ctx: ExportContext, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        dtype = _DTYPES.get(ctx.config["model"].get("dtype", "float32"), torch.float32)
        model = ctx.merged
        # Generation stops where the template's answers end (Coder: <|EOT|>), for plain
        # generate() and servers that read generation_config.json.
        model.generation_config.eos_token_id = ctx.stop_token_ids()
        if dtype == torch.float32:
            model.save_pretrained(out)
        else:  # save in the model's own dtype; the merged model in memory stays fp32
            state = {k: v.to(dtype) for k, v in model.state_dict().items()}
            previous, model.config.dtype = model.config.dtype, dtype
            try:
                model.save_pretrained(out, state_dict=state)
            finally:
                model.config.dtype = previous
        ctx.save_tokenizer(out)

    def verify(self, ctx: ExportContext, out: Path) -> dict[str, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
        model.to(ctx.device).eval()
        logits = parity.logits_of(parity.model_forward(model, ctx.device), ctx.batch)
        result = parity.compare(logits, ctx.unquantized.logits, ctx.batch)
        result["vs_base_max_abs_diff"] = parity.compare(logits, ctx.base_logits, ctx.batch)[
            "max_abs_diff"
        ]
        if ctx.trained is not ctx.unquantized:
            result["vs_4bit_trained"] = parity.compare(logits, ctx.trained.logits, ctx.batch)
        greedy = parity.greedy_tokens(model, ctx.batch, ctx.device)
        result["greedy_equal"] = greedy == ctx.unquantized.greedy
        result["template"] = parity.template_check(
            AutoTokenizer.from_pretrained(out), ctx.tokenizer, ctx.template
        )
        fp32 = ctx.config["model"].get("dtype", "float32") == "float32"
        close = (
            result["max_abs_diff"] <= TOLERANCE
            if fp32
            else result["top1_agreement"] >= MIN_TOP1_16BIT
        )
        template = result["template"]
        reasons = _failures(
            (close, f"logits differ from the trained model by {result['max_abs_diff']:.3g}"),
            (
                result["vs_base_max_abs_diff"] > TOLERANCE,
                "the merged model equals the base model: the merge did nothing",
            ),
            # 16-bit weights round the adapter's delta: a greedy token may flip, not the logits.
            (result["greedy_equal"] or not fp32, "greedy generation differs from the trained's"),
            (template["trained_ids_equal"], "apply_chat_template differs from the trained ids"),
            (
                template["served_prompt"] == template["expected_prompt"],
                "the served generation prompt differs from dsft's",
            ),
        )
        return {**result, **reasons}


class Adapter(ExportFormat):
    name = "adapter"

    @classmethod
    def check_run(cls, method) -> None:
        if method.peft_type is None:
            raise ExportError(
                f"adapter={method.name} trains the model's own weights and saves a whole model, "
                "not an adapter; export --format merged (it is the trained model)."
            )
        from dsft.adapters.targets import selected_targets

        model = method.model_cfg
        names = {t.split(".")[-1] for t in selected_targets(method.adapter, model)}
        renamed = sorted(names & {"gate_proj", "up_proj", "down_proj"})
        if model["family"] in ("deepseek_v2", "deepseek_v3") and renamed:
            raise ExportError(
                f"a {model['family']} adapter on {', '.join(renamed)} does not load right with "
                "plain peft: PeftModel.from_pretrained (peft 0.21) rewrites those targets to the "
                "fused routed experts only (huggingface/peft#3711), silently dropping the LoRA of "
                "the dense MLP and the shared experts. Export --format merged (what vLLM and "
                "llama.cpp serve), or load the run's adapter/ with "
                "dsft.adapters.peft_lora.load_adapter."
            )

    def write(self, ctx: ExportContext, out: Path) -> None:
        saved = ctx.run_dir / ctx.method.saved_dir
        shutil.copytree(saved, out, dirs_exist_ok=True)
        ctx.save_tokenizer(out)

    def verify(self, ctx: ExportContext, out: Path) -> dict[str, Any]:
        from peft import PeftModel

        from dsft.models.loading import load_base_model

        precision = "32-true"
        base = load_base_model(
            ctx.source, ctx.config["model"], precision, ctx.method.quantization(), ctx.device
        )
        model = PeftModel.from_pretrained(base, str(out)).eval()
        if ctx.method.quantization() is None:
            model.to(ctx.device)
        logits = parity.logits_of(parity.model_forward(model, ctx.device), ctx.batch)
        result = parity.compare(logits, ctx.trained.logits, ctx.batch)
        result["base"] = ctx.source
        return {
            **result,
            **_failures(
                (
                    result["max_abs_diff"] <= TOLERANCE,
                    f"PeftModel.from_pretrained differs by {result['max_abs_diff']:.3g}",
                )
            ),
        }


class Nf4(ExportFormat):
    name = "nf4"

    def write(self, ctx: ExportContext, out: Path) -> None:
        save_nf4(ctx.merged_dir(), out, ctx.device)
        ctx.save_tokenizer(out)

    def verify(self, ctx: ExportContext, out: Path) -> dict[str, Any]:
        import bitsandbytes as bnb
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(out, device_map={"": ctx.device}).eval()
        for layer in model.modules():
            if isinstance(layer, bnb.nn.Linear4bit):  # see load_base_model: one CPU kernel
                layer.support_avx512bf16_for_cpu = False
        logits = parity.logits_of(parity.model_forward(model, ctx.device), ctx.batch)
        result = parity.compare(logits, ctx.unquantized.logits, ctx.batch)
        four_bit = sum(
            m.weight.numel() * 2 for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)
        )
        total = sum(p.numel() * (2 if hasattr(p, "quant_state") else 1) for p in model.parameters())
        merged_bytes = _weights_bytes(ctx.merged_dir())
        from transformers import AutoTokenizer

        template = parity.template_check(
            AutoTokenizer.from_pretrained(out), ctx.tokenizer, ctx.template
        )
        finite = all(torch.isfinite(x).all().item() for x in logits)
        result.update(
            template=template,
            weights_4bit=four_bit,
            weights_total=total,
            size_ratio_to_merged=_weights_bytes(out) / merged_bytes,
            note=(
                "no bound: 4-bit weights change the logits; top-1 agreement says how much. "
                "Embeddings and the output layer stay 16/32-bit, so on a tiny model (mostly "
                "embeddings) the size ratio is far above a real model's ~0.3."
            ),
        )
        checks = [(not why, why) for why in ctx.merge_failures()]
        checks += [
            (finite, "the 4-bit model computes non-finite logits"),
            (template["trained_ids_equal"], "apply_chat_template differs from the trained ids"),
        ]
        return {**result, **_failures(*checks)}


def save_nf4(merged: Path, out: Path, device: str = "cpu") -> None:
    """Load a merged model dir as 4-bit NF4 (double quant) and save it with its quantization
    config, so `from_pretrained(out)` needs nothing else."""
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    compute = torch.bfloat16 if device.startswith("cuda") else torch.float32
    config = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
    )
    model = AutoModelForCausalLM.from_pretrained(
        merged, quantization_config=config, device_map={"": device}
    )
    model.save_pretrained(out)


class _LogitsOnly(torch.nn.Module):
    """A causal LM's forward as (input_ids, attention_mask) -> logits, no KV cache: the graph
    the traced and exported formats hold."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(
            input_ids=input_ids, attention_mask=attention_mask, use_cache=False
        ).logits


def _dynamic_shapes():
    from torch.export import Dim

    batch, seq = Dim("batch"), Dim("seq")
    return {"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}}


class _GraphFormat(ExportFormat):
    """A format holding a graph of the merged model's forward, checked at both parity shapes."""

    def write(self, ctx: ExportContext, out: Path) -> None:
        ids, mask = ctx.batch.shapes[0]
        with torch.inference_mode(False), torch.no_grad():
            self.save_graph(_LogitsOnly(ctx.merged.cpu()).eval(), ids, mask, out)
        ctx.merged.to(ctx.device)
        ctx.save_tokenizer(out)
        ctx.merged.config.save_pretrained(out)

    def verify(self, ctx: ExportContext, out: Path) -> dict[str, Any]:
        forward = self.load_graph(out)
        logits = parity.logits_of(forward, ctx.batch)
        result = parity.compare(logits, ctx.unquantized.logits, ctx.batch)
        ok = result["max_abs_diff"] <= TOLERANCE
        why = f"logits differ from the trained model by {result['max_abs_diff']:.3g}"
        return {**result, **_failures((ok, why))}

    def save_graph(self, module, ids, mask, out: Path) -> None:
        raise NotImplementedError

    def load_graph(self, out: Path) -> parity.Forward:
        raise NotImplementedError


class Onnx(_GraphFormat):
    name = "onnx"

    @classmethod
    def check_run(cls, method) -> None:
        import importlib.util

        missing = [
            m for m in ("onnx", "onnxscript", "onnxruntime") if not importlib.util.find_spec(m)
        ]
        if missing:
            raise ExportError(
                f"--format onnx needs {', '.join(missing)}: pip install 'dsft[export]' "
                "(onnx, onnxscript, onnxruntime)."
            )

    def save_graph(self, module, ids, mask, out: Path) -> None:
        from transformers.exporters import OnnxConfig, OnnxExporter

        # transformers' exporter knows the MoE experts' and DeepSeek RoPE's ONNX lowerings, which
        # plain torch.onnx.export lacks; it unrolls the fused experts into one MatMul each.
        inputs = {"input_ids": ids, "attention_mask": mask, "use_cache": False}
        with _quiet("torch.onnx", "transformers.exporters"):
            exported = OnnxExporter().export(
                module.model, inputs, config=OnnxConfig(dynamic_shapes=_dynamic_shapes())
            )
        exported.save_pretrained(out)

    def load_graph(self, out: Path) -> parity.Forward:
        import onnxruntime

        session = onnxruntime.InferenceSession(
            str(out / "model.onnx"), providers=["CPUExecutionProvider"]
        )

        def forward(ids, mask):
            feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
            return torch.from_numpy(session.run(["logits"], feed)[0])

        return forward


class TorchScript(_GraphFormat):
    name = "torchscript"

    def save_graph(self, module, ids, mask, out: Path) -> None:
        with warnings.catch_warnings():
            # Shape checks in transformers' mask code; parity at a second shape proves the
            # trace general. torch.jit itself is deprecated (DeprecationWarning): see pt2.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            traced = torch.jit.trace(module, (ids, mask))
            torch.jit.save(traced, str(out / "model.ts"))

    def load_graph(self, out: Path) -> parity.Forward:
        return torch.jit.load(str(out / "model.ts"))


class Pt2(_GraphFormat):
    name = "pt2"

    def save_graph(self, module, ids, mask, out: Path) -> None:
        program = torch.export.export(module, (ids, mask), dynamic_shapes=_dynamic_shapes())
        torch.export.save(program, str(out / "model.pt2"))

    def load_graph(self, out: Path) -> parity.Forward:
        import transformers.integrations.moe  # noqa: F401  (registers the MoE experts' op)

        return torch.export.load(str(out / "model.pt2")).module()


@contextlib.contextmanager
def _quiet(*loggers: str):
    """Exporters' progress prints and internal warnings off (they go to stdout and bury ours)."""
    levels = {name: logging.getLogger(name).level for name in loggers}
    for name in loggers:
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _weights_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).glob("*.safetensors"))


def _failures(*checks: tuple[bool, str]) -> dict[str, Any]:
    failed = [why for ok, why in checks if not ok]
    return {"passed": not failed, "failures": failed}


def write_card(ctx: ExportContext, fmt: str, out: Path) -> None:
    (out / "README.md").write_text(model_card(fmt, ctx.run_dir, ctx.config, ctx.summary))


_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}

FORMATS: dict[str, type[ExportFormat]] = {
    f.name: f for f in (Merged, Adapter, Nf4, Onnx, TorchScript, Pt2)
}
assert list(FORMATS) == list(FORMAT_HELP), "dsft.export.catalog lists every format, in order"

"""The export formats by name, in the order they are written, with a line each for `--help`.

Torch-free, so `dsft --help` and format checks stay fast; `formats.py` holds the classes.
"""

FORMAT_HELP = {
    "merged": "the adapter folded into the base weights: safetensors, tokenizer, chat template",
    "adapter": "the PEFT adapter alone (PeftModel.from_pretrained on the base), with the tokenizer",
    "nf4": "the merged model in 4-bit NF4 (bitsandbytes), loadable by from_pretrained as is",
    "onnx": "ONNX (model.onnx + model.onnx.data), dynamic batch and sequence, onnxruntime-checked",
    "torchscript": "a torch.jit trace of the forward (model.ts; torch.jit is deprecated: see pt2)",
    "pt2": "a torch.export program (model.pt2), the modern route to ExecuTorch / AOTInductor",
}

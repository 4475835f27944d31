"""Exports of a finished run for deployment, each checked against the trained model.

    dsft export outputs/runs/<run>                          # merged safetensors + tokenizer
    dsft export outputs/runs/<run> --format merged,onnx --out /srv/models/medical-v3

`command.export_run` drives it; `formats` holds one class per format (merged, nf4, adapter,
onnx, torchscript, pt2), `parity` the checks every export must pass, `card` the model card.
"""

#!/usr/bin/env bash
# The GPU check, run once on a lent H100/H200 through the device tool (nothing can be fetched
# there: the few pure-Python packages its image lacks travel as files in bench/.wheels):
#   bash bench/gpu_run.sh   ->  $OUT/throughput-gpu.json, $OUT/loss-memory-gpu.json, logs
set -uo pipefail
OUT=${OUT:-/tmp/dsft-gpu-out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-build-isolation bench/.wheels/* 2>&1 | tail -2
export PYTHONPATH=$PWD/src DSFT_CACHE=/tmp/dsft-cache DSFT_ROOT=$PWD
nvidia-smi -L
python3 -c "import torch, transformers, peft, lightning; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__, 'lightning', lightning.__version__)"
python3 bench/loss_memory.py --gpu | tee "$OUT/loss-memory-gpu.txt"
timeout 400 python3 bench/throughput.py --gpu --steps 60 --repeats 3 --concat 8 --out "$OUT" 2>&1 | tee "$OUT/throughput-gpu.log"

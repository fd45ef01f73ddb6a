#!/usr/bin/env bash
# The CUDA code paths, end to end, on a machine with one or more GPUs (a few minutes):
# the speed table on the GPU, a bf16 + compiled run, DDP over every visible GPU, and the
# tests marked slow (torchrun x compile, torchrun x augmentation: gloo processes on the CPU).
# Usage: scripts/gpu_smoke.sh [python]   (default: .venv/bin/python, else python3)
set -euo pipefail
PY=${1:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
OUT=${OUT:-runs}
GPUS=$($PY -c 'import torch; print(torch.cuda.device_count())')
[ "$GPUS" -ge 1 ] || { echo "no CUDA device visible" >&2; exit 2; }

$PY -m benchmarks speed --device cuda --iterations 50
$PY -m wgan train --no-progress --steps 1000 --out "$OUT/gpu-bf16-compiled" --overwrite \
    --set train.device=cuda --set train.precision=bf16 --set train.compile=true
if [ "$GPUS" -ge 2 ]; then
    $PY -m torch.distributed.run --standalone --nproc_per_node="$GPUS" -m wgan train --no-progress \
        --steps 1000 --out "$OUT/gpu-ddp" --overwrite
    $PY -m torch.distributed.run --standalone --nproc_per_node="$GPUS" -m wgan train --no-progress \
        --resume "$OUT/gpu-ddp" --steps 1500
else
    echo "one GPU: DDP over NCCL needs two; skipped"
fi
# The slow tests are CPU tests (two gloo processes each); hidden GPUs keep them there.
CUDA_VISIBLE_DEVICES="" OMP_NUM_THREADS=1 $PY -m pytest -q -p no:cacheprovider -m slow tests

#!/usr/bin/env bash
# Regenerates ggml_like.ptx from ggml_like.cu with nvcc (compute_80: the tensor-core path
# ggml takes at the compute capability the software GPU reports), so the benchmark needs
# no nvcc. Usage: bench/ptx/kernels/regen.sh [path/to/nvcc]
set -euo pipefail
cd "$(dirname "$0")"
nvcc="${1:-${NVCC:-/usr/local/cuda/bin/nvcc}}"
"${nvcc}" -arch=compute_80 -ptx ggml_like.cu -o ggml_like.ptx
echo "regenerated ggml_like.ptx"

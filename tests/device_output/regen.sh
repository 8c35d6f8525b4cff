#!/usr/bin/env bash
# Regenerates device_output.ptx from device_output.cu with nvcc, so CI needs no nvcc.
# Usage: tests/device_output/regen.sh [path/to/nvcc]
set -euo pipefail
cd "$(dirname "$0")"
nvcc="${1:-${NVCC:-/usr/local/cuda/bin/nvcc}}"
# Run from this folder so the assert's __FILE__ is "device_output.cu", not a checkout path.
"${nvcc}" -arch=compute_75 -ptx device_output.cu -o device_output.ptx
echo "regenerated device_output.ptx"

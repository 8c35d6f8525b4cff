#!/usr/bin/env bash
# Regenerates the committed image fixtures in tests/fixtures/image/ from the
# kernels in tests/image/kernels/. Needs nvcc (CUDA 13) and objcopy; no GPU.
# Usage: tests/image/regen.sh [path/to/nvcc]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/tests/fixtures/image"
nvcc="${1:-${NVCC:-/usr/local/cuda/bin/nvcc}}"
src="$here/kernels/params.cu"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# sm_80 and sm_90 cubins plus compute_80 PTX, as a typical release build.
gencode=(-gencode arch=compute_80,code=sm_80
         -gencode arch=compute_90,code=sm_90
         -gencode arch=compute_80,code=compute_80)

# nvcc 13 default: PTX zstd-compressed, cubins raw.
"$nvcc" -fatbin "${gencode[@]}" -o "$out/params_default.fatbin" "$src"
# Every entry zstd-compressed.
"$nvcc" -fatbin "${gencode[@]}" --compress-mode=size -o "$out/params_size.fatbin" "$src"
# Nothing compressed.
"$nvcc" -fatbin "${gencode[@]}" -no-compress -o "$out/params_nocompress.fatbin" "$src"
# --compress-mode=speed compresses the PTX with LZ4 (flag 0x2000).
"$nvcc" -fatbin "${gencode[@]}" --compress-mode=speed -o "$out/params_lz4.fatbin" "$src"
# -rdc: zstd-compressed relocatable cubin and a PTX entry with options (96-byte header).
"$nvcc" -fatbin -rdc=true -arch=sm_80 -o "$out/params_rdc.fatbin" "$src"
# Bare forms.
"$nvcc" -cubin -arch=sm_80 -o "$out/params_sm80.cubin" "$src"
"$nvcc" -cubin -arch=sm_90 -o "$out/params_sm90.cubin" "$src"
"$nvcc" -ptx -arch=sm_80 -o "$out/params.ptx" "$src"
# -rdc cubin whose .nv.shared/.nv.global sections reach past the end of the file.
"$nvcc" -cubin -rdc=true -arch=sm_80 -o "$out/big_rdc.cubin" "$here/kernels/big.cu"

# A whole program's .nv_fatbin section: several containers back to back.
"$nvcc" -arch=sm_80 -o "$tmp/app" "$here/kernels/app.cu" "$src"
objcopy -O binary --only-section=.nv_fatbin "$tmp/app" "$out/app.nv_fatbin"

ls -l "$out"

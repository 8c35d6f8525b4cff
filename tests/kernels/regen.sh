#!/usr/bin/env bash
# Regenerates tests/fixtures/ptx from tests/kernels/*.cu with nvcc, so CI needs no nvcc.
# Usage: tests/kernels/regen.sh [path/to/nvcc]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${here}/../fixtures/ptx"
nvcc="${1:-${NVCC:-/usr/local/cuda/bin/nvcc}}"
mkdir -p "${out}"
for src in "${here}"/*.cu; do
  name="$(basename "${src}" .cu)"
  # compute_75 is the oldest target the interpreter accepts; -O3 is nvcc's default for device code.
  "${nvcc}" -arch=compute_75 -ptx "${src}" -o "${out}/${name}.ptx"
  # A newer virtual target too: checks the parser on what sm_90 PTX looks like.
  "${nvcc}" -arch=compute_90 -ptx "${src}" -o "${out}/${name}.sm90.ptx"
  # A fatbin holding only compute_75 PTX, as cuModuleLoadData receives from a real application.
  "${nvcc}" -fatbin -gencode arch=compute_75,code=compute_75 "${src}" -o "${out}/${name}.fatbin"
done
# Debug builds (-G): unoptimised code with calls, locals and debug sections, for a few kernels.
for name in reduce_shared reduce_shuffle matmul struct_param divergence; do
  # Drop .debug_info and shorten .file paths: they hold this checkout's absolute paths.
  "${nvcc}" -arch=compute_75 -ptx -G "${here}/${name}.cu" -o - |
    awk '/^\t\.section\t\.debug_info/ { skip = 1; next } skip && /^\t}/ { skip = 0; next } !skip' |
    sed -E 's#^(\s*\.file\s+[0-9]+ ")[^"]*/([^"/]+")#\1\2#' > "${out}/${name}.G.ptx"
done
echo "regenerated $(ls "${out}" | wc -l) files in ${out}"

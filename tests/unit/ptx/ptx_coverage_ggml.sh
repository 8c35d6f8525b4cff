#!/usr/bin/env bash
# Whole-fatbin coverage: every PTX entry of real ggml-cuda builds must parse and decode with
# nothing unsupported (vgpu-ptx-coverage prints the gaps and exits 1 when there are any).
# Builds: $VGPU_GGML_CUDA_SO (colon-separated) if set, else node-llama-cpp's CUDA 13 and
# CUDA 12 builds that scripts/llm-deps.sh installs. None present: skip (77).
set -uo pipefail
tool="$1"
if [ -n "${VGPU_GGML_CUDA_SO:-}" ]; then
  IFS=: read -r -a candidates <<< "$VGPU_GGML_CUDA_SO"
else
  npm_dir="${VGPU_LLM_DIR:-$HOME/.cache/vgpu-llm}/node_modules/@node-llama-cpp"
  candidates=("$npm_dir/linux-x64-cuda/bins/linux-x64-cuda/libggml-cuda.so"
              "$npm_dir/linux-x64-cuda-ext/bins/linux-x64-cuda/fallback/libggml-cuda.so")
fi
found=()
for so in "${candidates[@]}"; do [ -f "$so" ] && found+=("$so"); done
if [ ${#found[@]} -eq 0 ]; then
  echo "no ggml-cuda build found (run scripts/llm-deps.sh or set VGPU_GGML_CUDA_SO); skipping"
  exit 77
fi
status=0
for so in "${found[@]}"; do
  "$tool" "$so" || status=1
done
exit $status

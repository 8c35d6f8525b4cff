#!/usr/bin/env bash
# Installs what the LLM end-to-end test (tests/llm) needs, outside the
# repository and cached between runs: node-llama-cpp's prebuilt CUDA 13 and
# CUDA 12 builds from npm (pinned) and llama.cpp's llama-spm tokenizer GGUF,
# taken from the llama.cpp bundle inside the node-llama-cpp package.
# Without network or Node.js it says so and the test skips.
set -euo pipefail
dir="${VGPU_LLM_DIR:-${HOME}/.cache/vgpu-llm}"
version=3.22.1
vocab="$dir/ggml-vocab-llama-spm.gguf"
if [ -f "$dir/.installed-$version" ] && [ -f "$vocab" ]; then exit 0; fi
if ! command -v npm >/dev/null; then
  echo "llm-deps: npm not found; the LLM test will be skipped" >&2
  exit 0
fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"vgpu-llm-test","private":true}' > package.json
# The prebuilt binaries come from these packages; no download or build at install.
if ! NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund --loglevel=error \
    "node-llama-cpp@$version" "@node-llama-cpp/linux-x64-cuda@$version" \
    "@node-llama-cpp/linux-x64-cuda-ext@$version"; then
  echo "llm-deps: npm install failed; the LLM test will be skipped" >&2
  exit 0
fi
bundle="$dir/node_modules/node-llama-cpp/llama/gitRelease.bundle"
tmp=$(mktemp -d)
git -C "$tmp" init -q
git -C "$tmp" fetch -q "$bundle" 2>/dev/null || git -C "$tmp" fetch -q "$bundle" 'refs/*:refs/*'
git -C "$tmp" show FETCH_HEAD:models/ggml-vocab-llama-spm.gguf > "$vocab.tmp" 2>/dev/null ||
  git -C "$tmp" show "$(git -C "$tmp" for-each-ref --format='%(objectname)' | head -1)":models/ggml-vocab-llama-spm.gguf > "$vocab.tmp"
mv "$vocab.tmp" "$vocab"
rm -rf "$tmp"
touch "$dir/.installed-$version"

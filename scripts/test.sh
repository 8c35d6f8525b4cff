#!/usr/bin/env bash
# Builds vgpu and runs every test (unit, e2e; gpu tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# node-llama-cpp and a tokenizer for the LLM tests (cached outside the tree; skipped if unavailable).
scripts/llm-deps.sh
ctest --test-dir build --output-on-failure --timeout 900 -j2 "$@"

#!/usr/bin/env bash
# Builds vgpu and runs every test (unit, e2e; gpu tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 900 -j2 "$@"

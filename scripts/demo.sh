#!/usr/bin/env bash
# The vgpu demo: builds vgpu, starts vgpu-server on the software GPU, and runs
# CUDA programs through vgpu's libraries as a GPU-less client would.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 50551)
build/bin/vgpu-server --backend emu --listen "127.0.0.1:$port" --log-level warn &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
export VGPU_SERVER="127.0.0.1:$port" LD_LIBRARY_PATH="$PWD/build/lib/vgpu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "== vgpu-server (software GPU) on $VGPU_SERVER; client libraries from build/lib/vgpu"
echo "== driver API program (C, linked to vgpu's libcuda.so.1):"
build/bin/vgpu-demo-driver tests/fixtures/ptx/vector_add.ptx
if [ -x build/bin/vgpu-demo-runtime ]; then
  echo "== runtime API program (built by nvcc, -cudart shared, runs on vgpu's libcudart.so.13):"
  build/bin/vgpu-demo-runtime
fi

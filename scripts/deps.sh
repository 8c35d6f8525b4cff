#!/usr/bin/env bash
# Installs what building vgpu needs on Debian 12 (run as root or with sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(build-essential cmake ninja-build pkg-config ccache
          libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
          libcli11-dev catch2 libzstd-dev liblz4-dev libssl-dev
          libopenblas-dev  # the emu backend's cuBLAS
          openssl          # the TLS tests make their certificates with it; so does the server package
          dpkg-dev rpm lintian)  # the last three: scripts/package.sh and its tests
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -f /usr/local/cuda/include/cuda.h ] && [ ! -f "${CUDA_PATH:-/nonexistent}/include/cuda.h" ]; then
  echo "vgpu needs the CUDA toolkit headers (cuda.h). Install NVIDIA's cuda-toolkit-13-0 package" >&2
  echo "(or only cuda-cudart-dev-13-0 and cuda-driver-dev-13-0) from NVIDIA's Debian 12 repository," >&2
  echo "or point CUDA_PATH at an existing toolkit." >&2
  exit 1
fi

#!/usr/bin/env bash
# Installs what qsparse needs (Debian 12 packages, when missing), then
# configures and builds into build/. Safe to run again: it only does what is
# not done yet.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ llvm-22-dev llvm-22-tools libmlir-22-dev
          mlir-22-tools libgtest-dev python3-numpy libomp-22-dev
          libonnx-dev libprotobuf-dev libonnx-testdata python3-onnx
          libdnnl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCMAKE_INSTALL_PREFIX="$PWD/build/install" \
    -DQSPARSE_WERROR=ON
fi
ninja -C build

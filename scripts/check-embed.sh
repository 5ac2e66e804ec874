#!/usr/bin/env bash
# Installs qsparse into build/install and builds examples/embed (an external
# CMake project using find_package(QSparse CONFIG)) against it, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --install build --prefix "$PWD/build/install" >/dev/null
rm -rf build/embed
cmake -G Ninja -S examples/embed -B build/embed \
  -DCMAKE_PREFIX_PATH="$PWD/build/install" \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
ninja -C build/embed >/dev/null
out=$(build/embed/embed-opt examples/embed/test.mlir --qsparse-lower-to-linalg)
echo "$out" | grep -q "linalg.generic" || {
  echo "embed: embed-opt did not lower the qsparse op"; exit 1; }
echo "$out" | grep -q "qsparse\." && {
  echo "embed: qsparse ops survived the lowering"; exit 1; }
echo "embed: OK (examples/embed built against the install tree and lowered qsparse IR)"

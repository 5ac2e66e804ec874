#!/usr/bin/env bash
# Runs the CPU benchmarks (bench/qsparse-bench.cpp, DESIGN 6): installs oneDNN
# (Debian libdnnl-dev) when missing, sets up and builds qsparse
# (scripts/setup.sh), reconfigures so that bench/ finds oneDNN, builds
# qsparse-bench and runs it. Without arguments it writes docs/benchmarks.md
# (a few minutes) and appends bench/onnx-models.sh (whole ONNX models, a few
# more); arguments replace that and go to qsparse-bench as they are:
#   scripts/bench.sh --quick                  # smoke run, report on stdout
#   scripts/bench.sh --filter=int8-conv --out=/tmp/conv.md
# Exits non-zero when a result is wrong or a case fails to compile.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! dpkg -s libdnnl-dev >/dev/null 2>&1; then
  echo "bench: installing libdnnl-dev"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libdnnl-dev >/dev/null
fi

scripts/setup.sh
# build/ may have been configured before oneDNN was installed: configure
# again so that bench/CMakeLists.txt looks for it (a NOTFOUND is searched anew).
cmake -S . -B build >/dev/null
# (grep -q on the pipe would close it early: ninja's SIGPIPE fails the
# pipeline under pipefail.)
targets=$(ninja -C build -t targets all 2>/dev/null || true)
if ! grep -q '^qsparse-bench:' <<<"$targets"; then
  echo "bench: error: CMake did not find oneDNN (dnnl.hpp, libdnnl); see build/CMakeCache.txt (DNNL_*)" >&2
  exit 2
fi
ninja -C build qsparse-bench

args=("$@")
[ $# -gt 0 ] || args=(--out=docs/benchmarks.md)
echo "bench: build/bin/qsparse-bench ${args[*]}"
build/bin/qsparse-bench "${args[@]}"
if [ $# -eq 0 ]; then
  # Whole models (a few minutes): ResNet-18 and MobileNetV2 from ONNX.
  echo "bench: bench/onnx-models.sh >> docs/benchmarks.md"
  { echo; bench/onnx-models.sh build; } >> docs/benchmarks.md
fi

#!/usr/bin/env bash
# The main job: set up, then compile the bundled quantized conv + matmul block
# (examples/quantized_block.mlir) through the qsparse pipeline, run it by JIT,
# print what it carries (types, bounds, masks) and check it against the
# reference pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
build/bin/qsparse-run examples/quantized_block.mlir -e main \
  --random-inputs=42 --print-decisions --check --bench=20

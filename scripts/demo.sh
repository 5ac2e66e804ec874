#!/usr/bin/env bash
# The main job: set up, then take the bundled quantized block
# (examples/quantized_block.mlir: flint4 conv + requantize/ReLU + 2:4 matmul)
# through the qsparse pipeline: prove its accumulator ranges, narrow the
# accumulators the proofs allow, print what was decided, run it by JIT with
# the CPU pipeline and check it against the reference pipeline and against
# the original 32-bit program.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
out=build/demo
mkdir -p "$out"

echo "== deciding: accumulator proofs (DESIGN 3.2) and narrowing =="
build/bin/qsparse-opt examples/quantized_block.mlir \
  --qsparse-accumulator-analysis="report=$out/bounds.json" \
  --qsparse-narrow-accumulators="widths=16,24,32 report=$out/narrow.json" \
  -o "$out/block.mlir"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
for d in json.load(open(out + "/bounds.json")):
    print(f"  {d['op']} {d['loc']}: K = {d['k']}, range [{d['lo']}, {d['hi']}]: "
          f"exact {d['exact_bits']} bits (A2Q L1 bound {d['l1_bits']}, "
          f"data-type bound {d['datatype_bits']})")
for d in json.load(open(out + "/narrow.json")):
    if "skipped" in d:
        print(f"  {d['op']} {d['loc']}: kept ({d['skipped']})")
    else:
        print(f"  {d['op']} {d['loc']}: accumulator i{d['from_bits']} -> "
              f"i{d['to_bits']} (needs {d['required_bits']})")
PY

echo "== running the narrowed program (CPU pipeline, JIT) =="
build/bin/qsparse-run "$out/block.mlir" -e main --random-inputs=42 \
  --print-decisions --check --bench=20 --output="$out/narrow.npy"
build/bin/qsparse-run examples/quantized_block.mlir -e main \
  --random-inputs=42 --output="$out/wide.npy" >/dev/null
if cmp -s "$out/narrow.npy" "$out/wide.npy"; then
  echo "narrowed program: the same integers as the original 32-bit program"
else
  echo "narrowed program differs from the original 32-bit program" >&2
  exit 1
fi

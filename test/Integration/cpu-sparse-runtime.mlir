// Runtime 2:4 weights (compressed values and metadata as function
// arguments, or compressed in the function) run on the 2:4 kernel: per call
// the values and positions are packed for it from the compressed form, and
// the expanded [K, N] weight is not built (when the kernel covers every
// column). Metadata is read as qsparse.nm_decompress reads it: random bytes
// (mostly positions outside [0, 4), which add nothing) and positions
// masked to [0, 4) (duplicates in a group, where the second slot wins)
// must both match the reference pipeline exactly. The IR checks are in
// cpu-sparse-runtime-ir.test.
// RUN: qsparse-run %s -e random_meta --random-inputs=1 --check %vnni_on | FileCheck %s --check-prefix=RANDOM
// RUN: qsparse-run %s -e duplicates --random-inputs=2 --check %vnni_on | FileCheck %s --check-prefix=DUP
// RUN: qsparse-run %s -e compressed --random-inputs=3 --check %vnni_on | FileCheck %s --check-prefix=COMP
// RUN: qsparse-run %s -e compressed --random-inputs=3 --check --cpu-threads=2 | FileCheck %s --check-prefix=COMP
// RUN: qsparse-run %s -e duplicates --random-inputs=2 --check --cpu-vnni=off | FileCheck %s --check-prefix=DUP

// N = 70: the kernel covers 64 columns, the last 6 read the expanded weight.
// RANDOM: check: OK, 2590 values match
func.func @random_meta(%x: tensor<37x136xi8>, %v: tensor<68x70xi8>, %m: tensor<68x70xi8>) -> tensor<37x70xi32> {
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<68x70xi8>, tensor<68x70xi8> -> tensor<136x70xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<37x136xi8>, tensor<136x70xi8> -> tensor<37x70xi32>
  return %y : tensor<37x70xi32>
}

// DUP: check: OK, 2688 values match
func.func @duplicates(%x: tensor<21x64xi8>, %v: tensor<32x128xi8>, %raw: tensor<32x128xi8>) -> tensor<21x128xi32> {
  %c3 = arith.constant dense<3> : tensor<32x128xi8>
  %m = arith.andi %raw, %c3 : tensor<32x128xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x128xi8>, tensor<32x128xi8> -> tensor<64x128xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<21x64xi8>, tensor<64x128xi8> -> tensor<21x128xi32>
  return %y : tensor<21x128xi32>
}

// COMP: check: OK, 2560 values match
func.func @compressed(%x: tensor<20x64xi8>, %d: tensor<64x128xi8>) -> tensor<20x128xi32> {
  %v, %m = qsparse.nm_compress %d {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<64x128xi8> -> tensor<32x128xi8>, tensor<32x128xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x128xi8>, tensor<32x128xi8> -> tensor<64x128xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x128xi8> -> tensor<20x128xi32>
  return %y : tensor<20x128xi32>
}

// The expanded weight is also a result: the decompression stays (it writes
// the out-parameter), and the matmul still takes the 2:4 kernel.
// RUN: qsparse-run %s -e returned --random-inputs=4 --check %vnni_on | FileCheck %s --check-prefix=RET
// RET: check: OK, 5376 values match
func.func @returned(%x: tensor<20x64xi8>, %d: tensor<64x64xi8>) -> (tensor<20x64xi32>, tensor<64x64xi8>) {
  %v, %m = qsparse.nm_compress %d {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<64x64xi8> -> tensor<32x64xi8>, tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<64x64xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  return %y, %w : tensor<20x64xi32>, tensor<64x64xi8>
}

// The expanded weight is changed before the matmul (bufferized in place
// into its buffer): the matmul must read the changed weight, not the
// compressed operands.
// RUN: qsparse-run %s -e modified --random-inputs=5 --check %vnni_on | FileCheck %s --check-prefix=MOD
// MOD: check: OK, 1280 values match
func.func @modified(%x: tensor<20x64xi8>, %v: tensor<32x64xi8>, %raw: tensor<32x64xi8>) -> tensor<20x64xi32> {
  %c3 = arith.constant dense<3> : tensor<32x64xi8>
  %m = arith.andi %raw, %c3 : tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<64x64xi8>
  %one = arith.constant dense<1> : tensor<64x64xi8>
  %w2 = arith.addi %w, %one : tensor<64x64xi8>
  %y = qsparse.matmul %x, %w2 {input_unsigned}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  return %y : tensor<20x64xi32>
}

// Two matmuls share the weight. The first takes the 2:4 kernel; the
// second, after the first's kernel (whose intrinsic calls have unknown
// memory effects, so the compressed operands might have been written),
// takes the dense one on the expanded weight, which stays.
// RUN: qsparse-run %s -e shared --random-inputs=6 --check %vnni_on | FileCheck %s --check-prefix=SHARED
// SHARED: check: OK, 2560 values match
func.func @shared(%x: tensor<20x64xi8>, %x2: tensor<20x64xi8>, %d: tensor<64x64xi8>) -> (tensor<20x64xi32>, tensor<20x64xi32>) {
  %v, %m = qsparse.nm_compress %d {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<64x64xi8> -> tensor<32x64xi8>, tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<64x64xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  %y2 = qsparse.matmul %x2, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  return %y, %y2 : tensor<20x64xi32>, tensor<20x64xi32>
}

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

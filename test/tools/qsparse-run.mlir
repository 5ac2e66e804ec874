// RUN: qsparse-run %s -e block --random-inputs=3 --print-decisions --check --bench=3 | FileCheck %s
// RUN: qsparse-run %s -e block --random-inputs=3 --pipeline=reference | FileCheck %s --check-prefix=REF
// RUN: qsparse-run %s -e half --random-inputs=5 --check | FileCheck %s --check-prefix=HALF
// RUN: qsparse-run %s -e linalg_mm --random-inputs=1 --bench=2 | FileCheck %s --check-prefix=LINALG

// CHECK: decisions in @block:
// CHECK-NEXT: qsparse.decode at {{.*}}qsparse-run.mlir:[[@LINE+11]]:9: weights !qsparse.flint<4, signed> (flint4_signed) decoded to i8
// CHECK-NEXT: qsparse.matmul at {{.*}}qsparse-run.mlir:[[@LINE+11]]:8: K = 8, accumulator i32, proven range [-2040, 2040] needs 12 bits, weight sparsity #qsparse.nm<2:4>
// CHECK-NEXT: result 0: tensor<2x4xi32> = [
// CHECK-NEXT: check: OK, 8 values match the reference pipeline
// 2 * M * N * K = 2 * 2 * 4 * 8 = 128 operations.
// CHECK-NEXT: bench: median_ms={{[0-9]+\.[0-9]+}} gops={{[0-9]+\.[0-9]+}}
// CHECK-NOT: {{.}}
// REF-NOT: decisions
// REF: result 0: tensor<2x4xi32>
// REF-NOT: check
func.func @block(%x: tensor<2x8xi8>, %w: tensor<8x4x!qsparse.flint<4, signed>>) -> tensor<2x4xi32> {
  %wi = qsparse.decode %w : tensor<8x4x!qsparse.flint<4, signed>> -> tensor<8x4xi8>
  %0 = qsparse.matmul %x, %wi {input_unsigned, acc_bound = #qsparse.acc_bound<lo = -2040, hi = 2040>,
                               weight_sparsity = #qsparse.nm<2:4>}
      : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// HALF: result 0: tensor<3xf16> = [
// HALF: check: OK, 3 values match the reference pipeline
func.func @half(%x: tensor<3xf16>, %y: tensor<3xf16>) -> tensor<3xf16> {
  %0 = arith.addf %x, %y : tensor<3xf16>
  return %0 : tensor<3xf16>
}

// LINALG: result 0: tensor<4x5xf32>
// LINALG: bench: median_ms={{[0-9]+\.[0-9]+}} gops=
func.func @linalg_mm(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>) -> tensor<4x5xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x5xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x5xf32>) -> tensor<4x5xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%f : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

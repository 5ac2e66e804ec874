// RUN: qsparse-opt %s -split-input-file --qsparse-lower-to-linalg="hoist-input-zero-point=true" | FileCheck %s
// RUN: qsparse-opt %s -split-input-file --qsparse-lower-to-linalg | FileCheck %s --check-prefix=INSIDE

// Hoisting the input zero point: the multiply-accumulate reads the raw
// inputs (a plain u8 x s8 dot product) and zx * sum_k (w[k, f] - zw) is
// subtracted per output channel afterwards. Constant weights fold the sums:
// zx = 3, zw = 1, columns (2, -1) and (5, 0): 3 * ((2-1) + (-1-1)) = -3 and
// 3 * ((5-1) + (0-1)) = 9.
// CHECK-LABEL: func.func @matmul_constant
// CHECK: %[[ACC:.*]] = linalg.generic
// CHECK-NEXT: ^bb0(%[[X:.*]]: i8, %[[W:.*]]: i8, %[[OUT:.*]]: i32):
// CHECK-NEXT: %[[XE:.*]] = arith.extui %[[X]] : i8 to i32
// CHECK-NEXT: %[[WE:.*]] = arith.extsi %[[W]] : i8 to i32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-NEXT: %[[WZ:.*]] = arith.subi %[[WE]], %[[ONE]] : i32
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[XE]], %[[WZ]] : i32
// CHECK: %[[SUMS:.*]] = arith.constant dense<[-3, 9]> : tensor<2xi32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[SUMS]] : tensor<4x2xi32>, tensor<2xi32>)
// CHECK: arith.subi
// Without the option (the reference pipeline) the zero point stays inside.
// INSIDE-LABEL: func.func @matmul_constant
// INSIDE: arith.extui
// INSIDE-NEXT: arith.extsi
// INSIDE-NEXT: arith.constant 3 : i32
// INSIDE-NEXT: arith.subi
// INSIDE-NOT: tensor<2xi32>
func.func @matmul_constant(%x: tensor<4x2xi8>) -> tensor<4x2xi32> {
  %w = arith.constant dense<[[2, 5], [-1, 0]]> : tensor<2x2xi8>
  %0 = qsparse.matmul %x, %w {input_unsigned, input_zero_point = 3 : i64, weight_zero_point = 1 : i64} : tensor<4x2xi8>, tensor<2x2xi8> -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

// Runtime weights: the sums are a reduction over (kh, kw, c) per filter;
// padding still reads the zero point, so padded taps cancel exactly.
// CHECK-LABEL: func.func @conv_runtime
// CHECK: tensor.pad
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK: %[[S:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%{{.*}} : tensor<3x3x4x8xi8>) outs(%{{.*}} : tensor<8xi32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[S]] : tensor<1x6x6x8xi32>, tensor<8xi32>)
func.func @conv_runtime(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4x8xi8>) -> tensor<1x6x6x8xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 128 : i64, padding = array<i64: 1, 1, 1, 1>} : tensor<1x6x6x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x8xi32>
  return %0 : tensor<1x6x6x8xi32>
}

// -----

// A narrowed (16-bit) accumulator hoists it too: the identity holds modulo
// 2^16 (the raw products' partial sums may leave the proven range, but the
// pipelines that hoist never saturate them), and the sums are i16.
// CHECK-LABEL: func.func @narrow
// CHECK: %[[ACC:.*]] = linalg.generic
// CHECK-NEXT: ^bb0(%{{.*}}: i8, %{{.*}}: i8, %{{.*}}: i16):
// CHECK-NEXT: arith.extui
// CHECK-NEXT: arith.extsi
// CHECK-NEXT: arith.muli
// CHECK-NEXT: arith.addi
// CHECK: %[[S:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%{{.*}} : tensor<2x2xi8>) outs(%{{.*}} : tensor<2xi16>)
// CHECK: arith.constant 3 : i16
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[S]] : tensor<4x2xi16>, tensor<2xi16>)
// CHECK: arith.subi %{{.*}}, %{{.*}} : i16
// INSIDE-LABEL: func.func @narrow
// INSIDE: arith.extui
// INSIDE-NEXT: arith.extsi
// INSIDE-NEXT: arith.constant 3 : i16
// INSIDE-NEXT: arith.subi
// INSIDE-NOT: tensor<2xi16>
func.func @narrow(%x: tensor<4x2xi8>, %w: tensor<2x2xi8>) -> tensor<4x2xi16> {
  %0 = qsparse.matmul %x, %w {input_unsigned, input_zero_point = 3 : i64} : tensor<4x2xi8>, tensor<2x2xi8> -> tensor<4x2xi16>
  return %0 : tensor<4x2xi16>
}

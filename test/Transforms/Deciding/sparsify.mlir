// RUN: qsparse-opt %s --qsparse-sparsify="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: qsparse-opt %s --qsparse-sparsify="mode=transposable-greedy" | FileCheck %s --check-prefix=TRANS

// Groups of 4 along K, per column:
//   col 0: (1, -5, 3, 2) keeps -5, 3 at 1, 2; (0, 7, -7, 1) keeps 7, -7 at 1, 2
//   col 1: (4, 4, 4, 4) keeps 0, 1 (ties: lower index); (0, 0, 0, 9) keeps
//          9 and the lowest zero: positions 0, 3
// Kept L1 = (5+3+7+7 + 4+4+9) / (26 + 25) = 39/51; diversity 4 * log10 C(4,2).
// CHECK-LABEL: func.func @magnitude
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[\[}}-5, 4], [3, 4], [7, 0], [-7, 9]]> : tensor<4x2xi8>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<{{\[\[}}1, 0], [2, 1], [1, 0], [2, 3]]> : tensor<4x2xi8>
// CHECK: %[[W:.*]] = qsparse.nm_decompress %[[V]], %[[M]] {axis = 0 : i64, sparsity = #qsparse.nm<2:4>} : tensor<4x2xi8>, tensor<4x2xi8> -> tensor<8x2xi8>
// CHECK: qsparse.matmul %{{.*}}, %[[W]] {weight_sparsity = #qsparse.nm<2:4>}
// REPORT:      "kept_l1_fraction": 0.76470588235294{{[0-9]*}},
// REPORT-NEXT: "loc":
// REPORT-NEXT: "m": 4,
// REPORT-NEXT: "mask_diversity_log10": 3.11260500153457{{[0-9]*}},
// REPORT-NEXT: "mode": "magnitude",
// REPORT-NEXT: "n": 2,
// REPORT-NEXT: "op": "qsparse.matmul"
// Two output channels are not a whole 4x4 tile: no transposable mask.
// TRANS-LABEL: func.func @magnitude
// TRANS-NEXT: %[[CST:.*]] = arith.constant
// TRANS-NEXT: qsparse.matmul %{{.*}}, %[[CST]] : tensor<1x8xi8>, tensor<8x2xi8> -> tensor<1x2xi32>
func.func @magnitude(%x: tensor<1x8xi8>) -> tensor<1x2xi32> {
  %w = arith.constant dense<[[1, 4], [-5, 4], [3, 4], [2, 4], [0, 0], [7, 0], [-7, 0], [1, 9]]> : tensor<8x2xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x8xi8>, tensor<8x2xi8> -> tensor<1x2xi32>
  return %0 : tensor<1x2xi32>
}

// Convolution weights (HWCF) are grouped along C (dimension 2).
// CHECK-LABEL: func.func @conv
// CHECK: qsparse.nm_decompress {{.*}} {axis = 2 : i64, sparsity = #qsparse.nm<2:4>} : tensor<1x1x2x1xf32>, tensor<1x1x2x1xi8> -> tensor<1x1x4x1xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @conv(%x: tensor<1x2x2x4xf32>) -> tensor<1x2x2x1xf32> {
  %w = arith.constant dense<[[[[0.5], [-3.0], [1.0], [2.0]]]]> : tensor<1x1x4x1xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2x1xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x2x4xf32>, tensor<1x1x4x1xf32>) outs(%f : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  return %0 : tensor<1x2x2x1xf32>
}

// Left unchanged, with the reason in the report.
// REPORT: "skipped": "reduction axis (dimension 0) of size 6 is not a multiple of M = 4"
// REPORT: "skipped": "weight is not a constant"
// REPORT: "skipped": "no N:M axis (a depthwise reduction runs over the window only)"
func.func @skipped(%x: tensor<1x6xi8>, %x2: tensor<1x8xi8>, %w2: tensor<8x2xi8>, %img: tensor<1x4x4x2xi8>) -> (tensor<1x2xi32>, tensor<1x2xi32>, tensor<1x2x2x2xi32>) {
  %w = arith.constant dense<1> : tensor<6x2xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x6xi8>, tensor<6x2xi8> -> tensor<1x2xi32>
  %1 = qsparse.matmul %x2, %w2 : tensor<1x8xi8>, tensor<8x2xi8> -> tensor<1x2xi32>
  %dw = arith.constant dense<1> : tensor<3x3x2xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x2x2xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  %2 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %dw : tensor<1x4x4x2xi8>, tensor<3x3x2xi8>) outs(%f : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  return %0, %1, %2 : tensor<1x2xi32>, tensor<1x2xi32>, tensor<1x2x2x2xi32>
}

// Transposable masks need the output channels in whole tiles of M too; a
// 4x4 weight gets 2 per row and column.
// TRANS-LABEL: func.func @square
// TRANS: qsparse.matmul {{.*}}weight_sparsity = #qsparse.nm<2:4, transposable>
func.func @square(%x: tensor<1x4xi8>) -> tensor<1x4xi32> {
  %w = arith.constant dense<[[9, 8, 1, 1], [7, 6, 1, 1], [1, 1, 5, 4], [1, 1, 3, 2]]> : tensor<4x4xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x4xi8>, tensor<4x4xi8> -> tensor<1x4xi32>
  return %0 : tensor<1x4xi32>
}

// With a weight zero point a stored 0 is the weight -zw, not a pruned one:
// such contractions are not sparsified.
// CHECK-LABEL: func.func @zero_point
// CHECK-NOT: nm_decompress
// CHECK: qsparse.matmul {{.*}}weight_zero_point = -20
// REPORT: "skipped": "weight zero point -20: a stored 0 would not be a zero weight"
func.func @zero_point(%x: tensor<2x8xi8>) -> tensor<2x4xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16], [1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]> : tensor<8x4xi8>
  %0 = qsparse.matmul %x, %w {weight_zero_point = -20 : i64} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// RUN: qsparse-opt %s -split-input-file --qsparse-conv-to-nhwc | FileCheck %s

// NCHW/FCHW -> NHWC/HWCF transposes, the NHWC convolution with the same
// strides (2, 1) and dilations (1, 2) and body, and the result back. The
// zero-filled accumulator is filled in its NHWC shape (no transpose).
// CHECK-DAG: #[[IMG:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 + d5 * 2, d6)>
// CHECK-DAG: #[[FIL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @nchw
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x9x12xf32>, %[[W:.*]]: tensor<7x5x3x2xf32>)
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<2x5x9x12xf32>) outs(%{{.*}} : tensor<2x9x12x5xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<7x5x3x2xf32>) outs(%{{.*}} : tensor<3x2x5x7xf32>) permutation = [2, 3, 1, 0]
// CHECK: %[[IT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4x10x7xf32>)
// CHECK: %[[C:.*]] = linalg.generic {indexing_maps = [#[[IMG]], #[[FIL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[XT]], %[[WT]] : tensor<2x9x12x5xf32>, tensor<3x2x5x7xf32>) outs(%[[IT]] : tensor<2x4x10x7xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[C]] : tensor<2x4x10x7xf32>) outs(%{{.*}} : tensor<2x7x4x10xf32>) permutation = [0, 3, 1, 2]
// CHECK: return %[[R]]
func.func @nchw(%x: tensor<2x5x9x12xf32>, %w: tensor<7x5x3x2xf32>) -> tensor<2x7x4x10xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x7x4x10xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x7x4x10xf32>) -> tensor<2x7x4x10xf32>
  %c = linalg.conv_2d_nchw_fchw {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[1, 2]> : tensor<2xi64>}
      ins(%x, %w : tensor<2x5x9x12xf32>, tensor<7x5x3x2xf32>) outs(%f : tensor<2x7x4x10xf32>) -> tensor<2x7x4x10xf32>
  return %c : tensor<2x7x4x10xf32>
}

// -----

// NHWC convolutions and depthwise ones are not touched.
// CHECK-LABEL: func.func @nhwc
// CHECK-NOT: linalg.transpose
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @nhwc(%x: tensor<1x6x6x4xf32>, %w: tensor<3x3x4x8xf32>, %o: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %c = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %c : tensor<1x4x4x8xf32>
}

// -----

// A constant filter is transposed at compile time; an accumulator init
// that is not a fill is transposed at run time.
// CHECK-LABEL: func.func @const_filter
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x3xf32>, %[[O:.*]]: tensor<1x2x3x2xf32>)
// CHECK-DAG: %[[WT:.*]] = arith.constant dense<{{\[}}[{{\[}}[1.000000e+00, 5.000000e+00], [3.000000e+00, 7.000000e+00]], {{\[}}[2.000000e+00, 6.000000e+00], [4.000000e+00, 8.000000e+00]]]]> : tensor<1x2x2x2xf32>
// CHECK-DAG: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<1x2x3x3xf32>)
// CHECK-DAG: %[[IT:.*]] = linalg.transpose ins(%[[O]] : tensor<1x2x3x2xf32>) outs(%{{.*}} : tensor<1x3x2x2xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.generic {{.*}} ins(%[[XT]], %[[WT]] : tensor<1x3x3x2xf32>, tensor<1x2x2x2xf32>) outs(%[[IT]] : tensor<1x3x2x2xf32>)
func.func @const_filter(%x: tensor<1x2x3x3xf32>, %o: tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0]], [[3.0, 4.0]]], [[[5.0, 6.0]], [[7.0, 8.0]]]]> : tensor<2x2x1x2xf32>
  %c = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x2x3x3xf32>, tensor<2x2x1x2xf32>) outs(%o : tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32>
  return %c : tensor<1x2x3x2xf32>
}

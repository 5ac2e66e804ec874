// RUN: qsparse-opt %s -split-input-file | FileCheck %s
// RUN: qsparse-opt %s -split-input-file | qsparse-opt -split-input-file | FileCheck %s
// RUN: qsparse-opt %s -split-input-file --mlir-print-op-generic | qsparse-opt -split-input-file | FileCheck %s

// Every op in its custom form; the second and third RUN lines re-parse the
// custom and the generic printout.

// CHECK-LABEL: func.func @quantize_per_axis
// CHECK: %[[Q:.*]] = qsparse.quantize %{{.*}}, %{{.*}} axis = 1 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8x!qsparse.flint<4, signed>>
// CHECK: qsparse.dequantize %[[Q]], %{{.*}} axis = 1 : tensor<4x8x!qsparse.flint<4, signed>>, tensor<8xf32> -> tensor<4x8xf32>
func.func @quantize_per_axis(%x: tensor<4x8xf32>, %s: tensor<8xf32>) -> tensor<4x8xf32> {
  %q = qsparse.quantize %x, %s axis = 1 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8x!qsparse.flint<4, signed>>
  %d = qsparse.dequantize %q, %s axis = 1 : tensor<4x8x!qsparse.flint<4, signed>>, tensor<8xf32> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK: qsparse.quantize %{{.*}}, %{{.*}} : tensor<16xf16>, tensor<1xf16> -> tensor<16x!qsparse.pot<4, signed>>
// CHECK: qsparse.quantize %{{.*}}, %{{.*}} : tensor<16xf16>, tensor<1xf16> -> tensor<16xi8>
// CHECK: qsparse.quantize %{{.*}}, %{{.*}} : tensor<16xf16>, tensor<1xf16> -> tensor<16xui4>
func.func @quantize_per_tensor(%x: tensor<16xf16>, %s: tensor<1xf16>) {
  %p = qsparse.quantize %x, %s : tensor<16xf16>, tensor<1xf16> -> tensor<16x!qsparse.pot<4, signed>>
  %i = qsparse.quantize %x, %s : tensor<16xf16>, tensor<1xf16> -> tensor<16xi8>
  %u = qsparse.quantize %x, %s : tensor<16xf16>, tensor<1xf16> -> tensor<16xui4>
  return
}

// -----

// CHECK-LABEL: func.func @decode
// CHECK: qsparse.decode %{{.*}} : tensor<2x3x!qsparse.flint<4>> -> tensor<2x3xi8>
// CHECK: qsparse.decode %{{.*}} : tensor<2x3x!qsparse.flint<4, signed>> -> tensor<2x3xi32>
// CHECK: qsparse.decode %{{.*}} : tensor<2x3x!qsparse.pot<4, signed>> -> tensor<2x3xi8>
func.func @decode(%a: tensor<2x3x!qsparse.flint<4>>, %b: tensor<2x3x!qsparse.flint<4, signed>>,
                  %c: tensor<2x3x!qsparse.pot<4, signed>>) {
  %0 = qsparse.decode %a : tensor<2x3x!qsparse.flint<4>> -> tensor<2x3xi8>
  %1 = qsparse.decode %b : tensor<2x3x!qsparse.flint<4, signed>> -> tensor<2x3xi32>
  %2 = qsparse.decode %c : tensor<2x3x!qsparse.pot<4, signed>> -> tensor<2x3xi8>
  return
}

// -----

// CHECK-LABEL: func.func @bitcast
// CHECK: %[[C:.*]] = qsparse.bitcast %{{.*}} : tensor<16xi8> -> tensor<16x!qsparse.flint<4>>
// CHECK: qsparse.bitcast %[[C]] : tensor<16x!qsparse.flint<4>> -> tensor<16xui8>
func.func @bitcast(%raw: tensor<16xi8>) -> tensor<16xui8> {
  %c = qsparse.bitcast %raw : tensor<16xi8> -> tensor<16x!qsparse.flint<4>>
  %u = qsparse.bitcast %c : tensor<16x!qsparse.flint<4>> -> tensor<16xui8>
  return %u : tensor<16xui8>
}

// -----

// CHECK-LABEL: func.func @requantize
// CHECK: qsparse.requantize %{{.*}} {multiplier = array<i32: 1073741824>, shift = array<i32: 31>} : tensor<4x16xi32> -> tensor<4x16xi8>
// CHECK: qsparse.requantize %{{.*}} {axis = 1 : i64, multiplier = array<i32: 1, 2>, out_max = 255 : i64, out_min = 3 : i64, output_zero_point = 3 : i64, shift = array<i32: 0, 63>} : tensor<4x2xi32> -> tensor<4x2xi8>
func.func @requantize(%a: tensor<4x16xi32>, %b: tensor<4x2xi32>) {
  %0 = qsparse.requantize %a {multiplier = array<i32: 1073741824>, shift = array<i32: 31>} : tensor<4x16xi32> -> tensor<4x16xi8>
  %1 = qsparse.requantize %b {axis = 1 : i64, multiplier = array<i32: 1, 2>, shift = array<i32: 0, 63>,
                              output_zero_point = 3 : i64, out_min = 3 : i64, out_max = 255 : i64}
      : tensor<4x2xi32> -> tensor<4x2xi8>
  return
}

// -----

// CHECK-LABEL: func.func @nm
// CHECK: %[[V:.*]], %[[M:.*]] = qsparse.nm_compress %{{.*}} {axis = 0 : i64, sparsity = #qsparse.nm<2:4>} : tensor<8x3xi8> -> tensor<4x3xi8>, tensor<4x3xi8>
// CHECK: qsparse.nm_decompress %[[V]], %[[M]] {axis = 0 : i64, sparsity = #qsparse.nm<2:4>} : tensor<4x3xi8>, tensor<4x3xi8> -> tensor<8x3xi8>
// CHECK: qsparse.nm_compress %{{.*}} {axis = 1 : i64, sparsity = #qsparse.nm<1:8>} : tensor<2x16xf32> -> tensor<2x2xf32>, tensor<2x2xi8>
func.func @nm(%w: tensor<8x3xi8>, %f: tensor<2x16xf32>) -> tensor<8x3xi8> {
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<4x3xi8>, tensor<4x3xi8>
  %d = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<4x3xi8>, tensor<4x3xi8> -> tensor<8x3xi8>
  %fv, %fm = qsparse.nm_compress %f {sparsity = #qsparse.nm<1:8>, axis = 1 : i64} : tensor<2x16xf32> -> tensor<2x2xf32>, tensor<2x2xi8>
  return %d : tensor<8x3xi8>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK: qsparse.matmul %{{.*}}, %{{.*}} {acc_bound = #qsparse.acc_bound<lo = -32512, hi = 32512>, input_unsigned, input_zero_point = 128 : i64, weight_sparsity = #qsparse.nm<2:4>} : tensor<8x16xi8>, tensor<16x4xi8> -> tensor<8x4xi32>
// CHECK: qsparse.matmul %{{.*}}, %{{.*}} : tensor<8x16xi8>, tensor<16x4xi8> -> tensor<8x4xi16>
func.func @matmul(%x: tensor<8x16xi8>, %w: tensor<16x4xi8>) {
  %0 = qsparse.matmul %x, %w {input_unsigned, input_zero_point = 128 : i64,
                              acc_bound = #qsparse.acc_bound<lo = -32512, hi = 32512>,
                              weight_sparsity = #qsparse.nm<2:4>}
      : tensor<8x16xi8>, tensor<16x4xi8> -> tensor<8x4xi32>
  %1 = qsparse.matmul %x, %w : tensor<8x16xi8>, tensor<16x4xi8> -> tensor<8x4xi16>
  return
}

// -----

// CHECK-LABEL: func.func @conv2d
// CHECK: qsparse.conv2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 1>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, weight_sparsity = #qsparse.nm<2:4, transposable>} : tensor<1x9x8x16xi8>, tensor<3x3x16x8xi8> -> tensor<1x4x4x8xi32>
func.func @conv2d(%x: tensor<1x9x8x16xi8>, %w: tensor<3x3x16x8xi8>) {
  %0 = qsparse.conv2d %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 2, 1>,
                              padding = array<i64: 1, 1, 1, 1>,
                              weight_sparsity = #qsparse.nm<2:4, transposable>}
      : tensor<1x9x8x16xi8>, tensor<3x3x16x8xi8> -> tensor<1x4x4x8xi32>
  return
}

// -----

// A constant weight that satisfies its mask passes the verifier.
// CHECK-LABEL: func.func @constant_sparse_weight
// CHECK: weight_sparsity = #qsparse.nm<2:4, transposable>
func.func @constant_sparse_weight(%x: tensor<2x4xi8>) -> tensor<2x4xi32> {
  %w = arith.constant dense<[[1, 0, 0, 2], [0, 3, 4, 0], [5, 0, 0, 6], [0, 7, 8, 0]]> : tensor<4x4xi8>
  %0 = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4, transposable>}
      : tensor<2x4xi8>, tensor<4x4xi8> -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

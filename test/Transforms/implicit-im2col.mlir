// RUN: qsparse-opt %s -split-input-file --qsparse-lower-to-linalg --qsparse-implicit-im2col | FileCheck %s
// RUN: qsparse-opt %s -split-input-file --qsparse-lower-to-linalg --qsparse-implicit-im2col --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=BUF

// NHWC qsparse.conv2d, stride 2, dilation 2, padding, input zero point: a
// GEMM over (n, p, f, k) with p = oh*4 + ow and k = (kh*3 + kw)*5 + c,
// reading the padded image through the im2col map; the filter is a
// [45][20] view, the output a [2][20][20] view expanded back.
// CHECK-DAG: #[[IMG:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, (d1 floordiv 4) * 2 + (d3 floordiv 15) * 2, (d1 mod 4) * 2 + ((d3 mod 15) floordiv 5) * 2, d3 mod 5)>
// CHECK-DAG: #[[FIL:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @nhwc
// CHECK: %[[PAD:.*]] = tensor.pad
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3]] : tensor<3x3x5x20xi8> into tensor<45x20xi8>
// CHECK: %[[INIT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3]] : tensor<2x5x4x20xi32> into tensor<2x20x20xi32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[IMG]], #[[FIL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[PAD]], %[[W]] : tensor<2x13x11x5xi8>, tensor<45x20xi8>) outs(%[[INIT]] : tensor<2x20x20xi32>)
// The padding value is the input zero point 3, not zero: no zero border.
// CHECK-SAME: {qsparse.implicit_gemm = array<i64: 2, 2, 2, 2, 3, 3>} {
// The zero point correction stays in the body.
// CHECK: arith.subi %{{.*}}, %c3_i32
// CHECK: %[[R:.*]] = tensor.expand_shape %[[G]] {{\[}}[0], [1, 2], [3]] output_shape [2, 5, 4, 20]
// CHECK: return %[[R]]
func.func @nhwc(%x: tensor<2x11x11x5xi8>, %w: tensor<3x3x5x20xi8>) -> tensor<2x5x4x20xi32> {
  %acc = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>,
                                padding = array<i64: 1, 0, 1, 0>, input_zero_point = 3 : i64}
      : tensor<2x11x11x5xi8>, tensor<3x3x5x20xi8> -> tensor<2x5x4x20xi32>
  return %acc : tensor<2x5x4x20xi32>
}

// -----

// NCHW/FCHW: loops (n, f, p, k) with k = (c*3 + kh)*2 + kw, filter [F][K].
// CHECK-DAG: #[[IMG:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 6, (d2 floordiv 7) * 2 + (d3 mod 6) floordiv 2, d2 mod 7 + d3 mod 2)>
// CHECK-DAG: #[[FIL:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func.func @nchw
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<7x5x3x2xf32> into tensor<7x30xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<2x7x4x7xf32> into tensor<2x7x28xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IMG]], #[[FIL]], #{{.*}}]
// CHECK-NOT: linalg.memoized_indexing_maps
// CHECK-SAME: qsparse.implicit_gemm = array<i64: 2, 1, 1, 1, 3, 2>
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @nchw(%x: tensor<2x5x9x8xf32>, %w: tensor<7x5x3x2xf32>) -> tensor<2x7x4x7xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x7x4x7xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x7x4x7xf32>) -> tensor<2x7x4x7xf32>
  %c = linalg.conv_2d_nchw_fchw {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x, %w : tensor<2x5x9x8xf32>, tensor<7x5x3x2xf32>) outs(%f : tensor<2x7x4x7xf32>) -> tensor<2x7x4x7xf32>
  return %c : tensor<2x7x4x7xf32>
}

// -----

// Depthwise convolutions are not GEMMs: left to their direct kernel.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-NOT: qsparse.implicit_gemm
func.func @depthwise(%x: tensor<1x8x8x16xf32>, %w: tensor<3x3x16xf32>) -> tensor<1x6x6x16xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x6x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x6x6x16xf32>) -> tensor<1x6x6x16xf32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<1> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x8x16xf32>, tensor<3x3x16xf32>) outs(%f : tensor<1x6x6x16xf32>) -> tensor<1x6x6x16xf32>
  return %c : tensor<1x6x6x16xf32>
}

// -----

// A ResNet-50 layer (56x56x64 -> 64, 3x3, padding as a separate tensor.pad)
// after bufferization: the padded image (1x58x58x64) and the output are the
// only buffers; nothing of the im2col size (3136 x 576) exists.
// The pad is zero, so the generic says the border is ([top, left, bottom,
// right]).
// CHECK-LABEL: func.func @resnet_3x3
// CHECK: {qsparse.implicit_gemm = array<i64: 1, 1, 1, 1, 3, 3>, qsparse.zero_border = array<i64: 1, 1, 1, 1>} {
// BUF-LABEL: func.func @resnet_3x3
// BUF: memref.alloc() {{.*}} : memref<1x58x58x64xi8>
// BUF-NOT: memref.alloc
// BUF: memref.alloc() {{.*}} : memref<1x56x56x64xi32>
// BUF-NOT: memref.alloc
// BUF-NOT: 3136x576
// BUF-NOT: 576x3136
// BUF: linalg.generic
// BUF-SAME: ins(%{{.*}}, %{{.*}} : memref<1x58x58x64xi8>, memref<576x64xi8{{.*}}>) outs(%{{.*}} : memref<1x3136x64xi32{{.*}}>)
// BUF-NOT: memref.alloc
// BUF: return
func.func @resnet_3x3(%x: tensor<1x56x56x64xi8>, %w: tensor<3x3x64x64xi8>) -> tensor<1x56x56x64xi32> {
  %c0 = arith.constant 0 : i8
  %z = arith.constant 0 : i32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c0 : i8
  } : tensor<1x56x56x64xi8> to tensor<1x58x58x64xi8>
  %e = tensor.empty() : tensor<1x56x56x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x56x56x64xi32>) -> tensor<1x56x56x64xi32>
  %c = linalg.conv_2d_nhwc_hwcf {strides = dense<1> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x58x58x64xi8>, tensor<3x3x64x64xi8>) outs(%f : tensor<1x56x56x64xi32>) -> tensor<1x56x56x64xi32>
  return %c : tensor<1x56x56x64xi32>
}

// -----

// A body that reads loop indices cannot move to other loops: left direct.
// CHECK-LABEL: func.func @index_body
// CHECK-NOT: qsparse.implicit_gemm
// CHECK: linalg.index 6
func.func @index_body(%x: tensor<1x6x6x4xi32>, %w: tensor<3x3x4x8xi32>) -> tensor<1x4x4x8xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x8xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  %c = linalg.generic {indexing_maps = [affine_map<(n, h, w, f, kh, kw, c) -> (n, h + kh, w + kw, c)>,
                                        affine_map<(n, h, w, f, kh, kw, c) -> (kh, kw, c, f)>,
                                        affine_map<(n, h, w, f, kh, kw, c) -> (n, h, w, f)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x6x6x4xi32>, tensor<3x3x4x8xi32>) outs(%f : tensor<1x4x4x8xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %i = linalg.index 6 : index
    %ii = arith.index_cast %i : index to i32
    %m = arith.muli %a, %b : i32
    %m2 = arith.muli %m, %ii : i32
    %s = arith.addi %o, %m2 : i32
    linalg.yield %s : i32
  } -> tensor<1x4x4x8xi32>
  return %c : tensor<1x4x4x8xi32>
}

// -----

// Asymmetric zero padding of qsparse.conv2d (no zero point): [top 2, left
// 0, bottom 1, right 3].
// CHECK-LABEL: func.func @asymmetric_border
// CHECK: qsparse.zero_border = array<i64: 2, 0, 1, 3>
func.func @asymmetric_border(%x: tensor<1x6x6x8xi8>, %w: tensor<3x3x8x16xi8>) -> tensor<1x7x7x16xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 2, 0, 1, 3>}
      : tensor<1x6x6x8xi8>, tensor<3x3x8x16xi8> -> tensor<1x7x7x16xi32>
  return %0 : tensor<1x7x7x16xi32>
}

// -----

// f32 with +0.0 padding: a zero border only when the filter is a constant
// with no infinity or NaN (0 * inf is NaN, not nothing). A runtime filter,
// a filter holding inf, and -0.0 padding get none.
// CHECK-LABEL: func.func @f32_borders
// CHECK: {qsparse.implicit_gemm = array<i64: 1, 1, 1, 1, 1, 1>, qsparse.zero_border = array<i64: 1, 1, 1, 1>} {
// CHECK: {qsparse.implicit_gemm = array<i64: 1, 1, 1, 1, 1, 1>} {
// CHECK: {qsparse.implicit_gemm = array<i64: 1, 1, 1, 1, 1, 1>} {
// CHECK: {qsparse.implicit_gemm = array<i64: 1, 1, 1, 1, 1, 1>} {
func.func @f32_borders(%x: tensor<1x2x2x4xf32>, %rw: tensor<1x1x4x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %negzero = arith.constant -0.0 : f32
  %w = arith.constant dense<0.5> : tensor<1x1x4x4xf32>
  %winf = arith.constant dense<0x7F800000> : tensor<1x1x4x4xf32>
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x2x4xf32> to tensor<1x4x4x4xf32>
  %n = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %negzero : f32
  } : tensor<1x2x2x4xf32> to tensor<1x4x4x4xf32>
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>) outs(%f : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %rw : tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>) outs(%f : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %winf : tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>) outs(%f : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %3 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%n, %w : tensor<1x4x4x4xf32>, tensor<1x1x4x4xf32>) outs(%f : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %0, %1, %2, %3 : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>
}

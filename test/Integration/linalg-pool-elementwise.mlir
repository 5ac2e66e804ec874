// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// Upstream linalg pooling and elementwise linalg.generic through the
// qsparse pipelines.
//
// REQUIRES: numpy

#id = affine_map<(d0, d1) -> (d0, d1)>
#last = affine_map<(d0, d1) -> (d1)>
#first = affine_map<(d0, d1) -> (d0)>

// @lin_pool: linalg.pooling_nhwc_max / _sum: f32 max (-inf init) with stride
//   2, f32 sum with dilation 2, i8 max (signed, -128 init), i8 -> i32 sum;
//   also pooling_nhwc_min (f32, +inf init) and pooling_nhwc_max_unsigned
//   (i8).
// RUN: %python %S/Inputs/oracle.py gen lin_pool %t
// RUN: qsparse-run %s -e lin_pool --check --input=%t.lin_pool.in0.npy --input=%t.lin_pool.in1.npy \
// RUN:   --input=%t.lin_pool.in2.npy --input=%t.lin_pool.in3.npy --input=%t.lin_pool.in4.npy \
// RUN:   --input=%t.lin_pool.in5.npy --output=%t.lin_pool.cpu0.npy --output=%t.lin_pool.cpu1.npy \
// RUN:   --output=%t.lin_pool.cpu2.npy --output=%t.lin_pool.cpu3.npy --output=%t.lin_pool.cpu4.npy \
// RUN:   --output=%t.lin_pool.cpu5.npy
// RUN: qsparse-run %s -e lin_pool --pipeline=reference --input=%t.lin_pool.in0.npy \
// RUN:   --input=%t.lin_pool.in1.npy --input=%t.lin_pool.in2.npy --input=%t.lin_pool.in3.npy \
// RUN:   --input=%t.lin_pool.in4.npy --input=%t.lin_pool.in5.npy --output=%t.lin_pool.ref0.npy \
// RUN:   --output=%t.lin_pool.ref1.npy --output=%t.lin_pool.ref2.npy --output=%t.lin_pool.ref3.npy \
// RUN:   --output=%t.lin_pool.ref4.npy --output=%t.lin_pool.ref5.npy
// RUN: %python %S/Inputs/oracle.py compare lin_pool %t cpu ref
func.func @lin_pool(
    %x0: tensor<2x7x9x3xf32>,
    %x1: tensor<1x8x8x2xf32>,
    %x2: tensor<1x6x6x4xi8>,
    %x3: tensor<2x5x5x3xi8>,
    %x4: tensor<1x6x7x2xf32>,
    %x5: tensor<1x5x6x3xi8>)
    -> (tensor<2x3x4x3xf32>,
        tensor<1x6x6x2xf32>,
        tensor<1x5x2x4xi8>,
        tensor<2x2x2x3xi32>,
        tensor<1x5x3x2xf32>,
        tensor<1x2x5x3xi8>) {
  %e0 = tensor.empty() : tensor<2x3x4x3xf32>
  %c0 = arith.constant 0xFF800000 : f32
  %i0 = linalg.fill ins(%c0 : f32) outs(%e0 : tensor<2x3x4x3xf32>) -> tensor<2x3x4x3xf32>
  %win0 = tensor.empty() : tensor<3x2xf32>
  %y0 = linalg.pooling_nhwc_max {strides = dense<[2, 2]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x0, %win0 : tensor<2x7x9x3xf32>, tensor<3x2xf32>) outs(%i0 : tensor<2x3x4x3xf32>) -> tensor<2x3x4x3xf32>
  %e1 = tensor.empty() : tensor<1x6x6x2xf32>
  %c1 = arith.constant 0.0 : f32
  %i1 = linalg.fill ins(%c1 : f32) outs(%e1 : tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  %win1 = tensor.empty() : tensor<2x2xf32>
  %y1 = linalg.pooling_nhwc_sum {strides = dense<[1, 1]> : tensor<2xi64>, dilations = dense<[2, 2]> : tensor<2xi64>}
      ins(%x1, %win1 : tensor<1x8x8x2xf32>, tensor<2x2xf32>) outs(%i1 : tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  %e2 = tensor.empty() : tensor<1x5x2x4xi8>
  %c2 = arith.constant -128 : i8
  %i2 = linalg.fill ins(%c2 : i8) outs(%e2 : tensor<1x5x2x4xi8>) -> tensor<1x5x2x4xi8>
  %win2 = tensor.empty() : tensor<2x3xf32>
  %y2 = linalg.pooling_nhwc_max {strides = dense<[1, 2]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x2, %win2 : tensor<1x6x6x4xi8>, tensor<2x3xf32>) outs(%i2 : tensor<1x5x2x4xi8>) -> tensor<1x5x2x4xi8>
  %e3 = tensor.empty() : tensor<2x2x2x3xi32>
  %c3 = arith.constant 0 : i32
  %i3 = linalg.fill ins(%c3 : i32) outs(%e3 : tensor<2x2x2x3xi32>) -> tensor<2x2x2x3xi32>
  %win3 = tensor.empty() : tensor<3x3xf32>
  %y3 = linalg.pooling_nhwc_sum {strides = dense<[2, 2]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x3, %win3 : tensor<2x5x5x3xi8>, tensor<3x3xf32>) outs(%i3 : tensor<2x2x2x3xi32>) -> tensor<2x2x2x3xi32>
  %e4 = tensor.empty() : tensor<1x5x3x2xf32>
  %c4 = arith.constant 0x7F800000 : f32
  %i4 = linalg.fill ins(%c4 : f32) outs(%e4 : tensor<1x5x3x2xf32>) -> tensor<1x5x3x2xf32>
  %win4 = tensor.empty() : tensor<2x3xf32>
  %y4 = linalg.pooling_nhwc_min {strides = dense<[1, 1]> : tensor<2xi64>, dilations = dense<[1, 2]> : tensor<2xi64>}
      ins(%x4, %win4 : tensor<1x6x7x2xf32>, tensor<2x3xf32>) outs(%i4 : tensor<1x5x3x2xf32>) -> tensor<1x5x3x2xf32>
  %e5 = tensor.empty() : tensor<1x2x5x3xi8>
  %c5 = arith.constant 0 : i8
  %i5 = linalg.fill ins(%c5 : i8) outs(%e5 : tensor<1x2x5x3xi8>) -> tensor<1x2x5x3xi8>
  %win5 = tensor.empty() : tensor<2x2xf32>
  %y5 = linalg.pooling_nhwc_max_unsigned {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x5, %win5 : tensor<1x5x6x3xi8>, tensor<2x2xf32>) outs(%i5 : tensor<1x2x5x3xi8>) -> tensor<1x2x5x3xi8>
  return %y0, %y1, %y2, %y3, %y4, %y5
      : tensor<2x3x4x3xf32>,
        tensor<1x6x6x2xf32>,
        tensor<1x5x2x4xi8>,
        tensor<2x2x2x3xi32>,
        tensor<1x5x3x2xf32>,
        tensor<1x2x5x3xi8>
}

// @lin_eltwise: Elementwise linalg.generic: ReLU, broadcast adds (f32 along
//   the last dim, i32 along the first), and a fused relu(x * w + b).
// RUN: %python %S/Inputs/oracle.py gen lin_eltwise %t
// RUN: qsparse-run %s -e lin_eltwise --check --input=%t.lin_eltwise.in0.npy \
// RUN:   --input=%t.lin_eltwise.in1.npy --input=%t.lin_eltwise.in2.npy \
// RUN:   --input=%t.lin_eltwise.in3.npy --input=%t.lin_eltwise.in4.npy \
// RUN:   --output=%t.lin_eltwise.cpu0.npy --output=%t.lin_eltwise.cpu1.npy \
// RUN:   --output=%t.lin_eltwise.cpu2.npy --output=%t.lin_eltwise.cpu3.npy
// RUN: qsparse-run %s -e lin_eltwise --pipeline=reference --input=%t.lin_eltwise.in0.npy \
// RUN:   --input=%t.lin_eltwise.in1.npy --input=%t.lin_eltwise.in2.npy \
// RUN:   --input=%t.lin_eltwise.in3.npy --input=%t.lin_eltwise.in4.npy \
// RUN:   --output=%t.lin_eltwise.ref0.npy --output=%t.lin_eltwise.ref1.npy \
// RUN:   --output=%t.lin_eltwise.ref2.npy --output=%t.lin_eltwise.ref3.npy
// RUN: %python %S/Inputs/oracle.py compare lin_eltwise %t cpu ref
func.func @lin_eltwise(
    %x0: tensor<5x7xf32>,
    %x1: tensor<4x6xf32>,
    %b1: tensor<6xf32>,
    %x2: tensor<3x5xi32>,
    %b2: tensor<3xi32>)
    -> (tensor<5x7xf32>,
        tensor<4x6xf32>,
        tensor<3x5xi32>,
        tensor<4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %e0 = tensor.empty() : tensor<5x7xf32>
  %y0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x0 : tensor<5x7xf32>) outs(%e0 : tensor<5x7xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<5x7xf32>
  %e1 = tensor.empty() : tensor<4x6xf32>
  %y1 = linalg.generic {indexing_maps = [#id, #last, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x1, %b1 : tensor<4x6xf32>, tensor<6xf32>) outs(%e1 : tensor<4x6xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  %e2 = tensor.empty() : tensor<3x5xi32>
  %y2 = linalg.generic {indexing_maps = [#id, #first, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x2, %b2 : tensor<3x5xi32>, tensor<3xi32>) outs(%e2 : tensor<3x5xi32>) {
  ^bb0(%a: i32, %b: i32, %out: i32):
    %r = arith.addi %a, %b : i32
    linalg.yield %r : i32
  } -> tensor<3x5xi32>
  %e3 = tensor.empty() : tensor<4x6xf32>
  %y3 = linalg.generic {indexing_maps = [#id, #last, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x1, %b1 : tensor<4x6xf32>, tensor<6xf32>) outs(%e3 : tensor<4x6xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %m, %half : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  return %y0, %y1, %y2, %y3
      : tensor<5x7xf32>,
        tensor<4x6xf32>,
        tensor<3x5xi32>,
        tensor<4x6xf32>
}

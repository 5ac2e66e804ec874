// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// Upstream linalg convolutions through the qsparse pipelines.
//
// REQUIRES: numpy

// @lin_conv_nhwc: linalg.conv_2d_nhwc_hwcf with strides/dilations, f32 and
//   i8 -> i32, 1x1 and 7x7 kernels.
// RUN: %python %S/Inputs/oracle.py gen lin_conv_nhwc %t
// RUN: qsparse-run %s -e lin_conv_nhwc --check --input=%t.lin_conv_nhwc.in0.npy \
// RUN:   --input=%t.lin_conv_nhwc.in1.npy --input=%t.lin_conv_nhwc.in2.npy \
// RUN:   --input=%t.lin_conv_nhwc.in3.npy --input=%t.lin_conv_nhwc.in4.npy \
// RUN:   --input=%t.lin_conv_nhwc.in5.npy --input=%t.lin_conv_nhwc.in6.npy \
// RUN:   --input=%t.lin_conv_nhwc.in7.npy --output=%t.lin_conv_nhwc.cpu0.npy \
// RUN:   --output=%t.lin_conv_nhwc.cpu1.npy --output=%t.lin_conv_nhwc.cpu2.npy \
// RUN:   --output=%t.lin_conv_nhwc.cpu3.npy
// RUN: qsparse-run %s -e lin_conv_nhwc --pipeline=reference --input=%t.lin_conv_nhwc.in0.npy \
// RUN:   --input=%t.lin_conv_nhwc.in1.npy --input=%t.lin_conv_nhwc.in2.npy \
// RUN:   --input=%t.lin_conv_nhwc.in3.npy --input=%t.lin_conv_nhwc.in4.npy \
// RUN:   --input=%t.lin_conv_nhwc.in5.npy --input=%t.lin_conv_nhwc.in6.npy \
// RUN:   --input=%t.lin_conv_nhwc.in7.npy --output=%t.lin_conv_nhwc.ref0.npy \
// RUN:   --output=%t.lin_conv_nhwc.ref1.npy --output=%t.lin_conv_nhwc.ref2.npy \
// RUN:   --output=%t.lin_conv_nhwc.ref3.npy
// RUN: %python %S/Inputs/oracle.py compare lin_conv_nhwc %t cpu ref
func.func @lin_conv_nhwc(
    %x0: tensor<2x9x8x3xf32>,
    %w0: tensor<3x3x3x4xf32>,
    %x1: tensor<1x11x10x5xi8>,
    %w1: tensor<3x3x5x3xi8>,
    %x2: tensor<1x4x5x6xi8>,
    %w2: tensor<1x1x6x2xi8>,
    %x3: tensor<1x13x12x2xf32>,
    %w3: tensor<7x7x2x3xf32>)
    -> (tensor<2x4x4x4xf32>,
        tensor<1x4x3x3xi32>,
        tensor<1x4x5x2xi32>,
        tensor<1x4x3x3xf32>) {
  %e0 = tensor.empty() : tensor<2x4x4x4xf32>
  %z0 = arith.constant 0.0 : f32
  %i0 = linalg.fill ins(%z0 : f32) outs(%e0 : tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %y0 = linalg.conv_2d_nhwc_hwcf {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[1, 2]> : tensor<2xi64>}
      ins(%x0, %w0 : tensor<2x9x8x3xf32>, tensor<3x3x3x4xf32>) outs(%i0 : tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %e1 = tensor.empty() : tensor<1x4x3x3xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<1x4x3x3xi32>) -> tensor<1x4x3x3xi32>
  %y1 = linalg.conv_2d_nhwc_hwcf {strides = dense<[2, 2]> : tensor<2xi64>, dilations = dense<[2, 2]> : tensor<2xi64>}
      ins(%x1, %w1 : tensor<1x11x10x5xi8>, tensor<3x3x5x3xi8>) outs(%i1 : tensor<1x4x3x3xi32>) -> tensor<1x4x3x3xi32>
  %e2 = tensor.empty() : tensor<1x4x5x2xi32>
  %z2 = arith.constant 0 : i32
  %i2 = linalg.fill ins(%z2 : i32) outs(%e2 : tensor<1x4x5x2xi32>) -> tensor<1x4x5x2xi32>
  %y2 = linalg.conv_2d_nhwc_hwcf {strides = dense<[1, 1]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x2, %w2 : tensor<1x4x5x6xi8>, tensor<1x1x6x2xi8>) outs(%i2 : tensor<1x4x5x2xi32>) -> tensor<1x4x5x2xi32>
  %e3 = tensor.empty() : tensor<1x4x3x3xf32>
  %z3 = arith.constant 0.0 : f32
  %i3 = linalg.fill ins(%z3 : f32) outs(%e3 : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %y3 = linalg.conv_2d_nhwc_hwcf {strides = dense<[2, 2]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x3, %w3 : tensor<1x13x12x2xf32>, tensor<7x7x2x3xf32>) outs(%i3 : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %y0, %y1, %y2, %y3
      : tensor<2x4x4x4xf32>,
        tensor<1x4x3x3xi32>,
        tensor<1x4x5x2xi32>,
        tensor<1x4x3x3xf32>
}

// @lin_conv_nchw: linalg.conv_2d_nchw_fchw with strides/dilations, f32 and
//   i8 -> i32.
// RUN: %python %S/Inputs/oracle.py gen lin_conv_nchw %t
// RUN: qsparse-run %s -e lin_conv_nchw --check --input=%t.lin_conv_nchw.in0.npy \
// RUN:   --input=%t.lin_conv_nchw.in1.npy --input=%t.lin_conv_nchw.in2.npy \
// RUN:   --input=%t.lin_conv_nchw.in3.npy --output=%t.lin_conv_nchw.cpu0.npy \
// RUN:   --output=%t.lin_conv_nchw.cpu1.npy
// RUN: qsparse-run %s -e lin_conv_nchw --pipeline=reference --input=%t.lin_conv_nchw.in0.npy \
// RUN:   --input=%t.lin_conv_nchw.in1.npy --input=%t.lin_conv_nchw.in2.npy \
// RUN:   --input=%t.lin_conv_nchw.in3.npy --output=%t.lin_conv_nchw.ref0.npy \
// RUN:   --output=%t.lin_conv_nchw.ref1.npy
// RUN: %python %S/Inputs/oracle.py compare lin_conv_nchw %t cpu ref
func.func @lin_conv_nchw(
    %x0: tensor<2x3x8x9xf32>,
    %w0: tensor<4x3x3x2xf32>,
    %x1: tensor<1x2x7x7xi8>,
    %w1: tensor<3x2x3x3xi8>)
    -> (tensor<2x4x4x4xf32>,
        tensor<1x3x3x3xi32>) {
  %e0 = tensor.empty() : tensor<2x4x4x4xf32>
  %z0 = arith.constant 0.0 : f32
  %i0 = linalg.fill ins(%z0 : f32) outs(%e0 : tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %y0 = linalg.conv_2d_nchw_fchw {strides = dense<[1, 2]> : tensor<2xi64>, dilations = dense<[2, 1]> : tensor<2xi64>}
      ins(%x0, %w0 : tensor<2x3x8x9xf32>, tensor<4x3x3x2xf32>) outs(%i0 : tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %e1 = tensor.empty() : tensor<1x3x3x3xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<1x3x3x3xi32>) -> tensor<1x3x3x3xi32>
  %y1 = linalg.conv_2d_nchw_fchw {strides = dense<[2, 2]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x1, %w1 : tensor<1x2x7x7xi8>, tensor<3x2x3x3xi8>) outs(%i1 : tensor<1x3x3x3xi32>) -> tensor<1x3x3x3xi32>
  return %y0, %y1
      : tensor<2x4x4x4xf32>,
        tensor<1x3x3x3xi32>
}

// @lin_depthwise: linalg.depthwise_conv_2d_nhwc_hwc, f32 and i8 -> i32.
// RUN: %python %S/Inputs/oracle.py gen lin_depthwise %t
// RUN: qsparse-run %s -e lin_depthwise --check --input=%t.lin_depthwise.in0.npy \
// RUN:   --input=%t.lin_depthwise.in1.npy --input=%t.lin_depthwise.in2.npy \
// RUN:   --input=%t.lin_depthwise.in3.npy --output=%t.lin_depthwise.cpu0.npy \
// RUN:   --output=%t.lin_depthwise.cpu1.npy
// RUN: qsparse-run %s -e lin_depthwise --pipeline=reference --input=%t.lin_depthwise.in0.npy \
// RUN:   --input=%t.lin_depthwise.in1.npy --input=%t.lin_depthwise.in2.npy \
// RUN:   --input=%t.lin_depthwise.in3.npy --output=%t.lin_depthwise.ref0.npy \
// RUN:   --output=%t.lin_depthwise.ref1.npy
// RUN: %python %S/Inputs/oracle.py compare lin_depthwise %t cpu ref
func.func @lin_depthwise(
    %x0: tensor<2x7x8x5xf32>,
    %w0: tensor<3x3x5xf32>,
    %x1: tensor<1x9x9x4xi8>,
    %w1: tensor<3x3x4xi8>)
    -> (tensor<2x3x3x5xf32>,
        tensor<1x5x5x4xi32>) {
  %e0 = tensor.empty() : tensor<2x3x3x5xf32>
  %z0 = arith.constant 0.0 : f32
  %i0 = linalg.fill ins(%z0 : f32) outs(%e0 : tensor<2x3x3x5xf32>) -> tensor<2x3x3x5xf32>
  %y0 = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<[2, 2]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x0, %w0 : tensor<2x7x8x5xf32>, tensor<3x3x5xf32>) outs(%i0 : tensor<2x3x3x5xf32>) -> tensor<2x3x3x5xf32>
  %e1 = tensor.empty() : tensor<1x5x5x4xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<1x5x5x4xi32>) -> tensor<1x5x5x4xi32>
  %y1 = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<[1, 1]> : tensor<2xi64>, dilations = dense<[2, 2]> : tensor<2xi64>}
      ins(%x1, %w1 : tensor<1x9x9x4xi8>, tensor<3x3x4xi8>) outs(%i1 : tensor<1x5x5x4xi32>) -> tensor<1x5x5x4xi32>
  return %y0, %y1
      : tensor<2x3x3x5xf32>,
        tensor<1x5x5x4xi32>
}

// @lin_conv_q: linalg.conv_2d_nhwc_hwcf_q and depthwise_conv_2d_nhwc_hwc_q
//   with constant i32 zero points: sum (sext(x) - izp) * (sext(w) - wzp).
// RUN: %python %S/Inputs/oracle.py gen lin_conv_q %t
// RUN: qsparse-run %s -e lin_conv_q --check --input=%t.lin_conv_q.in0.npy \
// RUN:   --input=%t.lin_conv_q.in1.npy --input=%t.lin_conv_q.in2.npy --input=%t.lin_conv_q.in3.npy \
// RUN:   --output=%t.lin_conv_q.cpu0.npy --output=%t.lin_conv_q.cpu1.npy
// RUN: qsparse-run %s -e lin_conv_q --pipeline=reference --input=%t.lin_conv_q.in0.npy \
// RUN:   --input=%t.lin_conv_q.in1.npy --input=%t.lin_conv_q.in2.npy --input=%t.lin_conv_q.in3.npy \
// RUN:   --output=%t.lin_conv_q.ref0.npy --output=%t.lin_conv_q.ref1.npy
// RUN: %python %S/Inputs/oracle.py compare lin_conv_q %t cpu ref
func.func @lin_conv_q(
    %x0: tensor<2x7x6x3xi8>,
    %w0: tensor<3x2x3x4xi8>,
    %x1: tensor<1x6x7x5xi8>,
    %w1: tensor<3x3x5xi8>)
    -> (tensor<2x3x4x4xi32>,
        tensor<1x4x5x5xi32>) {
  %e0 = tensor.empty() : tensor<2x3x4x4xi32>
  %z0 = arith.constant 0 : i32
  %i0 = linalg.fill ins(%z0 : i32) outs(%e0 : tensor<2x3x4x4xi32>) -> tensor<2x3x4x4xi32>
  %izp0 = arith.constant 3 : i32
  %wzp0 = arith.constant -2 : i32
  %y0 = linalg.conv_2d_nhwc_hwcf_q {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[1, 2]> : tensor<2xi64>}
      ins(%x0, %w0, %izp0, %wzp0 : tensor<2x7x6x3xi8>, tensor<3x2x3x4xi8>, i32, i32) outs(%i0 : tensor<2x3x4x4xi32>) -> tensor<2x3x4x4xi32>
  %e1 = tensor.empty() : tensor<1x4x5x5xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<1x4x5x5xi32>) -> tensor<1x4x5x5xi32>
  %izp1 = arith.constant -128 : i32
  %wzp1 = arith.constant 127 : i32
  %y1 = linalg.depthwise_conv_2d_nhwc_hwc_q {strides = dense<[1, 1]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x1, %w1, %izp1, %wzp1 : tensor<1x6x7x5xi8>, tensor<3x3x5xi8>, i32, i32) outs(%i1 : tensor<1x4x5x5xi32>) -> tensor<1x4x5x5xi32>
  return %y0, %y1
      : tensor<2x3x4x4xi32>,
        tensor<1x4x5x5xi32>
}

// @lin_conv_pad: tensor.pad (asymmetric, zero) feeding
//   linalg.conv_2d_nhwc_hwcf.
// RUN: %python %S/Inputs/oracle.py gen lin_conv_pad %t
// RUN: qsparse-run %s -e lin_conv_pad --check --input=%t.lin_conv_pad.in0.npy \
// RUN:   --input=%t.lin_conv_pad.in1.npy --output=%t.lin_conv_pad.cpu0.npy
// RUN: qsparse-run %s -e lin_conv_pad --pipeline=reference --input=%t.lin_conv_pad.in0.npy \
// RUN:   --input=%t.lin_conv_pad.in1.npy --output=%t.lin_conv_pad.ref0.npy
// RUN: %python %S/Inputs/oracle.py compare lin_conv_pad %t cpu ref
func.func @lin_conv_pad(
    %x: tensor<2x5x6x3xi8>,
    %w: tensor<3x3x3x4xi8>)
    -> tensor<2x3x5x4xi32> {
  %c0 = arith.constant 0 : i8
  %p = tensor.pad %x low[0, 1, 0, 0] high[0, 2, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %c0 : i8
  } : tensor<2x5x6x3xi8> to tensor<2x8x7x3xi8>
  %e0 = tensor.empty() : tensor<2x3x5x4xi32>
  %z0 = arith.constant 0 : i32
  %init = linalg.fill ins(%z0 : i32) outs(%e0 : tensor<2x3x5x4xi32>) -> tensor<2x3x5x4xi32>
  %y = linalg.conv_2d_nhwc_hwcf {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<2x8x7x3xi8>, tensor<3x3x3x4xi8>) outs(%init : tensor<2x3x5x4xi32>) -> tensor<2x3x5x4xi32>
  return %y
      : tensor<2x3x5x4xi32>
}

// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// qsparse.conv2d (NHWC x HWCF): kernels, strides, dilations, asymmetric
// padding (which reads the input zero point), batch, unsigned inputs.
//
// REQUIRES: numpy

// @qconv_s: qsparse.conv2d, signed input: 1x1, 3x3, 7x7, stride 2, dilation
//   2, asymmetric padding, batch 2, C = F = 1, zero points
// RUN: %python %S/Inputs/oracle.py gen qconv_s %t
// RUN: qsparse-run %s -e qconv_s --check --input=%t.qconv_s.in0.npy --input=%t.qconv_s.in1.npy \
// RUN:   --input=%t.qconv_s.in2.npy --input=%t.qconv_s.in3.npy --input=%t.qconv_s.in4.npy \
// RUN:   --input=%t.qconv_s.in5.npy --input=%t.qconv_s.in6.npy --input=%t.qconv_s.in7.npy \
// RUN:   --input=%t.qconv_s.in8.npy --input=%t.qconv_s.in9.npy --input=%t.qconv_s.in10.npy \
// RUN:   --input=%t.qconv_s.in11.npy --input=%t.qconv_s.in12.npy --input=%t.qconv_s.in13.npy \
// RUN:   --input=%t.qconv_s.in14.npy --input=%t.qconv_s.in15.npy --input=%t.qconv_s.in16.npy \
// RUN:   --input=%t.qconv_s.in17.npy --output=%t.qconv_s.cpu0.npy --output=%t.qconv_s.cpu1.npy \
// RUN:   --output=%t.qconv_s.cpu2.npy --output=%t.qconv_s.cpu3.npy --output=%t.qconv_s.cpu4.npy \
// RUN:   --output=%t.qconv_s.cpu5.npy --output=%t.qconv_s.cpu6.npy --output=%t.qconv_s.cpu7.npy \
// RUN:   --output=%t.qconv_s.cpu8.npy
// RUN: qsparse-run %s -e qconv_s --pipeline=reference --input=%t.qconv_s.in0.npy \
// RUN:   --input=%t.qconv_s.in1.npy --input=%t.qconv_s.in2.npy --input=%t.qconv_s.in3.npy \
// RUN:   --input=%t.qconv_s.in4.npy --input=%t.qconv_s.in5.npy --input=%t.qconv_s.in6.npy \
// RUN:   --input=%t.qconv_s.in7.npy --input=%t.qconv_s.in8.npy --input=%t.qconv_s.in9.npy \
// RUN:   --input=%t.qconv_s.in10.npy --input=%t.qconv_s.in11.npy --input=%t.qconv_s.in12.npy \
// RUN:   --input=%t.qconv_s.in13.npy --input=%t.qconv_s.in14.npy --input=%t.qconv_s.in15.npy \
// RUN:   --input=%t.qconv_s.in16.npy --input=%t.qconv_s.in17.npy --output=%t.qconv_s.ref0.npy \
// RUN:   --output=%t.qconv_s.ref1.npy --output=%t.qconv_s.ref2.npy --output=%t.qconv_s.ref3.npy \
// RUN:   --output=%t.qconv_s.ref4.npy --output=%t.qconv_s.ref5.npy --output=%t.qconv_s.ref6.npy \
// RUN:   --output=%t.qconv_s.ref7.npy --output=%t.qconv_s.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare qconv_s %t cpu ref
func.func @qconv_s(
    %x0: tensor<1x5x7x3xi8>,
    %w0: tensor<1x1x3x5xi8>,
    %x1: tensor<2x6x5x4xi8>,
    %w1: tensor<3x3x4x3xi8>,
    %x2: tensor<1x9x8x5xi8>,
    %w2: tensor<3x3x5x6xi8>,
    %x3: tensor<1x11x13x3xi8>,
    %w3: tensor<7x7x3x4xi8>,
    %x4: tensor<2x8x7x2xi8>,
    %w4: tensor<3x3x2x3xi8>,
    %x5: tensor<1x6x6x1xi8>,
    %w5: tensor<3x3x1x1xi8>,
    %x6: tensor<2x10x9x3xi8>,
    %w6: tensor<3x2x3x2xi8>,
    %x7: tensor<1x2x2x3xi8>,
    %w7: tensor<3x3x3x2xi8>,
    %x8: tensor<1x13x11x17xi8>,
    %w8: tensor<3x3x17x19xi8>)
    -> (tensor<1x5x7x5xi32>,
        tensor<2x6x5x3xi32>,
        tensor<1x5x4x6xi32>,
        tensor<1x6x7x4xi32>,
        tensor<2x7x5x3xi32>,
        tensor<1x6x6x1xi32>,
        tensor<2x4x4x2xi32>,
        tensor<1x1x1x2xi32>,
        tensor<1x13x11x19xi32>) {
  %y0 = qsparse.conv2d %x0, %w0
      : tensor<1x5x7x3xi8>, tensor<1x1x3x5xi8> -> tensor<1x5x7x5xi32>
  %y1 = qsparse.conv2d %x1, %w1 {padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x6x5x4xi8>, tensor<3x3x4x3xi8> -> tensor<2x6x5x3xi32>
  %y2 = qsparse.conv2d %x2, %w2 {strides = array<i64: 2, 2>, padding = array<i64: 0, 1, 2, 1>}
      : tensor<1x9x8x5xi8>, tensor<3x3x5x6xi8> -> tensor<1x5x4x6xi32>
  %y3 = qsparse.conv2d %x3, %w3 {strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>}
      : tensor<1x11x13x3xi8>, tensor<7x7x3x4xi8> -> tensor<1x6x7x4xi32>
  %y4 = qsparse.conv2d %x4, %w4 {dilations = array<i64: 2, 2>, padding = array<i64: 2, 0, 1, 2>}
      : tensor<2x8x7x2xi8>, tensor<3x3x2x3xi8> -> tensor<2x7x5x3xi32>
  %y5 = qsparse.conv2d %x5, %w5 {padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x6x6x1xi8>, tensor<3x3x1x1xi8> -> tensor<1x6x6x1xi32>
  %y6 = qsparse.conv2d %x6, %w6 {strides = array<i64: 2, 3>, dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 2>, input_zero_point = -5 : i64, weight_zero_point = 4 : i64}
      : tensor<2x10x9x3xi8>, tensor<3x2x3x2xi8> -> tensor<2x4x4x2xi32>
  %y7 = qsparse.conv2d %x7, %w7 {strides = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x2x2x3xi8>, tensor<3x3x3x2xi8> -> tensor<1x1x1x2xi32>
  %y8 = qsparse.conv2d %x8, %w8 {padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x13x11x17xi8>, tensor<3x3x17x19xi8> -> tensor<1x13x11x19xi32>
  return %y0, %y1, %y2, %y3, %y4, %y5, %y6, %y7, %y8
      : tensor<1x5x7x5xi32>,
        tensor<2x6x5x3xi32>,
        tensor<1x5x4x6xi32>,
        tensor<1x6x7x4xi32>,
        tensor<2x7x5x3xi32>,
        tensor<1x6x6x1xi32>,
        tensor<2x4x4x2xi32>,
        tensor<1x1x1x2xi32>,
        tensor<1x13x11x19xi32>
}

// @qconv_u: qsparse.conv2d, input_unsigned with zero points (padding reads
//   the zero point), i16 (wrapping) and i64 accumulators
// RUN: %python %S/Inputs/oracle.py gen qconv_u %t
// RUN: qsparse-run %s -e qconv_u --check --input=%t.qconv_u.in0.npy --input=%t.qconv_u.in1.npy \
// RUN:   --input=%t.qconv_u.in2.npy --input=%t.qconv_u.in3.npy --input=%t.qconv_u.in4.npy \
// RUN:   --input=%t.qconv_u.in5.npy --input=%t.qconv_u.in6.npy --input=%t.qconv_u.in7.npy \
// RUN:   --input=%t.qconv_u.in8.npy --input=%t.qconv_u.in9.npy --input=%t.qconv_u.in10.npy \
// RUN:   --input=%t.qconv_u.in11.npy --input=%t.qconv_u.in12.npy --input=%t.qconv_u.in13.npy \
// RUN:   --output=%t.qconv_u.cpu0.npy --output=%t.qconv_u.cpu1.npy --output=%t.qconv_u.cpu2.npy \
// RUN:   --output=%t.qconv_u.cpu3.npy --output=%t.qconv_u.cpu4.npy --output=%t.qconv_u.cpu5.npy \
// RUN:   --output=%t.qconv_u.cpu6.npy
// RUN: qsparse-run %s -e qconv_u --pipeline=reference --input=%t.qconv_u.in0.npy \
// RUN:   --input=%t.qconv_u.in1.npy --input=%t.qconv_u.in2.npy --input=%t.qconv_u.in3.npy \
// RUN:   --input=%t.qconv_u.in4.npy --input=%t.qconv_u.in5.npy --input=%t.qconv_u.in6.npy \
// RUN:   --input=%t.qconv_u.in7.npy --input=%t.qconv_u.in8.npy --input=%t.qconv_u.in9.npy \
// RUN:   --input=%t.qconv_u.in10.npy --input=%t.qconv_u.in11.npy --input=%t.qconv_u.in12.npy \
// RUN:   --input=%t.qconv_u.in13.npy --output=%t.qconv_u.ref0.npy --output=%t.qconv_u.ref1.npy \
// RUN:   --output=%t.qconv_u.ref2.npy --output=%t.qconv_u.ref3.npy --output=%t.qconv_u.ref4.npy \
// RUN:   --output=%t.qconv_u.ref5.npy --output=%t.qconv_u.ref6.npy
// RUN: %python %S/Inputs/oracle.py compare qconv_u %t cpu ref
func.func @qconv_u(
    %x0: tensor<2x7x6x4xi8>,
    %w0: tensor<3x3x4x5xi8>,
    %x1: tensor<1x5x5x3xi8>,
    %w1: tensor<1x1x3x2xi8>,
    %x2: tensor<2x9x9x2xi8>,
    %w2: tensor<7x7x2x3xi8>,
    %x3: tensor<1x6x7x3xi8>,
    %w3: tensor<3x3x3x4xi8>,
    %x4: tensor<1x6x6x8xi8>,
    %w4: tensor<3x3x8x2xi8>,
    %x5: tensor<1x4x5x3xi8>,
    %w5: tensor<2x2x3x2xi8>,
    %x6: tensor<1x3x4x2xi8>,
    %w6: tensor<1x1x2x3xi8>)
    -> (tensor<2x3x7x5xi32>,
        tensor<1x3x3x2xi32>,
        tensor<2x5x5x3xi32>,
        tensor<1x4x5x4xi32>,
        tensor<1x6x6x2xi16>,
        tensor<1x5x6x2xi64>,
        tensor<1x7x3x3xi32>) {
  %y0 = qsparse.conv2d %x0, %w0 {input_unsigned, strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>, padding = array<i64: 1, 2, 0, 3>, input_zero_point = 128 : i64, weight_zero_point = -2 : i64}
      : tensor<2x7x6x4xi8>, tensor<3x3x4x5xi8> -> tensor<2x3x7x5xi32>
  %y1 = qsparse.conv2d %x1, %w1 {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 1, 0, 0, 1>, input_zero_point = 37 : i64}
      : tensor<1x5x5x3xi8>, tensor<1x1x3x2xi8> -> tensor<1x3x3x2xi32>
  %y2 = qsparse.conv2d %x2, %w2 {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 3, 2, 3, 4>, input_zero_point = 255 : i64, weight_zero_point = 1 : i64}
      : tensor<2x9x9x2xi8>, tensor<7x7x2x3xi8> -> tensor<2x5x5x3xi32>
  %y3 = qsparse.conv2d %x3, %w3 {input_unsigned}
      : tensor<1x6x7x3xi8>, tensor<3x3x3x4xi8> -> tensor<1x4x5x4xi32>
  %y4 = qsparse.conv2d %x4, %w4 {input_unsigned, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x6x6x8xi8>, tensor<3x3x8x2xi8> -> tensor<1x6x6x2xi16>
  %y5 = qsparse.conv2d %x5, %w5 {input_unsigned, padding = array<i64: 1, 1, 1, 1>, input_zero_point = 128 : i64, weight_zero_point = 3 : i64}
      : tensor<1x4x5x3xi8>, tensor<2x2x3x2xi8> -> tensor<1x5x6x2xi64>
  %y6 = qsparse.conv2d %x6, %w6 {input_unsigned, strides = array<i64: 1, 2>, padding = array<i64: 2, 1, 2, 1>, input_zero_point = 200 : i64, weight_zero_point = -1 : i64}
      : tensor<1x3x4x2xi8>, tensor<1x1x2x3xi8> -> tensor<1x7x3x3xi32>
  return %y0, %y1, %y2, %y3, %y4, %y5, %y6
      : tensor<2x3x7x5xi32>,
        tensor<1x3x3x2xi32>,
        tensor<2x5x5x3xi32>,
        tensor<1x4x5x4xi32>,
        tensor<1x6x6x2xi16>,
        tensor<1x5x6x2xi64>,
        tensor<1x7x3x3xi32>
}

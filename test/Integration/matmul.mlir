// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// qsparse.matmul (QSparseOps.td): signed and unsigned inputs, zero points,
// i8/i16/i32/i64 accumulators (two's complement wrapping), N:M weights.
//
// REQUIRES: numpy

// @qmm_i8: qsparse.matmul i8 x i8 -> i32, signed, no zero points; K = 1 and
//   odd sizes.
// RUN: %python %S/Inputs/oracle.py gen qmm_i8 %t
// RUN: qsparse-run %s -e qmm_i8 --check --input=%t.qmm_i8.in0.npy --input=%t.qmm_i8.in1.npy \
// RUN:   --input=%t.qmm_i8.in2.npy --input=%t.qmm_i8.in3.npy --input=%t.qmm_i8.in4.npy \
// RUN:   --input=%t.qmm_i8.in5.npy --input=%t.qmm_i8.in6.npy --input=%t.qmm_i8.in7.npy \
// RUN:   --input=%t.qmm_i8.in8.npy --input=%t.qmm_i8.in9.npy --input=%t.qmm_i8.in10.npy \
// RUN:   --input=%t.qmm_i8.in11.npy --output=%t.qmm_i8.cpu0.npy --output=%t.qmm_i8.cpu1.npy \
// RUN:   --output=%t.qmm_i8.cpu2.npy --output=%t.qmm_i8.cpu3.npy --output=%t.qmm_i8.cpu4.npy \
// RUN:   --output=%t.qmm_i8.cpu5.npy
// RUN: qsparse-run %s -e qmm_i8 --pipeline=reference --input=%t.qmm_i8.in0.npy \
// RUN:   --input=%t.qmm_i8.in1.npy --input=%t.qmm_i8.in2.npy --input=%t.qmm_i8.in3.npy \
// RUN:   --input=%t.qmm_i8.in4.npy --input=%t.qmm_i8.in5.npy --input=%t.qmm_i8.in6.npy \
// RUN:   --input=%t.qmm_i8.in7.npy --input=%t.qmm_i8.in8.npy --input=%t.qmm_i8.in9.npy \
// RUN:   --input=%t.qmm_i8.in10.npy --input=%t.qmm_i8.in11.npy --output=%t.qmm_i8.ref0.npy \
// RUN:   --output=%t.qmm_i8.ref1.npy --output=%t.qmm_i8.ref2.npy --output=%t.qmm_i8.ref3.npy \
// RUN:   --output=%t.qmm_i8.ref4.npy --output=%t.qmm_i8.ref5.npy
// RUN: %python %S/Inputs/oracle.py compare qmm_i8 %t cpu ref
func.func @qmm_i8(
    %x0: tensor<1x1xi8>,
    %w0: tensor<1x1xi8>,
    %x1: tensor<3x1xi8>,
    %w1: tensor<1x5xi8>,
    %x2: tensor<7x13xi8>,
    %w2: tensor<13x9xi8>,
    %x3: tensor<17x33xi8>,
    %w3: tensor<33x5xi8>,
    %x4: tensor<2x64xi8>,
    %w4: tensor<64x3xi8>,
    %x5: tensor<33x130xi8>,
    %w5: tensor<130x67xi8>)
    -> (tensor<1x1xi32>,
        tensor<3x5xi32>,
        tensor<7x9xi32>,
        tensor<17x5xi32>,
        tensor<2x3xi32>,
        tensor<33x67xi32>) {
  %y0 = qsparse.matmul %x0, %w0
      : tensor<1x1xi8>, tensor<1x1xi8> -> tensor<1x1xi32>
  %y1 = qsparse.matmul %x1, %w1
      : tensor<3x1xi8>, tensor<1x5xi8> -> tensor<3x5xi32>
  %y2 = qsparse.matmul %x2, %w2
      : tensor<7x13xi8>, tensor<13x9xi8> -> tensor<7x9xi32>
  %y3 = qsparse.matmul %x3, %w3
      : tensor<17x33xi8>, tensor<33x5xi8> -> tensor<17x5xi32>
  %y4 = qsparse.matmul %x4, %w4
      : tensor<2x64xi8>, tensor<64x3xi8> -> tensor<2x3xi32>
  %y5 = qsparse.matmul %x5, %w5
      : tensor<33x130xi8>, tensor<130x67xi8> -> tensor<33x67xi32>
  return %y0, %y1, %y2, %y3, %y4, %y5
      : tensor<1x1xi32>,
        tensor<3x5xi32>,
        tensor<7x9xi32>,
        tensor<17x5xi32>,
        tensor<2x3xi32>,
        tensor<33x67xi32>
}

// @qmm_i8_zp: Signed input with input_zero_point = -3, weight_zero_point =
//   5.
// RUN: %python %S/Inputs/oracle.py gen qmm_i8_zp %t
// RUN: qsparse-run %s -e qmm_i8_zp --check --input=%t.qmm_i8_zp.in0.npy \
// RUN:   --input=%t.qmm_i8_zp.in1.npy --input=%t.qmm_i8_zp.in2.npy --input=%t.qmm_i8_zp.in3.npy \
// RUN:   --input=%t.qmm_i8_zp.in4.npy --input=%t.qmm_i8_zp.in5.npy --output=%t.qmm_i8_zp.cpu0.npy \
// RUN:   --output=%t.qmm_i8_zp.cpu1.npy --output=%t.qmm_i8_zp.cpu2.npy
// RUN: qsparse-run %s -e qmm_i8_zp --pipeline=reference --input=%t.qmm_i8_zp.in0.npy \
// RUN:   --input=%t.qmm_i8_zp.in1.npy --input=%t.qmm_i8_zp.in2.npy --input=%t.qmm_i8_zp.in3.npy \
// RUN:   --input=%t.qmm_i8_zp.in4.npy --input=%t.qmm_i8_zp.in5.npy --output=%t.qmm_i8_zp.ref0.npy \
// RUN:   --output=%t.qmm_i8_zp.ref1.npy --output=%t.qmm_i8_zp.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare qmm_i8_zp %t cpu ref
func.func @qmm_i8_zp(
    %x0: tensor<4x9xi8>,
    %w0: tensor<9x6xi8>,
    %x1: tensor<5x1xi8>,
    %w1: tensor<1x3xi8>,
    %x2: tensor<1x19xi8>,
    %w2: tensor<19x1xi8>)
    -> (tensor<4x6xi32>,
        tensor<5x3xi32>,
        tensor<1x1xi32>) {
  %y0 = qsparse.matmul %x0, %w0 {input_zero_point = -3 : i64, weight_zero_point = 5 : i64}
      : tensor<4x9xi8>, tensor<9x6xi8> -> tensor<4x6xi32>
  %y1 = qsparse.matmul %x1, %w1 {input_zero_point = -3 : i64, weight_zero_point = 5 : i64}
      : tensor<5x1xi8>, tensor<1x3xi8> -> tensor<5x3xi32>
  %y2 = qsparse.matmul %x2, %w2 {input_zero_point = -3 : i64, weight_zero_point = 5 : i64}
      : tensor<1x19xi8>, tensor<19x1xi8> -> tensor<1x1xi32>
  return %y0, %y1, %y2
      : tensor<4x6xi32>,
        tensor<5x3xi32>,
        tensor<1x1xi32>
}

// @qmm_u8: input_unsigned (u8 activations in i8, passed as uint8) with zero
//   points 128 / 0 / 255 and nonzero weight zero points.
// RUN: %python %S/Inputs/oracle.py gen qmm_u8 %t
// RUN: qsparse-run %s -e qmm_u8 --check --input=%t.qmm_u8.in0.npy --input=%t.qmm_u8.in1.npy \
// RUN:   --input=%t.qmm_u8.in2.npy --input=%t.qmm_u8.in3.npy --input=%t.qmm_u8.in4.npy \
// RUN:   --input=%t.qmm_u8.in5.npy --input=%t.qmm_u8.in6.npy --input=%t.qmm_u8.in7.npy \
// RUN:   --input=%t.qmm_u8.in8.npy --input=%t.qmm_u8.in9.npy --input=%t.qmm_u8.in10.npy \
// RUN:   --input=%t.qmm_u8.in11.npy --output=%t.qmm_u8.cpu0.npy --output=%t.qmm_u8.cpu1.npy \
// RUN:   --output=%t.qmm_u8.cpu2.npy --output=%t.qmm_u8.cpu3.npy --output=%t.qmm_u8.cpu4.npy \
// RUN:   --output=%t.qmm_u8.cpu5.npy
// RUN: qsparse-run %s -e qmm_u8 --pipeline=reference --input=%t.qmm_u8.in0.npy \
// RUN:   --input=%t.qmm_u8.in1.npy --input=%t.qmm_u8.in2.npy --input=%t.qmm_u8.in3.npy \
// RUN:   --input=%t.qmm_u8.in4.npy --input=%t.qmm_u8.in5.npy --input=%t.qmm_u8.in6.npy \
// RUN:   --input=%t.qmm_u8.in7.npy --input=%t.qmm_u8.in8.npy --input=%t.qmm_u8.in9.npy \
// RUN:   --input=%t.qmm_u8.in10.npy --input=%t.qmm_u8.in11.npy --output=%t.qmm_u8.ref0.npy \
// RUN:   --output=%t.qmm_u8.ref1.npy --output=%t.qmm_u8.ref2.npy --output=%t.qmm_u8.ref3.npy \
// RUN:   --output=%t.qmm_u8.ref4.npy --output=%t.qmm_u8.ref5.npy
// RUN: %python %S/Inputs/oracle.py compare qmm_u8 %t cpu ref
func.func @qmm_u8(
    %x0: tensor<5x11xi8>,
    %w0: tensor<11x7xi8>,
    %x1: tensor<1x1xi8>,
    %w1: tensor<1x1xi8>,
    %x2: tensor<9x1xi8>,
    %w2: tensor<1x4xi8>,
    %x3: tensor<4x40xi8>,
    %w3: tensor<40x6xi8>,
    %x4: tensor<3x8xi8>,
    %w4: tensor<8x5xi8>,
    %x5: tensor<2x6xi8>,
    %w5: tensor<6x3xi8>)
    -> (tensor<5x7xi32>,
        tensor<1x1xi32>,
        tensor<9x4xi32>,
        tensor<4x6xi32>,
        tensor<3x5xi32>,
        tensor<2x3xi32>) {
  %y0 = qsparse.matmul %x0, %w0 {input_unsigned, input_zero_point = 128 : i64, weight_zero_point = -7 : i64}
      : tensor<5x11xi8>, tensor<11x7xi8> -> tensor<5x7xi32>
  %y1 = qsparse.matmul %x1, %w1 {input_unsigned, input_zero_point = 128 : i64, weight_zero_point = -7 : i64}
      : tensor<1x1xi8>, tensor<1x1xi8> -> tensor<1x1xi32>
  %y2 = qsparse.matmul %x2, %w2 {input_unsigned, input_zero_point = 128 : i64, weight_zero_point = -7 : i64}
      : tensor<9x1xi8>, tensor<1x4xi8> -> tensor<9x4xi32>
  %y3 = qsparse.matmul %x3, %w3 {input_unsigned, input_zero_point = 128 : i64, weight_zero_point = -7 : i64}
      : tensor<4x40xi8>, tensor<40x6xi8> -> tensor<4x6xi32>
  %y4 = qsparse.matmul %x4, %w4 {input_unsigned, weight_zero_point = 3 : i64}
      : tensor<3x8xi8>, tensor<8x5xi8> -> tensor<3x5xi32>
  %y5 = qsparse.matmul %x5, %w5 {input_unsigned, input_zero_point = 255 : i64, weight_zero_point = 127 : i64}
      : tensor<2x6xi8>, tensor<6x3xi8> -> tensor<2x3xi32>
  return %y0, %y1, %y2, %y3, %y4, %y5
      : tensor<5x7xi32>,
        tensor<1x1xi32>,
        tensor<9x4xi32>,
        tensor<4x6xi32>,
        tensor<3x5xi32>,
        tensor<2x3xi32>
}

// @qmm_i16acc: i16 accumulator: sums that overflow wrap (two's complement).
// RUN: %python %S/Inputs/oracle.py gen qmm_i16acc %t
// RUN: qsparse-run %s -e qmm_i16acc --check --input=%t.qmm_i16acc.in0.npy \
// RUN:   --input=%t.qmm_i16acc.in1.npy --input=%t.qmm_i16acc.in2.npy --input=%t.qmm_i16acc.in3.npy \
// RUN:   --input=%t.qmm_i16acc.in4.npy --input=%t.qmm_i16acc.in5.npy \
// RUN:   --output=%t.qmm_i16acc.cpu0.npy --output=%t.qmm_i16acc.cpu1.npy \
// RUN:   --output=%t.qmm_i16acc.cpu2.npy
// RUN: qsparse-run %s -e qmm_i16acc --pipeline=reference --input=%t.qmm_i16acc.in0.npy \
// RUN:   --input=%t.qmm_i16acc.in1.npy --input=%t.qmm_i16acc.in2.npy --input=%t.qmm_i16acc.in3.npy \
// RUN:   --input=%t.qmm_i16acc.in4.npy --input=%t.qmm_i16acc.in5.npy \
// RUN:   --output=%t.qmm_i16acc.ref0.npy --output=%t.qmm_i16acc.ref1.npy \
// RUN:   --output=%t.qmm_i16acc.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare qmm_i16acc %t cpu ref
func.func @qmm_i16acc(
    %x0: tensor<3x37xi8>,
    %w0: tensor<37x5xi8>,
    %x1: tensor<6x4xi8>,
    %w1: tensor<4x6xi8>,
    %x2: tensor<4x21xi8>,
    %w2: tensor<21x3xi8>)
    -> (tensor<3x5xi16>,
        tensor<6x6xi16>,
        tensor<4x3xi16>) {
  %y0 = qsparse.matmul %x0, %w0
      : tensor<3x37xi8>, tensor<37x5xi8> -> tensor<3x5xi16>
  %y1 = qsparse.matmul %x1, %w1
      : tensor<6x4xi8>, tensor<4x6xi8> -> tensor<6x6xi16>
  %y2 = qsparse.matmul %x2, %w2 {input_unsigned, input_zero_point = 128 : i64, weight_zero_point = 2 : i64}
      : tensor<4x21xi8>, tensor<21x3xi8> -> tensor<4x3xi16>
  return %y0, %y1, %y2
      : tensor<3x5xi16>,
        tensor<6x6xi16>,
        tensor<4x3xi16>
}

// @qmm_wide: i16 x i16 -> i64 with zero points; i8 x i8 -> i8 (wrapping).
// RUN: %python %S/Inputs/oracle.py gen qmm_wide %t
// RUN: qsparse-run %s -e qmm_wide --check --input=%t.qmm_wide.in0.npy --input=%t.qmm_wide.in1.npy \
// RUN:   --input=%t.qmm_wide.in2.npy --input=%t.qmm_wide.in3.npy --output=%t.qmm_wide.cpu0.npy \
// RUN:   --output=%t.qmm_wide.cpu1.npy
// RUN: qsparse-run %s -e qmm_wide --pipeline=reference --input=%t.qmm_wide.in0.npy \
// RUN:   --input=%t.qmm_wide.in1.npy --input=%t.qmm_wide.in2.npy --input=%t.qmm_wide.in3.npy \
// RUN:   --output=%t.qmm_wide.ref0.npy --output=%t.qmm_wide.ref1.npy
// RUN: %python %S/Inputs/oracle.py compare qmm_wide %t cpu ref
func.func @qmm_wide(
    %x0: tensor<4x9xi16>,
    %w0: tensor<9x3xi16>,
    %x1: tensor<2x5xi8>,
    %w1: tensor<5x3xi8>)
    -> (tensor<4x3xi64>,
        tensor<2x3xi8>) {
  %y0 = qsparse.matmul %x0, %w0 {input_zero_point = 1000 : i64, weight_zero_point = -300 : i64}
      : tensor<4x9xi16>, tensor<9x3xi16> -> tensor<4x3xi64>
  %y1 = qsparse.matmul %x1, %w1
      : tensor<2x5xi8>, tensor<5x3xi8> -> tensor<2x3xi8>
  return %y0, %y1
      : tensor<4x3xi64>,
        tensor<2x3xi8>
}

// @qmm_nm: weight_sparsity = nm<2:4> and an acc_bound on a 2:4-pruned
//   weight.
// RUN: %python %S/Inputs/oracle.py gen qmm_nm %t
// RUN: qsparse-run %s -e qmm_nm --check --input=%t.qmm_nm.in0.npy --input=%t.qmm_nm.in1.npy \
// RUN:   --output=%t.qmm_nm.cpu0.npy
// RUN: qsparse-run %s -e qmm_nm --pipeline=reference --input=%t.qmm_nm.in0.npy \
// RUN:   --input=%t.qmm_nm.in1.npy --output=%t.qmm_nm.ref0.npy
// RUN: %python %S/Inputs/oracle.py compare qmm_nm %t cpu ref
func.func @qmm_nm(
    %x0: tensor<3x64xi8>,
    %w0: tensor<64x9xi8>)
    -> tensor<3x9xi32> {
  %y0 = qsparse.matmul %x0, %w0 {weight_sparsity = #qsparse.nm<2:4>, acc_bound = #qsparse.acc_bound<lo = -131072, hi = 131072>}
      : tensor<3x64xi8>, tensor<64x9xi8> -> tensor<3x9xi32>
  return %y0
      : tensor<3x9xi32>
}

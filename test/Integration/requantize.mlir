// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// qsparse.requantize: exact multiplier/shift rescaling, round half away
// from zero, zero points, saturation ranges, per-tensor and per-axis.
//
// REQUIRES: numpy

// @rq_tensor: Per-tensor multiplier/shift, i8 / i16 / i32 results, zero
//   point.
// RUN: %python %S/Inputs/oracle.py gen rq_tensor %t
// RUN: qsparse-run %s -e rq_tensor --check --input=%t.rq_tensor.in0.npy \
// RUN:   --input=%t.rq_tensor.in1.npy --input=%t.rq_tensor.in2.npy --output=%t.rq_tensor.cpu0.npy \
// RUN:   --output=%t.rq_tensor.cpu1.npy --output=%t.rq_tensor.cpu2.npy \
// RUN:   --output=%t.rq_tensor.cpu3.npy
// RUN: qsparse-run %s -e rq_tensor --pipeline=reference --input=%t.rq_tensor.in0.npy \
// RUN:   --input=%t.rq_tensor.in1.npy --input=%t.rq_tensor.in2.npy --output=%t.rq_tensor.ref0.npy \
// RUN:   --output=%t.rq_tensor.ref1.npy --output=%t.rq_tensor.ref2.npy \
// RUN:   --output=%t.rq_tensor.ref3.npy
// RUN: %python %S/Inputs/oracle.py compare rq_tensor %t cpu ref
func.func @rq_tensor(
    %x0: tensor<4x9xi32>,
    %x1: tensor<7x5xi32>,
    %x2: tensor<3x3xi32>)
    -> (tensor<4x9xi8>,
        tensor<7x5xi16>,
        tensor<3x3xi32>,
        tensor<4x9xi32>) {
  %y0 = qsparse.requantize %x0 {multiplier = array<i32: 1518500250>, shift = array<i32: 38>}
      : tensor<4x9xi32> -> tensor<4x9xi8>
  %y1 = qsparse.requantize %x1 {multiplier = array<i32: 1073741824>, shift = array<i32: 20>, output_zero_point = -7 : i64}
      : tensor<7x5xi32> -> tensor<7x5xi16>
  %y2 = qsparse.requantize %x2 {multiplier = array<i32: 2147483647>, shift = array<i32: 31>}
      : tensor<3x3xi32> -> tensor<3x3xi32>
  %y3 = qsparse.requantize %x0 {multiplier = array<i32: 2147483647>, shift = array<i32: 0>}
      : tensor<4x9xi32> -> tensor<4x9xi32>
  return %y0, %y1, %y2, %y3
      : tensor<4x9xi8>,
        tensor<7x5xi16>,
        tensor<3x3xi32>,
        tensor<4x9xi32>
}

// @rq_ties: Exact .5 cases (x/2, 3x/4, x/8, 3x/8) round half away from zero;
//   shift 0 saturates.
// RUN: %python %S/Inputs/oracle.py gen rq_ties %t
// RUN: qsparse-run %s -e rq_ties --check --input=%t.rq_ties.in0.npy --output=%t.rq_ties.cpu0.npy \
// RUN:   --output=%t.rq_ties.cpu1.npy --output=%t.rq_ties.cpu2.npy --output=%t.rq_ties.cpu3.npy \
// RUN:   --output=%t.rq_ties.cpu4.npy --output=%t.rq_ties.cpu5.npy --output=%t.rq_ties.cpu6.npy
// RUN: qsparse-run %s -e rq_ties --pipeline=reference --input=%t.rq_ties.in0.npy \
// RUN:   --output=%t.rq_ties.ref0.npy --output=%t.rq_ties.ref1.npy --output=%t.rq_ties.ref2.npy \
// RUN:   --output=%t.rq_ties.ref3.npy --output=%t.rq_ties.ref4.npy --output=%t.rq_ties.ref5.npy \
// RUN:   --output=%t.rq_ties.ref6.npy
// RUN: %python %S/Inputs/oracle.py compare rq_ties %t cpu ref
func.func @rq_ties(
    %x: tensor<81xi32>)
    -> (tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi16>,
        tensor<81xi8>) {
  %y0 = qsparse.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i32: 31>}
      : tensor<81xi32> -> tensor<81xi8>
  %y1 = qsparse.requantize %x {multiplier = array<i32: 3>, shift = array<i32: 2>}
      : tensor<81xi32> -> tensor<81xi8>
  %y2 = qsparse.requantize %x {multiplier = array<i32: 1>, shift = array<i32: 1>, output_zero_point = -3 : i64}
      : tensor<81xi32> -> tensor<81xi8>
  %y3 = qsparse.requantize %x {multiplier = array<i32: 5>, shift = array<i32: 0>}
      : tensor<81xi32> -> tensor<81xi8>
  %y4 = qsparse.requantize %x {multiplier = array<i32: 1>, shift = array<i32: 0>, output_zero_point = 100 : i64}
      : tensor<81xi32> -> tensor<81xi8>
  %y5 = qsparse.requantize %x {multiplier = array<i32: 1>, shift = array<i32: 3>}
      : tensor<81xi32> -> tensor<81xi16>
  %y6 = qsparse.requantize %x {multiplier = array<i32: 1610612736>, shift = array<i32: 32>}
      : tensor<81xi32> -> tensor<81xi8>
  return %y0, %y1, %y2, %y3, %y4, %y5, %y6
      : tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi8>,
        tensor<81xi16>,
        tensor<81xi8>
}

// @rq_axis: Per-axis multipliers/shifts along axis 1, 0 and 2 (shift 0 and
//   63), ReLU to [0, 255] in i8, a custom clamp in i16.
// RUN: %python %S/Inputs/oracle.py gen rq_axis %t
// RUN: qsparse-run %s -e rq_axis --check --input=%t.rq_axis.in0.npy --input=%t.rq_axis.in1.npy \
// RUN:   --input=%t.rq_axis.in2.npy --output=%t.rq_axis.cpu0.npy --output=%t.rq_axis.cpu1.npy \
// RUN:   --output=%t.rq_axis.cpu2.npy
// RUN: qsparse-run %s -e rq_axis --pipeline=reference --input=%t.rq_axis.in0.npy \
// RUN:   --input=%t.rq_axis.in1.npy --input=%t.rq_axis.in2.npy --output=%t.rq_axis.ref0.npy \
// RUN:   --output=%t.rq_axis.ref1.npy --output=%t.rq_axis.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare rq_axis %t cpu ref
func.func @rq_axis(
    %x0: tensor<5x6xi32>,
    %x1: tensor<6x4xi32>,
    %x2: tensor<2x3x4xi32>)
    -> (tensor<5x6xi8>,
        tensor<6x4xi16>,
        tensor<2x3x4xi8>) {
  %y0 = qsparse.requantize %x0 {axis = 1 : i64, multiplier = array<i32: 1073741824, 3, 1518500250, 1073741824, 2147483647, 1>, shift = array<i32: 31, 0, 38, 30, 63, 1>, output_zero_point = 10 : i64, out_min = 0 : i64, out_max = 255 : i64}
      : tensor<5x6xi32> -> tensor<5x6xi8>
  %y1 = qsparse.requantize %x1 {axis = 0 : i64, multiplier = array<i32: 1, 2, 3, 5, 7, 1073741824>, shift = array<i32: 1, 1, 2, 3, 0, 34>, output_zero_point = -20 : i64, out_min = -1000 : i64, out_max = 1000 : i64}
      : tensor<6x4xi32> -> tensor<6x4xi16>
  %y2 = qsparse.requantize %x2 {axis = 2 : i64, multiplier = array<i32: 1518500250, 1, 7, 1073741824>, shift = array<i32: 36, 2, 0, 32>}
      : tensor<2x3x4xi32> -> tensor<2x3x4xi8>
  return %y0, %y1, %y2
      : tensor<5x6xi8>,
        tensor<6x4xi16>,
        tensor<2x3x4xi8>
}

// @rq_wide: i64 inputs near 2^62 (94-bit products), i16 and i8 inputs.
// RUN: %python %S/Inputs/oracle.py gen rq_wide %t
// RUN: qsparse-run %s -e rq_wide --check --input=%t.rq_wide.in0.npy --input=%t.rq_wide.in1.npy \
// RUN:   --input=%t.rq_wide.in2.npy --output=%t.rq_wide.cpu0.npy --output=%t.rq_wide.cpu1.npy \
// RUN:   --output=%t.rq_wide.cpu2.npy --output=%t.rq_wide.cpu3.npy --output=%t.rq_wide.cpu4.npy
// RUN: qsparse-run %s -e rq_wide --pipeline=reference --input=%t.rq_wide.in0.npy \
// RUN:   --input=%t.rq_wide.in1.npy --input=%t.rq_wide.in2.npy --output=%t.rq_wide.ref0.npy \
// RUN:   --output=%t.rq_wide.ref1.npy --output=%t.rq_wide.ref2.npy --output=%t.rq_wide.ref3.npy \
// RUN:   --output=%t.rq_wide.ref4.npy
// RUN: %python %S/Inputs/oracle.py compare rq_wide %t cpu ref
func.func @rq_wide(
    %x0: tensor<3x5xi64>,
    %x1: tensor<4x4xi16>,
    %x2: tensor<16xi8>)
    -> (tensor<3x5xi32>,
        tensor<3x5xi64>,
        tensor<4x4xi8>,
        tensor<16xi8>,
        tensor<3x5xi64>) {
  %y0 = qsparse.requantize %x0 {multiplier = array<i32: 2147483647>, shift = array<i32: 63>}
      : tensor<3x5xi64> -> tensor<3x5xi32>
  %y1 = qsparse.requantize %x0 {multiplier = array<i32: 1518500250>, shift = array<i32: 40>}
      : tensor<3x5xi64> -> tensor<3x5xi64>
  %y2 = qsparse.requantize %x1 {multiplier = array<i32: 1717986918>, shift = array<i32: 33>}
      : tensor<4x4xi16> -> tensor<4x4xi8>
  %y3 = qsparse.requantize %x2 {multiplier = array<i32: 1>, shift = array<i32: 0>, output_zero_point = -1 : i64}
      : tensor<16xi8> -> tensor<16xi8>
  %y4 = qsparse.requantize %x0 {multiplier = array<i32: 2147483647>, shift = array<i32: 0>}
      : tensor<3x5xi64> -> tensor<3x5xi64>
  return %y0, %y1, %y2, %y3, %y4
      : tensor<3x5xi32>,
        tensor<3x5xi64>,
        tensor<4x4xi8>,
        tensor<16xi8>,
        tensor<3x5xi64>
}

// @rq_extremes: i64 extremes: zero points that push the exact result past
//   the i64 range clamp (no wrap), a 2^40 zero point into i8, shift 63 with
//   a custom clamp.
// RUN: %python %S/Inputs/oracle.py gen rq_extremes %t
// RUN: qsparse-run %s -e rq_extremes --check --input=%t.rq_extremes.in0.npy \
// RUN:   --output=%t.rq_extremes.cpu0.npy --output=%t.rq_extremes.cpu1.npy \
// RUN:   --output=%t.rq_extremes.cpu2.npy --output=%t.rq_extremes.cpu3.npy
// RUN: qsparse-run %s -e rq_extremes --pipeline=reference --input=%t.rq_extremes.in0.npy \
// RUN:   --output=%t.rq_extremes.ref0.npy --output=%t.rq_extremes.ref1.npy \
// RUN:   --output=%t.rq_extremes.ref2.npy --output=%t.rq_extremes.ref3.npy
// RUN: %python %S/Inputs/oracle.py compare rq_extremes %t cpu ref
func.func @rq_extremes(
    %x: tensor<6xi64>)
    -> (tensor<6xi64>,
        tensor<6xi64>,
        tensor<6xi8>,
        tensor<6xi32>) {
  %y0 = qsparse.requantize %x {multiplier = array<i32: 1>, shift = array<i32: 0>, output_zero_point = 100 : i64}
      : tensor<6xi64> -> tensor<6xi64>
  %y1 = qsparse.requantize %x {multiplier = array<i32: 2147483647>, shift = array<i32: 31>, output_zero_point = -9223372036854775807 : i64}
      : tensor<6xi64> -> tensor<6xi64>
  %y2 = qsparse.requantize %x {multiplier = array<i32: 3>, shift = array<i32: 1>, output_zero_point = 1099511627776 : i64}
      : tensor<6xi64> -> tensor<6xi8>
  %y3 = qsparse.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i32: 63>, output_zero_point = -5 : i64, out_min = -7 : i64, out_max = 2147483647 : i64}
      : tensor<6xi64> -> tensor<6xi32>
  return %y0, %y1, %y2, %y3
      : tensor<6xi64>,
        tensor<6xi64>,
        tensor<6xi8>,
        tensor<6xi32>
}

// @rq_i64: The i64 lowering (inputs of at most 32 bits, shifts <= 62, zero
//   points within i32): extreme products with shifts 62 and 61, extreme zero
//   points, per-axis shifts 30 and 0.
// RUN: %python %S/Inputs/oracle.py gen rq_i64 %t
// RUN: qsparse-run %s -e rq_i64 --check --input=%t.rq_i64.in0.npy \
// RUN:   --output=%t.rq_i64.cpu0.npy --output=%t.rq_i64.cpu1.npy \
// RUN:   --output=%t.rq_i64.cpu2.npy --output=%t.rq_i64.cpu3.npy
// RUN: qsparse-run %s -e rq_i64 --pipeline=reference --input=%t.rq_i64.in0.npy \
// RUN:   --output=%t.rq_i64.ref0.npy --output=%t.rq_i64.ref1.npy \
// RUN:   --output=%t.rq_i64.ref2.npy --output=%t.rq_i64.ref3.npy
// RUN: %python %S/Inputs/oracle.py compare rq_i64 %t cpu ref
func.func @rq_i64(%x: tensor<2x8xi32>)
    -> (tensor<2x8xi32>, tensor<2x8xi64>, tensor<2x8xi64>, tensor<2x8xi8>) {
  %y0 = qsparse.requantize %x {multiplier = array<i32: 2147483647>, shift = array<i32: 62>, output_zero_point = 2147483647 : i64}
      : tensor<2x8xi32> -> tensor<2x8xi32>
  %y1 = qsparse.requantize %x {multiplier = array<i32: 2147483647>, shift = array<i32: 61>, output_zero_point = -2147483648 : i64}
      : tensor<2x8xi32> -> tensor<2x8xi64>
  %y2 = qsparse.requantize %x {axis = 0 : i64, multiplier = array<i32: 2147483647, 1>, shift = array<i32: 30, 0>}
      : tensor<2x8xi32> -> tensor<2x8xi64>
  %y3 = qsparse.requantize %x {multiplier = array<i32: 2>, shift = array<i32: 31>, output_zero_point = 3 : i64}
      : tensor<2x8xi32> -> tensor<2x8xi8>
  return %y0, %y1, %y2, %y3 : tensor<2x8xi32>, tensor<2x8xi64>, tensor<2x8xi64>, tensor<2x8xi8>
}

// @rq_relu: Unsigned ranges in signless results: [0, 255] in i8 with zero
//   point 128 (compared as the int8 bit pattern), raised out_min, [0, 65535]
//   in i16.
// RUN: %python %S/Inputs/oracle.py gen rq_relu %t
// RUN: qsparse-run %s -e rq_relu --check --input=%t.rq_relu.in0.npy --output=%t.rq_relu.cpu0.npy \
// RUN:   --output=%t.rq_relu.cpu1.npy --output=%t.rq_relu.cpu2.npy
// RUN: qsparse-run %s -e rq_relu --pipeline=reference --input=%t.rq_relu.in0.npy \
// RUN:   --output=%t.rq_relu.ref0.npy --output=%t.rq_relu.ref1.npy --output=%t.rq_relu.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare rq_relu %t cpu ref
func.func @rq_relu(
    %x: tensor<6x7xi32>)
    -> (tensor<6x7xi8>,
        tensor<6x7xi8>,
        tensor<6x7xi16>) {
  %y0 = qsparse.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i32: 33>, output_zero_point = 128 : i64, out_min = 0 : i64, out_max = 255 : i64}
      : tensor<6x7xi32> -> tensor<6x7xi8>
  %y1 = qsparse.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i32: 34>, out_min = 5 : i64, out_max = 100 : i64}
      : tensor<6x7xi32> -> tensor<6x7xi8>
  %y2 = qsparse.requantize %x {multiplier = array<i32: 1>, shift = array<i32: 4>, output_zero_point = 30000 : i64, out_min = 0 : i64, out_max = 65535 : i64}
      : tensor<6x7xi32> -> tensor<6x7xi16>
  return %y0, %y1, %y2
      : tensor<6x7xi8>,
        tensor<6x7xi8>,
        tensor<6x7xi16>
}

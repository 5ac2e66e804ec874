// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// flint codes (DESIGN 3.1): qsparse.quantize / bitcast / decode / dequantize.
//
// REQUIRES: numpy

// @codes_flint4: !qsparse.flint<4>: quantize per-axis (axis 1 of 2-D and
//   3-D) and per-tensor with exact ties, saturation, NaN/inf, signed zeros;
//   decode of all 256 stored bytes (upper bits ignored) to i32 and the
//   narrowest legal type; dequantize per-axis (axis 0);
//   dequantize(quantize(x)) per-axis and per-tensor; bitcast of the raw
//   bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_flint4 %t
// RUN: qsparse-run %s -e codes_flint4 --check --input=%t.codes_flint4.in0.npy \
// RUN:   --input=%t.codes_flint4.in1.npy --input=%t.codes_flint4.in2.npy \
// RUN:   --input=%t.codes_flint4.in3.npy --input=%t.codes_flint4.in4.npy \
// RUN:   --input=%t.codes_flint4.in5.npy --input=%t.codes_flint4.in6.npy \
// RUN:   --input=%t.codes_flint4.in7.npy --output=%t.codes_flint4.cpu0.npy \
// RUN:   --output=%t.codes_flint4.cpu1.npy --output=%t.codes_flint4.cpu2.npy \
// RUN:   --output=%t.codes_flint4.cpu3.npy --output=%t.codes_flint4.cpu4.npy \
// RUN:   --output=%t.codes_flint4.cpu5.npy --output=%t.codes_flint4.cpu6.npy \
// RUN:   --output=%t.codes_flint4.cpu7.npy --output=%t.codes_flint4.cpu8.npy
// RUN: qsparse-run %s -e codes_flint4 --pipeline=reference --input=%t.codes_flint4.in0.npy \
// RUN:   --input=%t.codes_flint4.in1.npy --input=%t.codes_flint4.in2.npy \
// RUN:   --input=%t.codes_flint4.in3.npy --input=%t.codes_flint4.in4.npy \
// RUN:   --input=%t.codes_flint4.in5.npy --input=%t.codes_flint4.in6.npy \
// RUN:   --input=%t.codes_flint4.in7.npy --output=%t.codes_flint4.ref0.npy \
// RUN:   --output=%t.codes_flint4.ref1.npy --output=%t.codes_flint4.ref2.npy \
// RUN:   --output=%t.codes_flint4.ref3.npy --output=%t.codes_flint4.ref4.npy \
// RUN:   --output=%t.codes_flint4.ref5.npy --output=%t.codes_flint4.ref6.npy \
// RUN:   --output=%t.codes_flint4.ref7.npy --output=%t.codes_flint4.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_flint4 %t cpu ref
func.func @codes_flint4(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12x!qsparse.flint<4>>,
        tensor<3x8x5x!qsparse.flint<4>>,
        tensor<7x9x!qsparse.flint<4>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.flint<4>>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12x!qsparse.flint<4>>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5x!qsparse.flint<4>>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9x!qsparse.flint<4>>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16x!qsparse.flint<4>>
  %dec = qsparse.decode %codes : tensor<16x16x!qsparse.flint<4>> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16x!qsparse.flint<4>> -> tensor<16x16xi8>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16x!qsparse.flint<4>>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12x!qsparse.flint<4>>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9x!qsparse.flint<4>>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12x!qsparse.flint<4>>,
        tensor<3x8x5x!qsparse.flint<4>>,
        tensor<7x9x!qsparse.flint<4>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.flint<4>>
}

// @codes_flint4s: !qsparse.flint<4, signed>: quantize per-axis (axis 1 of
//   2-D and 3-D) and per-tensor with exact ties, saturation, NaN/inf, signed
//   zeros; decode of all 256 stored bytes (upper bits ignored) to i32 and
//   the narrowest legal type; dequantize per-axis (axis 0);
//   dequantize(quantize(x)) per-axis and per-tensor; bitcast of the raw
//   bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_flint4s %t
// RUN: qsparse-run %s -e codes_flint4s --check --input=%t.codes_flint4s.in0.npy \
// RUN:   --input=%t.codes_flint4s.in1.npy --input=%t.codes_flint4s.in2.npy \
// RUN:   --input=%t.codes_flint4s.in3.npy --input=%t.codes_flint4s.in4.npy \
// RUN:   --input=%t.codes_flint4s.in5.npy --input=%t.codes_flint4s.in6.npy \
// RUN:   --input=%t.codes_flint4s.in7.npy --output=%t.codes_flint4s.cpu0.npy \
// RUN:   --output=%t.codes_flint4s.cpu1.npy --output=%t.codes_flint4s.cpu2.npy \
// RUN:   --output=%t.codes_flint4s.cpu3.npy --output=%t.codes_flint4s.cpu4.npy \
// RUN:   --output=%t.codes_flint4s.cpu5.npy --output=%t.codes_flint4s.cpu6.npy \
// RUN:   --output=%t.codes_flint4s.cpu7.npy --output=%t.codes_flint4s.cpu8.npy
// RUN: qsparse-run %s -e codes_flint4s --pipeline=reference --input=%t.codes_flint4s.in0.npy \
// RUN:   --input=%t.codes_flint4s.in1.npy --input=%t.codes_flint4s.in2.npy \
// RUN:   --input=%t.codes_flint4s.in3.npy --input=%t.codes_flint4s.in4.npy \
// RUN:   --input=%t.codes_flint4s.in5.npy --input=%t.codes_flint4s.in6.npy \
// RUN:   --input=%t.codes_flint4s.in7.npy --output=%t.codes_flint4s.ref0.npy \
// RUN:   --output=%t.codes_flint4s.ref1.npy --output=%t.codes_flint4s.ref2.npy \
// RUN:   --output=%t.codes_flint4s.ref3.npy --output=%t.codes_flint4s.ref4.npy \
// RUN:   --output=%t.codes_flint4s.ref5.npy --output=%t.codes_flint4s.ref6.npy \
// RUN:   --output=%t.codes_flint4s.ref7.npy --output=%t.codes_flint4s.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_flint4s %t cpu ref
func.func @codes_flint4s(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12x!qsparse.flint<4, signed>>,
        tensor<3x8x5x!qsparse.flint<4, signed>>,
        tensor<7x9x!qsparse.flint<4, signed>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.flint<4, signed>>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12x!qsparse.flint<4, signed>>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5x!qsparse.flint<4, signed>>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9x!qsparse.flint<4, signed>>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16x!qsparse.flint<4, signed>>
  %dec = qsparse.decode %codes : tensor<16x16x!qsparse.flint<4, signed>> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16x!qsparse.flint<4, signed>> -> tensor<16x16xi8>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16x!qsparse.flint<4, signed>>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12x!qsparse.flint<4, signed>>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9x!qsparse.flint<4, signed>>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12x!qsparse.flint<4, signed>>,
        tensor<3x8x5x!qsparse.flint<4, signed>>,
        tensor<7x9x!qsparse.flint<4, signed>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.flint<4, signed>>
}

// @codes_flint8s: !qsparse.flint<8, signed>: quantize per-axis (axis 1 of
//   2-D and 3-D) and per-tensor with exact ties, saturation, NaN/inf, signed
//   zeros; decode of all 256 stored bytes (upper bits ignored) to i32 and
//   the narrowest legal type; dequantize per-axis (axis 0);
//   dequantize(quantize(x)) per-axis and per-tensor; bitcast of the raw
//   bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_flint8s %t
// RUN: qsparse-run %s -e codes_flint8s --check --input=%t.codes_flint8s.in0.npy \
// RUN:   --input=%t.codes_flint8s.in1.npy --input=%t.codes_flint8s.in2.npy \
// RUN:   --input=%t.codes_flint8s.in3.npy --input=%t.codes_flint8s.in4.npy \
// RUN:   --input=%t.codes_flint8s.in5.npy --input=%t.codes_flint8s.in6.npy \
// RUN:   --input=%t.codes_flint8s.in7.npy --output=%t.codes_flint8s.cpu0.npy \
// RUN:   --output=%t.codes_flint8s.cpu1.npy --output=%t.codes_flint8s.cpu2.npy \
// RUN:   --output=%t.codes_flint8s.cpu3.npy --output=%t.codes_flint8s.cpu4.npy \
// RUN:   --output=%t.codes_flint8s.cpu5.npy --output=%t.codes_flint8s.cpu6.npy \
// RUN:   --output=%t.codes_flint8s.cpu7.npy --output=%t.codes_flint8s.cpu8.npy
// RUN: qsparse-run %s -e codes_flint8s --pipeline=reference --input=%t.codes_flint8s.in0.npy \
// RUN:   --input=%t.codes_flint8s.in1.npy --input=%t.codes_flint8s.in2.npy \
// RUN:   --input=%t.codes_flint8s.in3.npy --input=%t.codes_flint8s.in4.npy \
// RUN:   --input=%t.codes_flint8s.in5.npy --input=%t.codes_flint8s.in6.npy \
// RUN:   --input=%t.codes_flint8s.in7.npy --output=%t.codes_flint8s.ref0.npy \
// RUN:   --output=%t.codes_flint8s.ref1.npy --output=%t.codes_flint8s.ref2.npy \
// RUN:   --output=%t.codes_flint8s.ref3.npy --output=%t.codes_flint8s.ref4.npy \
// RUN:   --output=%t.codes_flint8s.ref5.npy --output=%t.codes_flint8s.ref6.npy \
// RUN:   --output=%t.codes_flint8s.ref7.npy --output=%t.codes_flint8s.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_flint8s %t cpu ref
func.func @codes_flint8s(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12x!qsparse.flint<8, signed>>,
        tensor<3x8x5x!qsparse.flint<8, signed>>,
        tensor<7x9x!qsparse.flint<8, signed>>,
        tensor<16x16xi32>,
        tensor<16x16xi16>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.flint<8, signed>>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12x!qsparse.flint<8, signed>>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5x!qsparse.flint<8, signed>>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9x!qsparse.flint<8, signed>>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16x!qsparse.flint<8, signed>>
  %dec = qsparse.decode %codes : tensor<16x16x!qsparse.flint<8, signed>> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16x!qsparse.flint<8, signed>> -> tensor<16x16xi16>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16x!qsparse.flint<8, signed>>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12x!qsparse.flint<8, signed>>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9x!qsparse.flint<8, signed>>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12x!qsparse.flint<8, signed>>,
        tensor<3x8x5x!qsparse.flint<8, signed>>,
        tensor<7x9x!qsparse.flint<8, signed>>,
        tensor<16x16xi32>,
        tensor<16x16xi16>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.flint<8, signed>>
}

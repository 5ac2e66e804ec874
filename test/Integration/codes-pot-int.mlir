// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// PoT and integer codes (DESIGN 3.1), and f16/f64 scales:
// qsparse.quantize / bitcast / decode / dequantize.
//
// REQUIRES: numpy

// @codes_pot4s: !qsparse.pot<4, signed>: quantize per-axis (axis 1 of 2-D
//   and 3-D) and per-tensor with exact ties, saturation, NaN/inf, signed
//   zeros; decode of all 256 stored bytes (upper bits ignored) to i32 and
//   the narrowest legal type; dequantize per-axis (axis 0);
//   dequantize(quantize(x)) per-axis and per-tensor; bitcast of the raw
//   bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_pot4s %t
// RUN: qsparse-run %s -e codes_pot4s --check --input=%t.codes_pot4s.in0.npy \
// RUN:   --input=%t.codes_pot4s.in1.npy --input=%t.codes_pot4s.in2.npy \
// RUN:   --input=%t.codes_pot4s.in3.npy --input=%t.codes_pot4s.in4.npy \
// RUN:   --input=%t.codes_pot4s.in5.npy --input=%t.codes_pot4s.in6.npy \
// RUN:   --input=%t.codes_pot4s.in7.npy --output=%t.codes_pot4s.cpu0.npy \
// RUN:   --output=%t.codes_pot4s.cpu1.npy --output=%t.codes_pot4s.cpu2.npy \
// RUN:   --output=%t.codes_pot4s.cpu3.npy --output=%t.codes_pot4s.cpu4.npy \
// RUN:   --output=%t.codes_pot4s.cpu5.npy --output=%t.codes_pot4s.cpu6.npy \
// RUN:   --output=%t.codes_pot4s.cpu7.npy --output=%t.codes_pot4s.cpu8.npy
// RUN: qsparse-run %s -e codes_pot4s --pipeline=reference --input=%t.codes_pot4s.in0.npy \
// RUN:   --input=%t.codes_pot4s.in1.npy --input=%t.codes_pot4s.in2.npy \
// RUN:   --input=%t.codes_pot4s.in3.npy --input=%t.codes_pot4s.in4.npy \
// RUN:   --input=%t.codes_pot4s.in5.npy --input=%t.codes_pot4s.in6.npy \
// RUN:   --input=%t.codes_pot4s.in7.npy --output=%t.codes_pot4s.ref0.npy \
// RUN:   --output=%t.codes_pot4s.ref1.npy --output=%t.codes_pot4s.ref2.npy \
// RUN:   --output=%t.codes_pot4s.ref3.npy --output=%t.codes_pot4s.ref4.npy \
// RUN:   --output=%t.codes_pot4s.ref5.npy --output=%t.codes_pot4s.ref6.npy \
// RUN:   --output=%t.codes_pot4s.ref7.npy --output=%t.codes_pot4s.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_pot4s %t cpu ref
func.func @codes_pot4s(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12x!qsparse.pot<4, signed>>,
        tensor<3x8x5x!qsparse.pot<4, signed>>,
        tensor<7x9x!qsparse.pot<4, signed>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.pot<4, signed>>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12x!qsparse.pot<4, signed>>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5x!qsparse.pot<4, signed>>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9x!qsparse.pot<4, signed>>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16x!qsparse.pot<4, signed>>
  %dec = qsparse.decode %codes : tensor<16x16x!qsparse.pot<4, signed>> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16x!qsparse.pot<4, signed>> -> tensor<16x16xi8>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16x!qsparse.pot<4, signed>>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12x!qsparse.pot<4, signed>>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9x!qsparse.pot<4, signed>>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12x!qsparse.pot<4, signed>>,
        tensor<3x8x5x!qsparse.pot<4, signed>>,
        tensor<7x9x!qsparse.pot<4, signed>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.pot<4, signed>>
}

// @codes_pot3: !qsparse.pot<3>: quantize per-axis (axis 1 of 2-D and 3-D)
//   and per-tensor with exact ties, saturation, NaN/inf, signed zeros;
//   decode of all 256 stored bytes (upper bits ignored) to i32 and the
//   narrowest legal type; dequantize per-axis (axis 0);
//   dequantize(quantize(x)) per-axis and per-tensor; bitcast of the raw
//   bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_pot3 %t
// RUN: qsparse-run %s -e codes_pot3 --check --input=%t.codes_pot3.in0.npy \
// RUN:   --input=%t.codes_pot3.in1.npy --input=%t.codes_pot3.in2.npy --input=%t.codes_pot3.in3.npy \
// RUN:   --input=%t.codes_pot3.in4.npy --input=%t.codes_pot3.in5.npy --input=%t.codes_pot3.in6.npy \
// RUN:   --input=%t.codes_pot3.in7.npy --output=%t.codes_pot3.cpu0.npy \
// RUN:   --output=%t.codes_pot3.cpu1.npy --output=%t.codes_pot3.cpu2.npy \
// RUN:   --output=%t.codes_pot3.cpu3.npy --output=%t.codes_pot3.cpu4.npy \
// RUN:   --output=%t.codes_pot3.cpu5.npy --output=%t.codes_pot3.cpu6.npy \
// RUN:   --output=%t.codes_pot3.cpu7.npy --output=%t.codes_pot3.cpu8.npy
// RUN: qsparse-run %s -e codes_pot3 --pipeline=reference --input=%t.codes_pot3.in0.npy \
// RUN:   --input=%t.codes_pot3.in1.npy --input=%t.codes_pot3.in2.npy --input=%t.codes_pot3.in3.npy \
// RUN:   --input=%t.codes_pot3.in4.npy --input=%t.codes_pot3.in5.npy --input=%t.codes_pot3.in6.npy \
// RUN:   --input=%t.codes_pot3.in7.npy --output=%t.codes_pot3.ref0.npy \
// RUN:   --output=%t.codes_pot3.ref1.npy --output=%t.codes_pot3.ref2.npy \
// RUN:   --output=%t.codes_pot3.ref3.npy --output=%t.codes_pot3.ref4.npy \
// RUN:   --output=%t.codes_pot3.ref5.npy --output=%t.codes_pot3.ref6.npy \
// RUN:   --output=%t.codes_pot3.ref7.npy --output=%t.codes_pot3.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_pot3 %t cpu ref
func.func @codes_pot3(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12x!qsparse.pot<3>>,
        tensor<3x8x5x!qsparse.pot<3>>,
        tensor<7x9x!qsparse.pot<3>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.pot<3>>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12x!qsparse.pot<3>>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5x!qsparse.pot<3>>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9x!qsparse.pot<3>>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16x!qsparse.pot<3>>
  %dec = qsparse.decode %codes : tensor<16x16x!qsparse.pot<3>> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16x!qsparse.pot<3>> -> tensor<16x16xi8>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16x!qsparse.pot<3>>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12x!qsparse.pot<3>>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9x!qsparse.pot<3>>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12x!qsparse.pot<3>>,
        tensor<3x8x5x!qsparse.pot<3>>,
        tensor<7x9x!qsparse.pot<3>>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16x!qsparse.pot<3>>
}

// @codes_i8: i8: quantize per-axis (axis 1 of 2-D and 3-D) and per-tensor
//   with exact ties, saturation, NaN/inf, signed zeros; decode of all 256
//   stored bytes (upper bits ignored) to i32 and the narrowest legal type;
//   dequantize per-axis (axis 0); dequantize(quantize(x)) per-axis and per-
//   tensor; bitcast of the raw bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_i8 %t
// RUN: qsparse-run %s -e codes_i8 --check --input=%t.codes_i8.in0.npy --input=%t.codes_i8.in1.npy \
// RUN:   --input=%t.codes_i8.in2.npy --input=%t.codes_i8.in3.npy --input=%t.codes_i8.in4.npy \
// RUN:   --input=%t.codes_i8.in5.npy --input=%t.codes_i8.in6.npy --input=%t.codes_i8.in7.npy \
// RUN:   --output=%t.codes_i8.cpu0.npy --output=%t.codes_i8.cpu1.npy --output=%t.codes_i8.cpu2.npy \
// RUN:   --output=%t.codes_i8.cpu3.npy --output=%t.codes_i8.cpu4.npy --output=%t.codes_i8.cpu5.npy \
// RUN:   --output=%t.codes_i8.cpu6.npy --output=%t.codes_i8.cpu7.npy --output=%t.codes_i8.cpu8.npy
// RUN: qsparse-run %s -e codes_i8 --pipeline=reference --input=%t.codes_i8.in0.npy \
// RUN:   --input=%t.codes_i8.in1.npy --input=%t.codes_i8.in2.npy --input=%t.codes_i8.in3.npy \
// RUN:   --input=%t.codes_i8.in4.npy --input=%t.codes_i8.in5.npy --input=%t.codes_i8.in6.npy \
// RUN:   --input=%t.codes_i8.in7.npy --output=%t.codes_i8.ref0.npy --output=%t.codes_i8.ref1.npy \
// RUN:   --output=%t.codes_i8.ref2.npy --output=%t.codes_i8.ref3.npy --output=%t.codes_i8.ref4.npy \
// RUN:   --output=%t.codes_i8.ref5.npy --output=%t.codes_i8.ref6.npy --output=%t.codes_i8.ref7.npy \
// RUN:   --output=%t.codes_i8.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_i8 %t cpu ref
func.func @codes_i8(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12xi8>,
        tensor<3x8x5xi8>,
        tensor<7x9xi8>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16xi8>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12xi8>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5xi8>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9xi8>
  %dec = qsparse.decode %raw : tensor<16x16xi8> -> tensor<16x16xi32>
  %decn = qsparse.decode %raw : tensor<16x16xi8> -> tensor<16x16xi8>
  %deq = qsparse.dequantize %raw, %sd axis = 0 : tensor<16x16xi8>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12xi8>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9xi8>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %raw
      : tensor<64x12xi8>,
        tensor<3x8x5xi8>,
        tensor<7x9xi8>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16xi8>
}

// @codes_si8: si8: quantize per-axis (axis 1 of 2-D and 3-D) and per-tensor
//   with exact ties, saturation, NaN/inf, signed zeros; decode of all 256
//   stored bytes (upper bits ignored) to i32 and the narrowest legal type;
//   dequantize per-axis (axis 0); dequantize(quantize(x)) per-axis and per-
//   tensor; bitcast of the raw bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_si8 %t
// RUN: qsparse-run %s -e codes_si8 --check --input=%t.codes_si8.in0.npy \
// RUN:   --input=%t.codes_si8.in1.npy --input=%t.codes_si8.in2.npy --input=%t.codes_si8.in3.npy \
// RUN:   --input=%t.codes_si8.in4.npy --input=%t.codes_si8.in5.npy --input=%t.codes_si8.in6.npy \
// RUN:   --input=%t.codes_si8.in7.npy --output=%t.codes_si8.cpu0.npy --output=%t.codes_si8.cpu1.npy \
// RUN:   --output=%t.codes_si8.cpu2.npy --output=%t.codes_si8.cpu3.npy \
// RUN:   --output=%t.codes_si8.cpu4.npy --output=%t.codes_si8.cpu5.npy \
// RUN:   --output=%t.codes_si8.cpu6.npy --output=%t.codes_si8.cpu7.npy \
// RUN:   --output=%t.codes_si8.cpu8.npy
// RUN: qsparse-run %s -e codes_si8 --pipeline=reference --input=%t.codes_si8.in0.npy \
// RUN:   --input=%t.codes_si8.in1.npy --input=%t.codes_si8.in2.npy --input=%t.codes_si8.in3.npy \
// RUN:   --input=%t.codes_si8.in4.npy --input=%t.codes_si8.in5.npy --input=%t.codes_si8.in6.npy \
// RUN:   --input=%t.codes_si8.in7.npy --output=%t.codes_si8.ref0.npy --output=%t.codes_si8.ref1.npy \
// RUN:   --output=%t.codes_si8.ref2.npy --output=%t.codes_si8.ref3.npy \
// RUN:   --output=%t.codes_si8.ref4.npy --output=%t.codes_si8.ref5.npy \
// RUN:   --output=%t.codes_si8.ref6.npy --output=%t.codes_si8.ref7.npy \
// RUN:   --output=%t.codes_si8.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_si8 %t cpu ref
func.func @codes_si8(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12xsi8>,
        tensor<3x8x5xsi8>,
        tensor<7x9xsi8>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16xsi8>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12xsi8>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5xsi8>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9xsi8>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16xsi8>
  %dec = qsparse.decode %codes : tensor<16x16xsi8> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16xsi8> -> tensor<16x16xi8>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16xsi8>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12xsi8>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9xsi8>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12xsi8>,
        tensor<3x8x5xsi8>,
        tensor<7x9xsi8>,
        tensor<16x16xi32>,
        tensor<16x16xi8>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16xsi8>
}

// @codes_ui8: ui8: quantize per-axis (axis 1 of 2-D and 3-D) and per-tensor
//   with exact ties, saturation, NaN/inf, signed zeros; decode of all 256
//   stored bytes (upper bits ignored) to i32 and the narrowest legal type;
//   dequantize per-axis (axis 0); dequantize(quantize(x)) per-axis and per-
//   tensor; bitcast of the raw bytes returned unchanged.
// RUN: %python %S/Inputs/oracle.py gen codes_ui8 %t
// RUN: qsparse-run %s -e codes_ui8 --check --input=%t.codes_ui8.in0.npy \
// RUN:   --input=%t.codes_ui8.in1.npy --input=%t.codes_ui8.in2.npy --input=%t.codes_ui8.in3.npy \
// RUN:   --input=%t.codes_ui8.in4.npy --input=%t.codes_ui8.in5.npy --input=%t.codes_ui8.in6.npy \
// RUN:   --input=%t.codes_ui8.in7.npy --output=%t.codes_ui8.cpu0.npy --output=%t.codes_ui8.cpu1.npy \
// RUN:   --output=%t.codes_ui8.cpu2.npy --output=%t.codes_ui8.cpu3.npy \
// RUN:   --output=%t.codes_ui8.cpu4.npy --output=%t.codes_ui8.cpu5.npy \
// RUN:   --output=%t.codes_ui8.cpu6.npy --output=%t.codes_ui8.cpu7.npy \
// RUN:   --output=%t.codes_ui8.cpu8.npy
// RUN: qsparse-run %s -e codes_ui8 --pipeline=reference --input=%t.codes_ui8.in0.npy \
// RUN:   --input=%t.codes_ui8.in1.npy --input=%t.codes_ui8.in2.npy --input=%t.codes_ui8.in3.npy \
// RUN:   --input=%t.codes_ui8.in4.npy --input=%t.codes_ui8.in5.npy --input=%t.codes_ui8.in6.npy \
// RUN:   --input=%t.codes_ui8.in7.npy --output=%t.codes_ui8.ref0.npy --output=%t.codes_ui8.ref1.npy \
// RUN:   --output=%t.codes_ui8.ref2.npy --output=%t.codes_ui8.ref3.npy \
// RUN:   --output=%t.codes_ui8.ref4.npy --output=%t.codes_ui8.ref5.npy \
// RUN:   --output=%t.codes_ui8.ref6.npy --output=%t.codes_ui8.ref7.npy \
// RUN:   --output=%t.codes_ui8.ref8.npy
// RUN: %python %S/Inputs/oracle.py compare codes_ui8 %t cpu ref
func.func @codes_ui8(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xb: tensor<3x8x5xf32>,
    %sb: tensor<8xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>,
    %raw: tensor<16x16xi8>,
    %sd: tensor<16xf32>)
    -> (tensor<64x12xui8>,
        tensor<3x8x5xui8>,
        tensor<7x9xui8>,
        tensor<16x16xi32>,
        tensor<16x16xi16>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16xui8>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12xui8>
  %qb = qsparse.quantize %xb, %sb axis = 1 : tensor<3x8x5xf32>, tensor<8xf32> -> tensor<3x8x5xui8>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9xui8>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16xui8>
  %dec = qsparse.decode %codes : tensor<16x16xui8> -> tensor<16x16xi32>
  %decn = qsparse.decode %codes : tensor<16x16xui8> -> tensor<16x16xi16>
  %deq = qsparse.dequantize %codes, %sd axis = 0 : tensor<16x16xui8>, tensor<16xf32> -> tensor<16x16xf32>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12xui8>, tensor<12xf32> -> tensor<64x12xf32>
  %rtc = qsparse.dequantize %qc, %sc : tensor<7x9xui8>, tensor<1xf32> -> tensor<7x9xf32>
  return %qa, %qb, %qc, %dec, %decn, %deq, %rt, %rtc, %codes
      : tensor<64x12xui8>,
        tensor<3x8x5xui8>,
        tensor<7x9xui8>,
        tensor<16x16xi32>,
        tensor<16x16xi16>,
        tensor<16x16xf32>,
        tensor<64x12xf32>,
        tensor<7x9xf32>,
        tensor<16x16xui8>
}

// @codes_i4: i4 codes (not a runnable result type): decode(quantize(x)) to
//   i8 per-axis and per-tensor, dequantize(quantize(x)).
// RUN: %python %S/Inputs/oracle.py gen codes_i4 %t
// RUN: qsparse-run %s -e codes_i4 --check --input=%t.codes_i4.in0.npy --input=%t.codes_i4.in1.npy \
// RUN:   --input=%t.codes_i4.in2.npy --input=%t.codes_i4.in3.npy --output=%t.codes_i4.cpu0.npy \
// RUN:   --output=%t.codes_i4.cpu1.npy --output=%t.codes_i4.cpu2.npy
// RUN: qsparse-run %s -e codes_i4 --pipeline=reference --input=%t.codes_i4.in0.npy \
// RUN:   --input=%t.codes_i4.in1.npy --input=%t.codes_i4.in2.npy --input=%t.codes_i4.in3.npy \
// RUN:   --output=%t.codes_i4.ref0.npy --output=%t.codes_i4.ref1.npy --output=%t.codes_i4.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare codes_i4 %t cpu ref
func.func @codes_i4(
    %xa: tensor<64x12xf32>,
    %sa: tensor<12xf32>,
    %xc: tensor<7x9xf32>,
    %sc: tensor<1xf32>)
    -> (tensor<64x12xi8>,
        tensor<7x9xi8>,
        tensor<64x12xf32>) {
  %qa = qsparse.quantize %xa, %sa axis = 1 : tensor<64x12xf32>, tensor<12xf32> -> tensor<64x12xi4>
  %qc = qsparse.quantize %xc, %sc : tensor<7x9xf32>, tensor<1xf32> -> tensor<7x9xi4>
  %da = qsparse.decode %qa : tensor<64x12xi4> -> tensor<64x12xi8>
  %dc = qsparse.decode %qc : tensor<7x9xi4> -> tensor<7x9xi8>
  %rt = qsparse.dequantize %qa, %sa axis = 1 : tensor<64x12xi4>, tensor<12xf32> -> tensor<64x12xf32>
  return %da, %dc, %rt
      : tensor<64x12xi8>,
        tensor<7x9xi8>,
        tensor<64x12xf32>
}

// @codes_fp: f16 and f64 quantize/dequantize: f16 -> flint<4, signed> (axis
//   0), dequantize to f16; f64 -> pot<4, signed> (axis 1), dequantize to
//   f64.
// RUN: %python %S/Inputs/oracle.py gen codes_fp %t
// RUN: qsparse-run %s -e codes_fp --check --input=%t.codes_fp.in0.npy --input=%t.codes_fp.in1.npy \
// RUN:   --input=%t.codes_fp.in2.npy --input=%t.codes_fp.in3.npy --input=%t.codes_fp.in4.npy \
// RUN:   --input=%t.codes_fp.in5.npy --output=%t.codes_fp.cpu0.npy --output=%t.codes_fp.cpu1.npy \
// RUN:   --output=%t.codes_fp.cpu2.npy --output=%t.codes_fp.cpu3.npy
// RUN: qsparse-run %s -e codes_fp --pipeline=reference --input=%t.codes_fp.in0.npy \
// RUN:   --input=%t.codes_fp.in1.npy --input=%t.codes_fp.in2.npy --input=%t.codes_fp.in3.npy \
// RUN:   --input=%t.codes_fp.in4.npy --input=%t.codes_fp.in5.npy --output=%t.codes_fp.ref0.npy \
// RUN:   --output=%t.codes_fp.ref1.npy --output=%t.codes_fp.ref2.npy --output=%t.codes_fp.ref3.npy
// RUN: %python %S/Inputs/oracle.py compare codes_fp %t cpu ref
func.func @codes_fp(
    %x16: tensor<8x8xf16>,
    %s16: tensor<8xf16>,
    %x64: tensor<10x6xf64>,
    %s64: tensor<6xf64>,
    %raw: tensor<16x16xi8>,
    %sd16: tensor<16xf16>)
    -> (tensor<8x8x!qsparse.flint<4, signed>>,
        tensor<16x16xf16>,
        tensor<10x6x!qsparse.pot<4, signed>>,
        tensor<10x6xf64>) {
  %q16 = qsparse.quantize %x16, %s16 axis = 0 : tensor<8x8xf16>, tensor<8xf16> -> tensor<8x8x!qsparse.flint<4, signed>>
  %codes = qsparse.bitcast %raw : tensor<16x16xi8> -> tensor<16x16x!qsparse.flint<4, signed>>
  %d16 = qsparse.dequantize %codes, %sd16 axis = 1 : tensor<16x16x!qsparse.flint<4, signed>>, tensor<16xf16> -> tensor<16x16xf16>
  %q64 = qsparse.quantize %x64, %s64 axis = 1 : tensor<10x6xf64>, tensor<6xf64> -> tensor<10x6x!qsparse.pot<4, signed>>
  %d64 = qsparse.dequantize %q64, %s64 axis = 1 : tensor<10x6x!qsparse.pot<4, signed>>, tensor<6xf64> -> tensor<10x6xf64>
  return %q16, %d16, %q64, %d64
      : tensor<8x8x!qsparse.flint<4, signed>>,
        tensor<16x16xf16>,
        tensor<10x6x!qsparse.pot<4, signed>>,
        tensor<10x6xf64>
}

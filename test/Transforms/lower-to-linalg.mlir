// RUN: qsparse-opt %s -split-input-file --qsparse-lower-to-linalg | FileCheck %s

// Code types become byte storage everywhere, signatures and calls included;
// decode is a lookup in the 16-entry table of signed flint4 values.
// CHECK-LABEL: func.func @decode_flint
// CHECK-SAME: (%[[C:.*]]: tensor<4xi8>) -> tensor<4xi8>
// CHECK: %[[TABLE:.*]] = arith.constant dense<[0, 1, 2, 3, 4, 6, 8, 16, 0, -1, -2, -3, -4, -6, -8, -16]> : tensor<16xi8>
// CHECK: linalg.generic {{.*}} ins(%[[C]] : tensor<4xi8>)
// CHECK: %[[LOW:.*]] = arith.andi %{{.*}}, %c15_i8 : i8
// CHECK: %[[IDX:.*]] = arith.index_castui %[[LOW]] : i8 to index
// CHECK: tensor.extract %[[TABLE]][%[[IDX]]] : tensor<16xi8>
func.func @decode_flint(%c: tensor<4x!qsparse.flint<4, signed>>) -> tensor<4xi8> {
  %d = qsparse.decode %c : tensor<4x!qsparse.flint<4, signed>> -> tensor<4xi8>
  return %d : tensor<4xi8>
}

// CHECK-LABEL: func.func @caller
// CHECK-SAME: (%[[A:.*]]: tensor<4xi8>)
// CHECK: call @decode_flint(%[[A]]) : (tensor<4xi8>) -> tensor<4xi8>
func.func @caller(%c: tensor<4x!qsparse.flint<4, signed>>) -> tensor<4xi8> {
  %d = func.call @decode_flint(%c) : (tensor<4x!qsparse.flint<4, signed>>) -> tensor<4xi8>
  return %d : tensor<4xi8>
}

// -----

// Unsigned flint4 grid {0..7, 8, 10, 12, 14, 16, 24, 32, 64}: 15 midpoints,
// all positive, so every comparison is `oge` (ties go up, away from zero).
// CHECK: #[[AXIS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @quantize_flint
// CHECK: %[[CODES:.*]] = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xi8>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[AXIS]], #{{.*}}]
// CHECK: %[[V:.*]] = arith.divf %{{.*}}, %{{.*}} : f64
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[V]], %[[V]] : f64
// CHECK-COUNT-15: arith.cmpf oge, %[[V]]
// CHECK-NOT: arith.cmpf
// CHECK: tensor.extract %[[CODES]]
// CHECK: arith.select %[[NAN]], %c0_i8
func.func @quantize_flint(%x: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3x!qsparse.flint<4>> {
  %q = qsparse.quantize %x, %s axis = 1 : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3x!qsparse.flint<4>>
  return %q : tensor<2x3x!qsparse.flint<4>>
}

// -----

// Signed codes: negative midpoints compare with `ogt` (ties go down, away
// from zero), positive ones with `oge`.
// CHECK-LABEL: func.func @quantize_signed_flint
// CHECK-COUNT-7: arith.cmpf ogt
// CHECK-COUNT-7: arith.cmpf oge
func.func @quantize_signed_flint(%x: tensor<3xf32>, %s: tensor<1xf32>) -> tensor<3x!qsparse.flint<4, signed>> {
  %q = qsparse.quantize %x, %s : tensor<3xf32>, tensor<1xf32> -> tensor<3x!qsparse.flint<4, signed>>
  return %q : tensor<3x!qsparse.flint<4, signed>>
}

// -----

// Integer codes: round half away from zero, saturate, convert.
// CHECK: #[[SINGLE:.*]] = affine_map<(d0) -> (0)>
// CHECK-LABEL: func.func @quantize_int4
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SINGLE]], #{{.*}}]
// CHECK: %[[R:.*]] = math.round %{{.*}} : f64
// CHECK: arith.maximumf %[[R]], %cst{{.*}} : f64
// CHECK: arith.minimumf
// CHECK: arith.fptosi %{{.*}} : f64 to i64
// CHECK: arith.trunci %{{.*}} : i64 to i4
func.func @quantize_int4(%x: tensor<3xf32>, %s: tensor<1xf32>) -> tensor<3xi4> {
  %q = qsparse.quantize %x, %s : tensor<3xf32>, tensor<1xf32> -> tensor<3xi4>
  return %q : tensor<3xi4>
}

// -----

// CHECK-LABEL: func.func @dequantize_pot
// CHECK: arith.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 4.000000e+00, 0.000000e+00, -1.000000e+00, -2.000000e+00, -4.000000e+00]> : tensor<8xf64>
// CHECK: %[[V:.*]] = tensor.extract
// CHECK: %[[P:.*]] = arith.mulf %[[V]], %{{.*}} : f64
// CHECK: arith.truncf %[[P]] : f64 to f32
func.func @dequantize_pot(%c: tensor<3x!qsparse.pot<3, signed>>, %s: tensor<1xf32>) -> tensor<3xf32> {
  %d = qsparse.dequantize %c, %s : tensor<3x!qsparse.pot<3, signed>>, tensor<1xf32> -> tensor<3xf32>
  return %d : tensor<3xf32>
}

// -----

// Requantize: exact product, round half away from zero, clamp. An i32
// input with shifts <= 62 is exact in i64.
// CHECK: #[[CHANNEL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @requantize
// CHECK-DAG: %[[MULT:.*]] = arith.constant dense<[1073741824, 1518500250]> : tensor<2xi32>
// CHECK-DAG: %[[SHIFT:.*]] = arith.constant dense<[31, 0]> : tensor<2xi32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CHANNEL]], #[[CHANNEL]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}}, %[[MULT]], %[[SHIFT]] :
// CHECK: %[[P:.*]] = arith.muli %{{.*}}, %{{.*}} : i64
// CHECK: arith.shrui
// CHECK: arith.addi %{{.*}}, %c3_i64 : i64
// CHECK: arith.maxsi %{{.*}}, %c0_i64{{.*}} : i64
// CHECK: arith.minsi %{{.*}}, %c255_i64 : i64
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @requantize(%a: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %0 = qsparse.requantize %a {axis = 1 : i64, multiplier = array<i32: 1073741824, 1518500250>,
                              shift = array<i32: 31, 0>, output_zero_point = 3 : i64,
                              out_min = 0 : i64, out_max = 255 : i64}
      : tensor<4x2xi32> -> tensor<4x2xi8>
  return %0 : tensor<4x2xi8>
}

// -----

// A shift of 63 (or an input wider than 32 bits) needs the 128-bit product.
// CHECK-LABEL: func.func @requantize_wide
// CHECK: %[[P:.*]] = arith.muli %{{.*}}, %{{.*}} : i128
// CHECK: arith.trunci %{{.*}} : i128 to i16
func.func @requantize_wide(%a: tensor<4xi32>) -> tensor<4xi16> {
  %0 = qsparse.requantize %a {multiplier = array<i32: 1073741824>, shift = array<i32: 63>}
      : tensor<4xi32> -> tensor<4xi16>
  return %0 : tensor<4xi16>
}

// -----

// Zero points are subtracted in the accumulator type; unsigned inputs are
// zero-extended.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[INIT:.*]] = linalg.fill ins(%c0_i32 : i32)
// CHECK: linalg.generic {indexing_maps = [#[[MA:.*]], #[[MB:.*]], #[[MC:.*]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[INIT]] : tensor<2x4xi32>)
// CHECK: %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[W:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[XZ:.*]] = arith.subi %[[X]], %c128_i32
// CHECK: %[[WZ:.*]] = arith.subi %[[W]], %c-3_i32
// CHECK: %[[M:.*]] = arith.muli %[[XZ]], %[[WZ]] : i32
// CHECK: arith.addi %{{.*}}, %[[M]] : i32
func.func @matmul(%x: tensor<2x8xi8>, %w: tensor<8x4xi8>) -> tensor<2x4xi32> {
  %0 = qsparse.matmul %x, %w {input_unsigned, input_zero_point = 128 : i64, weight_zero_point = -3 : i64} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// -----

// Padding [top, left, bottom, right] = [1, 2, 0, 1] reads the zero point;
// stride (2, 2) and dilation (1, 2) land in the input map.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 * 2 + d5 * 2, d6)>
// CHECK-DAG: #[[FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-LABEL: func.func @conv
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 1, 2, 0] high[0, 0, 1, 0]
// CHECK: tensor.yield %c5_i8 : i8
// CHECK: } : tensor<1x8x8x4xi8> to tensor<1x9x11x4xi8>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[FILTER]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[PAD]], %{{.*}} : tensor<1x9x11x4xi8>, tensor<3x3x4x8xi8>)
func.func @conv(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) -> tensor<1x4x4x8xi32> {
  %y = qsparse.conv2d %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 2>, padding = array<i64: 1, 2, 0, 1>, input_zero_point = 5 : i64} : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x4x4x8xi32>
  return %y : tensor<1x4x4x8xi32>
}

// -----

// One generic yields both values and in-group positions.
// CHECK-LABEL: func.func @nm_compress
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<4x3xi8>, tensor<4x3xi8>)
// CHECK: linalg.index 0 : index
// CHECK-COUNT-4: tensor.extract
// CHECK: linalg.yield %{{.*}}, %{{.*}} : i8, i8
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @nm_compress(%w: tensor<8x3xi8>) -> (tensor<4x3xi8>, tensor<4x3xi8>) {
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<4x3xi8>, tensor<4x3xi8>
  return %v, %m : tensor<4x3xi8>, tensor<4x3xi8>
}

// CHECK-LABEL: func.func @nm_decompress
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<8x3xf32>)
// CHECK-COUNT-2: arith.cmpi eq
// CHECK: linalg.yield %{{.*}} : f32
func.func @nm_decompress(%v: tensor<4x3xf32>, %m: tensor<4x3xi8>) -> tensor<8x3xf32> {
  %d = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<4x3xf32>, tensor<4x3xi8> -> tensor<8x3xf32>
  return %d : tensor<8x3xf32>
}

// -----

// A bitcast disappears: both sides share the storage type.
// CHECK-LABEL: func.func @bitcast
// CHECK-SAME: (%[[RAW:.*]]: tensor<16xi8>) -> tensor<16xi8>
// CHECK-NEXT: return %[[RAW]] : tensor<16xi8>
func.func @bitcast(%raw: tensor<16xi8>) -> tensor<16x!qsparse.flint<4>> {
  %c = qsparse.bitcast %raw : tensor<16xi8> -> tensor<16x!qsparse.flint<4>>
  return %c : tensor<16x!qsparse.flint<4>>
}

// -----

// Constant codes (weights) are decoded at compile time with the same values
// as the table: signed flint4 codes 7 -> 16, 13 -> -6, 0x2F (upper bits
// ignored) -> code 15 -> -16.
// CHECK-LABEL: func.func @decode_constant
// CHECK-NOT: linalg.generic
// CHECK: %[[C:.*]] = arith.constant dense<[16, -6, -16, 0]> : tensor<4xi8>
// CHECK: return %[[C]]
func.func @decode_constant() -> tensor<4xi8> {
  %raw = arith.constant dense<[7, 13, 47, 8]> : tensor<4xi8>
  %c = qsparse.bitcast %raw : tensor<4xi8> -> tensor<4x!qsparse.flint<4, signed>>
  %d = qsparse.decode %c : tensor<4x!qsparse.flint<4, signed>> -> tensor<4xi8>
  return %d : tensor<4xi8>
}

// -----

// Constant codes and scales: value * scale per axis-1 channel, in f64 and
// rounded once: PoT3 signed codes 1, 6, 2, 3 = 1, -2, 2, 4 times scales {0.5, 3} per column, int8 -3 x 0.1 rounded to f32.
// CHECK-LABEL: func.func @dequantize_constant
// CHECK-NOT: linalg.generic
// CHECK: arith.constant dense<{{\[}}[5.000000e-01, -6.000000e+00], [1.000000e+00, 1.200000e+01]]> : tensor<2x2xf32>
// CHECK: arith.constant dense<-3.000000e-01> : tensor<1xf32>
func.func @dequantize_constant() -> (tensor<2x2xf32>, tensor<1xf32>) {
  %raw = arith.constant dense<[[1, 6], [2, 3]]> : tensor<2x2xi8>
  %s = arith.constant dense<[0.5, 3.0]> : tensor<2xf32>
  %c = qsparse.bitcast %raw : tensor<2x2xi8> -> tensor<2x2x!qsparse.pot<3, signed>>
  %d = qsparse.dequantize %c, %s axis = 1 : tensor<2x2x!qsparse.pot<3, signed>>, tensor<2xf32> -> tensor<2x2xf32>
  %i = arith.constant dense<-3> : tensor<1xi8>
  %s1 = arith.constant dense<0.1> : tensor<1xf32>
  %d1 = qsparse.dequantize %i, %s1 : tensor<1xi8>, tensor<1xf32> -> tensor<1xf32>
  return %d, %d1 : tensor<2x2xf32>, tensor<1xf32>
}

// -----

// Constant N:M values and metadata are scattered at compile time: 2:4 along
// axis 0, column 0 keeps rows 1 and 3 of group 0 and rows 4 and 6 of group 1;
// in column 1, value 3 names position 7 (no position: dropped), 9 lands in
// row 2, and group 1 names row 4 twice with zeros.
// CHECK-LABEL: func.func @decompress_constant
// CHECK-NOT: linalg.generic
// CHECK: %[[C:.*]] = arith.constant dense<{{\[}}[0, 0], [5, 0], [0, 9], [-6, 0], [7, 0], [0, 0], [8, 0], [0, 0]]> : tensor<8x2xi8>
// CHECK: return %[[C]]
func.func @decompress_constant() -> tensor<8x2xi8> {
  %v = arith.constant dense<[[5, 3], [-6, 9], [7, 0], [8, 0]]> : tensor<4x2xi8>
  %m = arith.constant dense<[[1, 7], [3, 2], [0, 0], [2, 0]]> : tensor<4x2xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<4x2xi8>, tensor<4x2xi8> -> tensor<8x2xi8>
  return %w : tensor<8x2xi8>
}

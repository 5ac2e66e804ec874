// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// qsparse.nm_compress / nm_decompress (DESIGN 3.3): magnitude pruning with
// ties to the lower index, canonical values + in-group positions.
//
// REQUIRES: numpy

// @nm_i8: nm_compress/nm_decompress on i8: 2:4, 1:4, 4:8 along axis 0 and 1
//   (and rank 3), magnitude ties, -128
// RUN: %python %S/Inputs/oracle.py gen nm_i8 %t
// RUN: qsparse-run %s -e nm_i8 --check --input=%t.nm_i8.in0.npy --input=%t.nm_i8.in1.npy \
// RUN:   --input=%t.nm_i8.in2.npy --input=%t.nm_i8.in3.npy --input=%t.nm_i8.in4.npy \
// RUN:   --input=%t.nm_i8.in5.npy --input=%t.nm_i8.in6.npy --input=%t.nm_i8.in7.npy \
// RUN:   --output=%t.nm_i8.cpu0.npy --output=%t.nm_i8.cpu1.npy --output=%t.nm_i8.cpu2.npy \
// RUN:   --output=%t.nm_i8.cpu3.npy --output=%t.nm_i8.cpu4.npy --output=%t.nm_i8.cpu5.npy \
// RUN:   --output=%t.nm_i8.cpu6.npy --output=%t.nm_i8.cpu7.npy --output=%t.nm_i8.cpu8.npy \
// RUN:   --output=%t.nm_i8.cpu9.npy --output=%t.nm_i8.cpu10.npy --output=%t.nm_i8.cpu11.npy \
// RUN:   --output=%t.nm_i8.cpu12.npy --output=%t.nm_i8.cpu13.npy --output=%t.nm_i8.cpu14.npy \
// RUN:   --output=%t.nm_i8.cpu15.npy --output=%t.nm_i8.cpu16.npy --output=%t.nm_i8.cpu17.npy \
// RUN:   --output=%t.nm_i8.cpu18.npy --output=%t.nm_i8.cpu19.npy --output=%t.nm_i8.cpu20.npy \
// RUN:   --output=%t.nm_i8.cpu21.npy --output=%t.nm_i8.cpu22.npy --output=%t.nm_i8.cpu23.npy
// RUN: qsparse-run %s -e nm_i8 --pipeline=reference --input=%t.nm_i8.in0.npy \
// RUN:   --input=%t.nm_i8.in1.npy --input=%t.nm_i8.in2.npy --input=%t.nm_i8.in3.npy \
// RUN:   --input=%t.nm_i8.in4.npy --input=%t.nm_i8.in5.npy --input=%t.nm_i8.in6.npy \
// RUN:   --input=%t.nm_i8.in7.npy --output=%t.nm_i8.ref0.npy --output=%t.nm_i8.ref1.npy \
// RUN:   --output=%t.nm_i8.ref2.npy --output=%t.nm_i8.ref3.npy --output=%t.nm_i8.ref4.npy \
// RUN:   --output=%t.nm_i8.ref5.npy --output=%t.nm_i8.ref6.npy --output=%t.nm_i8.ref7.npy \
// RUN:   --output=%t.nm_i8.ref8.npy --output=%t.nm_i8.ref9.npy --output=%t.nm_i8.ref10.npy \
// RUN:   --output=%t.nm_i8.ref11.npy --output=%t.nm_i8.ref12.npy --output=%t.nm_i8.ref13.npy \
// RUN:   --output=%t.nm_i8.ref14.npy --output=%t.nm_i8.ref15.npy --output=%t.nm_i8.ref16.npy \
// RUN:   --output=%t.nm_i8.ref17.npy --output=%t.nm_i8.ref18.npy --output=%t.nm_i8.ref19.npy \
// RUN:   --output=%t.nm_i8.ref20.npy --output=%t.nm_i8.ref21.npy --output=%t.nm_i8.ref22.npy \
// RUN:   --output=%t.nm_i8.ref23.npy
// RUN: %python %S/Inputs/oracle.py compare nm_i8 %t cpu ref
func.func @nm_i8(
    %w0: tensor<8x3xi8>,
    %w1: tensor<5x16xi8>,
    %w2: tensor<16x3xi8>,
    %w3: tensor<2x8x3xi8>,
    %w4: tensor<12x2xi8>,
    %w5: tensor<3x16xi8>,
    %w6: tensor<4x6xi8>,
    %w7: tensor<32x2xi8>)
    -> (tensor<4x3xi8>,
        tensor<4x3xi8>,
        tensor<8x3xi8>,
        tensor<5x4xi8>,
        tensor<5x4xi8>,
        tensor<5x16xi8>,
        tensor<8x3xi8>,
        tensor<8x3xi8>,
        tensor<16x3xi8>,
        tensor<2x4x3xi8>,
        tensor<2x4x3xi8>,
        tensor<2x8x3xi8>,
        tensor<3x2xi8>,
        tensor<3x2xi8>,
        tensor<12x2xi8>,
        tensor<3x8xi8>,
        tensor<3x8xi8>,
        tensor<3x16xi8>,
        tensor<4x3xi8>,
        tensor<4x3xi8>,
        tensor<4x6xi8>,
        tensor<4x2xi8>,
        tensor<4x2xi8>,
        tensor<32x2xi8>) {
  %v0, %m0 = qsparse.nm_compress %w0 {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<8x3xi8> -> tensor<4x3xi8>, tensor<4x3xi8>
  %d0 = qsparse.nm_decompress %v0, %m0 {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<4x3xi8>, tensor<4x3xi8> -> tensor<8x3xi8>
  %v1, %m1 = qsparse.nm_compress %w1 {sparsity = #qsparse.nm<1:4>, axis = 1 : i64}
      : tensor<5x16xi8> -> tensor<5x4xi8>, tensor<5x4xi8>
  %d1 = qsparse.nm_decompress %v1, %m1 {sparsity = #qsparse.nm<1:4>, axis = 1 : i64}
      : tensor<5x4xi8>, tensor<5x4xi8> -> tensor<5x16xi8>
  %v2, %m2 = qsparse.nm_compress %w2 {sparsity = #qsparse.nm<4:8>, axis = 0 : i64}
      : tensor<16x3xi8> -> tensor<8x3xi8>, tensor<8x3xi8>
  %d2 = qsparse.nm_decompress %v2, %m2 {sparsity = #qsparse.nm<4:8>, axis = 0 : i64}
      : tensor<8x3xi8>, tensor<8x3xi8> -> tensor<16x3xi8>
  %v3, %m3 = qsparse.nm_compress %w3 {sparsity = #qsparse.nm<2:4>, axis = 1 : i64}
      : tensor<2x8x3xi8> -> tensor<2x4x3xi8>, tensor<2x4x3xi8>
  %d3 = qsparse.nm_decompress %v3, %m3 {sparsity = #qsparse.nm<2:4>, axis = 1 : i64}
      : tensor<2x4x3xi8>, tensor<2x4x3xi8> -> tensor<2x8x3xi8>
  %v4, %m4 = qsparse.nm_compress %w4 {sparsity = #qsparse.nm<1:4>, axis = 0 : i64}
      : tensor<12x2xi8> -> tensor<3x2xi8>, tensor<3x2xi8>
  %d4 = qsparse.nm_decompress %v4, %m4 {sparsity = #qsparse.nm<1:4>, axis = 0 : i64}
      : tensor<3x2xi8>, tensor<3x2xi8> -> tensor<12x2xi8>
  %v5, %m5 = qsparse.nm_compress %w5 {sparsity = #qsparse.nm<4:8>, axis = 1 : i64}
      : tensor<3x16xi8> -> tensor<3x8xi8>, tensor<3x8xi8>
  %d5 = qsparse.nm_decompress %v5, %m5 {sparsity = #qsparse.nm<4:8>, axis = 1 : i64}
      : tensor<3x8xi8>, tensor<3x8xi8> -> tensor<3x16xi8>
  %v6, %m6 = qsparse.nm_compress %w6 {sparsity = #qsparse.nm<1:2>, axis = 1 : i64}
      : tensor<4x6xi8> -> tensor<4x3xi8>, tensor<4x3xi8>
  %d6 = qsparse.nm_decompress %v6, %m6 {sparsity = #qsparse.nm<1:2>, axis = 1 : i64}
      : tensor<4x3xi8>, tensor<4x3xi8> -> tensor<4x6xi8>
  %v7, %m7 = qsparse.nm_compress %w7 {sparsity = #qsparse.nm<2:16>, axis = 0 : i64}
      : tensor<32x2xi8> -> tensor<4x2xi8>, tensor<4x2xi8>
  %d7 = qsparse.nm_decompress %v7, %m7 {sparsity = #qsparse.nm<2:16>, axis = 0 : i64}
      : tensor<4x2xi8>, tensor<4x2xi8> -> tensor<32x2xi8>
  return %v0, %m0, %d0, %v1, %m1, %d1, %v2, %m2, %d2, %v3, %m3, %d3, %v4, %m4, %d4, %v5, %m5, %d5, %v6, %m6, %d6, %v7, %m7, %d7
      : tensor<4x3xi8>,
        tensor<4x3xi8>,
        tensor<8x3xi8>,
        tensor<5x4xi8>,
        tensor<5x4xi8>,
        tensor<5x16xi8>,
        tensor<8x3xi8>,
        tensor<8x3xi8>,
        tensor<16x3xi8>,
        tensor<2x4x3xi8>,
        tensor<2x4x3xi8>,
        tensor<2x8x3xi8>,
        tensor<3x2xi8>,
        tensor<3x2xi8>,
        tensor<12x2xi8>,
        tensor<3x8xi8>,
        tensor<3x8xi8>,
        tensor<3x16xi8>,
        tensor<4x3xi8>,
        tensor<4x3xi8>,
        tensor<4x6xi8>,
        tensor<4x2xi8>,
        tensor<4x2xi8>,
        tensor<32x2xi8>
}

// @nm_f32: nm_compress/nm_decompress on f32: 2:4, 1:4, 4:8 along axis 0 and
//   1, magnitude ties, signed zeros
// RUN: %python %S/Inputs/oracle.py gen nm_f32 %t
// RUN: qsparse-run %s -e nm_f32 --check --input=%t.nm_f32.in0.npy --input=%t.nm_f32.in1.npy \
// RUN:   --input=%t.nm_f32.in2.npy --input=%t.nm_f32.in3.npy --input=%t.nm_f32.in4.npy \
// RUN:   --input=%t.nm_f32.in5.npy --output=%t.nm_f32.cpu0.npy --output=%t.nm_f32.cpu1.npy \
// RUN:   --output=%t.nm_f32.cpu2.npy --output=%t.nm_f32.cpu3.npy --output=%t.nm_f32.cpu4.npy \
// RUN:   --output=%t.nm_f32.cpu5.npy --output=%t.nm_f32.cpu6.npy --output=%t.nm_f32.cpu7.npy \
// RUN:   --output=%t.nm_f32.cpu8.npy --output=%t.nm_f32.cpu9.npy --output=%t.nm_f32.cpu10.npy \
// RUN:   --output=%t.nm_f32.cpu11.npy --output=%t.nm_f32.cpu12.npy --output=%t.nm_f32.cpu13.npy \
// RUN:   --output=%t.nm_f32.cpu14.npy --output=%t.nm_f32.cpu15.npy --output=%t.nm_f32.cpu16.npy \
// RUN:   --output=%t.nm_f32.cpu17.npy
// RUN: qsparse-run %s -e nm_f32 --pipeline=reference --input=%t.nm_f32.in0.npy \
// RUN:   --input=%t.nm_f32.in1.npy --input=%t.nm_f32.in2.npy --input=%t.nm_f32.in3.npy \
// RUN:   --input=%t.nm_f32.in4.npy --input=%t.nm_f32.in5.npy --output=%t.nm_f32.ref0.npy \
// RUN:   --output=%t.nm_f32.ref1.npy --output=%t.nm_f32.ref2.npy --output=%t.nm_f32.ref3.npy \
// RUN:   --output=%t.nm_f32.ref4.npy --output=%t.nm_f32.ref5.npy --output=%t.nm_f32.ref6.npy \
// RUN:   --output=%t.nm_f32.ref7.npy --output=%t.nm_f32.ref8.npy --output=%t.nm_f32.ref9.npy \
// RUN:   --output=%t.nm_f32.ref10.npy --output=%t.nm_f32.ref11.npy --output=%t.nm_f32.ref12.npy \
// RUN:   --output=%t.nm_f32.ref13.npy --output=%t.nm_f32.ref14.npy --output=%t.nm_f32.ref15.npy \
// RUN:   --output=%t.nm_f32.ref16.npy --output=%t.nm_f32.ref17.npy
// RUN: %python %S/Inputs/oracle.py compare nm_f32 %t cpu ref
func.func @nm_f32(
    %w0: tensor<8x5xf32>,
    %w1: tensor<3x12xf32>,
    %w2: tensor<2x16xf32>,
    %w3: tensor<4x8xf32>,
    %w4: tensor<16x2xf32>,
    %w5: tensor<12x3xf32>)
    -> (tensor<4x5xf32>,
        tensor<4x5xi8>,
        tensor<8x5xf32>,
        tensor<3x3xf32>,
        tensor<3x3xi8>,
        tensor<3x12xf32>,
        tensor<2x8xf32>,
        tensor<2x8xi8>,
        tensor<2x16xf32>,
        tensor<4x4xf32>,
        tensor<4x4xi8>,
        tensor<4x8xf32>,
        tensor<8x2xf32>,
        tensor<8x2xi8>,
        tensor<16x2xf32>,
        tensor<3x3xf32>,
        tensor<3x3xi8>,
        tensor<12x3xf32>) {
  %v0, %m0 = qsparse.nm_compress %w0 {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<8x5xf32> -> tensor<4x5xf32>, tensor<4x5xi8>
  %d0 = qsparse.nm_decompress %v0, %m0 {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<4x5xf32>, tensor<4x5xi8> -> tensor<8x5xf32>
  %v1, %m1 = qsparse.nm_compress %w1 {sparsity = #qsparse.nm<1:4>, axis = 1 : i64}
      : tensor<3x12xf32> -> tensor<3x3xf32>, tensor<3x3xi8>
  %d1 = qsparse.nm_decompress %v1, %m1 {sparsity = #qsparse.nm<1:4>, axis = 1 : i64}
      : tensor<3x3xf32>, tensor<3x3xi8> -> tensor<3x12xf32>
  %v2, %m2 = qsparse.nm_compress %w2 {sparsity = #qsparse.nm<4:8>, axis = 1 : i64}
      : tensor<2x16xf32> -> tensor<2x8xf32>, tensor<2x8xi8>
  %d2 = qsparse.nm_decompress %v2, %m2 {sparsity = #qsparse.nm<4:8>, axis = 1 : i64}
      : tensor<2x8xf32>, tensor<2x8xi8> -> tensor<2x16xf32>
  %v3, %m3 = qsparse.nm_compress %w3 {sparsity = #qsparse.nm<2:4>, axis = 1 : i64}
      : tensor<4x8xf32> -> tensor<4x4xf32>, tensor<4x4xi8>
  %d3 = qsparse.nm_decompress %v3, %m3 {sparsity = #qsparse.nm<2:4>, axis = 1 : i64}
      : tensor<4x4xf32>, tensor<4x4xi8> -> tensor<4x8xf32>
  %v4, %m4 = qsparse.nm_compress %w4 {sparsity = #qsparse.nm<4:8>, axis = 0 : i64}
      : tensor<16x2xf32> -> tensor<8x2xf32>, tensor<8x2xi8>
  %d4 = qsparse.nm_decompress %v4, %m4 {sparsity = #qsparse.nm<4:8>, axis = 0 : i64}
      : tensor<8x2xf32>, tensor<8x2xi8> -> tensor<16x2xf32>
  %v5, %m5 = qsparse.nm_compress %w5 {sparsity = #qsparse.nm<1:4>, axis = 0 : i64}
      : tensor<12x3xf32> -> tensor<3x3xf32>, tensor<3x3xi8>
  %d5 = qsparse.nm_decompress %v5, %m5 {sparsity = #qsparse.nm<1:4>, axis = 0 : i64}
      : tensor<3x3xf32>, tensor<3x3xi8> -> tensor<12x3xf32>
  return %v0, %m0, %d0, %v1, %m1, %d1, %v2, %m2, %d2, %v3, %m3, %d3, %v4, %m4, %d4, %v5, %m5, %d5
      : tensor<4x5xf32>,
        tensor<4x5xi8>,
        tensor<8x5xf32>,
        tensor<3x3xf32>,
        tensor<3x3xi8>,
        tensor<3x12xf32>,
        tensor<2x8xf32>,
        tensor<2x8xi8>,
        tensor<2x16xf32>,
        tensor<4x4xf32>,
        tensor<4x4xi8>,
        tensor<4x8xf32>,
        tensor<8x2xf32>,
        tensor<8x2xi8>,
        tensor<16x2xf32>,
        tensor<3x3xf32>,
        tensor<3x3xi8>,
        tensor<12x3xf32>
}

// @nm_decomp: nm_decompress of given values/metadata, with positions outside
//   [0, M) (dropped), along axis 0 (i8, 2:4) and axis 1 (f32, 4:8).
// RUN: %python %S/Inputs/oracle.py gen nm_decomp %t
// RUN: qsparse-run %s -e nm_decomp --check --input=%t.nm_decomp.in0.npy \
// RUN:   --input=%t.nm_decomp.in1.npy --input=%t.nm_decomp.in2.npy --input=%t.nm_decomp.in3.npy \
// RUN:   --output=%t.nm_decomp.cpu0.npy --output=%t.nm_decomp.cpu1.npy
// RUN: qsparse-run %s -e nm_decomp --pipeline=reference --input=%t.nm_decomp.in0.npy \
// RUN:   --input=%t.nm_decomp.in1.npy --input=%t.nm_decomp.in2.npy --input=%t.nm_decomp.in3.npy \
// RUN:   --output=%t.nm_decomp.ref0.npy --output=%t.nm_decomp.ref1.npy
// RUN: %python %S/Inputs/oracle.py compare nm_decomp %t cpu ref
func.func @nm_decomp(
    %v0: tensor<4x3xi8>,
    %m0: tensor<4x3xi8>,
    %v1: tensor<3x8xf32>,
    %m1: tensor<3x8xi8>)
    -> (tensor<8x3xi8>,
        tensor<3x16xf32>) {
  %d0 = qsparse.nm_decompress %v0, %m0 {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<4x3xi8>, tensor<4x3xi8> -> tensor<8x3xi8>
  %d1 = qsparse.nm_decompress %v1, %m1 {sparsity = #qsparse.nm<4:8>, axis = 1 : i64}
      : tensor<3x8xf32>, tensor<3x8xi8> -> tensor<3x16xf32>
  return %d0, %d1
      : tensor<8x3xi8>,
        tensor<3x16xf32>
}

// @nm_matmul: qsparse.matmul {weight_sparsity = nm<2:4>} on nm_decompress of
//   compressed weights (valid ascending positions).
// RUN: %python %S/Inputs/oracle.py gen nm_matmul %t
// RUN: qsparse-run %s -e nm_matmul --check --input=%t.nm_matmul.in0.npy \
// RUN:   --input=%t.nm_matmul.in1.npy --input=%t.nm_matmul.in2.npy --output=%t.nm_matmul.cpu0.npy
// RUN: qsparse-run %s -e nm_matmul --pipeline=reference --input=%t.nm_matmul.in0.npy \
// RUN:   --input=%t.nm_matmul.in1.npy --input=%t.nm_matmul.in2.npy --output=%t.nm_matmul.ref0.npy
// RUN: %python %S/Inputs/oracle.py compare nm_matmul %t cpu ref
func.func @nm_matmul(
    %x: tensor<5x16xi8>,
    %v: tensor<8x7xi8>,
    %m: tensor<8x7xi8>)
    -> tensor<5x7xi32> {
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<8x7xi8>, tensor<8x7xi8> -> tensor<16x7xi8>
  %y = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4>}
      : tensor<5x16xi8>, tensor<16x7xi8> -> tensor<5x7xi32>
  return %y
      : tensor<5x7xi32>
}

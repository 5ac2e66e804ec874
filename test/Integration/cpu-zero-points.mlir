// The CPU pipeline moves a nonzero input zero point out of the
// multiply-accumulate (the dot-product kernels then run on the raw u8/s8
// values) and subtracts zx * sum_k (w - zw) per channel; the reference
// pipeline keeps (x - zx) * (w - zw) inside. --check compares the two,
// exactly, with VNNI and with the AVX2 fallback; padding reads the zero
// point in both.
// RUN: qsparse-run %s -e conv --random-inputs=3 --check %vnni_on | FileCheck %s
// RUN: qsparse-run %s -e conv --random-inputs=4 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s
// RUN: qsparse-run %s -e stem --random-inputs=5 --check %vnni_on | FileCheck %s
// RUN: qsparse-run %s -e matmul_constant --random-inputs=6 --check %vnni_on | FileCheck %s
// RUN: qsparse-run %s -e matmul_constant --random-inputs=7 --check --cpu-vnni=off | FileCheck %s
// RUN: qsparse-run %s -e conv_i16 --random-inputs=8 --check %vnni_on | FileCheck %s
// RUN: qsparse-run %s -e conv_i16 --random-inputs=9 --check --cpu-vnni=off | FileCheck %s
// CHECK: check: OK

func.func @conv(%x: tensor<2x14x14x32xi8>, %w: tensor<3x3x32x64xi8>) -> tensor<2x14x14x64xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 131 : i64, weight_zero_point = -2 : i64, padding = array<i64: 1, 1, 1, 1>} : tensor<2x14x14x32xi8>, tensor<3x3x32x64xi8> -> tensor<2x14x14x64xi32>
  return %0 : tensor<2x14x14x64xi32>
}

// A narrowed (i16) accumulator, runtime weights: the hoisted form's partial
// sums wrap (full-range random operands), and so does the reference's.
func.func @conv_i16(%x: tensor<1x10x10x24xi8>, %w: tensor<3x3x24x40xi8>) -> tensor<1x10x10x40xi16> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 119 : i64, weight_zero_point = 3 : i64, padding = array<i64: 1, 1, 1, 1>} : tensor<1x10x10x24xi8>, tensor<3x3x24x40xi8> -> tensor<1x10x10x40xi16>
  return %0 : tensor<1x10x10x40xi16>
}

// Three input channels and a 7x7/2 window with padding 3, like a stem.
func.func @stem(%x: tensor<1x32x32x3xi8>, %w: tensor<7x7x3x64xi8>) -> tensor<1x16x16x64xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 77 : i64, padding = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : tensor<1x32x32x3xi8>, tensor<7x7x3x64xi8> -> tensor<1x16x16x64xi32>
  return %0 : tensor<1x16x16x64xi32>
}

// Signed input with a negative zero point; constant weights (the per-column
// sums fold at compile time) that differ per column.
func.func @matmul_constant(%x: tensor<16x8xi8>) -> tensor<16x64xi32> {
  %w = arith.constant dense<[[-7, -62, 61, 114, -95, -122, 112, 4, -9, -30, 112, 115, 75, -51, -10, -51, 71, -121, -96, -47, -107, 26, -113, 9, 114, 70, 90, 74, 99, -60, 59, -79, -110, -59, 125, -17, 4, 95, 26, 87, 69, 51, 80, -10, 44, -114, 15, -45, 39, -75, -20, 8, 17, -65, -96, 118, 119, -83, 48, -94, 82, -51, -118, 22], [90, 84, -68, -106, -105, 65, 41, 14, -8, -110, 30, -125, -89, -73, -112, -27, 80, 21, 6, -49, -107, 45, 32, 56, -58, 65, 64, 107, 69, -76, 10, 92, -7, 26, 95, 4, 27, 45, -123, 84, 33, -118, 64, -60, -98, 42, 110, 52, 52, 14, 122, -117, -97, -118, 61, 0, 105, 24, 35, -38, 58, -34, 32, 61], [7, 25, 65, -75, -115, -61, 30, -15, 9, -6, 39, -33, 94, -79, -76, 36, 42, -14, 96, -42, -88, 44, -17, 102, 10, -13, -67, -111, -31, 33, -35, 14, 46, -85, 48, -62, 87, 21, 10, 109, 49, 85, 20, 86, 81, -110, 83, -49, -26, -126, 116, 94, -15, -112, 105, 19, 46, -12, -94, 18, -67, -3, -105, -111], [-27, 92, -103, -122, 118, -67, -41, 25, -6, -118, 83, -101, -70, 46, -64, 1, 116, -97, 52, -15, -27, -66, -67, -41, -6, 12, -63, -125, 121, 76, -103, 10, -1, 9, 88, -102, 114, 37, -128, -100, -64, -105, -65, -103, -93, 119, -112, -84, 122, 33, -48, 33, -92, 51, 69, 71, 27, 56, 7, -31, 40, 91, -65, -63], [-127, 66, -88, -37, -107, 63, 107, 66, -106, 92, -101, 62, 126, 33, 87, 86, 107, -119, -3, -17, 10, -92, 89, -14, 90, -62, -114, 38, 63, 6, -66, 109, -65, 64, -73, 35, -76, -126, 114, -55, -8, 71, -106, -81, -78, 64, -37, -116, 46, -66, -115, -70, 118, 17, 25, -83, -110, -6, -74, -77, -97, 38, -36, -89], [-5, -36, -1, 104, 73, 1, 60, 75, 51, 86, -86, 64, -8, 83, -46, 84, 119, -49, 77, -52, -45, -79, 126, 119, 98, -33, -59, 8, -27, -53, 33, -10, 23, 83, 8, -17, 29, -117, 9, 117, 67, -26, -40, 56, -6, 36, 119, -55, 86, 117, -23, 111, -114, 118, -91, 76, -105, 111, -11, -8, -93, -17, 2, -5], [-31, 4, -58, -33, -110, 2, -42, -105, 32, -35, 88, -82, -85, -68, -81, 7, 21, -110, 54, 103, 44, -125, -113, 43, 41, 95, 66, 120, -89, -21, 122, 72, -64, 35, -67, 12, -89, 93, -71, 96, 0, -79, 63, 60, 102, 23, 7, -74, 45, -70, 124, 52, -98, 22, -35, -52, -37, 61, 104, -65, -73, -56, 41, 87], [25, -33, 106, 118, 31, -38, -93, -74, -36, 72, 55, -77, 8, 10, 68, -101, -59, -107, 117, 10, -2, 53, 42, 78, 101, -93, 52, 126, -71, -51, 10, -77, -71, -71, -34, -32, 85, 72, -63, -54, 75, -29, -41, -37, -25, 0, 61, 22, -113, 99, 80, 68, 33, 30, 126, 25, 119, -113, -31, -127, -73, -9, 123, -40]]> : tensor<8x64xi8>
  %0 = qsparse.matmul %x, %w {input_zero_point = -5 : i64} : tensor<16x8xi8>, tensor<8x64xi8> -> tensor<16x64xi32>
  return %0 : tensor<16x64xi32>
}

// The CPU micro-kernels on every vector width and with/without VNNI must give
// the reference pipeline's integers (and floats within tolerance) on shapes
// that are not tile multiples, K = 1, K not a multiple of 4, tiny and tall.
// RUN: qsparse-run %s -e f32 --random-inputs=1 --check --cpu-vector-bits=512 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e f32 --random-inputs=1 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e f32 --random-inputs=1 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e u8s8 --random-inputs=2 --check %vnni_on | FileCheck %s --check-prefix=U8
// RUN: qsparse-run %s -e u8s8 --random-inputs=2 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s --check-prefix=U8
// RUN: qsparse-run %s -e u8s8_k1 --random-inputs=3 --check | FileCheck %s --check-prefix=K1
// RUN: qsparse-run %s -e s8s8_odd --random-inputs=4 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=ODD
// RUN: qsparse-run %s -e s8s8_odd --random-inputs=4 --check | FileCheck %s --check-prefix=ODD
// RUN: qsparse-run %s -e linalg_unsigned --random-inputs=5 --check | FileCheck %s --check-prefix=UNS
// RUN: qsparse-run %s -e conv --random-inputs=6 --check | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv --random-inputs=6 --check --cpu-vnni=off | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv --random-inputs=6 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv_f32 --random-inputs=6 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=CONVF

// F32: check: OK, 9047 values match
func.func @f32(%a: tensor<83x67xf32>, %b: tensor<67x109xf32>) -> tensor<83x109xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<83x109xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<83x109xf32>) -> tensor<83x109xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<83x67xf32>, tensor<67x109xf32>) outs(%f : tensor<83x109xf32>) -> tensor<83x109xf32>
  return %0 : tensor<83x109xf32>
}

// K = 1100 crosses the 256-step (K = 1024) block of the VNNI kernel and the
// 512 one of the others.
// U8: check: OK, 7800 values match
func.func @u8s8(%a: tensor<100x1100xi8>, %b: tensor<1100x78xi8>) -> tensor<100x78xi32> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<100x1100xi8>, tensor<1100x78xi8> -> tensor<100x78xi32>
  return %0 : tensor<100x78xi32>
}

// K1: check: OK, 1152 values match
func.func @u8s8_k1(%a: tensor<12x1xi8>, %b: tensor<1x96xi8>) -> tensor<12x96xi32> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<12x1xi8>, tensor<1x96xi8> -> tensor<12x96xi32>
  return %0 : tensor<12x96xi32>
}

// ODD: check: OK, 4355 values match
func.func @s8s8_odd(%a: tensor<65x37xi8>, %b: tensor<37x67xi8>) -> tensor<65x67xi32> {
  %0 = qsparse.matmul %a, %b : tensor<65x37xi8>, tensor<37x67xi8> -> tensor<65x67xi32>
  return %0 : tensor<65x67xi32>
}

// linalg.matmul with cast_unsigned extends both operands unsigned.
// UNS: check: OK, 2048 values match
func.func @linalg_unsigned(%a: tensor<32x16xi8>, %b: tensor<16x64xi8>) -> tensor<32x64xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<32x64xi32>) -> tensor<32x64xi32>
  %0 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : tensor<32x16xi8>, tensor<16x64xi8>) outs(%f : tensor<32x64xi32>) -> tensor<32x64xi32>
  return %0 : tensor<32x64xi32>
}

// Implicit-GEMM convolution: strides, dilation, asymmetric padding, batch 2,
// pixel and filter counts that are not tile multiples, C % 4 == 0 (VNNI).
// CONV: check: OK, 2520 values match
func.func @conv(%x: tensor<2x9x11x8xi8>, %w: tensor<3x2x8x70xi8>) -> tensor<2x3x6x70xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 1>}
      : tensor<2x9x11x8xi8>, tensor<3x2x8x70xi8> -> tensor<2x3x6x70xi32>
  return %0 : tensor<2x3x6x70xi32>
}

// CONVF: check: OK, 1920 values match
func.func @conv_f32(%x: tensor<1x10x14x3xf32>, %w: tensor<3x3x3x20xf32>) -> tensor<1x8x12x20xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x12x20xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x12x20xf32>) -> tensor<1x8x12x20xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x10x14x3xf32>, tensor<3x3x3x20xf32>) outs(%f : tensor<1x8x12x20xf32>) -> tensor<1x8x12x20xf32>
  return %0 : tensor<1x8x12x20xf32>
}

// u8 x s8 convolution with C = 6: VNNI after padding C to 8 with zeros.
// RUN: qsparse-run %s -e conv_c6 --random-inputs=8 --check | FileCheck %s --check-prefix=C6
// C6: check: OK, 9240 values match
func.func @conv_c6(%x: tensor<2x9x11x6xi8>, %w: tensor<3x2x6x70xi8>) -> tensor<2x6x11x70xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 1>}
      : tensor<2x9x11x6xi8>, tensor<3x2x6x70xi8> -> tensor<2x6x11x70xi32>
  return %0 : tensor<2x6x11x70xi32>
}

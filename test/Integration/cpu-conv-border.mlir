// Convolutions beside a zero border (padding whose products add nothing):
// --qsparse-implicit-im2col marks the implicit GEMM with
// qsparse.zero_border, and the convolution kernel skips the filter rows a
// row tile reads only padding with and, in the tiles at a row's ends, each
// border pixel's taps. The results must be the reference pipeline's
// (integers exactly, floats within tolerance) with stride, dilation,
// asymmetric padding, pixels that read only padding, batch 2, 2 threads,
// and without VNNI.
// RUN: qsparse-run %s -e i8_7x7 --random-inputs=1 --check %vnni_on | FileCheck %s --check-prefix=I8
// RUN: qsparse-run %s -e i8_7x7 --random-inputs=1 --check --cpu-threads=2 | FileCheck %s --check-prefix=I8
// RUN: qsparse-run %s -e i8_7x7 --random-inputs=1 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s --check-prefix=I8
// RUN: qsparse-run %s -e asym --random-inputs=2 --check | FileCheck %s --check-prefix=ASYM
// RUN: qsparse-run %s -e asym --random-inputs=2 --check --cpu-vnni=off | FileCheck %s --check-prefix=ASYM
// RUN: qsparse-run %s -e wide_pad --random-inputs=3 --check | FileCheck %s --check-prefix=WIDE
// RUN: qsparse-run %s -e wide_row --random-inputs=5 --check | FileCheck %s --check-prefix=ROW
// RUN: qsparse-run %s -e f32_const --random-inputs=4 --check | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e f32_const --random-inputs=4 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=F32
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vnni=on vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR

// I8: check: OK, 6860 values match the reference pipeline
// ASYM: check: OK, 1120 values match the reference pipeline
// WIDE: check: OK, 1600 values match the reference pipeline
// ROW: check: OK, 6400 values match the reference pipeline
// F32: check: OK, 960 values match the reference pipeline

// ResNet's 7x7 3x3 layer shape, batch 2, F = 70 (a panel of 64 and a
// tail). Each output row is two tiles, of 4 and 3 pixels, both at the
// row's ends: per filter row the first tile skips pixel 0's tap kw = 0
// (3 + 4 + 4 pixels x 4 vectors = 44 dot products), the second pixel 6's
// tap kw = 2 (3 + 3 + 2 pixels: 32). The filter rows run from the first
// needed to one past the last (ceildivsi of the border's distance).
// IR-LABEL: func.func @i8_7x7(
// IR: scf.for %{{.*}} = %{{.*}} to %c14{{.*}} step
// IR: arith.ceildivsi
// IR-COUNT-44: "llvm.x86.avx512.vpdpbusd.512"
// IR: arith.ceildivsi
// IR-COUNT-32: "llvm.x86.avx512.vpdpbusd.512"
// The last 16 filters (54 to 69, overlapping the panel): 11 + 8.
// IR: scf.for %{{.*}} = %{{.*}} to %c14{{.*}} step
// IR-COUNT-11: "llvm.x86.avx512.vpdpbusd.512"
// IR-COUNT-8: "llvm.x86.avx512.vpdpbusd.512"
// IR-NOT: "llvm.x86.avx512.vpdpbusd.512"
// IR-LABEL: func.func @asym(
// IR: arith.ceildivsi
// IR-LABEL: func.func @wide_pad(
// IR: arith.ceildivsi
// Rows of 40 pixels (border taps 2 of 120, under 1/32): 6-pixel tiles in
// pixel order, across rows, each clipped to the filter rows it needs.
// IR-LABEL: func.func @wide_row(
// IR: scf.for %{{.*}} = %{{.*}} to %c396{{.*}} step %c6
// IR: arith.ceildivsi
// IR-LABEL: func.func @f32_const(
// IR: arith.ceildivsi
func.func @i8_7x7(%x: tensor<2x7x7x16xi8>, %w: tensor<3x3x16x70xi8>) -> tensor<2x7x7x70xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x7x7x16xi8>, tensor<3x3x16x70xi8> -> tensor<2x7x7x70xi32>
  return %0 : tensor<2x7x7x70xi32>
}

// Stride 2, dilation 2, padding [top 3, left 0, bottom 1, right 4]: the
// padded image is 13 x 17, the output 5 x 7; output row 0 reads image rows
// 0, 2 (padding) and 4, output column 6 columns 12, 14 and 16 (the last two
// padding).
func.func @asym(%x: tensor<1x9x13x8xi8>, %w: tensor<3x3x8x32xi8>) -> tensor<1x5x7x32xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>,
                              padding = array<i64: 3, 0, 1, 4>}
      : tensor<1x9x13x8xi8>, tensor<3x3x8x32xi8> -> tensor<1x5x7x32xi32>
  return %0 : tensor<1x5x7x32xi32>
}

// Padding 4 around a 4 x 4 image with a 3 x 3 filter: the outer output
// rows and columns read only padding (no filter row or tap at all).
func.func @wide_pad(%x: tensor<1x4x4x4xi8>, %w: tensor<3x3x4x16xi8>) -> tensor<1x10x10x16xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 4, 4, 4, 4>}
      : tensor<1x4x4x4xi8>, tensor<3x3x4x16xi8> -> tensor<1x10x10x16xi32>
  return %0 : tensor<1x10x10x16xi32>
}

func.func @wide_row(%x: tensor<2x5x40x8xi8>, %w: tensor<3x3x8x16xi8>) -> tensor<2x5x40x16xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x5x40x8xi8>, tensor<3x3x8x16xi8> -> tensor<2x5x40x16xi32>
  return %0 : tensor<2x5x40x16xi32>
}

// f32 with +0.0 padding: a zero border only because the filter is a
// constant with no infinity or NaN.
func.func @f32_const(%x: tensor<2x4x5x4xf32>) -> tensor<2x5x6x16xf32> {
  %w = arith.constant dense<[[[[-1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25], [-0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75], [-0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25], [0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0]], [[0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5], [1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0], [-1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5], [-0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0]], [[0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25], [0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75], [1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25], [-1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25]]], [[[-0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75], [-0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25], [0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0], [0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5]], [[1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0], [-1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5], [-0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0], [0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25]], [[0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75], [1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25], [-1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25], [-0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75]]], [[[-0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25], [0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0], [0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5], [1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0]], [[-1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5], [-0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0], [0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25], [0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75]], [[1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25], [-1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25], [-0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75], [-0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25]]]]> : tensor<3x3x4x16xf32>
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 2, 1, 0] high[0, 1, 2, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<2x4x5x4xf32> to tensor<2x7x8x4xf32>
  %e = tensor.empty() : tensor<2x5x6x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x6x16xf32>) -> tensor<2x5x6x16xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<2x7x8x4xf32>, tensor<3x3x4x16xf32>) outs(%f : tensor<2x5x6x16xf32>) -> tensor<2x5x6x16xf32>
  return %0 : tensor<2x5x6x16xf32>
}

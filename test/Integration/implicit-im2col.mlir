// --qsparse-implicit-im2col on its own: the transformed program (GEMMs that
// read the image through im2col maps) gives the same values as the direct
// convolutions, both through the reference pipeline (plain loops) and the
// CPU pipeline; NHWC and NCHW, strides, dilations, padding, zero points,
// 7x7, 1x1, batch 2, signed and unsigned inputs.
// RUN: qsparse-opt %s --qsparse-lower-to-linalg --qsparse-implicit-im2col -o %t.mlir
// RUN: grep -c qsparse.implicit_gemm %t.mlir | FileCheck %s --check-prefix=COUNT
// COUNT: 5
// RUN: for f in nhwc_dilated stem_7x7 pointwise nchw_f32 nchw_i8; do \
// RUN:   qsparse-run %s -e $f --pipeline=reference --random-inputs=11 --output=%t.$f.direct.npy > /dev/null && \
// RUN:   qsparse-run %t.mlir -e $f --pipeline=reference --random-inputs=11 --output=%t.$f.gemm.npy > /dev/null && \
// RUN:   qsparse-run %t.mlir -e $f --random-inputs=11 --output=%t.$f.cpu.npy > /dev/null && \
// RUN:   cmp %t.$f.direct.npy %t.$f.gemm.npy && cmp %t.$f.direct.npy %t.$f.cpu.npy || exit 1; \
// RUN: done

func.func @nhwc_dilated(%x: tensor<2x11x11x5xi8>, %w: tensor<3x3x5x20xi8>) -> tensor<2x5x4x20xi32> {
  %acc = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>,
                                padding = array<i64: 1, 0, 1, 0>, input_zero_point = 3 : i64}
      : tensor<2x11x11x5xi8>, tensor<3x3x5x20xi8> -> tensor<2x5x4x20xi32>
  return %acc : tensor<2x5x4x20xi32>
}

func.func @stem_7x7(%x: tensor<1x20x20x3xi8>, %w: tensor<7x7x3x64xi8>) -> tensor<1x10x10x64xi32> {
  %acc = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>}
      : tensor<1x20x20x3xi8>, tensor<7x7x3x64xi8> -> tensor<1x10x10x64xi32>
  return %acc : tensor<1x10x10x64xi32>
}

func.func @pointwise(%x: tensor<2x7x7x24xi8>, %w: tensor<1x1x24x70xi8>) -> tensor<2x7x7x70xi32> {
  %acc = qsparse.conv2d %x, %w : tensor<2x7x7x24xi8>, tensor<1x1x24x70xi8> -> tensor<2x7x7x70xi32>
  return %acc : tensor<2x7x7x70xi32>
}

func.func @nchw_f32(%x: tensor<2x5x9x8xf32>, %w: tensor<7x5x3x2xf32>) -> tensor<2x7x4x7xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x7x4x7xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x7x4x7xf32>) -> tensor<2x7x4x7xf32>
  %c = linalg.conv_2d_nchw_fchw {strides = dense<[2, 1]> : tensor<2xi64>, dilations = dense<[1, 1]> : tensor<2xi64>}
      ins(%x, %w : tensor<2x5x9x8xf32>, tensor<7x5x3x2xf32>) outs(%f : tensor<2x7x4x7xf32>) -> tensor<2x7x4x7xf32>
  return %c : tensor<2x7x4x7xf32>
}

func.func @nchw_i8(%x: tensor<1x6x11x11xi8>, %w: tensor<9x6x3x3xi8>) -> tensor<1x9x3x3xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x9x3x3xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x9x3x3xi32>) -> tensor<1x9x3x3xi32>
  %c = linalg.conv_2d_nchw_fchw {strides = dense<3> : tensor<2xi64>, dilations = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x11x11xi8>, tensor<9x6x3x3xi8>) outs(%f : tensor<1x9x3x3xi32>) -> tensor<1x9x3x3xi32>
  return %c : tensor<1x9x3x3xi32>
}

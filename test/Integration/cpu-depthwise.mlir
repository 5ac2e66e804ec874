// The direct depthwise kernel (channels across vector lanes, blocks of 4
// output pixels sharing each filter vector) must give the reference
// pipeline's values: strides, dilations, padding, batch 2, pixel and
// channel remainders, f32 and s8 x s8 -> s32, every vector width, threads.
// RUN: qsparse-run %s -e dw_f32 --random-inputs=1 --check | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e dw_f32 --random-inputs=1 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e dw_f32 --random-inputs=1 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e dw_i8 --random-inputs=2 --check | FileCheck %s --check-prefix=I8
// RUN: qsparse-run %s -e dw_i8 --random-inputs=2 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=I8

// The channels in full vectors run as vector code; the 8 left over of 40
// (at 512 bits) stay a depthwise op on subviews.
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @dw_f32
// IR: vector.fma {{.*}} : vector<16xf32>
// IR: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} memref<3x3x8xf32, strided<[120, 40, 1], offset: 32>>
// IR-LABEL: func.func @dw_i8
// IR: arith.extsi {{.*}} : vector<16xi8> to vector<16xi32>
// IR: arith.muli {{.*}} : vector<16xi32>

// F32: check: OK, 1960 values match
func.func @dw_f32(%x: tensor<1x15x17x40xf32>, %w: tensor<3x3x40xf32>) -> tensor<1x7x7x40xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x40xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x7x7x40xf32>) -> tensor<1x7x7x40xf32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<2> : tensor<2xi64>, dilations = dense<[1, 2]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x15x17x40xf32>, tensor<3x3x40xf32>) outs(%f : tensor<1x7x7x40xf32>) -> tensor<1x7x7x40xf32>
  return %c : tensor<1x7x7x40xf32>
}

// Padding 1 as a tensor.pad; 11 output columns (two blocks of 4 and 3).
// I8: check: OK, 14080 values match
func.func @dw_i8(%x: tensor<2x10x11x64xi8>, %w: tensor<3x3x64xi8>) -> tensor<2x10x11x64xi32> {
  %c0 = arith.constant 0 : i8
  %z = arith.constant 0 : i32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c0 : i8
  } : tensor<2x10x11x64xi8> to tensor<2x12x13x64xi8>
  %e = tensor.empty() : tensor<2x10x11x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<2x10x11x64xi32>) -> tensor<2x10x11x64xi32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<1> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<2x12x13x64xi8>, tensor<3x3x64xi8>) outs(%f : tensor<2x10x11x64xi32>) -> tensor<2x10x11x64xi32>
  return %c : tensor<2x10x11x64xi32>
}

// A fused epilogue (requantize with ReLU6-like clamp) applied to the
// depthwise accumulators; 40 channels leave 8 to the scalar epilogue.
// RUN: qsparse-run %s -e dw_requant --random-inputs=3 --check | FileCheck %s --check-prefix=RQ
// RUN: qsparse-run %s -e dw_requant --random-inputs=3 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=RQ
// RUN: qsparse-opt %s --qsparse-cpu-pipeline --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | not grep qsparse.epilogue
// RQ: check: OK, 1960 values match
func.func @dw_requant(%x: tensor<1x9x9x40xi8>, %w: tensor<3x3x40xi8>) -> tensor<1x7x7x40xi8> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x7x7x40xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x7x7x40xi32>) -> tensor<1x7x7x40xi32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<1> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x9x9x40xi8>, tensor<3x3x40xi8>) outs(%f : tensor<1x7x7x40xi32>) -> tensor<1x7x7x40xi32>
  %q = qsparse.requantize %c {multiplier = array<i32: 1518500250>, shift = array<i32: 38>, out_min = 0 : i64, out_max = 96 : i64}
      : tensor<1x7x7x40xi32> -> tensor<1x7x7x40xi8>
  return %q : tensor<1x7x7x40xi8>
}

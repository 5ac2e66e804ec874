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
// The accumulators start from the zero fill's value; the fill is left for
// the channels past the vectors.
// IR: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<1x7x7x8xf32, strided<[1960, 280, 40, 1], offset: 32>>)
// IR: %[[Z:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// IR: scf.for {{.*}} iter_args(%{{.*}} = %[[Z]], %{{.*}} = %[[Z]], %{{.*}} = %[[Z]], %{{.*}} = %[[Z]])
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

// Narrowed (i16) accumulators sum in i16 vectors, 32 channels per 512-bit
// vector; 72 channels leave 8 to the op on subviews. The random full-range
// operands make the wrapping sums wrap; a ReLU is fused on the i16 values.
// RUN: qsparse-run %s -e dw_i16 --random-inputs=4 --check | FileCheck %s --check-prefix=I16
// RUN: qsparse-run %s -e dw_i16 --random-inputs=4 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=I16
// RUN: qsparse-run %s -e dw_i16 --random-inputs=4 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=I16
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR16
// IR16-LABEL: func.func @dw_i16
// IR16: arith.extui {{.*}} : vector<32xi8> to vector<32xi16>
// IR16: arith.extsi {{.*}} : vector<32xi8> to vector<32xi16>
// IR16: arith.muli {{.*}} : vector<32xi16>
// IR16: arith.maxsi {{.*}} : vector<32xi16>
// IR16: linalg.generic {{.*}} memref<3x3x8xi8, strided<[216, 72, 1], offset: 64>>
// I16: check: OK, 3528 values match
func.func @dw_i16(%x: tensor<1x9x9x72xi8>, %w: tensor<3x3x72xi8>) -> tensor<1x7x7x72xi16> {
  %z = arith.constant 0 : i16
  %e = tensor.empty() : tensor<1x7x7x72xi16>
  %f = linalg.fill ins(%z : i16) outs(%e : tensor<1x7x7x72xi16>) -> tensor<1x7x7x72xi16>
  %c = linalg.generic {indexing_maps = [affine_map<(n, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>,
                                        affine_map<(n, h, w, c, kh, kw) -> (kh, kw, c)>,
                                        affine_map<(n, h, w, c, kh, kw) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x9x9x72xi8>, tensor<3x3x72xi8>) outs(%f : tensor<1x7x7x72xi16>) {
  ^bb0(%a: i8, %b: i8, %o: i16):
    %ea = arith.extui %a : i8 to i16
    %eb = arith.extsi %b : i8 to i16
    %m = arith.muli %ea, %eb : i16
    %s = arith.addi %o, %m : i16
    linalg.yield %s : i16
  } -> tensor<1x7x7x72xi16>
  %e2 = tensor.empty() : tensor<1x7x7x72xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x7x7x72xi16>) outs(%e2 : tensor<1x7x7x72xi16>) {
  ^bb0(%a: i16, %o: i16):
    %r0 = arith.maxsi %a, %z : i16
    linalg.yield %r0 : i16
  } -> tensor<1x7x7x72xi16>
  return %r : tensor<1x7x7x72xi16>
}

// The micro-kernels' row tiles on two OpenMP threads give the reference
// pipeline's values: several K blocks, row remainders, column remainders,
// a convolution with a fused epilogue, with and without VNNI.
// REQUIRES: openmp
// RUN: qsparse-run %s -e u8s8 --random-inputs=1 --check --cpu-threads=2 | FileCheck %s --check-prefix=U8
// RUN: qsparse-run %s -e u8s8 --random-inputs=1 --check --cpu-threads=2 --cpu-vnni=off | FileCheck %s --check-prefix=U8
// RUN: qsparse-run %s -e f32 --random-inputs=2 --check --cpu-threads=2 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e conv_relu --random-inputs=3 --check --cpu-threads=2 | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv_relu --random-inputs=3 --check --cpu-threads=3 --cpu-vector-bits=256 | FileCheck %s --check-prefix=CONV

// The parallel loop is an OpenMP worksharing loop after the pipeline.
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="threads=2" | FileCheck %s --check-prefix=IR
// IR: omp.parallel
// IR: omp.wsloop

// U8: check: OK, 7800 values match
func.func @u8s8(%a: tensor<100x1100xi8>, %b: tensor<1100x78xi8>) -> tensor<100x78xi32> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<100x1100xi8>, tensor<1100x78xi8> -> tensor<100x78xi32>
  return %0 : tensor<100x78xi32>
}

// F32: check: OK, 5293 values match
func.func @f32(%a: tensor<67x33xf32>, %b: tensor<33x79xf32>) -> tensor<67x79xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<67x79xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<67x79xf32>) -> tensor<67x79xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<67x33xf32>, tensor<33x79xf32>) outs(%f : tensor<67x79xf32>) -> tensor<67x79xf32>
  return %0 : tensor<67x79xf32>
}

// CONV: check: OK, 6400 values match
func.func @conv_relu(%x: tensor<1x20x20x16xi8>, %w: tensor<3x3x16x64xi8>) -> tensor<1x10x10x64xi8> {
  %acc = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x20x20x16xi8>, tensor<3x3x16x64xi8> -> tensor<1x10x10x64xi32>
  %q = qsparse.requantize %acc {multiplier = array<i32: 1518500250>, shift = array<i32: 40>, out_min = 0 : i64, out_max = 255 : i64}
      : tensor<1x10x10x64xi32> -> tensor<1x10x10x64xi8>
  return %q : tensor<1x10x10x64xi8>
}

// The depthwise kernel's output rows in parallel.
// RUN: qsparse-run %s -e depthwise --random-inputs=4 --check --cpu-threads=2 | FileCheck %s --check-prefix=DW
// DW: check: OK, 4840 values match
func.func @depthwise(%x: tensor<1x13x13x40xf32>, %w: tensor<3x3x40xf32>) -> tensor<1x11x11x40xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x11x11x40xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x11x11x40xf32>) -> tensor<1x11x11x40xf32>
  %c = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<1> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x13x13x40xf32>, tensor<3x3x40xf32>) outs(%f : tensor<1x11x11x40xf32>) -> tensor<1x11x11x40xf32>
  return %c : tensor<1x11x11x40xf32>
}

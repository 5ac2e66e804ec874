// RUN: qsparse-opt %s --qsparse-accumulator-analysis="report=%t.acc.json" --qsparse-sparsify="report=%t.sp.json" | FileCheck %s
// RUN: qsparse-opt %s --qsparse-select-numeric-type --qsparse-enforce-accumulator-bound=bits=16 --qsparse-narrow-accumulators --qsparse-instrument-overflow | FileCheck %s --check-prefix=BUF
// RUN: FileCheck %s --input-file=%t.acc.json --check-prefix=ACC
// RUN: FileCheck %s --input-file=%t.sp.json --check-prefix=SP
// RUN: FileCheck %s --input-file=%t.acc.json --check-prefix=ACCSKIP
// RUN: FileCheck %s --input-file=%t.sp.json --check-prefix=SPSKIP

// Every contraction kind models use, with hand-computed signed i8 ranges
// ([-128, 127] unless a zero point shifts it).

// batch_matmul: channels are (batch, n); batch 0 weights (1, 1), batch 1
// weights (-1, 3) along K = 2; batch 1 dominates:
// hi = -1*-128 + 3*127 = 509, lo = -1*127 + 3*-128 = -511.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: linalg.batch_matmul {qsparse.acc_bound = #qsparse.acc_bound<lo = -511, hi = 509>}
// ACC: "lo": -511,
// ACC: "op": "linalg.batch_matmul",
func.func @batch_matmul(%x: tensor<2x1x2xi8>) -> tensor<2x1x1xi32> {
  %w = arith.constant dense<[[[1], [1]], [[-1], [3]]]> : tensor<2x2x1xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x1x1xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<2x1x1xi32>) -> tensor<2x1x1xi32>
  %0 = linalg.batch_matmul ins(%x, %w : tensor<2x1x2xi8>, tensor<2x2x1xi8>) outs(%f : tensor<2x1x1xi32>) -> tensor<2x1x1xi32>
  return %0 : tensor<2x1x1xi32>
}

// quantized_matmul: constant zero points 3 (input) and -2 (weight):
// x - 3 in [-131, 124], w - (-2) = 5 for the single weight 3: [-655, 620].
// CHECK-LABEL: func.func @quantized_matmul
// CHECK: linalg.quantized_matmul {qsparse.acc_bound = #qsparse.acc_bound<lo = -655, hi = 620>}
func.func @quantized_matmul(%x: tensor<1x1xi8>) -> tensor<1x1xi32> {
  %w = arith.constant dense<3> : tensor<1x1xi8>
  %zx = arith.constant 3 : i32
  %zw = arith.constant -2 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x1xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x1xi32>) -> tensor<1x1xi32>
  %0 = linalg.quantized_matmul ins(%x, %w, %zx, %zw : tensor<1x1xi8>, tensor<1x1xi8>, i32, i32) outs(%f : tensor<1x1xi32>) -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}

// conv_2d_nchw_fchw: weights [F, C, KH, KW] = [1, 4, 1, 1] = (1, 2, 3, 4):
// hi = 127 * 10, lo = -128 * 10. N:M groups run along C (dimension 1).
// CHECK-LABEL: func.func @conv_nchw
// CHECK: %[[W:.*]] = qsparse.nm_decompress {{.*}} {axis = 1 : i64, sparsity = #qsparse.nm<2:4>} : tensor<1x2x1x1xi8>, tensor<1x2x1x1xi8> -> tensor<1x4x1x1xi8>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}qsparse.acc_bound = #qsparse.acc_bound<lo = -1280, hi = 1270>
// SP: "kept_l1_fraction": {{0\.69999999999|0\.7}}{{[0-9]*}},
// SP: "op": "linalg.conv_2d_nchw_fchw"
func.func @conv_nchw(%x: tensor<1x4x2x2xi8>) -> tensor<1x1x2x2xi32> {
  %w = arith.constant dense<[[[[1]], [[2]], [[3]], [[4]]]]> : tensor<1x4x1x1xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x1x2x2xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x2x2xi8>, tensor<1x4x1x1xi8>) outs(%f : tensor<1x1x2x2xi32>) -> tensor<1x1x2x2xi32>
  return %0 : tensor<1x1x2x2xi32>
}

// depthwise: each channel reduces its own 2x2 window; channel 1 has weights
// (1, 1, 1, -1): hi = 127*3 + 128 = 509, lo = -128*3 - 127 = -511.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}}qsparse.acc_bound = #qsparse.acc_bound<lo = -511, hi = 509>
// ACC: "k": 4,
// ACC: "op": "linalg.depthwise_conv_2d_nhwc_hwc",
func.func @depthwise(%x: tensor<1x3x3x2xi8>) -> tensor<1x2x2x2xi32> {
  %w = arith.constant dense<[[[0, 1], [0, 1]], [[1, 1], [0, -1]]]> : tensor<2x2x2xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x2x2xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x3x2xi8>, tensor<2x2x2xi8>) outs(%f : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  return %0 : tensor<1x2x2x2xi32>
}

// A contraction on buffers (after bufferization) has no result to bound:
// every deciding pass skips it (they used to crash on it).
// CHECK-LABEL: func.func @on_buffers
// CHECK: linalg.matmul ins
// CHECK-NOT: qsparse.acc_bound
// CHECK: return
// ACCSKIP: "op": "linalg.matmul",
// ACCSKIP-NEXT: "skipped": "not on tensors"
// SPSKIP: "op": "linalg.matmul",
// SPSKIP-NEXT: "skipped": "not on tensors"
// BUF-LABEL: func.func @on_buffers
// BUF: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<2x4xi8>, memref<4x3xi8>) outs(%{{.*}} : memref<2x3xi32>)
// BUF-NEXT: return
func.func @on_buffers(%x: memref<2x4xi8>, %y: memref<2x3xi32>) {
  %w = memref.get_global @w : memref<4x3xi8>
  linalg.matmul ins(%x, %w : memref<2x4xi8>, memref<4x3xi8>) outs(%y : memref<2x3xi32>)
  return
}
memref.global "private" constant @w : memref<4x3xi8> = dense<1>

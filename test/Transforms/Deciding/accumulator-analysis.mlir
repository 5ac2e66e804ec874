// RUN: qsparse-opt %s --qsparse-accumulator-analysis="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT

// Signed i8 input in [-128, 127], weight columns (1, 3) and (-2, 4):
//   channel 0: hi = 127*1 + 127*3 = 508,         lo = -128*1 - 128*3 = -512
//   channel 1: hi = -128*-2 + 127*4 = 764,       lo = 127*-2 - 128*4 = -766
// so [-766, 764] needs 11 bits; the data-type bound (K = 2, N = M = 8,
// signed) is 17 bits; the L1 bound (||w||_1 = 6 <= (2^(P-1) - 1) / 128) 11.
// CHECK-LABEL: func.func @qsparse_matmul
// CHECK: qsparse.matmul {{.*}} {acc_bound = #qsparse.acc_bound<lo = -766, hi = 764>}
// REPORT:      "datatype_bits": 17,
// REPORT-NEXT: "exact_bits": 11,
// REPORT-NEXT: "hi": 764,
// REPORT-NEXT: "k": 2,
// REPORT-NEXT: "l1_bits": 11,
// REPORT-NEXT: "lo": -766,
// REPORT-NEXT: "loc": "loc(\"{{.*}}accumulator-analysis.mlir\":[[@LINE+6]]:8)",
// REPORT-NEXT: "op": "qsparse.matmul",
// REPORT-NEXT: "proven_bits": 11,
// REPORT-NEXT: "zero_centered_bits": null
func.func @qsparse_matmul(%x: tensor<3x2xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %0 = qsparse.matmul %x, %w : tensor<3x2xi8>, tensor<2x2xi8> -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}



// Unsigned input with zero point 128: x - 128 in [-128, 127], the same range
// as above; the weights (1, -1) and (2, -2) are zero-centred, so A2Q+ applies:
// P = ceil(log2(||w||_1 * 255 + 2)) = ceil(log2(1022)) = 10 for ||w||_1 = 4.
//   channel 1: hi = 2*127 + 2*128 = 510, lo = -510
// CHECK-LABEL: func.func @zero_centered
// CHECK: acc_bound = #qsparse.acc_bound<lo = -510, hi = 510>
// REPORT: "exact_bits": 10,
// REPORT: "hi": 510,
// REPORT: "lo": -510,
// REPORT: "zero_centered_bits": 10
func.func @zero_centered(%x: tensor<1x2xi8>) -> tensor<1x2xi32> {
  %w = arith.constant dense<[[1, 2], [-1, -2]]> : tensor<2x2xi8>
  %0 = qsparse.matmul %x, %w {input_unsigned, input_zero_point = 128 : i64} : tensor<1x2xi8>, tensor<2x2xi8> -> tensor<1x2xi32>
  return %0 : tensor<1x2xi32>
}



// linalg ops get the discardable qsparse.acc_bound; the fill is the bias.
// The final sums lie in [10 - 128*3, 10 + 127*3] = [-374, 391], but the proof
// covers every partial sum in any order, including -384 before the init is
// added: [min(0, 10) - 384, max(0, 10) + 381].
// CHECK-LABEL: func.func @linalg_with_bias
// CHECK: linalg.matmul {qsparse.acc_bound = #qsparse.acc_bound<lo = -384, hi = 391>}
// REPORT: "exact_bits": 10,
// REPORT: "hi": 391,
// REPORT: "lo": -384,
func.func @linalg_with_bias(%x: tensor<2x1xi8>) -> tensor<2x1xi32> {
  %w = arith.constant dense<3> : tensor<1x1xi8>
  %c10 = arith.constant 10 : i32
  %e = tensor.empty() : tensor<2x1xi32>
  %f = linalg.fill ins(%c10 : i32) outs(%e : tensor<2x1xi32>) -> tensor<2x1xi32>
  %0 = linalg.matmul ins(%x, %w : tensor<2x1xi8>, tensor<1x1xi8>) outs(%f : tensor<2x1xi32>) -> tensor<2x1xi32>
  return %0 : tensor<2x1xi32>
}



// Convolution: K = 3*3*1 = 9 taps of weight 1; linalg convolutions extend
// signed, so x is in [-128, 127]: [-1152, 1143], 12 bits.
// CHECK-LABEL: func.func @conv_signed
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}qsparse.acc_bound = #qsparse.acc_bound<lo = -1152, hi = 1143>
// REPORT: "exact_bits": 12,
// REPORT: "k": 9,
func.func @conv_signed(%x: tensor<1x4x4x1xi8>) -> tensor<1x2x2x1xi32> {
  %w = arith.constant dense<1> : tensor<3x3x1x1xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x2x1xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x2x2x1xi32>) -> tensor<1x2x2x1xi32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x4x1xi8>, tensor<3x3x1x1xi8>) outs(%f : tensor<1x2x2x1xi32>) -> tensor<1x2x2x1xi32>
  return %0 : tensor<1x2x2x1xi32>
}



// Weights behind decode are folded: signed flint4 codes 7 and 15 are 16, -16.
// CHECK-LABEL: func.func @decoded_weights
// CHECK: acc_bound = #qsparse.acc_bound<lo = -4080, hi = 4080>
func.func @decoded_weights(%x: tensor<1x2xi8>) -> tensor<1x1xi32> {
  %codes = arith.constant dense<[[7], [15]]> : tensor<2x1xi8>
  %c = qsparse.bitcast %codes : tensor<2x1xi8> -> tensor<2x1x!qsparse.flint<4, signed>>
  %w = qsparse.decode %c : tensor<2x1x!qsparse.flint<4, signed>> -> tensor<2x1xi8>
  %0 = qsparse.matmul %x, %w {input_unsigned} : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}



// Non-constant weights and float contractions are named in the report.
// CHECK-LABEL: func.func @skipped
// CHECK-NOT: acc_bound
// REPORT: "skipped": "weight is not a constant"
// REPORT: "skipped": "floating-point accumulator"
func.func @skipped(%x: tensor<2x2xi8>, %w: tensor<2x2xi8>, %f: tensor<2x2xf32>) -> (tensor<2x2xi32>, tensor<2x2xf32>) {
  %0 = qsparse.matmul %x, %w : tensor<2x2xi8>, tensor<2x2xi8> -> tensor<2x2xi32>
  %e = tensor.empty() : tensor<2x2xf32>
  %1 = linalg.matmul ins(%f, %f : tensor<2x2xf32>, tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0, %1 : tensor<2x2xi32>, tensor<2x2xf32>
}

// Producers narrow the input range below the type's: decoded unsigned flint4
// activations lie in [0, 64], so (1, -1) gives [-64, 64]; a requantize that
// saturates to [0, 255] (read unsigned) with weights (2, 2) gives [0, 1020].
// CHECK-LABEL: func.func @produced_ranges
// CHECK: qsparse.matmul {{.*}}acc_bound = #qsparse.acc_bound<lo = -64, hi = 64>
// CHECK: qsparse.matmul {{.*}}acc_bound = #qsparse.acc_bound<lo = 0, hi = 1020>
// CHECK: qsparse.matmul {{.*}}acc_bound = #qsparse.acc_bound<lo = -512, hi = 508>
func.func @produced_ranges(%codes: tensor<1x2x!qsparse.flint<4>>, %acc: tensor<1x2xi32>) -> (tensor<1x1xi32>, tensor<1x1xi32>, tensor<1x1xi32>) {
  %x = qsparse.decode %codes : tensor<1x2x!qsparse.flint<4>> -> tensor<1x2xi8>
  %w = arith.constant dense<[[1], [-1]]> : tensor<2x1xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  %r = qsparse.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i32: 30>, out_min = 0 : i64, out_max = 255 : i64}
      : tensor<1x2xi32> -> tensor<1x2xi8>
  %w2 = arith.constant dense<2> : tensor<2x1xi8>
  %1 = qsparse.matmul %r, %w2 {input_unsigned} : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  // Read signed, bytes 128..255 are negative: the requantize range does not
  // apply and the type's [-128, 127] does.
  %2 = qsparse.matmul %r, %w2 : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  return %0, %1, %2 : tensor<1x1xi32>, tensor<1x1xi32>, tensor<1x1xi32>
}

// RUN: qsparse-opt %s --qsparse-enforce-accumulator-bound="bits=15 report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT

// One channel w = (127, 127) over signed i8: [-32512, 32258] needs 16 bits.
// In 15 bits the positive mass S+ may be at most min(16383/127, 16384/128)
// = 128: the nearest point is (64, 64), already integer. The bound proven for
// the old weights is dropped. Relative error = |(63, 63)| / |(127, 127)|.
// CHECK-LABEL: func.func @shrink
// CHECK: %[[W:.*]] = arith.constant dense<64> : tensor<2x1xi8>
// CHECK: qsparse.matmul %{{.*}}, %[[W]] : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
// REPORT:      "bits": 15,
// REPORT-NEXT: "loc":
// REPORT-NEXT: "op": "qsparse.matmul",
// REPORT-NEXT: "relative_l2_error": 0.49606299212598{{[0-9]*}},
// REPORT-NEXT: "tile": 0
func.func @shrink(%x: tensor<1x2xi8>) -> tensor<1x1xi32> {
  %w = arith.constant dense<127> : tensor<2x1xi8>
  %0 = qsparse.matmul %x, %w {acc_bound = #qsparse.acc_bound<lo = -32512, hi = 32258>} : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}

// Weights that already fit are left alone.
// CHECK-LABEL: func.func @fits
// CHECK: arith.constant dense<{{\[\[}}1], [-1]]> : tensor<2x1xi8>
// REPORT: "relative_l2_error": 0
func.func @fits(%x: tensor<1x2xi8>) -> tensor<1x1xi32> {
  %w = arith.constant dense<[[1], [-1]]> : tensor<2x1xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}

// A weight another op also reads (the ONNX importer's depthwise zero-point
// correction sums it) is left alone: changing it for one user only would
// make the two disagree.
// CHECK-LABEL: func.func @shared
// CHECK: %[[W:.*]] = arith.constant dense<127> : tensor<2x1xi8>
// CHECK: qsparse.matmul %{{.*}}, %[[W]]
// CHECK: qsparse.matmul %{{.*}}, %[[W]]
// REPORT: "skipped": "the weight constant has other users, which would keep the old values"
func.func @shared(%x: tensor<1x2xi8>) -> (tensor<1x1xi32>, tensor<1x1xi32>) {
  %w = arith.constant dense<127> : tensor<2x1xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  %1 = qsparse.matmul %x, %w : tensor<1x2xi8>, tensor<2x1xi8> -> tensor<1x1xi32>
  return %0, %1 : tensor<1x1xi32>, tensor<1x1xi32>
}

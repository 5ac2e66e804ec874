// RUN: qsparse-opt %s --qsparse-narrow-accumulators="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: qsparse-opt %s --qsparse-narrow-accumulators="widths=8,12,32" | FileCheck %s --check-prefix=W12

// An 11-bit proof: i32 -> i16 (i12 when 12 is allowed), sign-extended back.
// CHECK-LABEL: func.func @proven
// CHECK: %[[N:.*]] = qsparse.matmul %{{.*}}, %{{.*}} {acc_bound = #qsparse.acc_bound<lo = -766, hi = 764>} : tensor<3x2xi8>, tensor<2x2xi8> -> tensor<3x2xi16>
// CHECK: %[[W:.*]] = arith.extsi %[[N]] : tensor<3x2xi16> to tensor<3x2xi32>
// CHECK: return %[[W]]
// W12-LABEL: func.func @proven
// W12: -> tensor<3x2xi12>
// REPORT:      "from_bits": 32,
// REPORT:      "op": "qsparse.matmul",
// REPORT-NEXT: "required_bits": 11,
// REPORT-NEXT: "to_bits": 16
func.func @proven(%x: tensor<3x2xi8>, %w: tensor<2x2xi8>) -> tensor<3x2xi32> {
  %0 = qsparse.matmul %x, %w {acc_bound = #qsparse.acc_bound<lo = -766, hi = 764>} : tensor<3x2xi8>, tensor<2x2xi8> -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// A 17-bit proof fits no allowed width below 32: unchanged.
// CHECK-LABEL: func.func @too_wide
// CHECK: qsparse.matmul {{.*}} -> tensor<1x1xi32>
// CHECK-NOT: arith.extsi
// REPORT: "skipped": "no allowed width narrower than 32 holds 17 bits"
func.func @too_wide(%x: tensor<1x3xi8>, %w: tensor<3x1xi8>) -> tensor<1x1xi32> {
  %0 = qsparse.matmul %x, %w {acc_bound = #qsparse.acc_bound<lo = -48768, hi = 48387>} : tensor<1x3xi8>, tensor<3x1xi8> -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}

// Never without a proof.
// CHECK-LABEL: func.func @unproven
// CHECK: qsparse.matmul {{.*}} -> tensor<3x2xi32>
// REPORT: "skipped": "no proven accumulator bound"
func.func @unproven(%x: tensor<3x2xi8>, %w: tensor<2x2xi8>) -> tensor<3x2xi32> {
  %0 = qsparse.matmul %x, %w : tensor<3x2xi8>, tensor<2x2xi8> -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// A linalg op gets a new init: the fill value in the narrow type.
// CHECK-LABEL: func.func @linalg
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x1xi16>
// CHECK: %[[C:.*]] = arith.constant 10 : i16
// CHECK: %[[F:.*]] = linalg.fill ins(%[[C]] : i16) outs(%[[E]] : tensor<2x1xi16>)
// CHECK: %[[M:.*]] = linalg.matmul {qsparse.acc_bound = #qsparse.acc_bound<lo = -384, hi = 391>} ins(%{{.*}}, %{{.*}} : tensor<2x1xi8>, tensor<1x1xi8>) outs(%[[F]] : tensor<2x1xi16>) -> tensor<2x1xi16>
// CHECK: arith.extsi %[[M]] : tensor<2x1xi16> to tensor<2x1xi32>
func.func @linalg(%x: tensor<2x1xi8>, %w: tensor<1x1xi8>) -> tensor<2x1xi32> {
  %c10 = arith.constant 10 : i32
  %e = tensor.empty() : tensor<2x1xi32>
  %f = linalg.fill ins(%c10 : i32) outs(%e : tensor<2x1xi32>) -> tensor<2x1xi32>
  %0 = linalg.matmul {qsparse.acc_bound = #qsparse.acc_bound<lo = -384, hi = 391>}
      ins(%x, %w : tensor<2x1xi8>, tensor<1x1xi8>) outs(%f : tensor<2x1xi32>) -> tensor<2x1xi32>
  return %0 : tensor<2x1xi32>
}

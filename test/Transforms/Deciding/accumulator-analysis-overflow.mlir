// RUN: qsparse-opt %s --qsparse-accumulator-analysis -verify-diagnostics | FileCheck %s

// 127 * 127 * 3 = 48387 does not fit the declared i16: warn, attach nothing.
// CHECK-LABEL: func.func @too_narrow
// CHECK-NOT: acc_bound
func.func @too_narrow(%x: tensor<1x3xi8>) -> tensor<1x1xi16> {
  %w = arith.constant dense<127> : tensor<3x1xi8>
  // expected-warning @+1 {{accumulator type 'i16' is narrower than the proven range [-48768, 48387], which needs 17 bits}}
  %0 = qsparse.matmul %x, %w : tensor<1x3xi8>, tensor<3x1xi8> -> tensor<1x1xi16>
  return %0 : tensor<1x1xi16>
}

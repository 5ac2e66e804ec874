// RUN: qsparse-opt %s -canonicalize | FileCheck %s

// A bitcast to the same type, and a round trip through a code type, fold away.
// CHECK-LABEL: func.func @bitcast_round_trip
// CHECK-SAME: (%[[RAW:.*]]: tensor<4xi8>)
// CHECK-NEXT: return %[[RAW]], %[[RAW]]
func.func @bitcast_round_trip(%raw: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>) {
  %same = qsparse.bitcast %raw : tensor<4xi8> -> tensor<4xi8>
  %c = qsparse.bitcast %raw : tensor<4xi8> -> tensor<4x!qsparse.flint<4>>
  %back = qsparse.bitcast %c : tensor<4x!qsparse.flint<4>> -> tensor<4xi8>
  return %same, %back : tensor<4xi8>, tensor<4xi8>
}

// A bitcast that changes the meaning (i8 -> ui8) stays.
// CHECK-LABEL: func.func @bitcast_kept
// CHECK: qsparse.bitcast %{{.*}} : tensor<4xi8> -> tensor<4xui8>
func.func @bitcast_kept(%raw: tensor<4xi8>) -> tensor<4xui8> {
  %u = qsparse.bitcast %raw : tensor<4xi8> -> tensor<4xui8>
  return %u : tensor<4xui8>
}

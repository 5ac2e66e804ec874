// RUN: qsparse-opt %s --qsparse-instrument-overflow | FileCheck %s

// The contraction is recomputed with an i64 accumulator; the declared i16
// result, sign-extended, must equal it everywhere, or cf.assert stops the
// program naming the op.
// CHECK-LABEL: func.func @checked
// CHECK: %[[WIDE:.*]] = qsparse.matmul %{{.*}}, %{{.*}} : tensor<2x4xi8>, tensor<4x3xi8> -> tensor<2x3xi64>
// CHECK: %[[NARROW:.*]] = qsparse.matmul %{{.*}}, %{{.*}} : tensor<2x4xi8>, tensor<4x3xi8> -> tensor<2x3xi16>
// CHECK: %[[EXT:.*]] = arith.extsi %[[NARROW]] : tensor<2x3xi16> to tensor<2x3xi64>
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[EXT]], %[[WIDE]] : tensor<2x3xi64>
// CHECK: %[[ALL:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[SAME]] : tensor<2x3xi1>)
// CHECK: arith.andi
// CHECK: %[[OK:.*]] = tensor.extract %[[ALL]][] : tensor<i1>
// CHECK: cf.assert %[[OK]], "qsparse: accumulator overflow: qsparse.matmul at {{.*}}instrument-overflow.mlir:[[@LINE+3]]:8 produced a result outside its i16 accumulator"
// CHECK: return %[[NARROW]]
func.func @checked(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi16> {
  %0 = qsparse.matmul %x, %w : tensor<2x4xi8>, tensor<4x3xi8> -> tensor<2x3xi16>
  return %0 : tensor<2x3xi16>
}

// 64-bit accumulators cannot be checked against a wider one: untouched.
// CHECK-LABEL: func.func @wide
// CHECK-NOT: cf.assert
func.func @wide(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi64> {
  %0 = qsparse.matmul %x, %w : tensor<2x4xi8>, tensor<4x3xi8> -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

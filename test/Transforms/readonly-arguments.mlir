// RUN: qsparse-opt %s --qsparse-readonly-arguments | FileCheck %s
// RUN: qsparse-opt %s --qsparse-readonly-arguments --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s --check-prefix=BUF
// RUN: qsparse-run %s -e twice --random-inputs=1 --check | FileCheck %s --check-prefix=EXEC

// CHECK-LABEL: func.func @add
// CHECK-SAME: (%{{.*}}: tensor<4xf32> {bufferization.writable = false}, %{{.*}}: tensor<4xf32> {bufferization.writable = false}, %{{.*}}: i32)
// Without the attribute, bufferization would add in place into %x.
// BUF-LABEL: func.func @add
// BUF: %[[ALLOC:.*]] = memref.alloc() {{.*}} : memref<4xf32>
// BUF: linalg.generic {{.*}} outs(%[[ALLOC]] : memref<4xf32>)
func.func @add(%x: tensor<4xf32>, %y: tensor<4xf32>, %n: i32) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%x, %y : tensor<4xf32>, tensor<4xf32>) outs(%x : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Private functions are left alone: their callers are compiled with them.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME: (%{{.*}}: tensor<4xf32>)
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// A value returned twice: each result becomes its own out-parameter, so the
// second position reads a copy.
// CHECK-LABEL: func.func @twice
// CHECK: %[[V:.*]] = linalg.add
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[C:.*]] = linalg.copy ins(%[[V]] : tensor<4xf32>) outs(%[[E]] : tensor<4xf32>)
// CHECK: %[[C2:.*]] = linalg.copy ins(%[[V]] : tensor<4xf32>)
// CHECK: return %[[V]], %[[C]], %[[C2]]
// Both pipelines run it (bufferization used to crash on the repeated value).
// EXEC: result 0: tensor<4xf32> = [[[V:.*]]]
// EXEC-NEXT: result 1: tensor<4xf32> = [[[V]]]
// EXEC-NEXT: result 2: tensor<4xf32> = [[[V]]]
// EXEC: check: OK
func.func @twice(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %0 = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %0, %0, %0 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// RUN: qsparse-opt %s --qsparse-readonly-arguments | FileCheck %s
// RUN: qsparse-opt %s --qsparse-readonly-arguments --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s --check-prefix=BUF

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

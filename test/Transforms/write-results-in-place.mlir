// RUN: qsparse-opt %s --split-input-file --qsparse-write-results-in-place | FileCheck %s

// The result computed in its own buffer and copied into the out-parameter
// at the end: computed in the out-parameter, no copy.
// CHECK-LABEL: func.func @forwarded
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[OUT:.*]]: memref<4x8xf32>)
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[OUT]] : memref<4x8xf32>)
// CHECK: linalg.add ins(%[[A]], %[[OUT]] : {{.*}}) outs(%[[OUT]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @forwarded(%a: memref<4x8xf32>, %out: memref<4x8xf32>) {
  %z = arith.constant 1.0 : f32
  %t = memref.alloc() {alignment = 64 : i64} : memref<4x8xf32>
  linalg.fill ins(%z : f32) outs(%t : memref<4x8xf32>)
  linalg.add ins(%a, %t : memref<4x8xf32>, memref<4x8xf32>) outs(%t : memref<4x8xf32>)
  memref.copy %t, %out : memref<4x8xf32> to memref<4x8xf32>
  return
}

// -----

// Through reshapes (an implicit GEMM's [N][P][F] output returned as NHWF):
// the reshaped views now view the out-parameter.
// CHECK-LABEL: func.func @through_reshapes
// CHECK-SAME: %[[OUT:.*]]: memref<1x2x3x4xi32>)
// CHECK-NOT: memref.alloc
// CHECK: %[[V:.*]] = memref.collapse_shape %[[OUT]] {{\[}}[0], [1, 2], [3]]
// CHECK: linalg.fill ins(%{{.*}} : i32) outs(%[[V]] : memref<1x6x4xi32>)
// CHECK-NOT: memref.expand_shape
// CHECK-NOT: memref.copy
func.func @through_reshapes(%out: memref<1x2x3x4xi32>) {
  %z = arith.constant 7 : i32
  %t = memref.alloc() : memref<1x2x3x4xi32>
  %v = memref.collapse_shape %t [[0], [1, 2], [3]] : memref<1x2x3x4xi32> into memref<1x6x4xi32>
  linalg.fill ins(%z : i32) outs(%v : memref<1x6x4xi32>)
  %e = memref.expand_shape %v [[0], [1, 2], [3]] output_shape [1, 2, 3, 4] : memref<1x6x4xi32> into memref<1x2x3x4xi32>
  memref.copy %e, %out : memref<1x2x3x4xi32> to memref<1x2x3x4xi32>
  return
}

// -----

// Left alone: the buffer is read after the copy; the target is used
// elsewhere; the target is not an argument; the types differ (a view).
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-4: memref.copy
func.func @kept(%a: memref<4xf32>, %out: memref<4xf32>, %out2: memref<4xf32>,
                %out3: memref<2xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<4xf32>
  memref.copy %a, %t : memref<4xf32> to memref<4xf32>
  memref.copy %t, %out : memref<4xf32> to memref<4xf32>
  %x = memref.load %t[%c0] : memref<4xf32>
  %u = memref.alloc() : memref<4xf32>
  memref.copy %u, %out2 : memref<4xf32> to memref<4xf32>
  %y = memref.load %out2[%c0] : memref<4xf32>
  %s = arith.addf %x, %y : f32
  %w = memref.subview %t[0] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1]>>
  memref.copy %w, %out3 : memref<2xf32, strided<[1]>> to memref<2xf32>
  return %s : f32
}

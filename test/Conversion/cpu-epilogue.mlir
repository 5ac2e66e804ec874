// RUN: qsparse-opt %s -split-input-file --qsparse-cpu-matmul-kernels="vector-bits=512 vnni=off" -cse | FileCheck %s

// A marked epilogue (bias per column, ReLU) of an f32 matmul with two K
// blocks (K = 600 > 512): the last block applies it to the registers and
// stores into the output; earlier blocks store the partial sums. The
// epilogue op is gone.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-SAME: (%[[A:.*]]: memref<6x600xf32>, %[[B:.*]]: memref<600x64xf32>, %[[BIAS:.*]]: memref<64xf32>, %[[OUT:.*]]: memref<6x64xf32>)
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<6x64xf32>
// CHECK: scf.for %[[K0:.*]] = %c0 to %c600 step %c512
// CHECK: %[[KEND:.*]] = arith.minsi
// CHECK-COUNT-24: vector.fma
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[KEND]], %c600 : index
// CHECK: scf.if %[[LAST]] {
// CHECK: %[[BV:.*]] = vector.load %[[BIAS]][%{{.*}}] : memref<64xf32>, vector<16xf32>
// CHECK: %[[S:.*]] = arith.addf %{{.*}}, %[[BV]] : vector<16xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[S]], %{{.*}} : vector<16xf32>
// CHECK: vector.store %[[R]], %[[OUT]][
// CHECK: } else {
// CHECK: vector.store %{{.*}}, %[[ACC]][
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @matmul_bias_relu(%a: memref<6x600xf32>, %b: memref<600x64xf32>, %bias: memref<64xf32>, %out: memref<6x64xf32>) {
  %z = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<6x64xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<6x64xf32>)
  linalg.matmul ins(%a, %b : memref<6x600xf32>, memref<600x64xf32>) outs(%acc : memref<6x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : memref<6x64xf32>, memref<64xf32>) outs(%out : memref<6x64xf32>) attrs = {qsparse.epilogue} {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }
  memref.dealloc %acc : memref<6x64xf32>
  return
}

// -----

// Not applied: the epilogue reads the accumulator through a transposed map;
// the kernels still run and the epilogue is a vector loop of its own after
// them, gathering the transposed accumulator element by element.
// CHECK-LABEL: func.func @transposed_read
// CHECK: vector.fma
// CHECK: vector.from_elements
// CHECK-NEXT: vector.store %{{.*}}, %arg2[
// CHECK-NOT: qsparse.epilogue
func.func @transposed_read(%a: memref<64x8xf32>, %b: memref<8x64xf32>, %out: memref<64x64xf32>) {
  %z = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<64x64xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<64x64xf32>)
  linalg.matmul ins(%a, %b : memref<64x8xf32>, memref<8x64xf32>) outs(%acc : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc : memref<64x64xf32>) outs(%out : memref<64x64xf32>) attrs = {qsparse.epilogue} {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  memref.dealloc %acc : memref<64x64xf32>
  return
}

// -----

// Not applied: something between the contraction and its epilogue writes
// memory (the epilogue's reads cannot move up).
// CHECK-LABEL: func.func @write_between
// CHECK: vector.fma
// CHECK: memref.store
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK-NEXT: vector.store %{{.*}}, %arg3[
// CHECK-NOT: qsparse.epilogue
func.func @write_between(%a: memref<6x8xf32>, %b: memref<8x64xf32>, %bias: memref<64xf32>, %out: memref<6x64xf32>) {
  %z = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %acc = memref.alloc() : memref<6x64xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<6x64xf32>)
  linalg.matmul ins(%a, %b : memref<6x8xf32>, memref<8x64xf32>) outs(%acc : memref<6x64xf32>)
  memref.store %z, %bias[%c0] : memref<64xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : memref<6x64xf32>, memref<64xf32>) outs(%out : memref<6x64xf32>) attrs = {qsparse.epilogue} {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    linalg.yield %s : f32
  }
  memref.dealloc %acc : memref<6x64xf32>
  return
}

// -----

// F = 24 (one vector and 8 filters) with a residual epilogue. The residual
// is a buffer allocated here, so the output cannot be it: applying the
// epilogue twice gives the same values and the last 8 filters run as a
// vector from filter 8, overlapping filters 8..15.
// CHECK-LABEL: func.func @narrow_residual_allocated
// CHECK-NOT: scf.for %{{.*}} = %c16 to %c24
// CHECK: %[[F8:.*]] = arith.addi %c8, %c0 : index
// CHECK-NOT: scf.for %{{.*}} = %c16 to %c24
// CHECK: return
#id4 = affine_map<(n, h, w, f) -> (n, h, w, f)>
func.func @narrow_residual_allocated(%x: memref<1x6x6x4xf32>, %w: memref<3x3x4x24xf32>, %s: memref<1x4x4x24xf32>, %out: memref<1x4x4x24xf32>) {
  %z = arith.constant 0.0 : f32
  %res = memref.alloc() : memref<1x4x4x24xf32>
  linalg.copy ins(%s : memref<1x4x4x24xf32>) outs(%res : memref<1x4x4x24xf32>)
  %acc = memref.alloc() : memref<1x4x4x24xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<1x4x4x24xf32>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x6x6x4xf32>, memref<3x3x4x24xf32>) outs(%acc : memref<1x4x4x24xf32>)
  linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %res : memref<1x4x4x24xf32>, memref<1x4x4x24xf32>) outs(%out : memref<1x4x4x24xf32>)
      attrs = {qsparse.epilogue} {
  ^bb0(%a: f32, %r: f32, %o: f32):
    %t = arith.addf %a, %r : f32
    linalg.yield %t : f32
  }
  memref.dealloc %acc : memref<1x4x4x24xf32>
  memref.dealloc %res : memref<1x4x4x24xf32>
  return
}

// -----

// The same with the residual an argument: the output argument may be the
// same buffer, so no filter is computed twice and the last 8 run as
// scalar loops (the convolution's, then the epilogue's).
// CHECK-LABEL: func.func @narrow_residual_argument
// CHECK: scf.for %{{.*}} = %c16 to %c24
// CHECK: scf.for %{{.*}} = %c16 to %c24
// CHECK: return
#id4 = affine_map<(n, h, w, f) -> (n, h, w, f)>
func.func @narrow_residual_argument(%x: memref<1x6x6x4xf32>, %w: memref<3x3x4x24xf32>, %s: memref<1x4x4x24xf32>, %out: memref<1x4x4x24xf32>) {
  %z = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<1x4x4x24xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<1x4x4x24xf32>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x6x6x4xf32>, memref<3x3x4x24xf32>) outs(%acc : memref<1x4x4x24xf32>)
  linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %s : memref<1x4x4x24xf32>, memref<1x4x4x24xf32>) outs(%out : memref<1x4x4x24xf32>)
      attrs = {qsparse.epilogue} {
  ^bb0(%a: f32, %r: f32, %o: f32):
    %t = arith.addf %a, %r : f32
    linalg.yield %t : f32
  }
  memref.dealloc %acc : memref<1x4x4x24xf32>
  return
}

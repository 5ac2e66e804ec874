// RUN: qsparse-opt %s --qsparse-unshare-empty-tensors | FileCheck %s
// RUN: qsparse-opt %s --qsparse-unshare-empty-tensors --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s --check-prefix=BUF
// RUN: qsparse-opt %s --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s --check-prefix=SHARED
// RUN: qsparse-run %s -e requant --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=EXEC
// RUN: qsparse-opt %s --qsparse-gpu-pipeline -o %t.mlir
// RUN: %extract_ptx %t.mlir %t.ptx | count 3
// RUN: %extract_ptx --select mma.sync %t.mlir %t.mma | count 1

// After CSE one tensor.empty is the destination of both the quantization
// of the matmul's input and the matmul's epilogue. Bufferized as is, the
// epilogue writes the very buffer the matmul reads (SHARED), which no
// kernel can fuse; unshared, each gets its own buffer (BUF).
// CHECK-LABEL: func.func @requant
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<16x16xi8>
// CHECK-NEXT: %[[E1:.*]] = tensor.empty() : tensor<16x16xi8>
// CHECK-NOT: tensor.empty() : tensor<16x16xi8>
// CHECK: linalg.generic {{.*}} outs(%[[E1]] : tensor<16x16xi8>)
// CHECK: linalg.matmul
// CHECK: linalg.generic {{.*}} outs(%[[E0]] : tensor<16x16xi8>)
// BUF-LABEL: func.func @requant
// BUF: linalg.generic {{.*}} outs(%[[Q:.*]] : memref<16x16xi8>)
// BUF: linalg.matmul ins(%[[Q]],
// BUF-NOT: outs(%[[Q]]
// BUF: return
// SHARED-LABEL: func.func @requant
// SHARED: linalg.generic {{.*}} outs(%[[Q:.*]] : memref<16x16xi8>)
// SHARED: linalg.matmul ins(%[[Q]],
// SHARED: linalg.generic {{.*}} outs(%[[Q]] : memref<16x16xi8>)
// On the GPU the epilogue runs on the accumulator fragments: kernels for
// the quantization, the transpose of the runtime weight, and the
// tensor-core matmul with its epilogue (shared, a fourth would apply it).
// EXEC: check: OK, 256 values match the reference pipeline
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @requant(%x: tensor<16x16xf32>, %w: tensor<16x16xi8>,
                   %scale: tensor<16xf32>) -> tensor<16x16xi8> {
  %e = tensor.empty() : tensor<16x16xi8>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x16xf32>) outs(%e : tensor<16x16xi8>) {
  ^bb0(%v: f32, %o: i8):
    %c = arith.constant -128.0 : f32
    %d = arith.constant 127.0 : f32
    %r = math.roundeven %v : f32
    %lo = arith.maximumf %r, %c : f32
    %hi = arith.minimumf %lo, %d : f32
    %i = arith.fptosi %hi : f32 to i8
    linalg.yield %i : i8
  } -> tensor<16x16xi8>
  %zero = arith.constant 0 : i32
  %ae = tensor.empty() : tensor<16x16xi32>
  %acc0 = linalg.fill ins(%zero : i32) outs(%ae : tensor<16x16xi32>) -> tensor<16x16xi32>
  %acc = linalg.matmul ins(%q, %w : tensor<16x16xi8>, tensor<16x16xi8>)
      outs(%acc0 : tensor<16x16xi32>) -> tensor<16x16xi32>
  %r = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : tensor<16x16xi32>, tensor<16xf32>) outs(%e : tensor<16x16xi8>) {
  ^bb0(%a: i32, %s: f32, %o: i8):
    %c = arith.constant -128.0 : f32
    %d = arith.constant 127.0 : f32
    %f = arith.sitofp %a : i32 to f32
    %m = arith.mulf %f, %s : f32
    %t = math.roundeven %m : f32
    %lo = arith.maximumf %t, %c : f32
    %hi = arith.minimumf %lo, %d : f32
    %i = arith.fptosi %hi : f32 to i8
    linalg.yield %i : i8
  } -> tensor<16x16xi8>
  return %r : tensor<16x16xi8>
}

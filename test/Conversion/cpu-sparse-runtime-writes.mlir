// A runtime 2:4 weight takes the 2:4 kernel only when nothing between its
// decompression and the matmul may write the compressed operands or the
// expanded weight (the kernel reads the compressed operands at the matmul in
// place of B): the IR of the CPU pipeline right before this pass, and the
// same with a store to the values between, which must keep the dense path.
// REQUIRES: avx512vbmi
// RUN: qsparse-opt %s --qsparse-cpu-matmul-kernels="vector-bits=512 vnni=on" | FileCheck %s

// CHECK-LABEL: func.func @packs
// CHECK-NOT: qsparse.decompressed
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<2x256xi8>
// CHECK: llvm.x86.avx512.permvar.qi.512
// CHECK-NOT: qsparse.decompressed
// CHECK: return

// CHECK-LABEL: func.func @written
// CHECK: linalg.generic {{.*}} attrs = {qsparse.decompressed
// CHECK: memref.store
// CHECK-NOT: permvar
// CHECK: llvm.x86.avx512.vpdpbusd.512
// CHECK-NOT: permvar
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d2, d1)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1)>
module {
  func.func @packs(%arg0: memref<4x16xi8>, %arg1: memref<8x64xi8>, %arg2: memref<8x64xi8>, %arg3: memref<4x64xi32>) {
    %c0_i32 = arith.constant 0 : i32
    %c1 = arith.constant 1 : index
    %c0_i8 = arith.constant 0 : i8
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<16x64xi8>
    linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%alloc : memref<16x64xi8>) attrs =  {qsparse.decompressed = {axis = 0 : i64, sparsity = #qsparse.nm<2:4>}} {
    ^bb0(%out: i8):
      %0 = linalg.index 0 : index
      %1 = arith.divui %0, %c4 : index
      %2 = arith.remui %0, %c4 : index
      %3 = arith.index_cast %2 : index to i8
      %4 = arith.muli %1, %c2 : index
      %5 = linalg.index 1 : index
      %6 = memref.load %arg2[%4, %5] : memref<8x64xi8>
      %7 = arith.cmpi eq, %6, %3 : i8
      %8 = memref.load %arg1[%4, %5] : memref<8x64xi8>
      %9 = arith.select %7, %8, %c0_i8 : i8
      %10 = arith.addi %4, %c1 : index
      %11 = memref.load %arg2[%10, %5] : memref<8x64xi8>
      %12 = arith.cmpi eq, %11, %3 : i8
      %13 = memref.load %arg1[%10, %5] : memref<8x64xi8>
      %14 = arith.select %12, %13, %9 : i8
      linalg.yield %14 : i8
    }
    linalg.fill ins(%c0_i32 : i32) outs(%arg3 : memref<4x64xi32>)
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %alloc : memref<4x16xi8>, memref<16x64xi8>) outs(%arg3 : memref<4x64xi32>) {
    ^bb0(%in: i8, %in_0: i8, %out: i32):
      %0 = arith.extui %in : i8 to i32
      %1 = arith.extsi %in_0 : i8 to i32
      %2 = arith.muli %0, %1 : i32
      %3 = arith.addi %out, %2 : i32
      linalg.yield %3 : i32
    }
    memref.dealloc %alloc : memref<16x64xi8>
    return
  }
  func.func @written(%arg0: memref<4x16xi8>, %arg1: memref<8x64xi8>, %arg2: memref<8x64xi8>, %arg3: memref<4x64xi32>) {
    %c0_i32 = arith.constant 0 : i32
    %c1 = arith.constant 1 : index
    %c0_i8 = arith.constant 0 : i8
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %alloc = memref.alloc() {alignment = 64 : i64} : memref<16x64xi8>
    linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%alloc : memref<16x64xi8>) attrs =  {qsparse.decompressed = {axis = 0 : i64, sparsity = #qsparse.nm<2:4>}} {
    ^bb0(%out: i8):
      %0 = linalg.index 0 : index
      %1 = arith.divui %0, %c4 : index
      %2 = arith.remui %0, %c4 : index
      %3 = arith.index_cast %2 : index to i8
      %4 = arith.muli %1, %c2 : index
      %5 = linalg.index 1 : index
      %6 = memref.load %arg2[%4, %5] : memref<8x64xi8>
      %7 = arith.cmpi eq, %6, %3 : i8
      %8 = memref.load %arg1[%4, %5] : memref<8x64xi8>
      %9 = arith.select %7, %8, %c0_i8 : i8
      %10 = arith.addi %4, %c1 : index
      %11 = memref.load %arg2[%10, %5] : memref<8x64xi8>
      %12 = arith.cmpi eq, %11, %3 : i8
      %13 = memref.load %arg1[%10, %5] : memref<8x64xi8>
      %14 = arith.select %12, %13, %9 : i8
      linalg.yield %14 : i8
    }
    memref.store %c0_i8, %arg1[%c1, %c1] : memref<8x64xi8>
    linalg.fill ins(%c0_i32 : i32) outs(%arg3 : memref<4x64xi32>)
    linalg.generic {indexing_maps = [#map1, #map2, #map3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %alloc : memref<4x16xi8>, memref<16x64xi8>) outs(%arg3 : memref<4x64xi32>) {
    ^bb0(%in: i8, %in_0: i8, %out: i32):
      %0 = arith.extui %in : i8 to i32
      %1 = arith.extsi %in_0 : i8 to i32
      %2 = arith.muli %0, %1 : i32
      %3 = arith.addi %out, %2 : i32
      linalg.yield %3 : i32
    }
    memref.dealloc %alloc : memref<16x64xi8>
    return
  }
}

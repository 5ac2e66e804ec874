// RUN: qsparse-opt %s --qsparse-cpu-matmul-kernels="vector-bits=512 vnni=on" -cse | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: qsparse-opt %s --qsparse-cpu-matmul-kernels="vector-bits=256 vnni=off" -cse | FileCheck %s --check-prefixes=CHECK,AVX2

// f32, M = 13, N = 70, K = 5. With 512-bit vectors a 6 x (4 x 16) register
// tile covers rows [0, 12) and columns [0, 64), and a 1-row tile the last
// row; with 256-bit vectors 6 x (2 x 8) tiles do the same. Columns [64, 70)
// stay linalg.matmul on subviews.
// A runtime B is packed into panels [N/NR][K][NR] K block by K block,
// each row read whole, right before the tiles of that K block read it.
// CHECK-LABEL: func.func @f32
// AVX512: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x5x64xf32>
// AVX2: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4x5x16xf32>
// CHECK: scf.for %[[K0:.*]] = %c0 to %c5 step %c512
// CHECK: scf.for %[[KP:.*]] = %[[K0]] to %{{.*}} step %c1 {
// AVX512: scf.for %[[PP:.*]] = %c0 to %c1 step %c1 {
// AVX2: scf.for %[[PP:.*]] = %c0 to %c4 step %c1 {
// AVX512-COUNT-4: vector.store %{{.*}}, %[[P]][%[[PP]], %[[KP]], %{{.*}}] : memref<1x5x64xf32>, vector<16xf32>
// AVX2-COUNT-2: vector.store %{{.*}}, %[[P]][%[[PP]], %[[KP]], %{{.*}}] : memref<4x5x16xf32>, vector<8xf32>
// AVX512: scf.for %[[N0:.*]] = %c0 to %c64 step %c64
// AVX2: scf.for %[[N0:.*]] = %c0 to %c64 step %c16
// CHECK: scf.for %[[M0:.*]] = %c0 to %c12 step %c6
// AVX512-COUNT-24: vector.load %{{.*}} : memref<13x70xf32>, vector<16xf32>
// AVX2-COUNT-12: vector.load %{{.*}} : memref<13x70xf32>, vector<8xf32>
// CHECK: scf.for %{{.*}} = %[[K0]] to %{{.*}} step %c1 iter_args
// AVX512-COUNT-4: vector.load %[[P]]{{.*}} : memref<1x5x64xf32>, vector<16xf32>
// AVX512-COUNT-24: vector.fma
// AVX2-COUNT-2: vector.load %[[P]]{{.*}} : memref<4x5x16xf32>, vector<8xf32>
// AVX2-COUNT-12: vector.fma
// CHECK-NOT: vector.fma
// CHECK: vector.store
// The last row: one tile of 1 row.
// CHECK: scf.for %{{.*}} = %[[K0]] to %{{.*}} step %c1 iter_args
// AVX512-COUNT-4: vector.fma
// AVX2-COUNT-2: vector.fma
// CHECK-NOT: vector.fma
// CHECK: memref.dealloc %[[P]]
// CHECK: %[[B2:.*]] = memref.subview %{{.*}}[0, 64] [5, 6] [1, 1]
// CHECK: %[[C2:.*]] = memref.subview %{{.*}}[0, 64] [13, 6] [1, 1]
// CHECK: linalg.matmul ins(%{{.*}}, %[[B2]] : memref<13x5xf32>, {{.*}}) outs(%[[C2]]
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @f32(%a: memref<13x5xf32>, %b: memref<5x70xf32>, %c: memref<13x70xf32>) {
  linalg.matmul ins(%a, %b : memref<13x5xf32>, memref<5x70xf32>) outs(%c : memref<13x70xf32>)
  return
}

// An output filled right before the contraction: the register tiles start
// from the fill value instead of loading C, and the fill is kept only for
// the columns left to the matmul on subviews ([64, 70)).
// CHECK-LABEL: func.func @f32_filled
// CHECK-NOT: linalg.fill
// CHECK: %[[CS:.*]] = memref.subview %{{.*}}[0, 64] [13, 6] [1, 1]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[CS]]
// CHECK-NOT: linalg.fill
// CHECK: scf.for %{{.*}} = %c0 to %c12 step %c6
// CHECK-NOT: vector.load %{{.*}} : memref<13x70xf32>
// AVX512: %[[Z:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// AVX512: scf.for %{{.*}} iter_args(%{{.*}} = %[[Z]], %{{.*}} = %[[Z]],
// CHECK: linalg.matmul
func.func @f32_filled(%a: memref<13x5xf32>, %b: memref<5x70xf32>, %c: memref<13x70xf32>) {
  %z = arith.constant 0.5 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<13x70xf32>)
  linalg.matmul ins(%a, %b : memref<13x5xf32>, memref<5x70xf32>) outs(%c : memref<13x70xf32>)
  return
}

// With more than one K block (K = 600 > 512) only the first starts from the
// fill value; later blocks continue from C. N = 64: no columns are left,
// so the fill goes away.
// CHECK-LABEL: func.func @f32_filled_blocks
// CHECK-NOT: linalg.fill
// CHECK: scf.for %[[K0:.*]] = %c0 to %c600 step %c512
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[K0]], %c0 : index
// CHECK: scf.if %[[FIRST]] -> (
// AVX512: scf.yield %[[S:.*]], %[[S]],
// CHECK: } else {
// AVX512-COUNT-24: vector.load %{{.*}} : memref<6x64xf32>, vector<16xf32>
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @f32_filled_blocks(%a: memref<6x600xf32>, %b: memref<600x64xf32>, %c: memref<6x64xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<6x64xf32>)
  linalg.matmul ins(%a, %b : memref<6x600xf32>, memref<600x64xf32>) outs(%c : memref<6x64xf32>)
  return
}

// A fill with a write to C in between is not forwarded: it stays (as vector
// stores) before the write.
// CHECK-LABEL: func.func @f32_fill_then_write
// CHECK: vector.store %{{.*}} : memref<6x64xf32>, vector<{{(16|8)}}xf32>
// CHECK: memref.store
// AVX512: vector.load %{{.*}} : memref<6x64xf32>, vector<16xf32>
// AVX2: vector.load %{{.*}} : memref<6x64xf32>, vector<8xf32>
func.func @f32_fill_then_write(%a: memref<6x5xf32>, %b: memref<5x64xf32>, %c: memref<6x64xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %i = arith.constant 3 : index
  linalg.fill ins(%z : f32) outs(%c : memref<6x64xf32>)
  memref.store %one, %c[%i, %i] : memref<6x64xf32>
  linalg.matmul ins(%a, %b : memref<6x5xf32>, memref<5x64xf32>) outs(%c : memref<6x64xf32>)
  return
}

// u8 x s8 -> i32 with K % 4 == 0: B is packed to [K/4][N*4] and every tile
// update is a vpdpbusd on 64 bytes (AVX-512 only); without VNNI the bytes
// are extended and multiplied.
// CHECK-LABEL: func.func @u8s8
// AVX512: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x256xi8>
// AVX512: scf.for %[[Q0:.*]] = %c0 to %c2 step %c256
// AVX512: scf.for %{{.*}} = %[[Q0]] to
// AVX512: scf.for %{{.*}} = %c0 to %c64{{.*}} step %c16
// AVX512-COUNT-3: vector.shuffle
// AVX512: vector.store %{{.*}}, %[[P]]
// AVX512-COUNT-4: vector.load %[[P]]{{.*}} : memref<2x256xi8>, vector<64xi8>
// AVX512-COUNT-24: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// AVX512: memref.dealloc %[[P]]
// AVX2-NOT: vpdpbusd
// AVX2: %[[BV:.*]] = vector.load %{{.*}} : memref<4x8x16xi8>, vector<8xi8>
// AVX2: arith.extsi %[[BV]] : vector<8xi8> to vector<8xi32>
// AVX2: %[[AV:.*]] = memref.load
// AVX2: arith.extui %[[AV]] : i8 to i32
// AVX2: arith.muli %{{.*}} : vector<8xi32>
func.func @u8s8(%a: memref<6x8xi8>, %b: memref<8x64xi8>, %c: memref<6x64xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<6x8xi8>, memref<8x64xi8>) outs(%c : memref<6x64xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %we = arith.extsi %w : i8 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// Not handled: zero points in the body, narrower than one vector panel.
// They stay as they are.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.for
// CHECK: linalg.generic
// CHECK: linalg.matmul ins({{.*}} : memref<2x3xf32>, memref<3x4xf32>)
func.func @left_alone(%a: memref<6x8xi8>, %b: memref<8x64xi8>, %c: memref<6x64xi32>,
                      %fa: memref<2x3xf32>, %fb: memref<3x4xf32>, %fc: memref<2x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<6x8xi8>, memref<8x64xi8>) outs(%c : memref<6x64xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %zp = arith.constant 128 : i32
    %xz = arith.subi %xe, %zp : i32
    %we = arith.extsi %w : i8 to i32
    %p = arith.muli %xz, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  linalg.matmul ins(%fa, %fb : memref<2x3xf32>, memref<3x4xf32>) outs(%fc : memref<2x4xf32>)
  return
}

// A padded image: the fill becomes vector stores over the flattened buffer
// and the interior copy moves each contiguous row run (W*C = 18 bytes) as
// one vector, instead of byte loops.
// CHECK-LABEL: func.func @pad_image
// CHECK-NOT: linalg.map
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[P:.*]] {{\[}}[0, 1, 2, 3]] : memref<1x8x8x3xi8> into memref<192xi8>
// AVX512: scf.for %[[I:.*]] = %c0 to %c192 step %c64
// AVX512: vector.store %{{.*}}, %[[FLAT]][%[[I]]] : memref<192xi8>, vector<64xi8>
// AVX2: scf.for %[[I:.*]] = %c0 to %c192 step %c32
// AVX2: vector.store %{{.*}}, %[[FLAT]][%[[I]]] : memref<192xi8>, vector<32xi8>
// CHECK: %[[SV:.*]] = memref.subview %[[P]][0, 1, 1, 0] [1, 6, 6, 3]
// CHECK: %[[SRC:.*]] = memref.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : memref<1x6x6x3xi8> into memref<1x6x18xi8>
// CHECK: %[[DST:.*]] = memref.collapse_shape %[[SV]] {{\[}}[0], [1], [2, 3]] : memref<1x6x6x3xi8, strided<[192, 24, 3, 1], offset: 27>> into memref<1x6x18xi8, strided<[192, 24, 1], offset: 27>>
// CHECK: scf.for
// CHECK: scf.for %[[H:.*]] =
// CHECK: %[[ROW:.*]] = vector.load %[[SRC]][%{{.*}}, %[[H]], %c0] : memref<1x6x18xi8>, vector<18xi8>
// CHECK: vector.store %[[ROW]], %[[DST]][%{{.*}}, %[[H]], %c0]
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return
func.func @pad_image(%x: memref<1x6x6x3xi8>) -> memref<1x8x8x3xi8> {
  %z = arith.constant 0 : i8
  %p = memref.alloc() {alignment = 64 : i64} : memref<1x8x8x3xi8>
  linalg.map outs(%p : memref<1x8x8x3xi8>)
    (%init: i8) {
      linalg.yield %z : i8
    }
  %sv = memref.subview %p[0, 1, 1, 0] [1, 6, 6, 3] [1, 1, 1, 1] : memref<1x8x8x3xi8> to memref<1x6x6x3xi8, strided<[192, 24, 3, 1], offset: 27>>
  memref.copy %x, %sv : memref<1x6x6x3xi8> to memref<1x6x6x3xi8, strided<[192, 24, 3, 1], offset: 27>>
  return %p : memref<1x8x8x3xi8>
}

// N = 100 with VNNI: the 64-column panel, then the two whole vectors
// after it as one 32-column panel, then the last 4 columns in the op.
// AVX512-LABEL: func.func @u8s8_n100
// AVX512: scf.for %{{.*}} = %c0 to %c64 step %c64
// AVX512: scf.for %{{.*}} = %c64 to %c96 step %c32
// AVX512-COUNT-12: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// AVX512: memref.subview %{{.*}}[0, 96] [6, 4] [1, 1]
// AVX512: linalg.generic
func.func @u8s8_n100(%a: memref<6x8xi8>, %b: memref<8x100xi8>, %c: memref<6x100xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<6x8xi8>, memref<8x100xi8>) outs(%c : memref<6x100xi32>) {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %we = arith.extsi %w : i8 to i32
    %p = arith.muli %xe, %we : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

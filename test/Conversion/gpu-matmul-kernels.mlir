// (Constant weights with at most 16 values are 4-bit by default: the
// int8 path is checked with nibble-weights=false, the 4-bit one with the
// NIBBLE prefix.)
// RUN: qsparse-opt %s --split-input-file --qsparse-gpu-matmul-kernels=nibble-weights=false -cse | FileCheck %s
// RUN: qsparse-opt %s --split-input-file --qsparse-gpu-matmul-kernels="tile-m=64 tile-n=64 tile-k=32 stages=2 nibble-weights=false" -cse | FileCheck %s --check-prefix=SMALL
// RUN: qsparse-opt %s --split-input-file --qsparse-gpu-matmul-kernels -cse | FileCheck %s --check-prefix=NIBBLE

// s8 x s8, M = 256, N = 384, K = 512 with a constant weight: blocks of
// 128 x 128 (3 x 2 of them), 4 warps of 64 x 64 each, 3 stages of 64
// columns of K. The fill of C is folded into the kernel (the fragments are
// stored, not added).
// CHECK-LABEL: func.func @dense
// CHECK-NOT: linalg.fill
// CHECK: %[[W:.*]] = memref.get_global @__qsparse_weight_nk : memref<384x512xi8>
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c3, %{{.*}} = %c2, %{{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c128, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK: %[[SA:.*]] = memref.get_global @__qsparse_smem : memref<3x128x64xi8, #gpu.address_space<workgroup>>
// CHECK: %[[SB:.*]] = memref.get_global @__qsparse_smem_0 : memref<3x128x64xi8, #gpu.address_space<workgroup>>
// Prologue: stages - 1 = 2 tiles, each 4 + 4 16-byte copies per thread.
// CHECK-COUNT-4: nvgpu.device_async_copy %arg0[{{.*}}], %[[SA]][{{.*}}], 16, %{{.*}} {bypassL1}
// CHECK-COUNT-4: nvgpu.device_async_copy %[[W]][{{.*}}], %[[SB]][{{.*}}], 16, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_create_group
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: nvgpu.device_async_copy
// CHECK: nvgpu.device_async_create_group
// Per 32 columns of K: 4 A fragments and 4 x 2 B fragments per warp, 32 mma.
// CHECK-COUNT-4: nvgpu.ldmatrix %[[SA]][{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<3x128x64xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK-COUNT-4: nvgpu.ldmatrix %[[SB]][{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK-COUNT-4: nvgpu.ldmatrix %[[SA]]
// CHECK-COUNT-4: nvgpu.ldmatrix %[[SB]]
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK-NOT: nvgpu.mma.sync
// CHECK: scf.yield
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// No bounds checks: M and N are tile multiples.
// CHECK-NOT: scf.if
// CHECK-COUNT-64: vector.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<256x384xi32>, vector<2xi32>
// CHECK: gpu.terminator
// SMALL-LABEL: func.func @dense
// SMALL: gpu.launch blocks({{.*}}) in ({{.*}} = %c6, {{.*}} = %c4, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c128,
// SMALL: memref<2x64x32xi8, #gpu.address_space<workgroup>>
// SMALL: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// SMALL-NEXT: gpu.barrier
// SMALL-COUNT-8: nvgpu.mma.sync
// SMALL-NOT: nvgpu.mma.sync
// SMALL: scf.yield
memref.global "private" constant @w : memref<512x384xi8> = dense<3>
func.func @dense(%a: memref<256x512xi8>, %c: memref<256x384xi32>) {
  %zero = arith.constant 0 : i32
  %w = memref.get_global @w : memref<512x384xi8>
  linalg.fill ins(%zero : i32) outs(%c : memref<256x384xi32>)
  linalg.matmul ins(%a, %w : memref<256x512xi8>, memref<512x384xi8>) outs(%c : memref<256x384xi32>)
  return
}

// -----

// The constant weight is transposed at compile time: B[k][n] -> Bt[n][k].
// CHECK: memref.global "private" constant @__qsparse_weight_nk : memref<2x4xi8> = dense<{{\[}}[1, 3, 5, 7], [2, 4, 6, 8]]> {alignment = 16 : i64}
// CHECK-LABEL: func.func @transposed
memref.global "private" constant @w : memref<4x2xi8> = dense<[[1, 2], [3, 4], [5, 6], [7, 8]]>
func.func @transposed(%a: memref<16x4xi8>, %c: memref<16x2xi32>) {
  %w = memref.get_global @w : memref<4x2xi8>
  linalg.matmul ins(%a, %w : memref<16x4xi8>, memref<4x2xi8>) outs(%c : memref<16x2xi32>)
  return
}

// -----

// u8 input (zero extended), a runtime weight and sizes that fit no tile:
// M = 100, N = 90, K = 68 (4-byte copies, no L1 bypass). The weight is
// transposed into a new buffer first; C is read and added to (no fill);
// stores are guarded by the bounds; the mma is nvvm.mma.sync with u8 A.
// CHECK-LABEL: func.func @unsigned_odd
// CHECK: %[[BT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<90x68xi8>
// CHECK: linalg.transpose ins(%arg1 : memref<68x90xi8>) outs(%[[BT]] : memref<90x68xi8>) permutation = [1, 0]
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1)
// CHECK: nvgpu.device_async_copy %arg0[{{.*}}], %{{.*}}[{{.*}}], 4, %{{.*}} :
// CHECK: nvgpu.device_async_copy %[[BT]][{{.*}}], %{{.*}}[{{.*}}], 4, %{{.*}} :
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {intOverflowBehavior = #nvvm.mma_int_overflow<satfinite>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<u8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>}
// CHECK: scf.if
// CHECK: vector.load %arg2
// CHECK: arith.addi
// CHECK: vector.store %{{.*}}, %arg2
// CHECK: memref.dealloc %[[BT]]
func.func @unsigned_odd(%a: memref<100x68xi8>, %w: memref<68x90xi8>, %c: memref<100x90xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<100x68xi8>, memref<68x90xi8>) outs(%c : memref<100x90xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// Odd N: the two columns of a fragment row are stored one by one.
// CHECK-LABEL: func.func @odd_n
// CHECK: memref.store %{{.*}}, %arg2[%{{.*}}, %{{.*}}] : memref<32x7xi32>
// CHECK-NOT: vector.store
func.func @odd_n(%a: memref<32x32xi8>, %w: memref<32x7xi8>, %c: memref<32x7xi32>) {
  linalg.matmul ins(%a, %w : memref<32x32xi8>, memref<32x7xi8>) outs(%c : memref<32x7xi32>)
  return
}

// -----

// Left alone: K not a multiple of 4, f16 accumulators (f32 ones take the
// tf32 kernel, gpu-tf32.mlir), and an i16 accumulator whose i32
// sums could saturate in the mma: s8 x s8 at K = 131072, where the DESIGN
// 3.2 data-type bound (qsparse::numerics::dataTypeBits) is 33 bits
// (131072 * 128 * 128 = 2^31).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: gpu.launch
// CHECK-COUNT-3: linalg.matmul
func.func @left_alone(%a: memref<8x6xi8>, %w: memref<6x8xi8>, %c: memref<8x8xi32>,
                      %af: memref<8x8xf16>, %wf: memref<8x8xf16>, %cf: memref<8x8xf16>,
                      %ai: memref<8x131072xi8>, %wi: memref<131072x8xi8>, %ci: memref<8x8xi16>) {
  linalg.matmul ins(%a, %w : memref<8x6xi8>, memref<6x8xi8>) outs(%c : memref<8x8xi32>)
  linalg.matmul ins(%af, %wf : memref<8x8xf16>, memref<8x8xf16>) outs(%cf : memref<8x8xf16>)
  linalg.matmul ins(%ai, %wi : memref<8x131072xi8>, memref<131072x8xi8>) outs(%ci : memref<8x8xi16>)
  return
}

// -----

// An i16 accumulator within the bound (s8 x s8 at K = 131068, the largest
// multiple of 4 below it: 32 bits) takes the kernel: i32 fragments,
// truncated when stored, and a prior C added in i16.
// CHECK-LABEL: func.func @narrow_acc
// CHECK: gpu.launch
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK: %[[LOW:.*]] = arith.trunci %{{.*}} : vector<2xi32> to vector<2xi16>
// CHECK: %[[OLD:.*]] = vector.load %arg2[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<8x8xi16>, vector<2xi16>
// CHECK: %[[SUM:.*]] = arith.addi %[[OLD]], %[[LOW]] : vector<2xi16>
// CHECK: vector.store %[[SUM]], %arg2
// CHECK-NOT: linalg.matmul
func.func @narrow_acc(%a: memref<8x131068xi8>, %w: memref<131068x8xi8>, %c: memref<8x8xi16>) {
  linalg.matmul ins(%a, %w : memref<8x131068xi8>, memref<131068x8xi8>) outs(%c : memref<8x8xi16>)
  return
}

// -----

// A strided copy (the interior of a padded image) becomes linalg.copy, a
// loop nest the pipeline maps to a kernel; a contiguous one stays.
// CHECK-LABEL: func.func @copies
// CHECK: linalg.copy ins(%{{.*}} : memref<4x4xf32>) outs(%{{.*}} : memref<4x4xf32, strided<[6, 1], offset: 7>>)
// CHECK: memref.copy %arg0, %arg2 : memref<4x4xf32> to memref<4x4xf32>
func.func @copies(%a: memref<4x4xf32>, %p: memref<6x6xf32>, %b: memref<4x4xf32>) {
  %v = memref.subview %p[1, 1] [4, 4] [1, 1] : memref<6x6xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  memref.copy %a, %v : memref<4x4xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  return
}

// -----

// A 3x3 convolution as an implicit GEMM: M = 64 pixels, N = 32 filters,
// K = 3*3*16 = 144 in (kh, kw, c) order. The A copies read the image at
// (n, oh + kh, ow + kw, c) computed from the pixel and the K column; the
// only new buffer is the transposed filter [F][K], no im2col buffer. The
// output is stored through its [M][F] view.
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[F:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2], [3]] : memref<3x3x16x32xi8> into memref<144x32xi8>
// CHECK-DAG: %[[OUT:.*]] = memref.collapse_shape %arg2 {{\[}}[0, 1, 2], [3]] : memref<1x8x8x32xi32> into memref<64x32xi32>
// CHECK: %[[FT:.*]] = memref.alloc() {alignment = 16 : i64} : memref<32x144xi8>
// CHECK: linalg.transpose ins(%[[F]] : memref<144x32xi8>) outs(%[[FT]] : memref<32x144xi8>)
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: %[[N:.*]] = arith.divui %[[P:.*]], %c64 : index
// CHECK: %[[OH:.*]] = arith.divui %{{.*}}, %c8 : index
// CHECK: %[[OW:.*]] = arith.remui %{{.*}}, %c8 : index
// CHECK: %[[TAP:.*]] = arith.divui %{{.*}}, %c16 : index
// CHECK: %[[C:.*]] = arith.remui %{{.*}}, %c16 : index
// CHECK: %[[KH:.*]] = arith.divui %[[TAP]], %c3 : index
// CHECK: %[[KW:.*]] = arith.remui %[[TAP]], %c3 : index
// CHECK: %[[IH:.*]] = arith.addi %[[OH]], %[[KH]] : index
// CHECK: %[[IW:.*]] = arith.addi %[[OW]], %[[KW]] : index
// CHECK: nvgpu.device_async_copy %arg0[%[[N]], %[[IH]], %[[IW]], %[[C]]], %{{.*}}[{{.*}}], 16, %{{.*}} {bypassL1} : memref<1x10x10x16xi8>
// CHECK: nvgpu.device_async_copy %[[FT]]
// CHECK: nvgpu.mma.sync
// CHECK: vector.store %{{.*}}, %[[OUT]][%{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<64x32xi32>, vector<2xi32>
// CHECK: memref.dealloc %[[FT]]
func.func @conv(%x: memref<1x10x10x16xi8>, %w: memref<3x3x16x32xi8>, %y: memref<1x8x8x32xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%y : memref<1x8x8x32xi32>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x10x10x16xi8>, memref<3x3x16x32xi8>) outs(%y : memref<1x8x8x32xi32>)
  return
}

// -----

// A zero-padded image (the fill and interior copy that bufferization makes
// of a conv's padding): the copies read the unpadded image, a chunk whose
// tap is outside it (0 <= ih < 8 and 0 <= iw < 8 fail, compared unsigned)
// copies 0 bytes (zero fill) from a clamped address, and the padded buffer,
// its fill and its copy are erased.
// CHECK-LABEL: func.func @conv_padded
// CHECK-NOT: memref<1x10x10x16xi8>
// CHECK: gpu.launch
// CHECK: %[[IH:.*]] = arith.addi %{{.*}}, %c-1 : index
// CHECK: %[[IW:.*]] = arith.addi %{{.*}}, %c-1 : index
// CHECK: %[[INH:.*]] = arith.cmpi ult, %[[IH]], %c8 : index
// CHECK: %[[INW:.*]] = arith.cmpi ult, %[[IW]], %c8 : index
// CHECK: %[[IN:.*]] = arith.andi %[[INH]], %[[INW]] : i1
// CHECK: %[[H0:.*]] = arith.minsi %[[IH]], %c7 : index
// CHECK: %[[H:.*]] = arith.maxsi %[[H0]], %c0 : index
// CHECK: %[[W0:.*]] = arith.minsi %[[IW]], %c7 : index
// CHECK: %[[W:.*]] = arith.maxsi %[[W0]], %c0 : index
// CHECK: %[[SIZE:.*]] = arith.select %[[IN]], %{{.*}}, %c0 : index
// CHECK: nvgpu.device_async_copy %arg0[%{{.*}}, %[[H]], %[[W]], %{{.*}}], %{{.*}}[{{.*}}], 16, %[[SIZE]] {bypassL1} : memref<1x8x8x16xi8>
// CHECK-NOT: memref<1x10x10x16xi8>
// CHECK: return
func.func @conv_padded(%x: memref<1x8x8x16xi8>, %w: memref<3x3x16x32xi8>, %y: memref<1x8x8x32xi32>) {
  %c0 = arith.constant 0 : i8
  %p = memref.alloc() : memref<1x10x10x16xi8>
  linalg.map outs(%p : memref<1x10x10x16xi8>)
    (%init: i8) {
      linalg.yield %c0 : i8
    }
  %v = memref.subview %p[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1] : memref<1x10x10x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  memref.copy %x, %v : memref<1x8x8x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%y : memref<1x8x8x32xi32>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : memref<1x10x10x16xi8>, memref<3x3x16x32xi8>) outs(%y : memref<1x8x8x32xi32>)
  memref.dealloc %p : memref<1x10x10x16xi8>
  return
}

// -----

// Padding with a nonzero value (an input zero point), or an image written
// after its copy into the padded buffer: the kernel reads the padded
// buffer.
// CHECK-LABEL: func.func @conv_pad_value
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%[[P:.*]] : memref<1x10x10x16xi8>)
// CHECK: linalg.copy
// CHECK: nvgpu.device_async_copy %[[P]][
// CHECK-LABEL: func.func @conv_pad_written
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%[[P:.*]] : memref<1x10x10x16xi8>)
// CHECK: linalg.copy
// CHECK: nvgpu.device_async_copy %[[P]][
func.func @conv_pad_value(%x: memref<1x8x8x16xi8>, %w: memref<3x3x16x32xi8>, %y: memref<1x8x8x32xi32>) {
  %c5 = arith.constant 5 : i8
  %p = memref.alloc() : memref<1x10x10x16xi8>
  linalg.fill ins(%c5 : i8) outs(%p : memref<1x10x10x16xi8>)
  %v = memref.subview %p[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1] : memref<1x10x10x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  memref.copy %x, %v : memref<1x8x8x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : memref<1x10x10x16xi8>, memref<3x3x16x32xi8>) outs(%y : memref<1x8x8x32xi32>)
  memref.dealloc %p : memref<1x10x10x16xi8>
  return
}
func.func @conv_pad_written(%x: memref<1x8x8x16xi8>, %w: memref<3x3x16x32xi8>, %y: memref<1x8x8x32xi32>) {
  %c0 = arith.constant 0 : i8
  %p = memref.alloc() : memref<1x10x10x16xi8>
  linalg.fill ins(%c0 : i8) outs(%p : memref<1x10x10x16xi8>)
  %v = memref.subview %p[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1] : memref<1x10x10x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  memref.copy %x, %v : memref<1x8x8x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  linalg.fill ins(%c0 : i8) outs(%x : memref<1x8x8x16xi8>)
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : memref<1x10x10x16xi8>, memref<3x3x16x32xi8>) outs(%y : memref<1x8x8x32xi32>)
  memref.dealloc %p : memref<1x10x10x16xi8>
  return
}

// -----

// C = 3 (an RGB stem) is not a multiple of 4: the image and the filter are
// copied into buffers with C = 4 (the fourth channel zero), which the
// kernel reads in 4-byte chunks (K = 3*3*4 = 36); the copies are freed
// after it.
// CHECK-LABEL: func.func @conv_c3
// CHECK: %[[X4:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x10x10x4xi8>
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%[[X4]] : memref<1x10x10x4xi8>)
// CHECK: %[[XV:.*]] = memref.subview %[[X4]][0, 0, 0, 0] [1, 10, 10, 3] [1, 1, 1, 1]
// CHECK: linalg.copy ins(%arg0 : memref<1x10x10x3xi8>) outs(%[[XV]] :
// CHECK: %[[W4:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x3x4x32xi8>
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%[[W4]] : memref<3x3x4x32xi8>)
// CHECK: %[[WV:.*]] = memref.subview %[[W4]][0, 0, 0, 0] [3, 3, 3, 32] [1, 1, 1, 1]
// CHECK: linalg.copy ins(%arg1 : memref<3x3x3x32xi8>) outs(%[[WV]] :
// CHECK: gpu.launch
// CHECK: nvgpu.device_async_copy %[[X4]][{{.*}}], %{{.*}}[{{.*}}], 4, %{{.*}} : memref<1x10x10x4xi8>
// CHECK: nvgpu.mma.sync
// CHECK: memref.dealloc %[[X4]]
// CHECK: memref.dealloc %[[W4]]
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// CHECK: return
func.func @conv_c3(%x: memref<1x10x10x3xi8>, %w: memref<3x3x3x32xi8>, %y: memref<1x8x8x32xi32>) {
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x10x10x3xi8>, memref<3x3x3x32xi8>) outs(%y : memref<1x8x8x32xi32>)
  return
}

// -----

// A padded image with C = 3 (an RGB stem with an input zero point as its
// padding value) is widened and padded in one buffer: C = 4, filled with
// the padding value (its fourth channel meets zero filter channels), the
// unpadded image copied into its interior. The old padded buffer is gone.
// CHECK-LABEL: func.func @conv_c3_padded
// CHECK-NOT: memref<1x12x12x3xi8>
// CHECK: %[[X4:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x12x12x4xi8>
// CHECK: %[[C7:.*]] = arith.constant 7 : i8
// CHECK: linalg.fill ins(%[[C7]] : i8) outs(%[[X4]] : memref<1x12x12x4xi8>)
// CHECK: %[[XV:.*]] = memref.subview %[[X4]][0, 2, 1, 0] [1, 8, 8, 3] [1, 1, 1, 1]
// CHECK: linalg.copy ins(%arg0 : memref<1x8x8x3xi8>) outs(%[[XV]] :
// CHECK-NOT: memref<1x12x12x3xi8>
// CHECK: gpu.launch
// CHECK: nvgpu.device_async_copy %[[X4]][{{.*}}], %{{.*}}[{{.*}}], 4, %{{.*}} : memref<1x12x12x4xi8>
// CHECK: nvgpu.mma.sync
// CHECK: memref.dealloc %[[X4]]
// CHECK-NOT: memref<1x12x12x3xi8>
// CHECK: return
func.func @conv_c3_padded(%x: memref<1x8x8x3xi8>, %w: memref<3x3x3x32xi8>, %y: memref<1x10x10x32xi32>) {
  %p = memref.alloc() : memref<1x12x12x3xi8>
  %c7 = arith.constant 7 : i8
  linalg.map outs(%p : memref<1x12x12x3xi8>)
    (%init: i8) {
      linalg.yield %c7 : i8
    }
  %v = memref.subview %p[0, 2, 1, 0] [1, 8, 8, 3] [1, 1, 1, 1] : memref<1x12x12x3xi8> to memref<1x8x8x3xi8, strided<[432, 36, 3, 1], offset: 75>>
  memref.copy %x, %v : memref<1x8x8x3xi8> to memref<1x8x8x3xi8, strided<[432, 36, 3, 1], offset: 75>>
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%p, %w : memref<1x12x12x3xi8>, memref<3x3x3x32xi8>) outs(%y : memref<1x10x10x32xi32>)
  memref.dealloc %p : memref<1x12x12x3xi8>
  return
}

// -----

// A constant filter is widened at compile time: a new global holds each
// filter row's three channels and a zero fourth (the transposed B^T the
// kernel reads is made from it); only the image is copied at run time.
// (The transposed weight prints before the function, the widened one
// after it.)
// CHECK: memref.global "private" constant @__qsparse_weight_nk : memref<8x4xi8> = dense<{{\[}}[1, 9, 17, 0], [2, 10, 18, 0], [3, 11, 19, 0], [4, 12, 20, 0], [5, 13, 21, 0], [6, 14, 22, 0], [7, 15, 23, 0], [8, 16, 24, 0]]>
// CHECK-LABEL: func.func @conv_c3_constant
// CHECK: %[[X4:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x6x6x4xi8>
// CHECK: linalg.copy ins(%arg0 : memref<1x6x6x3xi8>)
// CHECK-NOT: memref.alloc() {{.*}} : memref<1x1x4x8xi8>
// CHECK-NOT: linalg.copy
// CHECK: memref.get_global @__qsparse_weight_nk : memref<8x4xi8>
// CHECK: gpu.launch
// CHECK: nvgpu.mma.sync
// CHECK: memref.dealloc %[[X4]]
// CHECK-NOT: memref.dealloc
// CHECK: return
// CHECK: memref.global "private" constant @__qsparse_widened : memref<1x1x4x8xi8> = dense<{{\[\[\[}}[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16], [17, 18, 19, 20, 21, 22, 23, 24], [0, 0, 0, 0, 0, 0, 0, 0]]]]>
memref.global "private" constant @rgb : memref<1x1x3x8xi8> = dense<[[[[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16], [17, 18, 19, 20, 21, 22, 23, 24]]]]>
func.func @conv_c3_constant(%x: memref<1x6x6x3xi8>, %y: memref<1x6x6x8xi32>) {
  %w = memref.get_global @rgb : memref<1x1x3x8xi8>
  linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x6x6x3xi8>, memref<1x1x3x8xi8>) outs(%y : memref<1x6x6x8xi32>)
  return
}

// -----

// A marked epilogue (bias per column + residual + ReLU, to f32) applied
// to the accumulator fragments: each fragment pair is converted, the bias
// pair and the residual pair loaded at its (row, column), and the result
// stored into the epilogue's output. The accumulator buffer is never
// written and the epilogue op is gone.
// CHECK-LABEL: func.func @epilogue
// CHECK-SAME: (%[[A:.*]]: memref<64x64xi8>, %[[B:.*]]: memref<64x64xi8>, %[[BIAS:.*]]: memref<64xi32>, %[[RES:.*]]: memref<64x64xf32>, %[[OUT:.*]]: memref<64x64xf32>)
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK: nvgpu.mma.sync
// CHECK: scf.yield
// CHECK: %[[PAIR:.*]] = vector.extract %{{.*}}[0] : vector<2xi32> from vector<2x2xi32>
// CHECK: %[[BV:.*]] = vector.load %[[BIAS]][%[[COL:.*]]] : memref<64xi32>, vector<2xi32>
// CHECK: %[[RV:.*]] = vector.load %[[RES]][%[[ROW:.*]], %[[COL]]] : memref<64x64xf32>, vector<2xf32>
// CHECK: %[[S:.*]] = arith.addi %[[PAIR]], %[[BV]] : vector<2xi32>
// CHECK: %[[F:.*]] = arith.sitofp %[[S]] : vector<2xi32> to vector<2xf32>
// CHECK: %[[T:.*]] = arith.addf %[[F]], %[[RV]] : vector<2xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[T]], %{{.*}} : vector<2xf32>
// CHECK: vector.store %[[R]], %[[OUT]][%[[ROW]], %[[COL]]] : memref<64x64xf32>, vector<2xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @epilogue(%a: memref<64x64xi8>, %b: memref<64x64xi8>, %bias: memref<64xi32>, %res: memref<64x64xf32>, %out: memref<64x64xf32>) {
  %z = arith.constant 0 : i32
  %zf = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<64x64xi32>
  linalg.fill ins(%z : i32) outs(%acc : memref<64x64xi32>)
  linalg.matmul ins(%a, %b : memref<64x64xi8>, memref<64x64xi8>) outs(%acc : memref<64x64xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias, %res : memref<64x64xi32>, memref<64xi32>, memref<64x64xf32>) outs(%out : memref<64x64xf32>) attrs = {qsparse.epilogue} {
  ^bb0(%x: i32, %c: i32, %r: f32, %o: f32):
    %s = arith.addi %x, %c : i32
    %f = arith.sitofp %s : i32 to f32
    %t = arith.addf %f, %r : f32
    %y = arith.maximumf %t, %zf : f32
    linalg.yield %y : f32
  }
  memref.dealloc %acc : memref<64x64xi32>
  return
}

// -----

// A constant weight with at most 16 distinct values stays 4-bit in global
// memory: [N][K/2] = [40][32] packed bytes plus a 16-entry table. The B
// stages hold packed bytes (3 x 128 x 32), copied with 16-byte cp.async;
// the table goes to shared memory once; each K tile is decoded through it
// into a 128 x 64 int8 tile (4 packed bytes -> 8 values per step), then a
// barrier, then ldmatrix reads the decoded tile.
// NIBBLE-DAG: memref.global "private" constant @__qsparse_weight_table : memref<16xi8>
// NIBBLE-DAG: memref.global "private" constant @__qsparse_weight_nibbles : memref<40x32xi8>
// NIBBLE-LABEL: func.func @nibbles
// NIBBLE-NOT: memref.global
// NIBBLE-DAG: %[[PACKED:.*]] = memref.get_global @__qsparse_weight_nibbles : memref<40x32xi8>
// NIBBLE-DAG: %[[TABLE:.*]] = memref.get_global @__qsparse_weight_table : memref<16xi8>
// NIBBLE: gpu.launch
// NIBBLE-DAG: %[[SB:.*]] = memref.get_global @{{.*}} : memref<3x128x32xi8, #gpu.address_space<workgroup>>
// NIBBLE-DAG: %[[DEC:.*]] = memref.get_global @{{.*}} : memref<128x64xi8, #gpu.address_space<workgroup>>
// NIBBLE-DAG: %[[ST:.*]] = memref.get_global @{{.*}} : memref<16xi8, #gpu.address_space<workgroup>>
// NIBBLE: scf.if
// NIBBLE: %[[T:.*]] = memref.load %[[TABLE]]
// NIBBLE: memref.store %[[T]], %[[ST]]
// NIBBLE: nvgpu.device_async_copy %[[PACKED]][{{.*}}], %[[SB]][{{.*}}], 16
// NIBBLE: scf.for
// NIBBLE: gpu.barrier
// NIBBLE: %[[IN:.*]] = vector.load %[[SB]][{{.*}}] {alignment = 4 : i64} : memref<3x128x32xi8, #gpu.address_space<workgroup>>, vector<4xi8>
// NIBBLE-COUNT-8: memref.load %[[ST]]
// NIBBLE: vector.store %{{.*}}, %[[DEC]][{{.*}}] {alignment = 8 : i64} : memref<128x64xi8, #gpu.address_space<workgroup>>, vector<8xi8>
// NIBBLE: gpu.barrier
// NIBBLE: nvgpu.ldmatrix %[[DEC]]
// NIBBLE: nvgpu.mma.sync
// With nibble-weights=false it is an int8 [N][K] weight.
// CHECK-LABEL: func.func @nibbles
// CHECK: memref.get_global @__qsparse_weight_nk : memref<40x64xi8>
// CHECK-NOT: vector<8xi8>
memref.global "private" constant @w : memref<64x40xi8> = dense<[[8, 24, -96, 24, -4, 0, 8, -24, 96, -96, -24, -8, 4, -8, -48, -96, -96, -96, -48, 96, -32, 8, 24, -32, -24, -8, -24, 96, -48, 64, 24, 32, -64, -8, 8, -4, 8, 8, 8, -96], [96, 0, 64, -24, -16, 64, -48, -64, -16, 8, -64, 32, -16, -32, 0, 64, 64, 32, -24, -96, 24, 16, 24, -96, -96, 0, -16, -8, 64, -32, 0, -16, -24, 24, -48, -16, -64, -48, -24, 16], [4, -4, -48, 24, 24, -32, -96, -16, -48, 24, 0, 0, -24, 0, 96, -32, 24, -96, -16, 64, 32, -64, 32, 32, -4, -16, 96, 96, 8, -8, -32, 64, -24, 0, 8, -32, -16, 16, -32, 8], [96, 8, 8, -4, 96, -32, -16, 8, 8, -64, -48, 16, 32, 8, 64, -8, -16, 24, -96, -32, -32, -8, -48, 24, 32, -8, -96, 16, -64, 4, -48, 96, 8, 96, 4, 16, -8, 24, -64, -48], [-16, 16, -4, 32, 96, -8, -8, 0, 8, -4, 4, 96, 16, -16, -8, -8, -48, -96, 24, -8, -16, 8, 4, 64, 4, 64, 4, -16, -16, 96, 4, -32, 32, 32, -96, -48, 16, -8, -16, -64], [-32, 32, 32, 32, 4, -48, -16, 0, 96, -24, 0, -4, 0, 0, 16, -64, 96, 32, 24, -24, -4, -4, -24, -96, 16, -96, 24, -32, 8, -16, -32, 64, -4, 64, -32, -4, -16, -4, -96, 8], [-16, 32, -32, -16, -96, 24, 0, -8, 64, 4, 96, 16, 4, 0, -32, 16, 24, 16, -8, -96, 16, -96, 24, -48, -24, -32, 0, -32, -24, -96, 96, -32, -32, 4, -48, 64, 24, -16, -8, -16], [16, -8, -24, 8, -48, 24, -8, 96, -24, -8, 32, 16, -96, -16, -96, 32, -8, -32, 16, 32, -64, 0, -16, 16, 64, 0, 16, -16, 4, -4, 16, -96, -32, -96, 96, 0, -4, -4, -96, 32], [32, -96, 4, 0, -8, -4, 64, 4, -4, 16, 16, 0, 32, 4, 4, -4, 4, 4, 64, -32, -16, 0, -16, 8, 32, -32, -96, 96, 0, 16, 24, 96, -96, -24, 96, -4, -8, -24, -96, -96], [96, -96, -48, -32, -24, 32, -16, -48, -8, 16, -4, -32, -64, -64, -4, -32, 4, 8, -8, 0, -96, 0, -48, -4, -64, -24, -8, -4, -96, 64, -8, -32, -32, 16, -4, -24, -4, -32, -48, -16], [96, -64, 0, 64, -4, -16, 0, -48, 16, -96, 4, -96, -96, -32, 16, -8, -8, 4, -64, 96, -4, 64, 24, -32, -24, 4, 32, 64, -4, -64, 96, 32, 16, -8, -48, 24, -32, -16, 32, 8], [-24, 0, 4, -64, -24, 24, 8, 32, 16, -4, -24, -8, -32, 96, -96, -16, -64, 64, 8, -8, 24, -16, -4, -16, 24, -96, 0, -24, 96, -32, -8, -96, -4, 0, 24, -4, -32, -96, 64, -48], [24, 64, -16, -48, 16, -16, -96, 96, 64, -64, 16, -8, -64, 24, 32, -96, -64, -64, 96, 64, 32, 8, -64, -24, 0, -4, -64, -32, 16, 64, -64, 96, -16, -64, 64, 0, 8, -48, 64, -8], [-16, 16, 24, 16, -32, -32, 4, -16, -96, -8, 24, -8, -8, 8, 96, 24, -48, -16, 0, -4, -32, -64, 8, -16, -16, 96, 32, 0, 64, 0, 64, 4, -16, 4, 16, 24, 96, -24, -64, -16], [4, 64, 64, -4, -96, 96, -32, -48, -32, 24, 0, -4, -16, -4, 16, 64, 96, -48, 16, 0, -16, -32, -64, -16, -32, 32, 64, -8, -8, 24, -48, -96, -32, 96, -4, 96, -96, 8, -24, -32], [8, 8, 24, -32, 32, -16, -96, -96, -64, -64, 8, -48, 0, -48, 24, 32, 32, -32, -4, 32, 24, -96, 8, -96, 8, -96, 4, 64, -8, 32, -24, -96, 0, 64, 16, -32, -24, -24, 4, 4], [4, -32, 16, 96, -32, -16, -4, 4, 64, 4, 96, -24, 8, 16, 32, 96, -4, 4, 16, -64, 16, 24, 0, 8, 24, -4, -64, 8, 4, -24, -8, -24, -64, 0, -8, -64, -24, 4, -96, -48], [-24, -24, 96, 64, -16, 4, -4, -32, -48, 16, 16, 96, -16, 64, 64, 24, 32, -16, 4, 4, -8, 4, -4, -64, -8, 16, 32, 0, -96, 0, -8, 16, 8, -64, 96, -32, 0, 96, -64, -24], [24, -24, 8, -64, -48, -24, 0, 0, -4, -96, 4, -24, -8, -24, -96, -48, -16, 24, 32, 96, -24, 64, -8, -4, -32, -64, 24, -16, 8, 0, -4, -8, -64, 16, 64, 16, -4, 64, 96, -4], [-48, -32, 8, 64, -4, 64, -64, -48, -4, -32, -24, 8, 64, 32, -24, 96, -96, -96, 32, -32, 24, -8, 4, 0, 0, 24, 16, 0, 32, 0, -64, -32, -96, 8, -32, 4, -64, 96, 32, -32], [4, -64, 16, -16, 4, -16, 0, -4, -8, -48, -32, 16, 64, 32, 4, -96, 24, 64, -24, -64, -32, -24, -16, -4, -16, -8, -16, -32, 4, 16, 4, 32, -48, -32, -48, -48, -24, 0, -32, -48], [-96, 96, -24, 32, 4, 32, -96, -8, 24, 24, -32, -8, 96, -4, 24, -64, 8, -96, 8, 8, -48, -32, -32, 96, 64, 4, 64, 4, 4, 64, -16, -24, 4, -96, -16, -32, -96, -4, 0, -48], [4, -24, -48, 16, -4, -8, 96, -16, 32, -32, 4, 0, -48, 96, 96, -48, -16, 32, -64, 24, -24, 4, -4, 0, -24, 0, 0, -64, 16, 4, -4, 96, -32, 16, -48, -4, 64, -4, -8, 32], [-24, -96, -96, -32, 0, 96, 96, 8, -24, 32, -16, 0, 24, -96, 0, 0, -32, 8, 16, -64, 96, -4, 16, 96, 32, -96, 0, -96, 96, -64, -64, 8, -8, 64, -24, -48, -4, 32, 4, -32], [16, 0, 8, 24, 16, -64, -64, -4, -8, 32, -32, -16, -32, 24, -16, -4, 24, 96, -48, -8, 24, 32, 24, -64, 8, -16, -32, -48, 96, -8, 16, -8, 64, -32, 64, -8, 32, 8, 8, 4], [-64, -32, -64, 16, -48, 16, -96, -8, 24, -4, 96, -48, -8, 32, 8, -16, -8, -24, 24, 64, 0, -24, -96, -32, 32, -8, 96, 0, 24, 4, 16, -8, -4, 8, -8, -96, -32, 64, -48, -4], [-4, -4, 8, -4, 32, -24, 4, 32, 96, -4, 24, -64, 4, -16, 32, -4, -8, -16, -16, -64, -4, 64, 0, -48, 32, 16, -96, -8, 8, -4, -16, 8, 96, -96, -16, -4, -48, -4, -8, -8], [8, -96, -4, -96, 16, -4, -32, -4, 64, -16, -24, -64, 0, -16, 96, 8, -4, 32, 24, 24, 8, -96, -96, -16, 4, -4, 8, 32, 16, 4, 32, 24, 96, 16, 16, -64, 64, 96, 96, 0], [-24, 4, 24, -24, -64, 64, 24, 96, 96, -16, -8, -4, -96, -64, 32, 24, -64, 8, 8, -32, 96, 32, -32, 0, 0, 64, 0, 32, 64, -64, -96, -32, -64, 32, 96, -96, 16, -48, -8, 64], [-24, 24, -48, -24, -24, -16, 16, -96, 96, -48, 96, -96, 24, 4, -4, 4, -16, -48, 24, 32, -96, -4, 0, 4, 4, 8, 4, -32, -32, 24, 64, -8, -64, -4, -48, -48, 24, -24, -32, -4], [96, 16, 32, -4, -96, 0, 32, 24, -24, -8, -24, -96, -64, 0, -16, 96, 24, -96, 24, -4, 16, 8, 96, -4, -48, -64, -24, 0, -96, -64, -96, -64, -16, -16, -64, -48, -8, 0, 0, 96], [-64, -32, -64, 96, 16, -16, -96, 32, -32, 0, -8, 24, 16, 32, -96, 32, 0, -48, 24, 64, 4, -64, 96, 16, 0, -96, -16, -24, 96, -48, 64, 4, 24, -16, 0, 4, -24, -32, 16, -8], [96, 64, -32, 4, 16, -4, -24, 16, 24, 96, -32, -16, 4, -64, -8, -32, -4, -48, -16, -8, -64, 16, -16, 24, 24, -64, 16, -48, -48, -16, -96, 32, 32, -4, 0, 0, 16, -24, 4, 0], [16, 4, -32, -16, 96, 4, 64, 24, -96, -16, -64, -4, 32, -48, -16, -24, -8, -96, 0, -96, 8, -64, -96, 64, 4, 16, -8, 4, 4, 24, -32, -48, 4, -16, 64, 4, 32, 32, 4, 0], [-64, -48, 16, -96, 16, -96, 4, 24, 4, 64, 8, -48, 8, 24, -8, -96, -4, 32, -4, 16, 96, -4, 0, -4, 4, -32, 96, 64, 16, -24, -96, -24, 0, 24, 16, 4, -96, 0, -8, 4], [24, -64, -8, -64, 4, 96, 24, 16, -32, 4, -64, 0, -32, -32, -48, -48, 64, 4, 4, -96, 0, -96, -64, -16, -48, 4, 96, 64, 8, -4, 16, -24, -8, 96, -96, -24, 64, -4, 32, -4], [-8, -96, -8, -64, -24, -96, -4, 24, -24, -8, 16, 8, 96, -4, -64, -4, -24, 32, 24, -8, 16, -64, -64, 8, -96, -96, -24, 0, 4, -16, 64, -8, -32, 16, 64, 32, -24, 96, -4, 24], [-24, 32, -16, 64, 32, -8, -16, -16, -32, -96, 16, -4, 96, -96, -48, -32, -24, -8, 8, -8, 64, 24, 0, -4, -8, 16, -48, -96, 64, 16, -64, 24, 64, -96, -8, -16, 0, 8, -64, -48], [-16, 24, -8, 96, -48, 24, -16, 4, -24, 24, -64, 96, 24, 96, 24, -16, -48, 8, -96, -64, 96, 64, -64, -96, -64, -24, 24, 4, -48, -32, -96, -8, -8, -16, -4, 8, -96, 0, -24, 32], [-8, 4, -16, 16, 96, -96, -16, 8, -64, 64, -48, -48, 0, 24, 96, 24, 24, -64, -64, 4, 24, -24, 96, -16, 0, 96, 24, 4, 24, -4, 0, 24, 64, -8, -16, -48, -64, 96, -4, -48], [32, 64, 96, 96, 64, -4, 8, -64, 64, -4, -16, 0, -48, 24, 32, 96, -32, -32, -16, -96, -32, 96, 16, -96, 4, 96, -64, 64, -64, 64, 96, -8, -8, -32, -48, 4, 64, -8, -4, 16], [64, -32, -96, -4, 4, 64, -96, 4, -32, 64, 16, 24, 96, -48, -8, 8, 4, -48, -96, -64, -48, 4, -16, -96, 64, -96, -96, -8, 8, -48, -24, 8, 96, -24, -16, -32, 4, 0, 24, 0], [0, 32, 0, 32, 16, 64, 64, -64, -16, -96, 64, 24, 64, -8, 96, -96, -4, 0, 32, -16, -48, -32, 8, 8, -4, 16, 24, -24, 32, 8, 32, -32, 16, 64, 24, -8, -96, -4, 8, -48], [0, -4, 96, -24, 16, 24, -8, -48, 8, 0, 64, -8, -24, 64, -8, 8, -32, 4, 0, -48, 96, -64, -16, 4, -24, 64, -8, -64, -64, -8, -48, -16, 0, -96, 16, 4, 64, -4, 16, -4], [-48, 32, 8, 4, 4, -32, -8, 96, 24, 64, -16, 16, 16, -64, 0, 8, -96, -96, -96, -24, 0, -8, -8, -4, -96, 24, 0, 0, -48, 8, 4, -4, -64, 16, 4, -48, -24, 64, -24, 32], [24, 64, 64, 96, 64, 24, -96, -24, -48, 64, -48, 24, 32, -4, 0, -64, 96, 96, 0, -32, -32, -48, -8, 0, 96, 32, 8, -24, 64, -32, -32, 24, 8, 4, 64, 4, -64, 4, -64, 24], [-24, 24, 64, -24, 64, -16, -16, 96, 64, 32, -96, 0, -32, -16, -8, 64, 24, -24, 96, -4, 16, 4, -48, 24, 0, 16, -96, 8, -48, -32, 64, -16, 96, 16, 24, 4, 16, 64, -32, -64], [0, 96, 16, -4, 0, -24, 0, -64, -96, -64, 32, 96, 24, 24, -4, 96, 4, 32, 24, -8, -4, -32, 16, 0, 8, -32, -96, -48, -4, 0, -48, 4, 64, 96, 96, 24, -48, -96, -64, -48], [96, 0, -64, 16, 4, 96, -64, 0, -32, -4, 8, -96, -16, -8, -64, 32, -24, -96, 64, 0, 4, 96, -24, 96, 24, -96, -64, -24, 32, -32, 8, 96, -16, 24, -64, -24, -4, -8, -96, 8], [96, -96, -32, -48, -48, 24, -48, -24, 96, -32, 24, 64, -8, 16, -4, 32, 4, 24, -96, 0, 32, -48, -4, 16, 0, 0, -96, 16, 24, 8, -64, 24, -4, -96, -4, -48, -64, 64, -32, 8], [16, 32, 32, -96, 32, 0, 64, -96, 64, -48, 0, -96, -96, -32, 64, -24, -48, -64, -96, 8, 32, 4, 0, 8, 96, 96, 16, -24, -48, -32, -64, -24, 16, 32, 96, 8, -8, 24, -16, -32], [0, -48, 8, -4, -24, 64, 4, -24, -8, 24, 0, 16, -4, -16, 64, 16, -8, 64, 96, -32, -16, -24, -96, -8, 64, -32, -48, -8, -64, 16, -32, 32, 32, 8, 8, 0, -4, 64, -32, -48], [-96, 16, 64, -8, -96, 64, -48, -32, 8, -24, 8, -64, 32, -4, -32, 16, -96, -24, -8, 64, 4, 24, 64, -24, 16, 4, -16, 8, -96, -48, -24, 8, -64, 8, 0, 32, -16, -24, -16, -48], [96, 0, -8, 32, 32, -64, -8, -32, 32, -64, 24, 96, 16, 24, 0, -64, 64, 32, -32, -8, -16, -96, -48, -96, 64, -32, -8, -96, -24, -48, 32, -64, -32, -48, 96, -64, 96, -8, -4, 32], [32, 24, 96, 0, -16, -96, 4, 96, 0, -64, -96, -96, -64, 16, -24, 8, -48, 24, 64, -24, -48, 64, 4, 32, -96, -96, -32, 96, 8, 24, -48, 32, 64, -4, 24, 24, 24, 64, 8, 64], [0, -24, -48, -48, 4, 8, 64, -4, 16, 32, 4, -4, 64, -48, 32, -8, 4, 96, 8, 16, -32, -48, -64, -32, 24, -8, -32, 96, -8, 0, 64, -24, -64, -32, -24, -32, 24, 0, -16, -32], [4, -64, -96, 32, 4, 8, 4, 4, 64, -24, -32, -8, -64, 64, 4, -24, 64, -8, -16, -64, 64, -8, -24, -64, -24, 24, -8, 96, -96, -64, -4, -16, -32, 96, -24, -64, -32, 24, 64, -64], [64, -4, 8, 24, -8, 24, -8, 24, 96, -16, -64, 0, 4, -48, -32, 96, 64, 16, -8, -8, 32, -4, -96, 4, -32, -16, 4, -16, 16, 64, -64, -48, 4, 96, -64, 0, 24, -4, -96, -4], [-32, -96, 64, -16, 24, -4, 0, -96, 24, -96, 8, -96, 16, 4, -96, -96, 24, 96, 4, 8, 8, 16, 64, -96, 16, 0, -16, -32, 64, 64, -48, -16, -64, -32, 32, -8, -48, -16, 0, -48], [-8, 24, -64, -32, 8, 64, -32, 16, -24, 32, 4, 16, 96, 64, 8, 96, 8, -96, -16, -24, -8, 64, 96, 0, -48, 64, -96, -4, 4, -16, 24, 32, -48, -24, -96, -8, 64, 32, -8, -8], [-16, 8, 4, -48, 64, -32, 0, 96, 8, -32, 32, -48, 64, -96, -64, -64, -64, -8, 8, 4, 0, 64, -16, 96, -64, -16, -48, -4, 64, -8, 8, -4, -32, 32, 64, -8, -64, 16, -16, 32], [64, -8, -16, -16, 24, -64, 0, 8, 16, 24, -4, 8, 16, -24, 24, 16, -32, -32, 0, 24, -48, 96, -8, -16, 8, 4, -48, -4, -64, -16, 4, 64, 0, -16, -96, 24, -32, 24, 24, -64], [96, 32, 0, -8, 8, -16, -64, -4, 4, -8, -96, -8, -96, 24, -16, -24, 8, -48, 4, 24, 96, -8, -48, 0, 24, -48, 0, 8, 32, 4, 64, 8, 32, 64, 24, -64, 24, 0, 24, -96], [64, -16, 96, 8, -48, 32, -4, -24, -64, 64, 64, 64, 16, 64, 32, -4, 8, 8, -16, -4, 24, -64, 32, -24, -32, 32, -16, -48, -96, -4, 4, 8, 16, -8, -64, 4, 96, 4, -64, -48]]>
func.func @nibbles(%a: memref<48x64xi8>, %c: memref<48x40xi32>) {
  %w = memref.get_global @w : memref<64x40xi8>
  linalg.matmul ins(%a, %w : memref<48x64xi8>, memref<64x40xi8>) outs(%c : memref<48x40xi32>)
  return
}

// -----

// f16 x f16 -> f32 (linalg.matmul extends the operands with arith.extf):
// m16n8k16 mma, 32 bytes of K per mma as for int8, so the tiles hold 32
// halves (64 bytes) per row; the f16 constant weight is transposed at
// compile time and the f32 zero fill folded. M = 128, N = 128, K = 96:
// 3 K tiles; per K tile 2 steps of 16 halves, each 4 A and 4 B ldmatrix and
// 32 mma per warp. 16-byte copies are 8 halves.
// CHECK: memref.global "private" constant @__qsparse_weight_nk{{.*}} : memref<128x96xf16> = dense<1.500000e+00>
// CHECK-LABEL: func.func @half
// CHECK-NOT: linalg.fill
// CHECK: memref<3x128x32xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %arg0[{{.*}}], %{{.*}}[{{.*}}], 8, %{{.*}} {bypassL1} : memref<128x96xf16> to memref<3x128x32xf16, #gpu.address_space<workgroup>>
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(
// CHECK-COUNT-4: nvgpu.ldmatrix %{{.*}} {numTiles = 4 : i32, transpose = false} : memref<3x128x32xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK-COUNT-4: nvgpu.ldmatrix
// CHECK-COUNT-32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-8: nvgpu.ldmatrix
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK-NOT: nvgpu.mma.sync
// CHECK: scf.yield
// CHECK-COUNT-64: vector.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<128x128xf32>, vector<2xf32>
memref.global "private" constant @wh : memref<96x128xf16> = dense<1.5>
func.func @half(%a: memref<128x96xf16>, %c: memref<128x128xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @wh : memref<96x128xf16>
  linalg.fill ins(%zero : f32) outs(%c : memref<128x128xf32>)
  linalg.matmul ins(%a, %w : memref<128x96xf16>, memref<96x128xf16>) outs(%c : memref<128x128xf32>)
  return
}

// -----

// f16 with an odd K has rows that are not whole 4-byte copies: left to the
// simple kernels. f16 x f16 -> f16 (no f32 accumulator) is not matched.
// CHECK-LABEL: func.func @half_odd
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @half_acc
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul
func.func @half_odd(%a: memref<16x7xf16>, %b: memref<7x16xf16>, %c: memref<16x16xf32>) {
  linalg.matmul ins(%a, %b : memref<16x7xf16>, memref<7x16xf16>) outs(%c : memref<16x16xf32>)
  return
}
func.func @half_acc(%a: memref<16x8xf16>, %b: memref<8x16xf16>, %c: memref<16x16xf16>) {
  linalg.matmul ins(%a, %b : memref<16x8xf16>, memref<8x16xf16>) outs(%c : memref<16x16xf16>)
  return
}

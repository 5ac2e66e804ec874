// Runtime 2:4 weights (compressed values and metadata as function
// arguments, or compressed in the function) on the GPU pipeline run on
// mma.sp.m16n8k64 like constant ones: before each call a packing kernel
// rearranges the compressed form on the device into the layout the 2:4
// kernel reads (B^T's kept values, and the metadata words per lane), and
// the expanded [K, N] weight is not built when nothing else reads it.
// Metadata is read as qsparse.nm_decompress reads it: random bytes (mostly
// positions outside [0, 4), which add nothing) and positions masked to
// [0, 4) (duplicates in a group, where the later slot wins) must both
// match the reference pipeline exactly on the GPU emulator.
//
// N = 70 and K = 136 padded to the tiles; two other tile configurations:
// RUN: qsparse-run %s -e random_meta --random-inputs=1 --target=emulator --check | FileCheck %s --check-prefix=RANDOM
// RUN: qsparse-run %s -e random_meta --random-inputs=1 --target=emulator --check --gpu-pipeline-options="tile-m=32 tile-n=32 tile-k=64 warps-m=1 warps-n=1" | FileCheck %s --check-prefix=RANDOM
// RUN: qsparse-run %s -e random_meta --random-inputs=1 --target=emulator --check --gpu-pipeline-options="tile-m=64 tile-n=128 tile-k=128 warps-m=1 warps-n=4 stages=2" | FileCheck %s --check-prefix=RANDOM
// RUN: qsparse-run %s -e duplicates --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=DUP
// RUN: qsparse-run %s -e compressed --random-inputs=3 --target=emulator --check | FileCheck %s --check-prefix=COMP
// RUN: qsparse-run %s -e one_of_four --random-inputs=8 --target=emulator --check | FileCheck %s --check-prefix=ONE
// RUN: qsparse-run %s -e returned --random-inputs=4 --target=emulator --check | FileCheck %s --check-prefix=RET
// RUN: qsparse-run %s -e modified --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=MOD
// RUN: qsparse-run %s -e shared --random-inputs=6 --target=emulator --check | FileCheck %s --check-prefix=SHARED
// RUN: qsparse-run %s -e conv --random-inputs=7 --target=emulator --check | FileCheck %s --check-prefix=CONV
// f16 (mma.sp.m16n8k32), two tile configurations, and -0 values:
// RUN: qsparse-run %s -e half --random-inputs=11 --target=emulator --check | FileCheck %s --check-prefix=HALF
// RUN: qsparse-run %s -e half --random-inputs=11 --target=emulator --check --gpu-pipeline-options="tile-m=32 tile-n=32 tile-k=128 warps-m=1 warps-n=1" | FileCheck %s --check-prefix=HALF
// RUN: qsparse-run %s -e half_zeros --random-inputs=12 --target=emulator --check | FileCheck %s --check-prefix=HALF
// RANDOM: check: OK, 2590 values match the reference pipeline
// DUP: check: OK, 2688 values match the reference pipeline
// COMP: check: OK, 2560 values match the reference pipeline
// ONE: check: OK, 1920 values match the reference pipeline
// RET: check: OK, 5376 values match the reference pipeline
// MOD: check: OK, 1280 values match the reference pipeline
// SHARED: check: OK, 2560 values match the reference pipeline
// CONV: check: OK, 5184 values match the reference pipeline
// HALF: check: OK, 3330 values match the reference pipeline
//
// The packing kernel for @random_meta (N = 70 padded to 128, K = 136 to
// 192): one thread per weight row and 32 columns of K, 128 x 6 threads;
// each reads the 2 slots (value and position) of its 8 groups from the
// arguments, stores 16 kept values and 4 metadata bytes (its word, at the
// position of the lane that gives it to mma.sp). The 2:4 kernel then
// copies from the packed buffers, which are freed after it; the expanded
// weight is not built.
// RUN: qsparse-opt %s --qsparse-gpu-pipeline --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @random_meta(
// IR-NOT: qsparse.decompressed
// IR: %[[VALUES:.*]] = memref.alloc() {alignment = 16 : i64} : memref<128x96xi8>
// IR: %[[META:.*]] = memref.alloc() {alignment = 16 : i64} : memref<8x384xi8>
// IR: gpu.launch blocks({{.*}}) in ({{.*}} = %c6, {{.*}}) threads({{.*}}) in ({{.*}} = %c128, {{.*}})
// IR: memref.load %arg1[{{.*}}] : memref<68x70xi8>
// IR-NEXT: memref.load %arg2[{{.*}}] : memref<68x70xi8>
// IR-COUNT-16: memref.store %{{.*}}, %[[VALUES]][{{.*}}] : memref<128x96xi8>
// IR-COUNT-4: memref.store %{{.*}}, %[[META]][{{.*}}] : memref<8x384xi8>
// IR: gpu.terminator
// IR: gpu.launch
// IR: nvgpu.device_async_copy %[[VALUES]]{{.*}} : memref<128x96xi8> to memref<3x128x32xi8
// IR: nvgpu.device_async_copy %[[META]]{{.*}} : memref<8x384xi8> to memref<3x8x128xi8
// IR-COUNT-32: llvm.inline_asm {{.*}}"mma.sp.sync.aligned.m16n8k64.row.col.satfinite.s32.s8.u8.s32
// IR: memref.dealloc %[[VALUES]]
// IR-NEXT: memref.dealloc %[[META]]
// IR-NEXT: return
// A returned expanded weight stays, and the kernel reads the packed one:
// IR-LABEL: func.func @returned(
// IR: qsparse.decompressed
// IR: memref.alloc() {alignment = 16 : i64} : memref<128x32xi8>
// IR: mma.sp.sync.aligned.m16n8k64
// An expanded weight changed in place is read as it is (dense kernel):
// IR-LABEL: func.func @modified(
// IR: qsparse.decompressed
// IR-NOT: mma.sp
// IR: nvvm.mma.sync
// IR-LABEL: func.func @shared(
// The conv's compressed filter, viewed as [K / 4 * 2][F]:
// IR-LABEL: func.func @conv(
// IR-NOT: qsparse.decompressed
// IR: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3]] : memref<3x3x8x32xi8> into memref<72x32xi8>
// IR: mma.sp.sync.aligned.m16n8k64
// f16: values [128][64] halves (K = 104 padded to 128); one thread per row
// and 16 columns of K (128 x 8), each storing 8 kept values and its 16-bit
// word twice (2 bytes to each of two lanes):
// IR-LABEL: func.func @half(
// IR-NOT: qsparse.decompressed
// IR: %[[HVAL:.*]] = memref.alloc() {alignment = 16 : i64} : memref<128x64xf16>
// IR: %[[HMETA:.*]] = memref.alloc() {alignment = 16 : i64} : memref<8x512xi8>
// IR: gpu.launch blocks({{.*}}) in ({{.*}} = %c8, {{.*}}) threads({{.*}}) in ({{.*}} = %c128, {{.*}})
// IR: memref.load %arg1[{{.*}}] : memref<52x90xf16>
// IR: arith.cmpf une, %{{.*}}, %{{.*}} : f16
// IR-COUNT-8: memref.store %{{.*}}, %[[HVAL]][{{.*}}] : memref<128x64xf16>
// IR-COUNT-4: memref.store %{{.*}}, %[[HMETA]][{{.*}}] : memref<8x512xi8>
// IR: gpu.terminator
// IR: gpu.launch
// IR: nvgpu.device_async_copy %[[HVAL]]{{.*}} : memref<128x64xf16> to memref<3x128x16xf16
// IR: nvgpu.device_async_copy %[[HMETA]]{{.*}} : memref<8x512xi8> to memref<3x8x128xi8
// IR-COUNT-32: nvgpu.mma.sp.sync
// IR: memref.dealloc %[[HVAL]]
// IR-NEXT: memref.dealloc %[[HMETA]]

func.func @random_meta(%x: tensor<37x136xi8>, %v: tensor<68x70xi8>, %m: tensor<68x70xi8>) -> tensor<37x70xi32> {
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<68x70xi8>, tensor<68x70xi8> -> tensor<136x70xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<37x136xi8>, tensor<136x70xi8> -> tensor<37x70xi32>
  return %y : tensor<37x70xi32>
}

func.func @duplicates(%x: tensor<21x64xi8>, %v: tensor<32x128xi8>, %raw: tensor<32x128xi8>) -> tensor<21x128xi32> {
  %c3 = arith.constant dense<3> : tensor<32x128xi8>
  %m = arith.andi %raw, %c3 : tensor<32x128xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x128xi8>, tensor<32x128xi8> -> tensor<64x128xi8>
  %y = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4>}
      : tensor<21x64xi8>, tensor<64x128xi8> -> tensor<21x128xi32>
  return %y : tensor<21x128xi32>
}

func.func @compressed(%x: tensor<20x64xi8>, %d: tensor<64x128xi8>) -> tensor<20x128xi32> {
  %v, %m = qsparse.nm_compress %d {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<64x128xi8> -> tensor<32x128xi8>, tensor<32x128xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x128xi8>, tensor<32x128xi8> -> tensor<64x128xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x128xi8> -> tensor<20x128xi32>
  return %y : tensor<20x128xi32>
}

// 1:4: one slot per group, the other kept position is padding.
func.func @one_of_four(%x: tensor<30x128xi8>, %v: tensor<32x64xi8>, %raw: tensor<32x64xi8>) -> tensor<30x64xi32> {
  %c3 = arith.constant dense<3> : tensor<32x64xi8>
  %m = arith.andi %raw, %c3 : tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<1:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<128x64xi8>
  %y = qsparse.matmul %x, %w {input_unsigned}
      : tensor<30x128xi8>, tensor<128x64xi8> -> tensor<30x64xi32>
  return %y : tensor<30x64xi32>
}

// The expanded weight is also a result: the expansion stays (it writes the
// out-parameter), and the matmul still takes the 2:4 kernel.
func.func @returned(%x: tensor<20x64xi8>, %d: tensor<64x64xi8>) -> (tensor<20x64xi32>, tensor<64x64xi8>) {
  %v, %m = qsparse.nm_compress %d {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<64x64xi8> -> tensor<32x64xi8>, tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<64x64xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  return %y, %w : tensor<20x64xi32>, tensor<64x64xi8>
}

// The expanded weight is changed before the matmul (in place, in its
// buffer): the matmul reads the changed weight (dense), not the compressed
// operands.
func.func @modified(%x: tensor<20x64xi8>, %v: tensor<32x64xi8>, %raw: tensor<32x64xi8>) -> tensor<20x64xi32> {
  %c3 = arith.constant dense<3> : tensor<32x64xi8>
  %m = arith.andi %raw, %c3 : tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<64x64xi8>
  %one = arith.constant dense<1> : tensor<64x64xi8>
  %w2 = arith.addi %w, %one : tensor<64x64xi8>
  %y = qsparse.matmul %x, %w2 {input_unsigned}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  return %y : tensor<20x64xi32>
}

// Two matmuls share the weight.
func.func @shared(%x: tensor<20x64xi8>, %x2: tensor<20x64xi8>, %d: tensor<64x64xi8>) -> (tensor<20x64xi32>, tensor<20x64xi32>) {
  %v, %m = qsparse.nm_compress %d {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<64x64xi8> -> tensor<32x64xi8>, tensor<32x64xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<32x64xi8>, tensor<32x64xi8> -> tensor<64x64xi8>
  %y = qsparse.matmul %x, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  %y2 = qsparse.matmul %x2, %w {input_unsigned, weight_sparsity = #qsparse.nm<2:4>}
      : tensor<20x64xi8>, tensor<64x64xi8> -> tensor<20x64xi32>
  return %y, %y2 : tensor<20x64xi32>, tensor<20x64xi32>
}

// A runtime HWCF filter, 2:4 along C, as an implicit GEMM (K = 3*3*16 in
// (kh, kw, c) order), padded, with random metadata.
func.func @conv(%x: tensor<2x9x9x16xi8>, %v: tensor<3x3x8x32xi8>, %raw: tensor<3x3x8x32xi8>) -> tensor<2x9x9x32xi32> {
  %c3 = arith.constant dense<3> : tensor<3x3x8x32xi8>
  %m = arith.andi %raw, %c3 : tensor<3x3x8x32xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 2 : i64}
      : tensor<3x3x8x32xi8>, tensor<3x3x8x32xi8> -> tensor<3x3x16x32xi8>
  %y = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>} : tensor<2x9x9x16xi8>, tensor<3x3x16x32xi8> -> tensor<2x9x9x32xi32>
  return %y : tensor<2x9x9x32xi32>
}

// f16 weights (f16 x f16 -> f32 on mma.sp.m16n8k32): the same packing
// kernel with f16 values and the f16 metadata layout (a thread per row and
// 16 columns of K; each 16-bit word goes to two lanes, in the low half of
// the register for rows 0..7 of a tile and the high half for rows 8..15).
// K = 104 and N = 90 padded to the tiles.
func.func @half(%x: tensor<37x104xf16>, %v: tensor<52x90xf16>, %raw: tensor<52x90xi8>) -> tensor<37x90xf32> {
  %c3 = arith.constant dense<3> : tensor<52x90xi8>
  %m = arith.andi %raw, %c3 : tensor<52x90xi8>
  %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<52x90xf16>, tensor<52x90xi8> -> tensor<104x90xf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37x90xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<37x90xf32>) -> tensor<37x90xf32>
  %r = linalg.matmul ins(%x, %w : tensor<37x104xf16>, tensor<104x90xf16>) outs(%f : tensor<37x90xf32>) -> tensor<37x90xf32>
  return %r : tensor<37x90xf32>
}

// Random metadata bytes, and values of which about half are -0 (zero for
// the packing, as for the compile-time packer: the kept pair is chosen
// among the other positions).
func.func @half_zeros(%x: tensor<37x104xf16>, %v: tensor<52x90xf16>, %m: tensor<52x90xi8>) -> tensor<37x90xf32> {
  %c0 = arith.constant dense<0.0> : tensor<52x90xf16>
  %pos = arith.maximumf %v, %c0 : tensor<52x90xf16>
  %neg = arith.negf %pos : tensor<52x90xf16>
  %w = qsparse.nm_decompress %neg, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
      : tensor<52x90xf16>, tensor<52x90xi8> -> tensor<104x90xf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<37x90xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<37x90xf32>) -> tensor<37x90xf32>
  %r = linalg.matmul ins(%x, %w : tensor<37x104xf16>, tensor<104x90xf16>) outs(%f : tensor<37x90xf32>) -> tensor<37x90xf32>
  return %r : tensor<37x90xf32>
}

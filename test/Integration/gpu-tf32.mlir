// f32 contractions on the tf32 tensor cores (--qsparse-gpu-pipeline option
// f32-mma): the int8 kernel with 4-byte elements on mma.m16n8k8.tf32, the
// operands rounded to tf32 in registers (cvt.rna), three mma per step by
// default (3xtf32: small*big + big*small + big*big), one with f32-mma=tf32.
// Run by the GPU emulator and compared with the reference pipeline (f32's
// tolerance for 3xtf32, f16's for tf32: both have 10-bit mantissas), and
// measured against numpy's float64 product.

// RUN: qsparse-run %s -e mm --random-inputs=3 --target=emulator --check | FileCheck %s --check-prefix=MM
// RUN: qsparse-run %s -e mm --random-inputs=3 --target=emulator --check --gpu-pipeline-options="tile-m=32 tile-n=32 tile-k=32 warps-m=1 warps-n=1" | FileCheck %s --check-prefix=MM
// RUN: qsparse-run %s -e mm --random-inputs=3 --target=emulator --check --gpu-pipeline-options="f32-mma=tf32" | FileCheck %s --check-prefix=MM
// RUN: qsparse-run %s -e deep --random-inputs=4 --target=emulator --check | FileCheck %s --check-prefix=DEEP
// RUN: qsparse-run %s -e const_weight --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=CONST
// RUN: qsparse-run %s -e stem_rgb --random-inputs=6 --target=emulator --check | FileCheck %s --check-prefix=RGB
// RUN: qsparse-run %s -e stem_rgb --random-inputs=6 --target=emulator --check --gpu-pipeline-options="tile-m=64 tile-n=128 tile-k=128 warps-m=1 warps-n=4 stages=2" | FileCheck %s --check-prefix=RGB
// RUN: qsparse-run %s -e conv_relu --random-inputs=7 --target=emulator --check | FileCheck %s --check-prefix=RELU
// RUN: qsparse-run %S/cpu-epilogues.mlir -e conv_residual_f32 --random-inputs=4 --target=emulator --check | FileCheck %s --check-prefix=EPI
// RUN: qsparse-run %S/cpu-epilogues.mlir -e conv_bn_f32 --random-inputs=9 --target=emulator --check | FileCheck %s --check-prefix=EPI

// MM: check: OK, 9360 values match the reference pipeline
// DEEP: check: OK, 2048 values match the reference pipeline
// CONST: check: OK, 1440 values match the reference pipeline
// RGB: check: OK, 4224 values match the reference pipeline
// RELU: check: OK, 960 values match the reference pipeline
// EPI: check: OK, 4096 values match the reference pipeline

// Precision (normal operands, K = 1024): 3xtf32 is as close to the exact
// product as the CPU's f32 sums (about 1e-6 of the largest value here);
// one tf32 mma is a few hundred times further.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/tf32_error.py gen %t/p 64 1024 32
// RUN: qsparse-run %s -e deep --input=%t/p.x.npy --input=%t/p.w.npy --output=%t/cpu.npy > /dev/null
// RUN: qsparse-run %s -e deep --input=%t/p.x.npy --input=%t/p.w.npy --target=emulator --output=%t/x3.npy > /dev/null
// RUN: qsparse-run %s -e deep --input=%t/p.x.npy --input=%t/p.w.npy --target=emulator --gpu-pipeline-options=f32-mma=tf32 --output=%t/t1.npy > /dev/null
// RUN: %python %S/Inputs/tf32_error.py check %t/p %t/cpu.npy 0 4e-6 | FileCheck %s --check-prefix=ERR
// RUN: %python %S/Inputs/tf32_error.py check %t/p %t/x3.npy 0 4e-6 | FileCheck %s --check-prefix=ERR
// RUN: %python %S/Inputs/tf32_error.py check %t/p %t/t1.npy 5e-5 3e-3 | FileCheck %s --check-prefix=ERR
// ERR: relative error OK

// The kernel (tile 32 x 32, one warp: 2 x 4 m16n8 fragments per 32 bytes
// of K): per step one ldmatrix x4 of A per m16 tile and one of B per two
// n8 tiles, each fragment element rounded to tf32 (twice for 3xtf32: big
// and small), and 3 (or 1) mma per fragment pair.
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="tile-m=32 tile-n=32 tile-k=32 warps-m=1 warps-n=1" --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=X3
// X3-LABEL: func.func @mm(
// X3: gpu.launch
// X3: scf.for
// X3-COUNT-4: nvgpu.ldmatrix {{.*}} -> vector<4x1xf32>
// X3-COUNT-32: nvvm.convert.float.to.tf32 {{.*}} {rnd = #nvvm.fp_rnd_mode<rna>}
// X3-COUNT-24: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// X3-NOT: nvgpu.mma.sync
// X3: scf.yield
// The stem's A rows are read 4 bytes (one channel) at a time, from the
// unpadded image.
// X3-LABEL: func.func @stem_rgb(
// X3: linalg.transpose ins({{.*}} : memref<147x16xf32>)
// X3-NOT: linalg.
// X3: nvgpu.device_async_copy {{.*}}, 1, {{.*}} : memref<2x23x21x3xf32> to memref<3x32x8xf32, #gpu.address_space<workgroup>>
// The bias and ReLU run on the fragments: no loop nest is left (only the
// runtime filter's transpose to [N][K]).
// X3-LABEL: func.func @conv_relu(
// X3: linalg.transpose ins({{.*}} : memref<144x40xf32>)
// X3-NOT: linalg.
// X3: arith.maximumf
// X3-NOT: linalg.
// X3-LABEL: func.func @unrounded(
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="tile-m=32 tile-n=32 tile-k=32 warps-m=1 warps-n=1 f32-mma=tf32" --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=T1
// T1-LABEL: func.func @mm(
// T1: scf.for
// T1-COUNT-16: nvvm.convert.float.to.tf32
// T1-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled}
// T1-NOT: nvgpu.mma.sync
// T1: scf.yield

// f32-mma=off leaves f32 contractions to the simple kernels.
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="f32-mma=off" --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=OFF
// OFF-LABEL: func.func @mm(
// OFF-NOT: nvgpu
// OFF: linalg.matmul
// OFF-NOT: nvgpu
// OFF-LABEL: func.func @stem_rgb(
// RUN: qsparse-run %s -e mm --random-inputs=3 --target=emulator --check --gpu-pipeline-options="f32-mma=off" | FileCheck %s --check-prefix=MM

// Bad option values are errors naming the expected ones.
// RUN: not qsparse-opt %s --qsparse-gpu-pipeline="f32-mma=fp32" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not qsparse-opt %s --qsparse-gpu-matmul-kernels="f32-mma=fp32" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: unknown f32-mma 'fp32' (expected 3xtf32, tf32 or off)

// The emulator refuses a tf32 mma whose operands were not rounded to tf32
// (the tensor cores' use of the low 13 bits is not specified).
// RUN: not qsparse-run %s -e unrounded --random-inputs=1 --target=emulator 2>&1 | FileCheck %s --check-prefix=UNROUNDED
// UNROUNDED: 'nvgpu.mma.sync' at {{.*}}: a tf32 mma operand has nonzero low 13 bits (not rounded to tf32)

// M and N off the tile (row and column guards), 16-byte copies.
func.func @mm(%x: tensor<130x96xf32>, %w: tensor<96x72xf32>) -> tensor<130x72xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<130x72xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<130x72xf32>) -> tensor<130x72xf32>
  %r = linalg.matmul ins(%x, %w : tensor<130x96xf32>, tensor<96x72xf32>) outs(%f : tensor<130x72xf32>) -> tensor<130x72xf32>
  return %r : tensor<130x72xf32>
}

// 16 K tiles through the 3-stage ring.
func.func @deep(%x: tensor<64x1024xf32>, %w: tensor<1024x32xf32>) -> tensor<64x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %r = linalg.matmul ins(%x, %w : tensor<64x1024xf32>, tensor<1024x32xf32>) outs(%f : tensor<64x32xf32>) -> tensor<64x32xf32>
  return %r : tensor<64x32xf32>
}

// A constant weight (transposed to [N][K] at compile time), K = 18
// (8-byte copies).
func.func @const_weight(%x: tensor<80x18xf32>) -> tensor<80x18xf32> {
  %w = arith.constant dense<[[0.5, -1.25, 2.0, 0.75, -3.5, 1.0, 0.125, -0.5, 4.0, 1.5, -2.25, 0.25, 3.0, -1.0, 0.625, 2.5, -0.375, 1.75]]> : tensor<1x18xf32>
  %wb = tensor.collapse_shape %w [[0, 1]] : tensor<1x18xf32> into tensor<18xf32>
  %we = tensor.empty() : tensor<18x18xf32>
  %wm = linalg.broadcast ins(%wb : tensor<18xf32>) outs(%we : tensor<18x18xf32>) dimensions = [1]
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<80x18xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<80x18xf32>) -> tensor<80x18xf32>
  %r = linalg.matmul ins(%x, %wm : tensor<80x18xf32>, tensor<18x18xf32>) outs(%f : tensor<80x18xf32>) -> tensor<80x18xf32>
  return %r : tensor<80x18xf32>
}

// An RGB stem: C = 3 needs no widening for 4-byte elements (4-byte copies,
// one per channel element); stride 2, zero padding read by the copies.
func.func @stem_rgb(%x: tensor<2x23x21x3xf32>, %w: tensor<7x7x3x16xf32>) -> tensor<2x12x11x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 3, 3, 0] high[0, 3, 3, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<2x23x21x3xf32> to tensor<2x29x27x3xf32>
  %e = tensor.empty() : tensor<2x12x11x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x12x11x16xf32>) -> tensor<2x12x11x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%p, %w : tensor<2x29x27x3xf32>, tensor<7x7x3x16xf32>) outs(%f : tensor<2x12x11x16xf32>) -> tensor<2x12x11x16xf32>
  return %c : tensor<2x12x11x16xf32>
}

// A padded 3x3 convolution with a bias and ReLU fused on the fragments.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d3)>
func.func @conv_relu(%x: tensor<2x8x8x16xf32>, %w: tensor<3x3x16x40xf32>, %bias: tensor<40xf32>) -> tensor<2x4x3x40xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 0, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<2x8x8x16xf32> to tensor<2x10x9x16xf32>
  %e = tensor.empty() : tensor<2x4x3x40xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x3x40xf32>) -> tensor<2x4x3x40xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
      ins(%p, %w : tensor<2x10x9x16xf32>, tensor<3x3x16x40xf32>) outs(%f : tensor<2x4x3x40xf32>) -> tensor<2x4x3x40xf32>
  %o = tensor.empty() : tensor<2x4x3x40xf32>
  %r = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %bias : tensor<2x4x3x40xf32>, tensor<40xf32>) outs(%o : tensor<2x4x3x40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4x3x40xf32>
  return %r : tensor<2x4x3x40xf32>
}

func.func @unrounded(%t: tensor<32xf32>) -> tensor<32xf32> {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %x = bufferization.to_buffer %t : tensor<32xf32> to memref<32xf32>
  %out = memref.alloc() : memref<32xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<32xf32>
    %a = vector.broadcast %v : f32 to vector<4x1xf32>
    %b = vector.broadcast %v : f32 to vector<2x1xf32>
    %c = arith.constant dense<0.0> : vector<2x2xf32>
    %d = nvgpu.mma.sync(%a, %b, %c) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
    %s = vector.extract %d[0, 0] : f32 from vector<2x2xf32>
    memref.store %s, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  %r = bufferization.to_tensor %out restrict : memref<32xf32> to tensor<32xf32>
  return %r : tensor<32xf32>
}

// The GPU pipeline end to end: qsparse ops to a gpu.binary whose PTX ptxas
// assembles for sm_80 and sm_90 with no register spills; the kernel
// structure is pinned on the PTX.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: qsparse-opt %s --qsparse-gpu-pipeline=chip=sm_80 -o %t/sm80.mlir
// Two kernels per function: B's transposition (dense, unsigned) or the
// filter's (conv), and the tensor-core kernel; the conv's padding is done
// by its copies (no fill or copy kernel for a padded image).
// RUN: %extract_ptx %t/sm80.mlir %t/all80 | count 6
// The tensor-core kernels, named after their functions.
// RUN: %extract_ptx --select mma.sync %t/sm80.mlir %t/sm80 | FileCheck %s --check-prefix=FILES
// RUN: FileCheck %s --check-prefix=PTX < %t/sm80/dense.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/sm80/dense.sm_80.ptx -o %t/dense80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_80 -v %t/sm80/unsigned.sm_80.ptx -o %t/unsigned80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: FileCheck %s --check-prefix=U8 < %t/sm80/unsigned.sm_80.ptx
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="chip=sm_90" -o %t/sm90.mlir
// RUN: %extract_ptx --select mma.sync %t/sm90.mlir %t/sm90
// RUN: FileCheck %s --check-prefix=SM90 < %t/sm90/dense.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t/sm90/dense.sm_90.ptx -o %t/dense90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_90 -v %t/sm90/unsigned.sm_90.ptx -o %t/unsigned90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_80 -v %t/sm80/conv.sm_80.ptx -o %t/conv80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_90 -v %t/sm90/conv.sm_90.ptx -o %t/conv90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: FileCheck %s --check-prefix=CONV < %t/sm80/conv.sm_80.ptx
// RUN: qsparse-opt %S/cpu-nibble-weights.mlir --split-input-file --qsparse-gpu-pipeline=chip=sm_90 -o %t/nibbles.mlir
// RUN: %extract_ptx --select mma.sync %t/nibbles.mlir %t/nibbles
// RUN: %ptxas -arch=sm_90 -v %t/nibbles/flint.sm_90.ptx -o %t/flint90.cubin 2>&1 | FileCheck %s --check-prefix=NIBBLES
// A cubin straight from the pipeline (gpu-module-to-binary runs ptxas).
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="chip=sm_90 format=bin" | FileCheck %s --check-prefix=BIN

// FILES: dense.sm_80.ptx
// FILES: unsigned.sm_80.ptx
// FILES: conv.sm_80.ptx

// PTX: .target sm_80
// PTX: .shared .align 128 .b8 __qsparse_smem[24576];
// PTX: .shared .align 128 .b8 __qsparse_smem_0[24576];
// PTX-COUNT-8: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, 16;
// PTX: cp.async.commit_group
// PTX-COUNT-8: cp.async.cg.shared.global
// PTX: cp.async.commit_group
// PTX: cp.async.wait_group 1;
// PTX: bar.sync 0;
// PTX-COUNT-8: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, %r
// PTX: cp.async.commit_group
// PTX-COUNT-8: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-COUNT-32: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// PTX-COUNT-8: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-COUNT-32: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// PTX-NOT: mma.sync
// PTX: cp.async.wait_group 0;

// U8-COUNT-64: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.u8.s8.s32

// SM90: .target sm_90

// The padded 3x3 convolution's implicit GEMM (after the filter's
// transposition): 16-byte copies from the unpadded image, each zero filled
// when its tap is outside the image.
// CONV-COUNT-8: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, {{.*}};
// CONV-COUNT-64: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32

// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Used {{[0-9]+}} registers, used 1 barriers, 49152 bytes smem

// The flint4 kernel: 3 x (128 x 64 + 128 x 32) stages + a 128 x 64 decoded
// tile + the 16-byte table.
// NIBBLES: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NIBBLES: Used {{[0-9]+}} registers, used 1 barriers, 45072 bytes smem

// BIN: gpu.binary @dense_kernel{{(_[0-9]+)?}} [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}bin = "

func.func @dense(%x: tensor<256x512xi8>, %w: tensor<512x384xi8>) -> tensor<256x384xi32> {
  %y = qsparse.matmul %x, %w : tensor<256x512xi8>, tensor<512x384xi8> -> tensor<256x384xi32>
  return %y : tensor<256x384xi32>
}

func.func @unsigned(%x: tensor<100x68xi8>, %w: tensor<68x90xi8>) -> tensor<100x90xi32> {
  %y = qsparse.matmul %x, %w {input_unsigned} : tensor<100x68xi8>, tensor<68x90xi8> -> tensor<100x90xi32>
  return %y : tensor<100x90xi32>
}

func.func @conv(%x: tensor<1x28x28x64xi8>, %w: tensor<3x3x64x64xi8>) -> tensor<1x28x28x64xi32> {
  %y = qsparse.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<1x28x28x64xi8>, tensor<3x3x64x64xi8> -> tensor<1x28x28x64xi32>
  return %y : tensor<1x28x28x64xi32>
}

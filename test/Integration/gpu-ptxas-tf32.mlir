// The f32 tensor-core kernel (tf32 mma) through the GPU pipeline: ptxas
// assembles its PTX for sm_80 and sm_90 with no register spills, both for
// 3xtf32 (the default: 64 cvt.rna and 96 mma per 32 bytes of K for the
// default 128 x 128 tile of 2 x 2 warps) and for f32-mma=tf32 (32 and 32),
// and the PTX has the int8 kernel's copies, barrier and ldmatrix count.
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: qsparse-opt %s --qsparse-gpu-pipeline=chip=sm_80 -o %t/sm80.mlir
// RUN: %extract_ptx --select mma.sync %t/sm80.mlir %t/sm80 | FileCheck %s --check-prefix=FILES
// RUN: FileCheck %s --check-prefix=PTX < %t/sm80/single.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/sm80/single.sm_80.ptx -o %t/mm80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_80 -v %t/sm80/single_conv.sm_80.ptx -o %t/conv80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="chip=sm_90" -o %t/sm90.mlir
// RUN: %extract_ptx --select mma.sync %t/sm90.mlir %t/sm90
// RUN: %ptxas -arch=sm_90 -v %t/sm90/single.sm_90.ptx -o %t/mm90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_90 -v %t/sm90/single_conv.sm_90.ptx -o %t/conv90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="chip=sm_80 f32-mma=tf32" -o %t/t80.mlir
// RUN: %extract_ptx --select mma.sync %t/t80.mlir %t/t80
// RUN: FileCheck %s --check-prefix=TF32 < %t/t80/single.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/t80/single.sm_80.ptx -o %t/t80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_80 -v %t/t80/single_conv.sm_80.ptx -o %t/tconv80.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: qsparse-opt %s --qsparse-gpu-pipeline="chip=sm_90 f32-mma=tf32" -o %t/t90.mlir
// RUN: %extract_ptx --select mma.sync %t/t90.mlir %t/t90
// RUN: %ptxas -arch=sm_90 -v %t/t90/single.sm_90.ptx -o %t/t90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL
// RUN: %ptxas -arch=sm_90 -v %t/t90/single_conv.sm_90.ptx -o %t/tconv90.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL

// FILES: single.sm_80.ptx
// FILES: single_conv.sm_80.ptx

// PTX: .target sm_80
// PTX: .shared .align 128 .b8 __qsparse_smem[24576];
// PTX: .shared .align 128 .b8 __qsparse_smem_0[24576];
// PTX: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, 16;
// PTX: cp.async.wait_group 1;
// PTX: bar.sync 0;
// PTX-COUNT-8: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-COUNT-64: cvt.rna.tf32.f32
// PTX-COUNT-96: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// PTX-COUNT-8: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-COUNT-64: cvt.rna.tf32.f32
// PTX-COUNT-96: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// PTX-NOT: mma.sync
// PTX: cp.async.wait_group 0;

// TF32-COUNT-8: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// TF32-COUNT-32: cvt.rna.tf32.f32
// TF32-COUNT-32: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// TF32-COUNT-8: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// TF32-COUNT-32: cvt.rna.tf32.f32
// TF32-COUNT-32: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// TF32-NOT: mma.sync

// NOSPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @single(%x: tensor<256x512xf32>, %w: tensor<512x384xf32>) -> tensor<256x384xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x384xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<256x384xf32>) -> tensor<256x384xf32>
  %r = linalg.matmul ins(%x, %w : tensor<256x512xf32>, tensor<512x384xf32>) outs(%f : tensor<256x384xf32>) -> tensor<256x384xf32>
  return %r : tensor<256x384xf32>
}

func.func @single_conv(%x: tensor<1x28x28x64xf32>, %w: tensor<3x3x64x64xf32>) -> tensor<1x26x26x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x26x26x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x26x26x64xf32>) -> tensor<1x26x26x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x28x28x64xf32>, tensor<3x3x64x64xf32>) outs(%f : tensor<1x26x26x64xf32>) -> tensor<1x26x26x64xf32>
  return %c : tensor<1x26x26x64xf32>
}

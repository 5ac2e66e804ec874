// RUN: qsparse-opt %s --qsparse-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --qsparse-cpu-matmul-kernels="vector-bits=512 vnni=on" -cse | FileCheck %s

// A ResNet-50 3x3 layer (56x56x64 -> 64, padding 1) as an implicit GEMM:
// M = 3136 pixels, N = 64 filters, K = 3*3*64 = 576. The only buffers are the
// padded image and the filter packed for VNNI ([K/4][N*4]); nothing of the
// im2col size (3136 x 576) is ever allocated, and the A operand is read from
// the image inside the (kh, kw, c) loops.
// CHECK-LABEL: func.func @resnet_3x3
// CHECK-NOT: memref<3136x576
// CHECK: memref.alloc() {{.*}} : memref<1x58x58x64xi8>
// CHECK-NOT: memref<3136x576
// CHECK: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<144x256xi8>
// CHECK-NOT: memref.alloc
// CHECK: scf.for %[[N0:.*]] = %c0{{(_[0-9]+)?}} to %c64{{(_[0-9]+)?}} step %c64{{(_[0-9]+)?}}
// CHECK: scf.for %[[M0:.*]] = %c0{{(_[0-9]+)?}} to %c3132{{(_[0-9]+)?}} step %c6{{(_[0-9]+)?}}
// CHECK: scf.for %[[KH:.*]] = %c0{{(_[0-9]+)?}} to %c3{{(_[0-9]+)?}} step %c1{{(_[0-9]+)?}}
// CHECK: scf.for %[[KW:.*]] = %c0{{(_[0-9]+)?}} to %c3{{(_[0-9]+)?}} step %c1{{(_[0-9]+)?}}
// CHECK: scf.for %[[C:.*]] = %c0{{(_[0-9]+)?}} to %c64{{(_[0-9]+)?}} step %c4{{(_[0-9]+)?}}
// CHECK-COUNT-4: vector.load %[[P]]
// CHECK: vector.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %[[C]]] : memref<1x58x58x64xi8>, vector<4xi8>
// CHECK-COUNT-24: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// The 3136 - 3132 = 4 remaining pixels: one 4-pixel register tile.
// CHECK: scf.for %{{.*}} = %c0{{(_[0-9]+)?}} to %c3{{(_[0-9]+)?}} step %c1
// CHECK-COUNT-16: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: vpdpbusd
// CHECK: memref.dealloc %[[P]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @resnet_3x3(%x: tensor<1x56x56x64xi8>, %w: tensor<3x3x64x64xi8>) -> tensor<1x56x56x64xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x56x56x64xi8>, tensor<3x3x64x64xi8> -> tensor<1x56x56x64xi32>
  return %0 : tensor<1x56x56x64xi32>
}

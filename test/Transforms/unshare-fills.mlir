// RUN: qsparse-opt %s --qsparse-unshare-empty-tensors | FileCheck %s
// RUN: qsparse-opt %s --qsparse-unshare-empty-tensors --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=BUF
// RUN: qsparse-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=SHARED
// RUN: qsparse-run %s -e two_convs --random-inputs=4 --check | FileCheck %s --check-prefix=EXEC

// CSE leaves one zero fill as the accumulator of two depthwise
// convolutions. Shared, bufferization makes the second accumulate into a
// copy of the first one's filled buffer (the kernels then see no fill
// before it, and the copy sits between the first one and its epilogue);
// unshared, each convolution starts from its own fill right before it.
// CHECK-LABEL: func.func @two_convs
// CHECK-NOT: linalg.fill
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<1x4x4x64xi32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[E1]] : tensor<1x4x4x64xi32>)
// CHECK-NEXT: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} outs(%[[F1]] : tensor<1x4x4x64xi32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<1x4x4x64xi32>
// CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%[[E2]] : tensor<1x4x4x64xi32>)
// CHECK-NEXT: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} outs(%[[F2]] : tensor<1x4x4x64xi32>)
// CHECK-NOT: linalg.fill
// CHECK: return
// BUF-LABEL: func.func @two_convs
// BUF-NOT: memref.copy
// BUF: return
// SHARED-LABEL: func.func @two_convs
// SHARED: memref.copy
// EXEC: check: OK, 1024 values match the reference pipeline
func.func @two_convs(%x: tensor<1x6x6x64xi8>, %w: tensor<3x3x64xi8>, %v: tensor<3x3x64xi8>) -> tensor<1x4x4x64xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x64xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  %a = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x64xi8>, tensor<3x3x64xi8>) outs(%f : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  %b = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %v : tensor<1x6x6x64xi8>, tensor<3x3x64xi8>) outs(%f : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  %o = tensor.empty() : tensor<1x4x4x64xi32>
  %s = linalg.add ins(%a, %b : tensor<1x4x4x64xi32>, tensor<1x4x4x64xi32>) outs(%o : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  return %s : tensor<1x4x4x64xi32>
}

// RUN: qsparse-opt %s -split-input-file --qsparse-fuse | FileCheck %s
// RUN: qsparse-opt %s -split-input-file --qsparse-fuse --qsparse-unshare-empty-tensors --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --qsparse-cpu-matmul-kernels="vnni=off" | FileCheck %s --check-prefix=KERNEL

// The input-zero-point correction of a depthwise convolution (the sum of
// its constant weights times the zero point, which the ONNX importer
// computes after the convolution) is independent of the convolution: it
// moves above it and its fill, so nothing runs between the convolution and
// its epilogue and the kernel applies the epilogue in registers.
// CHECK-LABEL: func.func @zero_point_correction
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK-NEXT: %[[DW:.*]] = linalg.{{depthwise_conv_2d_nhwc_hwc|generic}}
// CHECK-NEXT: linalg.generic
// CHECK-SAME: ins(%[[DW]], %[[SUM]], %{{.*}} : tensor<1x4x4x64xi32>, tensor<64xi32>, tensor<64xf32>)
// CHECK-SAME: attrs = {qsparse.epilogue}
// KERNEL-LABEL: func.func @zero_point_correction
// KERNEL-NOT: qsparse.epilogue
// KERNEL: arith.subi {{.*}} : vector<
// KERNEL-NOT: qsparse.epilogue
// KERNEL: return
func.func @zero_point_correction(%x: tensor<1x6x6x64xi8>, %scale: tensor<64xf32>) -> tensor<1x4x4x64xf32> {
  %w = arith.constant dense<3> : tensor<3x3x64xi8>
  %c0 = arith.constant 0 : i32
  %zp = arith.constant -128 : i32
  %e = tensor.empty() : tensor<1x4x4x64xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  %dw = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x64xi8>, tensor<3x3x64xi8>) outs(%f : tensor<1x4x4x64xi32>) -> tensor<1x4x4x64xi32>
  %se = tensor.empty() : tensor<64xi32>
  %sf = linalg.fill ins(%c0 : i32) outs(%se : tensor<64xi32>) -> tensor<64xi32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>],
                         iterator_types = ["reduction", "reduction", "parallel"]}
      ins(%w : tensor<3x3x64xi8>) outs(%sf : tensor<64xi32>) {
  ^bb0(%in: i8, %out: i32):
    %v = arith.extsi %in : i8 to i32
    %m = arith.muli %v, %zp : i32
    %a = arith.addi %out, %m : i32
    linalg.yield %a : i32
  } -> tensor<64xi32>
  %oe = tensor.empty() : tensor<1x4x4x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%dw, %sum, %scale : tensor<1x4x4x64xi32>, tensor<64xi32>, tensor<64xf32>) outs(%oe : tensor<1x4x4x64xf32>) {
  ^bb0(%a: i32, %s: i32, %k: f32, %o: f32):
    %d = arith.subi %a, %s : i32
    %fl = arith.sitofp %d : i32 to f32
    %y = arith.mulf %fl, %k : f32
    linalg.yield %y : f32
  } -> tensor<1x4x4x64xf32>
  return %r : tensor<1x4x4x64xf32>
}

// -----

// Ops with side effects, and what depends on them, stay where they are.
// CHECK-LABEL: func.func @effects_stay
// CHECK: linalg.matmul
// CHECK-NEXT: %[[T:.*]] = call @opaque()
// CHECK: %[[N:.*]] = linalg.generic {{.*}} ins(%[[T]] : tensor<32xi32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %[[N]] : tensor<8x32xi32>, tensor<32xi32>)
// CHECK-SAME: attrs = {qsparse.epilogue}
func.func private @opaque() -> tensor<32xi32>
func.func @effects_stay(%a: tensor<8x16xi8>, %b: tensor<16x32xi8>) -> tensor<8x32xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x32xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<8x32xi32>) -> tensor<8x32xi32>
  %m = linalg.matmul ins(%a, %b : tensor<8x16xi8>, tensor<16x32xi8>) outs(%f : tensor<8x32xi32>) -> tensor<8x32xi32>
  %t = func.call @opaque() : () -> tensor<32xi32>
  %ne = tensor.empty() : tensor<32xi32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%t : tensor<32xi32>) outs(%ne : tensor<32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %s = arith.subi %c0, %in : i32
    linalg.yield %s : i32
  } -> tensor<32xi32>
  %oe = tensor.empty() : tensor<8x32xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %n : tensor<8x32xi32>, tensor<32xi32>) outs(%oe : tensor<8x32xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %s = arith.addi %x, %y : i32
    linalg.yield %s : i32
  } -> tensor<8x32xi32>
  return %r : tensor<8x32xi32>
}

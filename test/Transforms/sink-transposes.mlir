// RUN: qsparse-opt %s --qsparse-sink-transposes | FileCheck %s
// RUN: qsparse-opt %s --qsparse-sink-transposes --qsparse-fuse | FileCheck %s --check-prefix=FUSE
// RUN: qsparse-run %s -e nchw_block --random-inputs=2 --check | FileCheck %s --check-prefix=EXEC
// RUN: qsparse-run %s -e nchw_block --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=EXEC
// RUN: qsparse-opt %s --qsparse-conv-to-nhwc --qsparse-sink-transposes --qsparse-fuse | FileCheck %s --check-prefix=NCHW

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#nchw_of_nhwc = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
#nhwc_of_nchw = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#pool_in = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
#pool_win = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
#pool_out = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
#gap_out = affine_map<(d0, d1, d2, d3) -> (d0, d1)>

// What the ONNX importer makes of conv -> bias+ReLU -> pad -> max pool ->
// conv: the NHWC convolution's result is read in NCHW through a permuted
// map, the bias, ReLU, padding and pool run in NCHW, and the pool's
// result is transposed back to NHWC. Every transpose cancels: the pool
// and the padding run in NHWC and the bias+ReLU reads the accumulator in
// order (with --qsparse-fuse it becomes the convolution's epilogue).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-DAG: #[[PIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d3)>
// CHECK-DAG: #[[PWIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[POUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[SUM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-DAG: #[[GAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// FUSE-DAG: #[[FID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// FUSE-DAG: #[[FPERM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-LABEL: func.func @block
// CHECK-NOT: linalg.transpose
// CHECK: %[[C1:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x6x6x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[C]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[C1]], %{{.*}} : tensor<1x6x6x4xf32>, tensor<4xf32>) outs(%[[E]] : tensor<1x6x6x4xf32>)
// CHECK: %[[P:.*]] = tensor.pad %[[R]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK-NEXT: } : tensor<1x6x6x4xf32> to tensor<1x8x8x4xf32>
// CHECK: %[[PE:.*]] = tensor.empty() : tensor<1x3x3x4xf32>
// CHECK-NEXT: %[[PF:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[PE]] : tensor<1x3x3x4xf32>)
// CHECK-NEXT: %[[M:.*]] = linalg.generic {indexing_maps = [#[[PIN]], #[[PWIN]], #[[POUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[P]], %{{.*}} : tensor<1x8x8x4xf32>, tensor<3x3xf32>) outs(%[[PF]] : tensor<1x3x3x4xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: linalg.transpose
// CHECK: linalg.conv_2d_nhwc_hwcf ins(%[[M]],
// CHECK-NOT: linalg.transpose
// CHECK: return
// FUSE-LABEL: func.func @block
// FUSE-NOT: linalg.transpose
// FUSE: linalg.conv_2d_nhwc_hwcf
// FUSE: linalg.generic {{.*}} attrs = {qsparse.epilogue}
// FUSE-NOT: linalg.transpose
// FUSE: return
func.func @block(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x4xf32>,
                 %w2: tensor<1x1x4x4xf32>, %b: tensor<4xf32>) -> tensor<1x3x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e1 = tensor.empty() : tensor<1x6x6x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %c1 = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>)
      outs(%f1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %er = tensor.empty() : tensor<1x4x6x6xf32>
  %r = linalg.generic {indexing_maps = [#nchw_of_nhwc, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c1, %b : tensor<1x6x6x4xf32>, tensor<4xf32>) outs(%er : tensor<1x4x6x6xf32>) {
  ^bb0(%a: f32, %bias: f32, %o: f32):
    %s = arith.addf %a, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x6x6xf32>
  %p = tensor.pad %r low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %ninf : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %win = tensor.empty() : tensor<3x3xf32>
  %em = tensor.empty() : tensor<1x4x3x3xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%em : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %m = linalg.generic {indexing_maps = [#pool_in, #pool_win, #pool_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %win : tensor<1x4x8x8xf32>, tensor<3x3xf32>) outs(%fm : tensor<1x4x3x3xf32>) {
  ^bb0(%in: f32, %unused: f32, %o: f32):
    %mx = arith.maximumf %o, %in : f32
    linalg.yield %mx : f32
  } -> tensor<1x4x3x3xf32>
  %et = tensor.empty() : tensor<1x3x3x4xf32>
  %t = linalg.transpose ins(%m : tensor<1x4x3x3xf32>) outs(%et : tensor<1x3x3x4xf32>) permutation = [0, 2, 3, 1]
  %e2 = tensor.empty() : tensor<1x3x3x4xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  %c2 = linalg.conv_2d_nhwc_hwcf ins(%t, %w2 : tensor<1x3x3x4xf32>, tensor<1x1x4x4xf32>)
      outs(%f2 : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %c2 : tensor<1x3x3x4xf32>
}

// A residual add of two convolutions' results, both read in NCHW, runs
// in NHWC; its result is transposed to NCHW once, for the return.
// CHECK-LABEL: func.func @residual
// CHECK: %[[A:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK: %[[B:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: linalg.transpose
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], {{.*}} ins(%[[A]], %[[B]] : tensor<1x6x6x4xf32>, tensor<1x6x6x4xf32>) outs(%{{.*}} : tensor<1x6x6x4xf32>)
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[S]] : tensor<1x6x6x4xf32>) outs(%{{.*}} : tensor<1x4x6x6xf32>) permutation = [0, 3, 1, 2]
// CHECK-NEXT: return %[[T]]
func.func @residual(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x4xf32>,
                    %v: tensor<3x3x4x4xf32>) -> tensor<1x4x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x6x6x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %a = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>)
      outs(%f1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %b = linalg.conv_2d_nhwc_hwcf ins(%x, %v : tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>)
      outs(%f1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %e = tensor.empty() : tensor<1x4x6x6xf32>
  %s = linalg.generic {indexing_maps = [#nchw_of_nhwc, #nchw_of_nhwc, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : tensor<1x6x6x4xf32>, tensor<1x6x6x4xf32>) outs(%e : tensor<1x4x6x6xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %sum = arith.addf %i, %j : f32
    linalg.yield %sum : f32
  } -> tensor<1x4x6x6xf32>
  return %s : tensor<1x4x6x6xf32>
}

// An epilogue reading its accumulator in order and a residual argument in
// the NCHW layout is a tie, so nothing moves (the accumulator keeps its
// order). The residual's transpose, made an op of its own, folds back into
// the map under --qsparse-fuse, and the generic stays the convolution's
// epilogue.
// CHECK-LABEL: func.func @tie
// CHECK: %[[A:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK: %[[RT:.*]] = linalg.transpose ins(%arg1 : tensor<1x4x6x6xf32>) outs(%{{.*}} : tensor<1x6x6x4xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], {{.*}} ins(%[[A]], %[[RT]] : tensor<1x6x6x4xf32>, tensor<1x6x6x4xf32>) outs(%{{.*}} : tensor<1x6x6x4xf32>)
// FUSE-LABEL: func.func @tie
// FUSE-NOT: linalg.transpose
// FUSE: linalg.generic {indexing_maps = [#[[FID]], #[[FPERM]], #[[FID]]], {{.*}} ins(%{{.*}}, %arg1 : tensor<1x6x6x4xf32>, tensor<1x4x6x6xf32>) {{.*}} attrs = {qsparse.epilogue}
func.func @tie(%x: tensor<1x8x8x4xf32>, %res: tensor<1x4x6x6xf32>,
               %w: tensor<3x3x4x4xf32>) -> tensor<1x6x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x6x6x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %a = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>)
      outs(%f1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %e = tensor.empty() : tensor<1x6x6x4xf32>
  %s = linalg.generic {indexing_maps = [#id, #nhwc_of_nchw, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %res : tensor<1x6x6x4xf32>, tensor<1x4x6x6xf32>) outs(%e : tensor<1x6x6x4xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %sum = arith.addf %i, %j : f32
    linalg.yield %sum : f32
  } -> tensor<1x6x6x4xf32>
  return %s : tensor<1x6x6x4xf32>
}

// A transpose in front of a padded convolution input stays before the pad
// (nothing after the pad would take it; --qsparse-fuse folds it into the
// quantization that produces it).
// CHECK-LABEL: func.func @pad_before_conv
// CHECK: %[[Q:.*]] = linalg.generic
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[Q]] : tensor<1x4x6x6xf32>)
// CHECK: tensor.pad %[[T]] low[0, 1, 1, 0] high[0, 1, 1, 0]
func.func @pad_before_conv(%x: tensor<1x4x6x6xf32>, %w: tensor<3x3x4x4xf32>) -> tensor<1x6x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %eq = tensor.empty() : tensor<1x4x6x6xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x6x6xf32>) outs(%eq : tensor<1x4x6x6xf32>) {
  ^bb0(%i: f32, %o: f32):
    %r = math.roundeven %i : f32
    linalg.yield %r : f32
  } -> tensor<1x4x6x6xf32>
  %et = tensor.empty() : tensor<1x6x6x4xf32>
  %t = linalg.transpose ins(%q : tensor<1x4x6x6xf32>) outs(%et : tensor<1x6x6x4xf32>) permutation = [0, 2, 3, 1]
  %p = tensor.pad %t low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x6x6x4xf32> to tensor<1x8x8x4xf32>
  %e1 = tensor.empty() : tensor<1x6x6x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  %c = linalg.conv_2d_nhwc_hwcf ins(%p, %w : tensor<1x8x8x4xf32>, tensor<3x3x4x4xf32>)
      outs(%f1 : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  return %c : tensor<1x6x6x4xf32>
}

// A padding value that depends on the position does not move; neither
// does a transpose into a generic that reads loop indices.
// CHECK-LABEL: func.func @stays
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg0 : tensor<1x2x3x4xf32>) outs(%{{.*}} : tensor<1x4x2x3xf32>) permutation = [0, 3, 1, 2]
// CHECK: tensor.pad %[[T]] low[0, 0, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[T]] : tensor<1x4x2x3xf32>)
// CHECK: linalg.index 1
func.func @stays(%x: tensor<1x2x3x4xf32>) -> (tensor<1x4x4x5xf32>, tensor<1x4x2x3xf32>) {
  %et = tensor.empty() : tensor<1x4x2x3xf32>
  %t = linalg.transpose ins(%x : tensor<1x2x3x4xf32>) outs(%et : tensor<1x4x2x3xf32>) permutation = [0, 3, 1, 2]
  %p = tensor.pad %t low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    %v = arith.index_cast %i1 : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<1x4x2x3xf32> to tensor<1x4x4x5xf32>
  %e = tensor.empty() : tensor<1x4x2x3xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<1x4x2x3xf32>) outs(%e : tensor<1x4x2x3xf32>) {
  ^bb0(%i: f32, %o: f32):
    %c = linalg.index 1 : index
    %v = arith.index_cast %c : index to i32
    %f = arith.sitofp %v : i32 to f32
    %s = arith.addf %i, %f : f32
    linalg.yield %s : f32
  } -> tensor<1x4x2x3xf32>
  return %p, %g : tensor<1x4x4x5xf32>, tensor<1x4x2x3xf32>
}

// Two transposes in a row become one.
// CHECK-LABEL: func.func @compose
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg0 : tensor<1x2x3x4xf32>) outs(%{{.*}} : tensor<1x4x2x3xf32>) permutation = [0, 3, 1, 2]
// CHECK-NEXT: return %[[T]]
func.func @compose(%x: tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32> {
  %e1 = tensor.empty() : tensor<1x3x4x2xf32>
  %t1 = linalg.transpose ins(%x : tensor<1x2x3x4xf32>) outs(%e1 : tensor<1x3x4x2xf32>) permutation = [0, 2, 3, 1]
  %e2 = tensor.empty() : tensor<1x4x2x3xf32>
  %t2 = linalg.transpose ins(%t1 : tensor<1x3x4x2xf32>) outs(%e2 : tensor<1x4x2x3xf32>) permutation = [0, 2, 3, 1]
  return %t2 : tensor<1x4x2x3xf32>
}

// A global average pool of a transposed result reads the NHWC tensor
// directly: its result [N][C] is in order, so no transpose is left.
// CHECK-LABEL: func.func @global_pool
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[SUM]], #[[GAP]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0 : tensor<1x6x6x4xf32>) outs(%{{.*}} : tensor<1x4xf32>)
func.func @global_pool(%x: tensor<1x6x6x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<1x4x6x6xf32>
  %t = linalg.transpose ins(%x : tensor<1x6x6x4xf32>) outs(%et : tensor<1x4x6x6xf32>) permutation = [0, 3, 1, 2]
  %e = tensor.empty() : tensor<1x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %s = linalg.generic {indexing_maps = [#id, #gap_out], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%t : tensor<1x4x6x6xf32>) outs(%f : tensor<1x4xf32>) {
  ^bb0(%i: f32, %o: f32):
    %a = arith.addf %o, %i : f32
    linalg.yield %a : f32
  } -> tensor<1x4xf32>
  return %s : tensor<1x4xf32>
}

// A block in NCHW end to end, as a model without the ONNX importer's
// rewrites has it: after --qsparse-conv-to-nhwc the transposes between
// the convolutions cancel (left: the input image's, the filters' and the
// returned NCHW sum's), each bias+ReLU and the residual add become their
// convolution's epilogue, and the global average pool reads the NHWC sum.
// EXEC runs it on the CPU and GPU pipelines against the reference
// pipeline.
// NCHW-LABEL: func.func @nchw_block
// NCHW: linalg.generic {{.*}}"reduction", "reduction", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x10x10x4xf32>, tensor<3x3x4x4xf32>) outs(%{{.*}} : tensor<1x8x8x4xf32>)
// NCHW: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8x8x4xf32>) attrs = {qsparse.epilogue}
// NCHW: linalg.generic {{.*}}"reduction", "reduction", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x10x10x4xf32>, tensor<3x3x4x4xf32>) outs(%{{.*}} : tensor<1x8x8x4xf32>)
// NCHW: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8x8x4xf32>) attrs = {qsparse.epilogue}
// NCHW: linalg.generic {{.*}}"reduction", "reduction", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x10x10x4xf32>, tensor<3x3x4x4xf32>) outs(%{{.*}} : tensor<1x8x8x4xf32>)
// NCHW: %[[S:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8x8x4xf32>) attrs = {qsparse.epilogue}
// NCHW: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<1x8x8x4xf32>) outs(%{{.*}} : tensor<1x4x8x8xf32>)
// NCHW: %[[G:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[S]] : tensor<1x8x8x4xf32>) outs(%{{.*}} : tensor<1x4xf32>)
// NCHW-NOT: linalg.transpose
// NCHW: return %[[G]], %[[OUT]]
// EXEC: check: OK, 260 values match the reference pipeline
func.func @nchw_block(%x: tensor<1x4x8x8xf32>, %w0: tensor<4x4x3x3xf32>,
                      %w1: tensor<4x4x3x3xf32>, %w2: tensor<4x4x3x3xf32>,
                      %b: tensor<4xf32>) -> (tensor<1x4xf32>, tensor<1x4x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p0 = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x8x8xf32> to tensor<1x4x10x10xf32>
  %c0 = linalg.conv_2d_nchw_fchw ins(%p0, %w0 : tensor<1x4x10x10xf32>, tensor<4x4x3x3xf32>)
      outs(%f : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %r0 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c0, %b : tensor<1x4x8x8xf32>, tensor<4xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %bias: f32, %o: f32):
    %s = arith.addf %a, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x8x8xf32>
  %p1 = tensor.pad %r0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x8x8xf32> to tensor<1x4x10x10xf32>
  %c1 = linalg.conv_2d_nchw_fchw ins(%p1, %w1 : tensor<1x4x10x10xf32>, tensor<4x4x3x3xf32>)
      outs(%f : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %r1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c1 : tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x8x8xf32>
  %p2 = tensor.pad %r1 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x8x8xf32> to tensor<1x4x10x10xf32>
  %c2 = linalg.conv_2d_nchw_fchw ins(%p2, %w2 : tensor<1x4x10x10xf32>, tensor<4x4x3x3xf32>)
      outs(%f : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c2, %r0 : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%a: f32, %i: f32, %o: f32):
    %sum = arith.addf %a, %i : f32
    linalg.yield %sum : f32
  } -> tensor<1x4x8x8xf32>
  %eg = tensor.empty() : tensor<1x4xf32>
  %fg = linalg.fill ins(%zero : f32) outs(%eg : tensor<1x4xf32>) -> tensor<1x4xf32>
  %g = linalg.generic {indexing_maps = [#id, #gap_out], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%s : tensor<1x4x8x8xf32>) outs(%fg : tensor<1x4xf32>) {
  ^bb0(%i: f32, %o: f32):
    %a = arith.addf %o, %i : f32
    linalg.yield %a : f32
  } -> tensor<1x4xf32>
  return %g, %s : tensor<1x4xf32>, tensor<1x4x8x8xf32>
}

// A 1x1 image (a network's last stage at a small input): the batch norm's
// [1][C][1][1] parameters match the NCHW result's shape, so they are
// full-size reads in place, but with one dimension of extent > 1 they have
// the same element order in either layout and do not vote. The generic
// runs in NHWC on the accumulator, and only the function's NCHW result is
// transposed. --qsparse-fuse keeps the generic the convolution's epilogue
// rather than merging it into that transpose (which would read the
// accumulator permuted).
// CHECK-LABEL: func.func @one_pixel
// CHECK: %[[A:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[A]], %{{.*}}, %{{.*}} : tensor<1x1x1x4xf32>, tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%{{.*}} : tensor<1x1x1x4xf32>)
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[Y]] : tensor<1x1x1x4xf32>) outs(%{{.*}} : tensor<1x4x1x1xf32>) permutation = [0, 3, 1, 2]
// CHECK: return %[[T]]
// FUSE-LABEL: func.func @one_pixel
// FUSE: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x1x4xf32>, tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) {{.*}} attrs = {qsparse.epilogue}
// FUSE: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x1x4xf32>) outs(%{{.*}} : tensor<1x4x1x1xf32>)
func.func @one_pixel(%x: tensor<1x3x3x4xf32>, %w: tensor<3x3x4x4xf32>) -> tensor<1x4x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant dense<[[[[0.5]], [[1.5]], [[-2.0]], [[0.25]]]]> : tensor<1x4x1x1xf32>
  %shift = arith.constant dense<[[[[1.0]], [[-1.0]], [[0.5]], [[0.0]]]]> : tensor<1x4x1x1xf32>
  %e1 = tensor.empty() : tensor<1x1x1x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %a = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x3x3x4xf32>, tensor<3x3x4x4xf32>)
      outs(%f1 : tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %e = tensor.empty() : tensor<1x4x1x1xf32>
  %y = linalg.generic {indexing_maps = [#nchw_of_nhwc, #id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %scale, %shift : tensor<1x1x1x4xf32>, tensor<1x4x1x1xf32>, tensor<1x4x1x1xf32>) outs(%e : tensor<1x4x1x1xf32>) {
  ^bb0(%v: f32, %s: f32, %t: f32, %o: f32):
    %m = arith.mulf %v, %s : f32
    %r = arith.addf %m, %t : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1x1xf32>
  return %y : tensor<1x4x1x1xf32>
}

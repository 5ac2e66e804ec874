// RUN: qsparse-opt %s -split-input-file --qsparse-fuse | FileCheck %s
// RUN: qsparse-opt %s --qsparse-fuse=report=%t.json -o /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json


// One-to-one chain with a one-to-many operand: bias add then ReLU become one
// generic whose bias operand keeps its broadcast map.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @chain
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return %[[G]]
func.func @chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %add = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<4x8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%add : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %relu : tensor<4x8xf32>
}

// -----

// A shuffle (linalg.transpose) and a one-to-many linalg.broadcast become
// indexing maps of their consumers; the broadcast has two users and is
// recomputed in both (it is a load), the transpose has one.
// CHECK-DAG: #[[T:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @shuffle_broadcast
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.broadcast
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#[[T]], #[[COL]], #{{.*}}]
// CHECK: arith.mulf
// CHECK: %[[B:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[COL]], #{{.*}}]
// CHECK: arith.subf
// CHECK: return %[[A]], %[[B]]
func.func @shuffle_broadcast(%x: tensor<8x4xf32>, %y: tensor<4x8xf32>, %s: tensor<4xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %t = linalg.transpose ins(%x : tensor<8x4xf32>) outs(%e : tensor<4x8xf32>) permutation = [1, 0]
  %bc = linalg.broadcast ins(%s : tensor<4xf32>) outs(%e : tensor<4x8xf32>) dimensions = [1]
  %m = linalg.mul ins(%t, %bc : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %d = linalg.sub ins(%y, %bc : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %m, %d : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A reshape between two elementwise generics is folded into their indexing:
// one generic on the expanded shape remains.
// CHECK-LABEL: func.func @reshape_between
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.negf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
func.func @reshape_between(%x: tensor<2x12xf32>) -> tensor<2x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x12xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x12xf32>) outs(%e : tensor<2x12xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<2x12xf32>
  %r = tensor.expand_shape %n [[0], [1, 2]] output_shape [2, 3, 4] : tensor<2x12xf32> into tensor<2x3x4xf32>
  %e3 = tensor.empty() : tensor<2x3x4xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                          iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r : tensor<2x3x4xf32>) outs(%e3 : tensor<2x3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x3x4xf32>
  return %relu : tensor<2x3x4xf32>
}

// -----

// Epilogue: bias, requantize-like scaling with clamp and ReLU (a one-to-one
// chain, merged first) become the marked epilogue of the matmul, which
// stays a matmul for the micro-kernels.
// CHECK-LABEL: func.func @matmul_epilogue
// CHECK: %[[M:.*]] = linalg.matmul
// CHECK: %[[E:.*]] = linalg.generic
// CHECK-SAME: ins(%[[M]], %{{.*}} : tensor<6x32xi32>, tensor<32xi32>)
// CHECK-SAME: attrs = {qsparse.epilogue}
// CHECK: arith.addi
// CHECK: arith.maxsi
// CHECK: arith.trunci
// CHECK-NOT: linalg.generic
// CHECK: return %[[E]]
func.func @matmul_epilogue(%a: tensor<6x16xi8>, %w: tensor<16x32xi8>, %bias: tensor<32xi32>) -> tensor<6x32xi8> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<6x32xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<6x32xi32>) -> tensor<6x32xi32>
  %m = linalg.matmul ins(%a, %w : tensor<6x16xi8>, tensor<16x32xi8>) outs(%f : tensor<6x32xi32>) -> tensor<6x32xi32>
  %biased = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%m, %bias : tensor<6x32xi32>, tensor<32xi32>) outs(%e : tensor<6x32xi32>) {
  ^bb0(%x: i32, %b: i32, %o: i32):
    %s = arith.addi %x, %b : i32
    linalg.yield %s : i32
  } -> tensor<6x32xi32>
  %e8 = tensor.empty() : tensor<6x32xi8>
  %q = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%biased : tensor<6x32xi32>) outs(%e8 : tensor<6x32xi8>) {
  ^bb0(%x: i32, %o: i8):
    %c127 = arith.constant 127 : i32
    %r = arith.maxsi %x, %c0 : i32
    %c = arith.minsi %r, %c127 : i32
    %t = arith.trunci %c : i32 to i8
    linalg.yield %t : i8
  } -> tensor<6x32xi8>
  return %q : tensor<6x32xi8>
}

// -----

// A convolution with a residual add: the epilogue reads the accumulator and
// another tensor element by element.
// CHECK-LABEL: func.func @conv_residual
// CHECK: %[[C:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[C]], %{{.*}} : tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>)
// CHECK-SAME: attrs = {qsparse.epilogue}
func.func @conv_residual(%x: tensor<1x6x6x8xf32>, %w: tensor<3x3x8x16xf32>, %skip: tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x8xf32>, tensor<3x3x8x16xf32>) outs(%f : tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  %r = linalg.add ins(%c, %skip : tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>) outs(%e : tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  return %r : tensor<1x4x4x16xf32>
}

// -----

// Not fused: a one-to-one producer with two users would be computed twice.
// CHECK-LABEL: func.func @shared_producer
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: linalg.generic
func.func @shared_producer(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %ex = linalg.exp ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %n = linalg.negf ins(%ex : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %a = linalg.abs ins(%ex : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %n, %a : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Not fused: two many-to-many ops (a convolution feeding a max pooling), and
// a contraction whose result has two users.
// CHECK-LABEL: func.func @conv_pool
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK: linalg.pooling_nhwc_max
// CHECK-NOT: qsparse.epilogue
func.func @conv_pool(%x: tensor<1x6x6x8xf32>, %w: tensor<3x3x8x16xf32>) -> tensor<1x2x2x16xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x8xf32>, tensor<3x3x8x16xf32>) outs(%f : tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %ep = tensor.empty() : tensor<1x2x2x16xf32>
  %p = linalg.pooling_nhwc_max {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
      ins(%c, %win : tensor<1x4x4x16xf32>, tensor<2x2xf32>) outs(%ep : tensor<1x2x2x16xf32>) -> tensor<1x2x2x16xf32>
  return %p : tensor<1x2x2x16xf32>
}

// CHECK-LABEL: func.func @two_users
// CHECK: %[[M:.*]] = linalg.matmul
// CHECK-NOT: qsparse.epilogue
// CHECK: return %[[M]], %{{.*}}
func.func @two_users(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %m = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %n = linalg.negf ins(%m : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %m, %n : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Not fused: an elementwise producer of a contraction (a weight decode stays
// separate so the matmul keeps its multiply-accumulate form).
// CHECK-LABEL: func.func @prologue
// CHECK: %[[D:.*]] = linalg.generic
// CHECK: arith.muli
// CHECK: linalg.matmul ins(%{{.*}}, %[[D]] :
func.func @prologue(%a: tensor<4x8xi8>, %w: tensor<8x16xi8>) -> tensor<4x16xi32> {
  %c0 = arith.constant 0 : i32
  %two = arith.constant 2 : i8
  %ew = tensor.empty() : tensor<8x16xi8>
  %d = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<8x16xi8>) outs(%ew : tensor<8x16xi8>) {
  ^bb0(%v: i8, %o: i8):
    %s = arith.muli %v, %two : i8
    linalg.yield %s : i8
  } -> tensor<8x16xi8>
  %e = tensor.empty() : tensor<4x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  %m = linalg.matmul ins(%a, %d : tensor<4x8xi8>, tensor<8x16xi8>) outs(%f : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %m : tensor<4x16xi32>
}

// The report (whole file as one module): kernel counts before and after,
// groups with members and mapping types, and each refusal with its reason.
// REPORT: "groups": [
// REPORT: "kind": "elementwise"
// REPORT: "kind": "elementwise"
// REPORT-NEXT: "loc": "loc({{.*}}fuse.mlir{{.*}}:{{[0-9]+}}:8)"
// REPORT-NEXT: "mapping": "shuffle"
// REPORT-NEXT: "members": [
// REPORT: "mapping": "one-to-many"
// REPORT-NEXT: "op": "linalg.broadcast"
// REPORT: "mapping": "shuffle"
// REPORT-NEXT: "op": "linalg.transpose"
// REPORT: "op": "linalg.mul"
// REPORT: "kind": "elementwise"
// REPORT: "op": "linalg.broadcast"
// REPORT: "op": "linalg.sub"
// REPORT: "kind": "epilogue"
// REPORT-NEXT: "loc": "loc({{.*}}fuse.mlir{{.*}}:{{[0-9]+}}:8)"
// REPORT-NEXT: "mapping": "many-to-many"
// REPORT-NEXT: "members": [
// REPORT: "op": "linalg.matmul"
// REPORT: "mapping": "one-to-one"
// REPORT: "kind": "epilogue"
// REPORT: "op": "linalg.conv_2d_nhwc_hwcf"
// REPORT: "op": "linalg.add"
// REPORT: "kernels_after": 20
// REPORT-NEXT: "kernels_before": 27
// REPORT-NEXT: "not_fused": [
// REPORT: "reason": "the producer has other users: merging would compute it twice"
// REPORT: "reason": "the producer has other users: merging would compute it twice"
// REPORT: "op": "linalg.pooling_nhwc_max"
// REPORT: "reason": "two many-to-many ops are never fused"
// REPORT: "reason": "the contraction's result has several users"
// REPORT: "op": "linalg.matmul"
// REPORT: "producer":
// REPORT: "mapping": "one-to-one"
// REPORT: "reason": "an elementwise producer of a contraction stays separate: the micro-kernels need the multiply-accumulate form"

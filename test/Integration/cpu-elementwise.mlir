// The elementwise kernel (vector loops for the parallel linalg ops no
// contraction took as its epilogue) against the reference pipeline, at
// every vector width, with the positions past the last full vector left to
// the original op on subviews.
// RUN: qsparse-run %s -e quantize --random-inputs=1 --check | FileCheck %s --check-prefix=Q
// RUN: qsparse-run %s -e quantize --random-inputs=1 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=Q
// RUN: qsparse-run %s -e quantize --random-inputs=1 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=Q
// RUN: qsparse-run %s -e quantize --random-inputs=1 --check --cpu-threads=2 | FileCheck %s --check-prefix=Q
// RUN: qsparse-run %s -e to_nhwc --random-inputs=2 --check | FileCheck %s --check-prefix=NHWC
// RUN: qsparse-run %s -e to_nhwc --random-inputs=2 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=NHWC
// RUN: qsparse-run %s -e requantize_rows --random-inputs=3 --check | FileCheck %s --check-prefix=RQ
// RUN: qsparse-run %s -e requantize_rows --random-inputs=3 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=RQ
// RUN: qsparse-run %s -e two_outputs --random-inputs=4 --check | FileCheck %s --check-prefix=TWO
// RUN: qsparse-run %s -e two_outputs --random-inputs=4 --check --cpu-threads=2 | FileCheck %s --check-prefix=TWO
// RUN: qsparse-run %s -e short --random-inputs=5 --check | FileCheck %s --check-prefix=SHORT
// RUN: qsparse-run %s -e indexed --random-inputs=6 --check | FileCheck %s --check-prefix=IDX
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR

// IR-LABEL: func.func @quantize(
// IR: arith.divf {{.*}} : vector<16xf32>
// IR: math.roundeven {{.*}} : vector<16xf32>
// IR: arith.fptoui {{.*}} : vector<16xf32> to vector<16xi8>
// IR: vector.store {{.*}} : memref<2x5x37xi8>, vector<16xi8>
// IR: memref.subview %{{.*}}[0, 0, 32] [2, 5, 5] [1, 1, 1]
// IR: linalg.generic
// IR-SAME: memref<2x5x5xf32, strided<[185, 37, 1], offset: 32>>
// The NCHW -> NHWC quantization: lanes along W (the output's C is 3), the
// output written lane by lane.
// IR-LABEL: func.func @to_nhwc(
// IR: vector.load {{.*}} : memref<1x3x8x40xf32>, vector<16xf32>
// IR: math.roundeven {{.*}} : vector<16xf32>
// IR-COUNT-16: memref.store {{.*}} : memref<1x8x40x3xi8>
// IR-LABEL: func.func @requantize_rows(
// IR: memref.load {{.*}} : memref<6xi32>
// IR: vector.broadcast {{.*}} : i32 to vector<16xi32>
// IR: vector.load {{.*}} : memref<48xi32>, vector<16xi32>
// IR: arith.shrsi {{.*}} : vector<16xi64>
// IR-NOT: linalg.generic
// IR-LABEL: func.func @two_outputs(
// IR: vector.store {{.*}} : memref<4x80xf32>, vector<16xf32>
// IR-NEXT: vector.store {{.*}} : memref<4x80xi8>, vector<16xi8>
// Left to the loops: no dimension a vector long, a body reading its
// indices.
// IR-LABEL: func.func @short(
// IR: linalg.generic
// IR-NOT: vector<
// IR-LABEL: func.func @indexed(
// IR: linalg.generic
// IR: linalg.index

#q_in = affine_map<(a, b, c) -> (a, b, c)>
#q_s = affine_map<(a, b, c) -> ()>

// Q: check: OK, 370 values match
func.func @quantize(%x: tensor<2x5x37xf32>) -> tensor<2x5x37xi8> {
  %scale = arith.constant dense<0.0125> : tensor<f32>
  %zp = arith.constant dense<7> : tensor<i8>
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 255.0 : f32
  %e = tensor.empty() : tensor<2x5x37xi8>
  %q = linalg.generic {indexing_maps = [#q_in, #q_s, #q_s, #q_in], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %scale, %zp : tensor<2x5x37xf32>, tensor<f32>, tensor<i8>) outs(%e : tensor<2x5x37xi8>) {
  ^bb0(%v: f32, %s: f32, %z: i8, %o: i8):
    %d = arith.divf %v, %s : f32
    %r = math.roundeven %d : f32
    %zf = arith.uitofp %z : i8 to f32
    %a = arith.addf %r, %zf : f32
    %c0 = arith.maximumf %a, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %u = arith.fptoui %c1 : f32 to i8
    linalg.yield %u : i8
  } -> tensor<2x5x37xi8>
  return %q : tensor<2x5x37xi8>
}

// NHWC: check: OK, 960 values match
func.func @to_nhwc(%x: tensor<1x3x8x40xf32>) -> tensor<1x8x40x3xi8> {
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %s = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<1x8x40x3xi8>
  %q = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x3x8x40xf32>) outs(%e : tensor<1x8x40x3xi8>) {
  ^bb0(%v: f32, %o: i8):
    %d = arith.divf %v, %s : f32
    %r = math.roundeven %d : f32
    %c0 = arith.maximumf %r, %lo : f32
    %c1 = arith.minimumf %c0, %hi : f32
    %i = arith.fptosi %c1 : f32 to i8
    linalg.yield %i : i8
  } -> tensor<1x8x40x3xi8>
  return %q : tensor<1x8x40x3xi8>
}

// A per-row value (not along the vector dimension: a splat per vector), a
// per-column one, and i64 arithmetic.
// RQ: check: OK, 288 values match
func.func @requantize_rows(%acc: tensor<6x48xi32>, %row: tensor<6xi32>, %col: tensor<48xi32>) -> tensor<6x48xi8> {
  %m = arith.constant 1518500250 : i64
  %sh = arith.constant 43 : i64
  %lo = arith.constant -128 : i64
  %hi = arith.constant 127 : i64
  %e = tensor.empty() : tensor<6x48xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%acc, %row, %col : tensor<6x48xi32>, tensor<6xi32>, tensor<48xi32>) outs(%e : tensor<6x48xi8>) {
  ^bb0(%a: i32, %b: i32, %c: i32, %o: i8):
    %s0 = arith.addi %a, %b : i32
    %s1 = arith.addi %s0, %c : i32
    %w = arith.extsi %s1 : i32 to i64
    %p = arith.muli %w, %m : i64
    %q = arith.shrsi %p, %sh : i64
    %c0 = arith.maxsi %q, %lo : i64
    %c1 = arith.minsi %c0, %hi : i64
    %t = arith.trunci %c1 : i64 to i8
    linalg.yield %t : i8
  } -> tensor<6x48xi8>
  return %r : tensor<6x48xi8>
}

// One op with two outputs: a ReLU and its 8-bit code.
// TWO: check: OK, 640 values match
func.func @two_outputs(%x: tensor<4x80xf32>) -> (tensor<4x80xf32>, tensor<4x80xi8>) {
  %z = arith.constant 0.0 : f32
  %s = arith.constant 0.05 : f32
  %hi = arith.constant 255.0 : f32
  %e0 = tensor.empty() : tensor<4x80xf32>
  %e1 = tensor.empty() : tensor<4x80xi8>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x80xf32>) outs(%e0, %e1 : tensor<4x80xf32>, tensor<4x80xi8>) {
  ^bb0(%v: f32, %o0: f32, %o1: i8):
    %relu = arith.maximumf %v, %z : f32
    %d = arith.divf %relu, %s : f32
    %r = math.roundeven %d : f32
    %c = arith.minimumf %r, %hi : f32
    %u = arith.fptoui %c : f32 to i8
    linalg.yield %relu, %u : f32, i8
  } -> (tensor<4x80xf32>, tensor<4x80xi8>)
  return %r#0, %r#1 : tensor<4x80xf32>, tensor<4x80xi8>
}

// SHORT: check: OK, 15 values match
func.func @short(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %z : f32
    linalg.yield %m : f32
  } -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// IDX: check: OK, 64 values match
func.func @indexed(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %e = tensor.empty() : tensor<2x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x32xf32>) outs(%e : tensor<2x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %jf = arith.sitofp %ji : i32 to f32
    %a = arith.addf %v, %jf : f32
    linalg.yield %a : f32
  } -> tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

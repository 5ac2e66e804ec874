// Window reductions (max, min and sum pooling: a generic over
// (n, oh, ow, c, kh, kw) folding each window element into the output) run as
// vector loops over channels with blocks of 4 output pixels in registers,
// and must give the reference pipeline's values bit for bit: padding,
// strides, dilations, batch 2, pixel and channel remainders, f32, u8 and
// i32, every vector width.
// RUN: qsparse-run %s -e max_f32 --random-inputs=1 --check | FileCheck %s --check-prefix=MAXF
// RUN: qsparse-run %s -e max_f32 --random-inputs=1 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=MAXF
// RUN: qsparse-run %s -e max_f32 --random-inputs=1 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=MAXF
// RUN: qsparse-run %s -e max_u8 --random-inputs=2 --check | FileCheck %s --check-prefix=MAXU
// RUN: qsparse-run %s -e max_u8 --random-inputs=2 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=MAXU
// RUN: qsparse-run %s -e sum_f32 --random-inputs=3 --check | FileCheck %s --check-prefix=SUM
// RUN: qsparse-run %s -e min_i32 --random-inputs=4 --check | FileCheck %s --check-prefix=MIN
// RUN: qsparse-run %s -e not_a_fold --random-inputs=5 --check | FileCheck %s --check-prefix=NOT

// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR
// The 32 channels in full vectors fold in registers, starting from the
// -inf fill's value (the fill is left for the other channels); the 8 left
// over of 40 stay a generic on subviews.
// IR-LABEL: func.func @max_f32
// IR: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<1x8x9x8xf32, strided<[2880, 360, 40, 1], offset: 32>>)
// IR: %[[NINF:.*]] = vector.broadcast %{{.*}} : f32 to vector<16xf32>
// IR: scf.for {{.*}} iter_args(%{{.*}} = %[[NINF]], %{{.*}} = %[[NINF]], %{{.*}} = %[[NINF]], %{{.*}} = %[[NINF]])
// IR: vector.load {{.*}} : memref<1x18x20x40xf32>, vector<16xf32>
// IR-NEXT: arith.maximumf {{.*}} : vector<16xf32>
// IR: linalg.generic {{.*}} ins({{.*}} : memref<1x18x20x8xf32, strided<[14400, 800, 40, 1], offset: 32>>,
// IR-LABEL: func.func @max_u8
// IR: arith.maxui {{.*}} : vector<64xi8>
// IR-LABEL: func.func @sum_f32
// IR: arith.addf {{.*}} : vector<16xf32>
// IR-LABEL: func.func @min_i32
// IR: arith.minsi {{.*}} : vector<16xi32>
// IR-NOT: linalg.generic
// A body that is not one fold stays a generic (its zero fill becomes
// vector stores).
// IR-LABEL: func.func @not_a_fold
// IR: vector.store %{{.*}} : memref<1x4x4x64xf32>, vector<16xf32>
// IR-NOT: arith.mulf {{.*}} : vector<16xf32>
// IR: linalg.generic
// IR-NEXT: ^bb0(
// IR-NEXT: arith.mulf {{.*}} : f32

#in = affine_map<(n, h, w, c, kh, kw) -> (n, h * 2 + kh, w * 2 + kw, c)>
#win = affine_map<(n, h, w, c, kh, kw) -> (kh, kw)>
#out = affine_map<(n, h, w, c, kh, kw) -> (n, h, w, c)>
#in_d = affine_map<(n, h, w, c, kh, kw) -> (n, h * 2 + kh * 2, w * 2 + kw * 2, c)>
#in_1 = affine_map<(n, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>
#in_3 = affine_map<(n, h, w, c, kh, kw) -> (n, h * 3 + kh, w + kw * 2, c)>
#red = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]

// 3x3 / 2 over a -inf padded image (asymmetric), 8 x 9 pixels.
// MAXF: check: OK, 2880 values match
func.func @max_f32(%x: tensor<1x16x17x40xf32>) -> tensor<1x8x9x40xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 2, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %ninf : f32
  } : tensor<1x16x17x40xf32> to tensor<1x18x20x40xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty() : tensor<1x8x9x40xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x8x9x40xf32>) -> tensor<1x8x9x40xf32>
  %m = linalg.generic {indexing_maps = [#in, #win, #out], iterator_types = #red}
      ins(%p, %w : tensor<1x18x20x40xf32>, tensor<3x3xf32>) outs(%f : tensor<1x8x9x40xf32>) {
  ^bb0(%i: f32, %k: f32, %o: f32):
    %r = arith.maximumf %o, %i : f32
    linalg.yield %r : f32
  } -> tensor<1x8x9x40xf32>
  return %m : tensor<1x8x9x40xf32>
}

// u8, batch 2, 2x2 windows dilated by 2, stride 2; 70 channels (one vector
// of 64 at 512 bits and 6 left over).
// MAXU: check: OK, 2240 values match
func.func @max_u8(%x: tensor<2x10x11x70xi8>) -> tensor<2x4x4x70xi8> {
  %z = arith.constant 0 : i8
  %w = tensor.empty() : tensor<2x2xi8>
  %e = tensor.empty() : tensor<2x4x4x70xi8>
  %f = linalg.fill ins(%z : i8) outs(%e : tensor<2x4x4x70xi8>) -> tensor<2x4x4x70xi8>
  %m = linalg.generic {indexing_maps = [#in_d, #win, #out], iterator_types = #red}
      ins(%x, %w : tensor<2x10x11x70xi8>, tensor<2x2xi8>) outs(%f : tensor<2x4x4x70xi8>) {
  ^bb0(%i: i8, %k: i8, %o: i8):
    %r = arith.maxui %i, %o : i8
    linalg.yield %r : i8
  } -> tensor<2x4x4x70xi8>
  return %m : tensor<2x4x4x70xi8>
}

// A sum pool (the numerator of an average pool), 3x3 / 1, 7 x 6 pixels:
// each lane adds in the loops' order, so the sums are the same bits.
// SUM: check: OK, 2016 values match
func.func @sum_f32(%x: tensor<1x9x8x48xf32>) -> tensor<1x7x6x48xf32> {
  %z = arith.constant 0.0 : f32
  %w = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty() : tensor<1x7x6x48xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x7x6x48xf32>) -> tensor<1x7x6x48xf32>
  %m = linalg.generic {indexing_maps = [#in_1, #win, #out], iterator_types = #red}
      ins(%x, %w : tensor<1x9x8x48xf32>, tensor<3x3xf32>) outs(%f : tensor<1x7x6x48xf32>) {
  ^bb0(%i: f32, %k: f32, %o: f32):
    %r = arith.addf %o, %i : f32
    linalg.yield %r : f32
  } -> tensor<1x7x6x48xf32>
  return %m : tensor<1x7x6x48xf32>
}

// i32 min, stride 3 x 1, dilation 1 x 2; the output starts from the
// caller's values.
// MIN: check: OK, 640 values match
func.func @min_i32(%x: tensor<1x14x9x32xi32>, %init: tensor<1x4x5x32xi32>) -> tensor<1x4x5x32xi32> {
  %w = tensor.empty() : tensor<3x3xi32>
  %m = linalg.generic {indexing_maps = [#in_3, #win, #out], iterator_types = #red}
      ins(%x, %w : tensor<1x14x9x32xi32>, tensor<3x3xi32>) outs(%init : tensor<1x4x5x32xi32>) {
  ^bb0(%i: i32, %k: i32, %o: i32):
    %r = arith.minsi %o, %i : i32
    linalg.yield %r : i32
  } -> tensor<1x4x5x32xi32>
  return %m : tensor<1x4x5x32xi32>
}

// NOT: check: OK, 1024 values match
func.func @not_a_fold(%x: tensor<1x9x9x64xf32>) -> tensor<1x4x4x64xf32> {
  %z = arith.constant 0.0 : f32
  %w = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty() : tensor<1x4x4x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
  %m = linalg.generic {indexing_maps = [#in, #win, #out], iterator_types = #red}
      ins(%x, %w : tensor<1x9x9x64xf32>, tensor<2x2xf32>) outs(%f : tensor<1x4x4x64xf32>) {
  ^bb0(%i: f32, %k: f32, %o: f32):
    %sq = arith.mulf %i, %i : f32
    %r = arith.addf %o, %sq : f32
    linalg.yield %r : f32
  } -> tensor<1x4x4x64xf32>
  return %m : tensor<1x4x4x64xf32>
}

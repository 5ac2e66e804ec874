// RUN: qsparse-opt %s -split-input-file --qsparse-float-ranges | FileCheck %s

// A requantize epilogue: an i32 accumulator through finite constant scales
// and bias, clamped to [0, 6], divided by the output scale, rounded, offset
// by the zero point and clamped to the integer range. Every clamp sees
// values that cannot be NaN (infinity, from an overflow, is fine).
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
// The rounded quotient lies in [0, 256] (6 / 0.0235 = 255.3), so the zero
// point 3 puts it in [3, 259]: the clamp at 0 can never clamp and goes.
// CHECK-LABEL: func.func @requantize
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
// CHECK: arith.minimumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
// CHECK: arith.divf
// CHECK-NEXT: math.roundeven
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.minimumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
// CHECK-NEXT: arith.fptoui
func.func @requantize(%acc: tensor<4x3xi32>) -> tensor<4x3xi8> {
  %scale = arith.constant dense<[0.5, 0.25, 1.0e-3]> : tensor<3xf32>
  %bias = arith.constant dense<[-1.0, 0.0, 2.5]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %out = arith.constant 0.0235 : f32
  %zp = arith.constant 3.0 : f32
  %top = arith.constant 255.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %f = linalg.generic {indexing_maps = [#id, #col, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %scale, %bias : tensor<4x3xi32>, tensor<3xf32>, tensor<3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%a: i32, %s: f32, %b: f32, %o: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %1, %b : f32
    %3 = arith.maximumf %2, %zero : f32
    %4 = arith.minimumf %3, %six : f32
    linalg.yield %4 : f32
  } -> tensor<4x3xf32>
  %e8 = tensor.empty() : tensor<4x3xi8>
  // The second op reads the first one's result: the classes flow through.
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%f : tensor<4x3xf32>) outs(%e8 : tensor<4x3xi8>) {
  ^bb0(%x: f32, %o: i8):
    %0 = arith.divf %x, %out : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %zero : f32
    %4 = arith.minimumf %3, %top : f32
    %5 = arith.fptoui %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<4x3xi8>
  return %q : tensor<4x3xi8>
}

// -----

// ReLU6 then a u8 quantization with scale 6/255 and zero point 0: the
// quotient rounds into [0, 255], and neither clamp of the quantization can
// clamp.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @relu6_u8
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
// CHECK-NEXT: arith.minimumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
// CHECK-NEXT: arith.divf
// CHECK-NEXT: math.roundeven
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.fptoui
func.func @relu6_u8(%acc: tensor<4x3xi32>) -> tensor<4x3xi8> {
  %scale = arith.constant 1.0e-3 : f32
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %out = arith.constant 0.0235294122 : f32
  %top = arith.constant 255.0 : f32
  %e8 = tensor.empty() : tensor<4x3xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%acc : tensor<4x3xi32>) outs(%e8 : tensor<4x3xi8>) {
  ^bb0(%a: i32, %o: i8):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %scale : f32
    %2 = arith.maximumf %1, %zero : f32
    %3 = arith.minimumf %2, %six : f32
    %4 = arith.divf %3, %out : f32
    %5 = math.roundeven %4 : f32
    %6 = arith.addf %5, %zero : f32
    %7 = arith.maximumf %6, %zero : f32
    %8 = arith.minimumf %7, %top : f32
    %9 = arith.fptoui %8 : f32 to i8
    linalg.yield %9 : i8
  } -> tensor<4x3xi8>
  return %q : tensor<4x3xi8>
}

// -----

// Signed zeros: -x of x in [-6, 0] is in [0, 6] but may be -0.0, and
// maximumf(-0.0, +0.0) is +0.0, so that clamp stays (marked); the clamp at
// 6 goes. A value that may be NaN keeps a maxnumf against a constant (a
// NaN operand yields the constant) but not a maximumf (it yields the NaN).
// Rounding may make -0.0 of small negative values.
// CHECK-LABEL: func.func @zeros_and_nans
// CHECK: %[[NEG:.*]] = arith.negf
// CHECK-NEXT: %[[R0:.*]] = arith.maximumf %[[NEG]], %{{.*}} fastmath<nnan> : f32
// CHECK-NEXT: %[[H:.*]] = arith.uitofp
// CHECK-NEXT: %[[Z:.*]] = arith.mulf %[[H]]
// CHECK-NEXT: %[[N:.*]] = arith.maxnumf %[[Z]], %{{.*}} : f16
// CHECK-NEXT: %[[Q:.*]] = arith.divf
// CHECK-NEXT: %[[RE:.*]] = math.roundeven %[[Q]]
// CHECK-NEXT: %[[R3:.*]] = arith.maximumf %[[RE]], %{{.*}} fastmath<nnan> : f32
// CHECK-NEXT: return %[[R0]], %[[NEG]], %[[Z]], %[[N]], %[[R3]]
func.func @zeros_and_nans(%i: i8, %u: i32) -> (f32, f32, f16, f16, f32) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %m6 = arith.constant -6.0 : f32
  %h0 = arith.constant 0.0 : f16
  %c8 = arith.constant 8.0 : f32
  %x0 = arith.sitofp %i : i8 to f32
  %x1 = arith.maximumf %x0, %m6 : f32
  %x = arith.minimumf %x1, %zero : f32
  %neg = arith.negf %x : f32
  %r0 = arith.maximumf %neg, %zero : f32
  %r1 = arith.minimumf %neg, %six : f32
  // u32 -> f16 overflows; times 0 it is +0.0 or NaN.
  %h = arith.uitofp %u : i32 to f16
  %z = arith.mulf %h, %h0 : f16
  %r2 = arith.maximumf %z, %h0 : f16
  %n = arith.maxnumf %z, %h0 : f16
  %q = arith.divf %x, %c8 : f32
  %re = math.roundeven %q : f32
  %r3 = arith.maximumf %re, %zero : f32
  return %r0, %r1, %r2, %n, %r3 : f32, f32, f16, f16, f32
}

// -----

// A float argument may be NaN; so may a constant that holds one, and a
// value computed from one.
// CHECK-LABEL: func.func @unknown
// CHECK: arith.maximumf %arg0, %{{.*}} : f32
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.minnumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
func.func @unknown(%x: f32, %i: i32) -> (f32, f32, f32) {
  %zero = arith.constant 0.0 : f32
  %nan = arith.constant 0x7FC00000 : f32
  %a = arith.maximumf %x, %zero : f32
  %f = arith.sitofp %i : i32 to f32
  %p = arith.mulf %f, %nan : f32
  %b = arith.maximumf %p, %zero : f32
  // minnumf of a maybe-NaN and a number is marked only when both are
  // proven: here %f is, %zero is.
  %c = arith.minnumf %f, %zero : f32
  return %a, %b, %c : f32, f32, f32
}

// -----

// Operations that make a NaN from numbers: 0 / 0, infinity - infinity
// (products may overflow), 0 * infinity (an i32 into f16 may overflow).
// CHECK-LABEL: func.func @made_nans
// CHECK-COUNT-3: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f16
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f16
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan> : f16
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
func.func @made_nans(%i: i32, %j: i32, %k: i8, %u: i16) -> (f32, f32, f32, f16, f16, f16, f32) {
  %zero = arith.constant 0.0 : f32
  %big = arith.constant 3.0e38 : f32
  %h0 = arith.constant 0.0 : f16
  %x = arith.sitofp %i : i32 to f32
  %y = arith.sitofp %j : i32 to f32
  %q = arith.divf %x, %y : f32
  %a = arith.maximumf %q, %zero : f32
  %px = arith.mulf %x, %big : f32
  %py = arith.mulf %y, %big : f32
  %d = arith.subf %px, %py : f32
  %b = arith.maximumf %d, %zero : f32
  %z = arith.mulf %px, %x : f32
  %c = arith.maximumf %z, %zero : f32
  // i32 -> f16 overflows to infinity; so does u16 (65535 > 65504); i8 and
  // a nonzero constant do not.
  %hi = arith.sitofp %i : i32 to f16
  %hz = arith.mulf %hi, %h0 : f16
  %e = arith.maximumf %hz, %h0 : f16
  %hu = arith.uitofp %u : i16 to f16
  %huz = arith.mulf %hu, %h0 : f16
  %hk = arith.sitofp %k : i8 to f16
  %hkz = arith.mulf %hk, %h0 : f16
  %f = arith.maximumf %huz, %hk : f16
  %g = arith.maximumf %hkz, %hk : f16
  // A sum of an overflowed product and a finite value is not NaN.
  %s = arith.addf %px, %x : f32
  %h = arith.maximumf %s, %zero : f32
  return %a, %b, %c, %e, %f, %g, %h : f32, f32, f32, f16, f16, f16, f32
}

// -----

// A reduction's output argument holds partial results, not only its
// initial values: a product of finite values overflows to infinity and a
// later zero makes it NaN. Only the fixpoint over the body sees that.
#id1 = affine_map<(d0) -> (d0)>
#red = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @reduction
// CHECK: arith.mulf
// CHECK-NEXT: arith.maximumf %{{.*}}, %{{.*}} : f32
func.func @reduction(%v: tensor<8xi32>) -> tensor<f32> {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%one : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [#id1, #red], iterator_types = ["reduction"]} ins(%v : tensor<8xi32>) outs(%init : tensor<f32>) {
  ^bb0(%a: i32, %o: f32):
    %x = arith.sitofp %a : i32 to f32
    %p = arith.mulf %o, %x : f32
    %m = arith.maximumf %p, %zero : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Tensor ops that move elements keep their classes; a pad adds its value.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @moved
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
func.func @moved(%x: tensor<1x2x2x3xi8>) -> (tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %nan = arith.constant 0x7FC00000 : f32
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %f = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x2x2x3xi8>) outs(%e : tensor<1x2x2x3xf32>) {
  ^bb0(%a: i8, %o: f32):
    %0 = arith.sitofp %a : i8 to f32
    linalg.yield %0 : f32
  } -> tensor<1x2x2x3xf32>
  %et = tensor.empty() : tensor<1x3x2x2xf32>
  %t = linalg.transpose ins(%f : tensor<1x2x2x3xf32>) outs(%et : tensor<1x3x2x2xf32>) permutation = [0, 3, 1, 2]
  %c = tensor.collapse_shape %t [[0, 1], [2], [3]] : tensor<1x3x2x2xf32> into tensor<3x2x2xf32>
  %x2 = tensor.expand_shape %c [[0, 1], [2], [3]] output_shape [1, 3, 2, 2] : tensor<3x2x2xf32> into tensor<1x3x2x2xf32>
  %et2 = tensor.empty() : tensor<1x2x2x3xf32>
  %back = linalg.transpose ins(%x2 : tensor<1x3x2x2xf32>) outs(%et2 : tensor<1x2x2x3xf32>) permutation = [0, 2, 3, 1]
  %p0 = tensor.pad %back low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x2x3xf32> to tensor<1x4x4x3xf32>
  %pn = tensor.pad %back low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %nan : f32
  } : tensor<1x2x2x3xf32> to tensor<1x4x4x3xf32>
  %e2 = tensor.empty() : tensor<1x4x4x3xf32>
  %r0 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p0 : tensor<1x4x4x3xf32>) outs(%e2 : tensor<1x4x4x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %0 = arith.maximumf %a, %zero : f32
    linalg.yield %0 : f32
  } -> tensor<1x4x4x3xf32>
  %rn = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%pn : tensor<1x4x4x3xf32>) outs(%e2 : tensor<1x4x4x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %0 = arith.maximumf %a, %zero : f32
    linalg.yield %0 : f32
  } -> tensor<1x4x4x3xf32>
  return %r0, %rn : tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>
}

// -----

// A copy between element types converts: 1.0e5 does not fit in f16 and
// becomes infinity, whose difference with itself is NaN, so the maxnumf
// (a NaN operand yields the constant) stays.
#id1c = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @converting_copy
// CHECK: arith.subf
// CHECK-NEXT: arith.maxnumf %{{.*}}, %{{.*}} : f16
func.func @converting_copy(%out: tensor<4xf16>) -> tensor<4xf16> {
  %big = arith.constant dense<1.0e5> : tensor<4xf32>
  %h0 = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<4xf16>
  %h = linalg.copy ins(%big : tensor<4xf32>) outs(%e : tensor<4xf16>) -> tensor<4xf16>
  %r = linalg.generic {indexing_maps = [#id1c, #id1c], iterator_types = ["parallel"]} ins(%h : tensor<4xf16>) outs(%out : tensor<4xf16>) {
  ^bb0(%x: f16, %o: f16):
    %d = arith.subf %x, %x : f16
    %m = arith.maxnumf %d, %h0 : f16
    linalg.yield %m : f16
  } -> tensor<4xf16>
  return %r : tensor<4xf16>
}

// -----

// Small float formats are not IEEE-like (f8E4M3FN has no infinity: 448 +
// 448 is NaN); they are left alone.
// CHECK-LABEL: func.func @small_float
// CHECK: arith.minimumf %{{.*}}, %{{.*}} : f8E4M3FN
func.func @small_float() -> f8E4M3FN {
  %a = arith.constant 448.0 : f8E4M3FN
  %s = arith.addf %a, %a : f8E4M3FN
  %m = arith.minimumf %s, %a : f8E4M3FN
  return %m : f8E4M3FN
}

// -----

// A reduction keeps its initial values where its reduction dimension is
// empty, even when the body never reads the output: -5 stays possible.
#in2 = affine_map<(d0, d1) -> (d0, d1)>
#out2 = affine_map<(d0, d1) -> (d0)>
#id1r = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @empty_reduction
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan> : f32
func.func @empty_reduction(%v: tensor<4x?xi8>) -> tensor<4xf32> {
  %m5 = arith.constant -5.0 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%m5 : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %last = linalg.generic {indexing_maps = [#in2, #out2], iterator_types = ["parallel", "reduction"]} ins(%v : tensor<4x?xi8>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: i8, %o: f32):
    %x = arith.uitofp %a : i8 to f32
    linalg.yield %x : f32
  } -> tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id1r, #id1r], iterator_types = ["parallel"]} ins(%last : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.maximumf %x, %zero : f32
    linalg.yield %y : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// The CPU micro-kernels on every vector width and with/without VNNI must give
// the reference pipeline's integers (and floats within tolerance) on shapes
// that are not tile multiples, K = 1, K not a multiple of 4, tiny and tall.
// RUN: qsparse-run %s -e f32 --random-inputs=1 --check --cpu-vector-bits=512 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e f32 --random-inputs=1 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e f32 --random-inputs=1 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=F32
// RUN: qsparse-run %s -e u8s8 --random-inputs=2 --check %vnni_on | FileCheck %s --check-prefix=U8
// RUN: qsparse-run %s -e u8s8 --random-inputs=2 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s --check-prefix=U8
// RUN: qsparse-run %s -e u8s8_n100 --random-inputs=2 --check | FileCheck %s --check-prefix=N100
// RUN: qsparse-run %s -e u8s8_n100 --random-inputs=2 --check --cpu-vnni=off | FileCheck %s --check-prefix=N100
// RUN: qsparse-run %s -e f32_n40 --random-inputs=2 --check | FileCheck %s --check-prefix=F40
// RUN: qsparse-run %s -e u8s8_k1 --random-inputs=3 --check | FileCheck %s --check-prefix=K1
// RUN: qsparse-run %s -e s8s8_odd --random-inputs=4 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=ODD
// RUN: qsparse-run %s -e s8s8_odd --random-inputs=4 --check | FileCheck %s --check-prefix=ODD
// RUN: qsparse-run %s -e linalg_unsigned --random-inputs=5 --check | FileCheck %s --check-prefix=UNS
// RUN: qsparse-run %s -e conv --random-inputs=6 --check | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv --random-inputs=6 --check --cpu-vnni=off | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv --random-inputs=6 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv_f32 --random-inputs=6 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=CONVF

// F32: check: OK, 9047 values match
func.func @f32(%a: tensor<83x67xf32>, %b: tensor<67x109xf32>) -> tensor<83x109xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<83x109xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<83x109xf32>) -> tensor<83x109xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<83x67xf32>, tensor<67x109xf32>) outs(%f : tensor<83x109xf32>) -> tensor<83x109xf32>
  return %0 : tensor<83x109xf32>
}

// K = 1100 crosses the 256-step (K = 1024) block of the VNNI kernel and the
// 512 one of the others.
// U8: check: OK, 7800 values match
func.func @u8s8(%a: tensor<100x1100xi8>, %b: tensor<1100x78xi8>) -> tensor<100x78xi32> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<100x1100xi8>, tensor<1100x78xi8> -> tensor<100x78xi32>
  return %0 : tensor<100x78xi32>
}

// N = 100: a 64-column panel, a 32-column panel (two whole vectors; with
// K = 1100 both cross the K blocks) and the last 4 columns in the op.
// N100: check: OK, 5000 values match
func.func @u8s8_n100(%a: tensor<50x1100xi8>, %b: tensor<1100x100xi8>) -> tensor<50x100xi32> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<50x1100xi8>, tensor<1100x100xi8> -> tensor<50x100xi32>
  return %0 : tensor<50x100xi32>
}

// F40: check: OK, 520 values match
func.func @f32_n40(%a: tensor<13x600xf32>, %b: tensor<600x40xf32>) -> tensor<13x40xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<13x40xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<13x40xf32>) -> tensor<13x40xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<13x600xf32>, tensor<600x40xf32>) outs(%f : tensor<13x40xf32>) -> tensor<13x40xf32>
  return %0 : tensor<13x40xf32>
}

// K1: check: OK, 1152 values match
func.func @u8s8_k1(%a: tensor<12x1xi8>, %b: tensor<1x96xi8>) -> tensor<12x96xi32> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<12x1xi8>, tensor<1x96xi8> -> tensor<12x96xi32>
  return %0 : tensor<12x96xi32>
}

// ODD: check: OK, 4355 values match
func.func @s8s8_odd(%a: tensor<65x37xi8>, %b: tensor<37x67xi8>) -> tensor<65x67xi32> {
  %0 = qsparse.matmul %a, %b : tensor<65x37xi8>, tensor<37x67xi8> -> tensor<65x67xi32>
  return %0 : tensor<65x67xi32>
}

// linalg.matmul with cast_unsigned extends both operands unsigned.
// UNS: check: OK, 2048 values match
func.func @linalg_unsigned(%a: tensor<32x16xi8>, %b: tensor<16x64xi8>) -> tensor<32x64xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x64xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<32x64xi32>) -> tensor<32x64xi32>
  %0 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : tensor<32x16xi8>, tensor<16x64xi8>) outs(%f : tensor<32x64xi32>) -> tensor<32x64xi32>
  return %0 : tensor<32x64xi32>
}

// RUN: qsparse-run %s -e panels152 --random-inputs=21 --check %vnni_on | FileCheck %s --check-prefix=PANELS
// RUN: qsparse-run %s -e panels152_const --random-inputs=22 --check %vnni_on | FileCheck %s --check-prefix=PANELSC
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vnni=on vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=PANELIR
// PANELIR-LABEL: func.func @panels152(
// PANELIR: memref.alloc() {alignment = 64 : i64} : memref<54x256xi8>
// PANELIR: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// PANELIR-LABEL: func.func @panels152_const(
// PANELIR: memref.get_global @__qsparse_packed{{[_0-9]*}} : memref<6x256xi8>
// PANELIR: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"

// Implicit-GEMM convolution: strides, dilation, asymmetric padding, batch 2,
// pixel and filter counts that are not tile multiples, C % 4 == 0 (VNNI).
// CONV: check: OK, 2520 values match
func.func @conv(%x: tensor<2x9x11x8xi8>, %w: tensor<3x2x8x70xi8>) -> tensor<2x3x6x70xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 1>}
      : tensor<2x9x11x8xi8>, tensor<3x2x8x70xi8> -> tensor<2x3x6x70xi32>
  return %0 : tensor<2x3x6x70xi32>
}

// CONVF: check: OK, 1920 values match
func.func @conv_f32(%x: tensor<1x10x14x3xf32>, %w: tensor<3x3x3x20xf32>) -> tensor<1x8x12x20xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x12x20xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x12x20xf32>) -> tensor<1x8x12x20xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x10x14x3xf32>, tensor<3x3x3x20xf32>) outs(%f : tensor<1x8x12x20xf32>) -> tensor<1x8x12x20xf32>
  return %0 : tensor<1x8x12x20xf32>
}

// u8 x s8 convolutions with C % 4 != 0. With unit W dilation the (kw, c)
// taps of a filter row are consecutive image bytes, read in 4-byte groups
// (the last one partial) against a filter packed the same way; with W
// dilation C is padded to a multiple of 4 with zeros instead.
// RUN: qsparse-run %s -e conv_c6 --random-inputs=8 --check | FileCheck %s --check-prefix=C6
// RUN: qsparse-run %s -e conv_c6 --random-inputs=8 --check --cpu-vnni=off | FileCheck %s --check-prefix=C6
// RUN: qsparse-run %s -e stem --random-inputs=9 --check | FileCheck %s --check-prefix=STEM
// RUN: qsparse-run %s -e stem --random-inputs=9 --check --cpu-vnni=off | FileCheck %s --check-prefix=STEM
// RUN: qsparse-run %s -e stem_const --random-inputs=9 --check | FileCheck %s --check-prefix=STEMC
// RUN: qsparse-run %s -e c1 --random-inputs=10 --check | FileCheck %s --check-prefix=C1
// RUN: qsparse-run %s -e c5_fused --random-inputs=11 --check | FileCheck %s --check-prefix=C5
// RUN: qsparse-run %s -e c2_dilated --random-inputs=12 --check | FileCheck %s --check-prefix=C2D
// RUN: qsparse-run %s -e c3_dilated_const --random-inputs=12 --check | FileCheck %s --check-prefix=C3D
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vnni=on vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=C3DIR
// RUN: qsparse-run %s -e narrow24 --random-inputs=13 --check | FileCheck %s --check-prefix=N24
// RUN: qsparse-run %s -e narrow24 --random-inputs=13 --check --cpu-vnni=off | FileCheck %s --check-prefix=N24
// RUN: qsparse-run %s -e narrow24 --random-inputs=13 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=N24
// RUN: qsparse-run %s -e narrow40_fused --random-inputs=14 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s --check-prefix=N40
// RUN: qsparse-run %s -e narrow24_residual --random-inputs=17 --check | FileCheck %s --check-prefix=NR
// RUN: qsparse-run %s -e narrow24_fresh_residual --random-inputs=18 --check | FileCheck %s --check-prefix=NR
// RUN: qsparse-run %s -e narrow24_fresh_residual --random-inputs=18 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s --check-prefix=NR
// RUN: qsparse-run %s -e narrow_f32 --random-inputs=16 --check | FileCheck %s --check-prefix=NF
// RUN: qsparse-run %s -e narrow_f32 --random-inputs=16 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=NF
// RUN: qsparse-run %s -e narrow40_fused --random-inputs=14 --check | FileCheck %s --check-prefix=N40
// RUN: qsparse-run %s -e narrow20_accumulate --random-inputs=15 --check | FileCheck %s --check-prefix=N20
// Narrowed (i16) accumulators, which wrap in two's complement, run the same
// kernels summing in i32 and truncating when stored: the same bits. The
// random operands are full-range, so these sums do wrap.
// RUN: qsparse-run %s -e i16_matmul --random-inputs=18 --check %vnni_on | FileCheck %s --check-prefix=I16M
// RUN: qsparse-run %s -e i16_matmul --random-inputs=18 --check --cpu-vnni=off | FileCheck %s --check-prefix=I16M
// RUN: qsparse-run %s -e i16_matmul --random-inputs=18 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=I16M
// RUN: qsparse-run %s -e i16_conv_relu --random-inputs=19 --check | FileCheck %s --check-prefix=I16C
// RUN: qsparse-run %s -e i16_conv_relu --random-inputs=19 --check --cpu-vnni=off | FileCheck %s --check-prefix=I16C
// RUN: qsparse-run %s -e i16_accumulate --random-inputs=20 --check | FileCheck %s --check-prefix=I16A
// RUN: qsparse-run %s -e i16_accumulate --random-inputs=20 --check --cpu-vnni=off --cpu-vector-bits=128 | FileCheck %s --check-prefix=I16A
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vnni=on vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=I16IR
// I16IR-LABEL: func.func @i16_matmul(
// The fill is left only for the 4 columns the op keeps.
// I16IR: linalg.fill ins(%{{.*}} : i16) outs(%{{.*}} : memref<50x4xi16, strided<[100, 1], offset: 96>>)
// I16IR: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"{{.*}}-> vector<16xi32>
// I16IR: arith.trunci %{{.*}} : vector<16xi32> to vector<16xi16>
// I16IR: vector.store %{{.*}} : memref<50x100xi16>, vector<16xi16>
// The last 4 columns stay with the op (on a subview).
// I16IR: linalg.generic
// I16IR-SAME: memref<50x4xi16, strided<[100, 1], offset: 96>>
// I16IR-LABEL: func.func @i16_conv_relu(
// I16IR-NOT: linalg.generic
// I16IR: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// I16IR: %[[SMALL:.*]] = arith.trunci %{{.*}} : vector<16xi32> to vector<16xi16>
// I16IR: arith.maxsi %[[SMALL]], %{{.*}} : vector<16xi16>
// I16IR-NOT: linalg.generic
// I16IR-LABEL: func.func @i16_accumulate(
// I16IR: %[[PRIOR:.*]] = vector.load %{{.*}} : memref<80x20xi16>, vector<16xi16>
// I16IR-NEXT: arith.extsi %[[PRIOR]] : vector<16xi16> to vector<16xi32>
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vnni=on vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=NARROW
// Fewer filters than a 64-wide panel: F = 24 runs a 16-filter panel from
// filter 0 and one from filter 8 (overlapping, recomputed: the output was
// filled right before); no scalar loops over filters are left.
// NARROW-LABEL: func.func @narrow24(
// NARROW-NOT: linalg.fill
// NARROW-NOT: linalg.generic
// NARROW-NOT: memref.load %{{.*}} : memref<1x8x10x16xi8>
// NARROW: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// NARROW-NOT: memref.load %{{.*}} : memref<1x8x10x16xi8>
// NARROW-NOT: linalg.generic
// NARROW-LABEL: func.func @narrow40_fused(
// RUN: qsparse-opt %s --qsparse-cpu-pipeline="vnni=on vector-bits=512" --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR
// The stem (KW*C = 21: five 4-byte groups and a 1-byte one per filter row):
// no copy of the image or filter with C padded to 4, the filter packed to
// [KH*6][F*4], the image read as [N][H][W*C] rows.
// IR-LABEL: func.func @stem(
// IR-NOT: memref<2x36x35x4xi8>
// IR: memref.alloc() {alignment = 64 : i64} : memref<42x280xi8>
// IR: memref.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : memref<2x36x35x3xi8> into memref<2x36x105xi8>
// IR: scf.for %{{.*}} = %c0{{(_[0-9]+)?}} to %c5{{(_[0-9]+)?}} step %c1{{(_[0-9]+)?}} iter_args(
// IR-COUNT-24: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// IR: vector.load %{{.*}} : memref<2x36x105xi8>, vector<1xi8>
// IR-COUNT-24: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// A constant filter (here a dense_resource blob, as importers write
// weights) is packed at compile time.
// IR-LABEL: func.func @stem_const(
// IR-NOT: memref.alloc() {alignment = 64 : i64} : memref<12x256xi8>
// IR: memref.get_global @__qsparse_packed{{.*}} : memref<12x256xi8>
// C6: check: OK, 9240 values match
func.func @conv_c6(%x: tensor<2x9x11x6xi8>, %w: tensor<3x2x6x70xi8>) -> tensor<2x6x11x70xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 1>}
      : tensor<2x9x11x6xi8>, tensor<3x2x6x70xi8> -> tensor<2x6x11x70xi32>
  return %0 : tensor<2x6x11x70xi32>
}

// STEM: check: OK, 31500 values match
func.func @stem(%x: tensor<2x30x30x3xi8>, %w: tensor<7x7x3x70xi8>) -> tensor<2x15x15x70xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 2>}
      : tensor<2x30x30x3xi8>, tensor<7x7x3x70xi8> -> tensor<2x15x15x70xi32>
  return %0 : tensor<2x15x15x70xi32>
}

// STEMC: check: OK, 17280 values match
func.func @stem_const(%x: tensor<1x30x30x3xi8>) -> tensor<1x18x15x64xi32> {
  %w = arith.constant dense_resource<stem_w> : tensor<2x7x3x64xi8>
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 2>}
      : tensor<1x30x30x3xi8>, tensor<2x7x3x64xi8> -> tensor<1x18x15x64xi32>
  return %0 : tensor<1x18x15x64xi32>
}

// C = 1, KW = 3: only a partial group (3 bytes) per filter row.
// C1: check: OK, 4608 values match
func.func @c1(%x: tensor<1x9x10x1xi8>, %w: tensor<3x3x1x64xi8>) -> tensor<1x8x9x64xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 0, 0, 1, 1>}
      : tensor<1x9x10x1xi8>, tensor<3x3x1x64xi8> -> tensor<1x8x9x64xi32>
  return %0 : tensor<1x8x9x64xi32>
}

// C = 5, KW = 3 (three groups and 3 bytes), H dilation 2, with a fused
// bias + ReLU epilogue and the accumulators started from the output's fill.
// C5: check: OK, 2800 values match
func.func @c5_fused(%x: tensor<1x12x9x5xi8>, %w: tensor<2x3x5x80xi8>, %bias: tensor<80xi32>) -> tensor<1x5x7x80xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 1>, dilations = array<i64: 2, 1>}
      : tensor<1x12x9x5xi8>, tensor<2x3x5x80xi8> -> tensor<1x5x7x80xi32>
  %e = tensor.empty() : tensor<1x5x7x80xi32>
  %1 = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0, %bias : tensor<1x5x7x80xi32>, tensor<80xi32>) outs(%e : tensor<1x5x7x80xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %s = arith.addi %a, %b : i32
    %z = arith.constant 0 : i32
    %r = arith.maxsi %s, %z : i32
    linalg.yield %r : i32
  } -> tensor<1x5x7x80xi32>
  return %1 : tensor<1x5x7x80xi32>
}

// C = 2 with W dilation 2: the taps are not consecutive; C padded to 4.
// C2D: check: OK, 1792 values match
func.func @c2_dilated(%x: tensor<1x8x12x2xi8>, %w: tensor<2x3x2x64xi8>) -> tensor<1x7x4x64xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 1, 2>, dilations = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 0>}
      : tensor<1x8x12x2xi8>, tensor<2x3x2x64xi8> -> tensor<1x7x4x64xi32>
  return %0 : tensor<1x7x4x64xi32>
}



// A constant filter padded to C = 4 (W dilation): widened at compile time
// into a new global, packed at compile time like any constant weight; only
// the image is copied at run time.
// C3DIR-LABEL: func.func @c3_dilated_const(
// C3DIR: memref.alloc() {{.*}} : memref<1x6x9x4xi8>
// C3DIR-NOT: memref.alloc() {{.*}} : memref<1x2x4x16xi8>
// C3DIR: memref.get_global @__qsparse_widened : memref<1x2x4x16xi8>
// C3DIR-NOT: memref.alloc() {{.*}} : memref<1x2x4x16xi8>
// C3DIR: memref.get_global @__qsparse_packed
// C3DIR: return
// C3DIR: memref.global "private" constant @__qsparse_widened : memref<1x2x4x16xi8>
// C3D: check: OK, 480 values match
func.func @c3_dilated_const(%x: tensor<1x6x9x3xi8>) -> tensor<1x6x5x16xi32> {
  %w = arith.constant dense<[[[[-116, -79, -42, -5, 32, 69, 106, -112, -75, -38, -1, 36, 73, 110, -108, -71], [-34, 3, 40, 77, 114, -104, -67, -30, 7, 44, 81, 118, -100, -63, -26, 11], [48, 85, 122, -96, -59, -22, 15, 52, 89, 126, -92, -55, -18, 19, 56, 93]], [[-125, -88, -51, -14, 23, 60, 97, -121, -84, -47, -10, 27, 64, 101, -117, -80], [-43, -6, 31, 68, 105, -113, -76, -39, -2, 35, 72, 109, -109, -72, -35, 2], [39, 76, 113, -105, -68, -31, 6, 43, 80, 117, -101, -64, -27, 10, 47, 84]]]]> : tensor<1x2x3x16xi8>
  %0 = qsparse.conv2d %x, %w {input_unsigned, dilations = array<i64: 1, 4>}
      : tensor<1x6x9x3xi8>, tensor<1x2x3x16xi8> -> tensor<1x6x5x16xi32>
  return %0 : tensor<1x6x5x16xi32>
}

// N24: check: OK, 1920 values match
func.func @narrow24(%x: tensor<1x8x10x16xi8>, %w: tensor<1x1x16x24xi8>) -> tensor<1x8x10x24xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned} : tensor<1x8x10x16xi8>, tensor<1x1x16x24xi8> -> tensor<1x8x10x24xi32>
  return %0 : tensor<1x8x10x24xi32>
}

// F = 40: a 2-vector panel and an overlapping 1-vector one, with a fused
// bias + ReLU epilogue.
// N40: check: OK, 1400 values match
func.func @narrow40_fused(%x: tensor<1x7x5x12xi8>, %w: tensor<3x3x12x40xi8>, %bias: tensor<40xi32>) -> tensor<1x7x5x40xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x7x5x12xi8>, tensor<3x3x12x40xi8> -> tensor<1x7x5x40xi32>
  %e = tensor.empty() : tensor<1x7x5x40xi32>
  %1 = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0, %bias : tensor<1x7x5x40xi32>, tensor<40xi32>) outs(%e : tensor<1x7x5x40xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %s = arith.addi %a, %b : i32
    %z = arith.constant 0 : i32
    %r = arith.maxsi %s, %z : i32
    linalg.yield %r : i32
  } -> tensor<1x7x5x40xi32>
  return %1 : tensor<1x7x5x40xi32>
}

// F = 20 followed by an add into a given tensor (not applied by the kernel).
// N20: check: OK, 1600 values match
func.func @narrow20_accumulate(%x: tensor<1x8x10x16xi8>, %w: tensor<1x1x16x20xi8>, %prior: tensor<1x8x10x20xi32>) -> tensor<1x8x10x20xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned} : tensor<1x8x10x16xi8>, tensor<1x1x16x20xi8> -> tensor<1x8x10x20xi32>
  %1 = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0 : tensor<1x8x10x20xi32>) outs(%prior : tensor<1x8x10x20xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.addi %a, %o : i32
    linalg.yield %s : i32
  } -> tensor<1x8x10x20xi32>
  return %1 : tensor<1x8x10x20xi32>
}


// f32, F = 88: one 64-wide panel, a 16-filter panel reading the filter
// unpacked, and an overlapping vector for the last 8.
// NF: check: OK, 2640 values match
func.func @narrow_f32(%x: tensor<1x7x8x5xf32>, %w: tensor<3x3x5x88xf32>) -> tensor<1x5x6x88xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x6x88xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x5x6x88xf32>) -> tensor<1x5x6x88xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x7x8x5xf32>, tensor<3x3x5x88xf32>) outs(%f : tensor<1x5x6x88xf32>) -> tensor<1x5x6x88xf32>
  return %0 : tensor<1x5x6x88xf32>
}


// F = 24 followed by a residual add written over an intermediate's
// buffer (the kernels give a fused epilogue with such a whole-tensor
// operand no overlapping vector: it could read a residual it overwrote).
// NR: check: OK, 1920 values match
func.func @narrow24_residual(%x: tensor<1x8x10x16xi8>, %w: tensor<1x1x16x24xi8>, %s: tensor<1x8x10x24xi32>) -> tensor<1x8x10x24xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned} : tensor<1x8x10x16xi8>, tensor<1x1x16x24xi8> -> tensor<1x8x10x24xi32>
  %e = tensor.empty() : tensor<1x8x10x24xi32>
  %skip = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x8x10x24xi32>) outs(%e : tensor<1x8x10x24xi32>) {
  ^bb0(%a: i32, %o: i32):
    %c3 = arith.constant 3 : i32
    %m = arith.muli %a, %c3 : i32
    linalg.yield %m : i32
  } -> tensor<1x8x10x24xi32>
  %1 = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0, %skip : tensor<1x8x10x24xi32>, tensor<1x8x10x24xi32>) outs(%skip : tensor<1x8x10x24xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %t = arith.addi %a, %b : i32
    linalg.yield %t : i32
  } -> tensor<1x8x10x24xi32>
  return %1 : tensor<1x8x10x24xi32>
}

// The same into a new tensor: the residual's buffer is allocated here, so
// the output is not it and the last 8 filters run as an overlapping vector
// with the epilogue applied again to filters already done.
func.func @narrow24_fresh_residual(%x: tensor<1x8x10x16xi8>, %w: tensor<1x1x16x24xi8>, %s: tensor<1x8x10x24xi32>) -> tensor<1x8x10x24xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned} : tensor<1x8x10x16xi8>, tensor<1x1x16x24xi8> -> tensor<1x8x10x24xi32>
  %e = tensor.empty() : tensor<1x8x10x24xi32>
  %skip = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x8x10x24xi32>) outs(%e : tensor<1x8x10x24xi32>) {
  ^bb0(%a: i32, %o: i32):
    %c3 = arith.constant 3 : i32
    %m = arith.muli %a, %c3 : i32
    linalg.yield %m : i32
  } -> tensor<1x8x10x24xi32>
  %e2 = tensor.empty() : tensor<1x8x10x24xi32>
  %1 = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0, %skip : tensor<1x8x10x24xi32>, tensor<1x8x10x24xi32>) outs(%e2 : tensor<1x8x10x24xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %t = arith.addi %a, %b : i32
    %c1 = arith.constant 1 : i32
    %u = arith.shrsi %t, %c1 : i32
    linalg.yield %u : i32
  } -> tensor<1x8x10x24xi32>
  return %1 : tensor<1x8x10x24xi32>
}

// I16M: check: OK, 5000 values match
func.func @i16_matmul(%a: tensor<50x1100xi8>, %b: tensor<1100x100xi8>) -> tensor<50x100xi16> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<50x1100xi8>, tensor<1100x100xi8> -> tensor<50x100xi16>
  return %0 : tensor<50x100xi16>
}

// F = 40: a 32-filter panel and an overlapping vector, ReLU fused on the
// i16 accumulators.
// I16C: check: OK, 2560 values match
func.func @i16_conv_relu(%x: tensor<2x9x9x16xi8>, %w: tensor<3x3x16x40xi8>) -> tensor<2x4x8x40xi16> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 0, 1, 0, 0>, strides = array<i64: 2, 1>} : tensor<2x9x9x16xi8>, tensor<3x3x16x40xi8> -> tensor<2x4x8x40xi16>
  %e = tensor.empty() : tensor<2x4x8x40xi16>
  %1 = linalg.generic {indexing_maps = [affine_map<(n, h, w, f) -> (n, h, w, f)>, affine_map<(n, h, w, f) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0 : tensor<2x4x8x40xi16>) outs(%e : tensor<2x4x8x40xi16>) {
  ^bb0(%a: i16, %o: i16):
    %z = arith.constant 0 : i16
    %r = arith.maxsi %a, %z : i16
    linalg.yield %r : i16
  } -> tensor<2x4x8x40xi16>
  return %1 : tensor<2x4x8x40xi16>
}

// Accumulating into a runtime i16 tensor: the kernels load it and widen it.
// I16A: check: OK, 1600 values match
func.func @i16_accumulate(%a: tensor<80x36xi8>, %b: tensor<36x20xi8>, %prior: tensor<80x20xi16>) -> tensor<80x20xi16> {
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<80x36xi8>, tensor<36x20xi8>) outs(%prior : tensor<80x20xi16>) {
  ^bb0(%x: i8, %y: i8, %o: i16):
    %ex = arith.extui %x : i8 to i16
    %ey = arith.extsi %y : i8 to i16
    %m = arith.muli %ex, %ey : i16
    %s = arith.addi %o, %m : i16
    linalg.yield %s : i16
  } -> tensor<80x20xi16>
  return %0 : tensor<80x20xi16>
}

// Filters in column panels of 64 (VNNI): F = 152 is two full panels and a
// last one that ends at the last filter (filters 88..151), which holds the
// 16-filter vector from filter 128 and the overlapping one from 136.
// Runtime filter: packed per call, 3 panels x K/4 = 18 rows of 64 x 4 bytes.
// PANELS: check: OK, 4560 values match
func.func @panels152(%x: tensor<1x5x6x8xi8>, %w: tensor<3x3x8x152xi8>) -> tensor<1x5x6x152xi32> {
  %0 = qsparse.conv2d %x, %w {input_unsigned, padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x5x6x8xi8>, tensor<3x3x8x152xi8> -> tensor<1x5x6x152xi32>
  return %0 : tensor<1x5x6x152xi32>
}

// The same layout at compile time: 3 panels x K/4 = 2 rows.
// PANELSC: check: OK, 3800 values match
func.func @panels152_const(%x: tensor<1x5x6x4xi8>) -> tensor<1x5x5x152xi32> {
  %w = arith.constant dense_resource<panels_w> : tensor<1x2x4x152xi8>
  %0 = qsparse.conv2d %x, %w {input_unsigned}
      : tensor<1x5x6x4xi8>, tensor<1x2x4x152xi8> -> tensor<1x5x5x152xi32>
  return %0 : tensor<1x5x5x152xi32>
}

{-#
  dialect_resources: {
    builtin: {
      panels_w: "0x01000000DCB5022FD64271B78C876DDCDC2B35C23B9161798163288C87A8748FCE2361092E775648B9A4450AE1BC6F7962EB7F49A439786FFD6E0E69730F64D8521DCCDF868C5A03F885E6D3464277B940E4592735685EA1EB652065983CB755B00E5526DDEEBECC6D8D0C48D16436E948A64E5FA4697EF8A212B5B1AC3F8A168593B31CD883167F4B189A729571AB029A554351A6A1F3281D062CB93BF6772E55DB2C0BDDD9B7930A73AA5FDE58547A2A09AA4D3BDF121A50A83488A162F8F85FF44297C0F8A73B7CD097435FCCE4A9B2E24844E61C149BF8E8049E83A674FB53885B9C65146730884180FD6A3651C3916F28E03AE18201AC77E68C482D6B54F93A2D0E25633413BA5F2B52660585BBD3ED13986AF97071510F09EFA6FA0A98C19EE3C7131327E3223BC9E90BE103AB22C8CEADD0C773ACBE23AFDC334A97178BC245A51204DC15C152EF3458219824EEF761213D16907A6A1C4ADFC56DB9DA517057ED7AE5E6E1CB4FD28C719A6F3FF405ECE76C2F19FF8C1CA856C52F0FF7D854F3F348F16494AC154D58A01578F840579D30ECE0FBDB952E0D91064BBC0B19111D13B09164BEF1DBD78B248275DC4EB80DABA9DEDFA36F8C5F8A4F636D280886F424B5C4CAA2CCF86A02835C70F4D8CDDA7DC4D5582915B5767BADF78DEBBB499987E1369CABEED3C5F010103EE1AF3B469F031E6723F277C87ADE29308AFFDF6854B89D328CFBF041BC1982118A036C5717943E11132C131DC50CB84466E8B37AA830F45D8D9CA050A0DB3177DA558176DA83CCE0E71E3B8E682B17B8C465740B576321E0377EC3A15E788BC51CF61DFC7A6ACF525A7CA4FE799C778660BF3A775F3281562928E3EF3BCB082FB1696AC5FC021581DAB349CD8381B2BDF4CA91E02F2A73FDBCD5784C679EE1E8D62E7524043FC32E0B69E15406F0394D0E38ED9AAE0B230C8B0A2CE640C1F8605C257CCD2250B613448578F635CE5F18274D45E3A9247DED435C7131D36425A30678D32D1705D4545954FE9A62AB2563D7E930871EAC69E8E39BB3F4EE93820C6BCE6E5D599E71F37BAC077F2304C1F5A8D6EE80B022934EF52495F76495ED6E881C4B70ED50D466C46E1720F48E1615213D6AB16412CAF1165EF89785EE8B90183E9F542D64E586D5C1A73AFAEB9FAA317B9E08ADA148139EDFE69EEFF9CDA7F1127CC48F85BC0E035C8C7BD91212A34716CE256F57A10DC5626A87926689421E69A4413002F9A8C999327417AAB9C24BD71D04689FF5BA8A2A23C0474568D3B3D9EEDEA9A78A016073282E1BD0D0D759969BC0BD712C2F859DCC660CF465FE0DCB04F777D5D06B03FE1FC5B9022FFAAC0B70D6E9ABB30DF1EEF1EDEE912D55370823FB0EDAC0D971C5B0C934286F782D505F164CFF79E5BEB84E382862CC2FA7424874119E53308D4E4719758FF541BF69514F82B0E8C3C3ECA297DEAD9FAE2AC6BD4AF41182F71D6B0B6AA937F09937698E878433BCFDF1E12E9DC666B763D5795BDAB903A2437F9A12EFCF70CA3377E6D33F5A802EDFFB4D8190AD8422B64C7318EB5986C8E3B8BAD1B5A1EA8FED468F1FFCF930287DE0E2DD3E68BF0B0C5A17C5BFE28E1B2FC7131AF0DD93A1217B6A3AED0D3DCAF93EA30051DFA46AEF38E0DB5EFACFAEC4B7F4935415A17088E3A2467163E13F196F3052CD472C37FD2C9C7C1F5E2C7779C61DB086E2815A1598DF932D18",
      stem_w: "0x010000002865382B6E2B944E75194C85A5B5554E402D86F8BFE06C03F684D721FCC7AAC96D90427A8AE74E8D0F82A6C705F6A4E244A3B912B23311E84EB50DA135A7178B340AC28025E2FB8C103898A601814A7FD5B664B0FF298127ED779040CE5C88BC3D35C0C88839D8EF3F0AE3C3B0C4E479C3A8FFADA1B34E6559D5B54CF8069F588EFF209D5021F4E4D31746202D41B6FEFEB9F62AEB03BB2DB40B3529BF44108F0A0907758F0CBB0E7C0CCC67B35AFDC517F50CDC3D51B061C75958AFFCDBF090ADD838DFC8575E2DA412CB9F3E9E3E5E3ECBCFD77F0BB1BA0589E10B0798BC65B4EBC96242B3C85FCA3DF4CEDC0B3D8438DDB44773ED9E354D42DE45D91FCE80EDAF31897AF55C008F2D4CD5F4E949EF146BE96E3BE088B49235A9076FF0AFD3626B02CB40A0E44E69DBB9A7868183D1CA4EE89E02E4A7A6300370C70A2E51323C8EDD14C34953F22900E7ABE9CC074C56533E4CF94ECABC8852C88FB8E85DD17215E0A51567444C8DC0810531B74F01A3B6E2CA0CF2220154E72B7768B7F7BC3E691F44D02638838B01D5D07342676EEC9A8B5F552D789503F35157F39FCD589C9E8AF41EEEADDE26C97A7A79BDF67317BBDE2D633BC0E6190350B53E2A3A6F7CD84FC42FFCE00E8F14352CC502F9BD6CCE2ED0014F4D3D0D0409B26A4D242C23C450712292A82FCC38EC25F9B13DF69C6F4777C8304DB88B1198DBB2279424061A1E271BB7EA9B98550AA91FFAB5315796B857153528221F75796E779FE3E0052EE8D42786EC4C9251048AD2272BB1D33DE1B1099D75E390BEAAA8A9E5C54C5D383758F955E6E1D2EF0287C0911836B3D2159B01774D1C64714BAB1EF06570DBD5F32DFB065E7D0D2F6F1D5658C2394384C0E0CBE3904F0CA96A9C03A9A2A7E9CDBADC6B79FF36F4AFC9FCD0697D583EFC8571893B36E665F308ECEB4B210DFEFBBD2514353FFAAABCA41AE843E175534F673B5B9EB9D1F94D62EC75826FE6AA29FFA600C7BC80D33D3E4A32B611EBBA298DDA714B2521735EE410BA1CD96FE1210D1D1391F66C418DA61406B24DD33F591CD2857FA57D8577841682F78BB08E0D2C546D244052B7AA7F82E2A8C2A83583BD31190B34E79FBBD0D71FA54F92A19B36B0FCF0285BA0C78155C19CAC54E584DE12C1BB49A31F430CD2B6F3700601BE7B7E260F95C241F8E40CA48365FDC45E370027681E0D2C3FDC34E27DB39B31F29F7B0637C75DFD0E1844D724D8C70E6759F00B2CF6F23BB89ACF58FF288E9E32003E6B683380C0FB9643F27975B1A48B1F24DD86F8D75CEFFCBCD657186D8534FCF92DBB4563D81C20B0D89D82FB89BF5AD834A3EBF4D6228C83DE8E402A4D9CC1D8FDDC575B1DE909B69CA1D9D698EC368BF171AC4B09413508D387A4E6ED3B426ACC6A9318C6653C765C224A3CEDB566159C72D800A0AC33B3D22E5630AA79F94A69A20332CD7C1FE988E3F6815A3A893C63B2808A01D24A4D6EDFA7A6D29EF8CE4B4A30B698FADE0ADB5F85B4D5BAAFC2A482098C653EA97B1CAA1BB79B1086B1522F5719F5EAABA4E0525562A742C3485F94F9D9B20BFEE6F4344CDDB5CFB23C92162FEA245293C98C61AA2E549CB4A3373687497718B4ED7E2062702ED25EC23F60ADE0546BB55FFDA76F346E04D78A14D3F5D72B5CA484A9487152D65D23EAFA4E8BBBEFD24039AE417A5E9DC4199A6F13CE0156A544DDFEA53039FB498A6EDDCD7508AF6D463FA8D46DD0132CF0143B110AFE39E99A3BFCD16A8C980109BC0C0F818BC899267AB22D2B07870790FDC09BA8FAE81D098861FCC855E606A7580141A6855E04871F7A6F0F0E934E00E12DE41AFDCCCF3661A4D79619E843BFFDAA2A453A8ED6FB3109E6D506EC71A25456C5A31093BDCD1EDF0C65FD28A5C71734B4FE1D3BB6CB6661C305BF4F30CBDD5D92F80D6A4D02D6630AA12C1A5EAA53E7446CB0F4BE1E8EEE32087D64FDF7026B77973FA30F244283171074C13D8B884391C0CBCCDE567B483F08F1E15D06E599236DC28FF39385D17B738B86DD88796A6EC484323A44A3545DAABF62587AC80933FB5C17E982D3CA5C67A924E57FE4D29B0B30704008F257FD57BF9A32F09E988B4A90274525FD224CC6B1E5B71E1530140C2D7292F7E1010AEC00D3167B8EDECC0D0C105282AE7B1282F43E9E8A9CED2ABBC6AF3144EA8BDD84FDE2C4BC876DEDA56C85E2FAEB6EAB15B34FB626B2DBF6143B12D987F05F88CAC06365F1F3503603B12147D8A96B0767D238F23576A6E04097C3535B0B0C30F46F58019DF674EBF9DDF0B93A0E1F3283ADEA0A91325196808064405A10DCADF88FEE4DF48561E573B63804FD380AD96BEAB1C85BEB3501801AA03B38911252A47BFDC1C5FCFDD076633050C0418FDD84BE35DE4BCD0ABA0E1C599EEE57D7AA6A6B85D408FC091C829AE73C717E30CB225AA1D757361663E4E5840571A2752A9C48F8CF60B4EE3A15D2AF987D5DD2DFAF20F50BE5CC954A4B017D58581C9FD93B9A646986C660E302424FF22920DBF92C52FF16A83CAD6524FB2455E9CC9725D4E33FA619B3E8500E7250FF68871C4152DF6A7AFF915932AE616466EE27CA2BA7EB6205414A54411EDFDD3782F7010506DC5146C342497EDB8FCB65BD0CB5DA7EC6DFD35D7925B53FBA9997B8E64D4C758F0EFB39FF91BE240AE41E3D402297B4F1567447BF8800ED86C507716909D06AA732B16545E0E8B06B9C9759D2A371B3A29ACB0F31ACF012DF06F5B389B098E673F5DEB468CC64849DD6FE913A99056AE804127590514B954DB29FE65AD92762845F77989B256ADC910C8BD575904B8F6EE84C0556CD4DA92FCAD2289737E153C2BD8FB4047C7470FA0EEF649AFF8C3BBF9D7698337C5AF6648C377A9B931CA6738F93BCD10C51AE9219FDC56A8AE1AA068E0E592942A09DAFD6C45668B71805E7B8CEB5DFBC6D3E3DDFFA6C400E281C366AA03DBB283417B0D2AC87118EA590D5A1556F8810D45EEC8E1BDE46A41763E2BE5A47E9CE59202EB55378784A0751499E92E9A5E2415ED54F565709B91173F0F9C16EBAD255BA9131C3A026809367DD45D42BD19E55EB72B67A9C54B33D0E00023CDF681688240E05D7C86BB4F3AA1B7C0C3BDAE026B21117C65C31105E704D100DEE787E19F3C2922DC09A5AFA8BD1CF1A4113345686633706E369DEFB7BFFDA42318BB16A3775FA739EBB7B3811A3BA0F3DB83F94FD48F021F408F71397F9093019D975BDCEF99FB31E3737A70E61111EA073FD74F1A19E98A33DBF4F32035ECBBBDFC5BC64BF3EF53790862343D7B1BEF8BB2393BC512275BD64805E6DE5BA475AE367C04F489144B9A7B389F48384F5C0B5E61E547F141D3DF11DD60C745781188884B9322DF6B2E1C329F4E2B2710F6C22BD8DA6281CC93148192032B0A5B3F257768B18DF8C60A68FF5C97488E11CE8964E287A91574DA2266EF0E1A87D03790742900EAEFBD4BE403A122456C3BFDD56A1B0FABE3B1C42F0A790CF53C0C1DC4F5F4A1581FCCD1E2A926E508EDFABB922D11D168FB644CE140396006E1190A1E812F3B851081900CB1C867D8347B423044D20F96E6AE2DB3818577EB92437E3C2A1F538C318B7B71130DE1A1511F3E6182BF7EAB41DE5B83CA872147994639CB4D38D43DDD9CD66F5AC7BB01258C343632F910F1247589C782B439AC8785B9528E76B8D3CEDD38E565F5B857E6DCAD1F9BC3CFD180234C63EF742F095C47A5F39A4415C4EE728AA0F6D68322A3538FB4D8719E4FD584E459151F60027A3BC821DED7E67C2759B7DED4C9E47CD"
    }
  }
#-}

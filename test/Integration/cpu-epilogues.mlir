// Fused epilogues (--qsparse-fuse marks them, the CPU micro-kernels apply
// them to the accumulator registers) must give the reference pipeline's
// integers, which runs every op separately as plain loops: bias, per-channel
// and per-tensor requantize, ReLU/clamp, residual adds, on shapes with
// columns outside the register tiles (scalar epilogue loops), several K
// blocks (the epilogue only on the last), every vector width, with and
// without VNNI.
// RUN: qsparse-run %s -e mm_requant --random-inputs=1 --check %vnni_on | FileCheck %s --check-prefix=MM
// RUN: qsparse-run %s -e mm_requant --random-inputs=1 --check --cpu-vnni=off --cpu-vector-bits=256 | FileCheck %s --check-prefix=MM
// RUN: qsparse-run %s -e mm_requant --random-inputs=1 --check --cpu-vnni=off --cpu-vector-bits=128 | FileCheck %s --check-prefix=MM
// RUN: qsparse-run %s -e mm_f32_residual --random-inputs=2 --check | FileCheck %s --check-prefix=MMF
// RUN: qsparse-run %s -e mm_f32_residual --random-inputs=2 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=MMF
// RUN: qsparse-run %s -e conv_block --random-inputs=3 --check | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv_block --random-inputs=3 --check --cpu-vnni=off | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv_block --random-inputs=3 --check --cpu-vector-bits=128 | FileCheck %s --check-prefix=CONV
// RUN: qsparse-run %s -e conv_residual_f32 --random-inputs=4 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=CONVF
// RUN: qsparse-run %s -e conv_residual_f32 --random-inputs=4 --check | FileCheck %s --check-prefix=CONVF
// RUN: qsparse-run %s -e conv_bn_f32 --random-inputs=9 --check | FileCheck %s --check-prefix=BN
// RUN: qsparse-run %s -e conv_bn_f32 --random-inputs=9 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=BN
// Epilogues whose output buffer is allocated after the contraction (every
// intermediate layer of a network): the allocation moves above it.
// RUN: qsparse-run %s -e two_layers --random-inputs=5 --check | FileCheck %s --check-prefix=TWO
// RUN: qsparse-run %s -e two_layers --random-inputs=5 --check --cpu-vnni=off | FileCheck %s --check-prefix=TWO
// RUN: qsparse-run %s -e late_alloc --random-inputs=6 --check | FileCheck %s --check-prefix=LATE
// A QDQ requantize with constant scales: its clamps are proven never to
// see a NaN (--qsparse-float-ranges), so they lower to plain min/max, and
// the clamp at 0 after the zero point 7 is removed; the f32 epilogues on
// arguments keep the NaN-propagating form.
// RUN: qsparse-run %s -e conv_qdq --random-inputs=10 --check | FileCheck %s --check-prefix=QDQ
// RUN: qsparse-run %s -e conv_qdq --random-inputs=11 --check --cpu-vector-bits=256 | FileCheck %s --check-prefix=QDQ
// RUN: qsparse-opt %s --qsparse-cpu-pipeline | FileCheck %s --check-prefix=NNAN
// RUN: qsparse-opt %s --qsparse-cpu-pipeline --mlir-print-ir-after=qsparse-float-ranges -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANGES
// Sub-byte (i1) buffers are not read or written by the vector epilogue.
// RUN: qsparse-run %s -e out_i1 --random-inputs=7 --check | FileCheck %s --check-prefix=OUTI1
// RUN: qsparse-run %s -e in_i1 --random-inputs=8 --check | FileCheck %s --check-prefix=INI1

// The epilogues are applied in registers: after the kernels pass the only
// epilogue ops left are the two on i1 buffers (@out_i1, @in_i1).
// RUN: qsparse-opt %s --qsparse-cpu-pipeline --mlir-print-ir-after=qsparse-cpu-matmul-kernels -o /dev/null 2>&1 | grep -c qsparse.epilogue | FileCheck %s --check-prefix=IR
// IR: {{^}}2{{$}}

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d3)>

// K = 1100 spans several K blocks (VNNI: 1024, others: 512); N = 83 leaves 19 columns to the scalar
// epilogue; the bias is per column and the requantize per channel.
// MM: check: OK, 4233 values match
func.func @mm_requant(%a: tensor<51x1100xi8>, %w: tensor<1100x83xi8>, %bias: tensor<83xi32>) -> tensor<51x83xi8> {
  %acc = qsparse.matmul %a, %w {input_unsigned} : tensor<51x1100xi8>, tensor<1100x83xi8> -> tensor<51x83xi32>
  %e = tensor.empty() : tensor<51x83xi32>
  %b = linalg.generic {indexing_maps = [#id2, #col, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : tensor<51x83xi32>, tensor<83xi32>) outs(%e : tensor<51x83xi32>) {
  ^bb0(%x: i32, %c: i32, %o: i32):
    %s = arith.addi %x, %c : i32
    linalg.yield %s : i32
  } -> tensor<51x83xi32>
  %q = qsparse.requantize %b {multiplier = array<i32: 1518500250>, shift = array<i32: 44>,
                              output_zero_point = -3 : i64, out_min = -3 : i64, out_max = 127 : i64}
      : tensor<51x83xi32> -> tensor<51x83xi8>
  return %q : tensor<51x83xi8>
}

// f32 with a residual input and a clamp (ReLU6) on a 3-row remainder.
// MMF: check: OK, 4212 values match
func.func @mm_f32_residual(%a: tensor<39x70xf32>, %w: tensor<70x108xf32>, %skip: tensor<39x108xf32>) -> tensor<39x108xf32> {
  %z = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e = tensor.empty() : tensor<39x108xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<39x108xf32>) -> tensor<39x108xf32>
  %m = linalg.matmul ins(%a, %w : tensor<39x70xf32>, tensor<70x108xf32>) outs(%f : tensor<39x108xf32>) -> tensor<39x108xf32>
  %r = linalg.add ins(%m, %skip : tensor<39x108xf32>, tensor<39x108xf32>) outs(%e : tensor<39x108xf32>) -> tensor<39x108xf32>
  %c = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<39x108xf32>) outs(%e : tensor<39x108xf32>) {
  ^bb0(%x: f32, %o: f32):
    %lo = arith.maximumf %x, %z : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<39x108xf32>
  return %c : tensor<39x108xf32>
}

// Conv 3x3 stride 2 (padding through qsparse.conv2d) + bias + per-channel
// requantize with ReLU; F = 80 leaves 16 filters to the scalar loops.
// CONV: check: OK, 12960 values match
func.func @conv_block(%x: tensor<2x18x18x12xi8>, %w: tensor<3x3x12x80xi8>, %bias: tensor<80xi32>) -> tensor<2x9x9x80xi8> {
  %acc = qsparse.conv2d %x, %w {input_unsigned, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : tensor<2x18x18x12xi8>, tensor<3x3x12x80xi8> -> tensor<2x9x9x80xi32>
  %e = tensor.empty() : tensor<2x9x9x80xi32>
  %b = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %bias : tensor<2x9x9x80xi32>, tensor<80xi32>) outs(%e : tensor<2x9x9x80xi32>) {
  ^bb0(%v: i32, %c: i32, %o: i32):
    %s = arith.addi %v, %c : i32
    linalg.yield %s : i32
  } -> tensor<2x9x9x80xi32>
  %q = qsparse.requantize %b {axis = 3 : i64,
      multiplier = array<i32: 1493782710, 2046934274, 1571832756, 1573062941, 1110093617, 1838326347, 1201537958, 1266470983, 1148333998, 1774768368, 1133373723, 1215477162, 1360935231, 1928418233, 1526319250, 1945594022, 1493782710, 2046934274, 1571832756, 1573062941, 1110093617, 1838326347, 1201537958, 1266470983, 1148333998, 1774768368, 1133373723, 1215477162, 1360935231, 1928418233, 1526319250, 1945594022, 1493782710, 2046934274, 1571832756, 1573062941, 1110093617, 1838326347, 1201537958, 1266470983, 1148333998, 1774768368, 1133373723, 1215477162, 1360935231, 1928418233, 1526319250, 1945594022, 1493782710, 2046934274, 1571832756, 1573062941, 1110093617, 1838326347, 1201537958, 1266470983, 1148333998, 1774768368, 1133373723, 1215477162, 1360935231, 1928418233, 1526319250, 1945594022, 1493782710, 2046934274, 1571832756, 1573062941, 1110093617, 1838326347, 1201537958, 1266470983, 1148333998, 1774768368, 1133373723, 1215477162, 1360935231, 1928418233, 1526319250, 1945594022>,
      shift = array<i32: 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 41, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 42, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 39, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40>,
      out_min = 0 : i64, out_max = 255 : i64}
      : tensor<2x9x9x80xi32> -> tensor<2x9x9x80xi8>
  return %q : tensor<2x9x9x80xi8>
}

// f32 conv with a residual add (the ResNet shortcut).
// CONVF: check: OK, 4096 values match
func.func @conv_residual_f32(%x: tensor<1x10x10x8xf32>, %w: tensor<3x3x8x64xf32>, %skip: tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x10x10x8xf32>, tensor<3x3x8x64xf32>) outs(%f : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %r = linalg.add ins(%c, %skip : tensor<1x8x8x64xf32>, tensor<1x8x8x64xf32>) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  return %r : tensor<1x8x8x64xf32>
}

// An ONNX batch norm after a convolution: per-channel [1][C][1][1]
// parameters, read by the channel loop and loops of extent 1 or a constant
// 0 on the size-1 dims, are columns of the epilogue like a [C] bias (the
// IR count above: it is applied in registers).
// BN: check: OK, 4096 values match
#bn_n = affine_map<(d0, d1, d2, d3) -> (d0, d3, 0, 0)>
#bn_0 = affine_map<(d0, d1, d2, d3) -> (0, d3, 0, 0)>
func.func @conv_bn_f32(%x: tensor<1x10x10x8xf32>, %w: tensor<3x3x8x64xf32>,
                       %gamma: tensor<1x64x1x1xf32>, %beta: tensor<1x64x1x1xf32>,
                       %mean: tensor<1x64x1x1xf32>, %var: tensor<1x64x1x1xf32>) -> tensor<1x8x8x64xf32> {
  %z = arith.constant 0.0 : f32
  %eps = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x10x10x8xf32>, tensor<3x3x8x64xf32>) outs(%f : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %r = linalg.generic {indexing_maps = [#id4, #bn_n, #bn_0, #bn_n, #bn_0, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %gamma, %beta, %mean, %var : tensor<1x8x8x64xf32>, tensor<1x64x1x1xf32>, tensor<1x64x1x1xf32>, tensor<1x64x1x1xf32>, tensor<1x64x1x1xf32>)
      outs(%e : tensor<1x8x8x64xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %m: f32, %v: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %v2 = arith.mulf %v, %v : f32
    %ve = arith.addf %v2, %eps : f32
    %s = math.sqrt %ve : f32
    %n = arith.divf %d, %s : f32
    %y = arith.mulf %n, %g : f32
    %yb = arith.addf %y, %b : f32
    %relu = arith.maximumf %yb, %z : f32
    linalg.yield %relu : f32
  } -> tensor<1x8x8x64xf32>
  return %r : tensor<1x8x8x64xf32>
}

// TWO: check: OK, 2304 values match
func.func @two_layers(%x: tensor<1x8x8x16xi8>, %w1: tensor<3x3x16x64xi8>, %w2: tensor<1x1x64x64xi8>) -> tensor<1x6x6x64xi32> {
  %a = qsparse.conv2d %x, %w1 {input_unsigned} : tensor<1x8x8x16xi8>, tensor<3x3x16x64xi8> -> tensor<1x6x6x64xi32>
  %q = qsparse.requantize %a {multiplier = array<i32: 1518500250>, shift = array<i32: 40>, out_min = 0 : i64, out_max = 255 : i64}
      : tensor<1x6x6x64xi32> -> tensor<1x6x6x64xi8>
  %b = qsparse.conv2d %q, %w2 {input_unsigned} : tensor<1x6x6x64xi8>, tensor<1x1x64x64xi8> -> tensor<1x6x6x64xi32>
  return %b : tensor<1x6x6x64xi32>
}

// LATE: check: OK, 832 values match
func.func @late_alloc(%a: tensor<13x20xf32>, %w: tensor<20x64xf32>, %w2: tensor<64x64xf32>) -> tensor<13x64xf32> {
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<13x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e0 : tensor<13x64xf32>) -> tensor<13x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<13x20xf32>, tensor<20x64xf32>) outs(%f : tensor<13x64xf32>) -> tensor<13x64xf32>
  %e = tensor.empty() : tensor<13x64xf32>
  %c = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<13x64xf32>) outs(%e : tensor<13x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %lo = arith.maximumf %x, %z : f32
    linalg.yield %lo : f32
  } -> tensor<13x64xf32>
  %e2 = tensor.empty() : tensor<13x64xf32>
  %f2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<13x64xf32>) -> tensor<13x64xf32>
  %m2 = linalg.matmul ins(%c, %w2 : tensor<13x64xf32>, tensor<64x64xf32>) outs(%f2 : tensor<13x64xf32>) -> tensor<13x64xf32>
  return %m2 : tensor<13x64xf32>
}

// OUTI1: check: OK, 448 values match
// NNAN-LABEL: llvm.func @mm_f32_residual
// NNAN-NOT: nnan
// NNAN: llvm.intr.maximum({{.*}}) : (vector<16xf32>, vector<16xf32>)
// NNAN-LABEL: llvm.func @conv_qdq
// NNAN-COUNT-2: llvm.intr.maximum({{.*}}) {fastmathFlags = #llvm.fastmath<nnan>} : (vector<16xf32>, vector<16xf32>)
// NNAN-LABEL: llvm.func @out_i1
// RANGES-LABEL: func.func @conv_qdq
// RANGES: math.roundeven
// RANGES-NEXT: arith.addf
// RANGES-NEXT: arith.minimumf {{.*}} fastmath<nnan> : f32
// RANGES-NEXT: arith.fptoui
// QDQ: check: OK, 3240 values match
func.func @conv_qdq(%x: tensor<1x9x9x16xi8>, %w: tensor<1x1x16x40xi8>) -> tensor<1x9x9x40xi8> {
  %scale = arith.constant dense<[1.1e-4, 1.2e-4, 1.3e-4, 1.4e-4, 1.5e-4, 1.6e-4, 1.7e-4, 1.8e-4, 1.9e-4, 2.0e-4, 1.1e-4, 1.2e-4, 1.3e-4, 1.4e-4, 1.5e-4, 1.6e-4, 1.7e-4, 1.8e-4, 1.9e-4, 2.0e-4, 1.1e-4, 1.2e-4, 1.3e-4, 1.4e-4, 1.5e-4, 1.6e-4, 1.7e-4, 1.8e-4, 1.9e-4, 2.0e-4, 1.1e-4, 1.2e-4, 1.3e-4, 1.4e-4, 1.5e-4, 1.6e-4, 1.7e-4, 1.8e-4, 1.9e-4, 2.0e-4]> : tensor<40xf32>
  %bias = arith.constant dense<[-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5]> : tensor<40xf32>
  %z = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %out = arith.constant 0.0235 : f32
  %zp = arith.constant 7.0 : f32
  %top = arith.constant 255.0 : f32
  %acc = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 96 : i64} : tensor<1x9x9x16xi8>, tensor<1x1x16x40xi8> -> tensor<1x9x9x40xi32>
  %e = tensor.empty() : tensor<1x9x9x40xf32>
  %f = linalg.generic {indexing_maps = [#id4, #ch4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %scale, %bias : tensor<1x9x9x40xi32>, tensor<40xf32>, tensor<40xf32>) outs(%e : tensor<1x9x9x40xf32>) {
  ^bb0(%a: i32, %s: f32, %b: f32, %o: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %1, %b : f32
    %3 = arith.maximumf %2, %z : f32
    %4 = arith.minimumf %3, %six : f32
    linalg.yield %4 : f32
  } -> tensor<1x9x9x40xf32>
  %e8 = tensor.empty() : tensor<1x9x9x40xi8>
  %q = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%f : tensor<1x9x9x40xf32>) outs(%e8 : tensor<1x9x9x40xi8>) {
  ^bb0(%v: f32, %o: i8):
    %0 = arith.divf %v, %out : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %z : f32
    %4 = arith.minimumf %3, %top : f32
    %5 = arith.fptoui %4 : f32 to i8
    linalg.yield %5 : i8
  } -> tensor<1x9x9x40xi8>
  return %q : tensor<1x9x9x40xi8>
}

func.func @out_i1(%a: tensor<7x16xf32>, %w: tensor<16x64xf32>) -> tensor<7x64xi1> {
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<7x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e0 : tensor<7x64xf32>) -> tensor<7x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<7x16xf32>, tensor<16x64xf32>) outs(%f : tensor<7x64xf32>) -> tensor<7x64xf32>
  %e = tensor.empty() : tensor<7x64xi1>
  %c = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<7x64xf32>) outs(%e : tensor<7x64xi1>) {
  ^bb0(%x: f32, %o: i1):
    %p = arith.cmpf ogt, %x, %z : f32
    linalg.yield %p : i1
  } -> tensor<7x64xi1>
  return %c : tensor<7x64xi1>
}

// INI1: check: OK, 448 values match
func.func @in_i1(%a: tensor<7x16xf32>, %w: tensor<16x64xf32>, %mask: tensor<7x64xi1>) -> tensor<7x64xf32> {
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<7x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e0 : tensor<7x64xf32>) -> tensor<7x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<7x16xf32>, tensor<16x64xf32>) outs(%f : tensor<7x64xf32>) -> tensor<7x64xf32>
  %c = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m, %mask : tensor<7x64xf32>, tensor<7x64xi1>) outs(%e0 : tensor<7x64xf32>) {
  ^bb0(%x: f32, %k: i1, %o: f32):
    %p = arith.select %k, %x, %z : f32
    linalg.yield %p : f32
  } -> tensor<7x64xf32>
  return %c : tensor<7x64xf32>
}

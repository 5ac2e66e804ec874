// Execution tests: every function runs through qsparse-run with the CPU
// pipeline (--check also runs the reference pipeline and compares) and
// with --pipeline=reference; both results are checked against the
// independent numpy oracle in Inputs/oracle.py (exact for integers,
// rtol 1e-4 / atol 1e-5 for floats).
//
// Upstream linalg contractions through the qsparse pipelines.
//
// REQUIRES: numpy

// @lin_matmul_f32: linalg.matmul f32: zero-filled and argument-initialized
//   outputs; one shape with general (non-dyadic) positive values.
// RUN: %python %S/Inputs/oracle.py gen lin_matmul_f32 %t
// RUN: qsparse-run %s -e lin_matmul_f32 --check --input=%t.lin_matmul_f32.in0.npy \
// RUN:   --input=%t.lin_matmul_f32.in1.npy --input=%t.lin_matmul_f32.in2.npy \
// RUN:   --input=%t.lin_matmul_f32.in3.npy --input=%t.lin_matmul_f32.in4.npy \
// RUN:   --input=%t.lin_matmul_f32.in5.npy --input=%t.lin_matmul_f32.in6.npy \
// RUN:   --input=%t.lin_matmul_f32.in7.npy --input=%t.lin_matmul_f32.in8.npy \
// RUN:   --input=%t.lin_matmul_f32.in9.npy --input=%t.lin_matmul_f32.in10.npy \
// RUN:   --output=%t.lin_matmul_f32.cpu0.npy --output=%t.lin_matmul_f32.cpu1.npy \
// RUN:   --output=%t.lin_matmul_f32.cpu2.npy --output=%t.lin_matmul_f32.cpu3.npy \
// RUN:   --output=%t.lin_matmul_f32.cpu4.npy
// RUN: qsparse-run %s -e lin_matmul_f32 --pipeline=reference --input=%t.lin_matmul_f32.in0.npy \
// RUN:   --input=%t.lin_matmul_f32.in1.npy --input=%t.lin_matmul_f32.in2.npy \
// RUN:   --input=%t.lin_matmul_f32.in3.npy --input=%t.lin_matmul_f32.in4.npy \
// RUN:   --input=%t.lin_matmul_f32.in5.npy --input=%t.lin_matmul_f32.in6.npy \
// RUN:   --input=%t.lin_matmul_f32.in7.npy --input=%t.lin_matmul_f32.in8.npy \
// RUN:   --input=%t.lin_matmul_f32.in9.npy --input=%t.lin_matmul_f32.in10.npy \
// RUN:   --output=%t.lin_matmul_f32.ref0.npy --output=%t.lin_matmul_f32.ref1.npy \
// RUN:   --output=%t.lin_matmul_f32.ref2.npy --output=%t.lin_matmul_f32.ref3.npy \
// RUN:   --output=%t.lin_matmul_f32.ref4.npy
// RUN: %python %S/Inputs/oracle.py compare lin_matmul_f32 %t cpu ref
func.func @lin_matmul_f32(
    %a0: tensor<7x13xf32>,
    %b0: tensor<13x9xf32>,
    %a1: tensor<1x1xf32>,
    %b1: tensor<1x1xf32>,
    %a2: tensor<5x3xf32>,
    %b2: tensor<3x17xf32>,
    %c2: tensor<5x17xf32>,
    %a3: tensor<6x10xf32>,
    %b3: tensor<10x4xf32>,
    %a4: tensor<37x70xf32>,
    %b4: tensor<70x29xf32>)
    -> (tensor<7x9xf32>,
        tensor<1x1xf32>,
        tensor<5x17xf32>,
        tensor<6x4xf32>,
        tensor<37x29xf32>) {
  %e0 = tensor.empty() : tensor<7x9xf32>
  %z0 = arith.constant 0.0 : f32
  %i0 = linalg.fill ins(%z0 : f32) outs(%e0 : tensor<7x9xf32>) -> tensor<7x9xf32>
  %y0 = linalg.matmul ins(%a0, %b0 : tensor<7x13xf32>, tensor<13x9xf32>) outs(%i0 : tensor<7x9xf32>) -> tensor<7x9xf32>
  %e1 = tensor.empty() : tensor<1x1xf32>
  %z1 = arith.constant 0.0 : f32
  %i1 = linalg.fill ins(%z1 : f32) outs(%e1 : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y1 = linalg.matmul ins(%a1, %b1 : tensor<1x1xf32>, tensor<1x1xf32>) outs(%i1 : tensor<1x1xf32>) -> tensor<1x1xf32>
  %y2 = linalg.matmul ins(%a2, %b2 : tensor<5x3xf32>, tensor<3x17xf32>) outs(%c2 : tensor<5x17xf32>) -> tensor<5x17xf32>
  %e3 = tensor.empty() : tensor<6x4xf32>
  %z3 = arith.constant 0.0 : f32
  %i3 = linalg.fill ins(%z3 : f32) outs(%e3 : tensor<6x4xf32>) -> tensor<6x4xf32>
  %y3 = linalg.matmul ins(%a3, %b3 : tensor<6x10xf32>, tensor<10x4xf32>) outs(%i3 : tensor<6x4xf32>) -> tensor<6x4xf32>
  %e4 = tensor.empty() : tensor<37x29xf32>
  %z4 = arith.constant 0.0 : f32
  %i4 = linalg.fill ins(%z4 : f32) outs(%e4 : tensor<37x29xf32>) -> tensor<37x29xf32>
  %y4 = linalg.matmul ins(%a4, %b4 : tensor<37x70xf32>, tensor<70x29xf32>) outs(%i4 : tensor<37x29xf32>) -> tensor<37x29xf32>
  return %y0, %y1, %y2, %y3, %y4
      : tensor<7x9xf32>,
        tensor<1x1xf32>,
        tensor<5x17xf32>,
        tensor<6x4xf32>,
        tensor<37x29xf32>
}

// @lin_matmul_int: linalg.matmul on integers: i8 -> i32 (sign extension), K
//   = 1, i8 -> i16 (wrapping), i16 -> i32, and cast_unsigned (zero
//   extension).
// RUN: %python %S/Inputs/oracle.py gen lin_matmul_int %t
// RUN: qsparse-run %s -e lin_matmul_int --check --input=%t.lin_matmul_int.in0.npy \
// RUN:   --input=%t.lin_matmul_int.in1.npy --input=%t.lin_matmul_int.in2.npy \
// RUN:   --input=%t.lin_matmul_int.in3.npy --input=%t.lin_matmul_int.in4.npy \
// RUN:   --input=%t.lin_matmul_int.in5.npy --input=%t.lin_matmul_int.in6.npy \
// RUN:   --input=%t.lin_matmul_int.in7.npy --input=%t.lin_matmul_int.in8.npy \
// RUN:   --input=%t.lin_matmul_int.in9.npy --input=%t.lin_matmul_int.in10.npy \
// RUN:   --input=%t.lin_matmul_int.in11.npy --output=%t.lin_matmul_int.cpu0.npy \
// RUN:   --output=%t.lin_matmul_int.cpu1.npy --output=%t.lin_matmul_int.cpu2.npy \
// RUN:   --output=%t.lin_matmul_int.cpu3.npy --output=%t.lin_matmul_int.cpu4.npy \
// RUN:   --output=%t.lin_matmul_int.cpu5.npy
// RUN: qsparse-run %s -e lin_matmul_int --pipeline=reference --input=%t.lin_matmul_int.in0.npy \
// RUN:   --input=%t.lin_matmul_int.in1.npy --input=%t.lin_matmul_int.in2.npy \
// RUN:   --input=%t.lin_matmul_int.in3.npy --input=%t.lin_matmul_int.in4.npy \
// RUN:   --input=%t.lin_matmul_int.in5.npy --input=%t.lin_matmul_int.in6.npy \
// RUN:   --input=%t.lin_matmul_int.in7.npy --input=%t.lin_matmul_int.in8.npy \
// RUN:   --input=%t.lin_matmul_int.in9.npy --input=%t.lin_matmul_int.in10.npy \
// RUN:   --input=%t.lin_matmul_int.in11.npy --output=%t.lin_matmul_int.ref0.npy \
// RUN:   --output=%t.lin_matmul_int.ref1.npy --output=%t.lin_matmul_int.ref2.npy \
// RUN:   --output=%t.lin_matmul_int.ref3.npy --output=%t.lin_matmul_int.ref4.npy \
// RUN:   --output=%t.lin_matmul_int.ref5.npy
// RUN: %python %S/Inputs/oracle.py compare lin_matmul_int %t cpu ref
func.func @lin_matmul_int(
    %a0: tensor<7x13xi8>,
    %b0: tensor<13x9xi8>,
    %a1: tensor<17x1xi8>,
    %b1: tensor<1x3xi8>,
    %a2: tensor<3x40xi8>,
    %b2: tensor<40x5xi8>,
    %a3: tensor<4x6xi16>,
    %b3: tensor<6x5xi16>,
    %a4: tensor<3x5xi8>,
    %b4: tensor<5x4xi8>,
    %a5: tensor<29x67xi8>,
    %b5: tensor<67x35xi8>)
    -> (tensor<7x9xi32>,
        tensor<17x3xi32>,
        tensor<3x5xi16>,
        tensor<4x5xi32>,
        tensor<3x4xi32>,
        tensor<29x35xi32>) {
  %e0 = tensor.empty() : tensor<7x9xi32>
  %z0 = arith.constant 0 : i32
  %i0 = linalg.fill ins(%z0 : i32) outs(%e0 : tensor<7x9xi32>) -> tensor<7x9xi32>
  %y0 = linalg.matmul ins(%a0, %b0 : tensor<7x13xi8>, tensor<13x9xi8>) outs(%i0 : tensor<7x9xi32>) -> tensor<7x9xi32>
  %e1 = tensor.empty() : tensor<17x3xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<17x3xi32>) -> tensor<17x3xi32>
  %y1 = linalg.matmul ins(%a1, %b1 : tensor<17x1xi8>, tensor<1x3xi8>) outs(%i1 : tensor<17x3xi32>) -> tensor<17x3xi32>
  %e2 = tensor.empty() : tensor<3x5xi16>
  %z2 = arith.constant 0 : i16
  %i2 = linalg.fill ins(%z2 : i16) outs(%e2 : tensor<3x5xi16>) -> tensor<3x5xi16>
  %y2 = linalg.matmul ins(%a2, %b2 : tensor<3x40xi8>, tensor<40x5xi8>) outs(%i2 : tensor<3x5xi16>) -> tensor<3x5xi16>
  %e3 = tensor.empty() : tensor<4x5xi32>
  %z3 = arith.constant 0 : i32
  %i3 = linalg.fill ins(%z3 : i32) outs(%e3 : tensor<4x5xi32>) -> tensor<4x5xi32>
  %y3 = linalg.matmul ins(%a3, %b3 : tensor<4x6xi16>, tensor<6x5xi16>) outs(%i3 : tensor<4x5xi32>) -> tensor<4x5xi32>
  %e4 = tensor.empty() : tensor<3x4xi32>
  %z4 = arith.constant 0 : i32
  %i4 = linalg.fill ins(%z4 : i32) outs(%e4 : tensor<3x4xi32>) -> tensor<3x4xi32>
  %y4 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a4, %b4 : tensor<3x5xi8>, tensor<5x4xi8>) outs(%i4 : tensor<3x4xi32>) -> tensor<3x4xi32>
  %e5 = tensor.empty() : tensor<29x35xi32>
  %z5 = arith.constant 0 : i32
  %i5 = linalg.fill ins(%z5 : i32) outs(%e5 : tensor<29x35xi32>) -> tensor<29x35xi32>
  %y5 = linalg.matmul ins(%a5, %b5 : tensor<29x67xi8>, tensor<67x35xi8>) outs(%i5 : tensor<29x35xi32>) -> tensor<29x35xi32>
  return %y0, %y1, %y2, %y3, %y4, %y5
      : tensor<7x9xi32>,
        tensor<17x3xi32>,
        tensor<3x5xi16>,
        tensor<4x5xi32>,
        tensor<3x4xi32>,
        tensor<29x35xi32>
}

// @lin_batch_matmul: linalg.batch_matmul f32 and i8 -> i32, batch 1 and > 1.
// RUN: %python %S/Inputs/oracle.py gen lin_batch_matmul %t
// RUN: qsparse-run %s -e lin_batch_matmul --check --input=%t.lin_batch_matmul.in0.npy \
// RUN:   --input=%t.lin_batch_matmul.in1.npy --input=%t.lin_batch_matmul.in2.npy \
// RUN:   --input=%t.lin_batch_matmul.in3.npy --input=%t.lin_batch_matmul.in4.npy \
// RUN:   --input=%t.lin_batch_matmul.in5.npy --output=%t.lin_batch_matmul.cpu0.npy \
// RUN:   --output=%t.lin_batch_matmul.cpu1.npy --output=%t.lin_batch_matmul.cpu2.npy
// RUN: qsparse-run %s -e lin_batch_matmul --pipeline=reference --input=%t.lin_batch_matmul.in0.npy \
// RUN:   --input=%t.lin_batch_matmul.in1.npy --input=%t.lin_batch_matmul.in2.npy \
// RUN:   --input=%t.lin_batch_matmul.in3.npy --input=%t.lin_batch_matmul.in4.npy \
// RUN:   --input=%t.lin_batch_matmul.in5.npy --output=%t.lin_batch_matmul.ref0.npy \
// RUN:   --output=%t.lin_batch_matmul.ref1.npy --output=%t.lin_batch_matmul.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare lin_batch_matmul %t cpu ref
func.func @lin_batch_matmul(
    %a0: tensor<2x5x7xf32>,
    %b0: tensor<2x7x3xf32>,
    %a1: tensor<3x4x9xi8>,
    %b1: tensor<3x9x6xi8>,
    %a2: tensor<1x1x1xi8>,
    %b2: tensor<1x1x1xi8>)
    -> (tensor<2x5x3xf32>,
        tensor<3x4x6xi32>,
        tensor<1x1x1xi32>) {
  %e0 = tensor.empty() : tensor<2x5x3xf32>
  %z0 = arith.constant 0.0 : f32
  %i0 = linalg.fill ins(%z0 : f32) outs(%e0 : tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
  %y0 = linalg.batch_matmul ins(%a0, %b0 : tensor<2x5x7xf32>, tensor<2x7x3xf32>) outs(%i0 : tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
  %e1 = tensor.empty() : tensor<3x4x6xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<3x4x6xi32>) -> tensor<3x4x6xi32>
  %y1 = linalg.batch_matmul ins(%a1, %b1 : tensor<3x4x9xi8>, tensor<3x9x6xi8>) outs(%i1 : tensor<3x4x6xi32>) -> tensor<3x4x6xi32>
  %e2 = tensor.empty() : tensor<1x1x1xi32>
  %z2 = arith.constant 0 : i32
  %i2 = linalg.fill ins(%z2 : i32) outs(%e2 : tensor<1x1x1xi32>) -> tensor<1x1x1xi32>
  %y2 = linalg.batch_matmul ins(%a2, %b2 : tensor<1x1x1xi8>, tensor<1x1x1xi8>) outs(%i2 : tensor<1x1x1xi32>) -> tensor<1x1x1xi32>
  return %y0, %y1, %y2
      : tensor<2x5x3xf32>,
        tensor<3x4x6xi32>,
        tensor<1x1x1xi32>
}

// @lin_qmm: linalg.quantized_matmul with constant i32 zero points: C = sum_k
//   (sext(A) - azp) * (sext(B) - bzp).
// RUN: %python %S/Inputs/oracle.py gen lin_qmm %t
// RUN: qsparse-run %s -e lin_qmm --check --input=%t.lin_qmm.in0.npy --input=%t.lin_qmm.in1.npy \
// RUN:   --input=%t.lin_qmm.in2.npy --input=%t.lin_qmm.in3.npy --input=%t.lin_qmm.in4.npy \
// RUN:   --input=%t.lin_qmm.in5.npy --output=%t.lin_qmm.cpu0.npy --output=%t.lin_qmm.cpu1.npy \
// RUN:   --output=%t.lin_qmm.cpu2.npy
// RUN: qsparse-run %s -e lin_qmm --pipeline=reference --input=%t.lin_qmm.in0.npy \
// RUN:   --input=%t.lin_qmm.in1.npy --input=%t.lin_qmm.in2.npy --input=%t.lin_qmm.in3.npy \
// RUN:   --input=%t.lin_qmm.in4.npy --input=%t.lin_qmm.in5.npy --output=%t.lin_qmm.ref0.npy \
// RUN:   --output=%t.lin_qmm.ref1.npy --output=%t.lin_qmm.ref2.npy
// RUN: %python %S/Inputs/oracle.py compare lin_qmm %t cpu ref
func.func @lin_qmm(
    %a0: tensor<5x11xi8>,
    %b0: tensor<11x7xi8>,
    %a1: tensor<1x1xi8>,
    %b1: tensor<1x1xi8>,
    %a2: tensor<4x20xi8>,
    %b2: tensor<20x6xi8>)
    -> (tensor<5x7xi32>,
        tensor<1x1xi32>,
        tensor<4x6xi32>) {
  %e0 = tensor.empty() : tensor<5x7xi32>
  %z0 = arith.constant 0 : i32
  %i0 = linalg.fill ins(%z0 : i32) outs(%e0 : tensor<5x7xi32>) -> tensor<5x7xi32>
  %azp0 = arith.constant 3 : i32
  %bzp0 = arith.constant -5 : i32
  %y0 = linalg.quantized_matmul ins(%a0, %b0, %azp0, %bzp0 : tensor<5x11xi8>, tensor<11x7xi8>, i32, i32)
      outs(%i0 : tensor<5x7xi32>) -> tensor<5x7xi32>
  %e1 = tensor.empty() : tensor<1x1xi32>
  %z1 = arith.constant 0 : i32
  %i1 = linalg.fill ins(%z1 : i32) outs(%e1 : tensor<1x1xi32>) -> tensor<1x1xi32>
  %azp1 = arith.constant -128 : i32
  %bzp1 = arith.constant 127 : i32
  %y1 = linalg.quantized_matmul ins(%a1, %b1, %azp1, %bzp1 : tensor<1x1xi8>, tensor<1x1xi8>, i32, i32)
      outs(%i1 : tensor<1x1xi32>) -> tensor<1x1xi32>
  %e2 = tensor.empty() : tensor<4x6xi32>
  %z2 = arith.constant 0 : i32
  %i2 = linalg.fill ins(%z2 : i32) outs(%e2 : tensor<4x6xi32>) -> tensor<4x6xi32>
  %azp2 = arith.constant 0 : i32
  %bzp2 = arith.constant 0 : i32
  %y2 = linalg.quantized_matmul ins(%a2, %b2, %azp2, %bzp2 : tensor<4x20xi8>, tensor<20x6xi8>, i32, i32)
      outs(%i2 : tensor<4x6xi32>) -> tensor<4x6xi32>
  return %y0, %y1, %y2
      : tensor<5x7xi32>,
        tensor<1x1xi32>,
        tensor<4x6xi32>
}

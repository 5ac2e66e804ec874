// Tensor-core kernels and the simple kernels of the GPU pipeline, run by the
// GPU emulator (kernels interpreted with the PTX ISA's ldmatrix/mma
// semantics; races on workgroup memory are errors) and compared exactly
// with the reference pipeline.
// RUN: qsparse-run %s -e dense --random-inputs=3 --target=emulator --check | FileCheck %s --check-prefix=DENSE
// RUN: qsparse-run %s -e unsigned --random-inputs=4 --target=emulator --check | FileCheck %s --check-prefix=UNSIGNED
// RUN: qsparse-run %s -e odd --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=ODD
// RUN: qsparse-run %s -e deep --random-inputs=6 --target=emulator --check | FileCheck %s --check-prefix=DEEP
// RUN: qsparse-run %s -e constant_weight --random-inputs=7 --target=emulator --check | FileCheck %s --check-prefix=CONST
// RUN: qsparse-run %s -e zero_points --random-inputs=8 --target=emulator --check | FileCheck %s --check-prefix=ZP
// RUN: qsparse-run %s -e block --random-inputs=9 --target=emulator --check | FileCheck %s --check-prefix=BLOCK
// RUN: qsparse-run %s -e conv3x3 --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=CONV3
// RUN: qsparse-run %s -e conv_strided --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=CONVS
// RUN: qsparse-run %s -e conv_stem --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=STEM
// RUN: qsparse-run %s -e conv_pointwise --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=POINT
// RUN: qsparse-run %s -e conv_nchw --random-inputs=2 --target=emulator --check | FileCheck %s --check-prefix=NCHW
// RUN: qsparse-run %s -e conv_pad_asym --random-inputs=13 --target=emulator --check | FileCheck %s --check-prefix=ASYM
// RGB stems (C = 3, widened to 4 with a zero channel): int8 7x7/2 with a
// hoisted u8 zero point and batch 2, and f16 3x3 after a tensor.pad:
// RUN: qsparse-run %s -e stem_rgb --random-inputs=14 --target=emulator --check | FileCheck %s --check-prefix=RGB
// RUN: qsparse-run %s -e stem_rgb_half --random-inputs=14 --target=emulator --check | FileCheck %s --check-prefix=RGBHALF
// Zero padding is done by the copies: the kernel reads the unpadded image
// (no padded buffer is left), zero filling the chunks of taps outside it;
// a nonzero padding value (the stem's zero point) keeps the padded buffer,
// which for an RGB stem is also the widened one: one buffer with C = 4
// filled with the zero point, the image copied into its interior.
// RUN: qsparse-opt %s --qsparse-gpu-pipeline --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=PADIR
// PADIR-LABEL: func.func @conv3x3(
// PADIR-NOT: memref<2x11x11x16xi8>
// PADIR: nvgpu.device_async_copy %arg0[{{.*}} : memref<2x9x9x16xi8>
// PADIR-NOT: memref<2x11x11x16xi8>
// PADIR-LABEL: func.func @conv_stem(
// PADIR: nvgpu.device_async_copy %{{.*}} : memref<1x26x26x4xi8>
// PADIR-LABEL: func.func @conv_pad_asym(
// PADIR-NOT: memref<2x14x13x8xi8>
// PADIR: nvgpu.device_async_copy %arg0[{{.*}} : memref<2x11x9x8xi8>
// PADIR-NOT: memref<2x14x13x8xi8>
// PADIR-LABEL: func.func @stem_rgb(
// PADIR-NOT: memref<2x29x27x3xi8>
// PADIR: %[[PAD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x29x27x4xi8>
// PADIR: linalg.fill ins(%{{.*}} : i8) outs(%[[PAD]] : memref<2x29x27x4xi8>)
// PADIR: memref.subview %[[PAD]][0, 3, 3, 0] [2, 23, 21, 3] [1, 1, 1, 1]
// PADIR: linalg.copy ins(%arg0 : memref<2x23x21x3xi8>)
// PADIR-NOT: memref<2x29x27x3xi8>
// PADIR: memref.alloc() {alignment = 64 : i64} : memref<7x7x4x16xi8>
// PADIR: nvvm.mma.sync
// PADIR-LABEL: func.func @stem_rgb_half(
// PADIR: memref.alloc() {alignment = 64 : i64} : memref<1x17x17x4xf16>
// PADIR: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
// PADIR-LABEL: func.func @residual(
// Other tile configurations (--gpu-pipeline-options).
// RUN: qsparse-run %s -e dense --random-inputs=3 --target=emulator --check --gpu-pipeline-options="tile-m=32 tile-n=32 tile-k=32 warps-m=1 warps-n=1" | FileCheck %s --check-prefix=DENSE
// RUN: qsparse-run %s -e conv3x3 --random-inputs=2 --target=emulator --check --gpu-pipeline-options="tile-m=64 tile-n=128 tile-k=128 warps-m=1 warps-n=4 stages=2" | FileCheck %s --check-prefix=CONV3
// RUN: qsparse-run %S/cpu-nibble-weights.mlir -e flint --random-inputs=3 --target=emulator --check --gpu-pipeline-options="tile-m=64 tile-n=64 tile-k=32 stages=2" | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %s -e residual --random-inputs=10 --target=emulator --check --gpu-pipeline-options="tile-m=128 tile-n=64 stages=4" | FileCheck %s --check-prefix=RESIDUAL
// Programs of other tests (convolutions, epilogues, pooling) on the simple kernels.
// RUN: qsparse-run %S/conv2d.mlir -e qconv_s --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/conv2d.mlir -e qconv_u --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/cpu-epilogues.mlir -e conv_block --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/cpu-epilogues.mlir -e two_layers --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %s -e residual --random-inputs=10 --target=emulator --check | FileCheck %s --check-prefix=RESIDUAL
// The residual in NCHW (an ONNX model's float skip path) read through a
// permuted map: still fused, each fragment pair loading its two residual
// elements at the (n, c, h, w) of its (row, column).
// RUN: qsparse-run %s -e residual_nchw --random-inputs=10 --target=emulator --check | FileCheck %s --check-prefix=RESNCHW
// RUN: qsparse-run %s -e residual_nchw --random-inputs=10 --target=emulator --check --gpu-pipeline-options="tile-m=32 tile-n=32 tile-k=32 warps-m=1 warps-n=1" | FileCheck %s --check-prefix=RESNCHW
// RESNCHW: check: OK, 6272 values match
// RUN: qsparse-opt %s --qsparse-gpu-pipeline --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=RESIR
// RESIR-LABEL: func.func @residual_nchw(
// RESIR: gpu.launch
// RESIR: nvgpu.mma.sync
// RESIR: scf.if
// RESIR-NEXT: vector.load %arg2
// RESIR-NEXT: %[[C7:.*]] = arith.constant 7 : index
// RESIR-NEXT: %[[W:.*]] = arith.remui %[[ROW:.*]], %[[C7]] : index
// RESIR-NEXT: %[[HQ:.*]] = arith.divui %[[ROW]], %[[C7]] : index
// RESIR-NEXT: %[[C7B:.*]] = arith.constant 7 : index
// RESIR-NEXT: %[[H:.*]] = arith.remui %[[HQ]], %[[C7B]] : index
// RESIR-NEXT: %[[N:.*]] = arith.divui %[[HQ]], %[[C7B]] : index
// RESIR-NEXT: memref.load %arg3[%[[N]], %[[C:[^,]*]], %[[H]], %[[W]]] : memref<2x64x7x7xf32>
// RESIR-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// RESIR-NEXT: %[[C1:.*]] = arith.addi %[[C]], %[[ONE]] : index
// RESIR-NEXT: memref.load %arg3[%[[N]], %[[C1]], %[[H]], %[[W]]] : memref<2x64x7x7xf32>
// RESIR: vector.from_elements
// RESIR: gpu.terminator
// RESIR-NOT: linalg.generic
// RESIR: return
// 4-bit weights (at most 16 values) decoded in shared memory.
// RUN: qsparse-run %S/cpu-nibble-weights.mlir -e flint --random-inputs=3 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/cpu-nibble-weights.mlir -e sixteen --random-inputs=3 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/cpu-nibble-weights.mlir -e seventeen --random-inputs=3 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/cpu-zero-points.mlir -e stem --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/linalg-pool-elementwise.mlir -e lin_pool --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/linalg-pool-elementwise.mlir -e lin_eltwise --random-inputs=5 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: not qsparse-run %s -e dense --random-inputs=3 --target=emulator --bench=3 2>&1 | FileCheck %s --check-prefix=BENCH

// DENSE: check: OK, 9360 values match the reference pipeline
// UNSIGNED: check: OK, 9000 values match the reference pipeline
// ODD: check: OK, 231 values match the reference pipeline
// DEEP: check: OK, 1024 values match the reference pipeline
// CONST: check: OK, 1440 values match the reference pipeline
// ZP: check: OK, 1440 values match the reference pipeline
// BLOCK: check: OK, 4608 values match the reference pipeline
// CONV3: check: OK, 3888 values match the reference pipeline
// CONVS: check: OK, 400 values match the reference pipeline
// STEM: check: OK, 1600 values match the reference pipeline
// POINT: check: OK, 12544 values match the reference pipeline
// NCHW: check: OK, 1024 values match the reference pipeline
// ASYM: check: OK, 800 values match the reference pipeline
// RGB: check: OK, 4224 values match the reference pipeline
// RGBHALF: check: OK, 5400 values match the reference pipeline
// RESIDUAL: check: OK, 3136 values match the reference pipeline
// OK: check: OK
// BENCH: qsparse-run: error: --bench measures nothing on --target=emulator (an interpreter)

// M and N not tile multiples (row and column guards), 16-byte copies.
func.func @dense(%x: tensor<130x96xi8>, %w: tensor<96x72xi8>) -> tensor<130x72xi32> {
  %y = qsparse.matmul %x, %w : tensor<130x96xi8>, tensor<96x72xi8> -> tensor<130x72xi32>
  return %y : tensor<130x72xi32>
}

// u8 input (nvvm.mma.sync with the u8 type), K = 68 (4-byte copies, a
// partial second K tile).
func.func @unsigned(%x: tensor<100x68xi8>, %w: tensor<68x90xi8>) -> tensor<100x90xi32> {
  %y = qsparse.matmul %x, %w {input_unsigned} : tensor<100x68xi8>, tensor<68x90xi8> -> tensor<100x90xi32>
  return %y : tensor<100x90xi32>
}

// K = 40 (8-byte copies), odd N (scalar stores).
func.func @odd(%x: tensor<33x40xi8>, %w: tensor<40x7xi8>) -> tensor<33x7xi32> {
  %y = qsparse.matmul %x, %w : tensor<33x40xi8>, tensor<40x7xi8> -> tensor<33x7xi32>
  return %y : tensor<33x7xi32>
}

// 16 K tiles through the 3-stage ring.
func.func @deep(%x: tensor<32x1024xi8>, %w: tensor<1024x32xi8>) -> tensor<32x32xi32> {
  %y = qsparse.matmul %x, %w : tensor<32x1024xi8>, tensor<1024x32xi8> -> tensor<32x32xi32>
  return %y : tensor<32x32xi32>
}

// A constant weight, transposed at compile time.
func.func @constant_weight(%x: tensor<30x64xi8>) -> tensor<30x48xi32> {
  %w = arith.constant dense<[[-94, -96, 76, -1, 23, 25, 54, -121, -4, -91, -26, 109, 12, -110, 10, -95, 65, 114, 122, 31, 94, -34, -91, 2, -15, 41, 126, -58, 91, -93, -39, 73, -65, 43, -11, 3, 112, 81, 86, 12, 123, 123, -94, -76, -50, 13, 82, -5], [123, -38, 109, 23, 56, -68, 23, 77, 98, 94, 119, -96, 71, -9, 47, -58, -125, -107, 121, 101, -51, -18, -67, -91, 91, 44, -109, -77, 16, 102, 126, -73, 28, -120, -84, -77, -15, -40, 58, -8, -42, 103, 32, 50, 62, -42, 100, -124], [-50, -88, -127, 127, -106, -11, 81, 48, 91, -115, -1, -120, -79, 88, -110, 22, -123, -49, 110, -47, -49, -106, 70, -84, -1, -122, -123, 86, -126, -9, -19, -96, 37, 61, 124, -78, 108, -113, -92, 25, 94, 101, 61, -122, -22, 78, 7, -80], [46, -105, 50, -124, -36, -53, 112, 58, 39, -2, -55, 90, 114, -73, -66, -48, -6, -62, -25, 122, -34, 112, 0, -41, 111, -17, 70, -48, 127, 63, 96, -118, -101, -111, 8, -25, 122, -66, -85, 88, -51, 61, -54, 11, -108, 41, 106, 49], [97, 71, 17, 109, -6, -90, 14, 32, -83, -92, 41, -15, -5, 73, 47, 101, -86, 66, 10, -119, -110, -36, 35, -87, 11, 127, -92, -92, 119, -66, 95, -37, 65, -113, 33, 94, -42, 34, -73, -88, -128, -1, 5, -108, -70, 28, -35, -69], [-127, -119, 35, -99, 88, 14, -64, 35, -87, -45, -1, 36, -93, -38, -105, -95, -71, -48, 104, -27, -101, 105, 17, -99, -107, -106, 105, 15, 46, 118, -26, 104, -25, 51, 83, -111, 59, 78, 120, 46, -4, -92, 68, -9, 78, -116, -40, 77], [28, 55, 23, 77, 84, 66, 41, -60, -109, 74, -39, -65, -128, -93, -119, -29, -53, -1, 18, -55, 8, 27, 44, 26, -120, -67, 75, 31, -53, -37, 109, 60, -33, -54, -95, 76, 33, -22, 49, 13, 8, 44, 67, 4, -23, -63, -51, 122], [-81, -104, 29, -45, -104, 12, 63, -121, -4, -89, 19, 76, 77, 72, -53, 35, 38, 102, 49, 65, -103, -52, -34, 37, 94, -41, -1, 63, -79, -30, -79, -89, 49, 96, -90, 48, 49, 62, 51, 15, -99, 72, -79, -14, 115, 16, -54, -112], [-63, 14, 89, 80, -74, 52, 38, 77, -1, -1, -21, 97, 6, -101, 1, 96, 86, -33, 97, -105, 63, 30, -126, -12, -31, -19, -62, 90, 83, -93, 67, 29, -81, -23, -57, 7, -95, -1, -99, -94, 89, 3, -55, 92, -43, -85, 102, -126], [113, -111, 78, -11, -96, 121, -19, -117, 56, 125, -89, 9, 109, -98, 74, -21, -115, -75, 91, 54, 98, 10, -95, -55, -52, -63, -108, 93, -104, 68, 55, -17, 32, -25, 6, 60, -11, 120, 86, -108, 103, -88, -75, -36, 81, 1, 65, -110], [63, -115, -65, -72, 85, -30, 69, 61, 49, 28, 93, -121, 42, -117, 32, -13, 121, 95, -113, 106, -82, -35, 8, 99, -40, 109, -52, -24, 109, 62, 45, -35, -126, -89, -48, 19, 95, -106, -114, 41, -67, 79, 20, 106, -13, -14, 71, -98], [-74, 103, -92, 94, 50, 119, -59, 24, -118, 44, -115, -33, -45, -82, 10, -54, -106, 56, -81, -45, -47, 49, 57, 0, -108, -14, 52, 119, 117, -86, -65, -4, -63, -88, -72, 111, 52, -3, 14, -44, 12, -85, -113, 24, 15, -26, -11, -96], [88, -120, -6, -28, 71, 21, -80, 4, 25, 102, 5, 105, -41, 111, 113, 76, 90, -6, 112, 6, 23, -27, 20, -26, 17, -118, -112, 76, 91, -66, -124, -121, 71, -9, -60, 55, 5, -17, -105, -35, 69, 40, -8, -87, 35, -126, 123, 23], [55, 7, -39, 93, -123, -22, 59, 73, -65, -124, 122, -122, 78, 25, -128, -71, -82, -111, 23, -96, -43, -33, -120, -42, 28, 16, 11, 99, -77, -35, 44, -81, -50, 19, 54, -128, -28, -30, -47, -47, 87, -29, 26, -115, 68, 13, -34, 31], [66, 63, 91, 117, 67, -38, 66, 40, -45, -15, -126, -73, -94, 99, 108, 62, -57, 113, -68, 82, 67, 106, 60, -96, -125, -124, 121, -78, 87, -23, 91, 48, -112, -16, 42, 3, -91, 66, 49, -110, -79, 45, -97, -116, -35, -65, -37, 56], [-70, 46, 22, -25, -100, -53, -33, 83, -128, -58, 63, -121, 19, -65, -9, -123, -67, 79, 117, -97, 100, 121, 38, -74, 39, -50, -42, 21, -91, -50, 113, -31, 33, -102, 56, -29, 25, -122, -81, -71, -96, 104, 1, -57, -66, -59, -66, 45], [11, 98, 82, -53, -46, -32, 85, 54, -14, 74, 31, 29, 59, -83, 39, -82, -103, 66, -119, 52, -74, 101, -119, 71, 106, -21, 122, -94, 92, 99, -70, 50, 63, 19, -119, 46, -107, -30, -60, -41, 125, 19, -41, -5, 54, 53, 76, 111], [101, 88, 28, -29, -30, -33, -13, 109, 40, -27, 74, 76, -90, -105, -16, -13, -117, 4, 25, 79, 21, 96, -14, -89, 57, 29, -5, 33, -72, -90, -44, 85, 81, 13, -60, 118, 121, -81, 47, 6, 93, -46, -4, 36, 38, 27, -61, 3], [105, -45, -70, 1, -10, -33, 127, 100, -102, -10, 35, -7, 120, -62, 109, -64, 97, 116, -63, -48, -103, 94, -86, 24, -44, 123, 37, -86, 68, 113, 17, 69, 55, 17, 78, 53, -83, 56, 14, -14, 25, 34, -97, -70, 70, -123, -99, 45], [-79, -7, 75, 103, 83, -61, -46, 81, 72, 124, 61, 101, -25, 118, -44, -88, 12, -86, -118, -70, -32, -36, -124, -99, -98, -90, 67, -124, -45, 110, -35, -36, 61, 32, -66, -12, -2, 62, -22, 78, -18, -30, -44, 9, -7, -104, -25, -55], [-1, -71, 96, -50, 3, -45, 19, 19, -32, -43, 49, -45, -12, 84, -122, -125, -7, -127, 15, -114, -75, 93, 4, 34, -77, 58, -86, 117, -108, -73, 105, 107, -75, -66, 121, 4, 49, 46, 23, 76, -87, -65, -89, -6, -123, -117, -53, -55], [82, 123, -49, 103, 87, 21, 6, 73, -103, 102, -80, -44, 90, 123, -100, -14, 104, -88, -2, 7, -124, 23, -15, 49, 86, 43, 110, -118, 85, 35, 115, 107, 25, 43, 16, 121, -84, 2, 91, 79, -27, -93, -44, 101, -52, -17, -85, 96], [-7, -46, -106, 31, -14, 88, 116, 54, -95, 30, 95, 120, -47, -106, -75, -102, 30, 13, -11, 116, -82, 47, 117, -49, 10, -101, -38, -14, 59, -6, 74, -9, -77, 30, -89, -59, 98, 97, 81, -55, 45, -101, 67, -39, -85, 111, -4, -88], [44, -57, 46, 109, -38, -39, -81, 87, -36, -117, -19, 99, -100, -68, 114, -82, -100, 62, -109, 125, 90, 117, 51, 64, -97, 106, 107, 124, 30, 13, -82, -91, 31, 89, 53, -27, 34, -48, -122, 0, 112, -120, -61, -124, -29, -61, -87, 24], [89, 63, 97, 117, 81, 81, -111, 112, -109, 34, 125, 59, 59, 22, -56, -108, 36, -113, 6, 66, -84, -77, 104, 74, 55, -10, 113, -127, -64, 15, -117, -15, 6, -110, -84, -62, 117, -50, 37, -40, -54, 52, 81, -86, -86, -15, -5, 27], [44, 114, 102, -99, -75, -108, 114, -79, 35, -72, -77, -87, 116, -109, 95, -75, -122, -71, -38, -6, 22, 37, 16, -35, -48, -85, -25, -104, -13, -61, 32, -85, 21, -5, -13, 94, -23, 55, -102, -76, 24, -119, 118, -111, 44, -17, 74, -35], [121, 46, -112, -107, -54, -63, 95, 47, 76, 17, -93, 4, 45, 102, -30, -99, -57, -78, -47, 16, 34, 16, -124, 122, -56, 122, -121, 22, 52, 66, 83, 50, -74, -94, 38, 26, -5, -50, -98, -37, -43, -88, -120, -126, 33, 90, 37, 55], [-52, 64, 66, -55, -128, -22, 99, -83, -63, 26, -62, 86, -18, 71, -79, 111, -40, -62, -19, 51, -49, -96, 76, 9, 110, -100, 67, 10, 66, 10, -108, -40, -11, -39, -44, 54, -102, -5, 118, -24, -118, -100, 115, -56, -58, 88, -65, 120], [-95, -33, -5, 94, 20, 95, 114, -73, 61, -58, 114, 50, 2, -50, 36, 116, -95, -35, 85, 58, 18, 53, -31, -74, -43, 93, -77, -44, -110, -100, 20, -116, 74, -13, 30, 34, 127, -59, -60, 87, 17, -60, -122, 88, -80, -120, 117, -61], [-119, -88, -31, -14, -2, -39, 37, -27, -28, 89, 2, 20, -54, 26, 41, -29, -10, 78, -51, 0, -109, 62, -87, 106, -37, 28, 54, -17, -78, -61, 40, 105, 97, 67, 83, 76, -38, -72, 98, -17, 36, 98, 81, -66, 112, 80, -125, 9], [-124, -72, 36, -32, 28, -109, -96, 44, -76, 58, -71, -121, -119, -51, -117, 68, -112, -77, 34, 9, 23, 78, 38, 17, -57, -97, 120, 104, 41, 63, -2, 16, 50, -43, -12, 21, 89, -28, -116, -98, -106, -97, 84, -117, 55, -85, -70, -66], [3, 34, 23, 20, -97, 23, -105, 82, -112, -104, -79, -29, 88, -108, -80, -21, -70, -108, 15, -112, 55, -102, -16, -29, 64, 67, -7, -56, 92, 61, -62, -69, 96, -55, -91, -8, 15, -109, 110, -14, 34, 21, 107, 83, -28, -114, 33, 76], [89, 17, 10, 20, -91, -115, -10, 97, -53, -58, 126, 11, -105, 9, -120, 104, 74, 25, 123, 125, -33, -69, -58, 41, -65, 19, -1, 3, 72, 32, 11, 12, -28, -42, 83, 36, -35, -107, 78, -6, 73, -13, 39, -74, -82, 17, 63, 43], [50, -96, 65, -52, 14, -113, -94, 24, 118, -108, -80, -70, 53, -14, 75, -13, 105, -120, 17, 114, 62, -70, -84, 28, -103, -72, 7, 24, 100, -38, -68, -47, 20, -7, -120, 22, 67, 25, 6, 48, 3, -60, -90, -105, -26, -64, 44, -45], [14, 27, 61, -22, -36, -49, 43, -103, 37, 24, -71, -100, -42, 4, -64, 48, 29, 31, -30, -88, -2, -37, 79, 112, -121, -105, -11, 45, -98, -17, -10, 29, 73, -28, -105, -97, 43, 15, 111, -127, 112, 93, 68, 76, -91, -33, -93, 9], [-21, 7, 74, 122, 92, -117, -9, -52, 31, -24, -17, 73, 72, 58, -57, -20, -16, -126, 17, 37, -128, -24, -73, -99, 115, 33, 114, -15, -111, -50, -113, -60, 39, 5, 25, -65, -46, -28, -79, 113, 66, -6, 30, -64, 53, 5, -114, 106], [59, 93, 119, 45, 90, 102, -49, 65, -24, 46, 107, -19, 124, -90, 99, 59, -122, 34, 92, 119, -99, -46, 22, 96, -53, -73, 79, 114, -119, 126, 39, -116, -13, -45, -19, 127, 65, 119, 83, 43, 58, -94, -92, -127, 56, -65, -18, 113], [121, 78, -122, -19, 116, 66, -112, 102, -64, -52, -106, 95, 5, -59, -83, -44, -23, -117, -113, -87, 45, 13, 123, -122, -122, 11, -107, -85, 106, 63, 6, -96, 31, -76, 105, -60, -122, 21, -46, 78, -30, 64, 52, 61, 29, 46, 67, 11], [42, -41, 78, -82, -121, 93, 84, -24, 15, 38, -98, -111, 7, -36, -24, -103, -78, -38, 102, 59, 127, -41, 10, 46, 3, -97, 39, -30, 33, -24, 47, 2, -98, -70, 0, 50, -72, 97, -56, 80, 116, -121, 124, -4, -26, -40, 123, 18], [-31, -107, 7, 58, 91, -22, -31, 113, -78, -124, -22, -22, -123, -4, -15, 84, -120, 65, -119, -82, 105, -50, 36, 60, -20, -21, -20, -61, -1, 110, -67, 87, -18, -38, 77, 12, 33, 109, 126, -73, 30, 104, -106, 98, -58, 57, -75, 47], [39, 47, -105, 11, -50, 21, 116, -78, 21, 16, -90, 44, 34, -4, 71, 45, -69, -11, -81, 77, 31, 56, 7, -106, -95, 68, 26, -56, 28, -108, -32, -97, -6, -46, 88, 6, 123, -44, 93, -76, 48, 68, 111, -33, 65, 95, -21, -66], [17, 48, -96, -37, 22, 89, -45, 37, 60, 45, -82, -105, -87, 64, 7, -38, -122, 61, -17, 88, -3, -97, 79, -125, -28, 66, -12, 119, 20, 102, 88, -17, 92, 85, -56, -122, 69, -114, 110, 20, 34, 7, 121, 83, 42, -69, 21, -10], [57, 125, -75, -51, 123, -25, 97, 27, -67, 126, 77, -82, 24, 48, 23, -22, -44, -26, 67, -63, 91, -9, -82, 19, -78, -28, -94, 1, -103, 34, 92, 90, -90, 15, -17, -31, -8, 118, -54, -84, 74, -117, -8, 104, -3, -60, -51, -90], [80, -30, -40, -41, 59, -38, 59, 89, 93, -54, 59, -95, -59, -73, 25, 115, 52, -19, -67, -36, 115, 71, -44, 111, -34, 2, -20, 80, 118, -61, 0, -39, -94, 19, 94, -68, -128, -58, -25, -80, 81, -61, 1, 86, 78, 75, 123, -99], [41, -39, -6, 56, -97, 92, -67, 15, 11, 58, 76, -68, -39, 72, 85, 82, 56, -24, 73, -68, 64, -120, 54, 33, 6, 33, 28, -128, 46, 5, -122, 112, -118, -121, -84, -93, -61, -114, 25, -17, 52, -30, 62, 94, -35, -111, 62, -77], [-101, 112, 113, -124, 122, -62, 85, -28, 102, -128, 34, -55, 125, 26, 74, 29, -121, 27, -29, 38, -84, 29, 81, -120, -24, 39, -87, 21, -101, -73, -102, -21, 43, -68, 98, 94, 49, -57, 86, -87, -86, 75, 59, 66, -24, 90, -54, 45], [-26, -22, -4, -7, 35, 14, 92, 24, 126, 113, 107, -61, 91, 68, 45, -124, 30, -80, -76, 113, 9, -64, 17, 2, -56, 106, 84, 39, 87, -3, 95, 51, 34, 122, -123, 112, -22, -82, -110, -93, -61, -55, 53, -91, -88, 67, -70, 85], [5, -92, -49, -110, 12, -46, -52, 47, -49, 69, -76, -11, -57, 35, 96, 106, 90, 97, 23, -98, 36, 54, 20, 70, -15, 104, 114, -21, 56, -89, 15, -7, 45, -34, -102, -28, 94, 77, 95, 38, -4, 46, 73, 39, -105, -92, -17, -114], [-38, -27, 56, 89, 0, 38, 55, 74, -19, 31, -87, 72, 43, 127, 103, 54, -120, 92, 20, 121, -51, 61, -93, 80, -17, -108, 5, -119, -7, 108, -49, -68, 26, -50, -86, -94, -76, 34, -58, -121, 111, 76, -76, -52, -102, 62, 30, 105], [-121, 48, -90, -20, 80, 31, 127, 90, -14, 54, 114, -64, 119, -127, -1, 97, 14, 31, 3, -112, -74, 13, -25, 22, 56, -53, -76, 98, 25, -67, 13, -92, 59, -49, 127, -42, 87, 98, -91, 40, -40, -97, 5, -28, -29, -102, -39, 52], [-47, 90, -32, -105, 82, -1, -87, -66, 96, -56, -21, 63, 39, 122, 83, -57, 100, 10, -70, -49, -27, -113, -117, 26, 82, -89, -95, 48, 47, 63, 105, -92, 0, 24, 14, -75, -55, 67, 113, -55, 1, 48, 62, 37, 94, 19, -127, -73], [90, 85, -60, -38, -45, 69, -117, -7, 12, -14, 16, 54, 68, -41, 56, 67, 92, -15, -99, 61, 27, 50, 57, 114, 121, -24, -122, -39, -114, 126, 67, 4, 50, -21, 88, 51, 64, -64, -98, 117, 72, 64, -96, 38, 33, -54, 40, 79], [63, 107, -6, 74, 38, 105, 114, -105, 109, 61, -29, 93, 106, -7, -22, -108, -59, 10, 87, -66, 69, -120, -127, 111, -126, 85, 36, 34, 81, 63, 89, 43, 127, -10, -20, -97, 115, -55, 101, 1, -64, 21, -101, -51, 19, -96, -108, -41], [70, -81, 116, 110, -105, -72, 1, -28, -38, 10, 30, -64, -4, -2, -67, 13, 39, -116, 76, 114, 55, 9, 78, -91, -28, 123, 69, -85, -66, 58, 20, -5, -91, -63, 16, -31, 81, -5, 95, -34, 89, -65, -18, -22, 64, -17, -55, 48], [-68, -78, 49, -117, -34, 85, 101, -111, 98, 33, 15, 12, -117, 121, 31, -80, 117, 99, 20, -95, -81, -85, 101, 39, -48, -86, -19, 22, -7, 44, 9, -96, 77, 74, 54, -20, -118, 119, 124, -126, -72, -108, 25, 30, 65, -63, -77, -25], [70, 104, 44, -40, 22, -115, 125, -92, -29, 14, -4, 70, -44, 65, 2, -8, -28, -67, -11, -96, -124, -71, 92, -77, -105, 104, -93, -24, 93, -99, -15, 35, 82, -11, -97, -121, 84, 122, -76, 114, 31, -61, -40, 85, -91, -12, -17, 44], [113, 39, 101, 59, -40, -16, -80, -91, -30, 77, 5, -16, 65, -15, -43, 66, -18, 47, -112, 125, -28, -29, 102, 34, -19, -107, 28, -100, 19, -63, 62, -57, 122, -14, -39, -70, -3, 111, -95, -19, -9, -31, -106, 102, 104, 75, 76, 69], [-113, 106, 100, 60, -12, -50, 105, 118, -88, -122, -99, 101, 7, -21, -49, -42, 123, -7, -100, -26, -115, 92, 10, 78, 62, 63, -122, -69, 99, -16, -23, -109, -85, 62, -112, -118, -6, -27, 88, -90, 126, 90, -33, 107, 3, -54, 17, 95], [-70, -83, 97, 54, -31, -64, -75, -14, 99, 28, 7, -39, -5, -78, 88, 22, -20, 75, 17, 126, -116, -46, 19, -63, 26, -109, -79, -76, 2, -122, -83, -65, 90, 57, -6, -99, 111, 37, 55, -53, -55, -70, 51, -5, 102, -17, 119, -14], [30, -98, -99, 16, 41, 102, 79, -126, -102, -108, -4, 22, -74, -47, -12, -64, -71, 124, -69, -50, -101, 107, 35, 29, -36, -121, -106, -60, -21, -109, -82, 9, 64, 104, 27, -115, 38, -121, -65, -121, -87, -59, 41, -86, 25, 119, -41, 70], [33, 112, -46, 20, -43, 82, -118, 53, -117, -54, 56, 39, -24, -54, -2, -10, -70, 82, -27, -72, -65, -84, 98, 90, -79, -10, 17, -84, -125, -47, 97, -57, 53, 101, -80, -7, -18, 107, 21, -8, -46, 112, -95, 106, 29, 17, 6, 73], [-78, -55, -66, -99, -122, 26, 31, -114, 30, -9, 3, 30, 17, 68, 118, 101, -40, -76, -59, 93, -38, -1, -102, 31, -17, -10, 45, 89, 12, -52, -46, -126, 113, 84, -87, 41, 17, 55, -95, -97, 47, -76, 9, 32, 116, 63, 105, 41], [38, 24, 72, 39, 82, -91, -115, -13, 77, -44, 55, 60, 71, 4, 101, 56, 20, 49, 20, 103, 35, 91, 89, -115, -53, 42, 42, -33, 84, -103, -29, -6, -92, 87, -116, 75, 102, -101, -16, -77, 88, 49, -49, 119, -78, -109, -23, -106], [20, 50, 96, 29, -119, 79, 1, -78, 35, -2, -34, 77, 33, -31, 81, -26, 107, -120, -17, 76, 12, -14, 1, -32, 91, 39, 119, 90, 123, 93, -13, -41, -61, 27, -28, -29, 53, 86, 75, 75, 76, 41, -100, 82, 77, 2, -46, 18]]> : tensor<64x48xi8>
  %y = qsparse.matmul %x, %w : tensor<30x64xi8>, tensor<64x48xi8> -> tensor<30x48xi32>
  return %y : tensor<30x48xi32>
}

// A u8 input zero point, hoisted out of the MAC (a correction kernel).
func.func @zero_points(%x: tensor<30x64xi8>, %w: tensor<64x48xi8>) -> tensor<30x48xi32> {
  %y = qsparse.matmul %x, %w {input_unsigned, input_zero_point = 119 : i64} : tensor<30x64xi8>, tensor<64x48xi8> -> tensor<30x48xi32>
  return %y : tensor<30x48xi32>
}

// matmul + requantize with ReLU: the requantize is the kernel's epilogue,
// applied to the accumulator fragments.
func.func @block(%x: tensor<64x128xi8>, %w: tensor<128x72xi8>) -> tensor<64x72xi8> {
  %a = qsparse.matmul %x, %w : tensor<64x128xi8>, tensor<128x72xi8> -> tensor<64x72xi32>
  %q = qsparse.requantize %a {multiplier = array<i32: 1518500250>, shift = array<i32: 40>, out_min = 0 : i64, out_max = 127 : i64}
      : tensor<64x72xi32> -> tensor<64x72xi8>
  return %q : tensor<64x72xi8>
}

// Convolutions as implicit GEMMs on the tensor cores (the image is read by
// the copies into shared memory): 3x3 padded with batch 2 (C = 16, 16-byte
// copies), stride 2 + dilation 2 (C = 8, 8-byte copies), a 7x7/2 stem with
// C = 4 (4-byte copies) and a hoisted u8 zero point, a 1x1 with a constant
// filter, and an NCHW float-free int8 conv through --qsparse-conv-to-nhwc.
func.func @conv3x3(%x: tensor<2x9x9x16xi8>, %w: tensor<3x3x16x24xi8>) -> tensor<2x9x9x24xi32> {
  %y = qsparse.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<2x9x9x16xi8>, tensor<3x3x16x24xi8> -> tensor<2x9x9x24xi32>
  return %y : tensor<2x9x9x24xi32>
}

func.func @conv_strided(%x: tensor<1x13x11x8xi8>, %w: tensor<3x3x8x20xi8>) -> tensor<1x5x4x20xi32> {
  %y = qsparse.conv2d %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>} : tensor<1x13x11x8xi8>, tensor<3x3x8x20xi8> -> tensor<1x5x4x20xi32>
  return %y : tensor<1x5x4x20xi32>
}

func.func @conv_stem(%x: tensor<1x20x20x4xi8>, %w: tensor<7x7x4x16xi8>) -> tensor<1x10x10x16xi32> {
  %y = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 121 : i64, strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>} : tensor<1x20x20x4xi8>, tensor<7x7x4x16xi8> -> tensor<1x10x10x16xi32>
  return %y : tensor<1x10x10x16xi32>
}

// Asymmetric padding (top 2, left 0, bottom 1, right 3) with stride 2 and
// dilation 2, batch 2.
func.func @conv_pad_asym(%x: tensor<2x11x9x8xi8>, %w: tensor<3x3x8x20xi8>) -> tensor<2x5x4x20xi32> {
  %y = qsparse.conv2d %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>, padding = array<i64: 2, 0, 1, 3>} : tensor<2x11x9x8xi8>, tensor<3x3x8x20xi8> -> tensor<2x5x4x20xi32>
  return %y : tensor<2x5x4x20xi32>
}

func.func @stem_rgb(%x: tensor<2x23x21x3xi8>, %w: tensor<7x7x3x16xi8>) -> tensor<2x12x11x16xi32> {
  %y = qsparse.conv2d %x, %w {input_unsigned, input_zero_point = 121 : i64, strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>} : tensor<2x23x21x3xi8>, tensor<7x7x3x16xi8> -> tensor<2x12x11x16xi32>
  return %y : tensor<2x12x11x16xi32>
}
func.func @stem_rgb_half(%x: tensor<1x15x15x3xf16>, %w: tensor<3x3x3x24xf16>) -> tensor<1x15x15x24xf32> {
  %zero = arith.constant 0.0 : f16
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f16
  } : tensor<1x15x15x3xf16> to tensor<1x17x17x3xf16>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x15x15x24xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x15x15x24xf32>) -> tensor<1x15x15x24xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x17x17x3xf16>, tensor<3x3x3x24xf16>) outs(%f : tensor<1x15x15x24xf32>) -> tensor<1x15x15x24xf32>
  return %c : tensor<1x15x15x24xf32>
}

func.func @conv_pointwise(%x: tensor<1x14x14x64xi8>) -> tensor<1x14x14x64xi32> {
  %w = arith.constant dense<5> : tensor<1x1x64x64xi8>
  %y = qsparse.conv2d %x, %w : tensor<1x14x14x64xi8>, tensor<1x1x64x64xi8> -> tensor<1x14x14x64xi32>
  return %y : tensor<1x14x14x64xi32>
}

func.func @conv_nchw(%x: tensor<1x16x10x10xi8>, %w: tensor<16x16x3x3xi8>) -> tensor<1x16x8x8xi32> {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x16x8x8xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x10x10xi8>, tensor<16x16x3x3xi8>) outs(%f : tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32>
  return %y : tensor<1x16x8x8xi32>
}

// conv + bias + dequantize + residual add + ReLU, all in the conv kernel's
// epilogue.
#id4 = affine_map<(n, h, w, c) -> (n, h, w, c)>
#ch4 = affine_map<(n, h, w, c) -> (c)>
func.func @residual(%x: tensor<1x7x7x32xi8>, %w: tensor<3x3x32x64xi8>, %bias: tensor<64xi32>, %skip: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %acc = qsparse.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<1x7x7x32xi8>, tensor<3x3x32x64xi8> -> tensor<1x7x7x64xi32>
  %e = tensor.empty() : tensor<1x7x7x64xf32>
  %scale = arith.constant 0.00390625 : f32
  %zero = arith.constant 0.0 : f32
  %y = linalg.generic {indexing_maps = [#id4, #ch4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %bias, %skip : tensor<1x7x7x64xi32>, tensor<64xi32>, tensor<1x7x7x64xf32>) outs(%e : tensor<1x7x7x64xf32>) {
  ^bb0(%v: i32, %b: i32, %s: f32, %o: f32):
    %t = arith.addi %v, %b : i32
    %f = arith.sitofp %t : i32 to f32
    %d = arith.mulf %f, %scale : f32
    %r = arith.addf %d, %s : f32
    %m = arith.maximumf %r, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x7x7x64xf32>
  return %y : tensor<1x7x7x64xf32>
}

#nchw4 = affine_map<(n, h, w, c) -> (n, c, h, w)>
func.func @residual_nchw(%x: tensor<2x7x7x32xi8>, %w: tensor<3x3x32x64xi8>, %bias: tensor<64xi32>, %skip: tensor<2x64x7x7xf32>) -> tensor<2x7x7x64xf32> {
  %acc = qsparse.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : tensor<2x7x7x32xi8>, tensor<3x3x32x64xi8> -> tensor<2x7x7x64xi32>
  %e = tensor.empty() : tensor<2x7x7x64xf32>
  %scale = arith.constant 0.00390625 : f32
  %zero = arith.constant 0.0 : f32
  %y = linalg.generic {indexing_maps = [#id4, #ch4, #nchw4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %bias, %skip : tensor<2x7x7x64xi32>, tensor<64xi32>, tensor<2x64x7x7xf32>) outs(%e : tensor<2x7x7x64xf32>) {
  ^bb0(%v: i32, %b: i32, %s: f32, %o: f32):
    %t = arith.addi %v, %b : i32
    %f = arith.sitofp %t : i32 to f32
    %d = arith.mulf %f, %scale : f32
    %r = arith.addf %d, %s : f32
    %m = arith.maximumf %r, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x7x7x64xf32>
  return %y : tensor<2x7x7x64xf32>
}

// f16 x f16 -> f32 on m16n8k16 tensor cores: sizes that fit no tile
// (M = 100, N = 90, K = 72), a runtime weight, the f32 zero fill folded;
// an f16 convolution (C = 6: 12-byte channel runs, 4-byte copies) with
// padding, stride 2 and a fused ReLU; another tile configuration. Compared
// with the reference pipeline's f32 within --check's float tolerance (the
// tensor cores add in another order).
// RUN: qsparse-run %s -e half --random-inputs=11 --target=emulator --check | FileCheck %s --check-prefix=HALF
// RUN: qsparse-run %s -e half --random-inputs=11 --target=emulator --check --gpu-pipeline-options="tile-m=32 tile-n=32 tile-k=32 warps-m=1 warps-n=1" | FileCheck %s --check-prefix=HALF
// RUN: qsparse-run %s -e half_conv --random-inputs=12 --target=emulator --check | FileCheck %s --check-prefix=HALFCONV
// RUN: qsparse-opt %s --qsparse-gpu-pipeline --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=HALFIR
// HALF: check: OK, 9000 values match the reference pipeline
// HALFCONV: check: OK, 1792 values match the reference pipeline
// HALFIR-LABEL: func.func @half(
// HALFIR: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
// HALFIR-LABEL: func.func @half_conv(
// HALFIR-NOT: linalg.generic
// HALFIR: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
// HALFIR: arith.maximumf
func.func @half(%a: tensor<100x72xf16>, %b: tensor<72x90xf16>) -> tensor<100x90xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<100x90xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<100x90xf32>) -> tensor<100x90xf32>
  %r = linalg.matmul ins(%a, %b : tensor<100x72xf16>, tensor<72x90xf16>) outs(%f : tensor<100x90xf32>) -> tensor<100x90xf32>
  return %r : tensor<100x90xf32>
}

func.func @half_conv(%x: tensor<2x13x13x6xf16>, %w: tensor<3x3x6x32xf16>) -> tensor<2x7x4x32xf32> {
  %zero = arith.constant 0.0 : f16
  %p = tensor.pad %x low[0, 1, 0, 0] high[0, 1, 0, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f16
  } : tensor<2x13x13x6xf16> to tensor<2x15x13x6xf16>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x7x4x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x7x4x32xf32>) -> tensor<2x7x4x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
      ins(%p, %w : tensor<2x15x13x6xf16>, tensor<3x3x6x32xf16>) outs(%f : tensor<2x7x4x32xf32>) -> tensor<2x7x4x32xf32>
  %e2 = tensor.empty() : tensor<2x7x4x32xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<2x7x4x32xf32>) outs(%e2 : tensor<2x7x4x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %z : f32
    linalg.yield %m : f32
  } -> tensor<2x7x4x32xf32>
  return %y : tensor<2x7x4x32xf32>
}

// Narrowed (i16) accumulators take the int8 tensor-core kernel: the mma sums
// in i32 (exact while the data-type bound fits 32 bits) and the store
// truncates, the same wrapping bits as the i16 arithmetic. Full-range
// operands make the
// sums wrap; an odd N stores element by element; a fused ReLU sees the i16
// value; a prior C is added in i16. IR: the i32 fragments truncated before
// the store. Past the bound (u8 x s8 at K = 65536: 33 bits), the simple
// kernels run instead.
// RUN: qsparse-run %s -e i16_matmul --random-inputs=13 --target=emulator --check | FileCheck %s --check-prefix=I16M
// RUN: qsparse-run %s -e i16_odd --random-inputs=14 --target=emulator --check | FileCheck %s --check-prefix=I16O
// RUN: qsparse-run %S/cpu-kernels.mlir -e i16_conv_relu --random-inputs=19 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-run %S/cpu-kernels.mlir -e i16_accumulate --random-inputs=20 --target=emulator --check | FileCheck %s --check-prefix=OK
// RUN: qsparse-opt %s --qsparse-gpu-pipeline --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=I16IR
// RUN: qsparse-opt %S/cpu-kernels.mlir --qsparse-gpu-pipeline --mlir-print-ir-after=qsparse-gpu-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=I16K
// I16K-LABEL: func.func @i16_conv_relu(
// I16K: nvvm.mma.sync
// I16K: %[[C:.*]] = arith.trunci %{{.*}} : vector<2xi32> to vector<2xi16>
// I16K: arith.maxsi %[[C]], %{{.*}} : vector<2xi16>
// I16K-LABEL: func.func @i16_accumulate(
// I16K: nvvm.mma.sync
// I16K: %[[A:.*]] = arith.trunci %{{.*}} : vector<2xi32> to vector<2xi16>
// I16K: arith.addi %{{.*}}, %[[A]] : vector<2xi16>
// I16M: check: OK, 2800 values match the reference pipeline
// I16O: check: OK, 231 values match the reference pipeline
// I16IR-LABEL: func.func @i16_matmul(
// I16IR: nvvm.mma.sync {{.*}}intOverflowBehavior = #nvvm.mma_int_overflow<satfinite>{{.*}}multiplicandAPtxType = #nvvm.mma_type<u8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>
// I16IR: %[[LOW:.*]] = arith.trunci %{{.*}} : vector<2xi32> to vector<2xi16>
// I16IR: vector.store %[[LOW]], %{{.*}} {alignment = 4 : i64} : memref<40x70xi16>, vector<2xi16>
// I16IR-LABEL: func.func @i16_too_deep(
// I16IR-NOT: mma.sync
// I16IR: return
func.func @i16_matmul(%a: tensor<40x200xi8>, %b: tensor<200x70xi8>) -> tensor<40x70xi16> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<40x200xi8>, tensor<200x70xi8> -> tensor<40x70xi16>
  return %0 : tensor<40x70xi16>
}

func.func @i16_odd(%a: tensor<33x96xi8>, %b: tensor<96x7xi8>) -> tensor<33x7xi16> {
  %0 = qsparse.matmul %a, %b : tensor<33x96xi8>, tensor<96x7xi8> -> tensor<33x7xi16>
  return %0 : tensor<33x7xi16>
}

func.func @i16_too_deep(%a: tensor<2x65536xi8>, %b: tensor<65536x8xi8>) -> tensor<2x8xi16> {
  %0 = qsparse.matmul %a, %b {input_unsigned} : tensor<2x65536xi8>, tensor<65536x8xi8> -> tensor<2x8xi16>
  return %0 : tensor<2x8xi16>
}

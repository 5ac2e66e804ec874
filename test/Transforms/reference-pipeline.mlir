// RUN: qsparse-opt %s --qsparse-reference-pipeline | FileCheck %s
// RUN: qsparse-opt %s --qsparse-cpu-pipeline | FileCheck %s

// The reference pipeline leaves only the LLVM dialect; results become a
// trailing out-parameter (memref descriptor fields), so the function returns
// nothing.
// CHECK-LABEL: llvm.func @block
// CHECK-SAME: (%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64,
// CHECK-SAME: %{{[^>]*}}: i64) {
// CHECK-NOT: qsparse.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: scf.
// CHECK: llvm.return
// CHECK-NOT: builtin.unrealized_conversion_cast
func.func @block(%x: tensor<2x8xi8>, %w: tensor<8x4x!qsparse.flint<4, signed>>) -> tensor<2x4xi8> {
  %wi = qsparse.decode %w : tensor<8x4x!qsparse.flint<4, signed>> -> tensor<8x4xi8>
  %acc = qsparse.matmul %x, %wi {input_unsigned} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi32>
  %y = qsparse.requantize %acc {multiplier = array<i32: 1073741824>, shift = array<i32: 33>}
      : tensor<2x4xi32> -> tensor<2x4xi8>
  return %y : tensor<2x4xi8>
}

// RUN: qsparse-opt %s -allow-unregistered-dialect | FileCheck %s
// RUN: qsparse-opt %s -allow-unregistered-dialect | qsparse-opt -allow-unregistered-dialect | FileCheck %s
// RUN: qsparse-opt %s -allow-unregistered-dialect --mlir-print-op-generic | qsparse-opt -allow-unregistered-dialect | FileCheck %s

// Every code type and attribute round-trips in custom and generic form.

// CHECK-LABEL: func.func @code_types
// CHECK-SAME: tensor<4x!qsparse.flint<2>>
// CHECK-SAME: tensor<4x!qsparse.flint<4>>
// CHECK-SAME: tensor<4x!qsparse.flint<8>>
// CHECK-SAME: tensor<4x!qsparse.flint<3, signed>>
// CHECK-SAME: tensor<4x!qsparse.flint<4, signed>>
// CHECK-SAME: tensor<4x!qsparse.pot<2>>
// CHECK-SAME: tensor<4x!qsparse.pot<4, signed>>
// CHECK-SAME: tensor<4x!qsparse.pot<8, signed>>
// CHECK-SAME: tensor<4x!qsparse.float<4, e2>>
// CHECK-SAME: tensor<4x!qsparse.float<8, e4, signed>>
func.func @code_types(%a: tensor<4x!qsparse.flint<2>>,
                      %b: tensor<4x!qsparse.flint<4>>,
                      %c: tensor<4x!qsparse.flint<8>>,
                      %d: tensor<4x!qsparse.flint<3, signed>>,
                      %e: tensor<4x!qsparse.flint<4, signed>>,
                      %f: tensor<4x!qsparse.pot<2>>,
                      %g: tensor<4x!qsparse.pot<4, signed>>,
                      %h: tensor<4x!qsparse.pot<8, signed>>,
                      %i: tensor<4x!qsparse.float<4, e2>>,
                      %j: tensor<4x!qsparse.float<8, e4, signed>>) {
  return
}

// CHECK-LABEL: func.func @attributes
// CHECK: mask = #qsparse.nm<2:4>
// CHECK-SAME: mask_1_8 = #qsparse.nm<1:8>
// CHECK-SAME: mask_t = #qsparse.nm<2:4, transposable>
// CHECK-SAME: mask_t48 = #qsparse.nm<4:8, transposable>
// CHECK: bound = #qsparse.acc_bound<lo = -32768, hi = 32767>
// CHECK-SAME: bound_point = #qsparse.acc_bound<lo = 0, hi = 0>
func.func @attributes() {
  "test.mask"() {mask = #qsparse.nm<2:4>, mask_1_8 = #qsparse.nm<1:8>,
                 mask_t = #qsparse.nm<2:4, transposable>,
                 mask_t48 = #qsparse.nm<4:8, transposable>} : () -> ()
  "test.bound"() {bound = #qsparse.acc_bound<lo = -32768, hi = 32767>,
                  bound_point = #qsparse.acc_bound<lo = 0, hi = 0>} : () -> ()
  return
}

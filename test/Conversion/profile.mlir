// RUN: qsparse-opt %s --qsparse-profile -split-input-file -verify-diagnostics | FileCheck %s

// Each function is bracketed as a whole (id 0 here: begin first, end
// before the return), then each run of work ops of one location: the
// kernel loop nest and the fill before it share "conv" (the alloc between
// them does not end the run), the copy has its own location, and the
// generic and scf.if after it share "relu" (the generic's kernel mark,
// with its output type, names the run). Constants and views are not work.
// The table records what each id is.
// CHECK-DAG: #[[L1:.*]] = loc("net.mlir":1:1)
// CHECK-DAG: #[[L2:.*]] = loc("net.mlir":2:3)
// CHECK-DAG: #[[L3:.*]] = loc("net.mlir":3:3)
// CHECK-DAG: #[[L4:.*]] = loc("net.mlir":4:3)
// CHECK-LABEL: module attributes {qsparse.profile = [
// CHECK-SAME: {kind = "func @f", loc = #[[L1]]},
// CHECK-SAME: {kind = "linalg.fill", loc = #[[L2]], type = "f32"},
// CHECK-SAME: {kind = "memref.copy", loc = #[[L3]], type = "4xf32"},
// CHECK-SAME: {kind = "elementwise kernel", loc = #[[L4]], type = "4x2xf32"}]}
// CHECK: func.func private @qsparse_profile_begin(i64)
// CHECK: func.func private @qsparse_profile_end(i64)
// CHECK-LABEL: func.func @f
// CHECK-NEXT: %[[F:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @qsparse_profile_begin(%[[F]])
// CHECK: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-NEXT: call @qsparse_profile_begin(%[[C1]])
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: scf.for
// CHECK: }
// CHECK-NEXT: %[[E1:.*]] = arith.constant 1 : i64
// CHECK-NEXT: call @qsparse_profile_end(%[[E1]])
// CHECK: call @qsparse_profile_begin
// CHECK-NEXT: memref.copy
// CHECK-NEXT: arith.constant 2 : i64
// CHECK-NEXT: call @qsparse_profile_end
// CHECK: arith.constant 3 : i64
// CHECK-NEXT: call @qsparse_profile_begin
// CHECK-NEXT: linalg.generic
// CHECK: scf.if
// CHECK: }
// CHECK-NEXT: arith.constant 3 : i64
// CHECK-NEXT: call @qsparse_profile_end
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @qsparse_profile_end(%[[Z]])
// CHECK-NEXT: return
#id = affine_map<(d0) -> (d0)>
func.func @f(%a: memref<4xf32>, %b: memref<4xf32>, %flag: i1) {
  %zero = arith.constant 0.0 : f32 loc("net.mlir":2:3)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%t : memref<4xf32>) loc("net.mlir":2:3)
  %u = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<4xf32>
    memref.store %v, %t[%i] : memref<4xf32>
  } loc("net.mlir":2:3)
  memref.copy %t, %u : memref<4xf32> to memref<4xf32> loc("net.mlir":3:3)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%u : memref<4xf32>) outs(%b : memref<4xf32>)
      attrs = {qsparse.kernel = "elementwise kernel", qsparse.kernel_output = memref<4x2xf32>} {
  ^bb0(%x: f32, %y: f32):
    %m = arith.maximumf %x, %zero : f32
    linalg.yield %m : f32
  } loc("net.mlir":4:3)
  scf.if %flag {
    memref.store %zero, %b[%c0] : memref<4xf32>
  } loc("net.mlir":4:3)
  memref.dealloc %t : memref<4xf32>
  memref.dealloc %u : memref<4xf32>
  return
} loc("net.mlir":1:1)

// -----

// The symbols are the runtime's: a definition of another type is an error.
// expected-error @below {{'qsparse_profile_begin' is reserved for --qsparse-profile: expected a declaration of type '(i64) -> ()'}}
func.func @qsparse_profile_begin(%x: i32) {
  return
}

// -----

// Instrumented once only.
// expected-error @below {{the module is already instrumented (it has a 'qsparse.profile' table)}}
module attributes {qsparse.profile = []} {
  func.func @g() {
    return
  }
}

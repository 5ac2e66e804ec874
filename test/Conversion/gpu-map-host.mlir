// RUN: qsparse-opt %s --split-input-file --allow-unregistered-dialect --qsparse-gpu-map-host --verify-diagnostics | FileCheck %s

// A parallel loop nest (7 x 300 = 2100 iterations) becomes one thread per
// iteration over 9 blocks of 256 threads, delinearized inside a bounds
// check; the sequential loop inside stays. A host scf.for runs whole on one
// thread. Host buffers become device allocations.
// CHECK-LABEL: func.func @loops
// CHECK: %[[T:.*]] = gpu.alloc () : memref<7x300xf32>
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c9, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK: %[[ID:.*]] = arith.addi %{{.*}}, %[[TX]] : index
// CHECK: %[[OK:.*]] = arith.cmpi ult, %[[ID]], %c2100
// CHECK: scf.if %[[OK]]
// CHECK: %[[J:.*]] = arith.remui %[[ID]], %c300
// CHECK: %[[I:.*]] = arith.divui %[[ID]], %c300
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[T]][%{{.*}}, %{{.*}}]
// CHECK: gpu.terminator
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}})
// CHECK-NEXT: scf.for
// CHECK: gpu.memcpy %arg1, %[[T]] : memref<7x300xf32>, memref<7x300xf32>
// CHECK: gpu.dealloc %[[T]] : memref<7x300xf32>
func.func @loops(%a: memref<7x300x5xf32>, %b: memref<7x300xf32>, %s: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c300 = arith.constant 300 : index
  %t = memref.alloc() : memref<7x300xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c7, %c300) step (%c1, %c1) {
    %z = arith.constant 0.0 : f32
    %r = scf.for %k = %c0 to %c5 step %c1 iter_args(%acc = %z) -> f32 {
      %v = memref.load %a[%i, %j, %k] : memref<7x300x5xf32>
      %n = arith.addf %acc, %v : f32
      scf.yield %n : f32
    }
    memref.store %r, %t[%i, %j] : memref<7x300xf32>
    scf.reduce
  }
  scf.for %k = %c0 to %c5 step %c1 {
    %v = memref.load %t[%c0, %k] : memref<7x300xf32>
    memref.store %v, %s[%c0] : memref<1xf32>
  }
  memref.copy %t, %b : memref<7x300xf32> to memref<7x300xf32>
  memref.dealloc %t : memref<7x300xf32>
  return
}

// -----

// A constant global read by a kernel is rebuilt inside it (the outlining
// then copies the global into the GPU module, i.e. device memory).
// CHECK-LABEL: func.func @constant
// CHECK: gpu.launch
// CHECK-NEXT: %[[G:.*]] = memref.get_global @table : memref<4xi32>
// CHECK: memref.load %[[G]]
memref.global "private" constant @table : memref<4xi32> = dense<[1, 2, 3, 4]>
func.func @constant(%out: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %g = memref.get_global @table : memref<4xi32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %g[%i] : memref<4xi32>
    memref.store %v, %out[%i] : memref<4xi32>
    scf.reduce
  }
  return
}

// -----

// Host code may not touch device memory.
func.func @host_load(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{'memref.load' reads or writes memory on the host; the GPU pipeline only launches kernels, allocates and copies buffers there}}
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}

// -----

memref.global "private" @state : memref<4xf32> = dense<0.0>
func.func @mutable(%out: memref<4xf32>) {
  // expected-error @below {{mutable global 'state' is not supported by the GPU pipeline (kernels get a copy of constant globals only)}}
  %g = memref.get_global @state : memref<4xf32>
  memref.copy %g, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

func.func @dynamic(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @below {{a parallel loop with dynamic bounds cannot be mapped to the GPU yet}}
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %z = arith.constant 0.0 : f32
    memref.store %z, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

func.func @loop_result(%a: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0.0 : f32
  // expected-error @below {{a sequential loop whose results the host uses cannot be mapped to the GPU}}
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %z) -> f32 {
    %v = memref.load %a[%i] : memref<4xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  return %r : f32
}

// -----

func.func private @external(memref<4xf32>)
func.func @call(%a: memref<4xf32>) {
  // expected-error @below {{'func.call' may access device memory on the host; the GPU pipeline cannot map it}}
  func.call @external(%a) : (memref<4xf32>) -> ()
  return
}

// -----

// An op of no registered dialect that takes a buffer is rejected like a
// call (it used to crash the pass).
func.func @unregistered(%a: memref<4xf32>) {
  // expected-error @below {{'test.opaque' may access device memory on the host; the GPU pipeline cannot map it}}
  "test.opaque"(%a) : (memref<4xf32>) -> ()
  return
}

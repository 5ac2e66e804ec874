// Weights held as dense_resource blobs (as qsparse-translate writes large
// ONNX initializers) are constants to the deciding passes, and
// --qsparse-select-numeric-type composes with --qsparse-sparsify run first:
// it chooses the type on the pruned weight and encodes the kept values.
// RUN: qsparse-opt %s --qsparse-sparsify="n=2 m=4" --qsparse-select-numeric-type="bits=4 candidates=int,flint report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: qsparse-opt %s --qsparse-select-numeric-type="bits=4 candidates=flint" | FileCheck %s --check-prefix=SELECT

// w (8x2) = columns (1, -6, 3, 2 | 0, 8, -8, 1) and (4, 4, 4, 4 | 0, 0, 0, 16).
// 2:4 keeps -6, 3 | 8, -8 and 4, 4 | 0, 16: all on the flint4 grid with
// scale 1 (int4 cannot hold 16 with -6 exactly), so flint4 is exact.
// CHECK-LABEL: func.func @resource
// CHECK-DAG: %[[META:.*]] = arith.constant dense<{{\[\[}}1, 0], [2, 1], [1, 0], [2, 3]]> : tensor<4x2xi8>
// CHECK-DAG: %[[CODES:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xi8>
// CHECK: %[[F4:.*]] = qsparse.bitcast %[[CODES]] : tensor<4x2xi8> -> tensor<4x2x!qsparse.flint<4, signed>>
// CHECK: %[[SCALES:.*]] = arith.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: %[[KEPT:.*]] = qsparse.dequantize %[[F4]], %[[SCALES]] axis = 1
// CHECK: %[[W:.*]] = qsparse.nm_decompress %[[KEPT]], %[[META]] {axis = 0 : i64, sparsity = #qsparse.nm<2:4>} : tensor<4x2xf32>, tensor<4x2xi8> -> tensor<8x2xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] :
// REPORT: "chosen": "flint4"
// REPORT: "flint4": 0,
// REPORT: "int4": 0.0181428571428571{{[0-9]*}}
// Without pruning the dense blob itself is encoded.
// SELECT: %[[CODES:.*]] = qsparse.bitcast %{{.*}} : tensor<8x2xi8> -> tensor<8x2x!qsparse.flint<4, signed>>
// SELECT: %[[W:.*]] = qsparse.dequantize %[[CODES]], %{{.*}} axis = 1 : tensor<8x2x!qsparse.flint<4, signed>>, tensor<2xf32> -> tensor<8x2xf32>
// SELECT: linalg.matmul ins(%{{.*}}, %[[W]] :

func.func @resource(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense_resource<w8x2> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w8x2: "0x040000000000803F000080400000C0C0000080400000404000008040000000400000804000000000000000000000004100000000000000C1000000000000803F00008041"
    }
  }
#-}

// RUN: qsparse-opt %s --qsparse-select-numeric-type="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: qsparse-opt %s --qsparse-select-numeric-type="candidates=flint per-channel=false" | FileCheck %s --check-prefix=FLINT
// RUN: qsparse-opt %s --qsparse-select-numeric-type="candidates=float_e2,float report=%t.float.json" | FileCheck %s --check-prefix=FLOAT
// RUN: FileCheck %s --input-file=%t.float.json --check-prefix=FLOATREPORT

// Each weight column is exactly int4 codes x a scale with max |code| = 7:
// (7, -3, 0, 1) x 0.5 and (-7, 2, 5, 1) x 0.25. int4 reproduces them with
// zero error; pot4 and flint4 cannot (7 is on neither grid).
// CHECK-LABEL: func.func @exact_int4
// CHECK-DAG: %[[CODES:.*]] = arith.constant dense<{{\[\[}}7, -7], [-3, 2], [0, 5], [1, 1]]> : tensor<4x2xi4>
// CHECK-DAG: %[[SCALES:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK: %[[W:.*]] = qsparse.dequantize %[[CODES]], %[[SCALES]] axis = 1 : tensor<4x2xi4>, tensor<2xf32> -> tensor<4x2xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] : tensor<1x4xf32>, tensor<4x2xf32>)
// REPORT:      "chosen": "int4",
// REPORT-NEXT: "loc":
// REPORT-NEXT: "mse": {
// REPORT-NEXT:   "flint4": {{[0-9.e-]+}},
// REPORT-NEXT:   "int4": 0,
// REPORT-NEXT:   "pot4": {{[0-9.e-]+}}
// REPORT-NEXT: },
// REPORT-NEXT: "op": "linalg.matmul",
// REPORT-NEXT: "per_channel": true
// FLINT-LABEL: func.func @exact_int4
// FLINT: %[[CODES:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xi8>
// FLINT: %[[C:.*]] = qsparse.bitcast %[[CODES]] : tensor<4x2xi8> -> tensor<4x2x!qsparse.flint<4, signed>>
// FLINT: %[[S:.*]] = arith.constant dense<{{.*}}> : tensor<1xf32>
// FLINT: qsparse.dequantize %[[C]], %[[S]] : tensor<4x2x!qsparse.flint<4, signed>>, tensor<1xf32> -> tensor<4x2xf32>
// ANT float candidates: e2 (a float type) and the default e3, which at 4 bits
// signed is the PoT grid.
// FLOAT-LABEL: func.func @exact_int4
// FLOAT: qsparse.bitcast %{{.*}} : tensor<4x2xi8> -> tensor<4x2x!qsparse.float<4, e{{[23]}}, signed>>
// FLOATREPORT: "chosen": "float4_e{{[23]}}",
// FLOATREPORT: "float4_e2":
// FLOATREPORT: "float4_e3":
func.func @exact_int4(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[3.5, -1.75], [-1.5, 0.5], [0.0, 1.25], [0.5, 0.25]]> : tensor<4x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%f : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// Integer contractions keep their weights.
// REPORT: "skipped": "integer contraction: its weights are already quantized"
func.func @integer(%x: tensor<1x4xi8>) -> tensor<1x2xi32> {
  %w = arith.constant dense<1> : tensor<4x2xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x4xi8>, tensor<4x2xi8> -> tensor<1x2xi32>
  return %0 : tensor<1x2xi32>
}

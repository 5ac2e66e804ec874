// RUN: qsparse-opt %s -split-input-file --qsparse-lower-to-linalg -verify-diagnostics

func.func @dynamic(%x: tensor<?x8xi8>, %w: tensor<8x4xi8>) -> tensor<?x4xi32> {
  // expected-error @+2 {{'qsparse.matmul' op has a dynamic shape ('tensor<?x8xi8>'); the qsparse lowering needs static shapes}}
  // expected-error @+1 {{failed to legalize operation 'qsparse.matmul'}}
  %0 = qsparse.matmul %x, %w : tensor<?x8xi8>, tensor<8x4xi8> -> tensor<?x4xi32>
  return %0 : tensor<?x4xi32>
}

func.func @mm(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi32> {
  %0 = qsparse.matmul %x, %w : tensor<2x4xi8>, tensor<4x3xi8> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
func.func @memref_arg(%x: memref<4xf32>) {
  return
}
func.func private @external(%x: tensor<4xf32>) -> tensor<4xf32>
func.func @unsupported(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %0 = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

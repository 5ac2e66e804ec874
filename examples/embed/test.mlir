func.func @main(%x: tensor<4x16xi8>, %w: tensor<16x8x!qsparse.flint<4, signed>>) -> tensor<4x8xi32> {
  %wi = qsparse.decode %w : tensor<16x8x!qsparse.flint<4, signed>> -> tensor<16x8xi8>
  %y = qsparse.matmul %x, %wi : tensor<4x16xi8>, tensor<16x8xi8> -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

func.func @f(%x: tensor<1x4xi8>) -> tensor<1x1xi16> {
  %w = arith.constant dense<127> : tensor<4x1xi8>
  %0 = qsparse.matmul %x, %w : tensor<1x4xi8>, tensor<4x1xi8> -> tensor<1x1xi16>
  return %0 : tensor<1x1xi16>
}

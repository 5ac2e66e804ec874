func.func @bad(%x: tensor<2x8xi8>, %w: tensor<8x4xi8>) -> tensor<2x4xi16> {
  %0 = qsparse.matmul %x, %w {acc_bound = #qsparse.acc_bound<lo = -40000, hi = 100>} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi16>
  return %0 : tensor<2x4xi16>
}

// REQUIRES: numpy
// The ANT float code type through the reference lowering: quantize, decode
// and dequantize of !qsparse.float<4, e2, signed> against a numpy grid built
// from its definition (DESIGN 3.1): 3 value bits, e = 2, m = 1; field 0 is
// subnormal j / 2 and field i >= 1 is 2^(i-1) (1 + j / 2); integer units x 2.
// RUN: %python %S/Inputs/float_codes.py gen %t
// RUN: qsparse-run %s -e roundtrip --input=%t.x.npy --input=%t.s.npy --output=%t.codes.npy --output=%t.ints.npy --output=%t.deq.npy --check
// RUN: %python %S/Inputs/float_codes.py compare %t

func.func @roundtrip(%x: tensor<64xf32>, %s: tensor<1xf32>) -> (tensor<64x!qsparse.float<4, e2, signed>>, tensor<64xi8>, tensor<64xf32>) {
  %q = qsparse.quantize %x, %s : tensor<64xf32>, tensor<1xf32> -> tensor<64x!qsparse.float<4, e2, signed>>
  %i = qsparse.decode %q : tensor<64x!qsparse.float<4, e2, signed>> -> tensor<64xi8>
  %d = qsparse.dequantize %q, %s : tensor<64x!qsparse.float<4, e2, signed>>, tensor<1xf32> -> tensor<64xf32>
  return %q, %i, %d : tensor<64x!qsparse.float<4, e2, signed>>, tensor<64xi8>, tensor<64xf32>
}

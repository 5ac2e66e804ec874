// RUN: qsparse-opt %s -split-input-file -verify-diagnostics

func.func @quantize_shape(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op result shape must equal the input shape}}
  %q = qsparse.quantize %x, %s axis = 1 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x4x!qsparse.flint<4>>
  return
}

// -----

func.func @quantize_scale_count(%x: tensor<4x8xf32>, %s: tensor<5xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op scale count 5 does not match dimension 1 of size 8}}
  %q = qsparse.quantize %x, %s axis = 1 : tensor<4x8xf32>, tensor<5xf32> -> tensor<4x8x!qsparse.flint<4>>
  return
}

// -----

func.func @quantize_axis_range(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op axis 2 is out of range for a rank-2 tensor}}
  %q = qsparse.quantize %x, %s axis = 2 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8x!qsparse.flint<4>>
  return
}

// -----

func.func @quantize_per_tensor_count(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op without an axis there must be exactly one scale, got 8}}
  %q = qsparse.quantize %x, %s : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8x!qsparse.flint<4>>
  return
}

// -----

func.func @quantize_scale_rank(%x: tensor<4x8xf32>, %s: tensor<1x8xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op scales must be a 1-D tensor, got rank 2}}
  %q = qsparse.quantize %x, %s axis = 1 : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8x!qsparse.flint<4>>
  return
}

// -----

func.func @quantize_scale_type(%x: tensor<4x8xf32>, %s: tensor<8xf16>) {
  // expected-error @+1 {{'qsparse.quantize' op scale element type 'f16' must equal the float element type 'f32'}}
  %q = qsparse.quantize %x, %s axis = 1 : tensor<4x8xf32>, tensor<8xf16> -> tensor<4x8x!qsparse.flint<4>>
  return
}

// -----

func.func @quantize_wide_int(%x: tensor<4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op int bit width must be in [1, 32], got 64}}
  %q = qsparse.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi64>
  return
}

// -----

func.func @quantize_not_code(%x: tensor<4xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'qsparse.quantize' op result #0 must be ranked tensor of flint, pot, float or integer code values}}
  %q = qsparse.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xf16>
  return
}

// -----

func.func @dequantize_scale_count(%c: tensor<4x8x!qsparse.flint<4>>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'qsparse.dequantize' op scale count 4 does not match dimension 1 of size 8}}
  %d = qsparse.dequantize %c, %s axis = 1 : tensor<4x8x!qsparse.flint<4>>, tensor<4xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_shape(%c: tensor<4x8x!qsparse.flint<4>>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'qsparse.dequantize' op result shape must equal the input shape}}
  %d = qsparse.dequantize %c, %s axis = 1 : tensor<4x8x!qsparse.flint<4>>, tensor<8xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @decode_too_narrow(%c: tensor<4x!qsparse.flint<4>>) {
  // expected-error @+1 {{'qsparse.decode' op result element type 'i7' is too narrow for '!qsparse.flint<4>': its values need 8 bits}}
  %d = qsparse.decode %c : tensor<4x!qsparse.flint<4>> -> tensor<4xi7>
  return
}

// -----

func.func @decode_pot_too_narrow(%c: tensor<4x!qsparse.pot<8, signed>>) {
  // expected-error @+1 {{'qsparse.decode' op result element type 'i64' is too narrow for '!qsparse.pot<8, signed>': its values need 128 bits}}
  %d = qsparse.decode %c : tensor<4x!qsparse.pot<8, signed>> -> tensor<4xi64>
  return
}

// -----

func.func @decode_unsigned_int(%c: tensor<4xui8>) {
  // expected-error @+1 {{'qsparse.decode' op result element type 'i8' is too narrow for 'ui8': its values need 9 bits}}
  %d = qsparse.decode %c : tensor<4xui8> -> tensor<4xi8>
  return
}

// -----

func.func @bitcast_width(%c: tensor<4x!qsparse.flint<4>>) {
  // expected-error @+1 {{'qsparse.bitcast' op storage widths differ: '!qsparse.flint<4>' is stored in 8 bits, 'i4' in 4}}
  %d = qsparse.bitcast %c : tensor<4x!qsparse.flint<4>> -> tensor<4xi4>
  return
}

// -----

func.func @bitcast_shape(%c: tensor<4xi8>) {
  // expected-error @+1 {{'qsparse.bitcast' op result shape must equal the input shape}}
  %d = qsparse.bitcast %c : tensor<4xi8> -> tensor<2x!qsparse.flint<4>>
  return
}

// -----

func.func @requantize_counts(%a: tensor<4x2xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op multiplier has 2 entries but shift has 1}}
  %0 = qsparse.requantize %a {axis = 1 : i64, multiplier = array<i32: 1, 2>, shift = array<i32: 3>} : tensor<4x2xi32> -> tensor<4x2xi8>
  return
}

// -----

func.func @requantize_axis(%a: tensor<4x2xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op multiplier count 3 does not match dimension 1 of size 2}}
  %0 = qsparse.requantize %a {axis = 1 : i64, multiplier = array<i32: 1, 2, 3>, shift = array<i32: 3, 3, 3>} : tensor<4x2xi32> -> tensor<4x2xi8>
  return
}

// -----

func.func @requantize_per_tensor(%a: tensor<4x2xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op without an axis there must be exactly one multiplier, got 2}}
  %0 = qsparse.requantize %a {multiplier = array<i32: 1, 2>, shift = array<i32: 3, 3>} : tensor<4x2xi32> -> tensor<4x2xi8>
  return
}

// -----

func.func @requantize_shift(%a: tensor<4xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op shift must be in [0, 63], got 64}}
  %0 = qsparse.requantize %a {multiplier = array<i32: 1>, shift = array<i32: 64>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_multiplier(%a: tensor<4xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op multiplier must be positive, got 0}}
  %0 = qsparse.requantize %a {multiplier = array<i32: 0>, shift = array<i32: 1>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_range(%a: tensor<4xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op saturation range [0, 300] does not fit the 'i8' result}}
  %0 = qsparse.requantize %a {multiplier = array<i32: 1>, shift = array<i32: 1>, out_min = 0 : i64, out_max = 300 : i64} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_empty_range(%a: tensor<4xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op out_min = 10 exceeds out_max = 5}}
  %0 = qsparse.requantize %a {multiplier = array<i32: 1>, shift = array<i32: 1>, out_min = 10 : i64, out_max = 5 : i64} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_shape(%a: tensor<4xi32>) {
  // expected-error @+1 {{'qsparse.requantize' op result shape must equal the input shape}}
  %0 = qsparse.requantize %a {multiplier = array<i32: 1>, shift = array<i32: 1>} : tensor<4xi32> -> tensor<5xi8>
  return
}

// -----

func.func @compress_not_multiple(%w: tensor<10x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op dimension 0 of size 10 is not a multiple of M = 4}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<10x3xi8> -> tensor<5x3xi8>, tensor<5x3xi8>
  return
}

// -----

func.func @compress_wrong_size(%w: tensor<8x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op compressed dimension 0 has size 6, expected 4 (= 8 * 2 / 4)}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<6x3xi8>, tensor<6x3xi8>
  return
}

// -----

func.func @compress_other_dim(%w: tensor<8x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op compressed dimension 1 has size 2, expected 3}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<4x2xi8>, tensor<4x2xi8>
  return
}

// -----

func.func @compress_metadata_shape(%w: tensor<8x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op metadata shape must equal the compressed values shape}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<4x3xi8>, tensor<3x4xi8>
  return
}

// -----

func.func @compress_element_type(%w: tensor<8x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op compressed values must have the dense element type}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<4x3xi16>, tensor<4x3xi8>
  return
}

// -----

func.func @compress_axis(%w: tensor<8x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op axis 2 is out of range for a rank-2 tensor}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 2 : i64} : tensor<8x3xi8> -> tensor<4x3xi8>, tensor<4x3xi8>
  return
}

// -----

func.func @compress_transposable(%w: tensor<8x4xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op compressed storage is defined for plain N:M masks; a transposable mask is stored as its row-wise N:M}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4, transposable>, axis = 0 : i64} : tensor<8x4xi8> -> tensor<4x4xi8>, tensor<4x4xi8>
  return
}

// -----

func.func @compress_rank(%w: tensor<8x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_compress' op compressed values must have the rank of the dense tensor}}
  %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<8x3xi8> -> tensor<12xi8>, tensor<12xi8>
  return
}

// -----

func.func @decompress_wrong_size(%v: tensor<4x3xi8>, %m: tensor<4x3xi8>) {
  // expected-error @+1 {{'qsparse.nm_decompress' op compressed dimension 0 has size 4, expected 6 (= 12 * 2 / 4)}}
  %d = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<4x3xi8>, tensor<4x3xi8> -> tensor<12x3xi8>
  return
}

// -----

func.func @decompress_metadata(%v: tensor<4x3xi8>, %m: tensor<4x2xi8>) {
  // expected-error @+1 {{'qsparse.nm_decompress' op metadata shape must equal the compressed values shape}}
  %d = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64} : tensor<4x3xi8>, tensor<4x2xi8> -> tensor<8x3xi8>
  return
}

// -----

func.func @matmul_rank(%x: tensor<8xi8>, %w: tensor<8x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op input, weight and result must be 2-D ([M, K], [K, N], [M, N])}}
  %0 = qsparse.matmul %x, %w : tensor<8xi8>, tensor<8x4xi8> -> tensor<4xi32>
  return
}

// -----

func.func @matmul_k(%x: tensor<2x8xi8>, %w: tensor<6x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op reduction sizes differ: input has K = 8, weight has K = 6}}
  %0 = qsparse.matmul %x, %w : tensor<2x8xi8>, tensor<6x4xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_result(%x: tensor<2x8xi8>, %w: tensor<8x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op result shape must be [2, 4]}}
  %0 = qsparse.matmul %x, %w : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<4x2xi32>
  return
}

// -----

func.func @matmul_narrow_acc(%x: tensor<2x8xi8>, %w: tensor<8x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op accumulator type 'i16' is narrower than the proven bound #qsparse.acc_bound<lo = -40000, hi = 100>, which needs 17 bits}}
  %0 = qsparse.matmul %x, %w {acc_bound = #qsparse.acc_bound<lo = -40000, hi = 100>} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi16>
  return
}

// -----

func.func @matmul_zero_point(%x: tensor<2x8xi8>, %w: tensor<8x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op input_zero_point = 200 is outside the range of the 'i8' input}}
  %0 = qsparse.matmul %x, %w {input_zero_point = 200 : i64} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_weight_zero_point(%x: tensor<2x8xi8>, %w: tensor<8x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op weight_zero_point = -129 is outside the range of the 'i8' weight}}
  %0 = qsparse.matmul %x, %w {weight_zero_point = -129 : i64} : tensor<2x8xi8>, tensor<8x4xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_sparse_k(%x: tensor<2x6xi8>, %w: tensor<6x4xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op weight reduction dimension of size 6 is not a multiple of M = 4 required by #qsparse.nm<2:4>}}
  %0 = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4>} : tensor<2x6xi8>, tensor<6x4xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_transposable_n(%x: tensor<2x8xi8>, %w: tensor<8x6xi8>) {
  // expected-error @+1 {{'qsparse.matmul' op weight output dimension of size 6 is not a multiple of M = 4 required by transposable #qsparse.nm<2:4, transposable>}}
  %0 = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4, transposable>} : tensor<2x8xi8>, tensor<8x6xi8> -> tensor<2x6xi32>
  return
}

// -----

func.func @matmul_constant_violates(%x: tensor<2x4xi8>) {
  %w = arith.constant dense<[[1, 1], [1, 0], [1, 0], [0, 0]]> : tensor<4x2xi8>
  // expected-error @+1 {{'qsparse.matmul' op constant weight violates #qsparse.nm<2:4>: the group at index 0 along dimension 0 has 3 nonzeros}}
  %0 = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4>} : tensor<2x4xi8>, tensor<4x2xi8> -> tensor<2x2xi32>
  return
}

// -----

func.func @matmul_constant_violates_transposable(%x: tensor<2x4xi8>) {
  // Every column (group along K) keeps 2 of 4, but row 0 of the tile has 4.
  %w = arith.constant dense<[[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]> : tensor<4x4xi8>
  // expected-error @+1 {{'qsparse.matmul' op constant weight violates #qsparse.nm<2:4, transposable>: the 4x4 tile at index 0 has 4 nonzeros in one row along dimension 1}}
  %0 = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4, transposable>} : tensor<2x4xi8>, tensor<4x4xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_splat_violates(%x: tensor<2x4xi8>) {
  %w = arith.constant dense<3> : tensor<4x2xi8>
  // expected-error @+1 {{'qsparse.matmul' op constant weight violates #qsparse.nm<2:4>: it is a nonzero splat}}
  %0 = qsparse.matmul %x, %w {weight_sparsity = #qsparse.nm<2:4>} : tensor<2x4xi8>, tensor<4x2xi8> -> tensor<2x2xi32>
  return
}

// -----

func.func @conv_rank(%x: tensor<8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op input, weight and result must be 4-D (NHWC, HWCF, NHWF)}}
  %0 = qsparse.conv2d %x, %w : tensor<8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<6x6x8xi32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x5x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op channel counts differ: input has C = 4, weight has C = 5}}
  %0 = qsparse.conv2d %x, %w : tensor<1x8x8x4xi8>, tensor<3x3x5x8xi8> -> tensor<1x6x6x8xi32>
  return
}

// -----

func.func @conv_output(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op result H is 8, expected 6}}
  %0 = qsparse.conv2d %x, %w : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x8x8x8xi32>
  return
}

// -----

func.func @conv_batch(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op result batch and channels must match the input batch and the weight's F}}
  %0 = qsparse.conv2d %x, %w : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x4xi32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op strides and dilations must be positive, got 0}}
  %0 = qsparse.conv2d %x, %w {strides = array<i64: 0, 1>} : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x8xi32>
  return
}

// -----

func.func @conv_stride_count(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op strides and dilations must have 2 entries (H, W)}}
  %0 = qsparse.conv2d %x, %w {strides = array<i64: 1>} : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x8xi32>
  return
}

// -----

func.func @conv_padding_count(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op padding must have 4 entries [top, left, bottom, right]}}
  %0 = qsparse.conv2d %x, %w {padding = array<i64: 1, 1>} : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x8xi32>
  return
}

// -----

func.func @conv_negative_padding(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op padding must be non-negative, got -1}}
  %0 = qsparse.conv2d %x, %w {padding = array<i64: -1, 0, 0, 0>} : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x8xi32>
  return
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x2x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op the dilated kernel (3) is larger than the padded input (2) along H}}
  %0 = qsparse.conv2d %x, %w : tensor<1x2x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x1x6x8xi32>
  return
}

// -----

func.func @conv_sparse_c(%x: tensor<1x8x8x6xi8>, %w: tensor<3x3x6x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op weight reduction dimension of size 6 is not a multiple of M = 4 required by #qsparse.nm<2:4>}}
  %0 = qsparse.conv2d %x, %w {weight_sparsity = #qsparse.nm<2:4>} : tensor<1x8x8x6xi8>, tensor<3x3x6x8xi8> -> tensor<1x6x6x8xi32>
  return
}

// -----

func.func @conv_narrow_acc(%x: tensor<1x8x8x4xi8>, %w: tensor<3x3x4x8xi8>) {
  // expected-error @+1 {{'qsparse.conv2d' op accumulator type 'i8' is narrower than the proven bound #qsparse.acc_bound<lo = 0, hi = 128>, which needs 9 bits}}
  %0 = qsparse.conv2d %x, %w {acc_bound = #qsparse.acc_bound<lo = 0, hi = 128>} : tensor<1x8x8x4xi8>, tensor<3x3x4x8xi8> -> tensor<1x6x6x8xi8>
  return
}

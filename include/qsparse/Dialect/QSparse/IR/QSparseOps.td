//===- QSparseOps.td - qsparse operations ------------------*- tablegen -*-===//

#ifndef QSPARSE_OPS_TD
#define QSPARSE_OPS_TD

include "qsparse/Dialect/QSparse/IR/QSparseDialect.td"
include "qsparse/Dialect/QSparse/IR/QSparseTypes.td"
include "qsparse/Dialect/QSparse/IR/QSparseAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def QSparse_IntegerCode
    : Type<CPred<"::llvm::isa<::mlir::IntegerType>($_self)">, "integer">;
def QSparse_AnyCode : AnyTypeOf<[QSparse_FlintType, QSparse_PoTType,
                                 QSparse_FloatCodeType, QSparse_IntegerCode],
                                "flint, pot, float or integer code">;
def QSparse_CodeTensor : RankedTensorOf<[QSparse_AnyCode]>;
def QSparse_FloatTensor : RankedTensorOf<[AnyFloat]>;
def QSparse_IntTensor : RankedTensorOf<[AnySignlessInteger]>;

//===----------------------------------------------------------------------===//
// Codes
//===----------------------------------------------------------------------===//

def QSparse_QuantizeOp : QSparse_Op<"quantize", [Pure]> {
  let summary = "Float to codes with per-axis (or per-tensor) scales";
  let description = [{
    Each element `x` becomes the code of the grid value nearest to `x / s`,
    where `s` is the scale of its slice along `axis` (or the single scale when
    `axis` is absent). Ties go away from zero, values beyond the grid saturate
    and NaN becomes 0 (DESIGN 3.1). Integer result types are codes too:
    signless and `si` integers are two's complement, `ui` integers unsigned.

    ```mlir
    %w4 = qsparse.quantize %w, %s axis = 1
        : tensor<64x32xf32>, tensor<32xf32> -> tensor<64x32x!qsparse.flint<4, signed>>
    ```
  }];
  let arguments = (ins QSparse_FloatTensor:$input, QSparse_FloatTensor:$scales,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs QSparse_CodeTensor:$result);
  let assemblyFormat = [{
    $input `,` $scales (`axis` `=` $axis^)? attr-dict `:` type($input) `,`
    type($scales) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QSparse_DequantizeOp : QSparse_Op<"dequantize", [Pure]> {
  let summary = "Codes to float with per-axis (or per-tensor) scales";
  let description = [{
    Each code becomes `value(code) * s`, `s` the scale of its slice along
    `axis` (or the single scale).

    ```mlir
    %w = qsparse.dequantize %w4, %s axis = 1
        : tensor<64x32x!qsparse.flint<4, signed>>, tensor<32xf32> -> tensor<64x32xf32>
    ```
  }];
  let arguments = (ins QSparse_CodeTensor:$input, QSparse_FloatTensor:$scales,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs QSparse_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scales (`axis` `=` $axis^)? attr-dict `:` type($input) `,`
    type($scales) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QSparse_DecodeOp : QSparse_Op<"decode", [Pure]> {
  let summary = "Codes to the integers they stand for (lossless)";
  let description = [{
    Each code becomes its value in integer units, sign-extended into the
    result's signless integer type. The result must be wide enough for every
    value of the code type (flint4: i8 suffices), so decoding never loses
    information.

    ```mlir
    %i = qsparse.decode %w4 : tensor<64x32x!qsparse.flint<4, signed>> -> tensor<64x32xi8>
    ```
  }];
  let arguments = (ins QSparse_CodeTensor:$input);
  let results = (outs QSparse_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QSparse_BitcastOp : QSparse_Op<"bitcast", [Pure]> {
  let summary = "Reinterpret code storage";
  let description = [{
    Converts between a tensor of codes and its storage: a flint or PoT code of
    B <= 8 bits is stored in the low B bits of an `i8` (upper bits are
    ignored when decoding); an integer code is stored in a signless integer of
    its width. This is how constant codes and function arguments enter a
    program.

    ```mlir
    %c = qsparse.bitcast %raw : tensor<16xi8> -> tensor<16x!qsparse.flint<4>>
    ```
  }];
  let arguments = (ins RankedTensorOf<[QSparse_AnyCode]>:$input);
  let results = (outs RankedTensorOf<[QSparse_AnyCode]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QSparse_RequantizeOp : QSparse_Op<"requantize", [Pure]> {
  let summary = "Integer rescale: multiplier and shift, round to nearest, saturate";
  let description = [{
    `y = clamp(round(x * multiplier / 2^shift) + output_zero_point, out_min,
    out_max)` computed exactly (128-bit intermediate), rounding half away from
    zero. `multiplier` and `shift` hold one entry per slice along `axis`, or a
    single entry without `axis`. `out_min`/`out_max` default to the signed
    range of the result type; the unsigned range ([0, 255] for i8) stores
    unsigned activations in the same signless type, and a raised `out_min`
    is a fused ReLU.

    ```mlir
    %y = qsparse.requantize %acc {multiplier = array<i32: 1518500250>,
                                  shift = array<i32: 38>}
        : tensor<4x16xi32> -> tensor<4x16xi8>
    ```
  }];
  let arguments = (ins QSparse_IntTensor:$input,
                       DenseI32ArrayAttr:$multiplier,
                       DenseI32ArrayAttr:$shift,
                       OptionalAttr<I64Attr>:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$output_zero_point,
                       OptionalAttr<I64Attr>:$out_min,
                       OptionalAttr<I64Attr>:$out_max);
  let results = (outs QSparse_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The effective saturation bounds (defaults applied).
    int64_t getEffectiveMin();
    int64_t getEffectiveMax();
  }];
}

//===----------------------------------------------------------------------===//
// N:M storage
//===----------------------------------------------------------------------===//

def QSparse_NMCompressOp : QSparse_Op<"nm_compress", [Pure]> {
  let summary = "Dense N:M tensor to kept values plus in-group positions";
  let description = [{
    Splits `axis` into groups of M and keeps N elements per group: the N of
    largest magnitude, ties to the lower index (DESIGN 3.3), so a tensor that
    already satisfies N:M is stored losslessly. `values` has the same shape
    with `axis` scaled by N/M; `metadata` (`i8`, same shape as `values`) holds
    the position (0..M-1) of each kept element in its group, ascending within
    a group. Target-specific packings (2-bit nibbles, mma.sp layout) are
    derived from this canonical form by code generation.

    ```mlir
    %v, %m = qsparse.nm_compress %w {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
        : tensor<64x32xi8> -> tensor<32x32xi8>, tensor<32x32xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, QSparse_NMAttr:$sparsity,
                       I64Attr:$axis);
  let results = (outs AnyRankedTensor:$values,
                      RankedTensorOf<[I8]>:$metadata);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($values) `,` type($metadata)
  }];
  let hasVerifier = 1;
}

def QSparse_NMDecompressOp : QSparse_Op<"nm_decompress", [Pure]> {
  let summary = "Kept values plus positions back to the dense tensor";
  let description = [{
    The inverse of `qsparse.nm_compress`: scatters each value to its group
    position along `axis`; the other positions are zero. Positions outside
    [0, M) are ignored (their value is dropped).

    ```mlir
    %w = qsparse.nm_decompress %v, %m {sparsity = #qsparse.nm<2:4>, axis = 0 : i64}
        : tensor<32x32xi8>, tensor<32x32xi8> -> tensor<64x32xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$values, RankedTensorOf<[I8]>:$metadata,
                       QSparse_NMAttr:$sparsity, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $values `,` $metadata attr-dict `:` type($values) `,` type($metadata) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantized contractions
//===----------------------------------------------------------------------===//

class QSparse_ContractionOp<string mnemonic> : QSparse_Op<mnemonic, [Pure]> {
  let results = (outs QSparse_IntTensor:$result);
  let hasVerifier = 1;
  code commonContractionDecls = [{
    /// Number of multiply-adds (M*N*K for a matmul, N*OH*OW*F*KH*KW*C for
    /// a convolution): GOPS counts 2 operations per multiply-add.
    int64_t getMultiplyAdds();
    /// Reduction length of one output (K, or KH*KW*C).
    int64_t getReductionSize();
  }];
}

def QSparse_MatmulOp : QSparse_ContractionOp<"matmul"> {
  let summary = "Quantized matmul with accumulator type, bound and weight sparsity";
  let description = [{
    `result[m, n] = sum_k (input[m, k] - input_zero_point) *
    (weight[k, n] - weight_zero_point)`, accumulated in the result element
    type (the accumulator type). `input` is read as unsigned when
    `input_unsigned` is set, the weight is always signed. `acc_bound` is the
    proven accumulator range (the result type must be at least as wide as it
    needs); `weight_sparsity` asserts the weight is N:M along K, which the
    verifier checks when the weight is a constant.

    ```mlir
    %y = qsparse.matmul %x, %w {input_unsigned,
                               acc_bound = #qsparse.acc_bound<lo = -3810, hi = 3810>,
                               weight_sparsity = #qsparse.nm<2:4>}
        : tensor<8x16xi8>, tensor<16x4xi8> -> tensor<8x4xi32>
    ```
  }];
  let arguments = (ins QSparse_IntTensor:$input, QSparse_IntTensor:$weight,
                       DefaultValuedAttr<I64Attr, "0">:$input_zero_point,
                       DefaultValuedAttr<I64Attr, "0">:$weight_zero_point,
                       UnitAttr:$input_unsigned,
                       OptionalAttr<QSparse_AccBoundAttr>:$acc_bound,
                       OptionalAttr<QSparse_NMAttr>:$weight_sparsity);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result)
  }];
  let extraClassDeclaration = commonContractionDecls;
}

def QSparse_Conv2DOp : QSparse_ContractionOp<"conv2d"> {
  let summary = "Quantized 2-D convolution (NHWC input, HWCF weight)";
  let description = [{
    `result[n, oh, ow, f] = sum_{kh, kw, c} (in[n, oh*sh + kh*dh - pt,
    ow*sw + kw*dw - pl, c] - input_zero_point) * (w[kh, kw, c, f] -
    weight_zero_point)`, where positions outside the image read
    `input_zero_point` (so padding contributes nothing). `padding` is
    [top, left, bottom, right]. Accumulator type, `acc_bound`,
    `input_unsigned` and `weight_sparsity` (groups of M along C) are as for
    `qsparse.matmul`.

    ```mlir
    %y = qsparse.conv2d %x, %w {strides = array<i64: 2, 2>,
                               padding = array<i64: 1, 1, 1, 1>}
        : tensor<1x8x8x16xi8>, tensor<3x3x16x8xi8> -> tensor<1x4x4x8xi32>
    ```
  }];
  let arguments = (ins QSparse_IntTensor:$input, QSparse_IntTensor:$weight,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
                       DefaultValuedAttr<I64Attr, "0">:$input_zero_point,
                       DefaultValuedAttr<I64Attr, "0">:$weight_zero_point,
                       UnitAttr:$input_unsigned,
                       OptionalAttr<QSparse_AccBoundAttr>:$acc_bound,
                       OptionalAttr<QSparse_NMAttr>:$weight_sparsity);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result)
  }];
  let extraClassDeclaration = commonContractionDecls;
}

#endif // QSPARSE_OPS_TD

//===- QSparseTypes.td - qsparse code types ----------------*- tablegen -*-===//

#ifndef QSPARSE_TYPES_TD
#define QSPARSE_TYPES_TD

include "qsparse/Dialect/QSparse/IR/QSparseDialect.td"
include "mlir/IR/AttrTypeBase.td"

class QSparse_CodeType<string name, string typeMnemonic, string kindName>
    : TypeDef<QSparse_Dialect, name> {
  let mnemonic = typeMnemonic;
  let parameters = (ins "unsigned":$bits, "bool":$isSigned);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The format descriptor the Numerics library understands.
    ::qsparse::numerics::CodeFormat getFormat() const {
      return {::qsparse::numerics::CodeKind::}] # kindName # [{, getBits(),
              getIsSigned()};
    }
  }];
}

def QSparse_FlintType : QSparse_CodeType<"Flint", "flint", "Flint"> {
  let summary = "ANT flint code (B bits, optionally signed)";
  let description = [{
    A B-bit code of ANT's *flint* numeric type (DESIGN 3.1). Unsigned flint is a
    first-one prefix code whose values are integers: `!qsparse.flint<4>` holds
    {0..7, 8, 10, 12, 14, 16, 24, 32, 64}. `!qsparse.flint<4, signed>` is
    sign-magnitude over an unsigned flint of B-1 bits: ±{0,1,2,3,4,6,8,16}.
    Unsigned B is in [2, 8]; signed B is in [3, 8]. Tensors of codes are stored
    one code per byte when lowered.
  }];
}

def QSparse_PoTType : QSparse_CodeType<"PoT", "pot", "PoT"> {
  let summary = "Power-of-two code (B bits, optionally signed)";
  let description = [{
    A B-bit power-of-two code: signed `!qsparse.pot<4, signed>` holds
    {0} ∪ {±2^i : i = 0 .. 2^(B-1)-2}; unsigned `!qsparse.pot<4>` holds
    {0} ∪ {2^i : i = 0 .. 2^B-2}. B is in [2, 8].
  }];
}

def QSparse_FloatCodeType : TypeDef<QSparse_Dialect, "FloatCode"> {
  let mnemonic = "float";
  let summary = "ANT float code (B bits, E exponent bits, optionally signed)";
  let description = [{
    A B-bit code of ANT's low-bit float candidate (DESIGN 3.1): with b value
    bits (B, minus 1 when signed) and m = b - E mantissa bits, exponent field
    0 is subnormal (j / 2^m) and field i >= 1 is 2^(i-1) (1 + j / 2^m); no
    inf or NaN; signed is sign-magnitude. In integer units the values are
    multiplied by 2^m, so they are integers: `!qsparse.float<4, e2>` holds
    {0, 1, 2, 3, 4, 6, 8, 12, ...}. B is in [2, 8] and 1 <= E <= b.

    ```mlir
    tensor<64x!qsparse.float<4, e2, signed>>
    ```
  }];
  let parameters = (ins "unsigned":$bits, "unsigned":$exponentBits,
                        "bool":$isSigned);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::qsparse::numerics::CodeFormat getFormat() const {
      ::qsparse::numerics::CodeFormat format{
          ::qsparse::numerics::CodeKind::Float, getBits(), getIsSigned()};
      format.exponentBits = getExponentBits();
      return format;
    }
  }];
}

#endif // QSPARSE_TYPES_TD

//===- QSparseAttrs.td - qsparse attributes ----------------*- tablegen -*-===//

#ifndef QSPARSE_ATTRS_TD
#define QSPARSE_ATTRS_TD

include "qsparse/Dialect/QSparse/IR/QSparseDialect.td"
include "mlir/IR/AttrTypeBase.td"

def QSparse_NMAttr : AttrDef<QSparse_Dialect, "NM"> {
  let mnemonic = "nm";
  let summary = "N:M structured-sparsity mask";
  let description = [{
    `#qsparse.nm<N:M>`: in every group of M consecutive elements along the
    reduction axis at most N are nonzero (DESIGN 3.3). With `transposable`,
    every M x M tile over (reduction, output channel) has at most N nonzeros
    per row and per column, so the transposed weight is N:M too.
    Constraints: 1 <= N <= M, M a power of two, M <= 256.
  }];
  let parameters = (ins "unsigned":$n, "unsigned":$m, "bool":$transposable);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def QSparse_AccBoundAttr : AttrDef<QSparse_Dialect, "AccBound"> {
  let mnemonic = "acc_bound";
  let summary = "Proven range of a contraction's accumulator";
  let description = [{
    `#qsparse.acc_bound<lo = L, hi = H>` states that every partial and final
    sum of the contraction that carries it lies in [L, H] (integer units,
    bias included). The width it proves is the smallest P with
    -2^(P-1) <= L and H <= 2^(P-1) - 1 (DESIGN 3.2); it is printed in the
    verifier messages and returned by `getRequiredBits()`. Only the range is
    stored so that the width can never disagree with it.
  }];
  let parameters = (ins "int64_t":$lo, "int64_t":$hi);
  let assemblyFormat = "`<` `lo` `=` $lo `,` `hi` `=` $hi `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Smallest two's-complement width that holds [lo, hi].
    unsigned getRequiredBits() const;
  }];
}

#endif // QSPARSE_ATTRS_TD

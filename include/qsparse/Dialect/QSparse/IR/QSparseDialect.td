//===- QSparseDialect.td - qsparse dialect definition ------*- tablegen -*-===//

#ifndef QSPARSE_DIALECT_TD
#define QSPARSE_DIALECT_TD

include "mlir/IR/OpBase.td"

def QSparse_Dialect : Dialect {
  let name = "qsparse";
  let cppNamespace = "::qsparse";
  let summary = "Quantized and sparse neural-network inference";
  let description = [{
    The `qsparse` dialect states three things that upstream MLIR cannot:
    adaptive numeric types (ANT's *flint* and power-of-two codes), proven
    accumulator bounds of integer contractions, and N:M structured-sparsity
    masks of their weight operands. Its contraction ops carry all three so that
    later passes (type selection, accumulator narrowing, sparse code
    generation) have one place to read and write them.

    Numbers are normative in `DESIGN.md` section 3; the codecs live in the
    `QSparseNumerics` library and every op here defers to it.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

class QSparse_Op<string mnemonic, list<Trait> traits = []>
    : Op<QSparse_Dialect, mnemonic, traits>;

#endif // QSPARSE_DIALECT_TD

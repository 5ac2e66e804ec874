//===- QSparse.h - qsparse dialect, types, attributes, ops ------*- C++ -*-===//
//
// The one header a user of the qsparse IR includes.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_DIALECT_QSPARSE_IR_QSPARSE_H
#define QSPARSE_DIALECT_QSPARSE_IR_QSPARSE_H

#include "qsparse/Numerics/Codecs.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qsparse/Dialect/QSparse/IR/QSparseDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "qsparse/Dialect/QSparse/IR/QSparseTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "qsparse/Dialect/QSparse/IR/QSparseAttrs.h.inc"

#define GET_OP_CLASSES
#include "qsparse/Dialect/QSparse/IR/QSparseOps.h.inc"

namespace qsparse {

/// The numeric format of a code element type (flint, PoT or integer), or
/// std::nullopt for any other type. Signless and signed integers are two's
/// complement codes, unsigned integers plain unsigned codes.
std::optional<numerics::CodeFormat> getCodeFormat(mlir::Type type);

/// True for the dialect's code types (flint, PoT, float); integer codes are
/// builtin integers.
bool isDialectCodeType(mlir::Type type);

/// The signless integer type that stores codes of `type` once lowered: i8 for
/// flint and PoT (B <= 8), the same-width signless integer for integer codes.
mlir::IntegerType getCodeStorageType(mlir::Type type);

/// The elements of a plain constant: an `arith.constant` holding dense
/// elements or a `dense_resource` blob (as importers write large weights);
/// std::nullopt for anything else, including a blob that was released.
std::optional<mlir::DenseElementsAttr> getConstantElements(mlir::Value value);

/// `value` as dense elements: itself when it is a DenseElementsAttr, the
/// contents of a `dense_resource` blob of int or float elements (such as a
/// `memref.global` made from one); std::nullopt otherwise.
std::optional<mlir::DenseElementsAttr> asDenseElements(mlir::Attribute value);

/// The elements of `attr` with its dimensions permuted (result dim i is dim
/// perm[i], linalg.transpose's rule), for splats and byte-sized int and
/// float elements; null otherwise.
mlir::DenseElementsAttr permuteElements(mlir::DenseElementsAttr attr,
                                        llvm::ArrayRef<int64_t> perm);

} // namespace qsparse

#endif // QSPARSE_DIALECT_QSPARSE_IR_QSPARSE_H

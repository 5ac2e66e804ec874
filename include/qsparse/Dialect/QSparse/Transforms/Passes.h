//===- Passes.h - qsparse passes --------------------------------*- C++ -*-===//

#ifndef QSPARSE_DIALECT_QSPARSE_TRANSFORMS_PASSES_H
#define QSPARSE_DIALECT_QSPARSE_TRANSFORMS_PASSES_H

#include "qsparse/Dialect/QSparse/IR/QSparse.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace qsparse {

#define GEN_PASS_DECL
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"

} // namespace qsparse

#endif // QSPARSE_DIALECT_QSPARSE_TRANSFORMS_PASSES_H

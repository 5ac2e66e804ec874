//===- InitAll.h - register everything qsparse provides ---------*- C++ -*-===//
//
// The three entry points DESIGN 4 promises to embedders: any mlir-opt-like
// tool calls these next to the upstream registrations.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_INITALL_H
#define QSPARSE_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace qsparse {

/// Adds the qsparse dialect (and the dialects its lowerings produce).
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers every qsparse pass with the global pass registry.
void registerAllPasses();

/// Registers --qsparse-reference-pipeline and --qsparse-cpu-pipeline.
void registerAllPipelines();

} // namespace qsparse

#endif // QSPARSE_INITALL_H

//===- Pipelines.h - named qsparse pipelines --------------------*- C++ -*-===//

#ifndef QSPARSE_PIPELINES_PIPELINES_H
#define QSPARSE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace qsparse {

/// --qsparse-reference-pipeline: qsparse ops and upstream linalg named ops
/// through plain loops to the LLVM dialect. Functions are bufferized at their
/// boundaries with identity layouts and their results become trailing
/// out-parameters (the caller allocates them), so a JIT caller passes
/// (inputs..., outputs...) and nothing leaks across calls.
void buildReferencePipeline(mlir::OpPassManager &pm);

/// --qsparse-cpu-pipeline: the optimized CPU pipeline. Until the CPU code
/// generation lands it is the reference pipeline (same calling convention).
void buildCPUPipeline(mlir::OpPassManager &pm);

/// Registers both pipelines with the global pass registry.
void registerPipelines();

} // namespace qsparse

#endif // QSPARSE_PIPELINES_PIPELINES_H

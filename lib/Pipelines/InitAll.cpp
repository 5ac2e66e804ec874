//===- InitAll.cpp - register everything qsparse provides -----------------===//

#include "qsparse/InitAll.h"
#include "qsparse/Conversion/Passes.h"
#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"
#include "qsparse/Pipelines/Pipelines.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

void qsparse::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<QSparseDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::memref::MemRefDialect,
                  mlir::scf::SCFDialect, mlir::tensor::TensorDialect,
                  mlir::bufferization::BufferizationDialect>();
}

void qsparse::registerAllPasses() {
  registerQSparsePasses();
  registerQSparseConversionPasses();
}

void qsparse::registerAllPipelines() { registerPipelines(); }

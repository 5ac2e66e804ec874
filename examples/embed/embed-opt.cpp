//===- embed-opt.cpp - a downstream opt tool that embeds qsparse ----------===//
//
// Registers a few upstream dialects and every pass, plus everything qsparse
// provides, through the three public entry points of qsparse/InitAll.h.
//
//===----------------------------------------------------------------------===//

#include "qsparse/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  qsparse::registerAllPasses();
  qsparse::registerAllPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::tensor::TensorDialect>();
  qsparse::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "embed-opt: qsparse embedded\n", registry));
}

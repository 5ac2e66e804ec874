//===- qsparse-opt.cpp - mlir-opt with qsparse registered -----------------===//

#include "qsparse/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  qsparse::registerAllPasses();
  qsparse::registerAllPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  qsparse::registerAllDialects(registry);
  // gpu-module-to-binary (end of --qsparse-gpu-pipeline) translates the GPU
  // modules to LLVM IR.
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qsparse optimizer driver\n", registry));
}

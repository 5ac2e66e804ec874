//===- Pipelines.cpp - named qsparse pipelines ----------------------------===//

#include "qsparse/Pipelines/Pipelines.h"
#include "qsparse/Conversion/Passes.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// The shared lowering; `kernels` adds the CPU micro-kernels on buffers.
static void buildLowering(OpPassManager &pm,
                          const qsparse::CPUPipelineOptions *kernels) {
  // The CPU kernels take u8 x s8 dot products without a zero point in them.
  qsparse::LowerQSparseToLinalgOptions lower;
  lower.hoistInputZeroPoint = kernels != nullptr;
  pm.addPass(qsparse::createLowerQSparseToLinalg(lower));
  // Elementwise arith/math on whole tensors become linalg.generic too.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  if (kernels) {
    // Elementwise chains merged, contraction epilogues marked for the
    // micro-kernels (the reference pipeline keeps every op separate).
    // NCHW convolutions in NHWC, for the NHWC convolution kernels.
    pm.addPass(qsparse::createConvToNhwc());
    pm.addPass(qsparse::createFuse());
    // Convolutions as GEMMs reading the image in place (the kernels run
    // them on the convolution micro-kernel).
    pm.addPass(qsparse::createImplicitIm2col());
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(qsparse::createReadOnlyArguments());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);

  if (kernels) {
    qsparse::CPUMatmulKernelsOptions options;
    options.vectorBits = kernels->vectorBits;
    options.vnni = kernels->vnni;
    options.threads = kernels->threads;
    pm.addPass(qsparse::createCPUMatmulKernels(options));
    if (kernels->threads > 1) {
      ConvertSCFToOpenMPPassOptions openmp;
      openmp.numThreads = kernels->threads;
      pm.addPass(createConvertSCFToOpenMPPass(openmp));
      // Inlines the memref.alloca_scope it wraps loop bodies in (they hold
      // no allocas), which the control-flow lowering could not handle.
      pm.addPass(createCanonicalizerPass());
    }
  }
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (kernels && kernels->threads > 1)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void qsparse::buildReferencePipeline(OpPassManager &pm) {
  buildLowering(pm, /*kernels=*/nullptr);
}

void qsparse::buildCPUPipeline(OpPassManager &pm,
                               const CPUPipelineOptions &options) {
  buildLowering(pm, &options);
}

void qsparse::registerPipelines() {
  PassPipelineRegistration<>(
      "qsparse-reference-pipeline",
      "Lower qsparse and upstream linalg programs through plain loops to the "
      "LLVM dialect (the correctness oracle; results become out-parameters)",
      buildReferencePipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "qsparse-cpu-pipeline",
      "Lower qsparse and upstream linalg programs to JIT-ready LLVM for the "
      "host CPU (register-tiled vector micro-kernels for matmul-shaped "
      "contractions, loops elsewhere)",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options);
      });
}

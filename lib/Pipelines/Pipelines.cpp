//===- Pipelines.cpp - named qsparse pipelines ----------------------------===//

#include "qsparse/Pipelines/Pipelines.h"
#include "qsparse/Conversion/Passes.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
enum class Target { Reference, CPU, GPU };
} // namespace

/// qsparse to linalg, the structural passes of `target`, bufferization with
/// results as out-parameters.
static void buildFront(OpPassManager &pm, Target target) {
  // The kernels take dot products without an input zero point in them.
  qsparse::LowerQSparseToLinalgOptions lower;
  lower.hoistInputZeroPoint = target != Target::Reference;
  pm.addPass(qsparse::createLowerQSparseToLinalg(lower));
  // Elementwise arith/math on whole tensors become linalg.generic too.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  if (target == Target::GPU) {
    // NCHW convolutions in NHWC for the implicit-GEMM kernel, the layout
    // transposes between them moved down until they cancel; elementwise
    // chains merged (fewer kernels).
    pm.addPass(qsparse::createConvToNhwc());
    pm.addPass(qsparse::createSinkTransposes());
    pm.addPass(qsparse::createFuse());
    pm.addPass(createCanonicalizerPass());
  }
  if (target == Target::CPU) {
    // Elementwise chains merged, contraction epilogues marked for the
    // micro-kernels (the reference pipeline keeps every op separate).
    // NCHW convolutions in NHWC, for the NHWC convolution kernels.
    // Layout transposes between convolutions moved down until they cancel.
    pm.addPass(qsparse::createConvToNhwc());
    pm.addPass(qsparse::createSinkTransposes());
    pm.addPass(qsparse::createFuse());
    // Convolutions as GEMMs reading the image in place (the kernels run
    // them on the convolution micro-kernel).
    pm.addPass(qsparse::createImplicitIm2col());
    pm.addPass(createCanonicalizerPass());
    // Clamps that cannot clamp go; those of values proven not NaN lower
    // to plain vmaxps/vminps.
    pm.addPass(qsparse::createFloatRanges());
  }
  pm.addPass(qsparse::createReadOnlyArguments());
  // One buffer per destination: no epilogue writes its contraction's input.
  pm.addPass(qsparse::createUnshareEmptyTensors());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addNestedPass<func::FuncOp>(qsparse::createWriteResultsInPlace());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
}

/// The shared lowering; `kernels` adds the CPU micro-kernels on buffers.
static void buildLowering(OpPassManager &pm,
                          const qsparse::CPUPipelineOptions *kernels) {
  buildFront(pm, kernels ? Target::CPU : Target::Reference);
  if (kernels) {
    qsparse::CPUMatmulKernelsOptions options;
    options.vectorBits = kernels->vectorBits;
    options.vnni = kernels->vnni;
    options.threads = kernels->threads;
    options.tagKernels = kernels->profile;
    pm.addPass(qsparse::createCPUMatmulKernels(options));
    // Outside the parallel loops the OpenMP conversion makes.
    if (kernels->profile)
      pm.addPass(qsparse::createProfile());
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

std::string
qsparse::checkGPUPipelineOptions(const GPUPipelineOptions &options) {
  if (options.chip != "sm_80" && options.chip != "sm_90")
    return "qsparse-gpu-pipeline: unknown chip '" + options.chip +
           "' (expected sm_80 or sm_90)";
  if (options.format != "isa" && options.format != "bin" &&
      options.format != "fatbin")
    return "qsparse-gpu-pipeline: unknown format '" + options.format +
           "' (expected isa, bin or fatbin)";
  if (!parseF32Mma(options.f32Mma))
    return "qsparse-gpu-pipeline: " + unknownF32Mma(options.f32Mma);
  return "";
}

void qsparse::buildGPUKernelPipeline(OpPassManager &pm,
                                     const GPUPipelineOptions &options) {
  buildFront(pm, Target::GPU);
  qsparse::GPUMatmulKernelsOptions kernels;
  kernels.tileM = options.tileM;
  kernels.tileN = options.tileN;
  kernels.tileK = options.tileK;
  kernels.warpsM = options.warpsM;
  kernels.warpsN = options.warpsN;
  kernels.stages = options.stages;
  kernels.nibbleWeights = options.nibbleWeights;
  kernels.sparseWeights = options.sparseWeights;
  kernels.f32Mma = options.f32Mma;
  pm.addPass(qsparse::createGPUMatmulKernels(kernels));
  // (No canonicalization before the mapping: it would fold one-trip
  // loops into bare host code.)
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(qsparse::createGPUMapHost());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
}

void qsparse::buildGPUPipeline(OpPassManager &pm,
                               const GPUPipelineOptions &options) {
  buildGPUKernelPipeline(pm, options);
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // The shared-memory globals now live in the GPU modules only.
  pm.addPass(createSymbolDCEPass());
  // Allocations, copies and launches on one stream per function, waited
  // for before it returns: gpu-to-llvm lowers only the async forms to the
  // mgpu* runtime calls.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip.getValue();
  nvvm.cubinFeatures = "+ptx80";
  nvvm.cubinFormat = options.format.getValue();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
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
      "contractions, direct vector kernels for depthwise convolutions, "
      "pooling and elementwise ops, loops elsewhere)",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options);
      });
  // Registered by hand so that a bad chip or format fails the parse.
  registerPassPipeline(
      "qsparse-gpu-pipeline",
      "Lower qsparse and upstream linalg programs to NVIDIA GPU kernels "
      "(tensor-core mma.sync for int8 matmuls, mma.sp for 2:4 weights, one "
      "thread per iteration "
      "elsewhere) and a gpu.binary for the chip; functions take device "
      "memory",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        GPUPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        if (std::string why = checkGPUPipelineOptions(options); !why.empty())
          return errorHandler(why);
        buildGPUPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> handler) {
        handler(GPUPipelineOptions());
      });
}

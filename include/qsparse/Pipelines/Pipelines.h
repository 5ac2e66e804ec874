//===- Pipelines.h - named qsparse pipelines --------------------*- C++ -*-===//

#ifndef QSPARSE_PIPELINES_PIPELINES_H
#define QSPARSE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace qsparse {

/// --qsparse-reference-pipeline: qsparse ops and upstream linalg named ops
/// through plain loops to the LLVM dialect. Functions are bufferized at their
/// boundaries with identity layouts and their results become trailing
/// out-parameters (the caller allocates them), so a JIT caller passes
/// (inputs..., outputs...) and nothing leaks across calls.
void buildReferencePipeline(mlir::OpPassManager &pm);

/// Options of --qsparse-cpu-pipeline (defaults: the host's features).
struct CPUPipelineOptions : mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<unsigned> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Vector register width in bits (0: detect the host)"),
      llvm::cl::init(0)};
  Option<std::string> vnni{
      *this, "vnni",
      llvm::cl::desc("AVX-512 VNNI for u8 x s8: auto (host), on, off"),
      llvm::cl::init("auto")};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads for the row tiles of the micro-kernels (OpenMP; "
                     "1: a single thread, no OpenMP)"),
      llvm::cl::init(1)};
  Option<bool> profile{
      *this, "profile",
      llvm::cl::desc("Time each function and each run of top-level ops of "
                     "one source location (--qsparse-profile; the JIT "
                     "runtime keeps the counters)"),
      llvm::cl::init(false)};
};

/// --qsparse-cpu-pipeline: the reference lowering plus register-tiled vector
/// micro-kernels for matmul-shaped contractions (same calling convention).
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options = {});

/// Options of --qsparse-gpu-pipeline.
struct GPUPipelineOptions : mlir::PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA chip: sm_80 (A100) or sm_90 (H100)"),
      llvm::cl::init("sm_80")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu.binary contents: isa (PTX text), bin (cubin, "
                     "needs ptxas), fatbin (cubin and PTX)"),
      llvm::cl::init("isa")};
  // The tile configuration of --qsparse-gpu-matmul-kernels.
  Option<int64_t> tileM{*this, "tile-m", llvm::cl::desc("Rows of C per block"),
                        llvm::cl::init(128)};
  Option<int64_t> tileN{*this, "tile-n",
                        llvm::cl::desc("Columns of C per block"),
                        llvm::cl::init(128)};
  Option<int64_t> tileK{
      *this, "tile-k",
      llvm::cl::desc("Bytes of K per shared-memory stage: columns for int8, "
                     "twice the f16 columns (a power of two, >= 32)"),
      llvm::cl::init(64)};
  Option<int64_t> warpsM{*this, "warps-m",
                         llvm::cl::desc("Warps along M per block"),
                         llvm::cl::init(2)};
  Option<int64_t> warpsN{*this, "warps-n",
                         llvm::cl::desc("Warps along N per block"),
                         llvm::cl::init(2)};
  Option<int64_t> stages{*this, "stages",
                         llvm::cl::desc("Shared-memory buffers in flight"),
                         llvm::cl::init(3)};
  Option<bool> nibbleWeights{
      *this, "nibble-weights",
      llvm::cl::desc("Keep constant weights with <= 16 values 4-bit"),
      llvm::cl::init(true)};
  Option<bool> sparseWeights{
      *this, "sparse-weights",
      llvm::cl::desc("Run int8 and f16 weights that are 2:4 sparse along K "
                     "(constant, or runtime int8 nm_decompress operands) on "
                     "mma.sp (compressed values and metadata)"),
      llvm::cl::init(true)};
  Option<std::string> f32Mma{
      *this, "f32-mma",
      llvm::cl::desc("f32 contractions on tensor cores: 3xtf32 (three tf32 "
                     "mma per step, about f32 precision), tf32 (one, 10-bit "
                     "mantissas) or off (the simple kernels)"),
      llvm::cl::init("3xtf32")};
};

/// --qsparse-gpu-pipeline: the shared front of the lowering (qsparse ops to
/// linalg, fusion, bufferization) then int8 matmuls on tensor-core kernels
/// (--qsparse-gpu-matmul-kernels), every other loop nest mapped to a simple
/// kernel, and the GPU modules compiled to a gpu.binary for `chip`. The
/// functions take device memory (results become out-parameters as in the
/// other pipelines). Check the options first with checkGPUPipelineOptions.
void buildGPUPipeline(mlir::OpPassManager &pm,
                      const GPUPipelineOptions &options);

/// The GPU pipeline up to its kernels as gpu.launch ops on buffers (before
/// outlining and the NVVM lowering): what the GPU emulator runs.
void buildGPUKernelPipeline(mlir::OpPassManager &pm,
                            const GPUPipelineOptions &options = {});

/// Empty when `options` name a supported chip and format, else the error.
std::string checkGPUPipelineOptions(const GPUPipelineOptions &options);

/// Registers the pipelines with the global pass registry.
void registerPipelines();

} // namespace qsparse

#endif // QSPARSE_PIPELINES_PIPELINES_H

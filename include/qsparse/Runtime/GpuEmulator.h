//===- GpuEmulator.h - run GPU-pipeline kernels on the host -----*- C++ -*-===//
//
// A function lowered by the GPU pipeline up to its kernels
// (buildGPUKernelPipeline: gpu.launch ops on buffers) is interpreted on the
// host: every block of every launch runs its threads in lockstep, op by op,
// and the warp-level instructions follow the PTX ISA (ldmatrix; mma.sync
// m16n8k32 with s8/u8 operands, saturating i32 accumulators), written here
// independently of the layouts the code generator uses. Workgroup memory
// is per block and shadowed: a thread reading what another thread of the
// block wrote (or writing what another read) with no gpu.barrier between
// is reported as a race; cp.async data lands at its device_async_wait, so
// reading it earlier reads stale data.
//
// It exists to check the generated kernels without a GPU (qsparse-run
// --target=emulator --check). It is slow: use small shapes.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_RUNTIME_GPUEMULATOR_H
#define QSPARSE_RUNTIME_GPUEMULATOR_H

#include "qsparse/Runtime/Jit.h"

namespace qsparse {
namespace runtime {

class EmulatedGPUFunction {
public:
  /// Clones `module`, keeps `name` and what it calls, and runs
  /// buildGPUKernelPipeline on the clone.
  static llvm::Expected<std::unique_ptr<EmulatedGPUFunction>>
  compile(mlir::ModuleOp module, llvm::StringRef name,
          const GPUPipelineOptions &options = {});

  /// Runs the function once on contiguous C-order buffers of the
  /// signature's shapes. An op the emulator does not know, an out-of-bounds
  /// access or a race is an error naming the op.
  llvm::Error invoke(llvm::ArrayRef<void *> arguments,
                     llvm::ArrayRef<void *> results);

  const Signature &getSignature() const { return signature; }
  /// The lowered module (for inspection).
  mlir::ModuleOp getModule() { return *module; }

private:
  EmulatedGPUFunction() = default;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string name;
  Signature signature;
};

} // namespace runtime
} // namespace qsparse

#endif // QSPARSE_RUNTIME_GPUEMULATOR_H

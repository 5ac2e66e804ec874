//===- Cuda.h - run the GPU pipeline's output on an NVIDIA GPU --*- C++ -*-===//
//
// A function lowered by the whole GPU pipeline (buildGPUPipeline: kernels in
// gpu.binary ops, host code calling the mgpu* runtime) runs on an NVIDIA GPU
// through the CUDA driver API. The driver is opened at run time (dlopen of
// libcuda.so.1, or of the library QSPARSE_CUDA_DRIVER names), so building
// qsparse needs no CUDA; the mgpu* calls of the JIT-compiled host code are
// bound to functions here that forward to the driver.
//
// Calling convention (docs/GPUCodegen.md): the lowered function takes
// device memory. invoke() copies the arguments to the device, runs the
// function (one stream, waited for before it returns) and copies the
// results back.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_RUNTIME_CUDA_H
#define QSPARSE_RUNTIME_CUDA_H

#include "qsparse/Pipelines/Pipelines.h"
#include "qsparse/Runtime/Jit.h"

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace qsparse {
namespace runtime {

/// Opens the CUDA driver and makes device 0's primary context current, once
/// per process. The error says why that is impossible (no driver, no
/// device, a device older than `chip`): qsparse-run exits 2 with it.
llvm::Error openCudaDevice(llvm::StringRef chip);

/// "NAME (sm_XY)" for the device openCudaDevice opened.
std::string cudaDeviceDescription();

/// Device memory of the device openCudaDevice opened, for tools that drive
/// other CUDA libraries beside qsparse (the GPU benchmark's cuBLASLt).
llvm::Expected<void *> deviceAllocate(size_t bytes);
void deviceFree(void *device);
llvm::Error copyToDevice(void *device, const void *host, size_t bytes);
llvm::Error copyToHost(void *host, const void *device, size_t bytes);
/// Waits for all work on the device; the first error of any call since.
llvm::Error deviceSynchronize();

class CudaFunction {
public:
  /// Clones `module`, keeps `name` and what it calls, lowers it with
  /// buildGPUPipeline and JIT-compiles the host code. Needs no driver.
  static llvm::Expected<std::unique_ptr<CudaFunction>>
  compile(mlir::ModuleOp module, llvm::StringRef name,
          const GPUPipelineOptions &options = {});

  /// Binds the mgpu* calls to the driver and loads the kernels (the host
  /// code's constructors). Needs openCudaDevice to have succeeded; a kernel
  /// the driver cannot load is an error naming the driver's result and log.
  llvm::Error load();

  /// Runs the function once on contiguous C-order host buffers of the
  /// signature's shapes (copied to and from device memory).
  llvm::Error invoke(llvm::ArrayRef<void *> arguments,
                     llvm::ArrayRef<void *> results);

  /// Copies `arguments` to the device once, then runs the function `runs`
  /// times on the device buffers; the milliseconds of each run (launches
  /// and the wait for them, no copies).
  llvm::Expected<std::vector<double>> time(llvm::ArrayRef<void *> arguments,
                                           unsigned runs);

  const Signature &getSignature() const { return signature; }
  ~CudaFunction();

private:
  CudaFunction() = default;
  /// Device buffers for the arguments then the results.
  llvm::Expected<llvm::SmallVector<void *>> allocate();
  void release(llvm::ArrayRef<void *> buffers);
  /// load(), allocate() and the arguments copied in.
  llvm::Expected<llvm::SmallVector<void *>>
  upload(llvm::ArrayRef<void *> arguments);
  llvm::Error run(llvm::ArrayRef<void *> deviceBuffers);

  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string name;
  Signature signature;
  bool loaded = false;
  std::string loadError; // why the kernels did not load, if they did not
};

} // namespace runtime
} // namespace qsparse

#endif // QSPARSE_RUNTIME_CUDA_H

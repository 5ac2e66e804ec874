//===- Engine.h - what the host and CUDA runners share ----------*- C++ -*-===//
//
// Private to QSparseRuntime: lowering a function with a pipeline and
// JIT-compiling the result (Jit.cpp, Cuda.cpp), and the memref descriptors
// of the LLVM calling convention.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_LIB_RUNTIME_ENGINE_H
#define QSPARSE_LIB_RUNTIME_ENGINE_H

#include "qsparse/Runtime/Jit.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <vector>

namespace qsparse {
namespace runtime {
namespace detail {

/// The signature of `module`'s function `name` (an error when there is
/// none or it is not runnable).
llvm::Expected<Signature> entrySignature(mlir::ModuleOp module,
                                         llvm::StringRef name);

/// Clones `module`, keeps `name` and what it calls, runs the pipeline
/// `buildPipeline` builds, checks that only LLVM-translatable ops are left
/// (naming the first other op and `pipelineName`) and JIT-compiles it with
/// `libPaths` loaded. `gpuHost`: the GPU pipeline's host side, whose
/// gpu.binary and gpu.launch_func ops become mgpu* runtime calls.
/// `profileTable` receives the regions of a `qsparse.profile` table the
/// pipeline left on the module (--qsparse-profile), whose counters
/// (qsparse_profile_begin/end) the engine resolves.
llvm::Expected<std::unique_ptr<mlir::ExecutionEngine>>
lowerAndCompile(mlir::ModuleOp module, llvm::StringRef name,
                llvm::function_ref<void(mlir::OpPassManager &)> buildPipeline,
                llvm::StringRef pipelineName,
                llvm::ArrayRef<llvm::StringRef> libPaths, bool gpuHost = false,
                std::vector<ProfileEntry> *profileTable = nullptr);

/// The fields a memref descriptor expands to in the LLVM calling convention,
/// for a contiguous C-order buffer.
struct Descriptor {
  void *allocated;
  void *aligned;
  int64_t offset = 0;
  llvm::SmallVector<int64_t> sizes, strides;

  Descriptor(void *data, mlir::RankedTensorType type);
};

/// The packed arguments of `signature`'s function (results are trailing
/// out-parameters) on `buffers` (arguments then results); `descriptors`
/// holds what the pointers point to.
llvm::SmallVector<void *> packArguments(const Signature &signature,
                                        llvm::ArrayRef<void *> buffers,
                                        std::vector<Descriptor> &descriptors);

} // namespace detail
} // namespace runtime
} // namespace qsparse

#endif // QSPARSE_LIB_RUNTIME_ENGINE_H

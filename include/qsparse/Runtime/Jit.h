//===- Jit.h - compile a function and run it on the host --------*- C++ -*-===//
//
// The execution half of qsparse-run, usable from any embedding tool: a
// function of statically shaped tensors is lowered by a named pipeline and
// JIT-compiled; callers pass one contiguous buffer per argument and per
// result.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_RUNTIME_JIT_H
#define QSPARSE_RUNTIME_JIT_H

#include "qsparse/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace qsparse {
namespace runtime {

enum class PipelineKind { Reference, CPU };

/// The tensor types of a function's arguments and results, checked to be
/// runnable (ranked, static shapes, supported element types).
struct Signature {
  llvm::SmallVector<mlir::RankedTensorType> arguments;
  llvm::SmallVector<mlir::RankedTensorType> results;
};

/// Checks `func`'s signature; the error names the offending argument/result.
llvm::Expected<Signature> getRunnableSignature(mlir::Operation *func);

/// Bytes per element of a runnable element type once lowered (codes are
/// stored in bytes).
unsigned storageBytes(mlir::Type elementType);

/// What --qsparse-profile measured for one of its regions
/// (CPUPipelineOptions::profile): a whole function, or a run of top-level
/// ops of one source location.
struct ProfileEntry {
  /// "func @name", the kernel's mark ("conv i8 vnni kernel") or the first
  /// op's name.
  std::string kind;
  /// The kernel's output ("1x56x56x64xi32") or the first op's first operand
  /// type; empty for a function.
  std::string type;
  /// The source location, as formatProfileLocation prints it.
  std::string location;
  /// Summed over every call since compile() or resetProfile().
  double seconds = 0;
  int64_t calls = 0;
};

/// A location for a profile: the NameLoc names in it (an ONNX node's name)
/// and its first file:line:col.
std::string formatProfileLocation(mlir::Location loc);

/// A function lowered by one pipeline and JIT-compiled for the host.
class CompiledFunction {
public:
  /// Clones `module`, runs the pipeline on the clone and compiles it.
  static llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(mlir::ModuleOp module, llvm::StringRef name, PipelineKind pipeline,
          const CPUPipelineOptions &cpuOptions = {});

  /// Runs the function once. `arguments` and `results` point to contiguous
  /// C-order buffers of the signature's shapes.
  llvm::Error invoke(llvm::ArrayRef<void *> arguments,
                     llvm::ArrayRef<void *> results);

  const Signature &getSignature() const { return signature; }

  /// Compiled with CPUPipelineOptions::profile.
  bool isProfiled() const { return !profileTable.empty(); }
  /// The profile's regions in the order the pass numbered them (each
  /// function's own entry first, then its runs of ops), with what the calls
  /// of invoke() since compile() or resetProfile() measured.
  std::vector<ProfileEntry> getProfile() const;
  void resetProfile();

private:
  CompiledFunction() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string name;
  Signature signature;
  std::vector<ProfileEntry> profileTable;
  /// Per region: nanoseconds at the last begin, summed nanoseconds, calls.
  std::vector<int64_t> profileStart, profileTotal, profileCalls;
};

/// Erases every function of `module` but `name` and those it calls (so
/// that a function the pipeline cannot lower does not stop this one).
void keepOnlyEntry(mlir::ModuleOp module, llvm::StringRef name);

/// "file:line:col" for a file location, MLIR's form for any other.
std::string formatLocation(mlir::Location loc);

/// "file:line:col: message" for a diagnostic (the location as compilers print
/// it, falling back to MLIR's form for other locations).
std::string formatDiagnostic(mlir::Diagnostic &diag);

/// 2 * multiply-adds of every contraction and convolution in `func`
/// (qsparse.matmul/conv2d and linalg contraction/convolution ops).
int64_t countContractionOps(mlir::Operation *func);

} // namespace runtime
} // namespace qsparse

#endif // QSPARSE_RUNTIME_JIT_H

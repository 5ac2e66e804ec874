//===- ImportONNX.h - ONNX model to MLIR ------------------------*- C++ -*-===//
//
// Part of the qsparse project.
//
// Imports an ONNX model (a serialized onnx.ModelProto) as one func.func of
// upstream linalg/tensor/arith/math ops: graph inputs become arguments,
// initializers become constants (dense_resource blobs when large), graph
// outputs become results. The supported operators and their lowering are
// listed in docs/ONNX.md.
//
// Every problem (malformed protobuf, unsupported operator, attribute or
// type, shape mismatch) is reported as an error diagnostic on the context
// naming the node and its op type, and the import returns null; nothing
// aborts.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_TARGET_ONNX_IMPORTONNX_H
#define QSPARSE_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace qsparse {
namespace onnx_import {

struct ImportOptions {
  /// Name of the generated function.
  std::string entryName = "main";
  /// Initializers and constants with at least this many bytes become
  /// dense_resource blobs (kept out of the textual IR); smaller ones are
  /// printed inline.
  int64_t resourceThresholdBytes = 4096;
  /// Graph inputs fixed at import time: input name -> serialized
  /// onnx.TensorProto. Such an input becomes a constant and is dropped from
  /// the function's arguments (e.g. Reshape's shape).
  llvm::StringMap<std::string> constantInputs;
  /// Weights of QDQ contractions (qsparse.conv2d / qsparse.matmul): the
  /// model's int8 values, or re-encoded as signed flint4 codes (ANT's
  /// per-channel search on the dequantized weights) decoded by
  /// qsparse.decode, with the flint4 scales in the dequantizing epilogue.
  enum class QdqWeights { Int8, Flint4 };
  QdqWeights qdqWeights = QdqWeights::Int8;
};

/// Imports the serialized onnx.ModelProto in `bytes`. `fileName` names the
/// model in locations and diagnostics. Returns null after emitting an error
/// on failure.
mlir::OwningOpRef<mlir::ModuleOp> importModel(llvm::StringRef bytes,
                                              llvm::StringRef fileName,
                                              mlir::MLIRContext *context,
                                              const ImportOptions &options);

/// The ONNX operator types (default domain) the importer supports, sorted.
std::vector<std::string> supportedOperators();

/// Registers the dialects an imported module uses.
void registerImportDialects(mlir::DialectRegistry &registry);

} // namespace onnx_import
} // namespace qsparse

#endif // QSPARSE_TARGET_ONNX_IMPORTONNX_H

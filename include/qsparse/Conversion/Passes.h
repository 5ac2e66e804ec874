//===- Passes.h - qsparse target lowering passes ----------------*- C++ -*-===//

#ifndef QSPARSE_CONVERSION_PASSES_H
#define QSPARSE_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace qsparse {

/// How --qsparse-gpu-matmul-kernels runs f32 contractions (option
/// `f32-mma`): three tf32 mma per step (about f32's precision), one, or
/// not on tensor cores.
enum class F32Mma { ThreeTf32, Tf32, Off };

/// The mode an `f32-mma` value names ("3xtf32", "tf32", "off"), or nullopt.
std::optional<F32Mma> parseF32Mma(llvm::StringRef name);

/// The error for an unknown `f32-mma` value.
std::string unknownF32Mma(llvm::StringRef name);

#define GEN_PASS_DECL
#include "qsparse/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qsparse/Conversion/Passes.h.inc"

} // namespace qsparse

#endif // QSPARSE_CONVERSION_PASSES_H

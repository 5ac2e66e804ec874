//===- Epilogue.h - fused epilogues on accumulator tiles --------*- C++ -*-===//
//
// The elementwise consumer of a contraction that --qsparse-fuse marked
// `qsparse.epilogue`, applied by the CPU micro-kernels to each accumulator
// vector before it is stored, so the contraction's result is only written
// where a K block is not the last one.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_LIB_CONVERSION_QSPARSETOCPU_EPILOGUE_H
#define QSPARSE_LIB_CONVERSION_QSPARSETOCPU_EPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace qsparse::cpu {

class Epilogue {
public:
  /// The marked epilogue of `contraction`, whose result buffer is `acc`
  /// (rank 2 [M][N], or rank 4 NHWF seen as [N*H*W][F]), when the kernels
  /// can apply it: identity reads of the accumulator, operands that are
  /// whole tensors of the output shape, per-column vectors or splats, and a
  /// body of arith and math ops. `inputs` are the contraction's input
  /// buffers, which the epilogue's output must not alias.
  /// With `permuted`, a whole-tensor operand may also be read through a
  /// permutation of the output's dimensions (a residual in another
  /// layout); it is read element by element, so only kernels whose stores
  /// are a few elements wide (the GPU's fragment pairs) ask for it.
  static std::optional<Epilogue> match(mlir::Operation *contraction,
                                       mlir::Value acc, mlir::ValueRange inputs,
                                       bool permuted = false);

  /// Builds the [M][N] views of the operands (before the kernel loops).
  void prepare(mlir::OpBuilder &b, mlir::Location loc);

  /// Applies the epilogue to `acc` (a vector of consecutive columns from
  /// `col`, or a scalar) of row `row` and stores it into the output.
  void emitStore(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                 mlir::Value row, mlir::Value col);

  /// The epilogue of columns [col0, N) of every row, read back from the
  /// accumulator buffer (scalar loops, for columns outside the tiles).
  void emitColumns(mlir::OpBuilder &b, mlir::Location loc, int64_t col0);

  /// Whether applying the epilogue twice to the same accumulators stores
  /// the same values: false when it reads its output buffer, or a whole
  /// tensor of the output shape (a residual) that may be its output (both
  /// rooted in arguments, which may be one buffer).
  bool repeatable();

  /// Removes the original epilogue op once the kernels apply it.
  void erase() { op->erase(); }

private:
  enum class Kind { Accumulator, Whole, Permuted, Column, Splat, Scalar };
  struct Operand {
    Kind kind;
    mlir::Value value;   // the buffer (or scalar) as given
    mlir::Value view;    // [M][N] view of a Whole operand
    mlir::AffineMap map; // the loops -> indices of a Permuted operand
  };

  mlir::linalg::GenericOp op;
  mlir::Value acc, accView, out, outView;
  llvm::SmallVector<Operand> operands; // one per epilogue input
  int64_t rows = 0, cols = 0;
  /// The output's shape (the loops of the epilogue op).
  llvm::SmallVector<int64_t> shape;
  /// Ops between the contraction and the epilogue that define what the
  /// epilogue uses (its output buffer, views, constants), moved above the
  /// contraction by prepare() since the kernel applies the epilogue there.
  llvm::SmallVector<mlir::Operation *> hoisted;
};

} // namespace qsparse::cpu

#endif // QSPARSE_LIB_CONVERSION_QSPARSETOCPU_EPILOGUE_H

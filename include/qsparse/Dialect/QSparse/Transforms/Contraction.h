//===- Contraction.h - the contractions the deciding passes see -*- C++ -*-===//
//
// The deciding passes work on every contraction models use: qsparse.matmul
// and qsparse.conv2d, and linalg matmul, batch_matmul, quantized_matmul,
// conv_2d_nhwc_hwcf, conv_2d_nchw_fchw and depthwise_conv_2d_nhwc_hwc. This
// header gives them one view: which operand is the weight, how its dims split
// into output channels and reduction, and the input range; plus the reports.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_DIALECT_QSPARSE_TRANSFORMS_CONTRACTION_H
#define QSPARSE_DIALECT_QSPARSE_TRANSFORMS_CONTRACTION_H

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Numerics/AccumulatorBounds.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace qsparse {

/// The attribute the deciding passes put on linalg ops (qsparse ops carry
/// their own `acc_bound` attribute).
constexpr llvm::StringLiteral kAccBoundAttrName = "qsparse.acc_bound";

/// The attribute --qsparse-lower-to-linalg puts on the loop nest that a
/// runtime qsparse.nm_decompress lowers to: {sparsity = #qsparse.nm<N:M>,
/// axis = i64}. A kernel may read the compressed operands instead of the
/// expanded result (the CPU 2:4 kernel does).
constexpr llvm::StringLiteral kDecompressedAttrName = "qsparse.decompressed";

struct Contraction {
  mlir::Operation *op = nullptr;
  /// Operand numbers of the activation and the weight.
  unsigned inputOperand = 0, weightOperand = 1;
  /// Weight dims that index output channels, and the reduction dims in the
  /// order the reduction index k enumerates them. `groupDim` (the N:M axis,
  /// DESIGN 3.3) is the last reduction dim when N:M groups are defined.
  llvm::SmallVector<int64_t> channelDims, reductionDims;
  std::optional<int64_t> groupDim;
  /// Integer contractions: inputs are read unsigned, and zero points.
  bool inputUnsigned = false, weightUnsigned = false;
  int64_t inputZeroPoint = 0, weightZeroPoint = 0;
  /// Accumulator element type (the result's).
  mlir::Type accumulatorType;

  mlir::Value getWeight() const { return op->getOperand(weightOperand); }
  mlir::Value getInput() const { return op->getOperand(inputOperand); }
  bool isFloat() const { return llvm::isa<mlir::FloatType>(accumulatorType); }
  /// Output channels (product of channelDims) and reduction length K.
  int64_t numChannels() const;
  int64_t reductionSize() const;
};

/// The contraction view of `op`, or std::nullopt with `whyNot` set when op is
/// a contraction that cannot be handled (user-defined maps, dynamic shapes,
/// non-constant zero points) and left empty when op is no contraction.
std::optional<Contraction> matchContraction(mlir::Operation *op,
                                            std::string &whyNot);

/// The weight's value when it is a constant, folding through the qsparse ops
/// that only reinterpret constants (bitcast, decode, dequantize,
/// nm_decompress); std::nullopt otherwise.
std::optional<mlir::DenseElementsAttr> evaluateConstant(mlir::Value value);

/// The weight as a [channels][K] row-major matrix, and back.
std::vector<double> toChannelMatrix(const Contraction &c,
                                    mlir::DenseElementsAttr weight);
std::vector<int64_t> toIntChannelMatrix(const Contraction &c,
                                        mlir::DenseElementsAttr weight,
                                        bool isUnsigned);
/// The inverse permutation: element i of the [channels][K] matrix lands at
/// position result[i] of the weight tensor (row-major).
std::vector<int64_t> channelMatrixPositions(const Contraction &c);

/// Every contraction op under `root`, in program order (collected first so
/// that passes may rewrite them).
std::vector<mlir::Operation *> collectContractionOps(mlir::Operation *root);

class DecisionReport;
/// The contractions under `root` the passes can handle; the others are named
/// with their reason in `decisions` (when given).
std::vector<Contraction> collectContractions(mlir::Operation *root,
                                             DecisionReport *decisions);

/// An integer contraction with a constant weight, as the Numerics library
/// sees it (DESIGN 3.2): weights minus their zero point as [channels][K],
/// the initial accumulator value per channel (the bias), and the input range.
struct IntegerProblem {
  std::vector<int64_t> weights;
  std::vector<int64_t> bias;
  numerics::InputRange input;
  unsigned inputBits = 0, weightBits = 0;
  bool inputSigned = true;
};

/// The integer problem of `c`, or failure with `whyNot` set (floating-point
/// accumulator, non-constant weight or accumulator init, ...).
mlir::FailureOr<IntegerProblem> getIntegerProblem(const Contraction &c,
                                                  std::string &whyNot);

/// The proven bound a contraction carries (`acc_bound` on qsparse ops,
/// `qsparse.acc_bound` on linalg ops), and setting it.
AccBoundAttr getAccumulatorBound(mlir::Operation *op);
void setAccumulatorBound(mlir::Operation *op, AccBoundAttr bound);

/// Builds a copy of contraction `c` whose accumulator (result element type)
/// is `accumulator`, before `c.op`; the copy's result, or failure with
/// `whyNot` when a linalg op's init is not a constant fill.
mlir::FailureOr<mlir::Value> cloneWithAccumulator(mlir::OpBuilder &b,
                                                  const Contraction &c,
                                                  mlir::IntegerType accumulator,
                                                  std::string &whyNot);

/// The option checking every deciding pass shares: `Derived::validate()`
/// returns "" or the broken constraint. Bad options are pass-option errors
/// when parsed from a pipeline string, and errors at run time when set from
/// C++.
template <typename Derived, typename PassBase>
struct OptionCheckedPass : PassBase {
  using PassBase::PassBase;

  mlir::LogicalResult
  initializeOptions(llvm::StringRef options,
                    llvm::function_ref<mlir::LogicalResult(const llvm::Twine &)>
                        errorHandler) override {
    if (mlir::failed(PassBase::initializeOptions(options, errorHandler)))
      return mlir::failure();
    std::string why = static_cast<Derived *>(this)->validate();
    if (why.empty())
      return mlir::success();
    return errorHandler(llvm::Twine(this->getArgument()) + ": " + why);
  }

  /// Emits the error and returns false when the options are invalid.
  bool optionsValid() {
    std::string why = static_cast<Derived *>(this)->validate();
    if (why.empty())
      return true;
    this->getOperation()->emitError() << this->getArgument() << ": " << why;
    return false;
  }
};

/// A location as MLIR prints it (the "loc" of a report entry).
std::string locationString(mlir::Location loc);

/// The JSON report of a deciding pass (DESIGN 4): one object per decision.
class DecisionReport {
public:
  /// A decision about `op`, with "loc" and "op" already set.
  llvm::json::Object &add(mlir::Operation *op);
  /// A contraction left unchanged, with its "skipped" reason.
  void skip(mlir::Operation *op, llvm::StringRef reason);
  /// Writes the array to `path` (nothing when empty); failure has a message.
  mlir::LogicalResult write(llvm::StringRef path, mlir::Operation *anchor);

private:
  std::vector<llvm::json::Object> entries;
};

} // namespace qsparse

#endif // QSPARSE_DIALECT_QSPARSE_TRANSFORMS_CONTRACTION_H

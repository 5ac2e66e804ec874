//===- EnforceAccumulatorBound.cpp - make weights fit a width -------------===//
//
// --qsparse-enforce-accumulator-bound: AXE-style post-training enforcement
// (DESIGN 3.2), delegated to numerics::enforceAccumulatorBits.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

namespace qsparse {
#define GEN_PASS_DEF_ENFORCEACCUMULATORBOUND
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {
struct EnforceAccumulatorBoundPass
    : OptionCheckedPass<EnforceAccumulatorBoundPass,
                        qsparse::impl::EnforceAccumulatorBoundBase<
                            EnforceAccumulatorBoundPass>> {
  using OptionCheckedPass::OptionCheckedPass;

  std::string validate() {
    if (bits < 2 || bits > 64)
      return "bits must be in [2, 64], got " + std::to_string(bits);
    if (tile < 0)
      return "tile must be >= 0, got " + std::to_string(tile);
    return "";
  }

  void runOnOperation() override {
    if (!optionsValid())
      return signalPassFailure();
    DecisionReport decisions;
    for (Contraction &contraction :
         collectContractions(getOperation(), &decisions)) {
      Contraction *c = &contraction;
      Operation *op = c->op;
      std::string why;
      FailureOr<IntegerProblem> problem = getIntegerProblem(*c, why);
      if (failed(problem)) {
        decisions.skip(op, why);
        continue;
      }
      std::optional<DenseElementsAttr> weight =
          getConstantElements(c->getWeight());
      if (!weight || !isa<IntegerType>(weight->getElementType())) {
        decisions.skip(op, "weight is not a plain integer constant (enforce "
                           "before encoding or compressing it)");
        continue;
      }
      // Another op may depend on these exact values (the ONNX importer's
      // zero-point correction of a depthwise convolution sums them): a
      // changed weight here would disagree with it.
      if (!c->getWeight().hasOneUse()) {
        decisions.skip(op, "the weight constant has other users, which "
                           "would keep the old values");
        continue;
      }
      IntegerProblem &p = *problem;
      int64_t channels = c->numChannels(), k = c->reductionSize();
      std::optional<double> error = numerics::enforceAccumulatorBits(
          p.weights.data(), channels, k, p.input, p.bias.data(), bits, tile);
      if (!error) {
        decisions.skip(op, "infeasible: the accumulator init alone does not "
                           "fit " +
                               std::to_string(bits) + " bits");
        continue;
      }
      // Back to the weight's layout, zero point restored.
      auto type = cast<RankedTensorType>(weight->getType());
      unsigned width = type.getElementTypeBitWidth();
      SmallVector<APInt> values(weight->getValues<APInt>());
      std::vector<int64_t> positions = channelMatrixPositions(*c);
      for (auto [i, pos] : llvm::enumerate(positions))
        values[pos] = APInt(width, p.weights[i] + c->weightZeroPoint,
                            /*isSigned=*/true, /*implicitTrunc=*/true);
      OpBuilder b(op);
      Value updated = arith::ConstantOp::create(
          b, c->getWeight().getLoc(), DenseElementsAttr::get(type, values));
      op->setOperand(c->weightOperand, updated);
      // A bound proven for the old weights no longer applies.
      if (auto matmul = dyn_cast<MatmulOp>(op))
        matmul.removeAccBoundAttr();
      else if (auto conv = dyn_cast<Conv2DOp>(op))
        conv.removeAccBoundAttr();
      else
        op->removeAttr(kAccBoundAttrName);
      llvm::json::Object &entry = decisions.add(op);
      entry["bits"] = unsigned(bits);
      entry["tile"] = int64_t(tile);
      entry["relative_l2_error"] = *error;
    }
    if (failed(decisions.write(report, getOperation())))
      signalPassFailure();
  }
};
} // namespace

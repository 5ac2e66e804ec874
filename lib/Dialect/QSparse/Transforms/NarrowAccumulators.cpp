//===- NarrowAccumulators.cpp - narrow proven accumulators ----------------===//
//
// --qsparse-narrow-accumulators: an accumulator narrows only to a width its
// proven bound covers. Integer arithmetic wraps, so a final sum that fits P
// bits is computed exactly in P bits even when partial sums wrap (DESIGN 3.2;
// docs/AccumulatorBounds.md).
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

namespace qsparse {
#define GEN_PASS_DEF_NARROWACCUMULATORS
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {
struct NarrowAccumulatorsPass
    : OptionCheckedPass<
          NarrowAccumulatorsPass,
          qsparse::impl::NarrowAccumulatorsBase<NarrowAccumulatorsPass>> {
  using OptionCheckedPass::OptionCheckedPass;

  SmallVector<unsigned> allowedWidths() {
    SmallVector<unsigned> allowed(widths.begin(), widths.end());
    if (allowed.empty())
      allowed = {16, 32};
    llvm::sort(allowed);
    return allowed;
  }

  std::string validate() {
    for (unsigned w : allowedWidths())
      if (w < 2 || w > 64)
        return "widths must be in [2, 64], got " + std::to_string(w);
    return "";
  }

  void runOnOperation() override {
    if (!optionsValid())
      return signalPassFailure();
    SmallVector<unsigned> allowed = allowedWidths();
    DecisionReport decisions;
    OpBuilder b(&getContext());
    for (Contraction &contraction :
         collectContractions(getOperation(), &decisions)) {
      Contraction *c = &contraction;
      Operation *op = c->op;
      std::string why;
      auto accumulator = dyn_cast<IntegerType>(c->accumulatorType);
      if (!accumulator) {
        decisions.skip(op, "floating-point accumulator");
        continue;
      }
      AccBoundAttr bound = getAccumulatorBound(op);
      if (!bound) {
        decisions.skip(op, "no proven accumulator bound");
        continue;
      }
      unsigned required = bound.getRequiredBits();
      unsigned from = accumulator.getWidth();
      const unsigned *to =
          llvm::find_if(allowed, [&](unsigned w) { return w >= required; });
      if (to == allowed.end() || *to >= from) {
        decisions.skip(op, "no allowed width narrower than " +
                               std::to_string(from) + " holds " +
                               std::to_string(required) + " bits");
        continue;
      }
      FailureOr<Value> narrow =
          cloneWithAccumulator(b, *c, b.getIntegerType(*to), why);
      if (failed(narrow)) {
        decisions.skip(op, why);
        continue;
      }
      setAccumulatorBound(narrow->getDefiningOp(), bound);
      b.setInsertionPoint(op);
      Value widened = arith::ExtSIOp::create(
          b, op->getLoc(), op->getResult(0).getType(), *narrow);
      op->getResult(0).replaceAllUsesWith(widened);
      op->erase();
      llvm::json::Object &entry = decisions.add(narrow->getDefiningOp());
      entry["from_bits"] = from;
      entry["to_bits"] = *to;
      entry["required_bits"] = required;
    }
    if (failed(decisions.write(report, getOperation())))
      signalPassFailure();
  }
};
} // namespace

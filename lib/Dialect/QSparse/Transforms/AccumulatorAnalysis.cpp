//===- AccumulatorAnalysis.cpp - prove accumulator ranges -----------------===//
//
// --qsparse-accumulator-analysis: DESIGN 3.2 exact per-channel ranges over
// every input the input type allows, attached as the contraction's bound.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"
#include "qsparse/Numerics/AccumulatorBounds.h"

namespace qsparse {
#define GEN_PASS_DEF_ACCUMULATORANALYSIS
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {
struct AccumulatorAnalysisPass
    : qsparse::impl::AccumulatorAnalysisBase<AccumulatorAnalysisPass> {
  using Base::Base;

  void runOnOperation() override {
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
      const IntegerProblem &p = *problem;
      int64_t channels = c->numChannels(), k = c->reductionSize();
      // The proof covers every value the accumulator holds in any summation
      // order (tiling and vectorization reorder the reduction); the DESIGN 3.2
      // final-sum width is reported beside it.
      std::vector<numerics::ChannelRange> ranges =
          numerics::orderFreeChannelRanges(p.weights.data(), channels, k,
                                           p.input, p.bias.data());
      std::vector<numerics::ChannelRange> finals = numerics::exactChannelRanges(
          p.weights.data(), channels, k, p.input, p.bias.data());
      if (int64_t(ranges.size()) != channels ||
          int64_t(finals.size()) != channels) {
        decisions.skip(op, "accumulator range exceeds 64 bits");
        continue;
      }
      int64_t lo = ranges[0].lo, hi = ranges[0].hi;
      for (const numerics::ChannelRange &r : ranges) {
        lo = std::min(lo, r.lo);
        hi = std::max(hi, r.hi);
      }
      unsigned exact = numerics::exactBits(finals);
      llvm::json::Object &entry = decisions.add(op);
      entry["k"] = k;
      entry["lo"] = lo;
      entry["hi"] = hi;
      entry["exact_bits"] = exact;
      entry["proven_bits"] = numerics::exactBits(ranges);
      entry["datatype_bits"] =
          numerics::dataTypeBits(k, p.inputBits, p.inputSigned, p.weightBits);
      entry["l1_bits"] = numerics::l1Bits(p.weights.data(), channels, k,
                                          p.inputBits, p.inputSigned);
      if (auto zc = numerics::zeroCenteredBits(p.weights.data(), channels, k,
                                               p.inputBits))
        entry["zero_centered_bits"] = *zc;
      else
        entry["zero_centered_bits"] = nullptr;

      auto bound = AccBoundAttr::get(op->getContext(), lo, hi);
      unsigned width = c->accumulatorType.getIntOrFloatBitWidth();
      if (width < bound.getRequiredBits()) {
        // The program as written can overflow: say so, attach nothing (the
        // op would no longer verify).
        entry["overflow"] = true;
        op->emitWarning() << "accumulator type " << c->accumulatorType
                          << " is narrower than the proven range [" << lo
                          << ", " << hi << "], which needs "
                          << bound.getRequiredBits() << " bits";
        continue;
      }
      setAccumulatorBound(op, bound);
    }
    if (failed(decisions.write(report, getOperation())))
      signalPassFailure();
  }
};
} // namespace

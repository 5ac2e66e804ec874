//===- UnshareEmptyTensors.cpp - one tensor.empty per destination ---------===//

#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace qsparse {
#define GEN_PASS_DEF_UNSHAREEMPTYTENSORS
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
struct UnshareEmptyTensorsPass
    : qsparse::impl::UnshareEmptyTensorsBase<UnshareEmptyTensorsPass> {
  void runOnOperation() override {
    // Fills of empty tensors: one per use, right before the user (the
    // fill dominated the user, so its value and sizes dominate there).
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() &&
          fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() &&
          !fill->getResult(0).use_empty())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      // Uses as the destination of another op (an accumulator).
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : fill->getResult(0).getUses()) {
        auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
        if (dps && dps.isDpsInit(&use))
          uses.push_back(&use);
      }
      if (uses.empty() ||
          (fill->hasOneUse() && uses[0]->getOwner() == fill->getNextNode()))
        continue;
      auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
      OpBuilder b(fill->getContext());
      for (OpOperand *use : uses) {
        b.setInsertionPoint(use->getOwner());
        IRMapping map;
        map.map(fill.getOutputs()[0], b.clone(*empty)->getResult(0));
        use->set(b.clone(*fill, map)->getResult(0));
      }
      if (fill->use_empty())
        fill->erase();
      if (empty->use_empty())
        empty->erase();
    }
    SmallVector<tensor::EmptyOp> shared;
    getOperation()->walk([&](tensor::EmptyOp empty) {
      if (llvm::range_size(empty.getResult().getUses()) > 1)
        shared.push_back(empty);
    });
    for (tensor::EmptyOp empty : shared) {
      // One use keeps the original; the others get clones placed right
      // after it (its dynamic sizes dominate them there).
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : empty.getResult().getUses())
        uses.push_back(&use);
      OpBuilder b(empty->getContext());
      b.setInsertionPointAfter(empty);
      for (OpOperand *use : llvm::drop_begin(uses))
        use->set(b.clone(*empty)->getResult(0));
    }
  }
};
} // namespace

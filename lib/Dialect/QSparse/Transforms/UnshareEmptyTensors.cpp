//===- UnshareEmptyTensors.cpp - one tensor.empty per destination ---------===//

#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace qsparse {
#define GEN_PASS_DEF_UNSHAREEMPTYTENSORS
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
struct UnshareEmptyTensorsPass
    : qsparse::impl::UnshareEmptyTensorsBase<UnshareEmptyTensorsPass> {
  void runOnOperation() override {
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

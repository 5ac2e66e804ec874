//===- WriteResultsInPlace.cpp - no final copy into out-parameters --------===//

#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace qsparse {
#define GEN_PASS_DEF_WRITERESULTSINPLACE
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
/// True when every use of `alloc` other than `copy` is (nested in) an op
/// of the copy's block that comes before it.
bool usedOnlyBefore(memref::AllocOp alloc, memref::CopyOp copy) {
  Block *block = copy->getBlock();
  for (OpOperand &use : alloc->getUses()) {
    Operation *user = use.getOwner();
    if (user == copy)
      continue;
    Operation *inBlock = block->findAncestorOpInBlock(*user);
    if (!inBlock || !inBlock->isBeforeInBlock(copy))
      return false;
  }
  return true;
}

struct WriteResultsInPlacePass
    : qsparse::impl::WriteResultsInPlaceBase<WriteResultsInPlacePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getBody().front();
    SmallVector<memref::CopyOp> copies(entry.getOps<memref::CopyOp>());
    for (memref::CopyOp copy : copies) {
      auto target = dyn_cast<BlockArgument>(copy.getTarget());
      // Reshapes of an identity-layout buffer keep the linear element
      // order: copying a reshape of `alloc` of the target's type is copying
      // `alloc` itself when the two have the same type.
      Value source = copy.getSource();
      while (Operation *def = source.getDefiningOp()) {
        if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def))
          break;
        source = def->getOperand(0);
      }
      auto alloc = source.getDefiningOp<memref::AllocOp>();
      if (!target || target.getOwner() != &entry || !target.hasOneUse() ||
          !alloc || alloc->getBlock() != &entry ||
          alloc.getType() != target.getType() ||
          !alloc.getType().hasStaticShape() ||
          !alloc.getType().getLayout().isIdentity() ||
          !usedOnlyBefore(alloc, copy))
        continue;
      Operation *view = copy.getSource().getDefiningOp();
      copy->erase();
      // The reshapes between the allocation and the copy, now unused.
      while (view && view != alloc && view->use_empty()) {
        Operation *next = view->getOperand(0).getDefiningOp();
        view->erase();
        view = next;
      }
      alloc.getResult().replaceAllUsesWith(target);
      alloc->erase();
    }
  }
};
} // namespace

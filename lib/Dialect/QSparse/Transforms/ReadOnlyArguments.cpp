//===- ReadOnlyArguments.cpp - inputs are never written -------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace qsparse {
#define GEN_PASS_DEF_READONLYARGUMENTS
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
struct ReadOnlyArgumentsPass
    : qsparse::impl::ReadOnlyArgumentsBase<ReadOnlyArgumentsPass> {
  void runOnOperation() override {
    Builder b(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
        if (isa<TensorType>(type))
          func.setArgAttr(
              i, bufferization::BufferizationDialect::kWritableAttrName,
              b.getBoolAttr(false));
      // Each result gets its own out-parameter: a repeated value is copied.
      func.walk([&](func::ReturnOp ret) {
        llvm::SmallPtrSet<Value, 4> seen;
        OpBuilder builder(ret);
        for (OpOperand &operand : ret->getOpOperands()) {
          Value v = operand.get();
          auto type = dyn_cast<RankedTensorType>(v.getType());
          if (seen.insert(v).second || !type || !type.hasStaticShape())
            continue;
          Value empty = tensor::EmptyOp::create(
              builder, ret.getLoc(), type.getShape(), type.getElementType());
          operand.set(linalg::CopyOp::create(builder, ret.getLoc(), v, empty)
                          .getResult(0));
        }
      });
    }
  }
};
} // namespace

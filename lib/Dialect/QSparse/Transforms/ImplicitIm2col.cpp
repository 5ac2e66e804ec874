//===- ImplicitIm2col.cpp - convolutions as implicit GEMMs ----------------===//
//
// --qsparse-implicit-im2col: a direct convolution becomes a linalg.generic
// over (batch, pixels, filters, reduction) whose image operand is read
// through the im2col index map, so no im2col buffer is ever formed.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/ImplicitGemm.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace qsparse {
#define GEN_PASS_DEF_IMPLICITIM2COL
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

struct ImplicitIm2colPass
    : qsparse::impl::ImplicitIm2colBase<ImplicitIm2colPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, ConvGeometry>> convs;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      if (std::optional<ConvGeometry> g = matchDirectConv(op))
        convs.push_back({op, *g});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, g] : convs)
      rewrite(rewriter, op, g);
  }

  void rewrite(IRRewriter &rewriter, linalg::LinalgOp op,
               const ConvGeometry &g) {
    rewriter.setInsertionPoint(op);
    Location loc = op.getLoc();
    Value image = op.getDpsInputOperand(0)->get();
    Value filter = op.getDpsInputOperand(1)->get();
    Value init = op.getDpsInitOperand(0)->get();
    // Filter [K][F] (HWCF) or [F][K] (FCHW); output [N][P][F] or [N][F][P]:
    // views of contiguous dimensions, free after bufferization.
    SmallVector<ReassociationIndices> filterGroups =
        g.nchw ? SmallVector<ReassociationIndices>{{0}, {1, 2, 3}}
               : SmallVector<ReassociationIndices>{{0, 1, 2}, {3}};
    SmallVector<ReassociationIndices> outGroups =
        g.nchw ? SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}
               : SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}};
    Value filter2 =
        tensor::CollapseShapeOp::create(rewriter, loc, filter, filterGroups);
    Value init3 =
        tensor::CollapseShapeOp::create(rewriter, loc, init, outGroups);
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    SmallVector<AffineMap, 3> maps = implicitGemmMaps(&getContext(), g);
    auto gemm = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init3.getType()}, ValueRange{image, filter2},
        ValueRange{init3}, maps,
        SmallVector<utils::IteratorType>{par, par, par, red});
    // The same multiply-accumulate body (block arguments image, filter, out).
    rewriter.cloneRegionBefore(op->getRegion(0), gemm.getRegion(),
                               gemm.getRegion().end());
    // qsparse's own attributes (a proven accumulator bound) stay with it.
    for (NamedAttribute attr : op->getDiscardableAttrs())
      if (attr.getName().strref().starts_with("qsparse."))
        gemm->setAttr(attr.getName(), attr.getValue());
    gemm->setAttr("qsparse.implicit_gemm",
                  rewriter.getDenseI64ArrayAttr(
                      {g.strideH, g.strideW, g.dilH, g.dilW, g.kh, g.kw}));
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value result = tensor::ExpandShapeOp::create(rewriter, loc, resultType,
                                                 gemm->getResult(0), outGroups);
    rewriter.replaceOp(op, result);
  }
};

} // namespace

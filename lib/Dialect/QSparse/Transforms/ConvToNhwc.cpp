//===- ConvToNhwc.cpp - NCHW convolutions in NHWC layout ------------------===//
//
// --qsparse-conv-to-nhwc: an NCHW/FCHW convolution becomes transposes of its
// operands to NHWC/HWCF, the NHWC convolution (same body, strides and
// dilations) and a transpose of the result back, so the NHWC convolution
// kernels run it.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/ImplicitGemm.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace qsparse {
#define GEN_PASS_DEF_CONVTONHWC
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

/// `v` with its dimensions permuted: result dim i is dim perm[i] of `v`. A
/// constant is permuted at compile time and a fill of an empty tensor is
/// made in the new shape; anything else gets a linalg.transpose.
Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = applyPermutation(type.getShape(), perm);
  if (std::optional<DenseElementsAttr> elements = getConstantElements(v))
    if (DenseElementsAttr permuted = permuteElements(*elements, perm))
      return arith::ConstantOp::create(b, loc, permuted);
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  if (auto fill = v.getDefiningOp<linalg::FillOp>();
      fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return linalg::FillOp::create(b, loc, fill.getInputs()[0], init)
        ->getResult(0);
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

struct ConvToNhwcPass : qsparse::impl::ConvToNhwcBase<ConvToNhwcPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, ConvGeometry>> convs;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      if (std::optional<ConvGeometry> g = matchDirectConv(op); g && g->nchw)
        convs.push_back({op, *g});
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, g] : convs) {
      rewriter.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value image = transpose(rewriter, loc, op.getDpsInputOperand(0)->get(),
                              {0, 2, 3, 1});
      Value filter = transpose(rewriter, loc, op.getDpsInputOperand(1)->get(),
                               {2, 3, 1, 0});
      Value init = transpose(rewriter, loc, op.getDpsInitOperand(0)->get(),
                             {0, 2, 3, 1});
      // Loops (n, oh, ow, f, kh, kw, c) in the NHWC form.
      MLIRContext *ctx = &getContext();
      auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
      SmallVector<AffineMap> maps = {
          AffineMap::get(7, 0,
                         {d(0), d(1) * g.strideH + d(4) * g.dilH,
                          d(2) * g.strideW + d(5) * g.dilW, d(6)},
                         ctx),
          AffineMap::get(7, 0, {d(4), d(5), d(6), d(3)}, ctx),
          AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
      auto par = utils::IteratorType::parallel;
      auto red = utils::IteratorType::reduction;
      auto conv = linalg::GenericOp::create(
          rewriter, loc, TypeRange{init.getType()}, ValueRange{image, filter},
          ValueRange{init}, maps,
          SmallVector<utils::IteratorType>{par, par, par, par, red, red, red});
      // The body only combines (image, filter, out) elements: the same.
      rewriter.cloneRegionBefore(op->getRegion(0), conv.getRegion(),
                                 conv.getRegion().end());
      for (NamedAttribute attr : op->getDiscardableAttrs())
        if (attr.getName().strref().starts_with("qsparse."))
          conv->setAttr(attr.getName(), attr.getValue());
      rewriter.replaceOp(
          op, transpose(rewriter, loc, conv->getResult(0), {0, 3, 1, 2}));
    }
  }
};

} // namespace

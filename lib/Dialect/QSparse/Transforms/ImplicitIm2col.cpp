//===- ImplicitIm2col.cpp - convolutions as implicit GEMMs ----------------===//
//
// --qsparse-implicit-im2col: a direct convolution becomes a linalg.generic
// over (batch, pixels, filters, reduction) whose image operand is read
// through the im2col index map, so no im2col buffer is ever formed.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/ImplicitGemm.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace qsparse {
#define GEN_PASS_DEF_IMPLICITIM2COL
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

/// The rows and columns of zeros around the image, [top, left, bottom,
/// right] (as qsparse.conv2d's padding), when `image` is a tensor.pad of H and
/// W only with a zero value whose products add nothing: integer zero, or +0.0
/// against a constant filter with no infinity or NaN (0 * inf is NaN).
/// Otherwise none.
std::optional<std::array<int64_t, 4>> zeroBorder(Value image, Value filter,
                                                 const ConvGeometry &g) {
  auto pad = image.getDefiningOp<tensor::PadOp>();
  if (!pad || !pad.getLow().empty() || !pad.getHigh().empty())
    return std::nullopt; // dynamic amounts
  Value value = pad.getConstantPaddingValue();
  if (!value)
    return std::nullopt;
  if (isa<FloatType>(value.getType())) {
    if (!matchPattern(value, m_PosZeroFloat()))
      return std::nullopt;
    std::optional<DenseElementsAttr> data = evaluateConstant(filter);
    if (!data || !llvm::all_of(data->getValues<APFloat>(),
                               [](const APFloat &v) { return v.isFinite(); }))
      return std::nullopt;
  } else if (!matchPattern(value, m_Zero())) {
    return std::nullopt;
  }
  ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
  unsigned h = g.nchw ? 2 : 1, w = h + 1;
  for (unsigned d = 0; d < low.size(); ++d)
    if (d != h && d != w && (low[d] != 0 || high[d] != 0))
      return std::nullopt;
  if (low[h] == 0 && high[h] == 0 && low[w] == 0 && high[w] == 0)
    return std::nullopt;
  return std::array<int64_t, 4>{low[h], low[w], high[h], high[w]};
}

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
    // Taps that read only the zero border add nothing: the kernels may skip
    // them.
    if (std::optional<std::array<int64_t, 4>> border =
            zeroBorder(image, filter, g))
      gemm->setAttr("qsparse.zero_border",
                    rewriter.getDenseI64ArrayAttr(*border));
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value result = tensor::ExpandShapeOp::create(rewriter, loc, resultType,
                                                 gemm->getResult(0), outGroups);
    rewriter.replaceOp(op, result);
  }
};

} // namespace

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
#include "mlir/IR/PatternMatch.h"

#include <cstring>

namespace qsparse {
#define GEN_PASS_DEF_CONVTONHWC
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

/// The elements of `attr` with its dimensions permuted (result dim i is dim
/// perm[i]), for byte-sized int and float elements; null otherwise.
DenseElementsAttr permuteElements(DenseElementsAttr attr,
                                  ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(attr.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  auto permutedType = RankedTensorType::get(shape, type.getElementType());
  if (attr.isSplat())
    return attr.reshape(permutedType);
  unsigned bits = type.getElementTypeBitWidth();
  if (!type.getElementType().isIntOrFloat() || bits % 8 != 0)
    return {};
  size_t bytes = bits / 8;
  ArrayRef<char> in = attr.getRawData();
  std::vector<char> out(in.size());
  // Walk the result in row-major order; `from` is the source offset.
  int64_t rank = shape.size();
  SmallVector<int64_t> strides(type.getRank(), 1), index(rank, 0);
  for (int64_t d = type.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  for (size_t i = 0, n = type.getNumElements(); i < n; ++i) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d)
      from += index[d] * strides[perm[d]];
    std::memcpy(out.data() + i * bytes, in.data() + from * bytes, bytes);
    for (int64_t d = rank - 1; d >= 0 && ++index[d] == shape[d]; --d)
      index[d] = 0;
  }
  return DenseElementsAttr::getFromRawBuffer(permutedType, out);
}

/// `v` with its dimensions permuted: result dim i is dim perm[i] of `v`. A
/// constant is permuted at compile time and a fill of an empty tensor is
/// made in the new shape; anything else gets a linalg.transpose.
Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
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

//===- Sparsify.cpp - prune constant weights to N:M -----------------------===//
//
// --qsparse-sparsify: DESIGN 3.3 masks (magnitude, transposable exact or
// greedy) from the Numerics library, and the canonical compressed storage of
// qsparse.nm_compress (values + in-group positions).
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"
#include "qsparse/Numerics/NMSparsity.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>

namespace qsparse {
#define GEN_PASS_DEF_SPARSIFY
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

struct SparsifyPass
    : OptionCheckedPass<SparsifyPass,
                        qsparse::impl::SparsifyBase<SparsifyPass>> {
  using OptionCheckedPass::OptionCheckedPass;

  std::string validate() {
    if (mode != "magnitude" && mode != "transposable-exact" &&
        mode != "transposable-greedy")
      return "unknown mode '" + mode +
             "'; expected magnitude, transposable-exact or "
             "transposable-greedy";
    return numerics::verifyNM(n, m);
  }

  void runOnOperation() override {
    if (!optionsValid())
      return signalPassFailure();
    bool transposable = mode != "magnitude";
    DecisionReport decisions;
    for (Contraction &contraction :
         collectContractions(getOperation(), &decisions)) {
      Contraction *c = &contraction;
      Operation *op = c->op;
      if (std::string reason = sparsify(*c, transposable, decisions);
          !reason.empty())
        decisions.skip(op, reason);
    }
    if (failed(decisions.write(report, getOperation())))
      signalPassFailure();
  }

  /// Prunes and compresses `c`'s weight; an empty string or why not.
  std::string sparsify(const Contraction &c, bool transposable,
                       DecisionReport &decisions) {
    if (!c.groupDim)
      return "no N:M axis (a depthwise reduction runs over the window only)";
    if (c.weightZeroPoint != 0)
      return "weight zero point " + std::to_string(c.weightZeroPoint) +
             ": a stored 0 would not be a zero weight";
    std::optional<DenseElementsAttr> weightAttr =
        getConstantElements(c.getWeight());
    if (!weightAttr)
      return "weight is not a constant";
    DenseElementsAttr weight = *weightAttr;
    auto type = cast<RankedTensorType>(c.getWeight().getType());
    ArrayRef<int64_t> shape = type.getShape();
    int64_t axis = *c.groupDim;
    if (shape[axis] % m != 0)
      return "reduction axis (dimension " + std::to_string(axis) +
             ") of size " + std::to_string(shape[axis]) +
             " is not a multiple of M = " + std::to_string(m);
    int64_t channels = c.numChannels(), k = c.reductionSize();
    if (transposable && channels % m != 0)
      return "output channels (" + std::to_string(channels) +
             ") are not a multiple of M = " + std::to_string(m) +
             " as a transposable mask needs";

    // Numerics works on [K][F]; our matrix is [channels][K].
    std::vector<double> matrix = toChannelMatrix(c, weight);
    std::vector<double> kf(matrix.size());
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t i = 0; i < k; ++i)
        kf[i * channels + ch] = matrix[ch * k + i];
    std::vector<uint8_t> mask;
    if (mode == "magnitude")
      mask = numerics::nmMagnitudeMask(kf.data(), k, channels, n, m);
    else if (mode == "transposable-exact")
      mask = numerics::transposableMaskExact(kf.data(), k, channels, n, m);
    else
      mask = numerics::transposableMaskGreedy(kf.data(), k, channels, n, m);

    // Prune in the weight's own layout, on raw element bytes (a zero of
    // every integer and IEEE float type is all zero bits): per-element
    // attributes would intern millions of constants for a real model.
    if (type.getElementTypeBitWidth() % 8 != 0)
      return "weight elements of " +
             std::to_string(type.getElementTypeBitWidth()) +
             " bits are not whole bytes";
    unsigned bytes = type.getElementTypeBitWidth() / 8;
    int64_t count = type.getNumElements();
    std::vector<char> raw(count * bytes);
    ArrayRef<char> stored = weight.getRawData();
    for (int64_t i = 0; i < count; ++i)
      std::memcpy(&raw[i * bytes], &stored[weight.isSplat() ? 0 : i * bytes],
                  bytes);
    std::vector<double> absolute(count);
    std::vector<int64_t> positions = channelMatrixPositions(c);
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t i = 0; i < k; ++i) {
        int64_t pos = positions[ch * k + i];
        if (mask[i * channels + ch]) {
          absolute[pos] = std::fabs(matrix[ch * k + i]);
        } else {
          std::memset(&raw[pos * bytes], 0, bytes);
          absolute[pos] = 0;
        }
      }

    // Canonical compressed form along `axis` (qsparse.nm_compress).
    int64_t inner = 1, outer = 1;
    for (int64_t d = axis + 1; d < type.getRank(); ++d)
      inner *= shape[d];
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    int64_t groups = shape[axis] / m, keptAxis = groups * n;
    SmallVector<int64_t> compressedShape(shape);
    compressedShape[axis] = keptAxis;
    int64_t keptCount = outer * keptAxis * inner;
    std::vector<char> values(keptCount * bytes, 0);
    SmallVector<int8_t> metadata(keptCount, 0);
    std::vector<double> group(m);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t in = 0; in < inner; ++in) {
          auto at = [&](int64_t j) {
            return (o * shape[axis] + g * m + j) * inner + in;
          };
          for (unsigned j = 0; j < m; ++j)
            group[j] = absolute[at(j)];
          std::vector<uint8_t> kept =
              numerics::magnitudeGroupMask(group.data(), n, m);
          for (unsigned r = 0; r < n; ++r) {
            int64_t dst = (o * keptAxis + g * n + r) * inner + in;
            std::memcpy(&values[dst * bytes], &raw[at(kept[r]) * bytes], bytes);
            metadata[dst] = int8_t(kept[r]);
          }
        }

    OpBuilder b(c.op);
    Location loc = c.getWeight().getLoc();
    auto valuesType =
        RankedTensorType::get(compressedShape, type.getElementType());
    auto metaType = RankedTensorType::get(compressedShape, b.getI8Type());
    Value valuesConst = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::getFromRawBuffer(valuesType, values));
    Value metaConst = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(metaType, ArrayRef<int8_t>(metadata)));
    auto plain = NMAttr::get(b.getContext(), n, m, false);
    Value dense =
        NMDecompressOp::create(b, c.op->getLoc(), type, valuesConst, metaConst,
                               plain, b.getI64IntegerAttr(axis));
    c.op->setOperand(c.weightOperand, dense);
    auto sparsity = NMAttr::get(b.getContext(), n, m, transposable);
    if (auto matmul = dyn_cast<MatmulOp>(c.op))
      matmul.setWeightSparsityAttr(sparsity);
    else if (auto conv = dyn_cast<Conv2DOp>(c.op))
      conv.setWeightSparsityAttr(sparsity);

    llvm::json::Object &entry = decisions.add(c.op);
    entry["n"] = unsigned(n);
    entry["m"] = unsigned(m);
    entry["mode"] = std::string(mode);
    entry["kept_l1_fraction"] = numerics::keptL1Fraction(kf.data(), mask);
    entry["mask_diversity_log10"] =
        numerics::maskDiversityLog10(type.getNumElements(), n, m, transposable);
    return "";
  }
};
} // namespace

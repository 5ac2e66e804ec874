//===- SelectNumericType.cpp - ANT type selection for weights -------------===//
//
// --qsparse-select-numeric-type: ANT (MICRO 2022) per-tensor type selection
// among int / PoT / flint for constant float weights (DESIGN 3.1), with the
// quantization itself in numerics::selectNumericType. Weight-only: the
// contraction keeps its float activations and reads dequantized weights.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"
#include "qsparse/Numerics/Quantization.h"

namespace qsparse {
#define GEN_PASS_DEF_SELECTNUMERICTYPE
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

/// "int4", "pot4", "flint4": the candidate keyword and the width.
std::string candidateName(numerics::CodeFormat f) {
  switch (f.kind) {
  case numerics::CodeKind::Int:
    return "int" + std::to_string(f.bits);
  case numerics::CodeKind::PoT:
    return "pot" + std::to_string(f.bits);
  case numerics::CodeKind::Flint:
    return "flint" + std::to_string(f.bits);
  case numerics::CodeKind::Float:
    return "float" + std::to_string(f.bits) + "_e" +
           std::to_string(f.exponentBits);
  }
  return numerics::formatName(f);
}

/// The IR code type of a format (weights are signed).
Type codeType(MLIRContext *ctx, numerics::CodeFormat f) {
  switch (f.kind) {
  case numerics::CodeKind::Flint:
    return FlintType::get(ctx, f.bits, f.isSigned);
  case numerics::CodeKind::PoT:
    return PoTType::get(ctx, f.bits, f.isSigned);
  case numerics::CodeKind::Int:
    return IntegerType::get(ctx, f.bits);
  case numerics::CodeKind::Float:
    return FloatCodeType::get(ctx, f.bits, f.exponentBits, f.isSigned);
  }
  return {};
}

struct SelectNumericTypePass
    : OptionCheckedPass<
          SelectNumericTypePass,
          qsparse::impl::SelectNumericTypeBase<SelectNumericTypePass>> {
  using OptionCheckedPass::OptionCheckedPass;

  std::vector<numerics::CodeFormat> formats;

  std::string validate() {
    if (bits < 2 || bits > 8)
      return "bits must be in [2, 8], got " + std::to_string(bits);
    std::string error;
    auto parsed = numerics::parseCandidates(candidates, bits,
                                            /*isSigned=*/true, error);
    if (!parsed)
      return error;
    formats = *parsed;
    return "";
  }

  void runOnOperation() override {
    if (!optionsValid())
      return signalPassFailure();
    DecisionReport decisions;
    for (Contraction &contraction :
         collectContractions(getOperation(), &decisions)) {
      Contraction *c = &contraction;
      Operation *op = c->op;
      if (std::string reason = select(*c, decisions); !reason.empty())
        decisions.skip(op, reason);
    }
    if (failed(decisions.write(report, getOperation())))
      signalPassFailure();
  }

  std::string select(const Contraction &c, DecisionReport &decisions) {
    if (!c.isFloat())
      return "integer contraction: its weights are already quantized";
    // A constant, or an N:M-compressed constant (--qsparse-sparsify ran
    // first): then the types are chosen on the pruned dense weight and the
    // kept values are the ones encoded.
    auto decompress = c.getWeight().getDefiningOp<NMDecompressOp>();
    std::optional<DenseElementsAttr> dense, kept, metadata;
    if (decompress) {
      kept = getConstantElements(decompress.getValues());
      metadata = getConstantElements(decompress.getMetadata());
      if (!kept || !metadata)
        return "weight is not a constant";
      if (perChannel && c.channelDims.size() == 1 &&
          c.channelDims[0] == int64_t(decompress.getAxis()))
        return "the N:M axis is the output-channel axis";
      dense = evaluateConstant(c.getWeight());
    } else {
      dense = getConstantElements(c.getWeight());
    }
    if (!dense)
      return "weight is not a constant";
    auto weight = dyn_cast<DenseFPElementsAttr>(*dense);
    if (!weight)
      return "weight is not a float constant";
    if (perChannel && c.channelDims.size() != 1)
      return "per-channel scales need a single output-channel dimension";
    auto type = cast<RankedTensorType>(weight.getType());
    std::vector<double> matrix = toChannelMatrix(c, weight);
    int64_t channels = perChannel ? c.numChannels() : 1;
    int64_t perRow = int64_t(matrix.size()) / channels;
    numerics::Selection selection = numerics::selectNumericType(
        matrix.data(), channels, perRow, formats, perChannel);
    const numerics::TensorQuantization &best =
        selection.results[selection.best];

    MLIRContext *ctx = c.op->getContext();
    Type code = codeType(ctx, best.format);
    IntegerType storage = getCodeStorageType(code);
    std::vector<int64_t> positions = channelMatrixPositions(c);
    SmallVector<APInt> codes(positions.size(), APInt(storage.getWidth(), 0));
    for (auto [i, pos] : llvm::enumerate(positions))
      codes[pos] = APInt(storage.getWidth(), best.codes[i]);
    SmallVector<APFloat> scales;
    auto floatType = cast<FloatType>(type.getElementType());
    for (const numerics::ChannelQuantization &q : best.channels) {
      APFloat s(q.scale);
      bool lost;
      s.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      scales.push_back(s);
    }

    if (decompress) {
      // Gather the codes of the kept positions (as nm_decompress scatters
      // them); a dropped slot (metadata outside [0, M)) gets code 0.
      unsigned n = decompress.getSparsity().getN();
      unsigned m = decompress.getSparsity().getM();
      int64_t axis = decompress.getAxis();
      ArrayRef<int64_t> shape = type.getShape();
      ArrayRef<int64_t> keptShape = kept->getType().getShape();
      int64_t inner = 1;
      for (int64_t d = axis + 1; d < int64_t(shape.size()); ++d)
        inner *= shape[d];
      auto slots = llvm::to_vector(metadata->getValues<APInt>());
      SmallVector<APInt> keptCodes;
      for (int64_t i = 0, e = kept->getNumElements(); i < e; ++i) {
        int64_t outer = i / (inner * keptShape[axis]);
        int64_t j = (i / inner) % keptShape[axis];
        int64_t slot = slots[i].getSExtValue();
        if (slot < 0 || slot >= int64_t(m)) {
          keptCodes.push_back(APInt(storage.getWidth(), 0));
          continue;
        }
        int64_t dj = j / n * m + slot;
        keptCodes.push_back(
            codes[(outer * shape[axis] + dj) * inner + i % inner]);
      }
      codes = std::move(keptCodes);
      type = cast<RankedTensorType>(kept->getType());
    }

    OpBuilder b(decompress ? decompress.getOperation() : c.op);
    Location loc = c.getWeight().getLoc();
    Value stored = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(type.clone(storage), ArrayRef<APInt>(codes)));
    auto codeTensor = type.clone(code);
    Value codesValue = stored;
    if (codeTensor != stored.getType())
      codesValue = BitcastOp::create(b, loc, codeTensor, stored);
    auto scaleType = RankedTensorType::get({int64_t(scales.size())}, floatType);
    Value scaleValue = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(scaleType, ArrayRef<APFloat>(scales)));
    IntegerAttr axis;
    if (perChannel)
      axis = b.getI64IntegerAttr(c.channelDims[0]);
    Value dequantized = DequantizeOp::create(b, c.op->getLoc(), type,
                                             codesValue, scaleValue, axis);
    if (decompress)
      decompress->setOperand(0, dequantized);
    else
      c.op->setOperand(c.weightOperand, dequantized);

    llvm::json::Object &entry = decisions.add(c.op);
    entry["chosen"] = candidateName(best.format);
    llvm::json::Object mse;
    for (const numerics::TensorQuantization &r : selection.results)
      mse[candidateName(r.format)] = r.mse;
    entry["mse"] = std::move(mse);
    entry["per_channel"] = bool(perChannel);
    return "";
  }
};
} // namespace

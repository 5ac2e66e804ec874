//===- Contraction.cpp - the contractions the deciding passes see ---------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Numerics/Codecs.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace qsparse;

int64_t Contraction::numChannels() const {
  auto shape = cast<RankedTensorType>(getWeight().getType()).getShape();
  int64_t n = 1;
  for (int64_t d : channelDims)
    n *= shape[d];
  return n;
}

int64_t Contraction::reductionSize() const {
  auto shape = cast<RankedTensorType>(getWeight().getType()).getShape();
  int64_t n = 1;
  for (int64_t d : reductionDims)
    n *= shape[d];
  return n;
}

/// A scalar zero point given as a constant operand.
static std::optional<int64_t> constantInt(Value v) {
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)))
    return value.getSExtValue();
  return std::nullopt;
}

std::optional<Contraction> qsparse::matchContraction(Operation *op,
                                                     std::string &whyNot) {
  whyNot.clear();
  Contraction c;
  c.op = op;
  if (auto m = dyn_cast<MatmulOp>(op)) {
    c.channelDims = {1};
    c.reductionDims = {0};
    c.groupDim = 0;
    c.inputUnsigned = m.getInputUnsigned();
    c.inputZeroPoint = m.getInputZeroPoint();
    c.weightZeroPoint = m.getWeightZeroPoint();
  } else if (auto conv = dyn_cast<Conv2DOp>(op)) {
    c.channelDims = {3};
    c.reductionDims = {0, 1, 2};
    c.groupDim = 2;
    c.inputUnsigned = conv.getInputUnsigned();
    c.inputZeroPoint = conv.getInputZeroPoint();
    c.weightZeroPoint = conv.getWeightZeroPoint();
  } else if (auto m = dyn_cast<linalg::MatmulOp>(op)) {
    if (m.hasUserDefinedMaps()) {
      whyNot = "linalg.matmul with user-defined indexing maps";
      return std::nullopt;
    }
    c.channelDims = {1};
    c.reductionDims = {0};
    c.groupDim = 0;
    c.inputUnsigned = c.weightUnsigned =
        m.getCast() == linalg::TypeFn::cast_unsigned;
  } else if (auto m = dyn_cast<linalg::BatchMatmulOp>(op)) {
    if (m.hasUserDefinedMaps()) {
      whyNot = "linalg.batch_matmul with user-defined indexing maps";
      return std::nullopt;
    }
    c.channelDims = {0, 2};
    c.reductionDims = {1};
    c.groupDim = 1;
    c.inputUnsigned = c.weightUnsigned =
        m.getCast() == linalg::TypeFn::cast_unsigned;
  } else if (isa<linalg::QuantizedMatmulOp>(op)) {
    auto azp = constantInt(op->getOperand(2));
    auto bzp = constantInt(op->getOperand(3));
    if (!azp || !bzp) {
      whyNot = "zero points are not constants";
      return std::nullopt;
    }
    c.channelDims = {1};
    c.reductionDims = {0};
    c.groupDim = 0;
    c.inputZeroPoint = *azp;
    c.weightZeroPoint = *bzp;
  } else if (isa<linalg::Conv2DNhwcHwcfOp>(op)) {
    c.channelDims = {3};
    c.reductionDims = {0, 1, 2};
    c.groupDim = 2;
  } else if (isa<linalg::Conv2DNchwFchwOp>(op)) {
    // Groups run along C: enumerate (kh, kw, c) with C innermost.
    c.channelDims = {0};
    c.reductionDims = {2, 3, 1};
    c.groupDim = 1;
  } else if (isa<linalg::DepthwiseConv2DNhwcHwcOp>(op)) {
    // Each channel reduces over its own KH x KW window only: no N:M axis.
    c.channelDims = {2};
    c.reductionDims = {0, 1};
  } else {
    return std::nullopt;
  }
  // Ops on buffers have no result.
  if (op->getNumResults() != 1) {
    whyNot = "not on tensors";
    return std::nullopt;
  }
  auto weightType = dyn_cast<RankedTensorType>(c.getWeight().getType());
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!weightType || !resultType) {
    whyNot = "not on tensors";
    return std::nullopt;
  }
  if (!weightType.hasStaticShape()) {
    whyNot = "dynamic weight shape";
    return std::nullopt;
  }
  c.accumulatorType = resultType.getElementType();
  return c;
}

std::optional<DenseElementsAttr> qsparse::evaluateConstant(Value value) {
  if (std::optional<DenseElementsAttr> attr = getConstantElements(value))
    return attr;
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto type = cast<ShapedType>(value.getType());
  if (auto bitcast = dyn_cast<BitcastOp>(def)) {
    auto input = evaluateConstant(bitcast.getInput());
    if (!input || !isa<IntegerType>(type.getElementType()))
      return std::nullopt; // code-typed tensors have no dense attribute
    return input->bitcast(type.getElementType());
  }
  if (isa<DecodeOp, DequantizeOp>(def)) {
    Value codes = def->getOperand(0);
    // Codes come from a constant, through a bitcast for flint/PoT.
    Value storage = codes;
    if (auto bitcast = codes.getDefiningOp<BitcastOp>())
      storage = bitcast.getInput();
    auto stored = evaluateConstant(storage);
    if (!stored)
      return std::nullopt;
    numerics::CodeFormat format =
        *getCodeFormat(cast<ShapedType>(codes.getType()).getElementType());
    bool isInt = format.kind == numerics::CodeKind::Int;
    // Integer codes keep their full width (up to 64 bits); table codes are
    // their low bits.
    SmallVector<APInt> rawValues(stored->getValues<APInt>());
    if (auto decode = dyn_cast<DecodeOp>(def)) {
      unsigned width = type.getElementTypeBitWidth();
      SmallVector<APInt> values;
      for (const APInt &raw : rawValues) {
        if (isInt) {
          values.push_back(format.isSigned ? raw.sextOrTrunc(width)
                                           : raw.zextOrTrunc(width));
          continue;
        }
        numerics::DecodedValue d =
            numerics::decode(format, uint32_t(raw.getZExtValue()));
        APInt v(width, d.mantissa);
        v <<= d.shift;
        if (d.negative)
          v.negate();
        values.push_back(v);
      }
      return DenseElementsAttr::get(type, values);
    }
    auto dequantize = cast<DequantizeOp>(def);
    auto scales = evaluateConstant(dequantize.getScales());
    if (!scales)
      return std::nullopt;
    SmallVector<double> scaleValues;
    for (APFloat s : scales->getValues<APFloat>()) {
      bool lost = false;
      s.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      scaleValues.push_back(s.convertToDouble());
    }
    ArrayRef<int64_t> shape = type.getShape();
    std::optional<int64_t> axis;
    if (auto a = dequantize.getAxis())
      axis = int64_t(*a);
    int64_t inner = 1;
    if (axis)
      for (int64_t d = *axis + 1; d < int64_t(shape.size()); ++d)
        inner *= shape[d];
    SmallVector<APFloat> values;
    auto floatType = cast<FloatType>(type.getElementType());
    for (auto [i, raw] : llvm::enumerate(rawValues)) {
      double s =
          axis ? scaleValues[(i / inner) % shape[*axis]] : scaleValues[0];
      double code =
          !isInt
              ? numerics::decodeToDouble(format, uint32_t(raw.getZExtValue()))
          : format.isSigned ? double(raw.getSExtValue())
                            : double(raw.getZExtValue());
      APFloat v(code * s);
      bool lost;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
  if (auto decompress = dyn_cast<NMDecompressOp>(def)) {
    auto values = evaluateConstant(decompress.getValues());
    auto meta = evaluateConstant(decompress.getMetadata());
    if (!values || !meta)
      return std::nullopt;
    unsigned n = decompress.getSparsity().getN();
    unsigned m = decompress.getSparsity().getM();
    int64_t axis = decompress.getAxis();
    ArrayRef<int64_t> shape = type.getShape();
    if (!type.getElementType().isIntOrFloat())
      return std::nullopt; // code-typed tensors have no dense attribute
    auto compressedShape = values->getType().getShape();
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < int64_t(shape.size()); ++d)
      inner *= shape[d];
    SmallVector<Attribute> dense(
        type.getNumElements(),
        Builder(def->getContext()).getZeroAttr(type.getElementType()));
    auto valueAttrs = llvm::to_vector(values->getValues<Attribute>());
    auto metaValues = llvm::to_vector(meta->getValues<APInt>());
    for (int64_t i = 0, e = valueAttrs.size(); i < e; ++i) {
      int64_t outer = i / (inner * compressedShape[axis]);
      int64_t j = (i / inner) % compressedShape[axis];
      int64_t rest = i % inner;
      int64_t pos = metaValues[i].getSExtValue();
      if (pos < 0 || pos >= int64_t(m))
        continue;
      int64_t dj = j / n * m + pos;
      dense[(outer * shape[axis] + dj) * inner + rest] = valueAttrs[i];
    }
    return DenseElementsAttr::get(type, dense);
  }
  return std::nullopt;
}

std::vector<int64_t> qsparse::channelMatrixPositions(const Contraction &c) {
  auto shape = cast<RankedTensorType>(c.getWeight().getType()).getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  // Walk channels (channelDims, row-major) then k (reductionDims in order).
  SmallVector<int64_t> order(c.channelDims);
  order.append(c.reductionDims.begin(), c.reductionDims.end());
  int64_t total = 1;
  for (int64_t s : shape)
    total *= s;
  std::vector<int64_t> positions(total);
  SmallVector<int64_t> index(order.size(), 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t pos = 0;
    for (auto [d, idx] : llvm::zip(order, index))
      pos += idx * strides[d];
    positions[i] = pos;
    for (int64_t j = order.size() - 1; j >= 0; --j) {
      if (++index[j] < shape[order[j]])
        break;
      index[j] = 0;
    }
  }
  return positions;
}

std::vector<double> qsparse::toChannelMatrix(const Contraction &c,
                                             DenseElementsAttr weight) {
  std::vector<double> flat;
  flat.reserve(weight.getNumElements());
  if (isa<FloatType>(weight.getElementType())) {
    for (const APFloat &v : weight.getValues<APFloat>())
      flat.push_back(v.convertToDouble());
  } else {
    for (const APInt &v : weight.getValues<APInt>())
      flat.push_back(double(v.getSExtValue()));
  }
  std::vector<int64_t> positions = channelMatrixPositions(c);
  std::vector<double> matrix(positions.size());
  for (auto [i, pos] : llvm::enumerate(positions))
    matrix[i] = flat[pos];
  return matrix;
}

std::vector<int64_t> qsparse::toIntChannelMatrix(const Contraction &c,
                                                 DenseElementsAttr weight,
                                                 bool isUnsigned) {
  std::vector<int64_t> flat;
  flat.reserve(weight.getNumElements());
  for (const APInt &v : weight.getValues<APInt>())
    flat.push_back(isUnsigned ? int64_t(v.getZExtValue()) : v.getSExtValue());
  std::vector<int64_t> positions = channelMatrixPositions(c);
  std::vector<int64_t> matrix(positions.size());
  for (auto [i, pos] : llvm::enumerate(positions))
    matrix[i] = flat[pos];
  return matrix;
}

std::vector<Operation *> qsparse::collectContractionOps(Operation *root) {
  std::vector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<MatmulOp, Conv2DOp, linalg::MatmulOp, linalg::BatchMatmulOp,
            linalg::QuantizedMatmulOp, linalg::Conv2DNhwcHwcfOp,
            linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNhwcHwcOp>(op))
      ops.push_back(op);
  });
  return ops;
}

std::vector<Contraction>
qsparse::collectContractions(Operation *root, DecisionReport *decisions) {
  std::vector<Contraction> contractions;
  for (Operation *op : collectContractionOps(root)) {
    std::string why;
    if (std::optional<Contraction> c = matchContraction(op, why))
      contractions.push_back(*c);
    else if (decisions)
      decisions->skip(op, why);
  }
  return contractions;
}

/// The accumulator's initial value per channel: 0 for qsparse ops; for linalg
/// ops the `outs` operand, when it is a constant fill or splat.
static std::optional<int64_t> constantInit(const Contraction &c) {
  auto dps = dyn_cast<DestinationStyleOpInterface>(c.op);
  if (!dps)
    return 0;
  Value init = dps.getDpsInits()[0];
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return constantInt(fill.getInputs()[0]);
  DenseIntElementsAttr attr;
  if (matchPattern(init, m_Constant(&attr)) && attr.isSplat())
    return attr.getSplatValue<APInt>().getSExtValue();
  return std::nullopt;
}

/// The values a producer can give an integer tensor, when it says: the grid of
/// a decoded code type, or the saturation range of a requantize; reshapes and
/// slices keep it.
static std::optional<numerics::InputRange> producedRange(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
            tensor::ExtractSliceOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    if (auto decode = dyn_cast<DecodeOp>(def)) {
      numerics::CodeFormat format =
          *getCodeFormat(decode.getInput().getType().getElementType());
      double lo = numerics::minGridValue(format);
      double hi = numerics::maxGridValue(format);
      if (lo < -9.0e15 || hi > 9.0e15)
        return std::nullopt;
      return numerics::InputRange{int64_t(lo), int64_t(hi)};
    }
    if (auto requantize = dyn_cast<RequantizeOp>(def))
      return numerics::InputRange{requantize.getEffectiveMin(),
                                  requantize.getEffectiveMax()};
    return std::nullopt;
  }
  return std::nullopt;
}

FailureOr<IntegerProblem> qsparse::getIntegerProblem(const Contraction &c,
                                                     std::string &whyNot) {
  if (c.isFloat()) {
    whyNot = "floating-point accumulator";
    return failure();
  }
  Type inputElement = cast<ShapedType>(c.getInput().getType()).getElementType();
  Type weightElement =
      cast<ShapedType>(c.getWeight().getType()).getElementType();
  if (!isa<IntegerType>(inputElement) || !isa<IntegerType>(weightElement)) {
    whyNot = "operands are not integers";
    return failure();
  }
  auto weight = evaluateConstant(c.getWeight());
  if (!weight) {
    whyNot = "weight is not a constant";
    return failure();
  }
  std::optional<int64_t> init = constantInit(c);
  if (!init) {
    whyNot = "accumulator init is not a constant fill";
    return failure();
  }
  IntegerProblem p;
  p.inputBits = inputElement.getIntOrFloatBitWidth();
  p.weightBits = weightElement.getIntOrFloatBitWidth();
  if (p.inputBits > 32 || p.weightBits > 32) {
    whyNot = "operands wider than 32 bits";
    return failure();
  }
  p.inputSigned = !c.inputUnsigned;
  p.input =
      numerics::inputRangeOf(p.inputBits, p.inputSigned, c.inputZeroPoint);
  // A producer may promise less than the type: narrow the range to it.
  if (std::optional<numerics::InputRange> produced =
          producedRange(c.getInput())) {
    numerics::InputRange type =
        numerics::inputRangeOf(p.inputBits, p.inputSigned, 0);
    if (produced->min >= type.min && produced->max <= type.max) {
      p.input.min = produced->min - c.inputZeroPoint;
      p.input.max = produced->max - c.inputZeroPoint;
    }
  }
  p.weights = toIntChannelMatrix(c, *weight, c.weightUnsigned);
  for (int64_t &w : p.weights)
    w -= c.weightZeroPoint;
  p.bias.assign(c.numChannels(), *init);
  return p;
}

AccBoundAttr qsparse::getAccumulatorBound(Operation *op) {
  if (auto m = dyn_cast<MatmulOp>(op))
    return m.getAccBoundAttr();
  if (auto conv = dyn_cast<Conv2DOp>(op))
    return conv.getAccBoundAttr();
  return op->getAttrOfType<AccBoundAttr>(kAccBoundAttrName);
}

void qsparse::setAccumulatorBound(Operation *op, AccBoundAttr bound) {
  if (auto m = dyn_cast<MatmulOp>(op))
    return m.setAccBoundAttr(bound);
  if (auto conv = dyn_cast<Conv2DOp>(op))
    return conv.setAccBoundAttr(bound);
  op->setAttr(kAccBoundAttrName, bound);
}

template <typename OpTy>
static Operation *rebuildNamed(OpBuilder &b, OpTy op, Value init,
                               Type resultType) {
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute attr : op->getAttrs())
    if (attr.getName() != "operandSegmentSizes")
      attrs.push_back(attr);
  return OpTy::create(b, op.getLoc(), TypeRange{resultType}, op.getDpsInputs(),
                      ValueRange{init}, attrs);
}

FailureOr<Value> qsparse::cloneWithAccumulator(OpBuilder &b,
                                               const Contraction &c,
                                               IntegerType accumulator,
                                               std::string &whyNot) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(c.op);
  auto resultType = cast<RankedTensorType>(c.op->getResult(0).getType());
  auto newType = resultType.clone(accumulator);
  if (isa<MatmulOp, Conv2DOp>(c.op)) {
    Operation *clone = b.clone(*c.op);
    clone->getResult(0).setType(newType);
    return clone->getResult(0);
  }
  std::optional<int64_t> init = constantInit(c);
  if (!init) {
    whyNot = "accumulator init is not a constant fill";
    return failure();
  }
  Location loc = c.op->getLoc();
  Value empty =
      tensor::EmptyOp::create(b, loc, newType.getShape(), accumulator);
  APInt initBits(accumulator.getWidth(), *init, /*isSigned=*/true,
                 /*implicitTrunc=*/true);
  Value scalar = arith::ConstantOp::create(
      b, loc, accumulator, b.getIntegerAttr(accumulator, initBits));
  Value filled = linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
  Operation *rebuilt =
      llvm::TypeSwitch<Operation *, Operation *>(c.op)
          .Case<linalg::MatmulOp, linalg::BatchMatmulOp,
                linalg::QuantizedMatmulOp, linalg::Conv2DNhwcHwcfOp,
                linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNhwcHwcOp>(
              [&](auto op) { return rebuildNamed(b, op, filled, newType); })
          .Default([](Operation *) { return nullptr; });
  if (!rebuilt) {
    whyNot = "unsupported contraction";
    return failure();
  }
  return rebuilt->getResult(0);
}

std::string qsparse::locationString(Location loc) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << loc;
  return s;
}

llvm::json::Object &DecisionReport::add(Operation *op) {
  entries.emplace_back();
  llvm::json::Object &entry = entries.back();
  entry["loc"] = locationString(op->getLoc());
  entry["op"] = op->getName().getStringRef().str();
  return entry;
}

void DecisionReport::skip(Operation *op, StringRef reason) {
  add(op)["skipped"] = reason.str();
}

LogicalResult DecisionReport::write(StringRef path, Operation *anchor) {
  if (path.empty())
    return success();
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return anchor->emitError()
           << "cannot write report '" << path << "': " << ec.message();
  llvm::json::Array array;
  for (llvm::json::Object &entry : entries)
    array.push_back(std::move(entry));
  entries.clear();
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(array))) << "\n";
  return success();
}

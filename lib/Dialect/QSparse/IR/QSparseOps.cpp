//===- QSparseOps.cpp - qsparse op verifiers and folders ------------------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Numerics/AccumulatorBounds.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

#include <cstring>

using namespace mlir;
using namespace qsparse;

#define GET_OP_CLASSES
#include "qsparse/Dialect/QSparse/IR/QSparseOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static LogicalResult verifySameShape(Operation *op, ShapedType a, ShapedType b,
                                     StringRef what) {
  if (a.getShape() != b.getShape())
    return op->emitOpError() << what << " shape must equal the input shape";
  return success();
}

/// Scales are one per slice along `axis`, or a single one without an axis.
static LogicalResult verifyPerAxis(Operation *op, ShapedType tensor,
                                   int64_t count, std::optional<int64_t> axis,
                                   StringRef what) {
  if (!axis) {
    if (count != 1 && count != ShapedType::kDynamic)
      return op->emitOpError() << "without an axis there must be exactly one "
                               << what << ", got " << count;
    return success();
  }
  if (*axis < 0 || *axis >= tensor.getRank())
    return op->emitOpError()
           << "axis " << *axis << " is out of range for a rank-"
           << tensor.getRank() << " tensor";
  int64_t dim = tensor.getDimSize(*axis);
  if (dim != ShapedType::kDynamic && count != ShapedType::kDynamic &&
      dim != count)
    return op->emitOpError()
           << what << " count " << count << " does not match dimension "
           << *axis << " of size " << dim;
  return success();
}

static LogicalResult verifyScales(Operation *op, ShapedType tensor,
                                  RankedTensorType scales,
                                  std::optional<int64_t> axis, Type floatType) {
  if (scales.getRank() != 1)
    return op->emitOpError()
           << "scales must be a 1-D tensor, got rank " << scales.getRank();
  if (scales.getElementType() != floatType)
    return op->emitOpError()
           << "scale element type " << scales.getElementType()
           << " must equal the float element type " << floatType;
  return verifyPerAxis(op, tensor, scales.getDimSize(0), axis, "scale");
}

static LogicalResult verifyCodeElement(Operation *op, Type element) {
  auto format = getCodeFormat(element);
  if (!format)
    return op->emitOpError() << "expected a code element type, got " << element;
  std::string why = numerics::verifyFormat(*format);
  if (!why.empty())
    return op->emitOpError() << why;
  return success();
}

//===----------------------------------------------------------------------===//
// quantize / dequantize / decode / bitcast
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (failed(verifySameShape(*this, in, out, "result")) ||
      failed(verifyCodeElement(*this, out.getElementType())))
    return failure();
  return verifyScales(*this, in, getScales().getType(), getAxis(),
                      in.getElementType());
}

LogicalResult DequantizeOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (failed(verifySameShape(*this, in, out, "result")) ||
      failed(verifyCodeElement(*this, in.getElementType())))
    return failure();
  return verifyScales(*this, in, getScales().getType(), getAxis(),
                      out.getElementType());
}

LogicalResult DecodeOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (failed(verifySameShape(*this, in, out, "result")) ||
      failed(verifyCodeElement(*this, in.getElementType())))
    return failure();
  numerics::CodeFormat format = *getCodeFormat(in.getElementType());
  unsigned needed = numerics::decodedSignedBits(format);
  unsigned width = out.getElementType().getIntOrFloatBitWidth();
  if (width < needed)
    return emitOpError() << "result element type " << out.getElementType()
                         << " is too narrow for " << in.getElementType()
                         << ": its values need " << needed << " bits";
  return success();
}

LogicalResult BitcastOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (failed(verifySameShape(*this, in, out, "result")) ||
      failed(verifyCodeElement(*this, in.getElementType())) ||
      failed(verifyCodeElement(*this, out.getElementType())))
    return failure();
  unsigned inBits = getCodeStorageType(in.getElementType()).getWidth();
  unsigned outBits = getCodeStorageType(out.getElementType()).getWidth();
  if (inBits != outBits)
    return emitOpError() << "storage widths differ: " << in.getElementType()
                         << " is stored in " << inBits << " bits, "
                         << out.getElementType() << " in " << outBits;
  return success();
}

OpFoldResult BitcastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto producer = getInput().getDefiningOp<BitcastOp>())
    if (producer.getInput().getType() == getType())
      return producer.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// requantize
//===----------------------------------------------------------------------===//

int64_t RequantizeOp::getEffectiveMin() {
  if (auto min = getOutMin())
    return *min;
  unsigned width = getResult().getType().getElementTypeBitWidth();
  return width >= 64 ? INT64_MIN : -(int64_t(1) << (width - 1));
}

int64_t RequantizeOp::getEffectiveMax() {
  if (auto max = getOutMax())
    return *max;
  unsigned width = getResult().getType().getElementTypeBitWidth();
  return width >= 64 ? INT64_MAX : (int64_t(1) << (width - 1)) - 1;
}

LogicalResult RequantizeOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (failed(verifySameShape(*this, in, out, "result")))
    return failure();
  if (in.getElementTypeBitWidth() > 64 || out.getElementTypeBitWidth() > 64)
    return emitOpError("input and result integers must be at most 64 bits");
  ArrayRef<int32_t> multiplier = getMultiplier(), shift = getShift();
  if (multiplier.size() != shift.size())
    return emitOpError() << "multiplier has " << multiplier.size()
                         << " entries but shift has " << shift.size();
  if (failed(
          verifyPerAxis(*this, in, multiplier.size(), getAxis(), "multiplier")))
    return failure();
  for (int32_t m : multiplier)
    if (m <= 0)
      return emitOpError() << "multiplier must be positive, got " << m;
  for (int32_t s : shift)
    if (s < 0 || s > 63)
      return emitOpError() << "shift must be in [0, 63], got " << s;
  int64_t min = getEffectiveMin(), max = getEffectiveMax();
  if (min > max)
    return emitOpError() << "out_min = " << min << " exceeds out_max = " << max;
  unsigned width = out.getElementTypeBitWidth();
  if (numerics::storageBitsForRange(min, max) > width)
    return emitOpError() << "saturation range [" << min << ", " << max
                         << "] does not fit the " << out.getElementType()
                         << " result";
  return success();
}

//===----------------------------------------------------------------------===//
// nm_compress / nm_decompress
//===----------------------------------------------------------------------===//

/// `dense` and `compressed` differ only along `axis`, by the factor N/M.
static LogicalResult verifyNMShapes(Operation *op, RankedTensorType dense,
                                    RankedTensorType compressed,
                                    RankedTensorType metadata, NMAttr nm,
                                    int64_t axis) {
  if (dense.getRank() != compressed.getRank())
    return op->emitOpError("compressed values must have the rank of the dense "
                           "tensor");
  if (axis < 0 || axis >= dense.getRank())
    return op->emitOpError()
           << "axis " << axis << " is out of range for a rank-"
           << dense.getRank() << " tensor";
  if (dense.getElementType() != compressed.getElementType())
    return op->emitOpError(
        "compressed values must have the dense element type");
  if (metadata.getShape() != compressed.getShape())
    return op->emitOpError("metadata shape must equal the compressed values "
                           "shape");
  for (int64_t d = 0; d < dense.getRank(); ++d) {
    int64_t full = dense.getDimSize(d), kept = compressed.getDimSize(d);
    if (d != axis) {
      if (full != kept)
        return op->emitOpError() << "compressed dimension " << d << " has size "
                                 << kept << ", expected " << full;
      continue;
    }
    if (ShapedType::isDynamic(full) || ShapedType::isDynamic(kept))
      continue;
    if (full % nm.getM() != 0)
      return op->emitOpError() << "dimension " << d << " of size " << full
                               << " is not a multiple of M = " << nm.getM();
    int64_t expected = full / nm.getM() * nm.getN();
    if (kept != expected)
      return op->emitOpError()
             << "compressed dimension " << d << " has size " << kept
             << ", expected " << expected << " (= " << full << " * "
             << nm.getN() << " / " << nm.getM() << ")";
  }
  return success();
}

LogicalResult NMCompressOp::verify() {
  if (getSparsity().getTransposable())
    return emitOpError("compressed storage is defined for plain N:M masks; "
                       "a transposable mask is stored as its row-wise N:M");
  return verifyNMShapes(*this, getInput().getType(), getValues().getType(),
                        getMetadata().getType(), getSparsity(), getAxis());
}

LogicalResult NMDecompressOp::verify() {
  if (getSparsity().getTransposable())
    return emitOpError("compressed storage is defined for plain N:M masks; "
                       "a transposable mask is stored as its row-wise N:M");
  return verifyNMShapes(*this, getResult().getType(), getValues().getType(),
                        getMetadata().getType(), getSparsity(), getAxis());
}

//===----------------------------------------------------------------------===//
// matmul / conv2d
//===----------------------------------------------------------------------===//

static bool fitsInteger(int64_t value, unsigned width, bool isUnsigned) {
  if (width >= 64)
    return true;
  if (isUnsigned)
    return value >= 0 && value <= (int64_t(1) << width) - 1;
  return value >= -(int64_t(1) << (width - 1)) &&
         value <= (int64_t(1) << (width - 1)) - 1;
}

/// Checks a constant weight against its N:M mask. `weight` is viewed as
/// [outer..., K, F] after `reductionDim` and `outputDim` are picked out; groups
/// of M run along K, and transposable masks also bound every M x M tile's
/// columns (along F).
static LogicalResult verifyConstantMask(Operation *op, Value weight, NMAttr nm,
                                        int64_t reductionDim,
                                        int64_t outputDim) {
  DenseIntElementsAttr values;
  if (!matchPattern(weight, m_Constant(&values)))
    return success();
  auto type = cast<RankedTensorType>(weight.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  unsigned n = nm.getN(), m = nm.getM();
  int64_t total = type.getNumElements();
  if (values.isSplat()) {
    if (values.getSplatValue<APInt>().isZero() || n == m)
      return success();
    return op->emitOpError()
           << "constant weight violates " << nm << ": it is a nonzero splat";
  }
  SmallVector<bool> nonzero;
  nonzero.reserve(total);
  for (const APInt &v : values.getValues<APInt>())
    nonzero.push_back(!v.isZero());
  int64_t kStride = strides[reductionDim], fStride = strides[outputDim];
  int64_t kSize = shape[reductionDim], fSize = shape[outputDim];
  // Enumerate every element with k % M == 0 (and f % M == 0 when tiles).
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t k = (flat / kStride) % kSize, f = (flat / fStride) % fSize;
    if (k % m != 0)
      continue;
    unsigned count = 0;
    for (unsigned i = 0; i < m; ++i)
      count += nonzero[flat + i * kStride];
    if (count > n)
      return op->emitOpError()
             << "constant weight violates " << nm << ": the group at index "
             << flat << " along dimension " << reductionDim << " has " << count
             << " nonzeros";
    if (!nm.getTransposable() || f % m != 0)
      continue;
    for (unsigned i = 0; i < m; ++i) {
      unsigned rowCount = 0;
      for (unsigned j = 0; j < m; ++j)
        rowCount += nonzero[flat + i * kStride + j * fStride];
      if (rowCount > n)
        return op->emitOpError()
               << "constant weight violates " << nm << ": the " << m << "x" << m
               << " tile at index " << flat << " has " << rowCount
               << " nonzeros in one row along dimension " << outputDim;
    }
  }
  return success();
}

template <typename OpTy>
static LogicalResult verifyContraction(OpTy op, int64_t reductionDim,
                                       int64_t outputDim) {
  auto input = op.getInput().getType();
  auto weight = op.getWeight().getType();
  auto result = op.getResult().getType();
  unsigned accBits = result.getElementTypeBitWidth();
  // I64Attr getters return the bits as uint64_t; the values are signed.
  int64_t inputZp = op.getInputZeroPoint(), weightZp = op.getWeightZeroPoint();
  if (!fitsInteger(inputZp, input.getElementTypeBitWidth(),
                   op.getInputUnsigned()))
    return op.emitOpError() << "input_zero_point = " << inputZp
                            << " is outside the range of the "
                            << (op.getInputUnsigned() ? "unsigned " : "")
                            << input.getElementType() << " input";
  if (!fitsInteger(weightZp, weight.getElementTypeBitWidth(), false))
    return op.emitOpError() << "weight_zero_point = " << weightZp
                            << " is outside the range of the "
                            << weight.getElementType() << " weight";
  if (accBits > 64)
    return op.emitOpError("accumulator must be at most 64 bits");
  if (auto bound = op.getAccBoundAttr()) {
    if (accBits < bound.getRequiredBits())
      return op.emitOpError()
             << "accumulator type " << result.getElementType()
             << " is narrower than the proven bound " << bound
             << ", which needs " << bound.getRequiredBits() << " bits";
  }
  if (auto nm = op.getWeightSparsityAttr()) {
    int64_t k = weight.getDimSize(reductionDim);
    if (!ShapedType::isDynamic(k) && k % nm.getM() != 0)
      return op.emitOpError() << "weight reduction dimension of size " << k
                              << " is not a multiple of M = " << nm.getM()
                              << " required by " << nm;
    int64_t f = weight.getDimSize(outputDim);
    if (nm.getTransposable() && !ShapedType::isDynamic(f) && f % nm.getM() != 0)
      return op.emitOpError() << "weight output dimension of size " << f
                              << " is not a multiple of M = " << nm.getM()
                              << " required by transposable " << nm;
    if (weight.hasStaticShape() &&
        failed(verifyConstantMask(op, op.getWeight(), nm, reductionDim,
                                  outputDim)))
      return failure();
  }
  return success();
}

static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult MatmulOp::verify() {
  auto input = getInput().getType();
  auto weight = getWeight().getType();
  auto result = getResult().getType();
  if (input.getRank() != 2 || weight.getRank() != 2 || result.getRank() != 2)
    return emitOpError("input, weight and result must be 2-D ([M, K], [K, N], "
                       "[M, N])");
  if (!compatible(input.getDimSize(1), weight.getDimSize(0)))
    return emitOpError() << "reduction sizes differ: input has K = "
                         << input.getDimSize(1)
                         << ", weight has K = " << weight.getDimSize(0);
  if (!compatible(result.getDimSize(0), input.getDimSize(0)) ||
      !compatible(result.getDimSize(1), weight.getDimSize(1)))
    return emitOpError() << "result shape must be [" << input.getDimSize(0)
                         << ", " << weight.getDimSize(1) << "]";
  return verifyContraction(*this, /*reductionDim=*/0, /*outputDim=*/1);
}

int64_t MatmulOp::getReductionSize() {
  return getInput().getType().getDimSize(1);
}

int64_t MatmulOp::getMultiplyAdds() {
  auto result = getResult().getType();
  if (!result.hasStaticShape() || ShapedType::isDynamic(getReductionSize()))
    return 0;
  return result.getNumElements() * getReductionSize();
}

LogicalResult Conv2DOp::verify() {
  auto input = getInput().getType();
  auto weight = getWeight().getType();
  auto result = getResult().getType();
  if (input.getRank() != 4 || weight.getRank() != 4 || result.getRank() != 4)
    return emitOpError("input, weight and result must be 4-D (NHWC, HWCF, "
                       "NHWF)");
  ArrayRef<int64_t> strides = getStrides(), dilations = getDilations(),
                    padding = getPadding();
  if (strides.size() != 2 || dilations.size() != 2)
    return emitOpError("strides and dilations must have 2 entries (H, W)");
  if (padding.size() != 4)
    return emitOpError("padding must have 4 entries [top, left, bottom, "
                       "right]");
  for (int64_t v : llvm::concat<const int64_t>(strides, dilations))
    if (v <= 0)
      return emitOpError() << "strides and dilations must be positive, got "
                           << v;
  for (int64_t p : padding)
    if (p < 0)
      return emitOpError() << "padding must be non-negative, got " << p;
  if (!compatible(input.getDimSize(3), weight.getDimSize(2)))
    return emitOpError() << "channel counts differ: input has C = "
                         << input.getDimSize(3)
                         << ", weight has C = " << weight.getDimSize(2);
  if (!compatible(result.getDimSize(0), input.getDimSize(0)) ||
      !compatible(result.getDimSize(3), weight.getDimSize(3)))
    return emitOpError("result batch and channels must match the input batch "
                       "and the weight's F");
  for (int d = 0; d < 2; ++d) {
    int64_t size = input.getDimSize(1 + d), k = weight.getDimSize(d);
    int64_t out = result.getDimSize(1 + d);
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(k) ||
        ShapedType::isDynamic(out))
      continue;
    int64_t padded = size + padding[d] + padding[d + 2];
    int64_t span = dilations[d] * (k - 1) + 1;
    if (padded < span)
      return emitOpError() << "the dilated kernel (" << span
                           << ") is larger than the padded input (" << padded
                           << ") along " << (d == 0 ? "H" : "W");
    int64_t expected = (padded - span) / strides[d] + 1;
    if (out != expected)
      return emitOpError() << "result " << (d == 0 ? "H" : "W") << " is " << out
                           << ", expected " << expected;
  }
  return verifyContraction(*this, /*reductionDim=*/2, /*outputDim=*/3);
}

int64_t Conv2DOp::getReductionSize() {
  auto weight = getWeight().getType();
  if (!weight.hasStaticShape())
    return ShapedType::kDynamic;
  return weight.getDimSize(0) * weight.getDimSize(1) * weight.getDimSize(2);
}

int64_t Conv2DOp::getMultiplyAdds() {
  auto result = getResult().getType();
  if (!result.hasStaticShape() || ShapedType::isDynamic(getReductionSize()))
    return 0;
  return result.getNumElements() * getReductionSize();
}

std::optional<DenseElementsAttr> qsparse::getConstantElements(Value value) {
  DenseElementsAttr attr;
  if (matchPattern(value, m_Constant(&attr)))
    return attr;
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return std::nullopt;
  return asDenseElements(constant.getValue());
}

std::optional<DenseElementsAttr> qsparse::asDenseElements(Attribute value) {
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value))
    return dense;
  auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  auto type = cast<ShapedType>(resource.getType());
  if (!blob || !type.getElementType().isIntOrFloat() ||
      type.getElementType().isInteger(1))
    return std::nullopt;
  ArrayRef<char> data = blob->getData();
  if (int64_t(data.size()) !=
      type.getNumElements() * (type.getElementTypeBitWidth() / 8))
    return std::nullopt;
  return DenseElementsAttr::getFromRawBuffer(type, data);
}

DenseElementsAttr qsparse::permuteElements(DenseElementsAttr attr,
                                           ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(attr.getType());
  SmallVector<int64_t> shape = applyPermutation(type.getShape(), perm);
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

//===- QDQ.cpp - QDQ-quantized contractions as qsparse ops ----------------===//
//
// Part of the qsparse project.
//
// Quantized ONNX models in QDQ form (as onnxruntime's quantize_static and
// PyTorch's quantized export write them) compute every Conv/Gemm/MatMul in
// float on DequantizeLinear outputs. Where both operands are dequantized
// with constant parameters, the importer reads through the dequantization
// and emits the integer contraction the model means: qsparse.conv2d or
// qsparse.matmul on the int8/uint8 tensors with an i32 accumulator, then one
// elementwise op that applies x_scale * w_scale (per output channel) and the
// float bias. The real-number result is the float graph's; only float
// rounding differs. The deciding passes (accumulator analysis, sparsify)
// then see integer contractions with constant weights.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Numerics/Quantization.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::onnx_import;

Value onnx_import::permute(OpBuilder &b, Location loc, Value v,
                           ArrayRef<int64_t> perm, ArrayRef<int64_t> reshaped) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> outShape;
  for (int64_t p : perm)
    outShape.push_back(shape[p]);
  // The type the caller gets: the permuted shape, or `reshaped` (the same
  // elements in the same order).
  auto resultType = RankedTensorType::get(
      reshaped.empty() ? ArrayRef<int64_t>(outShape) : reshaped,
      type.getElementType());
  std::optional<DenseElementsAttr> dense = getConstantElements(v);
  unsigned width = type.getElementTypeBitWidth();
  if (dense && dense->isSplat())
    return arith::ConstantOp::create(b, loc, dense->reshape(resultType));
  if (dense && width % 8 == 0) {
    ArrayRef<char> raw = dense->getRawData();
    unsigned bytes = width / 8, rank = shape.size();
    // Input strides, taken in the output's dimension order.
    SmallVector<int64_t> strides(rank, 1), outStrides(rank);
    for (int64_t d = int64_t(rank) - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * shape[d + 1];
    for (unsigned d = 0; d < rank; ++d)
      outStrides[d] = strides[perm[d]];
    std::vector<char> out(raw.size());
    SmallVector<int64_t> index(rank, 0);
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
      int64_t from = 0;
      for (unsigned d = 0; d < rank; ++d)
        from += index[d] * outStrides[d];
      std::memcpy(&out[i * bytes], &raw[from * bytes], bytes);
      for (int64_t d = int64_t(rank) - 1; d >= 0 && ++index[d] == outShape[d];
           --d)
        index[d] = 0;
    }
    auto cst = v.getDefiningOp<arith::ConstantOp>();
    Attribute attr;
    if (auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
      attr = DenseResourceElementsAttr::get(
          resultType, res.getRawHandle().getKey().str() + "_t",
          HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(out),
                                                        8));
    else
      attr = DenseElementsAttr::getFromRawBuffer(resultType, out);
    return arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
  }
  Value init = emptyTensor(b, loc, outShape, type.getElementType());
  Value t = linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
  return reshaped.empty() ? t : reshapeTo(b, loc, t, reshaped);
}

namespace {

/// One quantized operand of a QDQ contraction.
struct QuantizedOperand {
  Value quantized;
  bool isUnsigned = false;
  int64_t zeroPoint = 0;
  SmallVector<double> scales;
};

const Importer::Dequantized *dequantizedOf(Node &node, unsigned input) {
  if (!node.has(input))
    return nullptr;
  auto it = node.importer.dequantized.find(node.in(input).value);
  return it == node.importer.dequantized.end() ? nullptr : &it->second;
}

/// The activation: int8 or uint8, one scale and one zero point.
std::optional<QuantizedOperand> activation(Node &node, unsigned input) {
  const Importer::Dequantized *d = dequantizedOf(node, input);
  if (!d || d->scales.size() != 1 || d->zeroPoints.size() > 1)
    return std::nullopt;
  QuantizedOperand q;
  q.quantized = d->quantized.value;
  q.isUnsigned = d->quantized.dtype == onnx::TensorProto::UINT8;
  q.zeroPoint = d->zeroPoints.empty() ? 0 : d->zeroPoints[0];
  q.scales = d->scales;
  return q;
}

/// The weight: a constant int8 tensor, scales per tensor or along
/// `channelAxis`, and one zero point (per-channel zero points all equal).
std::optional<QuantizedOperand> weight(Node &node, unsigned input,
                                       int64_t channelAxis) {
  const Importer::Dequantized *d = dequantizedOf(node, input);
  if (!d || d->quantized.dtype != onnx::TensorProto::INT8 ||
      !getConstantElements(d->quantized.value))
    return std::nullopt;
  int64_t channels = d->quantized.shape()[channelAxis];
  bool perChannel = d->scales.size() != 1;
  if (perChannel &&
      (d->axis != channelAxis || int64_t(d->scales.size()) != channels))
    return std::nullopt;
  if (!d->zeroPoints.empty() && llvm::any_of(d->zeroPoints, [&](int64_t z) {
        return z != d->zeroPoints[0];
      }))
    return std::nullopt;
  QuantizedOperand q;
  q.quantized = d->quantized.value;
  q.zeroPoint = d->zeroPoints.empty() ? 0 : d->zeroPoints[0];
  q.scales = d->scales;
  if (!perChannel)
    q.scales.assign(channels, d->scales[0]);
  return q;
}

/// The weight for the contraction: the int8 constant `weight` (already in
/// the contraction's layout, output channels along `channelAxis`) as it is,
/// or, with --qdq-weights=flint4, re-encoded: the dequantized values get
/// signed flint4 codes and per-channel scales (numerics::quantizePerChannel,
/// DESIGN 3.1), the weight becomes qsparse.decode of the constant codes
/// (small integers, exact) and `w` takes the flint4 scales, zero point 0.
Value contractionWeight(Node &node, Value weight, int64_t channelAxis,
                        QuantizedOperand &w) {
  if (node.importer.options.qdqWeights != ImportOptions::QdqWeights::Flint4)
    return weight;
  OpBuilder &b = node.b;
  Location loc = node.loc;
  auto type = cast<RankedTensorType>(weight.getType());
  std::optional<DenseElementsAttr> values = getConstantElements(weight);
  if (!values)
    return weight;
  ArrayRef<int64_t> shape = type.getShape();
  if (type.getNumElements() == 0)
    return weight; // nothing to encode
  int64_t channels = shape[channelAxis], inner = 1;
  for (int64_t d = channelAxis + 1; d < int64_t(shape.size()); ++d)
    inner *= shape[d];
  int64_t count = type.getNumElements(), perChannel = count / channels;
  // Channel-major matrix of the dequantized weights and, per element, its
  // position in it.
  std::vector<double> matrix(count);
  std::vector<int64_t> slot(count);
  std::vector<int64_t> filled(channels, 0);
  int64_t i = 0;
  for (const APInt &v : values->getValues<APInt>()) {
    int64_t c = (i / inner) % channels;
    slot[i] = c * perChannel + filled[c]++;
    matrix[slot[i]] = double(v.getSExtValue() - w.zeroPoint) * w.scales[c];
    ++i;
  }
  numerics::CodeFormat format{numerics::CodeKind::Flint, 4, true};
  numerics::TensorQuantization q =
      numerics::quantizePerChannel(matrix.data(), channels, perChannel, format);
  SmallVector<APInt> codes;
  for (int64_t e = 0; e < count; ++e)
    codes.push_back(APInt(8, q.codes[slot[e]]));
  Value stored = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<APInt>(codes)));
  Type flint4 = FlintType::get(b.getContext(), 4, /*isSigned=*/true);
  Value coded =
      BitcastOp::create(b, loc, type.clone(flint4), stored).getResult();
  w.zeroPoint = 0;
  for (int64_t c = 0; c < channels; ++c)
    w.scales[c] = q.channels[c].scale;
  return DecodeOp::create(b, loc, type, coded).getResult();
}

/// y[i] = float(acc[accMap(i)]) * scale[c] + bias[c], c = i[channelDim],
/// scale = x_scale * w_scale (rounded to f32), over `outShape`.
Value dequantizeAccumulator(Node &node, Value acc, AffineMap accMap,
                            ArrayRef<int64_t> outShape, unsigned channelDim,
                            double xScale, ArrayRef<double> wScales, Value bias,
                            Value offset = {}) {
  OpBuilder &b = node.b;
  Location loc = node.loc;
  MLIRContext *context = b.getContext();
  Type f32 = b.getF32Type();
  SmallVector<float> scales;
  for (double s : wScales)
    scales.push_back(float(xScale * s));
  auto scaleType = RankedTensorType::get({int64_t(scales.size())}, f32);
  Value scale = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scaleType, ArrayRef<float>(scales)));
  unsigned rank = outShape.size();
  AffineMap channel =
      AffineMap::get(rank, 0, getAffineDimExpr(channelDim, context));
  SmallVector<Value> inputs{acc, scale};
  SmallVector<AffineMap> maps{accMap, channel};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(channel);
  }
  if (offset) {
    inputs.push_back(offset);
    maps.push_back(channel);
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = emptyTensor(b, loc, outShape, f32);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value a = args[0];
               if (offset)
                 a = arith::SubIOp::create(nb, l, a, args[bias ? 3 : 2]);
               Value v = arith::SIToFPOp::create(nb, l, f32, a);
               v = arith::MulFOp::create(nb, l, v, args[1]);
               if (bias)
                 v = arith::AddFOp::create(nb, l, v, args[2]);
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

/// A float32 1-D bias of `size` elements at input `input`, null if absent;
/// failure when present with another shape or type.
FailureOr<Value> bias(Node &node, unsigned input, int64_t size) {
  if (!node.has(input))
    return Value();
  const OnnxValue &v = node.in(input);
  if (v.dtype != onnx::TensorProto::FLOAT || v.rank() != 1 ||
      v.shape()[0] != size)
    return failure();
  return v.value;
}

} // namespace

/// The depthwise case of importQdqConv: x [N, C, H, W], w [C, 1, KH, KW].
/// linalg.depthwise_conv_2d_nhwc_hwc extends its operands as signed, so a
/// uint8 x is moved to int8 (x ^ 0x80 = x - 128, zero point - 128); the
/// image is padded with the zero point and the MAC reads raw values, so
/// acc[c] - zx * sum(w[., ., c]) = sum (x - zx) * w exactly.
static std::optional<Value> importQdqDepthwise(Node &node,
                                               ArrayRef<int64_t> strides,
                                               ArrayRef<int64_t> dilations,
                                               ArrayRef<int64_t> padding,
                                               ArrayRef<int64_t> out) {
  std::optional<QuantizedOperand> x = activation(node, 0);
  std::optional<QuantizedOperand> w = weight(node, 1, 0);
  if (!x || !w || w->zeroPoint != 0)
    return std::nullopt;
  auto xType = cast<RankedTensorType>(x->quantized.getType());
  auto wType = cast<RankedTensorType>(w->quantized.getType());
  int64_t batch = xType.getDimSize(0), channels = xType.getDimSize(1);
  if (wType.getDimSize(0) != channels || wType.getDimSize(1) != 1)
    return std::nullopt;
  FailureOr<Value> b = bias(node, 2, channels);
  if (failed(b))
    return std::nullopt;
  OpBuilder &builder = node.b;
  Location loc = node.loc;
  Type i8 = builder.getI8Type(), i32 = builder.getI32Type();
  Value image = x->quantized;
  int64_t zeroPoint = x->zeroPoint;
  if (x->isUnsigned) {
    image = elementwise(builder, loc, {image}, xType.getShape(), i8,
                        [&](OpBuilder &nb, Location l, ValueRange args) {
                          return arith::XOrIOp::create(
                              nb, l, args[0], scalarConstant(nb, l, i8, -128));
                        });
    zeroPoint -= 128;
  }
  image = padSpatial(builder, loc, image, {padding[0], padding[1]},
                     {padding[2], padding[3]},
                     scalarConstant(builder, loc, i8, zeroPoint));
  image = permute(builder, loc, image, {0, 2, 3, 1});
  int64_t kh = wType.getDimSize(2), kw = wType.getDimSize(3);
  Value filter = contractionWeight(
      node,
      permute(builder, loc, w->quantized, {2, 3, 0, 1}, {kh, kw, channels}), 2,
      *w);
  SmallVector<int64_t> accShape{batch, out[0], out[1], channels};
  Value init = filledTensor(builder, loc, accShape, i32,
                            scalarConstant(builder, loc, i32, 0));
  Value acc =
      linalg::DepthwiseConv2DNhwcHwcOp::create(
          builder, loc, TypeRange{init.getType()}, ValueRange{image, filter},
          ValueRange{init}, builder.getI64TensorAttr(strides),
          builder.getI64TensorAttr(dilations))
          .getResult(0);
  // zx * sum over the window of w, per channel.
  Value offset;
  if (zeroPoint != 0) {
    MLIRContext *context = builder.getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    auto red = utils::IteratorType::reduction;
    Value sums = filledTensor(builder, loc, {channels}, i32,
                              scalarConstant(builder, loc, i32, 0));
    offset =
        linalg::GenericOp::create(
            builder, loc, TypeRange{sums.getType()}, ValueRange{filter},
            ValueRange{sums},
            SmallVector<AffineMap>{
                AffineMap::get(3, 0, {d(0), d(1), d(2)}, context),
                AffineMap::get(3, 0, {d(2)}, context)},
            SmallVector<utils::IteratorType>{red, red,
                                             utils::IteratorType::parallel},
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value v = arith::ExtSIOp::create(nb, l, i32, args[0]);
              v = arith::MulIOp::create(nb, l, v,
                                        scalarConstant(nb, l, i32, zeroPoint));
              linalg::YieldOp::create(
                  nb, l, arith::AddIOp::create(nb, l, args[1], v).getResult());
            })
            .getResult(0);
  }
  MLIRContext *context = builder.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  AffineMap accMap = AffineMap::get(4, 0, {d(0), d(2), d(3), d(1)}, context);
  return dequantizeAccumulator(node, acc, accMap,
                               {batch, channels, out[0], out[1]}, 1,
                               x->scales[0], w->scales, *b, offset);
}

std::optional<Value> onnx_import::importQdqConv(Node &node,
                                                ArrayRef<int64_t> strides,
                                                ArrayRef<int64_t> dilations,
                                                ArrayRef<int64_t> padding,
                                                ArrayRef<int64_t> out) {
  if (node.in(0).rank() != 4 || node.in(0).dtype != onnx::TensorProto::FLOAT)
    return std::nullopt;
  int64_t groups = node.getInt("group", 1);
  if (groups != 1) {
    if (groups != node.in(0).shape()[1])
      return std::nullopt;
    return importQdqDepthwise(node, strides, dilations, padding, out);
  }
  std::optional<QuantizedOperand> x = activation(node, 0);
  std::optional<QuantizedOperand> w = weight(node, 1, 0);
  if (!x || !w)
    return std::nullopt;
  auto xType = cast<RankedTensorType>(x->quantized.getType());
  auto wType = cast<RankedTensorType>(w->quantized.getType());
  int64_t batch = xType.getDimSize(0), filters = wType.getDimSize(0);
  FailureOr<Value> b = bias(node, 2, filters);
  if (failed(b))
    return std::nullopt;
  OpBuilder &builder = node.b;
  Location loc = node.loc;
  Value image = permute(builder, loc, x->quantized, {0, 2, 3, 1});
  Value filter = contractionWeight(
      node, permute(builder, loc, w->quantized, {2, 3, 1, 0}), 3, *w);
  auto accType = RankedTensorType::get({batch, out[0], out[1], filters},
                                       builder.getI32Type());
  Value acc =
      Conv2DOp::create(builder, loc, accType, image, filter,
                       builder.getDenseI64ArrayAttr(strides),
                       builder.getDenseI64ArrayAttr(dilations),
                       builder.getDenseI64ArrayAttr(padding),
                       builder.getI64IntegerAttr(x->zeroPoint),
                       builder.getI64IntegerAttr(w->zeroPoint),
                       x->isUnsigned ? builder.getUnitAttr() : UnitAttr(),
                       AccBoundAttr(), NMAttr());
  // (n, m, oh, ow) reads acc[n, oh, ow, m].
  MLIRContext *context = builder.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  AffineMap accMap = AffineMap::get(4, 0, {d(0), d(2), d(3), d(1)}, context);
  return dequantizeAccumulator(node, acc, accMap,
                               {batch, filters, out[0], out[1]}, 1,
                               x->scales[0], w->scales, *b);
}

std::optional<Value> onnx_import::importQdqMatmul(Node &node, bool transB) {
  if (node.in(0).rank() != 2 || !node.has(1) || node.in(1).rank() != 2 ||
      node.in(0).dtype != onnx::TensorProto::FLOAT)
    return std::nullopt;
  std::optional<QuantizedOperand> a = activation(node, 0);
  std::optional<QuantizedOperand> w = weight(node, 1, transB ? 0 : 1);
  if (!a || !w)
    return std::nullopt;
  auto bType = cast<RankedTensorType>(w->quantized.getType());
  int64_t rows = node.in(0).shape()[0];
  int64_t cols = bType.getDimSize(transB ? 0 : 1);
  FailureOr<Value> b = bias(node, 2, cols);
  if (failed(b))
    return std::nullopt;
  OpBuilder &builder = node.b;
  Location loc = node.loc;
  Value weightKN = w->quantized;
  if (transB)
    weightKN = permute(builder, loc, weightKN, {1, 0});
  weightKN = contractionWeight(node, weightKN, 1, *w);
  auto accType = RankedTensorType::get({rows, cols}, builder.getI32Type());
  Value acc =
      MatmulOp::create(builder, loc, accType, a->quantized, weightKN,
                       builder.getI64IntegerAttr(a->zeroPoint),
                       builder.getI64IntegerAttr(w->zeroPoint),
                       a->isUnsigned ? builder.getUnitAttr() : UnitAttr(),
                       AccBoundAttr(), NMAttr());
  return dequantizeAccumulator(node, acc, builder.getMultiDimIdentityMap(2),
                               {rows, cols}, 1, a->scales[0], w->scales, *b);
}

//===- NNOps.cpp - ONNX convolution, matmul and pooling operators ---------===//
//
// Part of the qsparse project.
//
// Conv, ConvInteger, QLinearConv (N-D, groups, strides, dilations, pads,
// auto_pad), MatMul, MatMulInteger, QLinearMatMul (batched, broadcast),
// Gemm, MaxPool (with Indices), AveragePool and GlobalAveragePool.
//
// 2-D float convolutions are linalg.conv_2d_nchw_fchw, the others
// linalg.generic ops with the maps of the named NCHW convolutions (a 2-D one
// is recognised by --qsparse-conv-to-nhwc and --qsparse-implicit-im2col);
// 2-D matmuls are linalg.matmul. QDQ-quantized Conv, Gemm and MatMul become
// qsparse contractions (QDQ.cpp).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "qsparse/Dialect/QSparse/IR/QSparse.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <limits>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::onnx_import;

namespace {

const DType kI32 = onnx::TensorProto::INT32;
const DType kF32 = onnx::TensorProto::FLOAT;

//===----------------------------------------------------------------------===//
// Windows (convolution and pooling geometry)
//===----------------------------------------------------------------------===//

struct Window {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, out;
  /// Extra high padding a ceil-mode pool reads past the explicit pads.
  SmallVector<int64_t> extra;
};

FailureOr<Window> computeWindow(Node &node, ArrayRef<int64_t> in,
                                ArrayRef<int64_t> kernel, bool ceilMode) {
  size_t n = in.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  auto list = [&](llvm::StringRef name, size_t size,
                  int64_t dflt) -> FailureOr<SmallVector<int64_t>> {
    std::optional<SmallVector<int64_t>> v = node.getInts(name);
    if (!v)
      return SmallVector<int64_t>(size, dflt);
    if (v->size() != size)
      return node.error() << "'" << name << "' has " << v->size()
                          << " entries, " << size << " expected";
    return *v;
  };
  FailureOr<SmallVector<int64_t>> strides = list("strides", n, 1);
  FailureOr<SmallVector<int64_t>> dilations = list("dilations", n, 1);
  FailureOr<SmallVector<int64_t>> pads = list("pads", 2 * n, 0);
  if (failed(strides) || failed(dilations) || failed(pads))
    return failure();
  w.strides = *strides;
  w.dilations = *dilations;
  for (size_t i = 0; i < n; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.kernel[i] < 1)
      return node.error() << "strides, dilations and kernel sizes must be "
                             "positive";
    if ((*pads)[i] < 0 || (*pads)[i + n] < 0)
      return node.error() << "pads must not be negative";
  }
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  w.padBegin.assign(pads->begin(), pads->begin() + n);
  w.padEnd.assign(pads->begin() + n, pads->end());
  for (size_t i = 0; i < n; ++i) {
    int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in[i] + w.strides[i] - 1) / w.strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * w.strides[i] + span - in[i]);
      int64_t small = total / 2, large = total - small;
      w.padBegin[i] = autoPad == "SAME_UPPER" ? small : large;
      w.padEnd[i] = autoPad == "SAME_UPPER" ? large : small;
    } else if (autoPad == "VALID") {
      w.padBegin[i] = w.padEnd[i] = 0;
    } else if (autoPad != "NOTSET") {
      return node.error() << "unknown auto_pad '" << autoPad << "'";
    }
    int64_t padded = in[i] + w.padBegin[i] + w.padEnd[i];
    if (padded < span)
      return node.error() << "the window (" << span
                          << ") is larger than the padded input (" << padded
                          << ") along spatial dimension " << i;
    int64_t room = padded - span;
    int64_t out = (ceilMode ? (room + w.strides[i] - 1) / w.strides[i]
                            : room / w.strides[i]) +
                  1;
    // A ceil-mode window must start inside the input or its left padding.
    if (ceilMode && (out - 1) * w.strides[i] >= in[i] + w.padBegin[i])
      --out;
    w.out.push_back(out);
    w.extra.push_back(
        std::max<int64_t>(0, (out - 1) * w.strides[i] + span - padded));
  }
  return w;
}

} // namespace

Value onnx_import::padSpatial(OpBuilder &b, Location loc, Value x,
                              ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                              Value value) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> lo(2, b.getIndexAttr(0)), hi(2, b.getIndexAttr(0));
  for (size_t i = 0; i < low.size(); ++i) {
    shape[i + 2] += low[i] + high[i];
    lo.push_back(b.getIndexAttr(low[i]));
    hi.push_back(b.getIndexAttr(high[i]));
  }
  auto result = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, result, x, lo, hi, value);
}

namespace {

//===----------------------------------------------------------------------===//
// Convolutions
//===----------------------------------------------------------------------===//

/// The body of a (zero-point-corrected) multiply-accumulate: yields
/// out + (a - a_zero) * (b - b_zero) in `accType`; `aZero`/`bZero` index
/// the zero points among `args` (-1: none), the accumulator is last.
void yieldMac(OpBuilder &b, Location l, ValueRange args, DType aType,
              DType bType, int aZero, int bZero, DType accType) {
  Value x = convertScalar(b, l, args[0], aType, accType);
  Value y = convertScalar(b, l, args[1], bType, accType);
  if (aZero >= 0)
    x = arith::SubIOp::create(b, l, x,
                              convertScalar(b, l, args[aZero], aType, accType));
  if (bZero >= 0)
    y = arith::SubIOp::create(b, l, y,
                              convertScalar(b, l, args[bZero], bType, accType));
  Value r = isFloatDType(accType)
                ? arith::AddFOp::create(b, l, args.back(),
                                        arith::MulFOp::create(b, l, x, y))
                      .getResult()
                : arith::AddIOp::create(b, l, args.back(),
                                        arith::MulIOp::create(b, l, x, y))
                      .getResult();
  linalg::YieldOp::create(b, l, r);
}

/// The pieces of an (integer) convolution's body.
struct ConvOperands {
  OnnxValue x, w;
  /// Rank-0 zero points (or a 1-D one per output channel for w), optional.
  OnnxValue xZero, wZero;
};

/// An N-D grouped convolution of already padded `x` [N, C, ...] and `w`
/// [M, C/G, k...] into [N, M, out...] of `accType`. Loops (n, m, o..., c,
/// k...) with the maps of linalg.conv_2d_nchw_fchw for G == 1 (that named
/// op for 2-D float convolutions).
Value buildConv(Node &node, const ConvOperands &ops, const Window &win,
                int64_t groups, DType accType) {
  OpBuilder &b = node.b;
  Location loc = node.loc;
  MLIRContext *context = b.getContext();
  int64_t n = win.out.size();
  ArrayRef<int64_t> xs = ops.x.shape(), ws = ops.w.shape();
  int64_t batch = xs[0], outC = ws[0], cPerGroup = ws[1];
  int64_t mPerGroup = outC / groups;
  unsigned loops = 3 + 2 * n;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  unsigned dc = 2 + n;
  SmallVector<AffineExpr> xe{d(0)}, we{d(1), d(dc)}, oe{d(0), d(1)};
  xe.push_back(groups == 1 ? d(dc)
                           : d(1).floorDiv(mPerGroup) * cPerGroup + d(dc));
  for (int64_t i = 0; i < n; ++i) {
    xe.push_back(d(2 + i) * win.strides[i] + d(dc + 1 + i) * win.dilations[i]);
    we.push_back(d(dc + 1 + i));
    oe.push_back(d(2 + i));
  }
  SmallVector<Value> inputs{ops.x.value, ops.w.value};
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xe, context),
                              AffineMap::get(loops, 0, we, context)};
  int xZero = -1, wZero = -1;
  if (ops.xZero) {
    xZero = inputs.size();
    inputs.push_back(ops.xZero.value);
    maps.push_back(AffineMap::get(loops, 0, {}, context));
  }
  if (ops.wZero) {
    wZero = inputs.size();
    inputs.push_back(ops.wZero.value);
    maps.push_back(ops.wZero.rank() == 0
                       ? AffineMap::get(loops, 0, {}, context)
                       : AffineMap::get(loops, 0, {d(1)}, context));
  }
  maps.push_back(AffineMap::get(loops, 0, oe, context));
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::reduction);
  for (unsigned i = 0; i < 2 + n; ++i)
    iterators[i] = utils::IteratorType::parallel;
  SmallVector<int64_t> outShape{batch, outC};
  outShape.append(win.out.begin(), win.out.end());
  Type acc = elementType(context, accType);
  Value init =
      filledTensor(b, loc, outShape, acc, scalarConstant(b, loc, acc, 0));
  bool isFloat = isFloatDType(accType);
  // The common float case is the named op, which the deciding passes and
  // the CPU pipeline know by name.
  bool plainFloat = isFloat && n == 2 && !ops.xZero && !ops.wZero &&
                    ops.x.dtype == accType && ops.w.dtype == accType;
  if (plainFloat && groups == 1)
    return linalg::Conv2DNchwFchwOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{inputs},
               ValueRange{init}, b.getI64TensorAttr(win.strides),
               b.getI64TensorAttr(win.dilations))
        .getResult(0);
  // Depthwise (one filter per channel): linalg.depthwise_conv_2d_nhwc_hwc
  // between transposes, the form the depthwise micro-kernel takes; the
  // filter [C, 1, KH, KW] becomes [KH, KW, C] at import time.
  if (plainFloat && groups == xs[1] && outC == groups && cPerGroup == 1) {
    int64_t channels = outC;
    Value image = permute(b, loc, ops.x.value, {0, 2, 3, 1});
    Value filter =
        permute(b, loc, ops.w.value, {2, 3, 0, 1}, {ws[2], ws[3], channels});
    SmallVector<int64_t> nhwc{batch, win.out[0], win.out[1], channels};
    Value nhwcInit =
        filledTensor(b, loc, nhwc, acc, scalarConstant(b, loc, acc, 0));
    Value y =
        linalg::DepthwiseConv2DNhwcHwcOp::create(
            b, loc, TypeRange{nhwcInit.getType()}, ValueRange{image, filter},
            ValueRange{nhwcInit}, b.getI64TensorAttr(win.strides),
            b.getI64TensorAttr(win.dilations))
            .getResult(0);
    return permute(b, loc, y, {0, 3, 1, 2});
  }
  DType xType = ops.x.dtype, wType = ops.w.dtype;
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               yieldMac(nb, l, args, xType, wType, xZero, wZero, accType);
             })
      .getResult(0);
}

/// Checks the shapes of a convolution and computes its window.
FailureOr<Window> convWindow(Node &node, const OnnxValue &x, const OnnxValue &w,
                             int64_t &groups) {
  if (x.rank() < 3 || w.rank() != x.rank())
    return node.error() << "X and W must have the same rank >= 3 (got "
                        << x.type() << ", " << w.type() << ")";
  groups = node.getInt("group", 1);
  int64_t c = x.shape()[1], m = w.shape()[0];
  if (c == 0 || m == 0)
    return node.error() << "X channels and W output channels must be "
                           "positive (got "
                        << c << ", " << m << ")";
  if (groups < 1 || c % groups != 0 || m % groups != 0 ||
      w.shape()[1] != c / groups)
    return node.error() << "group " << groups << " does not fit X channels "
                        << c << " and W " << w.type();
  SmallVector<int64_t> kernel(w.shape().drop_front(2));
  if (std::optional<SmallVector<int64_t>> k = node.getInts("kernel_shape"))
    if (*k != kernel)
      return node.error() << "kernel_shape does not match W";
  return computeWindow(node, x.shape().drop_front(2), kernel, false);
}

/// Adds bias [M] along dimension 1.
Value addChannelBias(Node &node, Value y, const OnnxValue &bias, DType type) {
  auto yType = cast<RankedTensorType>(y.getType());
  Value bv = alongAxis(node.b, node.loc, bias.value, yType.getRank(), 1);
  bool isFloat = isFloatDType(type);
  return elementwise(node.b, node.loc, {y, bv}, yType.getShape(),
                     yType.getElementType(),
                     [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                       if (isFloat)
                         return arith::AddFOp::create(b, l, args[0], args[1]);
                       return arith::AddIOp::create(b, l, args[0], args[1]);
                     });
}

LogicalResult importConv(Node &node) {
  if (failed(node.checkAttributes({"auto_pad", "dilations", "group",
                                   "kernel_shape", "pads", "strides"})))
    return failure();
  FailureOr<OnnxValue> x = node.required(0), w = node.required(1);
  if (failed(x) || failed(w))
    return failure();
  if (!isFloatDType(x->dtype) || w->dtype != x->dtype)
    return node.error() << "X and W must be float tensors of one type";
  int64_t groups;
  FailureOr<Window> win = convWindow(node, *x, *w, groups);
  if (failed(win))
    return failure();
  if (win->out.size() == 2) {
    SmallVector<int64_t> padding{win->padBegin[0], win->padBegin[1],
                                 win->padEnd[0], win->padEnd[1]};
    if (std::optional<Value> y = importQdqConv(
            node, win->strides, win->dilations, padding, win->out)) {
      node.setOutput(0, *y, x->dtype);
      return success();
    }
  }
  Type elem = x->type().getElementType();
  ConvOperands ops;
  ops.x = {padSpatial(node.b, node.loc, x->value, win->padBegin, win->padEnd,
                      scalarConstant(node.b, node.loc, elem, 0)),
           x->dtype};
  ops.w = *w;
  Value y = buildConv(node, ops, *win, groups, x->dtype);
  if (node.has(2)) {
    const OnnxValue &bias = node.in(2);
    if (bias.rank() != 1 || bias.shape()[0] != w->shape()[0] ||
        bias.dtype != x->dtype)
      return node.error() << "B must be a 1-D tensor of " << w->shape()[0]
                          << " elements of X's type";
    y = addChannelBias(node, y, bias, x->dtype);
  }
  node.setOutput(0, y, x->dtype);
  return success();
}

bool isInt8(DType t) {
  return t == onnx::TensorProto::INT8 || t == onnx::TensorProto::UINT8;
}

/// A zero point: absent, a scalar, or (`perChannel` > 0) a 1-D tensor of
/// that many elements; returns it as rank 0 or 1-D.
FailureOr<OnnxValue> zeroPoint(Node &node, unsigned index, DType dtype,
                               int64_t perChannel, llvm::StringRef what) {
  if (!node.has(index))
    return OnnxValue{};
  OnnxValue zp = node.in(index);
  if (zp.dtype != dtype)
    return node.error() << what << " must have the type of its tensor ("
                        << dtypeName(dtype) << ")";
  int64_t count = zp.type().getNumElements();
  if (zp.rank() == 0 || (zp.rank() == 1 && count == 1 && perChannel != 1)) {
    zp.value = reshapeTo(node.b, node.loc, zp.value, {});
    return zp;
  }
  if (perChannel > 0 && zp.rank() == 1 && count == perChannel)
    return zp;
  return node.error() << what << " must be a scalar"
                      << (perChannel > 0 ? " or one value per channel" : "");
}

/// The i32 accumulator of ConvInteger / QLinearConv.
FailureOr<Value> integerConv(Node &node, unsigned xIdx, unsigned xZeroIdx,
                             unsigned wIdx, unsigned wZeroIdx) {
  FailureOr<OnnxValue> x = node.required(xIdx), w = node.required(wIdx);
  if (failed(x) || failed(w))
    return failure();
  if (!isInt8(x->dtype) || !isInt8(w->dtype))
    return node.error() << "X and W must be int8 or uint8";
  int64_t groups;
  FailureOr<Window> win = convWindow(node, *x, *w, groups);
  if (failed(win))
    return failure();
  FailureOr<OnnxValue> xZero =
      zeroPoint(node, xZeroIdx, x->dtype, 0, "the input zero point");
  FailureOr<OnnxValue> wZero = zeroPoint(
      node, wZeroIdx, w->dtype, w->shape()[0], "the weight zero point");
  if (failed(xZero) || failed(wZero))
    return failure();
  OpBuilder &b = node.b;
  // Padding reads the input zero point, so it contributes nothing.
  Value padValue = *xZero ? tensor::ExtractOp::create(b, node.loc, xZero->value,
                                                      ValueRange{})
                                .getResult()
                          : scalarConstant(b, node.loc, b.getI8Type(), 0);
  ConvOperands ops;
  ops.x = {
      padSpatial(b, node.loc, x->value, win->padBegin, win->padEnd, padValue),
      x->dtype};
  ops.w = *w;
  ops.xZero = *xZero;
  ops.wZero = *wZero;
  return buildConv(node, ops, *win, groups, kI32);
}

LogicalResult importConvInteger(Node &node) {
  if (failed(node.checkAttributes({"auto_pad", "dilations", "group",
                                   "kernel_shape", "pads", "strides"})))
    return failure();
  FailureOr<Value> y = integerConv(node, 0, 2, 1, 3);
  if (failed(y))
    return failure();
  node.setOutput(0, *y, kI32);
  return success();
}

/// y = saturate(round(acc * (a_scale * b_scale / y_scale)) + y_zero_point):
/// the QLinear* requantization in f32, rounding half to even. `bScale` may
/// be per output channel along `channelAxis` (-1: the result has no such
/// axis).
FailureOr<Value> qlinearOutput(Node &node, Value acc, unsigned aScaleIdx,
                               unsigned bScaleIdx, unsigned yScaleIdx,
                               unsigned yZeroIdx, int64_t channelAxis) {
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t rank = accType.getRank();
  SmallVector<OnnxValue> scales;
  for (unsigned idx : {aScaleIdx, bScaleIdx, yScaleIdx}) {
    FailureOr<OnnxValue> s = node.required(idx);
    if (failed(s))
      return failure();
    if (s->dtype != kF32)
      return node.error() << "scales must be float tensors";
    scales.push_back(*s);
  }
  FailureOr<OnnxValue> yZero = node.required(yZeroIdx);
  if (failed(yZero))
    return failure();
  if (!isInt8(yZero->dtype) || yZero->type().getNumElements() != 1)
    return node.error() << "y_zero_point must be one int8 or uint8 value";
  SmallVector<Value> inputs{acc};
  for (auto [i, s] : llvm::enumerate(scales)) {
    int64_t count = s.type().getNumElements();
    if (count == 1) {
      inputs.push_back(reshapeTo(node.b, node.loc, s.value, {}));
    } else if (i == 1 && s.rank() == 1 && channelAxis >= 0 &&
               channelAxis < rank && count == accType.getDimSize(channelAxis)) {
      inputs.push_back(alongAxis(node.b, node.loc, s.value, rank, channelAxis));
    } else {
      return node.error() << "scale " << s.type() << " must be a scalar"
                          << (i == 1 ? " or one value per output channel" : "");
    }
  }
  inputs.push_back(reshapeTo(node.b, node.loc, yZero->value, {}));
  DType outType = yZero->dtype;
  bool isUnsigned = outType == onnx::TensorProto::UINT8;
  Value out = elementwise(
      node.b, node.loc, inputs, accType.getShape(), node.b.getI8Type(),
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Type f = b.getF32Type();
        Value m = arith::DivFOp::create(
            b, l, arith::MulFOp::create(b, l, args[1], args[2]), args[3]);
        Value v = arith::MulFOp::create(
            b, l, convertScalar(b, l, args[0], kI32, kF32), m);
        v = math::RoundEvenOp::create(b, l, v);
        v = arith::AddFOp::create(b, l, v,
                                  convertScalar(b, l, args[4], outType, kF32));
        v = arith::MaximumFOp::create(
            b, l, v, scalarConstant(b, l, f, isUnsigned ? 0 : -128));
        v = arith::MinimumFOp::create(
            b, l, v, scalarConstant(b, l, f, isUnsigned ? 255 : 127));
        return convertScalar(b, l, v, kF32, outType);
      });
  node.setOutput(0, out, outType);
  return out;
}

LogicalResult importQLinearConv(Node &node) {
  if (failed(node.checkAttributes({"auto_pad", "dilations", "group",
                                   "kernel_shape", "pads", "strides"})))
    return failure();
  FailureOr<Value> acc = integerConv(node, 0, 2, 3, 5);
  if (failed(acc))
    return failure();
  Value y = *acc;
  if (node.has(8)) {
    const OnnxValue &bias = node.in(8);
    int64_t m = node.in(3).shape()[0];
    if (bias.rank() != 1 || bias.shape()[0] != m || bias.dtype != kI32)
      return node.error() << "B must be a 1-D int32 tensor of " << m
                          << " elements";
    y = addChannelBias(node, y, bias, kI32);
  }
  return qlinearOutput(node, y, 1, 4, 6, 7, 1);
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

/// A batched product of a [..., M, K] and b [..., K, N] (batch dimensions
/// broadcast numpy-style) in `accType`, with optional zero points (rank 0,
/// or 1-D per row of a / per column of b).
FailureOr<Value> buildMatmul(Node &node, OnnxValue a, OnnxValue bm,
                             OnnxValue aZero, OnnxValue bZero, DType accType) {
  OpBuilder &b = node.b;
  Location loc = node.loc;
  MLIRContext *context = b.getContext();
  // 1-D operands are promoted to matrices and the extra dimension dropped.
  bool dropM = a.rank() == 1, dropN = bm.rank() == 1;
  if (dropM)
    a.value = reshapeTo(b, loc, a.value, {1, a.shape()[0]});
  if (dropN)
    bm.value = reshapeTo(b, loc, bm.value, {bm.shape()[0], 1});
  if (a.rank() < 2 || bm.rank() < 2)
    return node.error() << "inputs must have rank >= 1";
  int64_t m = a.shape()[a.rank() - 2], k = a.shape().back();
  int64_t n = bm.shape().back();
  if (bm.shape()[bm.rank() - 2] != k)
    return node.error() << "inner dimensions differ: " << a.type() << " x "
                        << bm.type();
  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes({a.shape().drop_back(2), bm.shape().drop_back(2)});
  if (failed(batch))
    return node.error() << "batch dimensions of " << a.type() << " and "
                        << bm.type() << " do not broadcast";
  Type acc = elementType(context, accType);
  SmallVector<int64_t> outShape(*batch);
  outShape.append({m, n});
  Value init =
      filledTensor(b, loc, outShape, acc, scalarConstant(b, loc, acc, 0));
  Value result;
  if (batch->empty() && !aZero && !bZero && a.dtype == accType &&
      bm.dtype == accType) {
    result = linalg::MatmulOp::create(b, loc, ValueRange{a.value, bm.value},
                                      ValueRange{init})
                 .getResult(0);
  } else {
    // Loops (batch..., m, n, k).
    unsigned nb = batch->size(), loops = nb + 3;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    auto operandMap = [&](ArrayRef<int64_t> shape, AffineExpr r, AffineExpr c) {
      SmallVector<AffineExpr> e;
      size_t own = shape.size() - 2;
      for (size_t i = 0; i < own; ++i) {
        unsigned dim = nb - own + i;
        e.push_back(shape[i] == 1 && (*batch)[dim] != 1
                        ? getAffineConstantExpr(0, context)
                        : d(dim));
      }
      e.push_back(r);
      e.push_back(c);
      return AffineMap::get(loops, 0, e, context);
    };
    SmallVector<Value> inputs{a.value, bm.value};
    SmallVector<AffineMap> maps{
        operandMap(cast<RankedTensorType>(a.value.getType()).getShape(), d(nb),
                   d(nb + 2)),
        operandMap(cast<RankedTensorType>(bm.value.getType()).getShape(),
                   d(nb + 2), d(nb + 1))};
    int aZ = -1, bZ = -1;
    if (aZero) {
      aZ = inputs.size();
      inputs.push_back(aZero.value);
      maps.push_back(aZero.rank() == 0 ? AffineMap::get(loops, 0, {}, context)
                                       : AffineMap::get(loops, 0, d(nb)));
    }
    if (bZero) {
      bZ = inputs.size();
      inputs.push_back(bZero.value);
      maps.push_back(bZero.rank() == 0 ? AffineMap::get(loops, 0, {}, context)
                                       : AffineMap::get(loops, 0, d(nb + 1)));
    }
    maps.push_back(b.getMultiDimIdentityMap(loops).getMajorSubMap(nb + 2));
    SmallVector<utils::IteratorType> iterators(loops,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    DType aType = a.dtype, bType = bm.dtype;
    result = linalg::GenericOp::create(
                 b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
                 maps, iterators,
                 [&](OpBuilder &nb2, Location l, ValueRange args) {
                   yieldMac(nb2, l, args, aType, bType, aZ, bZ, accType);
                 })
                 .getResult(0);
  }
  if (dropM || dropN) {
    SmallVector<int64_t> shape(*batch);
    if (!dropM)
      shape.push_back(m);
    if (!dropN)
      shape.push_back(n);
    result = reshapeTo(b, loc, result, shape);
  }
  return result;
}

LogicalResult importMatMul(Node &node) {
  FailureOr<OnnxValue> a = node.required(0), bm = node.required(1);
  if (failed(node.checkAttributes({})) || failed(a) || failed(bm))
    return failure();
  if (a->dtype != bm->dtype ||
      !(isFloatDType(a->dtype) || isIntegerDType(a->dtype)))
    return node.error() << "A and B must be numeric tensors of one type";
  if (std::optional<Value> y = importQdqMatmul(node, false)) {
    node.setOutput(0, *y, a->dtype);
    return success();
  }
  FailureOr<Value> y = buildMatmul(node, *a, *bm, {}, {}, a->dtype);
  if (failed(y))
    return failure();
  node.setOutput(0, *y, a->dtype);
  return success();
}

FailureOr<Value> integerMatmul(Node &node, unsigned aIdx, unsigned aZeroIdx,
                               unsigned bIdx, unsigned bZeroIdx) {
  FailureOr<OnnxValue> a = node.required(aIdx), bm = node.required(bIdx);
  if (failed(a) || failed(bm))
    return failure();
  if (!isInt8(a->dtype) || !isInt8(bm->dtype))
    return node.error() << "A and B must be int8 or uint8";
  int64_t rows = a->rank() >= 2 ? a->shape()[a->rank() - 2] : 0;
  int64_t cols = bm->rank() >= 2 ? bm->shape().back() : 0;
  FailureOr<OnnxValue> aZero =
      zeroPoint(node, aZeroIdx, a->dtype, rows, "a_zero_point");
  FailureOr<OnnxValue> bZero =
      zeroPoint(node, bZeroIdx, bm->dtype, cols, "b_zero_point");
  if (failed(aZero) || failed(bZero))
    return failure();
  return buildMatmul(node, *a, *bm, *aZero, *bZero, kI32);
}

LogicalResult importMatMulInteger(Node &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  FailureOr<Value> y = integerMatmul(node, 0, 2, 1, 3);
  if (failed(y))
    return failure();
  node.setOutput(0, *y, kI32);
  return success();
}

LogicalResult importQLinearMatMul(Node &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  FailureOr<Value> acc = integerMatmul(node, 0, 2, 3, 5);
  if (failed(acc))
    return failure();
  // A 1-D B has no output-channel axis: only a scalar b_scale fits then.
  int64_t rank = cast<RankedTensorType>(acc->getType()).getRank();
  bool bIsVector = node.required(3)->rank() < 2;
  return qlinearOutput(node, *acc, 1, 4, 6, 7, bIsVector ? -1 : rank - 1);
}

Value transpose2D(OpBuilder &b, Location loc, Value v) {
  return permute(b, loc, v, {1, 0});
}

LogicalResult importGemm(Node &node) {
  if (failed(node.checkAttributes({"alpha", "beta", "transA", "transB"})))
    return failure();
  FailureOr<OnnxValue> a = node.required(0), bm = node.required(1);
  if (failed(a) || failed(bm))
    return failure();
  if (a->rank() != 2 || bm->rank() != 2 || a->dtype != bm->dtype ||
      !isFloatDType(a->dtype))
    return node.error() << "A and B must be 2-D float tensors of one type";
  double alpha = node.getFloat("alpha", 1.0f);
  double beta = node.getFloat("beta", 1.0f);
  if (!node.getInt("transA", 0) && alpha == 1.0 &&
      (!node.has(2) || beta == 1.0))
    if (std::optional<Value> y =
            importQdqMatmul(node, node.getInt("transB", 0))) {
      node.setOutput(0, *y, a->dtype);
      return success();
    }
  OnnxValue at = *a, bt = *bm;
  if (node.getInt("transA", 0))
    at.value = transpose2D(node.b, node.loc, a->value);
  if (node.getInt("transB", 0))
    bt.value = transpose2D(node.b, node.loc, bm->value);
  FailureOr<Value> y = buildMatmul(node, at, bt, {}, {}, a->dtype);
  if (failed(y))
    return failure();
  auto shape = cast<RankedTensorType>(y->getType()).getShape();
  Type elem = a->type().getElementType();
  SmallVector<Value> inputs{*y};
  if (node.has(2)) {
    const OnnxValue &c = node.in(2);
    FailureOr<SmallVector<int64_t>> bshape =
        broadcastShapes({shape, c.shape()});
    if (c.dtype != a->dtype || failed(bshape) || *bshape != shape)
      return node.error() << "C " << c.type() << " does not broadcast to "
                          << cast<RankedTensorType>(y->getType());
    inputs.push_back(c.value);
  }
  Value out = *y;
  if (alpha != 1.0 || inputs.size() > 1)
    out = elementwise(node.b, node.loc, inputs, shape, elem,
                      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                        Value v = args[0];
                        if (alpha != 1.0)
                          v = arith::MulFOp::create(
                              b, l, v, scalarConstant(b, l, elem, alpha));
                        if (args.size() > 1) {
                          Value c = args[1];
                          if (beta != 1.0)
                            c = arith::MulFOp::create(
                                b, l, c, scalarConstant(b, l, elem, beta));
                          v = arith::AddFOp::create(b, l, v, c);
                        }
                        return v;
                      });
  node.setOutput(0, out, a->dtype);
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

enum class PoolKind { Max, Average };

LogicalResult importPool(Node &node, PoolKind kind) {
  SmallVector<llvm::StringRef> known{"auto_pad", "ceil_mode", "kernel_shape",
                                     "pads", "strides"};
  if (kind == PoolKind::Max)
    known.append({"dilations", "storage_order"});
  else
    known.push_back("count_include_pad");
  if (failed(node.checkAttributes(known)))
    return failure();
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(x))
    return failure();
  if (x->rank() < 3)
    return node.error() << "X must have rank >= 3";
  bool isFloat = isFloatDType(x->dtype);
  if (!isFloat && !(kind == PoolKind::Max && isInt8(x->dtype)))
    return node.error() << "unsupported element type " << dtypeName(x->dtype);
  std::optional<SmallVector<int64_t>> kernel = node.getInts("kernel_shape");
  int64_t n = x->rank() - 2;
  if (!kernel || (int64_t)kernel->size() != n)
    return node.error() << "kernel_shape must have " << n << " entries";
  FailureOr<Window> win = computeWindow(node, x->shape().drop_front(2), *kernel,
                                        node.getInt("ceil_mode", 0));
  if (failed(win))
    return failure();
  // As in onnxruntime: a pad as wide as the kernel makes windows of padding
  // only, which have no maximum, no index and nothing to average.
  for (int64_t i = 0; i < n; ++i)
    if (win->padBegin[i] >= (*kernel)[i] || win->padEnd[i] >= (*kernel)[i])
      return node.error() << "pads (" << win->padBegin[i] << ", "
                          << win->padEnd[i] << ") must be smaller than the "
                          << "kernel (" << (*kernel)[i]
                          << ") along spatial dimension " << i;
  OpBuilder &b = node.b;
  Location loc = node.loc;
  MLIRContext *context = b.getContext();
  Type elem = x->type().getElementType();
  DType dtype = x->dtype;
  bool isUnsigned = isUnsignedDType(dtype);

  // Padding never wins a max and adds nothing to a sum.
  Value padValue;
  if (kind == PoolKind::Average)
    padValue = scalarConstant(b, loc, elem, 0);
  else if (isFloat)
    padValue =
        scalarConstant(b, loc, elem, -std::numeric_limits<double>::infinity());
  else
    padValue = scalarConstant(b, loc, elem, isUnsigned ? 0 : -128);
  SmallVector<int64_t> high;
  for (int64_t i = 0; i < n; ++i)
    high.push_back(win->padEnd[i] + win->extra[i]);
  Value padded = padSpatial(b, loc, x->value, win->padBegin, high, padValue);

  unsigned loops = 2 + 2 * n;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineExpr> xe{d(0), d(1)}, ke, oe{d(0), d(1)};
  for (int64_t i = 0; i < n; ++i) {
    xe.push_back(d(2 + i) * win->strides[i] + d(2 + n + i) * win->dilations[i]);
    ke.push_back(d(2 + n + i));
    oe.push_back(d(2 + i));
  }
  SmallVector<int64_t> outShape{x->shape()[0], x->shape()[1]};
  outShape.append(win->out.begin(), win->out.end());
  Value windowShape = emptyTensor(b, loc, win->kernel, elem);
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  for (int64_t i = 0; i < n; ++i)
    iterators[2 + n + i] = utils::IteratorType::reduction;
  AffineMap outMap = AffineMap::get(loops, 0, oe, context);
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xe, context),
                              AffineMap::get(loops, 0, ke, context), outMap};

  if (kind == PoolKind::Max) {
    Value init = filledTensor(b, loc, outShape, elem, padValue);
    bool indices = node.outputUsed(1);
    if (!indices) {
      Value y =
          linalg::GenericOp::create(
              b, loc, TypeRange{init.getType()},
              ValueRange{padded, windowShape}, ValueRange{init}, maps,
              iterators,
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value m =
                    isFloat ? arith::MaximumFOp::create(nb, l, args[2], args[0])
                                  .getResult()
                    : isUnsigned
                        ? arith::MaxUIOp::create(nb, l, args[2], args[0])
                              .getResult()
                        : arith::MaxSIOp::create(nb, l, args[2], args[0])
                              .getResult();
                linalg::YieldOp::create(nb, l, m);
              })
              .getResult(0);
      node.setOutput(0, y, dtype);
      return success();
    }
    // Values and the flat index of the first maximum in the unpadded input
    // (row-major over N, C; the spatial part column-major when
    // storage_order = 1).
    if (n != 2 && node.getInt("storage_order", 0) != 0)
      return node.error() << "storage_order = 1 is supported for 2-D pools";
    bool columnMajor = node.getInt("storage_order", 0) != 0;
    Type i64 = b.getI64Type();
    Value indexInit =
        filledTensor(b, loc, outShape, i64, scalarConstant(b, loc, i64, -1));
    maps.push_back(outMap);
    ArrayRef<int64_t> xs = x->shape();
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{init.getType(), indexInit.getType()},
        ValueRange{padded, windowShape}, ValueRange{init, indexInit}, maps,
        iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
          auto idx = [&](unsigned dim) -> Value {
            return arith::IndexCastOp::create(
                nb, l, i64, linalg::IndexOp::create(nb, l, dim));
          };
          auto cst = [&](int64_t v) { return scalarConstant(nb, l, i64, v); };
          // Position in the unpadded input along each spatial dimension.
          SmallVector<Value> pos;
          for (int64_t i = 0; i < n; ++i) {
            Value p = arith::AddIOp::create(
                nb, l,
                arith::MulIOp::create(nb, l, idx(2 + i), cst(win->strides[i])),
                arith::MulIOp::create(nb, l, idx(2 + n + i),
                                      cst(win->dilations[i])));
            pos.push_back(
                arith::SubIOp::create(nb, l, p, cst(win->padBegin[i])));
          }
          int64_t spatial = 1;
          for (int64_t i = 0; i < n; ++i)
            spatial *= xs[2 + i];
          Value flat = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, idx(0), cst(xs[1])), idx(1));
          flat = arith::MulIOp::create(nb, l, flat, cst(spatial));
          Value inner = cst(0);
          if (columnMajor) {
            inner = arith::AddIOp::create(
                nb, l, pos[0],
                arith::MulIOp::create(nb, l, pos[1], cst(xs[2])));
          } else {
            for (int64_t i = 0; i < n; ++i)
              inner = arith::AddIOp::create(
                  nb, l, arith::MulIOp::create(nb, l, inner, cst(xs[2 + i])),
                  pos[i]);
          }
          flat = arith::AddIOp::create(nb, l, flat, inner);
          Value better =
              isFloat ? arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                              args[0], args[2])
                            .getResult()
                      : arith::CmpIOp::create(nb, l,
                                              isUnsigned
                                                  ? arith::CmpIPredicate::ugt
                                                  : arith::CmpIPredicate::sgt,
                                              args[0], args[2])
                            .getResult();
          // The first element of a window inside the input seeds it even
          // when equal to the padding value; padding is never an index.
          Value unset = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              args[3], cst(-1));
          Value inBounds = arith::ConstantIntOp::create(nb, l, 1, 1);
          for (int64_t i = 0; i < n; ++i) {
            Value lo = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge,
                                             pos[i], cst(0));
            Value hi = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                             pos[i], cst(xs[2 + i]));
            inBounds = arith::AndIOp::create(
                nb, l, inBounds, arith::AndIOp::create(nb, l, lo, hi));
          }
          Value take = arith::AndIOp::create(
              nb, l, inBounds, arith::OrIOp::create(nb, l, better, unset));
          linalg::YieldOp::create(
              nb, l,
              ValueRange{arith::SelectOp::create(nb, l, take, args[0], args[2]),
                         arith::SelectOp::create(nb, l, take, flat, args[3])});
        });
    node.setOutput(0, generic.getResult(0), dtype);
    node.setOutput(1, generic.getResult(1), onnx::TensorProto::INT64);
    return success();
  }

  Value zero = scalarConstant(b, loc, elem, 0);
  Value init = filledTensor(b, loc, outShape, elem, zero);
  Value sum =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{padded, windowShape},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value r = arith::AddFOp::create(nb, l, args[2], args[0]);
            linalg::YieldOp::create(nb, l, r);
          })
          .getResult(0);
  // Divisors: the window elements inside the input (or inside the padded
  // input with count_include_pad), never the ceil-mode overhang.
  bool includePad = node.getInt("count_include_pad", 0) != 0;
  SmallVector<SmallVector<int64_t>> counts(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t lo = includePad ? 0 : win->padBegin[i];
    int64_t hi = includePad
                     ? x->shape()[2 + i] + win->padBegin[i] + win->padEnd[i]
                     : win->padBegin[i] + x->shape()[2 + i];
    for (int64_t o = 0; o < win->out[i]; ++o) {
      int64_t c = 0;
      for (int64_t k = 0; k < win->kernel[i]; ++k) {
        int64_t p = o * win->strides[i] + k * win->dilations[i];
        c += p >= lo && p < hi;
      }
      counts[i].push_back(c);
    }
  }
  SmallVector<double> divisors;
  int64_t total = 1;
  for (int64_t o : win->out)
    total *= o;
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat;
    double v = 1;
    for (int64_t i = n - 1; i >= 0; --i) {
      v *= counts[i][rest % win->out[i]];
      rest /= win->out[i];
    }
    divisors.push_back(v);
  }
  auto divType = RankedTensorType::get(win->out, elem);
  SmallVector<APFloat> values;
  for (double v : divisors) {
    APFloat f(v);
    bool lost;
    f.convert(cast<FloatType>(elem).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &lost);
    values.push_back(f);
  }
  Value div = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(divType, values));
  Value y =
      elementwise(b, loc, {sum, div}, outShape, elem,
                  [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                    return arith::DivFOp::create(nb, l, args[0], args[1]);
                  });
  node.setOutput(0, y, dtype);
  return success();
}

LogicalResult importGlobalAveragePool(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({})) || failed(x))
    return failure();
  if (x->rank() < 3 || !isFloatDType(x->dtype))
    return node.error() << "X must be a float tensor of rank >= 3";
  OpBuilder &b = node.b;
  Location loc = node.loc;
  MLIRContext *context = b.getContext();
  int64_t rank = x->rank();
  Type elem = x->type().getElementType();
  SmallVector<int64_t> reduced{x->shape()[0], x->shape()[1]};
  Value init =
      filledTensor(b, loc, reduced, elem, scalarConstant(b, loc, elem, 0));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  iterators[0] = iterators[1] = utils::IteratorType::parallel;
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{init.getType()}, ValueRange{x->value},
                  ValueRange{init},
                  {b.getMultiDimIdentityMap(rank),
                   AffineMap::get(rank, 0,
                                  {getAffineDimExpr(0, context),
                                   getAffineDimExpr(1, context)},
                                  context)},
                  iterators,
                  [&](OpBuilder &nb, Location l, ValueRange args) {
                    Value r = arith::AddFOp::create(nb, l, args[1], args[0]);
                    linalg::YieldOp::create(nb, l, r);
                  })
                  .getResult(0);
  double count =
      (double)x->type().getNumElements() / (x->shape()[0] * x->shape()[1]);
  Value mean =
      elementwise(b, loc, {sum}, reduced, elem,
                  [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                    return arith::DivFOp::create(
                        nb, l, args[0], scalarConstant(nb, l, elem, count));
                  });
  SmallVector<int64_t> shape(rank, 1);
  shape[0] = reduced[0];
  shape[1] = reduced[1];
  node.setOutput(0, reshapeTo(b, loc, mean, shape), x->dtype);
  return success();
}

} // namespace

void onnx_import::registerNNOps(HandlerMap &handlers) {
  handlers["Conv"] = {importConv, 3};
  handlers["ConvInteger"] = {importConvInteger, 4};
  handlers["QLinearConv"] = {importQLinearConv, 9};
  handlers["MatMul"] = {importMatMul, 2};
  handlers["MatMulInteger"] = {importMatMulInteger, 4};
  handlers["QLinearMatMul"] = {importQLinearMatMul, 8};
  handlers["Gemm"] = {importGemm, 3};
  handlers["MaxPool"] = {[](Node &n) { return importPool(n, PoolKind::Max); },
                         1};
  handlers["AveragePool"] = {
      [](Node &n) { return importPool(n, PoolKind::Average); }, 1};
  handlers["GlobalAveragePool"] = {importGlobalAveragePool, 1};
}

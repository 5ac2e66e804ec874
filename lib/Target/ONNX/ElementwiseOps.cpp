//===- ElementwiseOps.cpp - ONNX elementwise operators --------------------===//
//
// Part of the qsparse project.
//
// Identity, Relu, Clip, LeakyRelu, Sigmoid, Add, Sub, Mul, Div (numpy
// broadcasting), QuantizeLinear, DequantizeLinear and BatchNormalization,
// each as linalg.generic ops on tensors.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::onnx_import;

namespace {

LogicalResult checkNumeric(Node &node, const OnnxValue &v,
                           llvm::StringRef what) {
  if (isFloatDType(v.dtype) || isIntegerDType(v.dtype))
    return success();
  return node.error() << what << " has unsupported element type "
                      << dtypeName(v.dtype);
}

LogicalResult importIdentity(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(x))
    return failure();
  node.setOutput(0, x->value, x->dtype);
  return success();
}

/// Integer division that never traps: x / 0 gives 0, and MIN / -1 wraps.
Value safeIntDiv(OpBuilder &b, Location loc, Value x, Value y,
                 bool isUnsigned) {
  Type type = x.getType();
  Value zero = scalarConstant(b, loc, type, 0);
  Value one = scalarConstant(b, loc, type, 1);
  Value isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
  Value divisor = arith::SelectOp::create(b, loc, isZero, one, y);
  if (isUnsigned) {
    Value q = arith::DivUIOp::create(b, loc, x, divisor);
    return arith::SelectOp::create(b, loc, isZero, zero, q);
  }
  unsigned bits = type.getIntOrFloatBitWidth();
  Value minusOne = scalarConstant(b, loc, type, -1);
  Value min = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, APInt::getSignedMinValue(bits)));
  Value overflow = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, min),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, minusOne));
  Value bad = arith::OrIOp::create(b, loc, isZero, overflow);
  divisor = arith::SelectOp::create(b, loc, bad, one, divisor);
  Value q = arith::DivSIOp::create(b, loc, x, divisor);
  Value special = arith::SelectOp::create(b, loc, isZero, zero, x);
  return arith::SelectOp::create(b, loc, bad, special, q);
}

enum class BinaryKind { Add, Sub, Mul, Div };

LogicalResult importBinary(Node &node, BinaryKind kind) {
  if (failed(node.checkAttributes({})))
    return failure();
  FailureOr<OnnxValue> a = node.required(0), c = node.required(1);
  if (failed(a) || failed(c) || failed(checkNumeric(node, *a, "input A")))
    return failure();
  if (a->dtype != c->dtype)
    return node.error() << "inputs have different element types ("
                        << dtypeName(a->dtype) << ", " << dtypeName(c->dtype)
                        << ")";
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes({a->shape(), c->shape()});
  if (failed(shape))
    return node.error() << "shapes " << a->type() << " and " << c->type()
                        << " do not broadcast";
  bool isFloat = isFloatDType(a->dtype);
  bool isUnsigned = isUnsignedDType(a->dtype);
  Value out = elementwise(
      node.b, node.loc, {a->value, c->value}, *shape,
      a->type().getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = args[0], y = args[1];
        switch (kind) {
        case BinaryKind::Add:
          return isFloat ? arith::AddFOp::create(b, loc, x, y).getResult()
                         : arith::AddIOp::create(b, loc, x, y).getResult();
        case BinaryKind::Sub:
          return isFloat ? arith::SubFOp::create(b, loc, x, y).getResult()
                         : arith::SubIOp::create(b, loc, x, y).getResult();
        case BinaryKind::Mul:
          return isFloat ? arith::MulFOp::create(b, loc, x, y).getResult()
                         : arith::MulIOp::create(b, loc, x, y).getResult();
        case BinaryKind::Div:
          return isFloat ? arith::DivFOp::create(b, loc, x, y).getResult()
                         : safeIntDiv(b, loc, x, y, isUnsigned);
        }
        llvm_unreachable("binary kind");
      });
  node.setOutput(0, out, a->dtype);
  return success();
}

Value maxOf(OpBuilder &b, Location loc, Value x, Value y, DType dtype) {
  if (isFloatDType(dtype))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsignedDType(dtype))
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y, DType dtype) {
  if (isFloatDType(dtype))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsignedDType(dtype))
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

LogicalResult importRelu(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({})) || failed(x) ||
      failed(checkNumeric(node, *x, "input X")))
    return failure();
  DType dtype = x->dtype;
  Value out = elementwise(
      node.b, node.loc, {x->value}, x->shape(), x->type().getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value zero = scalarConstant(b, loc, args[0].getType(), 0);
        return maxOf(b, loc, args[0], zero, dtype);
      });
  node.setOutput(0, out, dtype);
  return success();
}

LogicalResult importClip(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  // Bounds are attributes before opset 11 and inputs since.
  SmallVector<llvm::StringRef> attrs;
  if (node.importer.opset < 11)
    attrs = {"min", "max"};
  if (failed(node.checkAttributes(attrs)) || failed(x) ||
      failed(checkNumeric(node, *x, "input")))
    return failure();
  DType dtype = x->dtype;
  Type elem = x->type().getElementType();
  SmallVector<Value> inputs{x->value};
  int lo = -1, hi = -1;
  if (node.importer.opset < 11) {
    // Bounds are attributes before opset 11.
    OpBuilder &b = node.b;
    if (node.attr("min")) {
      lo = inputs.size();
      inputs.push_back(filledTensor(
          b, node.loc, {}, elem,
          scalarConstant(b, node.loc, elem, node.getFloat("min", 0))));
    }
    if (node.attr("max")) {
      hi = inputs.size();
      inputs.push_back(filledTensor(
          b, node.loc, {}, elem,
          scalarConstant(b, node.loc, elem, node.getFloat("max", 0))));
    }
  } else {
    for (unsigned i = 1; i < 3; ++i) {
      if (!node.has(i))
        continue;
      const OnnxValue &bound = node.in(i);
      if (bound.rank() != 0 || bound.dtype != dtype)
        return node.error() << (i == 1 ? "min" : "max")
                            << " must be a scalar of the input's type";
      (i == 1 ? lo : hi) = inputs.size();
      inputs.push_back(bound.value);
    }
  }
  Value out = elementwise(node.b, node.loc, inputs, x->shape(), elem,
                          [&](OpBuilder &b, Location loc, ValueRange args) {
                            Value v = args[0];
                            if (lo >= 0)
                              v = maxOf(b, loc, v, args[lo], dtype);
                            if (hi >= 0)
                              v = minOf(b, loc, v, args[hi], dtype);
                            return v;
                          });
  node.setOutput(0, out, dtype);
  return success();
}

LogicalResult importLeakyRelu(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({"alpha"})) || failed(x))
    return failure();
  if (!isFloatDType(x->dtype))
    return node.error() << "input must be a float tensor";
  double alpha = node.getFloat("alpha", 0.01f);
  Value out = elementwise(
      node.b, node.loc, {x->value}, x->shape(), x->type().getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Type t = args[0].getType();
        Value zero = scalarConstant(b, loc, t, 0);
        Value scaled = arith::MulFOp::create(b, loc, args[0],
                                             scalarConstant(b, loc, t, alpha));
        Value negative = arith::CmpFOp::create(
            b, loc, arith::CmpFPredicate::OLT, args[0], zero);
        return arith::SelectOp::create(b, loc, negative, scaled, args[0]);
      });
  node.setOutput(0, out, x->dtype);
  return success();
}

LogicalResult importSigmoid(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({})) || failed(x))
    return failure();
  if (!isFloatDType(x->dtype))
    return node.error() << "input must be a float tensor";
  Value out = elementwise(
      node.b, node.loc, {x->value}, x->shape(), x->type().getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Type t = args[0].getType();
        Value one = scalarConstant(b, loc, t, 1);
        Value e =
            math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, args[0]));
        return arith::DivFOp::create(b, loc, one,
                                     arith::AddFOp::create(b, loc, one, e));
      });
  node.setOutput(0, out, x->dtype);
  return success();
}

/// Reshapes a quantization parameter for broadcasting against a rank-`rank`
/// tensor: scalars stay, 1-D tensors of shape[axis] elements go along axis.
FailureOr<Value> quantParam(Node &node, const OnnxValue &param,
                            ArrayRef<int64_t> shape, int64_t axis,
                            llvm::StringRef what) {
  if (param.rank() == 0 || (param.rank() == 1 && param.shape()[0] == 1))
    return reshapeTo(node.b, node.loc, param.value, {});
  if (param.rank() != 1)
    return node.error() << what << " must be a scalar or a 1-D tensor";
  FailureOr<int64_t> a = normalizeAxis(node, axis, shape.size());
  if (failed(a))
    return failure();
  if (param.shape()[0] != shape[*a])
    return node.error() << what << " has " << param.shape()[0]
                        << " elements; axis " << *a << " has " << shape[*a];
  return alongAxis(node.b, node.loc, param.value, shape.size(), *a);
}

/// x, its scale and (input 2, when present) its zero point, the parameters
/// broadcast along attribute `axis`: the inputs of a Quantize/
/// DequantizeLinear body. `prefix` ("x" or "y") names them in errors.
FailureOr<SmallVector<Value>> quantInputs(Node &node, const OnnxValue &x,
                                          const OnnxValue &scale,
                                          llvm::StringRef prefix) {
  int64_t axis = node.getInt("axis", 1);
  SmallVector<Value> inputs{x.value};
  FailureOr<Value> s =
      quantParam(node, scale, x.shape(), axis, (prefix + "_scale").str());
  if (failed(s))
    return failure();
  inputs.push_back(*s);
  if (node.has(2)) {
    FailureOr<Value> zp = quantParam(node, node.in(2), x.shape(), axis,
                                     (prefix + "_zero_point").str());
    if (failed(zp))
      return failure();
    inputs.push_back(*zp);
  }
  return inputs;
}

LogicalResult importQuantizeLinear(Node &node) {
  FailureOr<OnnxValue> x = node.required(0), scale = node.required(1);
  if (failed(node.checkAttributes({"axis"})) || failed(x) || failed(scale))
    return failure();
  if (!isFloatDType(scale->dtype))
    return node.error() << "y_scale must be a float tensor";
  DType outType =
      node.has(2) ? node.in(2).dtype : (DType)onnx::TensorProto::UINT8;
  if (outType != onnx::TensorProto::UINT8 && outType != onnx::TensorProto::INT8)
    return node.error() << "quantizing to " << dtypeName(outType)
                        << " is not supported (int8 and uint8 are)";
  FailureOr<SmallVector<Value>> params = quantInputs(node, *x, *scale, "y");
  if (failed(params))
    return failure();
  SmallVector<Value> inputs = std::move(*params);
  DType xType = x->dtype, scaleType = scale->dtype;
  bool isUnsigned = outType == onnx::TensorProto::UINT8;
  Value out = elementwise(
      node.b, node.loc, inputs, x->shape(), node.b.getI8Type(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value v = convertScalar(b, loc, args[0], xType, scaleType);
        v = arith::DivFOp::create(b, loc, v, args[1]);
        v = math::RoundEvenOp::create(b, loc, v);
        Type f = v.getType();
        if (args.size() > 2)
          v = arith::AddFOp::create(
              b, loc, v, convertScalar(b, loc, args[2], outType, scaleType));
        v = arith::MaximumFOp::create(
            b, loc, v, scalarConstant(b, loc, f, isUnsigned ? 0 : -128));
        v = arith::MinimumFOp::create(
            b, loc, v, scalarConstant(b, loc, f, isUnsigned ? 255 : 127));
        return convertScalar(b, loc, v, scaleType, outType);
      });
  node.setOutput(0, out, outType);
  return success();
}

LogicalResult importDequantizeLinear(Node &node) {
  FailureOr<OnnxValue> x = node.required(0), scale = node.required(1);
  if (failed(node.checkAttributes({"axis"})) || failed(x) || failed(scale))
    return failure();
  if (!isFloatDType(scale->dtype))
    return node.error() << "x_scale must be a float tensor";
  if (x->dtype != onnx::TensorProto::UINT8 &&
      x->dtype != onnx::TensorProto::INT8 &&
      x->dtype != onnx::TensorProto::INT32)
    return node.error() << "dequantizing " << dtypeName(x->dtype)
                        << " is not supported (int8, uint8 and int32 are)";
  if (node.has(2) && node.in(2).dtype != x->dtype)
    return node.error() << "x_zero_point must have the input's type";
  FailureOr<SmallVector<Value>> params = quantInputs(node, *x, *scale, "x");
  if (failed(params))
    return failure();
  SmallVector<Value> inputs = std::move(*params);
  DType xType = x->dtype, scaleType = scale->dtype;
  const DType i32 = onnx::TensorProto::INT32;
  Value out = elementwise(
      node.b, node.loc, inputs, x->shape(), scale->type().getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        // (x - zero_point) exactly in i32, then scaled.
        Value v = convertScalar(b, loc, args[0], xType, i32);
        if (args.size() > 2)
          v = arith::SubIOp::create(b, loc, v,
                                    convertScalar(b, loc, args[2], xType, i32));
        v = convertScalar(b, loc, v, i32, scaleType);
        return arith::MulFOp::create(b, loc, v, args[1]);
      });
  node.setOutput(0, out, scaleType);
  // Remember int8 dequantizations with constant parameters (QDQ).
  std::optional<DenseElementsAttr> scales = node.constant(1);
  std::optional<DenseElementsAttr> zeroPoints =
      node.has(2) ? node.constant(2) : std::nullopt;
  if (xType != i32 && scales && (!node.has(2) || zeroPoints)) {
    Importer::Dequantized d;
    d.quantized = *x;
    int64_t axis = node.getInt("axis", 1);
    d.axis = x->rank() ? (axis < 0 ? axis + x->rank() : axis) : 0;
    for (APFloat f : scales->getValues<APFloat>()) {
      bool lost;
      f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      d.scales.push_back(f.convertToDouble());
    }
    if (zeroPoints)
      for (const APInt &z : zeroPoints->getValues<APInt>())
        d.zeroPoints.push_back(xType == onnx::TensorProto::UINT8
                                   ? int64_t(z.getZExtValue())
                                   : z.getSExtValue());
    node.importer.dequantized[out] = std::move(d);
  }
  return success();
}

/// Reduces x[N, C, ...] to [C]: acc += term(x, params...), where params are
/// [C] tensors.
Value reduceToChannels(OpBuilder &b, Location loc, Value x,
                       ArrayRef<Value> params, BodyFn term) {
  auto type = cast<RankedTensorType>(x.getType());
  MLIRContext *context = b.getContext();
  unsigned rank = type.getRank();
  Type elem = type.getElementType();
  AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, context));
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (size_t i = 0; i < params.size(); ++i)
    maps.push_back(channel);
  maps.push_back(channel);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  iterators[1] = utils::IteratorType::parallel;
  SmallVector<Value> inputs{x};
  inputs.append(params.begin(), params.end());
  Value init = filledTensor(b, loc, {type.getDimSize(1)}, elem,
                            scalarConstant(b, loc, elem, 0));
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value t = term(nb, l, args.drop_back());
               Value sum = arith::AddFOp::create(nb, l, args.back(), t);
               linalg::YieldOp::create(nb, l, sum);
             })
      .getResult(0);
}

/// The per-channel scale gamma / sqrt(var + eps) and shift beta - mean *
/// scale of an inference batch norm whose four parameters (inputs 1..4)
/// are constants, computed at import time in double and rounded once to
/// `elem`; nullopt when a parameter is not a constant.
std::optional<std::pair<Value, Value>>
constantScaleShift(Node &node, Type elem, int64_t channels, double epsilon) {
  SmallVector<SmallVector<double>> p;
  for (unsigned i = 1; i < 5; ++i) {
    std::optional<DenseElementsAttr> c = node.constant(i);
    if (!c || !isa<FloatType>(c->getElementType()))
      return std::nullopt;
    SmallVector<double> &values = p.emplace_back();
    for (llvm::APFloat v : c->getValues<llvm::APFloat>()) {
      bool lost;
      v.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      values.push_back(v.convertToDouble());
    }
    if (c->isSplat())
      values.assign(channels, values.front());
  }
  const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
  SmallVector<llvm::APFloat> scale, shift;
  for (int64_t ch = 0; ch < channels; ++ch) {
    double s = p[0][ch] / std::sqrt(p[3][ch] + epsilon);
    for (auto [out, v] :
         {std::pair(&scale, s), std::pair(&shift, p[1][ch] - p[2][ch] * s)}) {
      llvm::APFloat f(v);
      bool lost;
      f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
      out->push_back(f);
    }
  }
  auto type = RankedTensorType::get({channels}, elem);
  auto constant = [&](ArrayRef<llvm::APFloat> values) -> Value {
    return arith::ConstantOp::create(node.b, node.loc,
                                     DenseElementsAttr::get(type, values));
  };
  return std::pair(constant(scale), constant(shift));
}

LogicalResult importBatchNormalization(Node &node) {
  if (failed(node.checkAttributes(
          {"epsilon", "momentum", "training_mode", "spatial"})))
    return failure();
  SmallVector<OnnxValue> in;
  for (unsigned i = 0; i < 5; ++i) {
    FailureOr<OnnxValue> v = node.required(i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  const OnnxValue &x = in[0];
  if (!isFloatDType(x.dtype) || x.rank() < 2)
    return node.error() << "X must be a float tensor of rank >= 2";
  if (node.getInt("spatial", 1) != 1)
    return node.error() << "spatial=0 is not supported";
  int64_t channels = x.shape()[1];
  for (unsigned i = 1; i < 5; ++i)
    if (in[i].rank() != 1 || in[i].shape()[0] != channels ||
        !isFloatDType(in[i].dtype))
      return node.error() << "input " << i << " must be a 1-D float tensor of "
                          << channels << " elements";
  OpBuilder &b = node.b;
  Location loc = node.loc;
  Type elem = x.type().getElementType();
  double epsilon = node.getFloat("epsilon", 1e-5f);
  bool training = node.getInt("training_mode", 0) != 0;
  // Each parameter converted to X's element type.
  SmallVector<Value> params;
  for (unsigned i = 1; i < 5; ++i)
    params.push_back(
        in[i].dtype == x.dtype
            ? in[i].value
            : elementwise(b, loc, {in[i].value}, {channels}, elem,
                          [&](OpBuilder &nb, Location l, ValueRange args) {
                            return convertScalar(nb, l, args[0], in[i].dtype,
                                                 x.dtype);
                          }));
  Value mean = params[2], var = params[3];
  if (training) {
    // Batch statistics (population variance) and updated running ones.
    double count = (double)x.type().getNumElements() / channels;
    Value sum = reduceToChannels(
        b, loc, x.value, {},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    Value batchMean =
        elementwise(b, loc, {sum}, {channels}, elem,
                    [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                      return arith::DivFOp::create(
                          nb, l, args[0], scalarConstant(nb, l, elem, count));
                    });
    Value squares = reduceToChannels(
        b, loc, x.value, {batchMean},
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value d = arith::SubFOp::create(nb, l, args[0], args[1]);
          return arith::MulFOp::create(nb, l, d, d);
        });
    Value batchVar =
        elementwise(b, loc, {squares}, {channels}, elem,
                    [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                      return arith::DivFOp::create(
                          nb, l, args[0], scalarConstant(nb, l, elem, count));
                    });
    double momentum = node.getFloat("momentum", 0.9f);
    auto running = [&](Value old, Value current) {
      return elementwise(
          b, loc, {old, current}, {channels}, elem,
          [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
            Value a = arith::MulFOp::create(
                nb, l, args[0], scalarConstant(nb, l, elem, momentum));
            Value c = arith::MulFOp::create(
                nb, l, args[1], scalarConstant(nb, l, elem, 1 - momentum));
            return arith::AddFOp::create(nb, l, a, c);
          });
    };
    node.setOutput(1, running(mean, batchMean), x.dtype);
    node.setOutput(2, running(var, batchVar), x.dtype);
    mean = batchMean;
    var = batchVar;
  } else if (node.numOutputs() > 1 &&
             (node.outputUsed(1) || node.outputUsed(2))) {
    return node.error() << "running statistics are outputs only in training "
                           "mode";
  }
  // Per channel: scale = gamma / sqrt(var + eps), shift = beta - mean *
  // scale (C values, not one square root and division per element;
  // constants at import time when the parameters are); per element:
  // x * scale + shift, an epilogue of the producing convolution.
  std::optional<std::pair<Value, Value>> folded;
  if (!training)
    folded = constantScaleShift(node, elem, channels, epsilon);
  Value scale =
      folded ? folded->first
             : elementwise(
                   b, loc, {params[0], var}, {channels}, elem,
                   [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     Value denom = math::SqrtOp::create(
                         nb, l,
                         arith::AddFOp::create(
                             nb, l, args[1],
                             scalarConstant(nb, l, elem, epsilon)));
                     return arith::DivFOp::create(nb, l, args[0], denom);
                   });
  Value shift =
      folded ? folded->second
             : elementwise(
                   b, loc, {params[1], mean, scale}, {channels}, elem,
                   [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     return arith::SubFOp::create(
                         nb, l, args[0],
                         arith::MulFOp::create(nb, l, args[1], args[2]));
                   });
  int64_t rank = x.rank();
  Value out = elementwise(
      b, loc,
      {x.value, alongAxis(b, loc, scale, rank, 1),
       alongAxis(b, loc, shift, rank, 1)},
      x.shape(), elem,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::AddFOp::create(
            nb, l, arith::MulFOp::create(nb, l, args[0], args[1]), args[2]);
      });
  node.setOutput(0, out, x.dtype);
  return success();
}

} // namespace

void onnx_import::registerElementwiseOps(HandlerMap &handlers) {
  handlers["Identity"] = {importIdentity, 1};
  handlers["Relu"] = {importRelu, 1};
  handlers["Clip"] = {importClip, 3};
  handlers["LeakyRelu"] = {importLeakyRelu, 1};
  handlers["Sigmoid"] = {importSigmoid, 1};
  handlers["Add"] = {[](Node &n) { return importBinary(n, BinaryKind::Add); },
                     2};
  handlers["Sub"] = {[](Node &n) { return importBinary(n, BinaryKind::Sub); },
                     2};
  handlers["Mul"] = {[](Node &n) { return importBinary(n, BinaryKind::Mul); },
                     2};
  handlers["Div"] = {[](Node &n) { return importBinary(n, BinaryKind::Div); },
                     2};
  handlers["QuantizeLinear"] = {importQuantizeLinear, 3};
  handlers["DequantizeLinear"] = {importDequantizeLinear, 3};
  handlers["BatchNormalization"] = {importBatchNormalization, 5};
}

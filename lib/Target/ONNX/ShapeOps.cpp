//===- ShapeOps.cpp - ONNX constant, shape and softmax operators ----------===//
//
// Part of the qsparse project.
//
// Constant, Reshape, Flatten, Transpose, Concat and Softmax. Shapes are
// static: Reshape's shape must be known at import time.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::onnx_import;

namespace {

LogicalResult importConstant(Node &node) {
  const onnx::AttributeProto *attr = nullptr;
  for (const onnx::AttributeProto &a : node.proto.attribute()) {
    if (attr)
      return node.error() << "exactly one value attribute is allowed";
    attr = &a;
  }
  if (!attr)
    return node.error() << "has no value attribute";
  onnx::TensorProto tensor;
  if (attr->name() == "value") {
    tensor = attr->t();
  } else if (attr->name() == "value_float") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(attr->f());
  } else if (attr->name() == "value_floats") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(attr->floats_size());
    for (float f : attr->floats())
      tensor.add_float_data(f);
  } else if (attr->name() == "value_int") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(attr->i());
  } else if (attr->name() == "value_ints") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(attr->ints_size());
    for (int64_t i : attr->ints())
      tensor.add_int64_data(i);
  } else {
    return node.error() << "unsupported value attribute '" << attr->name()
                        << "'";
  }
  if (tensor.name().empty())
    tensor.set_name(node.proto.output_size() ? node.proto.output(0) : "");
  FailureOr<OnnxValue> v =
      node.importer.constantFrom(tensor, node.loc, "Constant value");
  if (failed(v))
    return failure();
  node.setOutput(0, v->value, v->dtype);
  return success();
}

LogicalResult importReshape(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({"allowzero"})) || failed(x) ||
      failed(node.required(1)))
    return failure();
  FailureOr<SmallVector<int64_t>> requested =
      node.constantInts(1, "the shape input");
  if (failed(requested))
    return failure();
  bool allowZero = node.getInt("allowzero", 0) != 0;
  SmallVector<int64_t> shape;
  int inferred = -1;
  int64_t known = 1;
  for (auto [i, d] : llvm::enumerate(*requested)) {
    if (d == 0 && !allowZero) {
      if ((int64_t)i >= x->rank())
        return node.error()
               << "shape entry " << i << " copies a dimension the input lacks";
      d = x->shape()[i];
    } else if (d == -1) {
      if (inferred >= 0)
        return node.error() << "shape has more than one -1";
      inferred = i;
      shape.push_back(1);
      continue;
    } else if (d < 0) {
      return node.error() << "shape entry " << d << " is invalid";
    }
    shape.push_back(d);
    if (d != 0 && known > (int64_t(1) << 40) / d)
      return node.error() << "shape has more than 2^40 elements";
    known *= d;
  }
  int64_t count = x->type().getNumElements();
  if (inferred >= 0) {
    if (known == 0 || count % known != 0)
      return node.error() << "cannot infer the -1 of the shape for "
                          << x->type();
    shape[inferred] = count / known;
  } else if (known != count) {
    return node.error() << "cannot reshape " << x->type() << " to "
                        << shape.size() << "-D shape with " << known
                        << " elements";
  }
  node.setOutput(0, reshapeTo(node.b, node.loc, x->value, shape), x->dtype);
  return success();
}

LogicalResult importFlatten(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({"axis"})) || failed(x))
    return failure();
  int64_t rank = x->rank();
  int64_t axis = node.getInt("axis", 1);
  if (axis < -rank || axis > rank)
    return node.error() << "axis " << axis << " is out of range for rank "
                        << rank;
  if (axis < 0)
    axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= x->shape()[i];
  node.setOutput(0, reshapeTo(node.b, node.loc, x->value, {outer, inner}),
                 x->dtype);
  return success();
}

LogicalResult importTranspose(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({"perm"})) || failed(x))
    return failure();
  int64_t rank = x->rank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> p = node.getInts("perm")) {
    perm = *p;
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  }
  SmallVector<bool> seen(rank, false);
  if ((int64_t)perm.size() != rank)
    return node.error() << "perm has " << perm.size() << " entries for rank "
                        << rank;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return node.error() << "perm is not a permutation of 0.." << rank - 1;
    seen[p] = true;
  }
  if (llvm::equal(perm, llvm::seq<int64_t>(0, rank))) {
    // The identity (and any rank-0 transpose) is the input itself.
    node.setOutput(0, x->value, x->dtype);
    return success();
  }
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(x->shape()[p]);
  Value init = emptyTensor(node.b, node.loc, shape, x->type().getElementType());
  Value out =
      linalg::TransposeOp::create(node.b, node.loc, x->value, init, perm)
          .getResult()[0];
  node.setOutput(0, out, x->dtype);
  return success();
}

LogicalResult importConcat(Node &node) {
  if (failed(node.checkAttributes({"axis"})))
    return failure();
  if (node.numInputs() == 0)
    return node.error() << "needs at least one input";
  if (!node.attr("axis"))
    return node.error() << "attribute 'axis' is required";
  for (unsigned i = 0; i < node.numInputs(); ++i)
    if (!node.has(i))
      return node.error() << "input " << i << " is missing";
  const OnnxValue &first = node.in(0);
  int64_t rank = first.rank();
  FailureOr<int64_t> axis = normalizeAxis(node, node.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.shape());
  shape[*axis] = 0;
  for (unsigned i = 0; i < node.numInputs(); ++i) {
    const OnnxValue &v = node.in(i);
    if (v.dtype != first.dtype || v.rank() != rank)
      return node.error() << "input " << i
                          << " differs from input 0 in type or rank";
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && v.shape()[d] != first.shape()[d])
        return node.error() << "input " << i << " has shape " << v.type()
                            << ", which does not match input 0 off the axis";
    shape[*axis] += v.shape()[*axis];
  }
  OpBuilder &b = node.b;
  Value out = emptyTensor(b, node.loc, shape, first.type().getElementType());
  int64_t offset = 0;
  for (unsigned i = 0; i < node.numInputs(); ++i) {
    const OnnxValue &v = node.in(i);
    if (v.type().getNumElements() == 0)
      continue;
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    offsets[*axis] = offset;
    out = tensor::InsertSliceOp::create(b, node.loc, v.value, out, ValueRange{},
                                        ValueRange{}, ValueRange{}, offsets,
                                        v.shape(), strides);
    offset += v.shape()[*axis];
  }
  node.setOutput(0, out, first.dtype);
  return success();
}

/// Reduces `x` along `axis` with `combine`, starting from `init`; the result
/// keeps the axis with size 1.
Value reduceAxis(
    OpBuilder &b, Location loc, Value x, int64_t axis, double init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(x.getType());
  MLIRContext *context = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<int64_t> reduced;
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == axis)
      continue;
    reduced.push_back(type.getDimSize(i));
    exprs.push_back(getAffineDimExpr(i, context));
  }
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  Type elem = type.getElementType();
  Value acc =
      filledTensor(b, loc, reduced, elem, scalarConstant(b, loc, elem, init));
  Value r =
      linalg::GenericOp::create(
          b, loc, TypeRange{acc.getType()}, ValueRange{x}, ValueRange{acc},
          {b.getMultiDimIdentityMap(rank),
           AffineMap::get(rank, 0, exprs, context)},
          iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(nb, l, combine(nb, l, args[1], args[0]));
          })
          .getResult(0);
  SmallVector<int64_t> kept(type.getShape());
  kept[axis] = 1;
  return reshapeTo(b, loc, r, kept);
}

/// Softmax of `x` along `axis`: exp(x - max) / sum(exp(x - max)).
Value softmax(OpBuilder &b, Location loc, Value x, int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elem = type.getElementType();
  Value max =
      reduceAxis(b, loc, x, axis, -std::numeric_limits<double>::infinity(),
                 [](OpBuilder &nb, Location l, Value acc, Value v) -> Value {
                   return arith::MaximumFOp::create(nb, l, acc, v);
                 });
  Value e =
      elementwise(b, loc, {x, max}, type.getShape(), elem,
                  [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                    return math::ExpOp::create(
                        nb, l, arith::SubFOp::create(nb, l, args[0], args[1]));
                  });
  Value sum =
      reduceAxis(b, loc, e, axis, 0,
                 [](OpBuilder &nb, Location l, Value acc, Value v) -> Value {
                   return arith::AddFOp::create(nb, l, acc, v);
                 });
  return elementwise(b, loc, {e, sum}, type.getShape(), elem,
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       return arith::DivFOp::create(nb, l, args[0], args[1]);
                     });
}

LogicalResult importSoftmax(Node &node) {
  FailureOr<OnnxValue> x = node.required(0);
  if (failed(node.checkAttributes({"axis"})) || failed(x))
    return failure();
  if (!isFloatDType(x->dtype))
    return node.error() << "input must be a float tensor";
  int64_t rank = x->rank();
  if (rank == 0)
    return node.error() << "input must have rank >= 1";
  bool coerce2D = node.importer.opset < 13;
  FailureOr<int64_t> axis =
      normalizeAxis(node, node.getInt("axis", coerce2D ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  Value out;
  if (coerce2D) {
    // Before opset 13 the input is viewed as 2-D at `axis`.
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < *axis ? outer : inner) *= x->shape()[i];
    Value flat = reshapeTo(node.b, node.loc, x->value, {outer, inner});
    out = reshapeTo(node.b, node.loc, softmax(node.b, node.loc, flat, 1),
                    x->shape());
  } else {
    out = softmax(node.b, node.loc, x->value, *axis);
  }
  node.setOutput(0, out, x->dtype);
  return success();
}

} // namespace

void onnx_import::registerShapeOps(HandlerMap &handlers) {
  handlers["Constant"] = {importConstant, 0};
  handlers["Reshape"] = {importReshape, 2};
  handlers["Flatten"] = {importFlatten, 1};
  handlers["Transpose"] = {importTranspose, 1};
  handlers["Concat"] = {importConcat, kVariadic};
  handlers["Softmax"] = {importSoftmax, 1};
}

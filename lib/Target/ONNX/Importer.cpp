//===- Importer.cpp - ONNX graph walk, tensors and shared helpers ---------===//
//
// Part of the qsparse project.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "qsparse/Dialect/QSparse/IR/QSparse.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cstring>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::onnx_import;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

bool onnx_import::isFloatDType(DType dtype) {
  return dtype == onnx::TensorProto::FLOAT ||
         dtype == onnx::TensorProto::DOUBLE ||
         dtype == onnx::TensorProto::FLOAT16;
}

bool onnx_import::isUnsignedDType(DType dtype) {
  return dtype == onnx::TensorProto::UINT8 ||
         dtype == onnx::TensorProto::UINT16 ||
         dtype == onnx::TensorProto::UINT32 ||
         dtype == onnx::TensorProto::UINT64;
}

bool onnx_import::isIntegerDType(DType dtype) {
  return isUnsignedDType(dtype) || dtype == onnx::TensorProto::INT8 ||
         dtype == onnx::TensorProto::INT16 ||
         dtype == onnx::TensorProto::INT32 || dtype == onnx::TensorProto::INT64;
}

std::string onnx_import::dtypeName(DType dtype) {
  if (onnx::TensorProto::DataType_IsValid(dtype))
    return llvm::StringRef(onnx::TensorProto::DataType_Name(
                               static_cast<onnx::TensorProto::DataType>(dtype)))
        .lower();
  return "data type " + std::to_string(dtype);
}

Type onnx_import::elementType(MLIRContext *context, DType dtype) {
  switch (dtype) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(context);
  case onnx::TensorProto::DOUBLE:
    return Float64Type::get(context);
  case onnx::TensorProto::FLOAT16:
    return Float16Type::get(context);
  case onnx::TensorProto::BOOL:
    return IntegerType::get(context, 1);
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
    return IntegerType::get(context, 8);
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return IntegerType::get(context, 16);
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return IntegerType::get(context, 32);
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return IntegerType::get(context, 64);
  default:
    return {};
  }
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// Appends the low `bytes` bytes of `v` (little-endian host).
static void appendBytes(std::vector<char> &out, uint64_t v, unsigned bytes) {
  char buffer[8];
  std::memcpy(buffer, &v, 8);
  out.insert(out.end(), buffer, buffer + bytes);
}

static std::string blobName(llvm::StringRef name) {
  std::string out = "onnx_";
  for (char c : name)
    out.push_back(llvm::isAlnum(c) || c == '_' ? c : '_');
  return out;
}

FailureOr<ElementsAttr>
onnx_import::convertTensor(const onnx::TensorProto &tensor, Location loc,
                           int64_t resourceThreshold, llvm::StringRef what) {
  MLIRContext *context = loc.getContext();
  DType dtype = tensor.data_type();
  Type elem = elementType(context, dtype);
  if (!elem)
    return emitError(loc) << what << ": unsupported element type "
                          << dtypeName(dtype);
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return emitError(loc) << what
                          << ": tensors stored in external files are not "
                             "supported; save the model with its data inline";
  if (tensor.has_segment())
    return emitError(loc) << what << ": segmented tensors are not supported";
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
      return emitError(loc) << what << ": invalid dimension " << d;
    shape.push_back(d);
    count *= d;
  }
  auto type = RankedTensorType::get(shape, elem);

  if (dtype == onnx::TensorProto::BOOL) {
    SmallVector<bool> bits;
    if (tensor.has_raw_data()) {
      if ((int64_t)tensor.raw_data().size() != count)
        return emitError(loc)
               << what << ": raw data holds " << tensor.raw_data().size()
               << " bytes, " << count << " expected";
      for (char c : tensor.raw_data())
        bits.push_back(c != 0);
    } else {
      if (tensor.int32_data_size() != count)
        return emitError(loc) << what << ": holds " << tensor.int32_data_size()
                              << " values, " << count << " expected";
      for (int32_t v : tensor.int32_data())
        bits.push_back(v != 0);
    }
    return cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef(bits)));
  }

  unsigned bytes = elem.getIntOrFloatBitWidth() / 8;
  std::vector<char> raw;
  auto mismatch = [&](int64_t have) {
    return emitError(loc) << what << ": holds " << have << " values, " << count
                          << " expected";
  };
  if (tensor.has_raw_data()) {
    const std::string &data = tensor.raw_data();
    if ((int64_t)data.size() != count * (int64_t)bytes)
      return emitError(loc) << what << ": raw data holds " << data.size()
                            << " bytes, " << count * bytes << " expected";
    raw.assign(data.begin(), data.end());
  } else {
    switch (dtype) {
    case onnx::TensorProto::FLOAT:
      if (tensor.float_data_size() != count)
        return mismatch(tensor.float_data_size());
      for (float v : tensor.float_data()) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        appendBytes(raw, bits, 4);
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (tensor.double_data_size() != count)
        return mismatch(tensor.double_data_size());
      for (double v : tensor.double_data()) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        appendBytes(raw, bits, 8);
      }
      break;
    case onnx::TensorProto::INT64:
      if (tensor.int64_data_size() != count)
        return mismatch(tensor.int64_data_size());
      for (int64_t v : tensor.int64_data())
        appendBytes(raw, static_cast<uint64_t>(v), 8);
      break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      if (tensor.uint64_data_size() != count)
        return mismatch(tensor.uint64_data_size());
      for (uint64_t v : tensor.uint64_data()) {
        if (bytes == 4 && v > UINT32_MAX)
          return emitError(loc)
                 << what << ": value " << v << " does not fit uint32";
        appendBytes(raw, v, bytes);
      }
      break;
    default: { // int8/16/32, uint8/16 and float16 bits live in int32_data.
      if (tensor.int32_data_size() != count)
        return mismatch(tensor.int32_data_size());
      // Each value must fit the element type (float16: its bit pattern).
      bool isSigned = dtype == onnx::TensorProto::INT8 ||
                      dtype == onnx::TensorProto::INT16 ||
                      dtype == onnx::TensorProto::INT32;
      int64_t lo = isSigned ? -(int64_t(1) << (8 * bytes - 1)) : 0;
      int64_t hi = isSigned ? (int64_t(1) << (8 * bytes - 1)) - 1
                            : (int64_t(1) << (8 * bytes)) - 1;
      for (int32_t v : tensor.int32_data()) {
        if (v < lo || v > hi)
          return emitError(loc) << what << ": value " << v << " does not fit "
                                << dtypeName(dtype);
        appendBytes(raw, static_cast<uint64_t>(static_cast<int64_t>(v)), bytes);
      }
      break;
    }
    }
  }

  if (resourceThreshold >= 0 && (int64_t)raw.size() >= resourceThreshold &&
      count > 1) {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(raw), std::max<size_t>(bytes, 8));
    std::string name =
        blobName(tensor.name().empty() ? std::string("tensor") : tensor.name());
    return cast<ElementsAttr>(
        DenseResourceElementsAttr::get(type, name, std::move(blob)));
  }
  bool detectedSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, raw, detectedSplat))
    return emitError(loc) << what << ": data does not fit its type";
  return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, raw));
}

//===----------------------------------------------------------------------===//
// IR helpers
//===----------------------------------------------------------------------===//

Value onnx_import::emptyTensor(OpBuilder &b, Location loc,
                               ArrayRef<int64_t> shape, Type elem) {
  return tensor::EmptyOp::create(b, loc, shape, elem);
}

Value onnx_import::filledTensor(OpBuilder &b, Location loc,
                                ArrayRef<int64_t> shape, Type elem,
                                Value value) {
  Value empty = emptyTensor(b, loc, shape, elem);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value onnx_import::scalarConstant(OpBuilder &b, Location loc, Type type,
                                  double v) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, v));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
}

FailureOr<SmallVector<int64_t>>
onnx_import::broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> out(rank, 1);
  for (ArrayRef<int64_t> s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t &d = out[rank - s.size() + i];
      if (s[i] == d || s[i] == 1)
        continue;
      if (d != 1)
        return failure();
      d = s[i];
    }
  }
  return out;
}

Value onnx_import::elementwise(OpBuilder &b, Location loc,
                               ArrayRef<Value> inputs,
                               ArrayRef<int64_t> outShape, Type outElem,
                               BodyFn body) {
  MLIRContext *context = b.getContext();
  unsigned rank = outShape.size();
  SmallVector<AffineMap> maps;
  for (Value v : inputs) {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
    SmallVector<AffineExpr> exprs;
    for (size_t i = 0; i < shape.size(); ++i) {
      unsigned d = rank - shape.size() + i;
      exprs.push_back(shape[i] == 1 && outShape[d] != 1
                          ? getAffineConstantExpr(0, context)
                          : getAffineDimExpr(d, context));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = emptyTensor(b, loc, outShape, outElem);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

Value onnx_import::reshapeTo(OpBuilder &b, Location loc, Value v,
                             ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  auto target = RankedTensorType::get(shape, type.getElementType());
  // A shape tensor of constants: tensor.reshape takes any static reshape.
  SmallVector<int64_t> dims(shape);
  auto shapeType =
      RankedTensorType::get({(int64_t)dims.size()}, b.getIndexType());
  Value shapeValue = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(
          shapeType, llvm::map_to_vector(dims, [&](int64_t d) -> Attribute {
            return b.getIndexAttr(d);
          })));
  if (type.getRank() == 0 || shape.empty())
    return tensor::ReshapeOp::create(b, loc, target, v, shapeValue);
  // Collapse to 1-D and expand: both are plain views after bufferization.
  int64_t count = type.getNumElements();
  Value flat = v;
  if (type.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < type.getRank(); ++i)
      all[0].push_back(i);
    flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({count}, type.getElementType()), v, all);
  }
  if (shape.size() == 1)
    return flat;
  SmallVector<ReassociationIndices> all(1);
  for (size_t i = 0; i < shape.size(); ++i)
    all[0].push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, target, flat, all);
}

Value onnx_import::alongAxis(OpBuilder &b, Location loc, Value v, int64_t rank,
                             int64_t axis) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = type.getNumElements();
  return reshapeTo(b, loc, v, shape);
}

Value onnx_import::convertScalar(OpBuilder &b, Location loc, Value v,
                                 DType from, DType to) {
  Type target = elementType(b.getContext(), to);
  Type source = v.getType();
  if (source == target)
    return v;
  bool fromFloat = isFloatDType(from), toFloat = isFloatDType(to);
  if (fromFloat && toFloat) {
    if (source.getIntOrFloatBitWidth() < target.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, target, v);
    return arith::TruncFOp::create(b, loc, target, v);
  }
  if (fromFloat)
    return isUnsignedDType(to)
               ? arith::FPToUIOp::create(b, loc, target, v).getResult()
               : arith::FPToSIOp::create(b, loc, target, v).getResult();
  bool fromUnsigned = isUnsignedDType(from) || from == onnx::TensorProto::BOOL;
  if (toFloat)
    return fromUnsigned
               ? arith::UIToFPOp::create(b, loc, target, v).getResult()
               : arith::SIToFPOp::create(b, loc, target, v).getResult();
  unsigned fromBits = source.getIntOrFloatBitWidth();
  unsigned toBits = target.getIntOrFloatBitWidth();
  if (fromBits > toBits)
    return arith::TruncIOp::create(b, loc, target, v);
  return fromUnsigned ? arith::ExtUIOp::create(b, loc, target, v).getResult()
                      : arith::ExtSIOp::create(b, loc, target, v).getResult();
}

FailureOr<int64_t> onnx_import::normalizeAxis(Node &node, int64_t axis,
                                              int64_t rank,
                                              llvm::StringRef what) {
  if (axis < -rank || axis >= rank)
    return node.error() << what << " " << axis << " is out of range for rank "
                        << rank;
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Node
//===----------------------------------------------------------------------===//

Node::Node(Importer &importer, const onnx::NodeProto &proto,
           SmallVector<OnnxValue> inputs)
    : importer(importer), proto(proto), b(importer.builder),
      loc(importer.nodeLoc(proto)), inputs(std::move(inputs)) {
  outputs.resize(proto.output_size());
}

InFlightDiagnostic Node::error() {
  return emitError(loc) << "node '" << proto.name() << "' (" << proto.op_type()
                        << "): ";
}

FailureOr<OnnxValue> Node::required(unsigned i) {
  if (!has(i))
    return error() << "input " << i << " is required";
  return inputs[i];
}

std::optional<DenseElementsAttr> Node::constant(unsigned i) const {
  if (!has(i))
    return std::nullopt;
  return getConstantElements(inputs[i].value);
}

FailureOr<SmallVector<int64_t>> Node::constantInts(unsigned i,
                                                   llvm::StringRef what) {
  std::optional<DenseElementsAttr> attr = constant(i);
  if (!attr)
    return error() << what
                   << " must be a constant (an initializer, a Constant node "
                      "or --constant-input)";
  if (!isa<IntegerType>(attr->getElementType()))
    return error() << what << " must hold integers";
  SmallVector<int64_t> out;
  bool isUnsigned = isUnsignedDType(inputs[i].dtype);
  for (const APInt &v : attr->getValues<APInt>())
    out.push_back(isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue());
  return out;
}

const onnx::AttributeProto *Node::attr(llvm::StringRef name) const {
  for (const onnx::AttributeProto &a : proto.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

const onnx::AttributeProto *Node::typedAttr(llvm::StringRef name,
                                            int type) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a || a->type() == type)
    return a;
  // Reported once; the importer fails the node after its handler.
  if (!badAttribute)
    const_cast<Node *>(this)->error()
        << "attribute '" << name << "' must be of type "
        << onnx::AttributeProto::AttributeType_Name(
               static_cast<onnx::AttributeProto::AttributeType>(type));
  badAttribute = true;
  return nullptr;
}

int64_t Node::getInt(llvm::StringRef name, int64_t dflt) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::INT);
  return a ? a->i() : dflt;
}

float Node::getFloat(llvm::StringRef name, float dflt) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : dflt;
}

std::string Node::getString(llvm::StringRef name, llvm::StringRef dflt) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::STRING);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>> Node::getInts(llvm::StringRef name) const {
  const onnx::AttributeProto *a = typedAttr(name, onnx::AttributeProto::INTS);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

void Node::setOutput(unsigned i, Value value, DType dtype) {
  if (i < outputs.size())
    outputs[i] = OnnxValue{value, dtype};
}

LogicalResult Node::checkAttributes(ArrayRef<llvm::StringRef> known) {
  for (const onnx::AttributeProto &a : proto.attribute())
    if (!llvm::is_contained(known, a.name()))
      return error() << "unsupported attribute '" << a.name() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

Importer::Importer(MLIRContext *context, llvm::StringRef fileName,
                   const ImportOptions &options)
    : context(context), builder(context), fileName(fileName.str()),
      options(options) {
  registerElementwiseOps(handlers);
  registerShapeOps(handlers);
  registerNNOps(handlers);
}

Location Importer::nodeLoc(const onnx::NodeProto &node) {
  Location file = FileLineColLoc::get(context, fileName, 0, 0);
  if (node.name().empty())
    return file;
  return NameLoc::get(StringAttr::get(context, node.name()), file);
}

FailureOr<OnnxValue> Importer::constantFrom(const onnx::TensorProto &tensor,
                                            Location loc,
                                            llvm::StringRef what) {
  FailureOr<ElementsAttr> attr =
      convertTensor(tensor, loc, options.resourceThresholdBytes, what);
  if (failed(attr))
    return failure();
  Value v = arith::ConstantOp::create(builder, loc, cast<TypedAttr>(*attr));
  dtypes[v] = tensor.data_type();
  return OnnxValue{v, tensor.data_type()};
}

FailureOr<RankedTensorType>
Importer::convertValueType(const onnx::ValueInfoProto &info, DType &dtype,
                           llvm::StringRef role) {
  Location loc = FileLineColLoc::get(context, fileName, 0, 0);
  if (!info.has_type() || !info.type().has_tensor_type())
    return emitError(loc) << role << " '" << info.name()
                          << "' is not a tensor (sequence, map and optional "
                             "types are not supported)";
  const onnx::TypeProto::Tensor &t = info.type().tensor_type();
  dtype = t.elem_type();
  Type elem = elementType(context, dtype);
  if (!elem)
    return emitError(loc) << role << " '" << info.name()
                          << "' has unsupported element type "
                          << dtypeName(dtype);
  if (!t.has_shape())
    return emitError(loc) << role << " '" << info.name()
                          << "' has no shape; qsparse compiles static shapes";
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &d : t.shape().dim()) {
    if (!d.has_dim_value() || d.dim_value() < 0)
      return emitError(loc)
             << role << " '" << info.name() << "' has dynamic dimension '"
             << d.dim_param() << "'; qsparse compiles static shapes";
    shape.push_back(d.dim_value());
  }
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d > 0 && count > (int64_t(1) << 40) / d)
      return emitError(loc)
             << role << " '" << info.name() << "' has more than 2^40 elements";
    count *= d;
  }
  return RankedTensorType::get(shape, elem);
}

LogicalResult Importer::importGraph(const onnx::GraphProto &graph,
                                    ModuleOp module) {
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, fileLoc, options.entryName,
                                   builder.getFunctionType({}, {}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);

  // Initializers first: graph inputs of the same name are defaults only.
  for (const onnx::TensorProto &init : graph.initializer()) {
    FailureOr<OnnxValue> v =
        constantFrom(init, fileLoc, "initializer '" + init.name() + "'");
    if (failed(v))
      return failure();
    values[init.name()] = *v;
  }

  llvm::StringSet<> boundInputs;
  SmallVector<Type> argTypes;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (values.count(input.name()))
      continue;
    auto bound = options.constantInputs.find(input.name());
    if (bound != options.constantInputs.end()) {
      onnx::TensorProto tensor;
      if (!tensor.ParseFromString(bound->second))
        return emitError(fileLoc) << "--constant-input for '" << input.name()
                                  << "' is not a serialized TensorProto";
      FailureOr<OnnxValue> v = constantFrom(
          tensor, fileLoc, "constant input '" + input.name() + "'");
      if (failed(v))
        return failure();
      values[input.name()] = *v;
      boundInputs.insert(input.name());
      continue;
    }
    DType dtype = 0;
    FailureOr<RankedTensorType> type =
        convertValueType(input, dtype, "graph input");
    if (failed(type))
      return failure();
    BlockArgument arg = entry->addArgument(*type, fileLoc);
    argTypes.push_back(*type);
    dtypes[arg] = dtype;
    values[input.name()] = OnnxValue{arg, dtype};
  }
  for (const auto &bound : options.constantInputs)
    if (!boundInputs.contains(bound.getKey()))
      return emitError(fileLoc) << "--constant-input names '" << bound.getKey()
                                << "', which is not a graph input";

  for (const onnx::NodeProto &proto : graph.node()) {
    Location loc = nodeLoc(proto);
    auto fail = [&]() {
      return emitError(loc)
             << "node '" << proto.name() << "' (" << proto.op_type() << "): ";
    };
    if (!proto.domain().empty() && proto.domain() != "ai.onnx")
      return fail() << "operator domain '" << proto.domain()
                    << "' is not supported";
    auto handler = handlers.find(proto.op_type());
    if (handler == handlers.end())
      return fail() << "unsupported operator '" << proto.op_type() << "'";
    SmallVector<OnnxValue> inputs;
    for (const std::string &name : proto.input()) {
      if (name.empty()) {
        inputs.push_back(OnnxValue{});
        continue;
      }
      auto it = values.find(name);
      if (it == values.end())
        return fail() << "input '" << name
                      << "' is not defined before the node";
      inputs.push_back(it->second);
    }
    while (!inputs.empty() && !inputs.back())
      inputs.pop_back();
    unsigned limit = handler->second.maxInputs;
    if (inputs.size() > limit)
      return fail() << "takes at most " << limit
                    << (limit == 1 ? " input" : " inputs") << ", got "
                    << inputs.size();
    Node node(*this, proto, std::move(inputs));
    if (failed(handler->second.import(node)) || node.badAttribute)
      return failure();
    for (int i = 0; i < proto.output_size(); ++i) {
      if (proto.output(i).empty())
        continue;
      if (!node.outputs[i])
        return fail() << "output " << i << " ('" << proto.output(i)
                      << "') is not supported";
      dtypes[node.outputs[i].value] = node.outputs[i].dtype;
      values[proto.output(i)] = node.outputs[i];
    }
  }

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return emitError(fileLoc) << "graph output '" << output.name()
                                << "' is not produced by any node";
    OnnxValue v = it->second;
    // The declared type, where there is one, must agree with ours.
    if (output.has_type() && output.type().has_tensor_type()) {
      const onnx::TypeProto::Tensor &t = output.type().tensor_type();
      if (t.elem_type() != 0 && t.elem_type() != v.dtype)
        return emitError(fileLoc)
               << "graph output '" << output.name() << "' is declared "
               << dtypeName(t.elem_type()) << " but computes "
               << dtypeName(v.dtype);
      if (t.has_shape()) {
        bool matches = t.shape().dim_size() == v.rank();
        for (int i = 0; matches && i < t.shape().dim_size(); ++i)
          if (t.shape().dim(i).has_dim_value() &&
              t.shape().dim(i).dim_value() != v.shape()[i])
            matches = false;
        if (!matches) {
          auto diag = emitError(fileLoc) << "graph output '" << output.name()
                                         << "' is declared with shape [";
          for (int i = 0; i < t.shape().dim_size(); ++i)
            diag << (i ? "," : "")
                 << (t.shape().dim(i).has_dim_value()
                         ? std::to_string(t.shape().dim(i).dim_value())
                         : t.shape().dim(i).dim_param());
          diag << "] but computes " << v.type();
          return diag;
        }
      }
    }
    results.push_back(v.value);
    resultTypes.push_back(v.value.getType());
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  return success();
}

OwningOpRef<ModuleOp> Importer::run(const onnx::ModelProto &model) {
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  opset = 0;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx")
      opset = id.version();
  if (opset == 0) {
    if (model.opset_import_size() == 0 && model.ir_version() < 3) {
      opset = 1;
    } else {
      emitError(fileLoc) << "the model imports no version of the default "
                            "ONNX operator set";
      return nullptr;
    }
  }
  if (!model.has_graph()) {
    emitError(fileLoc) << "the model has no graph";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  if (failed(importGraph(model.graph(), *module)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  // Fold the constants and reshapes the handlers left behind.
  PassManager pm(context);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(*module)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> onnx_import::importModel(llvm::StringRef bytes,
                                               llvm::StringRef fileName,
                                               MLIRContext *context,
                                               const ImportOptions &options) {
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       linalg::LinalgDialect, math::MathDialect,
                       tensor::TensorDialect, qsparse::QSparseDialect>();
  Location fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  if (bytes.size() > (size_t)INT32_MAX) {
    emitError(fileLoc) << "models over 2 GiB are not supported";
    return nullptr;
  }
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    emitError(fileLoc) << "not a valid ONNX model (the protobuf does not "
                          "parse; the file may be truncated or corrupted)";
    return nullptr;
  }
  Importer importer(context, fileName, options);
  return importer.run(model);
}

std::vector<std::string> onnx_import::supportedOperators() {
  HandlerMap handlers;
  registerElementwiseOps(handlers);
  registerShapeOps(handlers);
  registerNNOps(handlers);
  std::vector<std::string> names;
  for (const auto &entry : handlers)
    names.push_back(entry.getKey().str());
  llvm::sort(names);
  return names;
}

void onnx_import::registerImportDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  math::MathDialect, tensor::TensorDialect,
                  qsparse::QSparseDialect>();
}

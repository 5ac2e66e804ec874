//===- Importer.h - shared state of the ONNX importer -----------*- C++ -*-===//
//
// Part of the qsparse project.
//
// Internal to lib/Target/ONNX. `Importer` walks the graph; each supported
// operator has a handler (ElementwiseOps.cpp, ShapeOps.cpp, NNOps.cpp) that
// reads its inputs and attributes through a `Node` and emits upstream
// linalg/tensor/arith/math ops. Integer tensors are signless in the IR; the
// importer remembers each value's ONNX element type (signedness included).
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_LIB_TARGET_ONNX_IMPORTER_H
#define QSPARSE_LIB_TARGET_ONNX_IMPORTER_H

#include "qsparse/Target/ONNX/ImportONNX.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>

namespace qsparse {
namespace onnx_import {

/// ONNX element type codes (onnx.TensorProto.DataType).
using DType = int32_t;
bool isFloatDType(DType dtype);
bool isUnsignedDType(DType dtype);
/// Signed or unsigned integers (bool excluded).
bool isIntegerDType(DType dtype);
/// The ONNX name of `dtype` ("float", "uint8", ...).
std::string dtypeName(DType dtype);

/// A value with its ONNX element type.
struct OnnxValue {
  mlir::Value value;
  DType dtype = 0;
  explicit operator bool() const { return static_cast<bool>(value); }
  mlir::RankedTensorType type() const {
    return mlir::cast<mlir::RankedTensorType>(value.getType());
  }
  llvm::ArrayRef<int64_t> shape() const { return type().getShape(); }
  int64_t rank() const { return type().getRank(); }
};

class Importer;

/// One node being imported: its inputs, attributes and outputs.
class Node {
public:
  Node(Importer &importer, const onnx::NodeProto &proto,
       llvm::SmallVector<OnnxValue> inputs);

  Importer &importer;
  const onnx::NodeProto &proto;
  mlir::OpBuilder &b;
  mlir::Location loc;

  /// An error diagnostic that names the node and its op type.
  mlir::InFlightDiagnostic error();

  unsigned numInputs() const { return inputs.size(); }
  /// Whether optional input `i` is present.
  bool has(unsigned i) const { return i < inputs.size() && inputs[i]; }
  const OnnxValue &in(unsigned i) const { return inputs[i]; }
  /// Requires input `i`; emits an error if it is absent.
  mlir::FailureOr<OnnxValue> required(unsigned i);
  /// The value of input `i` if it is a compile-time constant.
  std::optional<mlir::DenseElementsAttr> constant(unsigned i) const;
  /// Integer values of constant input `i` (any integer type), or an error.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  constantInts(unsigned i, llvm::StringRef what);

  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  /// `name` if present with attribute type `type`; a present attribute of
  /// another type is an error (reported once, `badAttribute` set).
  const onnx::AttributeProto *typedAttr(llvm::StringRef name, int type) const;
  mutable bool badAttribute = false;
  int64_t getInt(llvm::StringRef name, int64_t dflt) const;
  float getFloat(llvm::StringRef name, float dflt) const;
  std::string getString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name) const;

  /// Number of outputs the graph uses (trailing absent ones dropped).
  unsigned numOutputs() const { return proto.output_size(); }
  bool outputUsed(unsigned i) const {
    return i < (unsigned)proto.output_size() && !proto.output(i).empty();
  }
  void setOutput(unsigned i, mlir::Value value, DType dtype);

  /// Fails (after an error) unless the attributes used are all known.
  mlir::LogicalResult checkAttributes(llvm::ArrayRef<llvm::StringRef> known);

  llvm::SmallVector<OnnxValue> inputs;
  llvm::SmallVector<OnnxValue> outputs;
};

using Handler = std::function<mlir::LogicalResult(Node &)>;
/// A supported operator: its importer and how many inputs it takes at most
/// (`kVariadic`: any number); more is an error before the handler runs.
struct OpImporter {
  Handler import;
  unsigned maxInputs;
};
constexpr unsigned kVariadic = ~0u;
using HandlerMap = llvm::StringMap<OpImporter>;
void registerElementwiseOps(HandlerMap &handlers);
void registerShapeOps(HandlerMap &handlers);
void registerNNOps(HandlerMap &handlers);

/// The element type of `dtype` in the IR (integers signless), or null.
mlir::Type elementType(mlir::MLIRContext *context, DType dtype);

/// Converts a TensorProto to an attribute (dense, or dense_resource when at
/// least `resourceThreshold` bytes; negative: never). `what` names it in
/// errors.
mlir::FailureOr<mlir::ElementsAttr>
convertTensor(const onnx::TensorProto &tensor, mlir::Location loc,
              int64_t resourceThreshold, llvm::StringRef what);

//===----------------------------------------------------------------------===//
// IR building helpers shared by the handlers
//===----------------------------------------------------------------------===//

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// An empty tensor of `shape` x `elem`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<int64_t> shape, mlir::Type elem);
/// A tensor of `shape` x `elem` filled with `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<int64_t> shape, mlir::Type elem,
                         mlir::Value value);
/// A scalar constant of `type` (integer or float) with value `v`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double v);

/// Numpy-style (multidirectional) broadcast of `shapes`; fails if two
/// dimensions differ and neither is 1.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);

/// A linalg.generic over `outShape` whose inputs are broadcast numpy-style
/// (right-aligned, size-1 dimensions repeated); `body` maps the input
/// scalars to the result scalar of type `outElem`.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::Value> inputs,
                        llvm::ArrayRef<int64_t> outShape, mlir::Type outElem,
                        BodyFn body);

/// Any static reshape (same element count): collapse to 1-D, expand.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      llvm::ArrayRef<int64_t> shape);

/// A 1-D tensor of size shape[axis] reshaped to rank `rank` with its
/// elements along `axis` (other dimensions 1), for per-axis broadcasting.
mlir::Value alongAxis(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      int64_t rank, int64_t axis);

/// Converts scalar `v` of ONNX type `from` to ONNX type `to` (integer <->
/// float and width changes, honouring signedness; float -> integer
/// truncates toward zero).
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          DType from, DType to);

/// Normalizes a possibly negative axis for rank `rank`; fails outside
/// [-rank, rank).
mlir::FailureOr<int64_t> normalizeAxis(Node &node, int64_t axis, int64_t rank,
                                       llvm::StringRef what = "axis");

/// `v` with its dimensions permuted (result dim i = input dim perm[i]), as
/// linalg.transpose, then reshaped to `reshaped` when given; folded when `v`
/// is a constant (dense or resource).
mlir::Value permute(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                    llvm::ArrayRef<int64_t> perm,
                    llvm::ArrayRef<int64_t> reshaped = {});

/// Pads the spatial dimensions (2..) of `x` with `value`.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       llvm::ArrayRef<int64_t> low,
                       llvm::ArrayRef<int64_t> high, mlir::Value value);

/// QDQ: a Conv (2-D, one group) whose X and W are DequantizeLinear results
/// with constant parameters (X per tensor; W constant int8, per tensor or
/// per output channel, one zero point) becomes qsparse.conv2d on the
/// quantized tensors (NHWC image, HWCF filter, i32 accumulator) and one
/// elementwise op y = acc * (x_scale * w_scale[m]) + B[m] back in NCHW.
/// A depthwise one (group = channels, one filter each, weight zero point 0)
/// becomes linalg.depthwise_conv_2d_nhwc_hwc on int8 (uint8 inputs shifted
/// by 128) with the input zero point's share subtracted per channel.
/// `padding` is [top, left, bottom, right], `out` the output's spatial size
/// (as the ONNX window computed them). std::nullopt (no error) when the
/// pattern does not apply.
std::optional<mlir::Value> importQdqConv(Node &node,
                                         llvm::ArrayRef<int64_t> strides,
                                         llvm::ArrayRef<int64_t> dilations,
                                         llvm::ArrayRef<int64_t> padding,
                                         llvm::ArrayRef<int64_t> out);
/// The same for Gemm (transA = 0, alpha = 1, C absent or a 1-D bias with
/// beta = 1) and 2-D MatMul: qsparse.matmul, then the dequantization.
std::optional<mlir::Value> importQdqMatmul(Node &node, bool transB);

/// The importer: graph walk, values, constants.
class Importer {
public:
  Importer(mlir::MLIRContext *context, llvm::StringRef fileName,
           const ImportOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> run(const onnx::ModelProto &model);

  mlir::MLIRContext *context;
  mlir::OpBuilder builder;
  std::string fileName;
  const ImportOptions &options;
  /// Opset version of the default ("" / "ai.onnx") domain.
  int64_t opset = 0;
  /// ONNX element type of every imported value.
  llvm::DenseMap<mlir::Value, DType> dtypes;

  /// A DequantizeLinear result with constant scale and zero point: the
  /// quantized tensor and its parameters (one, or one per index of `axis`).
  /// Conv and Gemm/MatMul read through it to form quantized contractions
  /// (QDQ); unused, the float dequantization is erased as dead code.
  struct Dequantized {
    OnnxValue quantized;
    llvm::SmallVector<double> scales;
    llvm::SmallVector<int64_t> zeroPoints;
    int64_t axis = 0;
  };
  llvm::DenseMap<mlir::Value, Dequantized> dequantized;

  mlir::Location nodeLoc(const onnx::NodeProto &node);
  /// A constant from a tensor proto (named `what` in errors).
  mlir::FailureOr<OnnxValue> constantFrom(const onnx::TensorProto &tensor,
                                          mlir::Location loc,
                                          llvm::StringRef what);

private:
  mlir::LogicalResult importGraph(const onnx::GraphProto &graph,
                                  mlir::ModuleOp module);
  mlir::FailureOr<mlir::RankedTensorType>
  convertValueType(const onnx::ValueInfoProto &info, DType &dtype,
                   llvm::StringRef role);

  HandlerMap handlers;
  llvm::StringMap<OnnxValue> values;
};

} // namespace onnx_import
} // namespace qsparse

#endif // QSPARSE_LIB_TARGET_ONNX_IMPORTER_H

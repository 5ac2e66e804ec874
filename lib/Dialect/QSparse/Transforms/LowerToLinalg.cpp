//===- LowerToLinalg.cpp - qsparse ops to linalg on integer storage -------===//
//
// Implements --qsparse-lower-to-linalg: every qsparse op becomes linalg,
// tensor and arith ops with the exact semantics of DESIGN 3, and code element
// types become their signless storage types. The reference pipeline runs this
// first, so the bodies here favour obviousness over speed.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"
#include "qsparse/Numerics/Codecs.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/Transforms/DialectConversion.h"

namespace qsparse {
#define GEN_PASS_DEF_LOWERQSPARSETOLINALG
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  // Sign-extend explicitly: getIntegerAttr(type, int64_t) zero-extends into
  // types wider than 64 bits.
  APInt bits(type.getIntOrFloatBitWidth(), value, /*isSigned=*/true,
             /*implicitTrunc=*/true);
  return arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, bits));
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// Sign- or zero-extends (or truncates) an integer to `to`.
Value castInteger(OpBuilder &b, Location loc, Value v, Type to,
                  bool isUnsigned) {
  unsigned from = v.getType().getIntOrFloatBitWidth();
  unsigned width = to.getIntOrFloatBitWidth();
  if (from == width)
    return v;
  if (from > width)
    return arith::TruncIOp::create(b, loc, to, v);
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, to, v);
  return arith::ExtSIOp::create(b, loc, to, v);
}

Value toF64(OpBuilder &b, Location loc, Value v) {
  Type f64 = b.getF64Type();
  if (v.getType() == f64)
    return v;
  return arith::ExtFOp::create(b, loc, f64, v);
}

Value fromF64(OpBuilder &b, Location loc, Value v, Type to) {
  if (to == v.getType())
    return v;
  return arith::TruncFOp::create(b, loc, to, v);
}

/// The identity map for the elementwise operands and, for per-axis
/// parameters, the map that picks the axis (or the single entry).
AffineMap axisMap(OpBuilder &b, unsigned rank, std::optional<int64_t> axis) {
  if (axis)
    return AffineMap::get(rank, 0, b.getAffineDimExpr(*axis));
  return AffineMap::get(rank, 0, b.getAffineConstantExpr(0));
}

Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// One parallel linalg.generic producing `resultType` from `inputs`.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                       BodyFn body) {
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyLike(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

/// A constant 1-D table.
Value tableConstant(OpBuilder &b, Location loc, Type elementType,
                    ArrayRef<Attribute> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, elementType);
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

/// Index into a per-code table: the low B bits of the stored code.
Value codeIndex(OpBuilder &b, Location loc, Value code, unsigned bits) {
  Value masked = arith::AndIOp::create(
      b, loc, code,
      intConstant(b, loc, code.getType(), (int64_t(1) << bits) - 1));
  return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), masked);
}

bool isTableFormat(numerics::CodeFormat format) {
  return format.kind != numerics::CodeKind::Int;
}

LogicalResult requireStaticShapes(Operation *op,
                                  ConversionPatternRewriter &rewriter) {
  for (Type type :
       llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (auto shaped = dyn_cast<ShapedType>(type))
      if (!shaped.hasStaticShape())
        return op->emitOpError()
               << "has a dynamic shape (" << type
               << "); the qsparse lowering needs static shapes";
  return success();
}

//===----------------------------------------------------------------------===//
// quantize / dequantize / decode / bitcast
//===----------------------------------------------------------------------===//

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    numerics::CodeFormat format = *getCodeFormat(op.getType().getElementType());
    auto resultType =
        cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    Type storage = resultType.getElementType();
    unsigned rank = resultType.getRank();

    // Flint and PoT: nearest grid value by counting the midpoints at or
    // below x/s (strictly below for negative midpoints: ties go away from
    // zero), then a table from grid index to code.
    SmallVector<double> midpoints;
    Value codeTable;
    if (isTableFormat(format)) {
      std::vector<double> grid = numerics::gridValues(format);
      SmallVector<Attribute> codes;
      for (double g : grid)
        codes.push_back(rewriter.getIntegerAttr(
            storage, numerics::encodeNearest(format, g)));
      for (size_t i = 0; i + 1 < grid.size(); ++i)
        midpoints.push_back((grid[i] + grid[i + 1]) / 2);
      codeTable = tableConstant(rewriter, loc, storage, codes);
    }
    uint32_t zeroCode = numerics::encodeNearest(format, 0.0);
    double lo = numerics::minGridValue(format);
    double hi = numerics::maxGridValue(format);

    Value result = buildElementwise(
        rewriter, loc, resultType, {adaptor.getInput(), adaptor.getScales()},
        {rewriter.getMultiDimIdentityMap(rank),
         axisMap(rewriter, rank, op.getAxis())},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value v = arith::DivFOp::create(b, l, toF64(b, l, args[0]),
                                          toF64(b, l, args[1]));
          Value isNan =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, v, v);
          Value code;
          if (codeTable) {
            Type i32 = b.getI32Type();
            Value count = intConstant(b, l, i32, 0);
            Value one = intConstant(b, l, i32, 1);
            Value zero = count;
            for (double mid : midpoints) {
              auto pred = mid < 0 ? arith::CmpFPredicate::OGT
                                  : arith::CmpFPredicate::OGE;
              Value above = arith::CmpFOp::create(
                  b, l, pred, v,
                  arith::ConstantOp::create(b, l, b.getF64FloatAttr(mid)));
              count = arith::AddIOp::create(
                  b, l, count, arith::SelectOp::create(b, l, above, one, zero));
            }
            Value index =
                arith::IndexCastOp::create(b, l, b.getIndexType(), count);
            code = tensor::ExtractOp::create(b, l, codeTable, index);
          } else {
            // Integer codes: round half away from zero, saturate.
            Value r = math::RoundOp::create(b, l, v);
            r = arith::MaximumFOp::create(
                b, l, r,
                arith::ConstantOp::create(b, l, b.getF64FloatAttr(lo)));
            r = arith::MinimumFOp::create(
                b, l, r,
                arith::ConstantOp::create(b, l, b.getF64FloatAttr(hi)));
            Type wide = b.getI64Type();
            Value asInt = arith::FPToSIOp::create(b, l, wide, r);
            code = castInteger(b, l, asInt, storage, false);
          }
          return arith::SelectOp::create(
              b, l, isNan, intConstant(b, l, storage, zeroCode), code);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Replaces `op` by the constant it evaluates to when its inputs are
/// constants (a weight's codes, scales, N:M values and metadata), with the
/// values the lowered loops would compute (evaluateConstant).
LogicalResult foldToConstant(Operation *op, Type resultType,
                             ConversionPatternRewriter &rewriter) {
  std::optional<DenseElementsAttr> value = evaluateConstant(op->getResult(0));
  if (!value)
    return failure();
  DenseElementsAttr attr = *value;
  Type element = cast<ShapedType>(resultType).getElementType();
  if (attr.getElementType() != element) {
    // ui/si integers become their signless storage.
    if (!isa<IntegerType>(element) ||
        !attr.getElementType().isInteger(element.getIntOrFloatBitWidth()))
      return failure();
    attr = attr.bitcast(element);
  }
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, attr);
  return success();
}

/// The value of `code` (a stored code of `format`) as an f64.
Value codeValueF64(OpBuilder &b, Location loc, Value code,
                   numerics::CodeFormat format, Value valueTable) {
  if (!isTableFormat(format)) {
    if (format.isSigned)
      return arith::SIToFPOp::create(b, loc, b.getF64Type(), code);
    return arith::UIToFPOp::create(b, loc, b.getF64Type(), code);
  }
  return tensor::ExtractOp::create(b, loc, valueTable,
                                   codeIndex(b, loc, code, format.bits));
}

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    numerics::CodeFormat format =
        *getCodeFormat(op.getInput().getType().getElementType());
    auto resultType = op.getType();
    unsigned rank = resultType.getRank();
    // Constant codes and scales (a weight) are dequantized now.
    if (succeeded(foldToConstant(op, resultType, rewriter)))
      return success();
    Value valueTable;
    if (isTableFormat(format)) {
      SmallVector<Attribute> values;
      for (uint32_t c = 0; c < numerics::numCodes(format); ++c)
        values.push_back(
            rewriter.getF64FloatAttr(numerics::decodeToDouble(format, c)));
      valueTable = tableConstant(rewriter, loc, rewriter.getF64Type(), values);
    }
    // value * scale is computed in f64 and rounded once to the result type.
    Value result = buildElementwise(
        rewriter, loc, resultType, {adaptor.getInput(), adaptor.getScales()},
        {rewriter.getMultiDimIdentityMap(rank),
         axisMap(rewriter, rank, op.getAxis())},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value value = codeValueF64(b, l, args[0], format, valueTable);
          Value scaled =
              arith::MulFOp::create(b, l, value, toF64(b, l, args[1]));
          return fromF64(b, l, scaled, resultType.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DecodeLowering : OpConversionPattern<DecodeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DecodeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    numerics::CodeFormat format =
        *getCodeFormat(op.getInput().getType().getElementType());
    auto resultType = op.getType();
    Type element = resultType.getElementType();
    unsigned width = element.getIntOrFloatBitWidth();
    // Constant codes (a weight) are decoded now.
    if (succeeded(foldToConstant(op, resultType, rewriter)))
      return success();
    Value table;
    if (isTableFormat(format)) {
      SmallVector<Attribute> values;
      for (uint32_t c = 0; c < numerics::numCodes(format); ++c) {
        numerics::DecodedValue d = numerics::decode(format, c);
        APInt v(width, d.mantissa);
        v <<= d.shift;
        if (d.negative)
          v.negate();
        values.push_back(rewriter.getIntegerAttr(element, v));
      }
      table = tableConstant(rewriter, loc, element, values);
    }
    Value result = buildElementwise(
        rewriter, loc, resultType, {adaptor.getInput()},
        {rewriter.getMultiDimIdentityMap(resultType.getRank())},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          if (!table)
            return castInteger(b, l, args[0], element, !format.isSigned);
          return tensor::ExtractOp::create(
              b, l, table, codeIndex(b, l, args[0], format.bits));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BitcastLowering : OpConversionPattern<BitcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BitcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Both sides have the same storage type once codes are lowered.
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// requantize
//===----------------------------------------------------------------------===//

struct RequantizeLowering : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    auto resultType = op.getType();
    unsigned rank = resultType.getRank();
    Type i32 = rewriter.getI32Type();
    auto tableOf = [&](ArrayRef<int32_t> values) {
      SmallVector<Attribute> attrs;
      for (int32_t v : values)
        attrs.push_back(rewriter.getI32IntegerAttr(v));
      return tableConstant(rewriter, loc, i32, attrs);
    };
    Value multipliers = tableOf(op.getMultiplier());
    Value shifts = tableOf(op.getShift());
    int64_t zeroPoint = op.getOutputZeroPoint();
    int64_t min = op.getEffectiveMin(), max = op.getEffectiveMax();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap perAxis = axisMap(rewriter, rank, op.getAxis());
    // Exact in i128: |x * multiplier| < 2^95. With x of at most 32 bits,
    // shifts up to 62 and a small zero point, i64 is exact too (|product|
    // <= 2^62, + 2^61 for rounding, + |zero point| < 2^63), and vectorizes.
    unsigned inputBits = cast<RankedTensorType>(adaptor.getInput().getType())
                             .getElementType()
                             .getIntOrFloatBitWidth();
    bool wide = inputBits > 32 ||
                llvm::any_of(op.getShift(), [](int32_t s) { return s > 62; }) ||
                zeroPoint < INT32_MIN || zeroPoint > INT32_MAX;
    unsigned width = wide ? 128 : 64;

    Value result = buildElementwise(
        rewriter, loc, resultType, {adaptor.getInput(), multipliers, shifts},
        {id, perAxis, perAxis},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Type wideType = b.getIntegerType(width);
          Value x = castInteger(b, l, args[0], wideType, false);
          Value m = castInteger(b, l, args[1], wideType, false);
          Value s = castInteger(b, l, args[2], wideType, false);
          Value zero = intConstant(b, l, wideType, 0);
          Value one = intConstant(b, l, wideType, 1);
          Value p = arith::MulIOp::create(b, l, x, m);
          Value negative =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, p, zero);
          Value magnitude = arith::SelectOp::create(
              b, l, negative, arith::SubIOp::create(b, l, zero, p), p);
          // Half of 2^shift (0 when shift is 0): round half away from zero.
          Value half = arith::ShRUIOp::create(
              b, l, arith::ShLIOp::create(b, l, one, s), one);
          Value rounded = arith::ShRUIOp::create(
              b, l, arith::AddIOp::create(b, l, magnitude, half), s);
          Value signedValue = arith::SelectOp::create(
              b, l, negative, arith::SubIOp::create(b, l, zero, rounded),
              rounded);
          Value shiftedZp = arith::AddIOp::create(
              b, l, signedValue, intConstant(b, l, wideType, zeroPoint));
          Value clamped = arith::MaxSIOp::create(
              b, l, shiftedZp, intConstant(b, l, wideType, min));
          clamped = arith::MinSIOp::create(b, l, clamped,
                                           intConstant(b, l, wideType, max));
          return castInteger(b, l, clamped, resultType.getElementType(), false);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// nm_compress / nm_decompress
//===----------------------------------------------------------------------===//

/// The indices of the current iteration, with `axis` replaced by `axisIndex`.
SmallVector<Value> indicesWith(OpBuilder &b, Location loc, unsigned rank,
                               int64_t axis, Value axisIndex) {
  SmallVector<Value> indices;
  for (unsigned d = 0; d < rank; ++d)
    indices.push_back(d == axis ? axisIndex
                                : linalg::IndexOp::create(b, loc, d));
  return indices;
}

/// |v| in a type where it cannot overflow (i64 for integers).
Value magnitudeOf(OpBuilder &b, Location loc, Value v) {
  if (isa<FloatType>(v.getType()))
    return toF64(b, loc, math::AbsFOp::create(b, loc, v));
  Value wide = castInteger(b, loc, v, b.getI64Type(), false);
  return math::AbsIOp::create(b, loc, wide);
}

Value greaterThan(OpBuilder &b, Location loc, Value a, Value c) {
  if (isa<FloatType>(a.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a, c);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a, c);
}

Value equalTo(OpBuilder &b, Location loc, Value a, Value c) {
  if (isa<FloatType>(a.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a, c);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a, c);
}

struct NMCompressLowering : OpConversionPattern<NMCompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NMCompressOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    unsigned n = op.getSparsity().getN(), m = op.getSparsity().getM();
    int64_t axis = op.getAxis();
    Value input = adaptor.getInput();
    auto valuesType = cast<RankedTensorType>(
        getTypeConverter()->convertType(op.getValues().getType()));
    auto metaType = op.getMetadata().getType();
    unsigned rank = valuesType.getRank();
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valuesType, metaType}, ValueRange{},
        ValueRange{emptyLike(rewriter, loc, valuesType),
                   emptyLike(rewriter, loc, metaType)},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange) {
          // Output slot j along the axis is the (j mod N)-th kept element
          // of group j / N.
          Value j = linalg::IndexOp::create(b, l, axis);
          Value group = arith::DivUIOp::create(b, l, j, indexConstant(b, l, n));
          Value slot = arith::RemUIOp::create(b, l, j, indexConstant(b, l, n));
          Value base =
              arith::MulIOp::create(b, l, group, indexConstant(b, l, m));
          SmallVector<Value> elems, mags;
          for (unsigned i = 0; i < m; ++i) {
            Value pos =
                arith::AddIOp::create(b, l, base, indexConstant(b, l, i));
            elems.push_back(tensor::ExtractOp::create(
                b, l, input, indicesWith(b, l, rank, axis, pos)));
            mags.push_back(magnitudeOf(b, l, elems.back()));
          }
          // Element i is kept when fewer than N elements beat it (larger
          // magnitude, or equal magnitude and lower index).
          Type i32 = b.getI32Type();
          Value zero = intConstant(b, l, i32, 0),
                one = intConstant(b, l, i32, 1);
          Value slot32 = arith::IndexCastOp::create(b, l, i32, slot);
          Value keptSoFar = zero;
          Value chosenValue = elems[0];
          Value chosenPos = intConstant(b, l, b.getI8Type(), 0);
          for (unsigned i = 0; i < m; ++i) {
            Value beaten = zero;
            for (unsigned k = 0; k < m; ++k) {
              if (k == i)
                continue;
              Value beats = greaterThan(b, l, mags[k], mags[i]);
              if (k < i)
                beats = arith::OrIOp::create(b, l, beats,
                                             equalTo(b, l, mags[k], mags[i]));
              beaten = arith::AddIOp::create(
                  b, l, beaten,
                  arith::SelectOp::create(b, l, beats, one, zero));
            }
            Value kept =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, beaten,
                                      intConstant(b, l, i32, n));
            Value isSlot = arith::AndIOp::create(
                b, l, kept,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, keptSoFar,
                                      slot32));
            chosenValue =
                arith::SelectOp::create(b, l, isSlot, elems[i], chosenValue);
            chosenPos = arith::SelectOp::create(
                b, l, isSlot, intConstant(b, l, b.getI8Type(), i), chosenPos);
            keptSoFar = arith::AddIOp::create(
                b, l, keptSoFar,
                arith::SelectOp::create(b, l, kept, one, zero));
          }
          linalg::YieldOp::create(b, l, ValueRange{chosenValue, chosenPos});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct NMDecompressLowering : OpConversionPattern<NMDecompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NMDecompressOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    unsigned n = op.getSparsity().getN(), m = op.getSparsity().getM();
    int64_t axis = op.getAxis();
    Value values = adaptor.getValues(), metadata = adaptor.getMetadata();
    auto resultType = cast<RankedTensorType>(
        getTypeConverter()->convertType(op.getResult().getType()));
    Type element = resultType.getElementType();
    unsigned rank = resultType.getRank();
    // Constant values and metadata (a weight) are scattered now.
    if (succeeded(foldToConstant(op, resultType, rewriter)))
      return success();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{},
        ValueRange{emptyLike(rewriter, loc, resultType)},
        {rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value j = linalg::IndexOp::create(b, l, axis);
          Value group = arith::DivUIOp::create(b, l, j, indexConstant(b, l, m));
          Value inGroup = arith::IndexCastOp::create(
              b, l, b.getI8Type(),
              arith::RemUIOp::create(b, l, j, indexConstant(b, l, m)));
          Value base =
              arith::MulIOp::create(b, l, group, indexConstant(b, l, n));
          Value result = isa<FloatType>(element)
                             ? Value(arith::ConstantOp::create(
                                   b, l, b.getFloatAttr(element, 0)))
                             : intConstant(b, l, element, 0);
          for (unsigned r = 0; r < n; ++r) {
            Value pos =
                arith::AddIOp::create(b, l, base, indexConstant(b, l, r));
            SmallVector<Value> at = indicesWith(b, l, rank, axis, pos);
            Value meta = tensor::ExtractOp::create(b, l, metadata, at);
            Value match = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                meta, inGroup);
            Value value = tensor::ExtractOp::create(b, l, values, at);
            result = arith::SelectOp::create(b, l, match, value, result);
          }
          linalg::YieldOp::create(b, l, result);
        });
    // Names what the loop nest computes, so that a kernel can read the
    // compressed operands instead (the CPU 2:4 kernel for a runtime weight).
    generic->setAttr(
        kDecompressedAttrName,
        rewriter.getDictionaryAttr(
            {rewriter.getNamedAttr("sparsity", op.getSparsity()),
             rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(axis))}));
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// matmul / conv2d
//===----------------------------------------------------------------------===//

/// The body shared by both contractions: acc + (x - zx) * (w - zw) in the
/// accumulator type (wrapping two's-complement arithmetic).
template <typename OpTy>
void buildMacBody(OpBuilder &b, Location l, ValueRange args, OpTy op,
                  bool hoisted) {
  Type acc = args[2].getType();
  Value x = castInteger(b, l, args[0], acc, op.getInputUnsigned());
  Value w = castInteger(b, l, args[1], acc, false);
  if (op.getInputZeroPoint() != 0 && !hoisted)
    x = arith::SubIOp::create(b, l, x,
                              intConstant(b, l, acc, op.getInputZeroPoint()));
  if (op.getWeightZeroPoint() != 0)
    w = arith::SubIOp::create(b, l, w,
                              intConstant(b, l, acc, op.getWeightZeroPoint()));
  Value sum =
      arith::AddIOp::create(b, l, args[2], arith::MulIOp::create(b, l, x, w));
  linalg::YieldOp::create(b, l, sum);
}

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type) {
  Value zero = intConstant(b, loc, type.getElementType(), 0);
  return linalg::FillOp::create(b, loc, zero, emptyLike(b, loc, type))
      .getResult(0);
}

/// Whether the input zero point of `op` moves out of its multiply-accumulate
/// (any accumulator width: the identity holds modulo 2^width).
template <typename OpTy> bool hoistsInputZeroPoint(OpTy op, bool enabled) {
  return enabled && op.getInputZeroPoint() != 0;
}

/// acc - zx * sum_k (w[k, f] - zw), f the last dimension of both the weight
/// (`weight`, storage type) and the accumulator: the input zero point's
/// share of sum_k (x - zx) * (w - zw), exact in wrapping arithmetic.
template <typename OpTy>
Value subtractInputZeroPoint(OpBuilder &b, Location loc, OpTy op, Value weight,
                             Value acc) {
  auto accType = cast<RankedTensorType>(acc.getType());
  Type elem = accType.getElementType();
  unsigned width = elem.getIntOrFloatBitWidth();
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t channels = wType.getShape().back();
  int64_t zx = op.getInputZeroPoint(), zw = op.getWeightZeroPoint();
  auto sumType = RankedTensorType::get({channels}, elem);
  Value sums;
  if (std::optional<DenseElementsAttr> w = evaluateConstant(op.getWeight())) {
    // Constant weights: the per-channel terms at compile time.
    SmallVector<APInt> terms(channels, APInt(width, 0));
    int64_t i = 0;
    for (const APInt &v : w->getValues<APInt>()) {
      APInt term(width, uint64_t(v.getSExtValue() - zw), /*isSigned=*/true);
      terms[i++ % channels] += term * APInt(width, uint64_t(zx), true);
    }
    sums = arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(sumType, terms));
  } else {
    unsigned rank = wType.getRank();
    MLIRContext *ctx = b.getContext();
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    iterators.back() = utils::IteratorType::parallel;
    sums =
        linalg::GenericOp::create(
            b, loc, TypeRange{sumType}, ValueRange{weight},
            ValueRange{zeroFilled(b, loc, sumType)},
            SmallVector<AffineMap>{
                b.getMultiDimIdentityMap(rank),
                AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx))},
            iterators,
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value v = castInteger(nb, l, args[0], elem, false);
              v = arith::SubIOp::create(nb, l, v, intConstant(nb, l, elem, zw));
              v = arith::MulIOp::create(nb, l, v, intConstant(nb, l, elem, zx));
              linalg::YieldOp::create(
                  nb, l, arith::AddIOp::create(nb, l, args[1], v).getResult());
            })
            .getResult(0);
  }
  unsigned rank = accType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{accType}, ValueRange{acc, sums},
             ValueRange{emptyLike(b, loc, accType)},
             SmallVector<AffineMap>{
                 b.getMultiDimIdentityMap(rank),
                 AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx)),
                 b.getMultiDimIdentityMap(rank)},
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l,
                   arith::SubIOp::create(nb, l, args[0], args[1]).getResult());
             })
      .getResult(0);
}

/// The multiply-accumulate generic of `op` over `maps` into a zero-filled
/// accumulator, with the input zero point hoisted when `hoist` allows it.
template <typename OpTy>
Value buildContraction(OpBuilder &b, Location loc, OpTy op, Value input,
                       Value weight, ArrayRef<AffineMap> maps,
                       ArrayRef<utils::IteratorType> iterators, bool hoist) {
  bool hoisted = hoistsInputZeroPoint(op, hoist);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{op.getType()}, ValueRange{input, weight},
          ValueRange{zeroFilled(b, loc, op.getType())}, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            buildMacBody(nb, l, args, op, hoisted);
          })
          .getResult(0);
  if (hoisted)
    result = subtractInputZeroPoint(b, loc, op, weight, result);
  return result;
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  MatmulLowering(const TypeConverter &converter, MLIRContext *ctx, bool hoist)
      : OpConversionPattern(converter, ctx), hoist(hoist) {}
  bool hoist;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {k, n}, ctx),
                                   AffineMap::get(3, 0, {m, n}, ctx)};
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    rewriter.replaceOp(op,
                       buildContraction(rewriter, loc, op, adaptor.getInput(),
                                        adaptor.getWeight(), maps,
                                        {par, par, red}, hoist));
    return success();
  }
};

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  Conv2DLowering(const TypeConverter &converter, MLIRContext *ctx, bool hoist)
      : OpConversionPattern(converter, ctx), hoist(hoist) {}
  bool hoist;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    ArrayRef<int64_t> pad = op.getPadding();
    if (llvm::any_of(pad, [](int64_t p) { return p != 0; })) {
      // Padding reads the input zero point, so it contributes nothing.
      auto inputType = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> low = {0, pad[0], pad[1], 0};
      SmallVector<int64_t> high = {0, pad[2], pad[3], 0};
      SmallVector<int64_t> shape(inputType.getShape());
      for (int d = 1; d <= 2; ++d)
        shape[d] += low[d] + high[d];
      auto toFold = [&](ArrayRef<int64_t> v) {
        return llvm::map_to_vector(v, [&](int64_t x) -> OpFoldResult {
          return rewriter.getIndexAttr(x);
        });
      };
      auto paddedType =
          RankedTensorType::get(shape, inputType.getElementType());
      Value padValue = intConstant(rewriter, loc, inputType.getElementType(),
                                   op.getInputZeroPoint());
      input = tensor::PadOp::create(rewriter, loc, paddedType, input,
                                    toFold(low), toFold(high), padValue);
    }
    ArrayRef<int64_t> s = op.getStrides(), dl = op.getDilations();
    AffineExpr n, oh, ow, f, kh, kw, c;
    bindDims(ctx, n, oh, ow, f, kh, kw, c);
    SmallVector<AffineMap> maps = {
        AffineMap::get(
            7, 0, {n, oh * s[0] + kh * dl[0], ow * s[1] + kw * dl[1], c}, ctx),
        AffineMap::get(7, 0, {kh, kw, c, f}, ctx),
        AffineMap::get(7, 0, {n, oh, ow, f}, ctx)};
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    rewriter.replaceOp(
        op, buildContraction(rewriter, loc, op, input, adaptor.getWeight(),
                             maps, {par, par, par, par, red, red, red}, hoist));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Storage types everywhere else
//===----------------------------------------------------------------------===//

/// Rebuilds any non-qsparse op whose operand or result types mention codes
/// (tensor.empty, tensor.extract_slice, ...) with storage types.
struct ConvertOpTypes : ConversionPattern {
  ConvertOpTypes(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/0, ctx) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (isa<QSparseDialect>(op->getDialect()) || op->getNumRegions() != 0)
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         op->getAttrs());
    rewriter.replaceOp(op, rewriter.create(state)->getResults());
    return success();
  }
};

struct StorageTypeConverter : TypeConverter {
  StorageTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion(
        [](IntegerType type) -> Type { return getCodeStorageType(type); });
    addConversion(
        [](FlintType type) -> Type { return getCodeStorageType(type); });
    addConversion(
        [](PoTType type) -> Type { return getCodeStorageType(type); });
    addConversion(
        [](FloatCodeType type) -> Type { return getCodeStorageType(type); });
    addConversion([this](RankedTensorType type) -> Type {
      return type.clone(convertType(type.getElementType()));
    });
    addConversion([this](UnrankedTensorType type) -> Type {
      return UnrankedTensorType::get(convertType(type.getElementType()));
    });
  }
};

struct LowerQSparseToLinalgPass
    : qsparse::impl::LowerQSparseToLinalgBase<LowerQSparseToLinalgPass> {
  using LowerQSparseToLinalgBase::LowerQSparseToLinalgBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    StorageTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addIllegalDialect<QSparseDialect>();
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addLegalOp<ModuleOp>();

    RewritePatternSet patterns(ctx);
    patterns.add<QuantizeLowering, DequantizeLowering, DecodeLowering,
                 BitcastLowering, RequantizeLowering, NMCompressLowering,
                 NMDecompressLowering>(converter, ctx);
    patterns.add<MatmulLowering, Conv2DLowering>(converter, ctx,
                                                 hoistInputZeroPoint);
    patterns.add<ConvertOpTypes>(converter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    if (failed(
            applyFullConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

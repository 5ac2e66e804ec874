//===- Elementwise.cpp - vector loops for parallel linalg ops -------------===//
//
// The elementwise ops that no contraction takes as its epilogue (a
// quantization after a pooling, a value with two users, the input
// quantization of a model), fills and transposes would lower to scalar
// loops: about 1 ns per element for a quantization, whose divide and
// rounding vectorize sixteenfold. Here one loop dimension goes across
// vector lanes and the body is applied to vectors, lane by lane exactly as
// to scalars.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace qsparse::cpu;

bool qsparse::cpu::isWidenableBody(Block *body) {
  for (Operation &inner : body->without_terminator()) {
    if (!isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()) ||
        inner.getNumRegions() != 0)
      return false;
    for (Type t : inner.getResultTypes())
      if (!t.isIntOrFloat())
        return false;
    for (Value v : inner.getOperands())
      if (!v.getType().isIntOrFloat())
        return false;
  }
  return true;
}

SmallVector<Value> qsparse::cpu::cloneWidened(OpBuilder &b, Location loc,
                                              Block *body, IRMapping &map,
                                              int64_t lanes) {
  auto widen = [&](Type t) -> Type {
    return lanes ? VectorType::get({lanes}, t) : t;
  };
  auto spread = [&](Value scalar) -> Value {
    if (!lanes || isa<VectorType>(scalar.getType()))
      return scalar;
    return vector::BroadcastOp::create(b, loc, widen(scalar.getType()), scalar);
  };
  for (Operation &inner : body->without_terminator()) {
    if (lanes) {
      // Scalars from above and constants become splats.
      for (Value v : inner.getOperands())
        if (!map.contains(v))
          map.map(v, spread(v));
      if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
        auto type = cast<ShapedType>(widen(constant.getType()));
        Value splat = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(type, constant.getValue()));
        map.map(constant.getResult(), splat);
        continue;
      }
    }
    Operation *clone = b.clone(inner, map);
    if (lanes)
      for (Value r : clone->getResults())
        r.setType(widen(r.getType()));
  }
  SmallVector<Value> results;
  for (Value v : body->getTerminator()->getOperands())
    results.push_back(spread(map.lookupOrDefault(v)));
  return results;
}

namespace {

/// How an operand is read or written along the vector loop dimension.
enum class Access {
  Vector,   // the dimension is its innermost one, unit stride
  Elements, // the dimension is another one (or strided): lane by lane
  Splat,    // it does not depend on the dimension
  Scalar,   // not a buffer (a fill's value)
};

/// A static buffer of whole-byte integers or floats.
bool isStaticBuffer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !memref.hasStaticShape())
    return false;
  Type elem = memref.getElementType();
  return elem.isIntOrFloat() && elem.getIntOrFloatBitWidth() % 8 == 0;
}

/// Whether the innermost dimension of `type` has unit stride.
bool innermostContiguous(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.empty() || strides.back() == 1;
}

} // namespace

bool qsparse::cpu::rewriteElementwise(linalg::LinalgOp op, unsigned bits,
                                      unsigned threads) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() == 0 ||
      op.getNumLoops() == 0 || op.getNumReductionLoops() != 0 ||
      op->getNumRegions() != 1 || !isWidenableBody(op.getBlock()))
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  // Buffers read through dims and zeros (size-1 broadcast dims); outputs
  // written at every loop index exactly once.
  for (OpOperand &operand : op->getOpOperands()) {
    Type type = operand.get().getType();
    if (!isa<MemRefType>(type)) {
      if (op.isDpsInit(&operand) || !type.isIntOrFloat())
        return false;
      continue;
    }
    if (!isStaticBuffer(type))
      return false;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (AffineExpr r : map.getResults()) {
      auto c = dyn_cast<AffineConstantExpr>(r);
      if (!isa<AffineDimExpr>(r) && !(c && c.getValue() == 0))
        return false;
    }
    if (op.isDpsInit(&operand) && !map.isPermutation())
      return false;
  }
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  int64_t lanes = bits / 32;
  // The vector dimension: the first output's innermost, else the first
  // input's innermost that is at least a vector long.
  std::optional<unsigned> dim;
  auto innermost = [&](OpOperand &operand) -> std::optional<unsigned> {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (map.getNumResults() == 0)
      return std::nullopt;
    auto d = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!d || extents[d.getPosition()] < lanes)
      return std::nullopt;
    return d.getPosition();
  };
  dim = innermost(op.getDpsInitsMutable()[0]);
  for (OpOperand *input : op.getDpsInputOperands())
    if (!dim && isa<MemRefType>(input->get().getType()))
      dim = innermost(*input);
  if (!dim)
    return false;
  int64_t full = extents[*dim] - extents[*dim] % lanes;

  SmallVector<Access> access;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type) {
      access.push_back(Access::Scalar);
      continue;
    }
    AffineMap map = op.getMatchingIndexingMap(&operand);
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(*dim, op.getContext()));
    if (!pos)
      access.push_back(Access::Splat);
    else if (*pos == map.getNumResults() - 1 && innermostContiguous(type))
      access.push_back(Access::Vector);
    else
      access.push_back(Access::Elements);
  }

  OpBuilder b(op);
  Location loc = op.getLoc();
  Block *body = op.getBlock();
  // The loops other than `dim`, in the order of the first output's
  // dimensions (its stores then run in memory order).
  SmallVector<unsigned> outer;
  for (AffineExpr r :
       op.getMatchingIndexingMap(&op.getDpsInitsMutable()[0]).getResults())
    if (cast<AffineDimExpr>(r).getPosition() != *dim)
      outer.push_back(cast<AffineDimExpr>(r).getPosition());

  /// The vector loop body at loop indices `ivs` (ivs[dim] = the first lane).
  auto emitVector = [&](OpBuilder &b, Location loc, ArrayRef<Value> ivs) {
    auto indices = [&](OpOperand &operand, int64_t lane) {
      SmallVector<Value> at;
      for (AffineExpr r : op.getMatchingIndexingMap(&operand).getResults()) {
        auto d = dyn_cast<AffineDimExpr>(r);
        if (!d) {
          at.push_back(idx(b, loc, 0));
          continue;
        }
        Value iv = ivs[d.getPosition()];
        if (d.getPosition() == *dim && lane > 0)
          iv = arith::AddIOp::create(b, loc, iv, idx(b, loc, lane));
        at.push_back(iv);
      }
      return at;
    };
    auto vectorOf = [&](Value scalar) {
      return VectorType::get({lanes}, scalar.getType());
    };
    IRMapping map;
    for (OpOperand &operand : op->getOpOperands()) {
      unsigned i = operand.getOperandNumber();
      BlockArgument arg = body->getArgument(i);
      if (op.isDpsInit(&operand) && arg.use_empty())
        continue;
      Value v = operand.get();
      Value value;
      switch (access[i]) {
      case Access::Scalar:
        value = vector::BroadcastOp::create(b, loc, vectorOf(arg), v);
        break;
      case Access::Splat:
        value = vector::BroadcastOp::create(
            b, loc, vectorOf(arg),
            memref::LoadOp::create(b, loc, v, indices(operand, 0)));
        break;
      case Access::Vector:
        value = vector::LoadOp::create(b, loc,
                                       VectorType::get({lanes}, arg.getType()),
                                       v, indices(operand, 0));
        break;
      case Access::Elements: {
        SmallVector<Value> elements;
        for (int64_t l = 0; l < lanes; ++l)
          elements.push_back(
              memref::LoadOp::create(b, loc, v, indices(operand, l)));
        value = vector::FromElementsOp::create(b, loc, vectorOf(arg), elements);
        break;
      }
      }
      map.map(arg, value);
    }
    SmallVector<Value> results = cloneWidened(b, loc, body, map, lanes);
    for (auto [result, init] : llvm::zip(results, op.getDpsInitsMutable())) {
      unsigned i = init.getOperandNumber();
      if (access[i] == Access::Vector) {
        vector::StoreOp::create(b, loc, result, init.get(), indices(init, 0));
        continue;
      }
      for (int64_t l = 0; l < lanes; ++l)
        memref::StoreOp::create(b, loc,
                                vector::ExtractOp::create(b, loc, result, l),
                                init.get(), indices(init, l));
    }
  };

  if (full > 0) {
    SmallVector<Value> ivs(extents.size());
    // Loop `level` of the outer loops, then the vector loop inside.
    std::function<void(OpBuilder &, Location, size_t)> emitLoops =
        [&](OpBuilder &b, Location loc, size_t level) {
          if (level == outer.size()) {
            scf::ForOp::create(
                b, loc, idx(b, loc, 0), idx(b, loc, full), idx(b, loc, lanes),
                ValueRange{},
                [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                  ivs[*dim] = iv;
                  emitVector(b, loc, ivs);
                  scf::YieldOp::create(b, loc);
                });
            return;
          }
          unsigned d = outer[level];
          if (extents[d] == 1) {
            ivs[d] = idx(b, loc, 0);
            emitLoops(b, loc, level + 1);
            return;
          }
          // The first loop of more than one iteration runs across threads.
          bool parallel =
              threads > 1 &&
              llvm::all_of(ArrayRef(outer).take_front(level),
                           [&](unsigned o) { return extents[o] == 1; });
          if (parallel) {
            scf::ParallelOp::create(
                b, loc, ValueRange{idx(b, loc, 0)},
                ValueRange{idx(b, loc, extents[d])}, ValueRange{idx(b, loc, 1)},
                [&](OpBuilder &b, Location loc, ValueRange iv) {
                  ivs[d] = iv[0];
                  emitLoops(b, loc, level + 1);
                });
            return;
          }
          scf::ForOp::create(
              b, loc, idx(b, loc, 0), idx(b, loc, extents[d]), idx(b, loc, 1),
              ValueRange{},
              [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                ivs[d] = iv;
                emitLoops(b, loc, level + 1);
                scf::YieldOp::create(b, loc);
              });
        };
    emitLoops(b, loc, 0);
  }
  if (full < extents[*dim]) {
    // Positions [full, extent) of `dim`: the original op on subviews.
    SmallVector<Value> operands(op->getOperands());
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type)
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      std::optional<unsigned> pos =
          map.getResultPosition(getAffineDimExpr(*dim, op.getContext()));
      if (!pos)
        continue;
      int64_t rank = type.getRank();
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
          strides(rank, b.getIndexAttr(1));
      for (int64_t size : type.getShape())
        sizes.push_back(b.getIndexAttr(size));
      offsets[*pos] = b.getIndexAttr(full);
      sizes[*pos] = b.getIndexAttr(type.getShape()[*pos] - full);
      operands[operand.getOperandNumber()] = memref::SubViewOp::create(
          b, loc, operand.get(), offsets, sizes, strides);
    }
    b.clone(*op)->setOperands(operands);
  }
  op->erase();
  return true;
}

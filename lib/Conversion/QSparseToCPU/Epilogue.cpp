//===- Epilogue.cpp - fused epilogues on accumulator tiles ----------------===//

#include "Epilogue.h"
#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"

#include <functional>

using namespace mlir;
using namespace qsparse::cpu;

/// The buffer a view or cast is taken of.
static Value rootBuffer(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<memref::SubViewOp, memref::CollapseShapeOp, memref::ExpandShapeOp,
             memref::CastOp, memref::ReinterpretCastOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// A static, identity-layout buffer of whole bytes per element (i1 and
/// other sub-byte buffers are bit-packed by vector accesses but not by
/// scalar ones).
static bool isPlainBuffer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.hasStaticShape() && memref.getLayout().isIdentity() &&
         memref.getElementType().isIntOrFloat() &&
         memref.getElementType().getIntOrFloatBitWidth() % 8 == 0;
}

/// Collects, in program order, the ops after `contraction` in its block that
/// `v` depends on, when they can move above it (allocations without
/// operands, views, constants); false when one cannot.
static bool collectHoistable(Value v, Operation *contraction,
                             llvm::SetVector<Operation *> &ops) {
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != contraction->getBlock() ||
      def->isBeforeInBlock(contraction) || ops.contains(def))
    return def != contraction;
  bool movable =
      (isa<memref::AllocOp, memref::AllocaOp>(def) &&
       def->getNumOperands() == 0) ||
      isa<arith::ConstantOp, memref::GetGlobalOp, memref::CollapseShapeOp,
          memref::ExpandShapeOp, memref::CastOp>(def);
  if (!movable)
    return false;
  for (Value operand : def->getOperands())
    if (!collectHoistable(operand, contraction, ops))
      return false;
  ops.insert(def);
  return true;
}

/// Whether `map` reads `type` by the last of `loops` alone, one element per
/// column: results that are that loop (as long as the columns) or zero on
/// size-1 dims (a constant 0, or a loop of extent 1), such as a [C] bias or
/// an ONNX [1][C][1][1] one.
static bool isColumn(AffineMap map, MemRefType type, ArrayRef<int64_t> loops) {
  if (map.getNumResults() != type.getRank())
    return false;
  unsigned dim = loops.size() - 1;
  int64_t seen = 0;
  for (auto [r, size] : llvm::zip(map.getResults(), type.getShape())) {
    if (auto d = dyn_cast<AffineDimExpr>(r)) {
      if (d.getPosition() == dim && size == loops[dim]) {
        ++seen;
        continue;
      }
      if (size == 1 && loops[d.getPosition()] == 1)
        continue;
      return false;
    }
    auto c = dyn_cast<AffineConstantExpr>(r);
    if (!c || c.getValue() != 0 || size != 1)
      return false;
  }
  return seen == 1;
}

std::optional<Epilogue> Epilogue::match(Operation *contraction, Value acc,
                                        ValueRange inputs, bool permuted) {
  auto accType = dyn_cast<MemRefType>(acc.getType());
  if (!isPlainBuffer(accType) || accType.getRank() < 2 || accType.getRank() > 4)
    return std::nullopt;
  // The accumulator is only filled, accumulated into, read by the epilogue
  // (perhaps through a view of another shape: the implicit GEMM's [N][P][F]
  // seen as NHWF) and freed.
  linalg::GenericOp generic;
  Value seen; // the accumulator as the epilogue reads it
  std::function<bool(Value)> usersOk = [&](Value v) {
    for (Operation *user : v.getUsers()) {
      auto candidate = dyn_cast<linalg::GenericOp>(user);
      if (candidate && candidate->hasAttr("qsparse.epilogue")) {
        if (generic && generic != candidate)
          return false; // (one op in place appears twice)
        generic = candidate;
        seen = v;
        continue;
      }
      if (user == contraction || isa<memref::DeallocOp>(user))
        continue;
      if (isa<linalg::FillOp>(user) &&
          user->getBlock() == acc.getParentBlock() &&
          user->isBeforeInBlock(contraction))
        continue;
      if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(user) &&
          usersOk(user->getResult(0)))
        continue;
      return false;
    }
    return true;
  };
  if (!usersOk(acc) || !generic)
    return std::nullopt;
  auto seenType = cast<MemRefType>(seen.getType());
  unsigned rank = seenType.getRank();
  if (generic->getBlock() != contraction->getBlock() ||
      !contraction->isBeforeInBlock(generic) ||
      !generic.hasPureBufferSemantics() ||
      generic.getNumReductionLoops() != 0 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != rank || !seenType.getLayout().isIdentity() ||
      seenType.getDimSize(rank - 1) !=
          accType.getDimSize(accType.getRank() - 1))
    return std::nullopt;
  // The epilogue's reads move up to the contraction: nothing in between may
  // write memory.
  for (Operation *between = contraction->getNextNode(); between != generic;
       between = between->getNextNode())
    if (!isMemoryEffectFree(between) &&
        !isa<memref::AllocOp, memref::AllocaOp>(between))
      return std::nullopt;

  // Everything the epilogue reads or writes must exist at the contraction.
  llvm::SetVector<Operation *> hoist;
  for (Value v : generic->getOperands())
    if (v != seen && !collectHoistable(v, contraction, hoist))
      return std::nullopt;
  bool capturedOk = true;
  generic.getRegion().walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (v.getParentRegion() != &generic.getRegion() &&
          !generic.getRegion().isAncestor(v.getParentRegion()) &&
          !collectHoistable(v, contraction, hoist))
        capturedOk = false;
  });
  if (!capturedOk)
    return std::nullopt;

  Epilogue e;
  e.op = generic;
  e.acc = acc;
  e.hoisted.assign(hoist.begin(), hoist.end());
  llvm::sort(e.hoisted,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  e.shape.assign(seenType.getShape().begin(), seenType.getShape().end());
  e.cols = accType.getDimSize(accType.getRank() - 1);
  e.rows = accType.getNumElements() / e.cols;
  Value accRoot = rootBuffer(acc);
  bool readsAccumulator = false;
  for (OpOperand *operand : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(operand);
    Value v = operand->get();
    Operand o{Kind::Scalar, v, Value()};
    if (v == seen) {
      if (!map.isIdentity())
        return std::nullopt;
      o.kind = Kind::Accumulator;
      readsAccumulator = true;
    } else if (!isa<ShapedType>(v.getType())) {
      if (!v.getType().isIntOrFloat())
        return std::nullopt;
    } else {
      if (!isPlainBuffer(v.getType()) || rootBuffer(v) == accRoot)
        return std::nullopt;
      auto type = cast<MemRefType>(v.getType());
      if (map.isIdentity() && type.getShape() == seenType.getShape()) {
        o.kind = Kind::Whole;
      } else if (permuted && map.isPermutation() &&
                 type.getShape() ==
                     ArrayRef<int64_t>(map.compose(seenType.getShape()))) {
        o.kind = Kind::Permuted;
        o.map = map;
      } else if (isColumn(map, type, seenType.getShape())) {
        o.kind = Kind::Column;
      } else if (llvm::all_of(map.getResults(),
                              [](AffineExpr r) {
                                auto c = dyn_cast<AffineConstantExpr>(r);
                                return c && c.getValue() == 0;
                              }) &&
                 llvm::all_of(type.getShape(),
                              [](int64_t d) { return d == 1; })) {
        o.kind = Kind::Splat;
      } else {
        return std::nullopt;
      }
    }
    e.operands.push_back(o);
  }
  OpOperand *init = generic.getDpsInitOperand(0);
  e.out = init->get();
  if (!readsAccumulator || !generic.getMatchingIndexingMap(init).isIdentity() ||
      !isPlainBuffer(e.out.getType()) ||
      cast<MemRefType>(e.out.getType()).getShape() != seenType.getShape())
    return std::nullopt;
  Value outRoot = rootBuffer(e.out);
  for (Value input : inputs)
    if (rootBuffer(input) == outRoot)
      return std::nullopt;
  for (const Operand &o : e.operands)
    if ((o.kind == Kind::Whole || o.kind == Kind::Permuted) &&
        rootBuffer(o.value) == outRoot)
      return std::nullopt; // read and written in one pass: keep the order
  // A body of scalar arith and math ops; values from above are scalars.
  if (!isWidenableBody(generic.getBlock()))
    return std::nullopt;
  return e;
}

void Epilogue::prepare(OpBuilder &b, Location loc) {
  // The builder is at the contraction: what the epilogue uses moves there.
  for (Operation *op : hoisted)
    op->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
  // Every leading dimension folds into the rows.
  auto view = [&](Value v) -> Value {
    int64_t rank = cast<MemRefType>(v.getType()).getRank();
    if (rank == 2)
      return v;
    ReassociationIndices leading;
    for (int64_t d = 0; d + 1 < rank; ++d)
      leading.push_back(d);
    return memref::CollapseShapeOp::create(
        b, loc, v, SmallVector<ReassociationIndices>{leading, {rank - 1}});
  };
  accView = view(acc);
  outView = view(out);
  for (Operand &o : operands) {
    if (o.kind == Kind::Whole)
      o.view = view(o.value);
    if (o.kind != Kind::Column)
      continue;
    // A column read as [cols] (its other dims are 1).
    int64_t rank = cast<MemRefType>(o.value.getType()).getRank();
    ReassociationIndices all;
    for (int64_t d = 0; d < rank; ++d)
      all.push_back(d);
    o.view = rank == 1
                 ? o.value
                 : memref::CollapseShapeOp::create(
                       b, loc, o.value, SmallVector<ReassociationIndices>{all})
                       .getResult();
  }
}

void Epilogue::emitStore(OpBuilder &b, Location loc, Value value, Value row,
                         Value col) {
  auto vecType = dyn_cast<VectorType>(value.getType());
  int64_t lanes = vecType ? vecType.getNumElements() : 0;
  auto widen = [&](Type t) -> Type {
    return lanes ? VectorType::get({lanes}, t) : t;
  };
  auto spread = [&](Value scalar) -> Value {
    if (!lanes)
      return scalar;
    return vector::BroadcastOp::create(b, loc, widen(scalar.getType()), scalar);
  };
  auto load = [&](Value buffer, ValueRange at) -> Value {
    Type elem = cast<MemRefType>(buffer.getType()).getElementType();
    if (lanes)
      return vector::LoadOp::create(b, loc, widen(elem), buffer, at);
    return memref::LoadOp::create(b, loc, buffer, at);
  };
  Block *body = op.getBlock();
  IRMapping map;
  for (auto [i, o] : llvm::enumerate(operands)) {
    Value v;
    switch (o.kind) {
    case Kind::Accumulator:
      v = value;
      break;
    case Kind::Whole:
      v = load(o.view, {row, col});
      break;
    case Kind::Permuted: {
      // The loop indices: the row's leading dimensions, then the column.
      SmallVector<Value> loops(shape.size());
      Value rest = row;
      for (int64_t d = shape.size() - 2; d > 0; --d) {
        Value extent = arith::ConstantIndexOp::create(b, loc, shape[d]);
        loops[d] = arith::RemUIOp::create(b, loc, rest, extent);
        rest = arith::DivUIOp::create(b, loc, rest, extent);
      }
      loops[0] = rest;
      SmallVector<Value> elements;
      for (int64_t l = 0; l < std::max<int64_t>(lanes, 1); ++l) {
        loops.back() = l == 0 ? col
                              : arith::AddIOp::create(
                                    b, loc, col,
                                    arith::ConstantIndexOp::create(b, loc, l));
        SmallVector<Value> at;
        for (AffineExpr r : o.map.getResults())
          at.push_back(loops[cast<AffineDimExpr>(r).getPosition()]);
        elements.push_back(memref::LoadOp::create(b, loc, o.value, at));
      }
      Type elem = cast<MemRefType>(o.value.getType()).getElementType();
      v = lanes ? vector::FromElementsOp::create(b, loc, widen(elem), elements)
                      .getResult()
                : elements[0];
      break;
    }
    case Kind::Column:
      v = load(o.view, {col});
      break;
    case Kind::Splat: {
      auto type = cast<MemRefType>(o.value.getType());
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      SmallVector<Value> at(type.getRank(), zero);
      v = spread(memref::LoadOp::create(b, loc, o.value, at));
      break;
    }
    case Kind::Scalar:
      v = spread(o.value);
      break;
    }
    map.map(body->getArgument(i), v);
  }
  BlockArgument outArg = body->getArgument(operands.size());
  if (!outArg.use_empty())
    map.map(outArg, load(outView, {row, col}));
  Value result = cloneWidened(b, loc, body, map, lanes)[0];
  if (lanes)
    vector::StoreOp::create(b, loc, result, outView, ValueRange{row, col});
  else
    memref::StoreOp::create(b, loc, result, outView, ValueRange{row, col});
}

bool Epilogue::repeatable() {
  // A whole tensor it reads is unchanged by the first application unless
  // it may be the output buffer: distinct roots of which one is allocated
  // here are distinct memory (two arguments may be one buffer).
  Value outRoot = rootBuffer(out);
  auto allocated = [](Value root) {
    return isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(
        root.getDefiningOp());
  };
  for (const Operand &o : operands) {
    if (o.kind != Kind::Whole && o.kind != Kind::Permuted)
      continue;
    Value root = rootBuffer(o.value);
    if (root == outRoot || (!allocated(root) && !allocated(outRoot)))
      return false;
  }
  return op.getBlock()->getArgument(operands.size()).use_empty();
}

void Epilogue::emitColumns(OpBuilder &b, Location loc, int64_t col0) {
  if (col0 >= cols)
    return;
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  scf::ForOp::create(
      b, loc, index(0), index(rows), index(1), ValueRange{},
      [&](OpBuilder &b, Location loc, Value r, ValueRange) {
        scf::ForOp::create(
            b, loc, index(col0), index(cols), index(1), ValueRange{},
            [&](OpBuilder &b, Location loc, Value c, ValueRange) {
              Value a = memref::LoadOp::create(b, loc, accView, {r, c});
              emitStore(b, loc, a, r, c);
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(b, loc);
      });
}

//===- Pooling.cpp - direct vector kernel for NHWC window reductions ------===//
//
// Max, min and sum pooling as the ONNX importer writes them (a generic over
// (n, oh, ow, c, kh, kw) whose body folds each window element into the
// output with one binary op) would lower to scalar loops that load, combine
// and store the output element once per window element. Here channels go
// across vector lanes and a block of output pixels keeps its running
// values in registers across the window: each lane folds the same
// elements in the same (kh, kw) order as the loops, so the result is the
// same bit for bit.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace qsparse::cpu;

namespace {

struct PoolMatch {
  Value input, output;
  int64_t n, oh, ow, c;
  Window window;
  /// The body's combining op and whether it takes the output element first.
  Operation *combine;
  bool outputFirst;
};

/// Binary ops a window reduction may fold with: each is applied lane by
/// lane to vectors exactly as to scalars.
bool isCombiner(Operation *op) {
  return isa<arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
             arith::MinNumFOp, arith::MaxSIOp, arith::MinSIOp, arith::MaxUIOp,
             arith::MinUIOp, arith::AddFOp, arith::AddIOp>(op);
}

std::optional<PoolMatch> matchPool(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !isWindowNest(op))
    return std::nullopt;
  MLIRContext *ctx = op->getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  PoolMatch m;
  AffineMap in = maps.front();
  // Loops (n, oh, ow, c, kh, kw); the second input is the window's shape
  // (kh, kw) only, unread by the body.
  if (maps[1] != AffineMap::get(6, 0, {d(4), d(5)}, ctx) ||
      !m.window.matchInput(in))
    return std::nullopt;
  m.input = op.getDpsInputOperand(0)->get();
  m.output = op.getDpsInitOperand(0)->get();
  Type elem;
  for (Value v : {m.input, m.output}) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return std::nullopt;
    if (elem && type.getElementType() != elem)
      return std::nullopt;
    elem = type.getElementType();
  }
  // Whole bytes per element (no i1 or sub-byte vectors of memory).
  if (!elem.isIntOrFloat() || elem.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  // The body: yield combine(window element, output element), either order.
  Block *body = generic.getBody();
  if (body->getOperations().size() != 2)
    return std::nullopt;
  Operation *combine = &body->front();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (!isCombiner(combine) || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != combine->getResult(0))
    return std::nullopt;
  Value x = body->getArgument(0), acc = body->getArguments().back();
  if (combine->getOperand(0) == acc && combine->getOperand(1) == x)
    m.outputFirst = true;
  else if (combine->getOperand(0) == x && combine->getOperand(1) == acc)
    m.outputFirst = false;
  else
    return std::nullopt;
  m.combine = combine;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  m.n = ranges[0];
  m.oh = ranges[1];
  m.ow = ranges[2];
  m.c = ranges[3];
  m.window.kh = ranges[4];
  m.window.kw = ranges[5];
  return m;
}

} // namespace

bool qsparse::cpu::rewritePooling(linalg::LinalgOp op, unsigned bits,
                                  unsigned threads) {
  std::optional<PoolMatch> match = matchPool(op);
  if (!match)
    return false;
  PoolMatch &m = *match;
  Type elem = cast<MemRefType>(m.output.getType()).getElementType();
  int64_t lanes = bits / elem.getIntOrFloatBitWidth();
  int64_t cFull = m.c - m.c % lanes;
  if (cFull == 0)
    return false; // fewer channels than one vector: loops are fine
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto vecType = VectorType::get({lanes}, elem);
  auto fold = [&](OpBuilder &b, Location loc, Value acc, Value x) -> Value {
    OperationState state(loc, m.combine->getName().getStringRef(),
                         m.outputFirst ? ValueRange{acc, x}
                                       : ValueRange{x, acc},
                         TypeRange{vecType}, m.combine->getAttrs());
    return b.create(state)->getResult(0);
  };
  // Output pixels of one row per block, their running values in registers.
  const int64_t block = 4;
  // An output filled right before (the reduction's start value) is not
  // loaded: the registers start from the fill value.
  linalg::FillOp fill;
  Value splat = fillStart(b, loc, op, vecType, fill);
  auto emitBlock = [&](OpBuilder &b, Location loc, Value n, Value oh, Value ow0,
                       Value c0, int64_t pixels) {
    SmallVector<Value> cols, init;
    for (int64_t p = 0; p < pixels; ++p) {
      cols.push_back(arith::AddIOp::create(b, loc, ow0, idx(b, loc, p)));
      init.push_back(splat ? splat
                           : (Value)vector::LoadOp::create(
                                 b, loc, vecType, m.output,
                                 ValueRange{n, oh, cols[p], c0}));
    }
    SmallVector<Value> accs = emitWindowTaps(
        b, loc, m.window, n, oh, cols, c0, init,
        [&](OpBuilder &b, Location loc, Value, Value,
            ArrayRef<SmallVector<Value, 4>> at, SmallVectorImpl<Value> &accs) {
          for (int64_t p = 0; p < pixels; ++p)
            accs[p] =
                fold(b, loc, accs[p],
                     vector::LoadOp::create(b, loc, vecType, m.input, at[p]));
        });
    for (int64_t p = 0; p < pixels; ++p)
      vector::StoreOp::create(b, loc, accs[p], m.output,
                              ValueRange{n, oh, cols[p], c0});
  };

  emitPixelBlocks(b, loc, m.n, m.oh, m.ow, cFull, lanes, block, threads,
                  emitBlock);
  // Channels [cFull, C): the original op on channel subviews.
  if (cFull < m.c) {
    Value input = channelTail(b, loc, m.input, cFull),
          output = channelTail(b, loc, m.output, cFull);
    Operation *clone = b.clone(*op);
    clone->setOperand(0, input);
    clone->setOperand(op->getNumOperands() - 1, output);
  }
  op->erase();
  if (fill)
    narrowFill(fill, cFull);
  return true;
}

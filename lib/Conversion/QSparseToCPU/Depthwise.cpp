//===- Depthwise.cpp - direct vector kernel for depthwise convolutions ----===//
//
// A depthwise convolution is not a GEMM (one filter per channel), so it
// keeps its direct form: channels go across vector lanes, a block of output
// pixels of one row shares each filter vector, and the taps accumulate in
// registers.
//
//===----------------------------------------------------------------------===//

#include "Epilogue.h"
#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace qsparse::cpu;

namespace {

struct DepthwiseMatch {
  Value input, filter, output;
  int64_t n, oh, ow, c;
  Window window;
  KernelKind kind;
  bool aUnsigned = false, bUnsigned = false;
};

std::optional<DepthwiseMatch> matchDepthwise(linalg::LinalgOp op) {
  if (!isWindowNest(op))
    return std::nullopt;
  MLIRContext *ctx = op->getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Loops (n, oh, ow, c, kh, kw).
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  DepthwiseMatch m;
  AffineMap in = maps[0];
  if (maps[1] != AffineMap::get(6, 0, {d(4), d(5), d(3)}, ctx) ||
      !m.window.matchInput(in))
    return std::nullopt;
  m.input = op.getDpsInputOperand(0)->get();
  m.filter = op.getDpsInputOperand(1)->get();
  m.output = op.getDpsInitOperand(0)->get();
  for (Value v : {m.input, m.filter, m.output}) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return std::nullopt;
  }
  auto fShape = cast<MemRefType>(m.filter.getType()).getShape();
  auto oShape = cast<MemRefType>(m.output.getType()).getShape();
  m.window.kh = fShape[0];
  m.window.kw = fShape[1];
  m.n = oShape[0];
  m.oh = oShape[1];
  m.ow = oShape[2];
  m.c = oShape[3];
  if (!matchMacBodyOf(op, m.input, m.filter, m.output, m.kind, m.aUnsigned,
                      m.bUnsigned, /*narrowAcc=*/true))
    return std::nullopt;
  return m;
}

} // namespace

bool qsparse::cpu::rewriteDepthwise(linalg::LinalgOp op, unsigned bits,
                                    unsigned threads) {
  std::optional<DepthwiseMatch> match = matchDepthwise(op);
  if (!match)
    return false;
  DepthwiseMatch &m = *match;
  bool isFloat = m.kind == KernelKind::F32;
  // The accumulator is the output's type: f32, i32, or a narrowed i16,
  // whose wrapping products and sums vector i16 arithmetic computes
  // exactly, twice as many lanes per vector.
  Type accElem = cast<MemRefType>(m.output.getType()).getElementType();
  int64_t lanes = bits / accElem.getIntOrFloatBitWidth();
  int64_t cFull = m.c - m.c % lanes;
  if (cFull == 0)
    return false; // fewer channels than one vector: loops are fine
  OpBuilder b(op);
  Location loc = op.getLoc();
  std::optional<Epilogue> epilogue =
      Epilogue::match(op, m.output, ValueRange{m.input, m.filter});
  if (epilogue)
    epilogue->prepare(b, loc);
  Type inElem = isFloat ? accElem : (Type)b.getI8Type();
  auto accType = VectorType::get({lanes}, accElem);
  auto inType = VectorType::get({lanes}, inElem);
  // Output pixels per block: each filter vector serves this many.
  const int64_t block = 4;
  // An output filled right before (the zero accumulator) is not loaded: the
  // registers start from the fill value.
  linalg::FillOp fill;
  Value splat = fillStart(b, loc, op, accType, fill);

  auto load = [&](OpBuilder &b, Location loc, Value buffer, ValueRange at,
                  bool isUnsigned) -> Value {
    Value v = vector::LoadOp::create(b, loc, inType, buffer, at);
    if (isFloat)
      return v;
    if (isUnsigned)
      return arith::ExtUIOp::create(b, loc, accType, v);
    return arith::ExtSIOp::create(b, loc, accType, v);
  };
  // `pixels` output pixels of row (n, oh) from column ow0, channels c0.
  auto emitBlock = [&](OpBuilder &b, Location loc, Value n, Value oh, Value ow0,
                       Value c0, int64_t pixels) {
    SmallVector<Value> cols, init;
    for (int64_t p = 0; p < pixels; ++p) {
      cols.push_back(arith::AddIOp::create(b, loc, ow0, idx(b, loc, p)));
      init.push_back(splat ? splat
                           : (Value)vector::LoadOp::create(
                                 b, loc, accType, m.output,
                                 ValueRange{n, oh, cols[p], c0}));
    }
    SmallVector<Value> accs = emitWindowTaps(
        b, loc, m.window, n, oh, cols, c0, init,
        [&](OpBuilder &b, Location loc, Value kh, Value kw,
            ArrayRef<SmallVector<Value, 4>> at, SmallVectorImpl<Value> &accs) {
          Value w = load(b, loc, m.filter, ValueRange{kh, kw, c0}, m.bUnsigned);
          for (int64_t p = 0; p < pixels; ++p) {
            Value x = load(b, loc, m.input, at[p], m.aUnsigned);
            if (isFloat)
              accs[p] = vector::FMAOp::create(b, loc, x, w, accs[p]);
            else
              accs[p] = arith::AddIOp::create(
                  b, loc, accs[p], arith::MulIOp::create(b, loc, x, w));
          }
        });
    for (int64_t p = 0; p < pixels; ++p) {
      if (!epilogue) {
        vector::StoreOp::create(b, loc, accs[p], m.output,
                                ValueRange{n, oh, cols[p], c0});
        continue;
      }
      // Row (n * OH + oh) * OW + ow of the [N*OH*OW][C] view.
      Value row = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(
              b, loc,
              arith::AddIOp::create(
                  b, loc, arith::MulIOp::create(b, loc, n, idx(b, loc, m.oh)),
                  oh),
              idx(b, loc, m.ow)),
          cols[p]);
      epilogue->emitStore(b, loc, accs[p], row, c0);
    }
  };

  emitPixelBlocks(b, loc, m.n, m.oh, m.ow, cFull, lanes, block, threads,
                  emitBlock);

  // Channels [cFull, C): the original op on channel subviews.
  if (cFull < m.c) {
    Value input = channelTail(b, loc, m.input, cFull),
          filter = channelTail(b, loc, m.filter, cFull),
          output = channelTail(b, loc, m.output, cFull);
    Operation *clone = b.clone(*op);
    clone->setOperand(0, input);
    clone->setOperand(1, filter);
    clone->setOperand(2, output);
  }
  if (epilogue) {
    epilogue->emitColumns(b, loc, cFull);
    epilogue->erase();
  }
  op->erase();
  if (fill)
    narrowFill(fill, cFull);
  return true;
}

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
                                    unsigned threads,
                                    const DepthwiseVnni *vnni) {
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

  // VNNI: taps four at a time (see DepthwiseVnni), for a constant filter.
  int64_t taps = m.window.kh * m.window.kw, groups = (taps + 3) / 4;
  DenseElementsAttr filterData = vnni && bits == 512 &&
                                         m.kind == KernelKind::I8 &&
                                         !m.bUnsigned && accElem.isInteger(32)
                                     ? constantData(m.filter)
                                     : DenseElementsAttr();
  Value packed, correction, permute, flip;
  auto bytes64 = VectorType::get({64}, b.getI8Type());
  if (filterData) {
    SmallVector<int8_t> w(filterData.getValues<int8_t>());
    int64_t c = m.c;
    auto packedType = MemRefType::get({groups, c * 4}, b.getI8Type());
    packed =
        vnni->constant(b, loc, packedType, filterData, "depthwise-taps", [&] {
          SmallVector<int8_t> out(groups * c * 4, 0);
          for (int64_t t = 0; t < taps; ++t)
            for (int64_t ch = 0; ch < c; ++ch)
              out[(t / 4) * c * 4 + ch * 4 + t % 4] = w[t * c + ch];
          return DenseElementsAttr::get(
              RankedTensorType::get(packedType.getShape(), b.getI8Type()),
              ArrayRef(out));
        });
    if (!m.aUnsigned) {
      // x xor 0x80 = x + 128 as u8: 128 * sum_t w[t][c] too many.
      auto corrType = MemRefType::get({c}, b.getI32Type());
      correction = vnni->constant(
          b, loc, corrType, filterData, "depthwise-correction", [&] {
            SmallVector<int32_t> out(c, 0);
            for (int64_t t = 0; t < taps; ++t)
              for (int64_t ch = 0; ch < c; ++ch)
                out[ch] -= 128 * int32_t(w[t * c + ch]);
            return DenseElementsAttr::get(
                RankedTensorType::get({c}, b.getI32Type()), ArrayRef(out));
          });
      flip = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(bytes64, b.getI8IntegerAttr(-128)));
    }
    // Byte 4c + j of the result is byte c of tap j (16 bytes each).
    SmallVector<int8_t> indices(64);
    for (int64_t ch = 0; ch < 16; ++ch)
      for (int64_t j = 0; j < 4; ++j)
        indices[ch * 4 + j] = int8_t(16 * j + ch);
    permute = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(bytes64, ArrayRef(indices)));
  }

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
    SmallVector<Value> accs;
    if (packed) {
      Value corr = correction ? (Value)vector::LoadOp::create(b, loc, accType,
                                                              correction, c0)
                              : Value();
      SmallVector<Value> w;
      Value col4 = arith::MulIOp::create(b, loc, c0, idx(b, loc, 4));
      for (int64_t g = 0; g < groups; ++g)
        w.push_back(vector::LoadOp::create(b, loc, bytes64, packed,
                                           ValueRange{idx(b, loc, g), col4}));
      auto bytes16 = VectorType::get({16}, b.getI8Type());
      Value zero = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(bytes64, b.getI8IntegerAttr(0)));
      const Window &win = m.window;
      for (int64_t p = 0; p < pixels; ++p) {
        Value acc =
            corr ? arith::AddIOp::create(b, loc, init[p], corr) : init[p];
        for (int64_t g = 0; g < groups; ++g) {
          Value x = zero;
          for (int64_t j = 0; j < 4 && 4 * g + j < taps; ++j) {
            int64_t t = 4 * g + j, kh = t / win.kw, kw = t % win.kw;
            Value row = arith::AddIOp::create(
                b, loc,
                arith::MulIOp::create(b, loc, oh, idx(b, loc, win.strideH)),
                idx(b, loc, kh * win.dilH));
            Value col = arith::AddIOp::create(
                b, loc,
                arith::MulIOp::create(b, loc, cols[p],
                                      idx(b, loc, win.strideW)),
                idx(b, loc, kw * win.dilW));
            Value v = vector::LoadOp::create(b, loc, bytes16, m.input,
                                             ValueRange{n, row, col, c0});
            x = vector::InsertStridedSliceOp::create(
                b, loc, v, x, ArrayRef<int64_t>{16 * j}, ArrayRef<int64_t>{1});
          }
          x = emitVpermb(b, loc, x, permute);
          if (flip)
            x = arith::XOrIOp::create(b, loc, x, flip);
          acc = emitVpdpbusd(b, loc, acc, x, w[g]);
        }
        accs.push_back(acc);
      }
    } else {
      accs = emitWindowTaps(
          b, loc, m.window, n, oh, cols, c0, init,
          [&](OpBuilder &b, Location loc, Value kh, Value kw,
              ArrayRef<SmallVector<Value, 4>> at,
              SmallVectorImpl<Value> &accs) {
            Value w =
                load(b, loc, m.filter, ValueRange{kh, kw, c0}, m.bUnsigned);
            for (int64_t p = 0; p < pixels; ++p) {
              Value x = load(b, loc, m.input, at[p], m.aUnsigned);
              if (isFloat)
                accs[p] = vector::FMAOp::create(b, loc, x, w, accs[p]);
              else
                accs[p] = arith::AddIOp::create(
                    b, loc, accs[p], arith::MulIOp::create(b, loc, x, w));
            }
          });
    }
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

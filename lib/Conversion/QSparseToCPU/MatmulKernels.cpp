//===- MatmulKernels.cpp - register-tiled CPU matmul micro-kernels --------===//
//
// --qsparse-cpu-matmul-kernels: the classic outer-product micro-kernel (an
// MR x NR tile of C in vector registers, updated by a broadcast of A times a
// vector of B per k), cache-blocked over K, emitted directly as scf + vector
// ops on buffers. Rows and columns that do not fill a tile are left to the
// original op on subviews.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "llvm/TargetParser/Host.h"

namespace qsparse {
#define GEN_PASS_DEF_CPUMATMULKERNELS
#include "qsparse/Conversion/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {

enum class KernelKind { F32, I8, I8VNNI };

/// A matmul-shaped contraction on buffers, C[M][N] += A[M][K] * B[K][N].
struct MatmulMatch {
  linalg::LinalgOp op;
  Value a, b, c;
  int64_t m, n, k;
  KernelKind kind;
  bool aUnsigned = false, bUnsigned = false;
};

bool isIdentityStatic(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         type.getRank() == 2;
}

/// Strips an integer extension, recording whether it is unsigned.
Value stripExtension(Value v, bool &isUnsigned) {
  if (auto ext = v.getDefiningOp<arith::ExtSIOp>()) {
    isUnsigned = false;
    return ext.getIn();
  }
  if (auto ext = v.getDefiningOp<arith::ExtUIOp>()) {
    isUnsigned = true;
    return ext.getIn();
  }
  return {};
}

std::optional<MatmulMatch> matchMatmul(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() != 3 ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  MLIRContext *ctx = op->getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> expected = {AffineMap::get(3, 0, {m, k}, ctx),
                                     AffineMap::get(3, 0, {k, n}, ctx),
                                     AffineMap::get(3, 0, {m, n}, ctx)};
  if (op.getIndexingMapsArray() != expected)
    return std::nullopt;
  auto iterators = op.getIteratorTypesArray();
  if (iterators[0] != utils::IteratorType::parallel ||
      iterators[1] != utils::IteratorType::parallel ||
      iterators[2] != utils::IteratorType::reduction)
    return std::nullopt;
  MatmulMatch match;
  match.op = op;
  match.a = op.getDpsInputOperand(0)->get();
  match.b = op.getDpsInputOperand(1)->get();
  match.c = op.getDpsInitOperand(0)->get();
  if (!isIdentityStatic(match.a) || !isIdentityStatic(match.b) ||
      !isIdentityStatic(match.c))
    return std::nullopt;
  auto aType = cast<MemRefType>(match.a.getType());
  auto bType = cast<MemRefType>(match.b.getType());
  match.m = aType.getDimSize(0);
  match.k = aType.getDimSize(1);
  match.n = bType.getDimSize(1);

  // The body: out + a * b, with optional integer extensions of a and b.
  Block *body = op.getBlock();
  if (body->getOperations().size() > 6)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Value result = yield.getOperand(0);
  BlockArgument argA = body->getArgument(0), argB = body->getArgument(1),
                argC = body->getArgument(2);
  Type aElem = aType.getElementType(), bElem = bType.getElementType();
  Type cElem = cast<MemRefType>(match.c.getType()).getElementType();
  auto isProductOf = [&](Value lhs, Value rhs, bool integer) {
    if (integer) {
      bool ua = false, ub = false;
      Value sa = stripExtension(lhs, ua), sb = stripExtension(rhs, ub);
      if (sa != argA || sb != argB)
        return false;
      match.aUnsigned = ua;
      match.bUnsigned = ub;
      return true;
    }
    return lhs == argA && rhs == argB;
  };
  if (aElem.isF32() && bElem.isF32() && cElem.isF32()) {
    auto add = result.getDefiningOp<arith::AddFOp>();
    if (!add)
      return std::nullopt;
    Value other = add.getLhs() == argC ? add.getRhs() : add.getLhs();
    if (add.getLhs() != argC && add.getRhs() != argC)
      return std::nullopt;
    auto mul = other.getDefiningOp<arith::MulFOp>();
    if (!mul || !(isProductOf(mul.getLhs(), mul.getRhs(), false) ||
                  isProductOf(mul.getRhs(), mul.getLhs(), false)))
      return std::nullopt;
    match.kind = KernelKind::F32;
    return match;
  }
  if (aElem.isInteger(8) && bElem.isInteger(8) && cElem.isInteger(32)) {
    auto add = result.getDefiningOp<arith::AddIOp>();
    if (!add || (add.getLhs() != argC && add.getRhs() != argC))
      return std::nullopt;
    Value other = add.getLhs() == argC ? add.getRhs() : add.getLhs();
    auto mul = other.getDefiningOp<arith::MulIOp>();
    if (!mul || !(isProductOf(mul.getLhs(), mul.getRhs(), true) ||
                  isProductOf(mul.getRhs(), mul.getLhs(), true)))
      return std::nullopt;
    match.kind = KernelKind::I8;
    return match;
  }
  return std::nullopt;
}

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Register tile shape for a vector width: MR rows x NV vectors, leaving
/// registers for the B vectors and the broadcast.
struct TileShape {
  int64_t mr, nv, lanes;
};

struct CPUMatmulKernelsPass
    : qsparse::impl::CPUMatmulKernelsBase<CPUMatmulKernelsPass> {
  using Base::Base;

  unsigned bits = 0;
  bool useVnni = false;

  LogicalResult initialize(MLIRContext *) override {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    auto has = [&](StringRef f) { return features.lookup(f); };
    bits = vectorBits;
    if (bits == 0)
      bits = has("avx512f") ? 512 : has("avx2") ? 256 : 128;
    if (bits != 128 && bits != 256 && bits != 512)
      return failure();
    if (vnni == "on")
      useVnni = true;
    else if (vnni == "off")
      useVnni = false;
    else if (vnni == "auto")
      useVnni = has("avx512vnni") && has("avx512bw");
    else
      return failure();
    useVnni = useVnni && bits == 512;
    return success();
  }

  TileShape tileFor(KernelKind kind) const {
    int64_t lanes = bits / 32;
    // 32 vector registers with AVX-512, 16 otherwise.
    if (bits == 512)
      return {6, 4, lanes};
    return {6, 2, lanes};
  }

  void runOnOperation() override {
    SmallVector<MatmulMatch> matches;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto m = matchMatmul(op))
        matches.push_back(*m);
    });
    for (MatmulMatch &m : matches) {
      if (m.kind == KernelKind::I8 && useVnni && m.aUnsigned && !m.bUnsigned &&
          m.k % 4 == 0)
        m.kind = KernelKind::I8VNNI;
      rewrite(m);
    }
  }

  /// Replaces `m.op` by kernel loops over the full tiles plus the original op
  /// on the remainder rows and columns.
  void rewrite(MatmulMatch &m) {
    TileShape tile = tileFor(m.kind);
    int64_t nr = tile.nv * tile.lanes;
    int64_t mFull = m.m - m.m % tile.mr, nFull = m.n - m.n % nr;
    if (mFull == 0 || nFull == 0)
      return; // Too small for one register tile: loops are fine.
    OpBuilder b(m.op);
    Location loc = m.op.getLoc();
    if (m.kind == KernelKind::I8VNNI)
      emitVnni(b, loc, m, tile, mFull, nFull);
    else
      emitOuterProduct(b, loc, m, tile, mFull, nFull);
    emitRemainder(b, loc, m, mFull, nFull);
    m.op->erase();
  }

  /// The remainder rows [mFull, M) x [0, N) and columns [0, mFull) x
  /// [nFull, N) as clones of the original op on subviews.
  void emitRemainder(OpBuilder &b, Location loc, MatmulMatch &m, int64_t mFull,
                     int64_t nFull) {
    auto cloneOn = [&](Value a, Value bb, Value c) {
      Operation *clone = b.clone(*m.op);
      clone->setOperand(0, a);
      clone->setOperand(1, bb);
      clone->setOperand(2, c);
    };
    auto sub = [&](Value v, int64_t r0, int64_t rows, int64_t c0,
                   int64_t cols) -> Value {
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(r0),
                                           b.getIndexAttr(c0)};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows),
                                         b.getIndexAttr(cols)};
      SmallVector<OpFoldResult> strides = {b.getIndexAttr(1),
                                           b.getIndexAttr(1)};
      return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides);
    };
    // Operands are built in order (A, B, C) so the IR is deterministic.
    if (mFull < m.m) {
      Value a = sub(m.a, mFull, m.m - mFull, 0, m.k);
      Value c = sub(m.c, mFull, m.m - mFull, 0, m.n);
      cloneOn(a, m.b, c);
    }
    if (nFull < m.n) {
      Value a = sub(m.a, 0, mFull, 0, m.k);
      Value bb = sub(m.b, 0, m.k, nFull, m.n - nFull);
      Value c = sub(m.c, 0, mFull, nFull, m.n - nFull);
      cloneOn(a, bb, c);
    }
  }

  /// for k0 (K blocks) / n0 / m0: C tile in registers across the k loop.
  /// `step` builds one k step of the tile update.
  void
  emitBlockedLoops(OpBuilder &b, Location loc, MatmulMatch &m, TileShape tile,
                   int64_t mFull, int64_t nFull, int64_t kSteps, int64_t kBlock,
                   function_ref<void(OpBuilder &, Location, Value m0, Value n0,
                                     Value k, SmallVectorImpl<Value> &accs)>
                       step) {
    int64_t nr = tile.nv * tile.lanes;
    auto accType = VectorType::get(
        {tile.lanes}, cast<MemRefType>(m.c.getType()).getElementType());
    Value zero = idx(b, loc, 0);
    scf::ForOp::create(
        b, loc, zero, idx(b, loc, kSteps), idx(b, loc, kBlock), ValueRange{},
        [&](OpBuilder &b, Location loc, Value k0, ValueRange) {
          Value kEnd = arith::MinSIOp::create(
              b, loc, arith::AddIOp::create(b, loc, k0, idx(b, loc, kBlock)),
              idx(b, loc, kSteps));
          scf::ForOp::create(
              b, loc, zero, idx(b, loc, nFull), idx(b, loc, nr), ValueRange{},
              [&](OpBuilder &b, Location loc, Value n0, ValueRange) {
                scf::ForOp::create(
                    b, loc, zero, idx(b, loc, mFull), idx(b, loc, tile.mr),
                    ValueRange{},
                    [&](OpBuilder &b, Location loc, Value m0, ValueRange) {
                      SmallVector<Value> init;
                      for (int64_t i = 0; i < tile.mr; ++i)
                        for (int64_t j = 0; j < tile.nv; ++j)
                          init.push_back(vector::LoadOp::create(
                              b, loc, accType, m.c,
                              ValueRange{arith::AddIOp::create(b, loc, m0,
                                                               idx(b, loc, i)),
                                         arith::AddIOp::create(
                                             b, loc, n0,
                                             idx(b, loc, j * tile.lanes))}));
                      auto kLoop = scf::ForOp::create(
                          b, loc, k0, kEnd, idx(b, loc, 1), init,
                          [&](OpBuilder &b, Location loc, Value k,
                              ValueRange iter) {
                            SmallVector<Value> accs(iter);
                            step(b, loc, m0, n0, k, accs);
                            scf::YieldOp::create(b, loc, accs);
                          });
                      for (int64_t i = 0; i < tile.mr; ++i)
                        for (int64_t j = 0; j < tile.nv; ++j)
                          vector::StoreOp::create(
                              b, loc, kLoop.getResult(i * tile.nv + j), m.c,
                              ValueRange{arith::AddIOp::create(b, loc, m0,
                                                               idx(b, loc, i)),
                                         arith::AddIOp::create(
                                             b, loc, n0,
                                             idx(b, loc, j * tile.lanes))});
                      scf::YieldOp::create(b, loc);
                    });
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
  }

  /// B packed into contiguous panels of NR columns, [nFull/NR][K][NR], so the
  /// k loop of a register tile streams through memory (vector copies; O(KN)
  /// next to the O(MNK) kernel).
  Value packPanels(OpBuilder &b, Location loc, MatmulMatch &m, TileShape tile,
                   int64_t nFull, Type elem) {
    int64_t nr = tile.nv * tile.lanes;
    auto packedType = MemRefType::get({nFull / nr, m.k, nr}, elem);
    Value packed =
        memref::AllocOp::create(b, loc, packedType, b.getI64IntegerAttr(64));
    auto vecType = VectorType::get({tile.lanes}, elem);
    Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
    scf::ForOp::create(
        b, loc, zero, idx(b, loc, nFull / nr), one, ValueRange{},
        [&](OpBuilder &b, Location loc, Value p, ValueRange) {
          Value col0 = arith::MulIOp::create(b, loc, p, idx(b, loc, nr));
          scf::ForOp::create(
              b, loc, zero, idx(b, loc, m.k), one, ValueRange{},
              [&](OpBuilder &b, Location loc, Value k, ValueRange) {
                for (int64_t j = 0; j < tile.nv; ++j) {
                  Value off = idx(b, loc, j * tile.lanes);
                  Value col = arith::AddIOp::create(b, loc, col0, off);
                  Value v = vector::LoadOp::create(b, loc, vecType, m.b,
                                                   ValueRange{k, col});
                  vector::StoreOp::create(b, loc, v, packed,
                                          ValueRange{p, k, off});
                }
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
    return packed;
  }

  void emitOuterProduct(OpBuilder &b, Location loc, MatmulMatch &m,
                        TileShape tile, int64_t mFull, int64_t nFull) {
    bool isFloat = m.kind == KernelKind::F32;
    Type accElem = isFloat ? (Type)b.getF32Type() : (Type)b.getI32Type();
    Type bElem = isFloat ? accElem : b.getI8Type();
    auto accType = VectorType::get({tile.lanes}, accElem);
    auto bLoadType = VectorType::get({tile.lanes}, bElem);
    int64_t nr = tile.nv * tile.lanes;
    Value packed = packPanels(b, loc, m, tile, nFull, bElem);
    auto extend = [&](OpBuilder &b, Location loc, Value v, Type to,
                      bool isUnsigned) -> Value {
      if (isUnsigned)
        return arith::ExtUIOp::create(b, loc, to, v);
      return arith::ExtSIOp::create(b, loc, to, v);
    };
    emitBlockedLoops(
        b, loc, m, tile, mFull, nFull, m.k, /*kBlock=*/256,
        [&](OpBuilder &b, Location loc, Value m0, Value n0, Value k,
            SmallVectorImpl<Value> &accs) {
          Value panel = arith::DivUIOp::create(b, loc, n0, idx(b, loc, nr));
          SmallVector<Value> bv;
          for (int64_t j = 0; j < tile.nv; ++j) {
            Value v = vector::LoadOp::create(
                b, loc, bLoadType, packed,
                ValueRange{panel, k, idx(b, loc, j * tile.lanes)});
            if (!isFloat)
              v = extend(b, loc, v, accType, m.bUnsigned);
            bv.push_back(v);
          }
          for (int64_t i = 0; i < tile.mr; ++i) {
            Value row = arith::AddIOp::create(b, loc, m0, idx(b, loc, i));
            Value a = memref::LoadOp::create(b, loc, m.a, ValueRange{row, k});
            if (!isFloat)
              a = extend(b, loc, a, accElem, m.aUnsigned);
            Value av = vector::BroadcastOp::create(b, loc, accType, a);
            for (int64_t j = 0; j < tile.nv; ++j) {
              Value &acc = accs[i * tile.nv + j];
              if (isFloat)
                acc = vector::FMAOp::create(b, loc, av, bv[j], acc);
              else
                acc = arith::AddIOp::create(
                    b, loc, acc, arith::MulIOp::create(b, loc, av, bv[j]));
            }
          }
        });
    memref::DeallocOp::create(b, loc, packed);
  }

  /// u8 x s8 -> i32 with vpdpbusd: B packed as [K/4][N*4] (4 consecutive k of
  /// one column side by side), each lane accumulating 4 products.
  void emitVnni(OpBuilder &b, Location loc, MatmulMatch &m, TileShape tile,
                int64_t mFull, int64_t nFull) {
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    int64_t k4 = m.k / 4;
    auto packedType = MemRefType::get({k4, m.n * 4}, i8);
    Value packed =
        memref::AllocOp::create(b, loc, packedType, b.getI64IntegerAttr(64));
    // Pack: packed[q][4n + t] = B[4q + t][n]. Sixteen columns at a time by
    // interleaving four rows (bytes, then byte pairs); the tail one by one.
    Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
    int64_t n16 = m.n - m.n % 16;
    auto row16 = VectorType::get({16}, i8);
    SmallVector<int64_t> interleave;
    for (int64_t i = 0; i < 16; ++i) {
      interleave.push_back(i);
      interleave.push_back(i + 16);
    }
    scf::ForOp::create(
        b, loc, zero, idx(b, loc, k4), one, ValueRange{},
        [&](OpBuilder &b, Location loc, Value q, ValueRange) {
          Value k = arith::MulIOp::create(b, loc, q, idx(b, loc, 4));
          auto rowAt = [&](OpBuilder &b, Location loc, int64_t t) {
            return arith::AddIOp::create(b, loc, k, idx(b, loc, t));
          };
          scf::ForOp::create(
              b, loc, zero, idx(b, loc, n16), idx(b, loc, 16), ValueRange{},
              [&](OpBuilder &b, Location loc, Value n, ValueRange) {
                SmallVector<Value> rows;
                for (int64_t t = 0; t < 4; ++t)
                  rows.push_back(vector::LoadOp::create(
                      b, loc, row16, m.b, ValueRange{rowAt(b, loc, t), n}));
                Value s01 = vector::ShuffleOp::create(b, loc, rows[0], rows[1],
                                                      interleave);
                Value s23 = vector::ShuffleOp::create(b, loc, rows[2], rows[3],
                                                      interleave);
                auto pairs = VectorType::get({16}, b.getI16Type());
                Value p01 = vector::BitCastOp::create(b, loc, pairs, s01);
                Value p23 = vector::BitCastOp::create(b, loc, pairs, s23);
                Value quads =
                    vector::ShuffleOp::create(b, loc, p01, p23, interleave);
                Value bytes = vector::BitCastOp::create(
                    b, loc, VectorType::get({64}, i8), quads);
                Value col = arith::MulIOp::create(b, loc, n, idx(b, loc, 4));
                vector::StoreOp::create(b, loc, bytes, packed,
                                        ValueRange{q, col});
                scf::YieldOp::create(b, loc);
              });
          scf::ForOp::create(
              b, loc, idx(b, loc, n16), idx(b, loc, m.n), one, ValueRange{},
              [&](OpBuilder &b, Location loc, Value n, ValueRange) {
                for (int64_t t = 0; t < 4; ++t) {
                  Value v = memref::LoadOp::create(
                      b, loc, m.b, ValueRange{rowAt(b, loc, t), n});
                  Value col = arith::AddIOp::create(
                      b, loc, arith::MulIOp::create(b, loc, n, idx(b, loc, 4)),
                      idx(b, loc, t));
                  memref::StoreOp::create(b, loc, v, packed,
                                          ValueRange{q, col});
                }
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
    auto bytes64 = VectorType::get({tile.lanes * 4}, i8);
    auto lanes32 = VectorType::get({tile.lanes}, i32);
    auto intrinsic = b.getStringAttr("llvm.x86.avx512.vpdpbusd.512");
    emitBlockedLoops(
        b, loc, m, tile, mFull, nFull, k4, /*kBlock=*/64,
        [&](OpBuilder &b, Location loc, Value m0, Value n0, Value q,
            SmallVectorImpl<Value> &accs) {
          SmallVector<Value> bv;
          for (int64_t j = 0; j < tile.nv; ++j) {
            Value col = arith::MulIOp::create(
                b, loc,
                arith::AddIOp::create(b, loc, n0, idx(b, loc, j * tile.lanes)),
                idx(b, loc, 4));
            bv.push_back(vector::LoadOp::create(b, loc, bytes64, packed,
                                                ValueRange{q, col}));
          }
          Value kBase = arith::MulIOp::create(b, loc, q, idx(b, loc, 4));
          for (int64_t i = 0; i < tile.mr; ++i) {
            Value row = arith::AddIOp::create(b, loc, m0, idx(b, loc, i));
            Value four = vector::LoadOp::create(
                b, loc, VectorType::get({4}, i8), m.a, ValueRange{row, kBase});
            Value word = vector::ExtractOp::create(
                b, loc,
                vector::BitCastOp::create(b, loc, VectorType::get({1}, i32),
                                          four),
                ArrayRef<int64_t>{0});
            Value av = vector::BitCastOp::create(
                b, loc, bytes64,
                vector::BroadcastOp::create(b, loc, lanes32, word));
            for (int64_t j = 0; j < tile.nv; ++j) {
              Value &acc = accs[i * tile.nv + j];
              acc = LLVM::CallIntrinsicOp::create(b, loc, lanes32, intrinsic,
                                                  ValueRange{acc, av, bv[j]})
                        .getResult(0);
            }
          }
        });
    memref::DeallocOp::create(b, loc, packed);
  }
};
} // namespace

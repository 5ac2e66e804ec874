//===- MatmulKernels.cpp - register-tiled CPU matmul micro-kernels --------===//
//
// --qsparse-cpu-matmul-kernels: the classic outer-product micro-kernel (an
// MR x NR tile of C in vector registers, updated by a broadcast of A times a
// vector of B per k), cache-blocked over K, emitted directly as scf + vector
// ops on buffers. Rows and columns that do not fill a tile are left to the
// original op on subviews.
//
//===----------------------------------------------------------------------===//

#include "Epilogue.h"
#include "Kernels.h"
#include "qsparse/Conversion/Passes.h"
#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/ImplicitGemm.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/TargetParser/Host.h"

#include <array>
#include <map>
#include <string>
#include <tuple>

namespace qsparse {
#define GEN_PASS_DEF_CPUMATMULKERNELS
#include "qsparse/Conversion/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
using qsparse::cpu::accElementFor;
using qsparse::cpu::convertAcc;
using qsparse::cpu::ConvMatch;
using qsparse::cpu::decompressedOperands;
using qsparse::cpu::idx;
using qsparse::cpu::KernelKind;
using qsparse::cpu::matchConv;
using qsparse::cpu::matchMacBody;
using qsparse::cpu::narrowFill;
using qsparse::cpu::precedingFill;
using qsparse::cpu::unwrittenBetween;

/// A matmul-shaped contraction on buffers, C[M][N] += A[M][K] * B[K][N].
struct MatmulMatch : qsparse::cpu::MatmulOperands {
  linalg::LinalgOp op;
  KernelKind kind;
  bool aUnsigned = false, bUnsigned = false;
};

std::optional<MatmulMatch> matchMatmul(linalg::LinalgOp op) {
  auto operands = qsparse::cpu::matchMatmulOperands(op);
  if (!operands)
    return std::nullopt;
  MatmulMatch match;
  static_cast<qsparse::cpu::MatmulOperands &>(match) = *operands;
  match.op = op;
  auto aType = cast<MemRefType>(match.a.getType());
  auto bType = cast<MemRefType>(match.b.getType());
  if (!matchMacBody(op.getBlock(), aType.getElementType(),
                    bType.getElementType(),
                    cast<MemRefType>(match.c.getType()).getElementType(),
                    match.kind, match.aUnsigned, match.bUnsigned,
                    /*narrowAcc=*/true))
    return std::nullopt;
  return match;
}

/// Packs one K block [k0, kEnd) of a runtime B, all column panels.
using PackFn = function_ref<void(OpBuilder &, Location, Value, Value)>;

StringRef kindName(KernelKind kind) {
  switch (kind) {
  case KernelKind::F32:
    return "f32";
  case KernelKind::I8:
    return "i8";
  case KernelKind::I8VNNI:
    return "i8 vnni";
  case KernelKind::F16:
    return "f16";
  }
  llvm_unreachable("unknown kernel kind");
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
  bool useVnni = false, useVbmi = false;
  /// Compile-time packed constant weights, by source data and layout.
  std::map<std::tuple<const void *, const void *, std::string>,
           memref::GlobalOp>
      packedGlobals;
  std::optional<SymbolTable> symbols;
  /// The fused epilogue of the contraction being rewritten, if any.
  qsparse::cpu::Epilogue *epilogue = nullptr;
  /// The value the contraction's output was filled with right before it
  /// (see precedingFill), if any: the first K block starts from it.
  Value fillValue;
  /// The expanded runtime 2:4 weight the contraction read instead of its
  /// compressed operands: erased after it when nothing else reads it.
  linalg::GenericOp decompressed;

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
    // vpermb (AVX-512 VBMI) gathers the A bytes of 2:4-sparse weights.
    useVbmi = useVnni && has("avx512vbmi");
    return success();
  }

  TileShape tileFor(KernelKind kind) const {
    int64_t lanes = bits / 32;
    // 32 vector registers with AVX-512, 16 otherwise.
    if (bits == 512)
      return {6, 4, lanes};
    return {6, 2, lanes};
  }

  /// With tag-kernels, the top-level ops present before the rewrite that
  /// is running (so the ops it emitted can be marked).
  static constexpr llvm::StringLiteral kOld = "qsparse.kernel_old";

  void forEachTopLevelOp(function_ref<void(Operation *)> fn) {
    getOperation().walk([&](func::FuncOp f) {
      for (Block &block : f.getBody())
        for (Operation &op : block)
          fn(&op);
    });
  }

  /// With tag-kernels: marks the ops the last rewrite emitted (loop nests,
  /// linalg ops, copies) `qsparse.kernel = "<kind> kernel"` and
  /// `qsparse.kernel_output = <output type>`, and remembers every op
  /// present now.
  void markEmitted(StringRef kind, Type output) {
    if (!tagKernels)
      return;
    StringAttr name = StringAttr::get(&getContext(), kind + " kernel");
    TypeAttr type = TypeAttr::get(output);
    UnitAttr old = UnitAttr::get(&getContext());
    forEachTopLevelOp([&](Operation *op) {
      if (op->hasAttr(kOld))
        return;
      if (op->getNumRegions() || isa<linalg::LinalgOp, memref::CopyOp>(op)) {
        op->setAttr("qsparse.kernel", name);
        op->setAttr("qsparse.kernel_output", type);
      }
      op->setAttr(kOld, old);
    });
  }

  void runOnOperation() override {
    if (tagKernels)
      forEachTopLevelOp([&](Operation *op) {
        op->setAttr(kOld, UnitAttr::get(&getContext()));
      });
    rewriteAll();
    if (tagKernels)
      forEachTopLevelOp([&](Operation *op) { op->removeAttr(kOld); });
  }

  void rewriteAll() {
    packedGlobals.clear();
    symbols.emplace(getOperation());
    // The fill and interior copy of a padded image: memref.copy between
    // strided buffers would be a runtime call that copies element by
    // element, and both lower to byte loops; as vector loops over the
    // contiguous runs they cost a fraction of that. Copies with a strided
    // innermost dimension become linalg.copy.
    SmallVector<linalg::MapOp> maps;
    getOperation().walk([&](linalg::MapOp map) { maps.push_back(map); });
    for (linalg::MapOp map : maps) {
      Type output = map.getInit().getType();
      if (qsparse::cpu::rewriteSplatMap(map, bits))
        markEmitted("fill", output);
    }
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (!source.hasStaticShape() || !target.hasStaticShape() ||
          (source.getLayout().isIdentity() && target.getLayout().isIdentity()))
        continue; // contiguous copies are one memcpy already
      if (qsparse::cpu::rewriteStridedCopy(copy, bits)) {
        markEmitted("copy", target);
        continue;
      }
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
    // expand_shape(collapse_shape(x)) back to x: the implicit GEMM's output
    // view, so a fused epilogue reads the convolution's buffer itself.
    RewritePatternSet views(&getContext());
    memref::ExpandShapeOp::getCanonicalizationPatterns(views, &getContext());
    memref::CollapseShapeOp::getCanonicalizationPatterns(views, &getContext());
    (void)applyPatternsGreedily(getOperation(), std::move(views));
    SmallVector<MatmulMatch> matches;
    SmallVector<ConvMatch> convs;
    SmallVector<linalg::LinalgOp> depthwise;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto m = matchMatmul(op))
        matches.push_back(*m);
      else if (auto c = matchConv(op, /*narrowAcc=*/true))
        convs.push_back(*c);
      else if (op.getNumLoops() == 6)
        depthwise.push_back(op);
    });
    qsparse::cpu::DepthwiseVnni depthwiseVnni;
    depthwiseVnni.constant = [&](OpBuilder &b, Location loc, MemRefType type,
                                 DenseElementsAttr source, StringRef layout,
                                 function_ref<DenseElementsAttr()> make) {
      return constantGlobal(b, loc, type, source, layout, make);
    };
    for (linalg::LinalgOp op : depthwise) {
      Type output = op.getDpsInits()[0].getType();
      if (qsparse::cpu::rewriteDepthwise(op, bits, threads,
                                         useVbmi ? &depthwiseVnni : nullptr))
        markEmitted("depthwise", output);
      else if (qsparse::cpu::rewritePooling(op, bits, threads))
        markEmitted("pooling", output);
    }
    for (ConvMatch &c : convs) {
      // C % 4 != 0 is padded with zero channels by rewriteConv.
      if (c.kind == KernelKind::I8 && useVnni && c.aUnsigned && !c.bUnsigned)
        c.kind = KernelKind::I8VNNI;
      std::optional<qsparse::cpu::Epilogue> ep = qsparse::cpu::Epilogue::match(
          c.op, c.accBuffer, ValueRange{c.input, c.filter});
      epilogue = ep ? &*ep : nullptr;
      Type output = c.output.getType();
      rewriteConv(c);
      markEmitted(("conv " + kindName(c.kind)).str(), output);
      epilogue = nullptr;
    }
    for (MatmulMatch &m : matches) {
      if (m.kind == KernelKind::I8 && useVnni && m.aUnsigned && !m.bUnsigned &&
          m.k % 4 == 0)
        m.kind = KernelKind::I8VNNI;
      std::optional<qsparse::cpu::Epilogue> ep =
          qsparse::cpu::Epilogue::match(m.op, m.c, ValueRange{m.a, m.b});
      epilogue = ep ? &*ep : nullptr;
      Type output = m.c.getType();
      rewrite(m);
      markEmitted(("matmul " + kindName(m.kind)).str(), output);
      epilogue = nullptr;
    }
    // What is left of the parallel ops (elementwise ops no contraction
    // took as its epilogue, fills, transposes): vector loops.
    SmallVector<linalg::LinalgOp> parallel;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0)
        parallel.push_back(op);
    });
    for (linalg::LinalgOp op : parallel) {
      Type output =
          op.getDpsInits().empty() ? Type() : op.getDpsInits()[0].getType();
      StringRef kind = isa<linalg::FillOp>(op) ? "fill" : "elementwise";
      if (qsparse::cpu::rewriteElementwise(op, bits, threads))
        markEmitted(kind, output);
    }
  }

  /// Replaces `m.op` by kernel loops over every row and the full column
  /// panels, plus the original op on the remaining columns.
  void rewrite(MatmulMatch &m) {
    TileShape tile = tileFor(m.kind);
    int64_t nr = tile.nv * tile.lanes;
    int64_t mFull = m.m - m.m % tile.mr, nFull = m.n - m.n % nr;
    if (m.n < tile.lanes)
      return; // Narrower than one vector: loops are fine.
    linalg::FillOp fill = precedingFill(m.op);
    fillValue = fill ? fill.getInputs()[0] : Value();
    OpBuilder b(m.op);
    Location loc = m.op.getLoc();
    if (epilogue)
      epilogue->prepare(b, loc);
    // The columns the kernels cover: the full panels, and with the plain
    // kernels the whole vectors after them as one narrower panel.
    int64_t covered = nFull;
    if (m.kind != KernelKind::I8VNNI)
      covered = emitOuterProduct(b, loc, m, tile, mFull, nFull);
    else if (!useVbmi || nFull == 0 ||
             !emitSparseVnni(b, loc, m, tile, mFull, nFull))
      covered = emitVnni(b, loc, m, tile, mFull, nFull);
    nFull = covered;
    if (nFull < m.n) {
      // The columns [nFull, N) as a clone of the op on subviews; operands
      // are built in order (A, B, C) so the IR is deterministic.
      auto sub = [&](Value v, int64_t rows, int64_t c0, int64_t cols) -> Value {
        SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                             b.getIndexAttr(c0)};
        SmallVector<OpFoldResult> sizes = {b.getIndexAttr(rows),
                                           b.getIndexAttr(cols)};
        SmallVector<OpFoldResult> strides = {b.getIndexAttr(1),
                                             b.getIndexAttr(1)};
        return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides);
      };
      Value bb = sub(m.b, m.k, nFull, m.n - nFull);
      Value c = sub(m.c, m.m, nFull, m.n - nFull);
      Operation *clone = b.clone(*m.op);
      clone->setOperand(1, bb);
      clone->setOperand(2, c);
      if (epilogue)
        epilogue->emitColumns(b, loc, nFull);
    }
    if (epilogue)
      epilogue->erase();
    m.op->erase();
    if (decompressed) {
      // Only a temporary that nothing else reads: B may also be a result
      // (an out-parameter) or a view of one.
      Value expanded = decompressed.getDpsInits()[0];
      auto alloc = expanded.getDefiningOp<memref::AllocOp>();
      if (alloc && llvm::all_of(alloc->getUsers(), [&](Operation *user) {
            return user == decompressed || isa<memref::DeallocOp>(user);
          })) {
        decompressed->erase();
        for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
          user->erase();
        alloc->erase();
      }
      decompressed = {};
    }
    if (fill)
      narrowFill(fill, nFull);
    fillValue = {};
  }

  /// for m0 in [0, upper) step `step`: an scf.parallel with threads > 1
  /// (the tiles write disjoint rows), else an scf.for.
  void emitRowLoop(OpBuilder &b, Location loc, int64_t upper, int64_t step,
                   function_ref<void(OpBuilder &, Location, Value)> body) {
    qsparse::cpu::emitLoop(b, loc, upper, step, threads > 1, body);
  }

  /// for k0 (K blocks) / n0 / m0: C tile in registers across the k loop.
  /// Rows [0, mFull) use MR-row tiles; the last M % MR rows one smaller tile.
  /// `step` builds one k step of an `mr`-row tile update. `packBlock`, when
  /// given, runs for each K block before its tiles: a runtime B is packed
  /// there, K block by K block (its rows read whole, in order), so the
  /// packed block is still in cache when the tiles read it (packing all of
  /// B up front writes and rereads a buffer as large as B).
  void emitBlockedLoops(
      OpBuilder &b, Location loc, MatmulMatch &m, TileShape tile, int64_t mFull,
      int64_t nFull, int64_t kSteps, int64_t kBlock,
      function_ref<void(OpBuilder &, Location, Value m0, Value n0, Value k,
                        int64_t mr, SmallVectorImpl<Value> &accs)>
          step,
      function_ref<void(OpBuilder &, Location, Value k0, Value kEnd)>
          packBlock = nullptr,
      int64_t nStart = 0) {
    int64_t nr = tile.nv * tile.lanes;
    Type cElem = cast<MemRefType>(m.c.getType()).getElementType();
    auto cType = VectorType::get({tile.lanes}, cElem);
    auto accType = VectorType::get({tile.lanes}, accElementFor(cElem));
    Value zero = idx(b, loc, 0);
    auto emitTile = [&](OpBuilder &b, Location loc, Value k0, Value kEnd,
                        Value n0, Value m0, int64_t mr) {
      auto at = [&](OpBuilder &b, Location loc, int64_t i,
                    int64_t j) -> SmallVector<Value, 2> {
        return {arith::AddIOp::create(b, loc, m0, idx(b, loc, i)),
                arith::AddIOp::create(b, loc, n0, idx(b, loc, j * tile.lanes))};
      };
      auto loadC = [&](OpBuilder &b, Location loc) {
        SmallVector<Value> loaded;
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t j = 0; j < tile.nv; ++j)
            loaded.push_back(convertAcc(
                b, loc,
                vector::LoadOp::create(b, loc, cType, m.c, at(b, loc, i, j)),
                accType.getElementType()));
        return loaded;
      };
      SmallVector<Value> init;
      if (!fillValue) {
        init = loadC(b, loc);
      } else {
        // The first K block starts from the fill value, later ones from C.
        SmallVector<Value> splat(
            mr * tile.nv,
            vector::BroadcastOp::create(
                b, loc, accType,
                convertAcc(b, loc, fillValue, accType.getElementType())));
        if (kSteps <= kBlock) {
          init = splat;
        } else {
          Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                              k0, idx(b, loc, 0));
          auto choose = scf::IfOp::create(
              b, loc, first,
              [&](OpBuilder &b, Location loc) {
                scf::YieldOp::create(b, loc, splat);
              },
              [&](OpBuilder &b, Location loc) {
                scf::YieldOp::create(b, loc, loadC(b, loc));
              });
          init.assign(choose.getResults().begin(), choose.getResults().end());
        }
      }
      auto kLoop = scf::ForOp::create(
          b, loc, k0, kEnd, idx(b, loc, 1), init,
          [&](OpBuilder &b, Location loc, Value k, ValueRange iter) {
            SmallVector<Value> accs(iter);
            step(b, loc, m0, n0, k, mr, accs);
            scf::YieldOp::create(b, loc, accs);
          });
      auto storeC = [&](OpBuilder &b, Location loc) {
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t j = 0; j < tile.nv; ++j)
            vector::StoreOp::create(
                b, loc,
                convertAcc(b, loc, kLoop.getResult(i * tile.nv + j), cElem),
                m.c, at(b, loc, i, j));
      };
      if (!epilogue)
        return storeC(b, loc);
      // The last K block applies the fused epilogue to the registers.
      auto storeEpilogue = [&](OpBuilder &b, Location loc) {
        for (int64_t i = 0; i < mr; ++i)
          for (int64_t j = 0; j < tile.nv; ++j) {
            SmallVector<Value, 2> ij = at(b, loc, i, j);
            epilogue->emitStore(
                b, loc,
                convertAcc(b, loc, kLoop.getResult(i * tile.nv + j), cElem),
                ij[0], ij[1]);
          }
      };
      if (kSteps <= kBlock)
        return storeEpilogue(b, loc);
      Value last = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kEnd,
                                         idx(b, loc, kSteps));
      scf::IfOp::create(
          b, loc, last,
          [&](OpBuilder &b, Location loc) {
            storeEpilogue(b, loc);
            scf::YieldOp::create(b, loc);
          },
          [&](OpBuilder &b, Location loc) {
            storeC(b, loc);
            scf::YieldOp::create(b, loc);
          });
    };
    scf::ForOp::create(
        b, loc, zero, idx(b, loc, kSteps), idx(b, loc, kBlock), ValueRange{},
        [&](OpBuilder &b, Location loc, Value k0, ValueRange) {
          Value kEnd = arith::MinSIOp::create(
              b, loc, arith::AddIOp::create(b, loc, k0, idx(b, loc, kBlock)),
              idx(b, loc, kSteps));
          if (packBlock)
            packBlock(b, loc, k0, kEnd);
          scf::ForOp::create(
              b, loc, idx(b, loc, nStart), idx(b, loc, nFull), idx(b, loc, nr),
              ValueRange{},
              [&](OpBuilder &b, Location loc, Value n0, ValueRange) {
                if (mFull > 0)
                  emitRowLoop(b, loc, mFull, tile.mr,
                              [&](OpBuilder &b, Location loc, Value m0) {
                                emitTile(b, loc, k0, kEnd, n0, m0, tile.mr);
                              });
                if (mFull < m.m)
                  emitTile(b, loc, k0, kEnd, n0, idx(b, loc, mFull),
                           m.m - mFull);
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
  }

  /// A constant global of `type` whose element i is element permute(i) of
  /// `data` (made once per source and layout), read with memref.get_global.
  Value packedGlobal(OpBuilder &b, Location loc, MemRefType type,
                     DenseElementsAttr data, StringRef layout,
                     function_ref<int64_t(int64_t)> permute) {
    return constantGlobal(b, loc, type, data, layout, [&] {
      auto tensorType =
          RankedTensorType::get(type.getShape(), type.getElementType());
      if (type.getElementType().isInteger(8)) {
        SmallVector<int8_t> source(data.getValues<int8_t>());
        SmallVector<int8_t> out(type.getNumElements());
        for (int64_t i = 0; i < int64_t(out.size()); ++i)
          out[i] = source[permute(i)];
        return DenseElementsAttr::get(tensorType, ArrayRef(out));
      }
      SmallVector<float> source(data.getValues<float>());
      SmallVector<float> out(type.getNumElements());
      for (int64_t i = 0; i < int64_t(out.size()); ++i)
        out[i] = source[permute(i)];
      return DenseElementsAttr::get(tensorType, ArrayRef(out));
    });
  }

  /// A constant global of `type` made from `source` by `make` (once per
  /// source and type), read with memref.get_global.
  Value constantGlobal(OpBuilder &b, Location loc, MemRefType type,
                       DenseElementsAttr source, StringRef layout,
                       function_ref<DenseElementsAttr()> make) {
    auto key = std::make_tuple(source.getAsOpaquePointer(),
                               type.getAsOpaquePointer(), layout.str());
    memref::GlobalOp &global = packedGlobals[key];
    if (!global) {
      DenseElementsAttr packedData = make();
      OpBuilder detached(b.getContext());
      global = memref::GlobalOp::create(
          detached, loc, "__qsparse_packed", detached.getStringAttr("private"),
          type, packedData, /*constant=*/true, detached.getI64IntegerAttr(64));
      symbols->insert(global);
    }
    return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
  }

  /// The 4-bit form of a constant B with at most 16 distinct values, for
  /// the VNNI kernel's columns [0, nFull): [K/4][nFull*2] bytes where byte t
  /// of each 64-byte group holds the table indices of byte t of two
  /// consecutive 64-byte VNNI vectors (16 columns each): the first in the
  /// low nibble, the second in the high one. `table64` becomes the table
  /// repeated in each 128-bit lane. Null when B is not such a constant.
  Value packNibbles(OpBuilder &b, Location loc, MatmulMatch &m, int64_t nFull,
                    Value &table64) {
    DenseElementsAttr data = qsparse::cpu::constantData(m.b);
    if (!data || !data.getElementType().isInteger(8) || nFull % 32 != 0)
      return {};
    SmallVector<int8_t> source(data.getValues<int8_t>());
    std::array<int, 256> index;
    index.fill(-1);
    SmallVector<int8_t> values;
    for (int8_t v : source) {
      int &slot = index[uint8_t(v)];
      if (slot >= 0)
        continue;
      if (values.size() == 16)
        return {};
      slot = int(values.size());
      values.push_back(v);
    }
    int64_t k4 = m.k / 4, pairs = nFull / 32;
    Type i8 = b.getI8Type();
    auto type = MemRefType::get({k4, pairs * 64}, i8);
    Value packed = constantGlobal(b, loc, type, data, "vnni-nibbles", [&] {
      SmallVector<int8_t> out(k4 * pairs * 64);
      for (int64_t q = 0; q < k4; ++q)
        for (int64_t p = 0; p < pairs; ++p) {
          // Byte t of VNNI vector v: column 16v + t/4, row 4q + t%4.
          auto at = [&](int64_t v, int64_t t) {
            return index[uint8_t(
                source[(4 * q + t % 4) * m.n + 16 * v + t / 4])];
          };
          for (int64_t t = 0; t < 64; ++t)
            out[(q * pairs + p) * 64 + t] =
                int8_t(at(2 * p, t) | (at(2 * p + 1, t) << 4));
        }
      return DenseElementsAttr::get(RankedTensorType::get(type.getShape(), i8),
                                    ArrayRef(out));
    });
    SmallVector<int8_t> table(64, 0);
    for (int64_t i = 0; i < 64; ++i)
      if (size_t(i % 16) < values.size())
        table[i] = values[i % 16];
    table64 = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({64}, i8), ArrayRef(table)));
    return packed;
  }

  /// The tile's B vectors from row `q` of a [rows][N*4] VNNI-layout buffer:
  /// 64 bytes (16 columns x 4) per vector from column n0.
  SmallVector<Value> loadVnniRow(OpBuilder &b, Location loc, Value buffer,
                                 Value q, Value n0, TileShape tile) {
    auto bytes64 = VectorType::get({tile.lanes * 4}, b.getI8Type());
    SmallVector<Value> vectors;
    for (int64_t j = 0; j < tile.nv; ++j) {
      Value col = arith::MulIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, n0, idx(b, loc, j * tile.lanes)),
          idx(b, loc, 4));
      vectors.push_back(
          vector::LoadOp::create(b, loc, bytes64, buffer, ValueRange{q, col}));
    }
    return vectors;
  }

  /// One K step of the VNNI tile: for each row m0 + i, its `count` A bytes
  /// from column q * count, broadcast, and for each B vector j one vpdpbusd
  /// with that broadcast (or with `operand` of it, when given).
  void emitVnniRows(OpBuilder &b, Location loc, Value a, Value m0, Value q,
                    int64_t count, int64_t mr, ArrayRef<Value> bv,
                    SmallVectorImpl<Value> &accs,
                    function_ref<Value(OpBuilder &, Location, Value, int64_t)>
                        operand = nullptr) {
    Value kBase = arith::MulIOp::create(b, loc, q, idx(b, loc, count));
    int64_t nv = bv.size();
    for (int64_t i = 0; i < mr; ++i) {
      Value row = arith::AddIOp::create(b, loc, m0, idx(b, loc, i));
      Value av = qsparse::cpu::broadcastBytes(b, loc, a, ValueRange{row, kBase},
                                              count);
      for (int64_t j = 0; j < nv; ++j) {
        Value &acc = accs[i * nv + j];
        acc = qsparse::cpu::emitVpdpbusd(
            b, loc, acc, operand ? operand(b, loc, av, j) : av, bv[j]);
      }
    }
  }

  /// Frees a packed B made per call (compile-time ones are globals).
  void release(OpBuilder &b, Location loc, Value packed) {
    if (packed && packed.getDefiningOp<memref::AllocOp>())
      memref::DeallocOp::create(b, loc, packed);
  }

  /// B packed into contiguous panels of NR columns, [nFull/NR][K][NR], so the
  /// k loop of a register tile streams through memory (vector copies; O(KN)
  /// next to the O(MNK) kernel).
  Value packPanels(OpBuilder &b, Location loc, MatmulMatch &m, TileShape tile,
                   int64_t nFull, Type elem) {
    int64_t nr = tile.nv * tile.lanes;
    auto packedType = MemRefType::get({nFull / nr, m.k, nr}, elem);
    if (DenseElementsAttr data = qsparse::cpu::constantData(m.b)) {
      // packed[p][k][j] = B[k][p * NR + j], at compile time.
      auto permute = [&](int64_t i) {
        int64_t p = i / (m.k * nr), k = i / nr % m.k, j = i % nr;
        return k * m.n + p * nr + j;
      };
      return packedGlobal(b, loc, packedType, data, "f32-panels", permute);
    }
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

  /// Returns the columns covered: [0, nFull) and the whole vectors after.
  int64_t emitOuterProduct(OpBuilder &b, Location loc, MatmulMatch &m,
                           TileShape tile, int64_t mFull, int64_t nFull) {
    bool isFloat = m.kind == KernelKind::F32;
    Type accElem = isFloat ? (Type)b.getF32Type() : (Type)b.getI32Type();
    Type bElem = isFloat ? accElem : b.getI8Type();
    auto accType = VectorType::get({tile.lanes}, accElem);
    auto bLoadType = VectorType::get({tile.lanes}, bElem);
    int64_t nr = tile.nv * tile.lanes;
    // B packed into panels [nFull/NR][K][NR]: a constant one at compile
    // time, a runtime one K block by K block (see emitBlockedLoops).
    bool constantB = bool(qsparse::cpu::constantData(m.b));
    Value packed;
    if (nFull > 0)
      packed = constantB
                   ? packPanels(b, loc, m, tile, nFull, bElem)
                   : (Value)memref::AllocOp::create(
                         b, loc, MemRefType::get({nFull / nr, m.k, nr}, bElem),
                         b.getI64IntegerAttr(64));
    auto packBlock = [&](OpBuilder &b, Location loc, Value k0, Value kEnd) {
      scf::ForOp::create(
          b, loc, k0, kEnd, idx(b, loc, 1), ValueRange{},
          [&](OpBuilder &b, Location loc, Value k, ValueRange) {
            scf::ForOp::create(
                b, loc, idx(b, loc, 0), idx(b, loc, nFull / nr), idx(b, loc, 1),
                ValueRange{},
                [&](OpBuilder &b, Location loc, Value p, ValueRange) {
                  Value col0 =
                      arith::MulIOp::create(b, loc, p, idx(b, loc, nr));
                  for (int64_t j = 0; j < tile.nv; ++j) {
                    Value off = idx(b, loc, j * tile.lanes);
                    Value v = vector::LoadOp::create(
                        b, loc, bLoadType, m.b,
                        ValueRange{k,
                                   arith::AddIOp::create(b, loc, col0, off)});
                    vector::StoreOp::create(b, loc, v, packed,
                                            ValueRange{p, k, off});
                  }
                  scf::YieldOp::create(b, loc);
                });
            scf::YieldOp::create(b, loc);
          });
    };
    auto extend = [&](OpBuilder &b, Location loc, Value v, Type to,
                      bool isUnsigned) -> Value {
      if (isUnsigned)
        return arith::ExtUIOp::create(b, loc, to, v);
      return arith::ExtSIOp::create(b, loc, to, v);
    };
    /// Whether the tiles being emitted read B itself (the narrower panel
    /// past the packed ones).
    bool direct = false;
    auto step = [&](OpBuilder &b, Location loc, Value m0, Value n0, Value k,
                    int64_t mr, SmallVectorImpl<Value> &accs) {
      Value panel = arith::DivUIOp::create(b, loc, n0, idx(b, loc, nr));
      SmallVector<Value> bv;
      for (int64_t j = 0; j < tile.nv; ++j) {
        Value off = idx(b, loc, j * tile.lanes);
        Value v =
            direct ? vector::LoadOp::create(
                         b, loc, bLoadType, m.b,
                         ValueRange{k, arith::AddIOp::create(b, loc, n0, off)})
                   : vector::LoadOp::create(b, loc, bLoadType, packed,
                                            ValueRange{panel, k, off});
        if (!isFloat)
          v = extend(b, loc, v, accType, m.bUnsigned);
        bv.push_back(v);
      }
      for (int64_t i = 0; i < mr; ++i) {
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
    };
    if (nFull > 0)
      emitBlockedLoops(b, loc, m, tile, mFull, nFull, m.k, /*kBlock=*/512, step,
                       constantB ? PackFn() : PackFn(packBlock));
    release(b, loc, packed);
    int64_t whole = (m.n - nFull) / tile.lanes;
    if (whole == 0)
      return nFull;
    direct = true;
    tile.nv = whole;
    emitBlockedLoops(b, loc, m, tile, mFull, nFull + whole * tile.lanes, m.k,
                     /*kBlock=*/512, step, PackFn(), /*nStart=*/nFull);
    return nFull + whole * tile.lanes;
  }

  /// The implicit-GEMM convolution: register tiles of MR pixels x NR
  /// filters read their A operand straight from the image (no im2col
  /// buffer), the filter packed as for a matmul with K = (kh, kw, c).
  void rewriteConv(ConvMatch &cv) {
    TileShape tile = tileFor(cv.kind);
    int64_t nr = tile.nv * tile.lanes;
    int64_t pixels = cv.batch * cv.oh * cv.ow;
    int64_t k = cv.kh * cv.kw * cv.c;
    int64_t mFull = pixels - pixels % tile.mr, nFull = cv.f - cv.f % nr;
    // Narrower than one vector: loops.
    if (cv.f < tile.lanes)
      return;
    linalg::FillOp fill = precedingFill(cv.op);
    OpBuilder b(cv.op);
    Location loc = cv.op.getLoc();
    if (epilogue)
      epilogue->prepare(b, loc);
    // Few channels (C % 4 != 0) and unit W dilation: the (kw, c) taps of a
    // pixel in one filter row are KW*C consecutive image bytes, so K runs
    // over KH rows of ceil(KW*C/4) 4-byte groups read straight from the
    // image (the last one partial), not over (kh, kw) taps of C padded to 4.
    bool rowRuns =
        cv.kind == KernelKind::I8VNNI && cv.c % 4 != 0 && cv.dilW == 1 &&
        cast<MemRefType>(cv.input.getType()).getLayout().isIdentity() &&
        cast<MemRefType>(cv.filter.getType()).getLayout().isIdentity();
    int64_t run = cv.kw * cv.c, groups = (run + 3) / 4;
    // VNNI reads 4 channels at a time: pad C to a multiple of 4 with zeros
    // (a copy of the image and of the filter; zeros add nothing).
    SmallVector<Value> padded;
    if (cv.kind == KernelKind::I8VNNI && cv.c % 4 != 0 && !rowRuns) {
      int64_t c4 = (cv.c + 3) / 4 * 4;
      auto padChannels = [&](Value v, int64_t channelDim) {
        Value wide =
            qsparse::cpu::zeroWidened(b, loc, v, channelDim, c4, *symbols);
        if (qsparse::cpu::isAllocation(wide))
          padded.push_back(wide);
        return wide;
      };
      cv.input = padChannels(cv.input, 3);
      cv.filter = padChannels(cv.filter, 2);
      cv.c = c4;
      k = cv.kh * cv.kw * cv.c;
    }
    // The filter as a [K][F] matrix and the output as [pixels][F].
    Value filter2 = memref::CollapseShapeOp::create(
        b, loc, cv.filter, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    Value out2 = memref::CollapseShapeOp::create(
        b, loc, cv.output, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    MatmulMatch gemm;
    gemm.op = cv.op;
    gemm.b = filter2;
    gemm.c = out2;
    gemm.m = pixels;
    gemm.n = cv.f;
    gemm.k = k;
    gemm.kind = cv.kind;
    gemm.aUnsigned = cv.aUnsigned;
    gemm.bUnsigned = cv.bUnsigned;
    bool vnni = cv.kind == KernelKind::I8VNNI;
    bool isFloat = cv.kind == KernelKind::F32;
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    Type accElem = isFloat ? (Type)b.getF32Type() : i32;
    Type bElem = isFloat ? accElem : i8;
    // A constant filter that is 2:4 sparse along C, with C % 8 == 0 (each
    // block of 8 K rows is 8 channels of one tap, contiguous in the image),
    // runs on the 2:4 kernel of matmuls: per block, each pixel's 8 image
    // bytes are gathered by vpermb into the 4 VNNI bytes each filter keeps.
    // Every filter is packed, so any 16 consecutive filters can be loaded.
    Value sparseValues, sparseIndices;
    DenseElementsAttr filterData = vnni && useVbmi && !rowRuns && cv.c % 8 == 0
                                       ? qsparse::cpu::constantData(cv.filter)
                                       : DenseElementsAttr();
    VnniPanels panels = vnniPanels(gemm, nr);
    bool sparse =
        filterData && packSparseConstant(b, loc, filterData, k, cv.f, cv.f,
                                         sparseValues, sparseIndices, &panels);
    if (sparse)
      panels.rows = k / 8;
    // No full panel (F < NR): nothing to pack for the outer-product form.
    Value packed = sparse      ? Value()
                   : rowRuns   ? packRowRuns(b, loc, cv)
                   : vnni      ? packVnniPanels(b, loc, gemm, panels)
                   : nFull > 0 ? packPanels(b, loc, gemm, tile, nFull, bElem)
                               : Value();
    /// Whether the panel being emitted reads the [K][F] filter unpacked.
    bool unpackedPanel = false;
    /// For the VNNI tiles past the full panels: their first filter's column
    /// in the last packed panel (which ends at the last filter).
    std::optional<int64_t> lastPanelColumn;
    // The image as [N][H][W*C] rows for the row-run reads.
    Value imageRows =
        rowRuns ? (Value)memref::CollapseShapeOp::create(
                      b, loc, cv.input,
                      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}})
                : Value();
    auto accType = VectorType::get({tile.lanes}, accElem);
    // The output (narrowed i16 accumulators are summed in i32).
    Type outElem = cast<MemRefType>(out2.getType()).getElementType();
    auto outType = VectorType::get({tile.lanes}, outElem);
    auto bytes64 = VectorType::get({tile.lanes * 4}, i8);
    Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
    auto extend = [&](OpBuilder &b, Location loc, Value v, Type to,
                      bool isUnsigned) -> Value {
      if (isUnsigned)
        return arith::ExtUIOp::create(b, loc, to, v);
      return arith::ExtSIOp::create(b, loc, to, v);
    };
    /// Pixel m -> (n, oh*sh, ow*sw): the image row and column of tap (0, 0).
    auto pixelBase = [&](OpBuilder &b, Location loc, Value m) {
      Value plane = idx(b, loc, cv.oh * cv.ow);
      Value n = arith::DivUIOp::create(b, loc, m, plane);
      Value rest = arith::RemUIOp::create(b, loc, m, plane);
      Value oh = arith::DivUIOp::create(b, loc, rest, idx(b, loc, cv.ow));
      Value ow = arith::RemUIOp::create(b, loc, rest, idx(b, loc, cv.ow));
      return std::array<Value, 3>{
          n, arith::MulIOp::create(b, loc, oh, idx(b, loc, cv.strideH)),
          arith::MulIOp::create(b, loc, ow, idx(b, loc, cv.strideW))};
    };
    int64_t cStep = sparse ? 8 : vnni ? 4 : 1;
    /// Whether tap kw of output column `col` reads inside the image's zero
    /// border (always, without one).
    int64_t imageW = cast<MemRefType>(cv.input.getType()).getDimSize(2);
    auto columnInside = [&](int64_t col, int64_t kw) {
      if (!cv.border)
        return true;
      int64_t x = col * cv.strideW + kw * cv.dilW;
      return x >= (*cv.border)[1] && x < imageW - (*cv.border)[3];
    };
    /// How many of output column `col`'s taps read only the border.
    auto borderTapsAt = [&](int64_t col) {
      int64_t taps = 0;
      for (int64_t kw = 0; kw < cv.kw; ++kw)
        taps += !columnInside(col, kw);
      return taps;
    };
    /// One register tile of `mr` pixels from pixel m0, filters from n0.
    /// `cols`, when given, are the pixels' output columns, all in one row:
    /// taps that read the zero border are then skipped pixel by pixel.
    auto emitTile = [&](OpBuilder &b, Location loc, Value n0, Value m0,
                        int64_t mr, ArrayRef<int64_t> cols = {}) {
      bool clipsColumns =
          llvm::any_of(cols, [&](int64_t col) { return borderTapsAt(col); });
      SmallVector<std::array<Value, 3>> bases;
      SmallVector<Value> init;
      // Accumulators start from the output's fill value when it has one.
      Value splat = fill ? (Value)vector::BroadcastOp::create(
                               b, loc, accType,
                               convertAcc(b, loc, fill.getInputs()[0], accElem))
                         : Value();
      for (int64_t i = 0; i < mr; ++i) {
        Value m = arith::AddIOp::create(b, loc, m0, idx(b, loc, i));
        bases.push_back(pixelBase(b, loc, m));
        for (int64_t j = 0; j < tile.nv; ++j)
          init.push_back(
              splat ? splat
                    : convertAcc(
                          b, loc,
                          vector::LoadOp::create(
                              b, loc, outType, out2,
                              ValueRange{m, arith::AddIOp::create(
                                                b, loc, n0,
                                                idx(b, loc, j * tile.lanes))}),
                          accElem));
      }
      Value panel = arith::DivUIOp::create(b, loc, n0, idx(b, loc, nr));
      // The first row of the VNNI panel the tile reads.
      Value panelRow;
      if (vnni && !rowRuns)
        panelRow = lastPanelColumn
                       ? idx(b, loc, (panels.count - 1) * panels.rows)
                       : (Value)arith::MulIOp::create(b, loc, panel,
                                                      idx(b, loc, panels.rows));
      /// The tile's 64-byte vectors from row `row` of a buffer in VNNI
      /// panels.
      auto loadPanelRow = [&](OpBuilder &b, Location loc, Value buffer,
                              Value row) {
        SmallVector<Value> vectors;
        for (int64_t j = 0; j < tile.nv; ++j) {
          Value col =
              idx(b, loc, (lastPanelColumn.value_or(0) + j * tile.lanes) * 4);
          vectors.push_back(vector::LoadOp::create(b, loc, bytes64, buffer,
                                                   ValueRange{row, col}));
        }
        return vectors;
      };
      /// One K group of the row-run form: the filter group `q` times, per
      /// pixel, `bytes` image bytes from column `col + offset` of `rows`.
      auto rowRunGroup = [&](OpBuilder &b, Location loc, Value q,
                             ArrayRef<Value> rows, Value offset, int64_t bytes,
                             SmallVectorImpl<Value> &accs) {
        SmallVector<Value> bv = loadVnniRow(b, loc, packed, q, n0, tile);
        for (int64_t i = 0; i < mr; ++i) {
          Value col = arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, bases[i][2], idx(b, loc, cv.c)),
              offset);
          SmallVector<Value, 3> at{bases[i][0], rows[i], col};
          // The partial last group's bytes are zero-extended to 4: they
          // meet zero filter bytes.
          Value av = qsparse::cpu::broadcastBytes(b, loc, imageRows, at, 4,
                                                  /*loaded=*/bytes);
          for (int64_t j = 0; j < tile.nv; ++j) {
            Value &acc = accs[i * tile.nv + j];
            acc = qsparse::cpu::emitVpdpbusd(b, loc, acc, av, bv[j]);
          }
        }
      };
      // The filter rows the tile needs: all of them, or, beside a zero
      // border, those whose image row is inside it for some pixel (taps
      // reading only zeros add nothing).
      Value khLo = zero, khHi = idx(b, loc, cv.kh);
      if (cv.border) {
        int64_t top = (*cv.border)[0];
        int64_t end = cast<MemRefType>(cv.input.getType()).getDimSize(1) -
                      (*cv.border)[2];
        Value dil = idx(b, loc, cv.dilH);
        for (auto [i, base] : llvm::enumerate(bases)) {
          // Rows base + kh * dh in [top, end): kh in [ceil((top - base) /
          // dh), ceil((end - base) / dh)), within [0, KH).
          Value lo = arith::MaxSIOp::create(
              b, loc, zero,
              arith::CeilDivSIOp::create(
                  b, loc,
                  arith::SubIOp::create(b, loc, idx(b, loc, top), base[1]),
                  dil));
          Value hi = arith::MinSIOp::create(
              b, loc, idx(b, loc, cv.kh),
              arith::CeilDivSIOp::create(
                  b, loc,
                  arith::SubIOp::create(b, loc, idx(b, loc, end), base[1]),
                  dil));
          khLo = i == 0 ? lo : arith::MinSIOp::create(b, loc, khLo, lo);
          khHi = i == 0 ? hi : arith::MaxSIOp::create(b, loc, khHi, hi);
        }
      }
      auto khLoop = scf::ForOp::create(
          b, loc, khLo, khHi, one, init,
          [&](OpBuilder &b, Location loc, Value kh, ValueRange accsKh) {
            if (rowRuns) {
              Value dh =
                  arith::MulIOp::create(b, loc, kh, idx(b, loc, cv.dilH));
              SmallVector<Value> rows;
              for (auto &base : bases)
                rows.push_back(arith::AddIOp::create(b, loc, base[1], dh));
              Value q0 = arith::MulIOp::create(b, loc, kh, idx(b, loc, groups));
              auto gLoop = scf::ForOp::create(
                  b, loc, zero, idx(b, loc, run / 4), one, accsKh,
                  [&](OpBuilder &b, Location loc, Value g, ValueRange iter) {
                    SmallVector<Value> accs(iter);
                    rowRunGroup(
                        b, loc, arith::AddIOp::create(b, loc, q0, g), rows,
                        arith::MulIOp::create(b, loc, g, idx(b, loc, 4)), 4,
                        accs);
                    scf::YieldOp::create(b, loc, accs);
                  });
              SmallVector<Value> accs(gLoop.getResults());
              if (run % 4)
                rowRunGroup(
                    b, loc,
                    arith::AddIOp::create(b, loc, q0, idx(b, loc, run / 4)),
                    rows, idx(b, loc, run / 4 * 4), run % 4, accs);
              scf::YieldOp::create(b, loc, accs);
              return;
            }
            /// One kw tap: the c loop over the pixels marked active (the
            /// others' accumulators pass through).
            auto kwStep = [&](OpBuilder &b, Location loc, Value kw,
                              ValueRange accsKw, ArrayRef<bool> active) {
              Value tap = arith::MulIOp::create(
                  b, loc,
                  arith::AddIOp::create(
                      b, loc,
                      arith::MulIOp::create(b, loc, kh, idx(b, loc, cv.kw)),
                      kw),
                  idx(b, loc, cv.c));
              Value dh =
                  arith::MulIOp::create(b, loc, kh, idx(b, loc, cv.dilH));
              Value dw =
                  arith::MulIOp::create(b, loc, kw, idx(b, loc, cv.dilW));
              SmallVector<Value> rows, cols;
              for (auto &base : bases) {
                rows.push_back(arith::AddIOp::create(b, loc, base[1], dh));
                cols.push_back(arith::AddIOp::create(b, loc, base[2], dw));
              }
              auto cLoop = scf::ForOp::create(
                  b, loc, zero, idx(b, loc, cv.c), idx(b, loc, cStep), accsKw,
                  [&](OpBuilder &b, Location loc, Value c, ValueRange iter) {
                    SmallVector<Value> accs(iter);
                    Value kk = arith::AddIOp::create(b, loc, tap, c);
                    if (sparse) {
                      Value row = arith::AddIOp::create(
                          b, loc, panelRow,
                          arith::DivUIOp::create(b, loc, kk, idx(b, loc, 8)));
                      SmallVector<Value> bv =
                          loadPanelRow(b, loc, sparseValues, row);
                      SmallVector<Value> bi =
                          loadPanelRow(b, loc, sparseIndices, row);
                      for (int64_t i = 0; i < mr; ++i) {
                        if (!active[i])
                          continue;
                        Value av = qsparse::cpu::broadcastBytes(
                            b, loc, cv.input,
                            ValueRange{bases[i][0], rows[i], cols[i], c}, 8);
                        for (int64_t j = 0; j < tile.nv; ++j) {
                          Value &acc = accs[i * tile.nv + j];
                          acc = qsparse::cpu::emitVpdpbusd(
                              b, loc, acc,
                              qsparse::cpu::emitVpermb(b, loc, av, bi[j]),
                              bv[j]);
                        }
                      }
                      scf::YieldOp::create(b, loc, accs);
                      return;
                    }
                    SmallVector<Value> bv;
                    for (int64_t j = 0; j < tile.nv; ++j) {
                      if (vnni) {
                        Value row = arith::AddIOp::create(
                            b, loc, panelRow,
                            arith::DivUIOp::create(b, loc, kk, idx(b, loc, 4)));
                        bv = loadPanelRow(b, loc, packed, row);
                        break;
                      }
                      // Panels past the packed ones read the [K][F]
                      // filter itself.
                      auto bType = VectorType::get({tile.lanes}, bElem);
                      Value v =
                          unpackedPanel
                              ? vector::LoadOp::create(
                                    b, loc, bType, filter2,
                                    ValueRange{
                                        kk, arith::AddIOp::create(
                                                b, loc, n0,
                                                idx(b, loc, j * tile.lanes))})
                              : vector::LoadOp::create(
                                    b, loc, bType, packed,
                                    ValueRange{panel, kk,
                                               idx(b, loc, j * tile.lanes)});
                      if (!isFloat)
                        v = extend(b, loc, v, accType, cv.bUnsigned);
                      bv.push_back(v);
                    }
                    for (int64_t i = 0; i < mr; ++i) {
                      if (!active[i])
                        continue;
                      SmallVector<Value, 4> at{bases[i][0], rows[i], cols[i],
                                               c};
                      Value av;
                      if (vnni) {
                        av = qsparse::cpu::broadcastBytes(b, loc, cv.input, at,
                                                          4);
                      } else {
                        Value a = memref::LoadOp::create(b, loc, cv.input, at);
                        if (!isFloat)
                          a = extend(b, loc, a, accElem, cv.aUnsigned);
                        av = vector::BroadcastOp::create(b, loc, accType, a);
                      }
                      for (int64_t j = 0; j < tile.nv; ++j) {
                        Value &acc = accs[i * tile.nv + j];
                        if (vnni)
                          acc = qsparse::cpu::emitVpdpbusd(b, loc, acc, av,
                                                           bv[j]);
                        else if (isFloat)
                          acc = vector::FMAOp::create(b, loc, av, bv[j], acc);
                        else
                          acc = arith::AddIOp::create(
                              b, loc, acc,
                              arith::MulIOp::create(b, loc, av, bv[j]));
                      }
                    }
                    scf::YieldOp::create(b, loc, accs);
                  });
              return SmallVector<Value>(cLoop.getResults());
            };
            SmallVector<bool> all(mr, true);
            if (!clipsColumns) {
              auto kwLoop = scf::ForOp::create(
                  b, loc, zero, idx(b, loc, cv.kw), one, accsKh,
                  [&](OpBuilder &b, Location loc, Value kw, ValueRange accs) {
                    scf::YieldOp::create(b, loc, kwStep(b, loc, kw, accs, all));
                  });
              scf::YieldOp::create(b, loc, kwLoop.getResults());
              return;
            }
            // Pixels at known columns: per tap, only those whose image
            // column is inside the zero border.
            SmallVector<Value> accs(accsKh);
            for (int64_t kw = 0; kw < cv.kw; ++kw) {
              SmallVector<bool> active;
              for (int64_t col : cols)
                active.push_back(columnInside(col, kw));
              if (llvm::is_contained(active, true))
                accs = kwStep(b, loc, idx(b, loc, kw), accs, active);
            }
            scf::YieldOp::create(b, loc, accs);
          });
      for (int64_t i = 0; i < mr; ++i) {
        Value m = arith::AddIOp::create(b, loc, m0, idx(b, loc, i));
        for (int64_t j = 0; j < tile.nv; ++j) {
          Value acc =
              convertAcc(b, loc, khLoop.getResult(i * tile.nv + j), outElem);
          Value col =
              arith::AddIOp::create(b, loc, n0, idx(b, loc, j * tile.lanes));
          if (epilogue)
            epilogue->emitStore(b, loc, acc, m, col);
          else
            vector::StoreOp::create(b, loc, acc, out2, ValueRange{m, col});
        }
      }
    };
    // Beside a zero border, tiles stay within an output row: each row is
    // split into ceil(OW / MR) tiles of balanced widths, so every tile's
    // filter rows are clipped exactly and the tiles at the row's ends skip
    // the taps of their border pixels. Tiles of one width that clip
    // nothing run in a loop; the others are emitted at their columns.
    struct RowTiles {
      int64_t start, width, count;
      bool clips;
    };
    // Only where the border's taps are a fair share of a row's (at least
    // 1/32: OW <= 21 for 3x3 and padding 1): the end tiles' unrolled taps
    // cost compile time, and wide rows gain little. Elsewhere tiles run
    // over the pixels in order, their filter rows clipped all the same.
    int64_t borderTaps = 0;
    for (int64_t col = 0; col < cv.ow; ++col)
      borderTaps += borderTapsAt(col);
    SmallVector<RowTiles> rowTiles;
    if (cv.border && !rowRuns && borderTaps * 32 >= cv.ow * cv.kw) {
      int64_t count = (cv.ow + tile.mr - 1) / tile.mr;
      for (int64_t t = 0, start = 0; t < count; ++t) {
        int64_t width = cv.ow / count + (t < cv.ow % count ? 1 : 0);
        bool clips = false;
        for (int64_t col = start; col < start + width; ++col)
          clips |= borderTapsAt(col) > 0;
        if (!rowTiles.empty() && !clips && !rowTiles.back().clips &&
            rowTiles.back().width == width)
          ++rowTiles.back().count;
        else
          rowTiles.push_back({start, width, 1, clips});
        start += width;
      }
    }
    /// Every pixel for the panel of tile.nv vectors from filter n0.
    auto emitPanel = [&](OpBuilder &b, Location loc, Value n0) {
      if (!rowTiles.empty()) {
        emitRowLoop(
            b, loc, cv.batch * cv.oh, 1,
            [&](OpBuilder &b, Location loc, Value row) {
              Value rowStart =
                  arith::MulIOp::create(b, loc, row, idx(b, loc, cv.ow));
              for (const RowTiles &t : rowTiles) {
                if (t.clips) {
                  SmallVector<int64_t> cols;
                  for (int64_t col = t.start; col < t.start + t.width; ++col)
                    cols.push_back(col);
                  emitTile(b, loc, n0,
                           arith::AddIOp::create(b, loc, rowStart,
                                                 idx(b, loc, t.start)),
                           t.width, cols);
                  continue;
                }
                scf::ForOp::create(
                    b, loc, idx(b, loc, t.start),
                    idx(b, loc, t.start + t.count * t.width),
                    idx(b, loc, t.width), ValueRange{},
                    [&](OpBuilder &b, Location loc, Value col, ValueRange) {
                      emitTile(b, loc, n0,
                               arith::AddIOp::create(b, loc, rowStart, col),
                               t.width);
                      scf::YieldOp::create(b, loc);
                    });
              }
            });
        return;
      }
      if (mFull > 0)
        emitRowLoop(b, loc, mFull, tile.mr,
                    [&](OpBuilder &b, Location loc, Value m0) {
                      emitTile(b, loc, n0, m0, tile.mr);
                    });
      // The last pixels % MR pixels: one smaller tile.
      if (mFull < pixels)
        emitTile(b, loc, n0, idx(b, loc, mFull), pixels - mFull);
    };
    if (nFull > 0)
      scf::ForOp::create(b, loc, zero, idx(b, loc, nFull), idx(b, loc, nr),
                         ValueRange{},
                         [&](OpBuilder &b, Location loc, Value n0, ValueRange) {
                           emitPanel(b, loc, n0);
                           scf::YieldOp::create(b, loc);
                         });
    // The filters past the last full panel run as a narrower panel of their
    // whole vectors (the VNNI filter is packed for every filter; the others
    // read the [K][F] filter itself there). When the output is written
    // rather than accumulated into (it was filled right before, and a fused
    // epilogue reads neither its output nor a tensor that may alias it), one
    // vector ending at the last filter follows, overlapping filters already
    // done: recomputing them stores the same values.
    int64_t covered = nFull;
    unpackedPanel = !vnni;
    if (int64_t whole = (cv.f - nFull) / tile.lanes) {
      tile.nv = whole;
      lastPanelColumn = nFull - panels.lastStart();
      emitPanel(b, loc, idx(b, loc, nFull));
      covered += whole * tile.lanes;
    }
    if (covered < cv.f && fill && (!epilogue || epilogue->repeatable())) {
      tile.nv = 1;
      lastPanelColumn = cv.f - tile.lanes - panels.lastStart();
      emitPanel(b, loc, idx(b, loc, cv.f - tile.lanes));
      covered = cv.f;
    }
    release(b, loc, packed);
    // The filters left: scalar loops.
    emitConvScalar(b, loc, cv, 0, pixels, covered, cv.f, pixelBase);
    if (epilogue) {
      epilogue->emitColumns(b, loc, covered);
      epilogue->erase();
    }
    for (Value v : padded)
      memref::DeallocOp::create(b, loc, v);
    cv.op->erase();
    if (fill)
      narrowFill(fill, covered);
  }

  template <typename PixelBase>
  void emitConvScalar(OpBuilder &b, Location loc, ConvMatch &cv, int64_t m0,
                      int64_t m1, int64_t f0, int64_t f1,
                      PixelBase &pixelBase) {
    if (m0 >= m1 || f0 >= f1)
      return;
    bool isFloat = cv.kind == KernelKind::F32;
    Type accElem = isFloat ? (Type)b.getF32Type() : (Type)b.getI32Type();
    Value one = idx(b, loc, 1);
    auto extend = [&](OpBuilder &b, Location loc, Value v,
                      bool isUnsigned) -> Value {
      if (isFloat)
        return v;
      if (isUnsigned)
        return arith::ExtUIOp::create(b, loc, accElem, v);
      return arith::ExtSIOp::create(b, loc, accElem, v);
    };
    scf::ForOp::create(
        b, loc, idx(b, loc, m0), idx(b, loc, m1), one, ValueRange{},
        [&](OpBuilder &b, Location loc, Value m, ValueRange) {
          auto base = pixelBase(b, loc, m);
          Value plane = idx(b, loc, cv.oh * cv.ow);
          Value rest = arith::RemUIOp::create(b, loc, m, plane);
          Value oh = arith::DivUIOp::create(b, loc, rest, idx(b, loc, cv.ow));
          Value ow = arith::RemUIOp::create(b, loc, rest, idx(b, loc, cv.ow));
          scf::ForOp::create(
              b, loc, idx(b, loc, f0), idx(b, loc, f1), one, ValueRange{},
              [&](OpBuilder &b, Location loc, Value f, ValueRange) {
                SmallVector<Value, 4> outAt{base[0], oh, ow, f};
                Value init = convertAcc(
                    b, loc, memref::LoadOp::create(b, loc, cv.output, outAt),
                    accElem);
                auto nest = [&](int64_t extent, Value acc, auto body) {
                  return scf::ForOp::create(
                             b, loc, idx(b, loc, 0), idx(b, loc, extent), one,
                             ValueRange{acc},
                             [&](OpBuilder &b, Location loc, Value iv,
                                 ValueRange iter) {
                               scf::YieldOp::create(b, loc,
                                                    body(b, loc, iv, iter[0]));
                             })
                      .getResult(0);
                };
                Value sum = nest(
                    cv.kh, init,
                    [&](OpBuilder &b, Location loc, Value kh, Value acc) {
                      return nest(
                          cv.kw, acc,
                          [&](OpBuilder &b, Location loc, Value kw, Value acc) {
                            Value h = arith::AddIOp::create(
                                b, loc, base[1],
                                arith::MulIOp::create(b, loc, kh,
                                                      idx(b, loc, cv.dilH)));
                            Value w = arith::AddIOp::create(
                                b, loc, base[2],
                                arith::MulIOp::create(b, loc, kw,
                                                      idx(b, loc, cv.dilW)));
                            return nest(
                                cv.c, acc,
                                [&](OpBuilder &b, Location loc, Value c,
                                    Value acc) -> Value {
                                  Value a =
                                      extend(b, loc,
                                             memref::LoadOp::create(
                                                 b, loc, cv.input,
                                                 ValueRange{base[0], h, w, c}),
                                             cv.aUnsigned);
                                  Value wt =
                                      extend(b, loc,
                                             memref::LoadOp::create(
                                                 b, loc, cv.filter,
                                                 ValueRange{kh, kw, c, f}),
                                             cv.bUnsigned);
                                  if (isFloat)
                                    return arith::AddFOp::create(
                                        b, loc, acc,
                                        arith::MulFOp::create(b, loc, a, wt));
                                  return arith::AddIOp::create(
                                      b, loc, acc,
                                      arith::MulIOp::create(b, loc, a, wt));
                                });
                          });
                    });
                memref::StoreOp::create(
                    b, loc,
                    convertAcc(
                        b, loc, sum,
                        cast<MemRefType>(cv.output.getType()).getElementType()),
                    cv.output, outAt);
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
  }

  /// The filter of a row-run convolution for vpdpbusd: [KH*G][F*4] with
  /// G = ceil(KW*C/4); byte t of column f in row kh*G + g is the filter at
  /// (kh, j / C, j % C, f) for j = 4g + t < KW*C, zero past the run. At
  /// compile time for a constant filter, else by a loop over the filter.
  Value packRowRuns(OpBuilder &b, Location loc, ConvMatch &cv) {
    Type i8 = b.getI8Type();
    int64_t run = cv.kw * cv.c, groups = (run + 3) / 4;
    auto type = MemRefType::get({cv.kh * groups, cv.f * 4}, i8);
    auto at = [&](int64_t kh, int64_t j, int64_t f) {
      return ((kh * groups + j / 4) * cv.f + f) * 4 + j % 4;
    };
    if (DenseElementsAttr data = qsparse::cpu::constantData(cv.filter)) {
      return constantGlobal(b, loc, type, data, "row-runs", [&] {
        SmallVector<int8_t> source(data.getValues<int8_t>());
        SmallVector<int8_t> out(type.getNumElements(), 0);
        for (int64_t kh = 0; kh < cv.kh; ++kh)
          for (int64_t j = 0; j < run; ++j)
            for (int64_t f = 0; f < cv.f; ++f)
              out[at(kh, j, f)] = source[(kh * run + j) * cv.f + f];
        return DenseElementsAttr::get(
            RankedTensorType::get(type.getShape(), i8), ArrayRef(out));
      });
    }
    Value packed =
        memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
    linalg::FillOp::create(
        b, loc,
        ValueRange{arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0))},
        ValueRange{packed});
    // filter[kh][kw][c][f] -> packed[kh*G + j/4][4f + j%4], j = kw*C + c.
    Value filterRows = memref::CollapseShapeOp::create(
        b, loc, cv.filter, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
    Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
    scf::ForOp::create(
        b, loc, zero, idx(b, loc, cv.kh), one, ValueRange{},
        [&](OpBuilder &b, Location loc, Value kh, ValueRange) {
          scf::ForOp::create(
              b, loc, zero, idx(b, loc, run), one, ValueRange{},
              [&](OpBuilder &b, Location loc, Value j, ValueRange) {
                Value q = arith::AddIOp::create(
                    b, loc,
                    arith::MulIOp::create(b, loc, kh, idx(b, loc, groups)),
                    arith::DivUIOp::create(b, loc, j, idx(b, loc, 4)));
                Value t = arith::RemUIOp::create(b, loc, j, idx(b, loc, 4));
                scf::ForOp::create(
                    b, loc, zero, idx(b, loc, cv.f), one, ValueRange{},
                    [&](OpBuilder &b, Location loc, Value f, ValueRange) {
                      Value v = memref::LoadOp::create(b, loc, filterRows,
                                                       ValueRange{kh, j, f});
                      Value col = arith::AddIOp::create(
                          b, loc,
                          arith::MulIOp::create(b, loc, f, idx(b, loc, 4)), t);
                      memref::StoreOp::create(b, loc, v, packed,
                                              ValueRange{q, col});
                      scf::YieldOp::create(b, loc);
                    });
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
    return packed;
  }

  /// Rows [4q, 4q + 4) of B's columns [n, n + 16) interleaved for vpdpbusd
  /// (the 4 k of a column side by side, 64 bytes) and stored at
  /// packed[q][col]: bytes, then byte pairs.
  void packVnni16(OpBuilder &b, Location loc, Value source, Value q, Value n,
                  Value packed, Value packedRow, Value col) {
    vector::StoreOp::create(
        b, loc, interleave4(b, loc, loadRows4(b, loc, source, q, n)), packed,
        ValueRange{packedRow, col});
  }

  /// Rows 4q..4q+3 of `source`, 16 bytes each from column n.
  SmallVector<Value> loadRows4(OpBuilder &b, Location loc, Value source,
                               Value q, Value n) {
    auto row16 = VectorType::get({16}, b.getI8Type());
    Value k = arith::MulIOp::create(b, loc, q, idx(b, loc, 4));
    SmallVector<Value> rows;
    for (int64_t t = 0; t < 4; ++t)
      rows.push_back(vector::LoadOp::create(
          b, loc, row16, source,
          ValueRange{arith::AddIOp::create(b, loc, k, idx(b, loc, t)), n}));
    return rows;
  }

  /// Four 16-byte rows as 64 bytes, byte 4j + t from row t, column j.
  Value interleave4(OpBuilder &b, Location loc, ArrayRef<Value> rows) {
    Type i8 = b.getI8Type();
    SmallVector<int64_t> interleave;
    for (int64_t i = 0; i < 16; ++i) {
      interleave.push_back(i);
      interleave.push_back(i + 16);
    }
    Value s01 = vector::ShuffleOp::create(b, loc, rows[0], rows[1], interleave);
    Value s23 = vector::ShuffleOp::create(b, loc, rows[2], rows[3], interleave);
    auto pairs = VectorType::get({16}, b.getI16Type());
    Value p01 = vector::BitCastOp::create(b, loc, pairs, s01);
    Value p23 = vector::BitCastOp::create(b, loc, pairs, s23);
    Value quads = vector::ShuffleOp::create(b, loc, p01, p23, interleave);
    return vector::BitCastOp::create(b, loc, VectorType::get({64}, i8), quads);
  }

  /// The column panels of a VNNI-packed B (a convolution filter in panels
  /// of NR filters, a matmul's B as one panel): panel p holds the `width` =
  /// min(NR, F) filters from start(p) = min(p * NR, F - width), so the last
  /// panel ends at the last filter and holds every vector that the tiles
  /// past the full panels read.
  struct VnniPanels {
    /// Filters, filters per panel, panels, rows per panel.
    int64_t columns, width, count, rows;
    int64_t lastStart() const { return columns - width; }
    int64_t start(int64_t p) const { return std::min(p * width, lastStart()); }
  };

  /// Panels of `nr` filters (at most all of them); nr = N gives one panel,
  /// the plain [K/4][N*4] layout of matmuls (packed[q][4n + t] = B[4q +
  /// t][n]).
  VnniPanels vnniPanels(const MatmulMatch &m, int64_t nr) const {
    VnniPanels panels;
    panels.columns = m.n;
    panels.width = std::min(nr, m.n);
    panels.count = (m.n + panels.width - 1) / panels.width;
    panels.rows = m.k / 4;
    return panels;
  }

  /// B packed for vpdpbusd in column panels (see VnniPanels):
  /// [panels * K/4][width * 4], row p * K/4 + q of panel p holding the 4
  /// consecutive k of each of its columns side by side (packed[p * K/4 +
  /// q][4j + t] = B[4q + t][start(p) + j]). A register tile's K loop then
  /// streams one contiguous block: in the [K/4][F*4] layout a panel's rows
  /// lie F*4 bytes apart, and for F = 512 only 512 bytes of each 4 KiB page
  /// belong to one panel, so the hardware prefetcher never ramps up and a
  /// filter not in cache is read line by line (ResNet-18's 7x7x512
  /// convolutions: 0.78 ms in the model against 0.52 ms with the filter
  /// cached). Requires K % 4 == 0.
  Value packVnniPanels(OpBuilder &b, Location loc, MatmulMatch &m,
                       const VnniPanels &panels) {
    Type i8 = b.getI8Type();
    int64_t k4 = panels.rows, w4 = panels.width * 4;
    auto packedType = MemRefType::get({panels.count * k4, w4}, i8);
    if (DenseElementsAttr data = qsparse::cpu::constantData(m.b)) {
      // At compile time.
      auto permute = [&](int64_t i) {
        int64_t row = i / w4, col = i % w4;
        int64_t n = panels.start(row / k4) + col / 4;
        return (4 * (row % k4) + col % 4) * m.n + n;
      };
      return packedGlobal(b, loc, packedType, data, "vnni-panels", permute);
    }
    Value packed =
        memref::AllocOp::create(b, loc, packedType, b.getI64IntegerAttr(64));
    // Sixteen columns at a time; a panel's last width % 16 one by one.
    Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
    int64_t w16 = panels.width - panels.width % 16;
    scf::ForOp::create(
        b, loc, zero, idx(b, loc, panels.count), one, ValueRange{},
        [&](OpBuilder &b, Location loc, Value p, ValueRange) {
          Value start = arith::MinUIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, p, idx(b, loc, panels.width)),
              idx(b, loc, panels.lastStart()));
          Value row0 = arith::MulIOp::create(b, loc, p, idx(b, loc, k4));
          scf::ForOp::create(
              b, loc, zero, idx(b, loc, k4), one, ValueRange{},
              [&](OpBuilder &b, Location loc, Value q, ValueRange) {
                Value row = arith::AddIOp::create(b, loc, row0, q);
                Value k = arith::MulIOp::create(b, loc, q, idx(b, loc, 4));
                scf::ForOp::create(
                    b, loc, zero, idx(b, loc, w16), idx(b, loc, 16),
                    ValueRange{},
                    [&](OpBuilder &b, Location loc, Value j, ValueRange) {
                      packVnni16(
                          b, loc, m.b, q,
                          arith::AddIOp::create(b, loc, start, j), packed, row,
                          arith::MulIOp::create(b, loc, j, idx(b, loc, 4)));
                      scf::YieldOp::create(b, loc);
                    });
                scf::ForOp::create(
                    b, loc, idx(b, loc, w16), idx(b, loc, panels.width), one,
                    ValueRange{},
                    [&](OpBuilder &b, Location loc, Value j, ValueRange) {
                      Value n = arith::AddIOp::create(b, loc, start, j);
                      for (int64_t t = 0; t < 4; ++t) {
                        Value v = memref::LoadOp::create(
                            b, loc, m.b,
                            ValueRange{arith::AddIOp::create(b, loc, k,
                                                             idx(b, loc, t)),
                                       n});
                        Value col = arith::AddIOp::create(
                            b, loc,
                            arith::MulIOp::create(b, loc, j, idx(b, loc, 4)),
                            idx(b, loc, t));
                        memref::StoreOp::create(b, loc, v, packed,
                                                ValueRange{row, col});
                      }
                      scf::YieldOp::create(b, loc);
                    });
                scf::YieldOp::create(b, loc);
              });
          scf::YieldOp::create(b, loc);
        });
    return packed;
  }

  /// A constant B that is 2:4 sparse along K (each group of 4 rows of a
  /// column has at most 2 nonzeros) runs with half the dot products: for
  /// each block of 8 rows, a VNNI lane holds a column's 4 kept values and
  /// `vpermb` gathers the 4 matching A bytes of the row into it from a
  /// broadcast of the row's 8 A bytes. Values and in-block positions are
  /// packed at compile time ([K/8][4*nFull] bytes each). False (nothing
  /// emitted) when B is not such a constant.
  bool emitSparseVnni(OpBuilder &b, Location loc, MatmulMatch &m,
                      TileShape tile, int64_t mFull, int64_t nFull) {
    if (m.k % 8 != 0)
      return false;
    DenseElementsAttr data = qsparse::cpu::constantData(m.b);
    if (!data) {
      linalg::GenericOp writer = decompressedWriter(m);
      if (!writer)
        return false;
      Value values, indices;
      packRuntimeSparse(b, loc, writer, m.k / 8, nFull, values, indices);
      emitSparseLoops(b, loc, m, tile, mFull, nFull, values, indices);
      release(b, loc, values);
      release(b, loc, indices);
      // The expanded B is left only for columns the kernel does not cover.
      if (nFull == m.n)
        decompressed = writer;
      return true;
    }
    Value values, indices;
    if (!packSparseConstant(b, loc, data, m.k, m.n, nFull, values, indices))
      return false;
    emitSparseLoops(b, loc, m, tile, mFull, nFull, values, indices);
    return true;
  }

  /// Packs a constant [K][N] i8 weight that is 2:4 sparse along K (each
  /// group of 4 rows of a column has at most 2 nonzeros) for the 2:4
  /// kernels, its columns [0, cols): [K/8][4*cols] values and in-block
  /// positions, a column's 4 kept values of each block of 8 rows side by
  /// side (padded with positions whose value is zero). False (nothing
  /// emitted) when the weight is not such a constant.
  bool packSparseConstant(OpBuilder &b, Location loc, DenseElementsAttr data,
                          int64_t k, int64_t n, int64_t cols, Value &values,
                          Value &indices, const VnniPanels *panels = nullptr) {
    if (!data.getElementType().isInteger(8) || k % 8 != 0)
      return false;
    SmallVector<int8_t> source(data.getValues<int8_t>());
    int64_t k8 = k / 8;
    // The kept positions of each (block, column): 2 per group of 4,
    // padded with positions whose value is zero.
    SmallVector<int8_t> positions(k8 * cols * 4);
    for (int64_t q = 0; q < k8; ++q)
      for (int64_t col = 0; col < cols; ++col)
        for (int64_t grp = 0; grp < 2; ++grp) {
          int64_t kept = 0;
          int8_t *out = &positions[(q * cols + col) * 4 + 2 * grp];
          for (int64_t t = 0; t < 4; ++t) {
            int64_t pos = 4 * grp + t;
            if (source[(8 * q + pos) * n + col] == 0)
              continue;
            if (kept == 2)
              return false; // not 2:4
            out[kept++] = int8_t(pos);
          }
          for (int64_t t = 0; kept < 2; ++t) // zeros fill the lane
            if (source[(8 * q + 4 * grp + t) * n + col] == 0 &&
                (kept == 0 || out[0] != 4 * grp + t))
              out[kept++] = int8_t(4 * grp + t);
        }
    SmallVector<int8_t> kept(positions.size());
    for (int64_t q = 0; q < k8; ++q)
      for (int64_t col = 0; col < cols; ++col)
        for (int64_t t = 0; t < 4; ++t) {
          int64_t i = (q * cols + col) * 4 + t;
          kept[i] = source[(8 * q + positions[i]) * n + col];
        }
    // In column panels: row p * K/8 + q of panel p holds block q of its
    // columns (see VnniPanels).
    int64_t rows = k8, width = cols;
    if (panels) {
      rows = panels->count * k8;
      width = panels->width;
      auto toPanels = [&](ArrayRef<int8_t> flat) {
        SmallVector<int8_t> out(rows * width * 4);
        for (int64_t p = 0; p < panels->count; ++p)
          for (int64_t q = 0; q < k8; ++q)
            std::copy_n(&flat[(q * cols + panels->start(p)) * 4], width * 4,
                        &out[(p * k8 + q) * width * 4]);
        return out;
      };
      kept = toPanels(kept);
      positions = toPanels(positions);
    }
    Type i8 = b.getI8Type();
    auto type = MemRefType::get({rows, width * 4}, i8);
    // Both packings are keyed on B's data; the position global uses a
    // distinct (but same-shaped) key through a rank-3 view type.
    values = constantGlobal(b, loc, type, data, "2:4-values", [&] {
      return DenseElementsAttr::get(RankedTensorType::get(type.getShape(), i8),
                                    ArrayRef(kept));
    });
    auto indexType = MemRefType::get({rows, width, 4}, i8);
    indices = constantGlobal(b, loc, indexType, data, "2:4-positions", [&] {
      return DenseElementsAttr::get(
          RankedTensorType::get(indexType.getShape(), i8), ArrayRef(positions));
    });
    indices = memref::CollapseShapeOp::create(
        b, loc, indices, SmallVector<ReassociationIndices>{{0}, {1, 2}});
    return true;
  }

  /// The loop nest that lowered a runtime qsparse.nm_decompress (2:4 along
  /// K, i8, contiguous [K/2][N] values and metadata) writing B, if `m`'s
  /// B is written by one.
  linalg::GenericOp decompressedWriter(MatmulMatch &m) {
    for (Operation *user : m.b.getUsers()) {
      auto generic = dyn_cast<linalg::GenericOp>(user);
      auto tag = generic ? generic->getAttrOfType<DictionaryAttr>(
                               qsparse::kDecompressedAttrName)
                         : DictionaryAttr();
      if (!tag || generic.getNumDpsInits() != 1 ||
          generic.getDpsInits()[0] != m.b ||
          generic->getBlock() != m.op->getBlock() ||
          !generic->isBeforeInBlock(m.op))
        continue;
      auto sparsity = tag.getAs<qsparse::NMAttr>("sparsity");
      auto axis = tag.getAs<IntegerAttr>("axis");
      if (!sparsity || sparsity.getN() != 2 || sparsity.getM() != 4 || !axis ||
          axis.getInt() != 0)
        return {};
      auto [values, metadata] = decompressedOperands(generic);
      auto expected = MemRefType::get({m.k / 2, m.n},
                                      IntegerType::get(m.b.getContext(), 8));
      if (!values || !metadata || values.getType() != expected ||
          metadata.getType() != expected ||
          !unwrittenBetween(generic, m.op, {values, metadata, m.b}))
        return {};
      return generic;
    }
    return {};
  }

  /// Packs a runtime 2:4 weight for the kernel, per call, as the compile-
  /// time path does for a constant: [K/8][4*nFull] values and in-block
  /// positions. Metadata is read as the decompression reads it: a slot
  /// whose position is not in [0, 4) adds nothing, and of two slots with
  /// the same position the second wins.
  void packRuntimeSparse(OpBuilder &b, Location loc, linalg::GenericOp writer,
                         int64_t k8, int64_t nFull, Value &values,
                         Value &indices) {
    auto [source, metadata] = decompressedOperands(writer);
    Type i8 = b.getI8Type();
    auto type = MemRefType::get({k8, nFull * 4}, i8);
    values = memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
    indices = memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
    auto row16 = VectorType::get({16}, i8);
    auto splat = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(row16, b.getI8IntegerAttr(v)));
    };
    Value zero = splat(0), three = splat(3), four = splat(4);
    // Disjoint stores: the K blocks may run on the threads.
    qsparse::cpu::emitLoop(
        b, loc, k8, 1, threads > 1, [&](OpBuilder &b, Location loc, Value q) {
          qsparse::cpu::emitLoop(
              b, loc, nFull, 16, false,
              [&](OpBuilder &b, Location loc, Value n) {
                SmallVector<Value> v = loadRows4(b, loc, source, q, n);
                SmallVector<Value> p = loadRows4(b, loc, metadata, q, n);
                for (int64_t g = 0; g < 2; ++g) {
                  Value &p0 = p[2 * g], &p1 = p[2 * g + 1];
                  auto valid = [&](Value pos) {
                    return arith::CmpIOp::create(
                        b, loc, arith::CmpIPredicate::ult, pos, four);
                  };
                  Value keep0 = arith::AndIOp::create(
                      b, loc, valid(p0),
                      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            p0, p1));
                  v[2 * g] =
                      arith::SelectOp::create(b, loc, keep0, v[2 * g], zero);
                  v[2 * g + 1] = arith::SelectOp::create(b, loc, valid(p1),
                                                         v[2 * g + 1], zero);
                  for (Value *pos : {&p0, &p1}) {
                    *pos = arith::AndIOp::create(b, loc, *pos, three);
                    if (g == 1)
                      *pos = arith::OrIOp::create(b, loc, *pos, four);
                  }
                }
                Value col = arith::MulIOp::create(b, loc, n, idx(b, loc, 4));
                vector::StoreOp::create(b, loc, interleave4(b, loc, v), values,
                                        ValueRange{q, col});
                vector::StoreOp::create(b, loc, interleave4(b, loc, p), indices,
                                        ValueRange{q, col});
              });
        });
  }

  /// The 2:4 kernel on packed values and positions ([K/8][4*nFull]).
  void emitSparseLoops(OpBuilder &b, Location loc, MatmulMatch &m,
                       TileShape tile, int64_t mFull, int64_t nFull,
                       Value values, Value indices) {
    int64_t k8 = m.k / 8;
    emitBlockedLoops(
        b, loc, m, tile, mFull, nFull, k8, /*kBlock=*/128,
        [&](OpBuilder &b, Location loc, Value m0, Value n0, Value q, int64_t mr,
            SmallVectorImpl<Value> &accs) {
          SmallVector<Value> bv = loadVnniRow(b, loc, values, q, n0, tile);
          SmallVector<Value> bi = loadVnniRow(b, loc, indices, q, n0, tile);
          // Each row's 8 bytes of the block, gathered per vector.
          emitVnniRows(b, loc, m.a, m0, q, 8, mr, bv, accs,
                       [&](OpBuilder &b, Location loc, Value av, int64_t j) {
                         return qsparse::cpu::emitVpermb(b, loc, av, bi[j]);
                       });
        });
  }

  /// Returns the columns covered: [0, nFull) and, without 4-bit weights,
  /// the whole vectors after.
  int64_t emitVnni(OpBuilder &b, Location loc, MatmulMatch &m, TileShape tile,
                   int64_t mFull, int64_t nFull) {
    Type i8 = b.getI8Type();
    int64_t k4 = m.k / 4;
    // A constant B of at most 16 distinct values (flint4, int4, PoT codes
    // decoded at compile time) is stored as 4-bit table indices, half the
    // bytes, and decoded in registers by a 16-entry vpshufb lookup.
    Value table64;
    Value packed = nFull > 0 ? packNibbles(b, loc, m, nFull, table64) : Value();
    // A runtime B is packed into [K/4][N*4] K block by K block (see
    // emitBlockedLoops), its columns [0, nFull); a constant one entirely at
    // compile time.
    bool perBlock = !packed && !qsparse::cpu::constantData(m.b);
    if (perBlock)
      packed = memref::AllocOp::create(
          b, loc, MemRefType::get({k4, m.n * 4}, i8), b.getI64IntegerAttr(64));
    else if (!packed)
      packed = packVnniPanels(b, loc, m, vnniPanels(m, m.n));
    // The whole vectors past the full panels run as one narrower panel
    // (not with 4-bit weights, packed in pairs of vectors per full panel).
    int64_t whole = table64 ? 0 : (m.n - nFull) / tile.lanes;
    int64_t covered = nFull + whole * tile.lanes;
    auto packBlock = [&](OpBuilder &b, Location loc, Value q0, Value qEnd) {
      scf::ForOp::create(
          b, loc, q0, qEnd, idx(b, loc, 1), ValueRange{},
          [&](OpBuilder &b, Location loc, Value q, ValueRange) {
            scf::ForOp::create(
                b, loc, idx(b, loc, 0), idx(b, loc, covered), idx(b, loc, 16),
                ValueRange{},
                [&](OpBuilder &b, Location loc, Value n, ValueRange) {
                  packVnni16(b, loc, m.b, q, n, packed, q,
                             arith::MulIOp::create(b, loc, n, idx(b, loc, 4)));
                  scf::YieldOp::create(b, loc);
                });
            scf::YieldOp::create(b, loc);
          });
    };
    auto bytes64 = VectorType::get({tile.lanes * 4}, i8);
    auto words32 = VectorType::get({tile.lanes * 2}, b.getI16Type());
    Value low4, four;
    if (table64) {
      low4 = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(bytes64, b.getI8IntegerAttr(15)));
      four = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(words32, b.getI16IntegerAttr(4)));
    }
    auto pshufb = b.getStringAttr("llvm.x86.avx512.pshuf.b.512");
    auto step = [&](OpBuilder &b, Location loc, Value m0, Value n0, Value q,
                    int64_t mr, SmallVectorImpl<Value> &accs) {
      SmallVector<Value> bv;
      for (int64_t j = 0; j < tile.nv; ++j) {
        Value n =
            arith::AddIOp::create(b, loc, n0, idx(b, loc, j * tile.lanes));
        if (!table64) {
          Value col = arith::MulIOp::create(b, loc, n, idx(b, loc, 4));
          bv.push_back(vector::LoadOp::create(b, loc, bytes64, packed,
                                              ValueRange{q, col}));
          continue;
        }
        if (j % 2)
          continue; // decoded with vector j - 1
        // 64 bytes of nibbles: the table indices of vectors j (low)
        // and j + 1 (high), looked up by vpshufb.
        Value col = arith::MulIOp::create(b, loc, n, idx(b, loc, 2));
        Value nibbles =
            vector::LoadOp::create(b, loc, bytes64, packed, ValueRange{q, col});
        Value lo = arith::AndIOp::create(b, loc, nibbles, low4);
        Value shifted = vector::BitCastOp::create(
            b, loc, bytes64,
            arith::ShRUIOp::create(
                b, loc, vector::BitCastOp::create(b, loc, words32, nibbles),
                four));
        Value hi = arith::AndIOp::create(b, loc, shifted, low4);
        for (Value indices : {lo, hi})
          bv.push_back(
              LLVM::CallIntrinsicOp::create(b, loc, bytes64, pshufb,
                                            ValueRange{table64, indices})
                  .getResult(0));
      }
      emitVnniRows(b, loc, m.a, m0, q, 4, mr, bv, accs);
    };
    // A runtime B is packed in the first of these loop nests that runs.
    if (nFull > 0)
      emitBlockedLoops(b, loc, m, tile, mFull, nFull, k4, /*kBlock=*/256, step,
                       perBlock ? PackFn(packBlock) : PackFn());
    if (whole > 0) {
      tile.nv = whole;
      emitBlockedLoops(b, loc, m, tile, mFull, covered, k4, /*kBlock=*/256,
                       step,
                       perBlock && nFull == 0 ? PackFn(packBlock) : PackFn(),
                       /*nStart=*/nFull);
    }
    release(b, loc, packed);
    return covered;
  }
};
} // namespace

/// Strips an integer extension, recording whether it is unsigned.
static Value stripExtension(Value v, bool &isUnsigned) {
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

bool qsparse::cpu::matchMacBody(Block *body, Type aElem, Type bElem, Type cElem,
                                KernelKind &kind, bool &aUnsigned,
                                bool &bUnsigned, bool narrowAcc, bool half) {
  if (body->getOperations().size() > 6)
    return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Value result = yield.getOperand(0);
  BlockArgument argA = body->getArgument(0), argB = body->getArgument(1),
                argC = body->getArgument(2);
  auto isProductOf = [&](Value lhs, Value rhs, bool integer) {
    if (!integer) {
      // f16 operands are extended to the f32 accumulator first.
      auto strip = [&](Value v) -> Value {
        if (!aElem.isF16())
          return v;
        auto ext = v.getDefiningOp<arith::ExtFOp>();
        return ext ? ext.getIn() : Value();
      };
      return strip(lhs) == argA && strip(rhs) == argB;
    }
    bool ua = false, ub = false;
    if (stripExtension(lhs, ua) != argA || stripExtension(rhs, ub) != argB)
      return false;
    aUnsigned = ua;
    bUnsigned = ub;
    return true;
  };
  auto matchSum = [&](Value sum, auto addTag, auto mulTag,
                      bool integer) -> bool {
    using AddOp = decltype(addTag);
    using MulOp = decltype(mulTag);
    auto add = sum.getDefiningOp<AddOp>();
    if (!add || (add.getLhs() != argC && add.getRhs() != argC))
      return false;
    Value other = add.getLhs() == argC ? add.getRhs() : add.getLhs();
    auto mul = other.getDefiningOp<MulOp>();
    return mul && (isProductOf(mul.getLhs(), mul.getRhs(), integer) ||
                   isProductOf(mul.getRhs(), mul.getLhs(), integer));
  };
  if (aElem.isF32() && bElem.isF32() && cElem.isF32()) {
    kind = KernelKind::F32;
    return matchSum(result, arith::AddFOp(), arith::MulFOp(), false);
  }
  if (half && aElem.isF16() && bElem.isF16() && cElem.isF32()) {
    kind = KernelKind::F16;
    return matchSum(result, arith::AddFOp(), arith::MulFOp(), false);
  }
  if (aElem.isInteger(8) && bElem.isInteger(8) &&
      (cElem.isInteger(32) || (narrowAcc && cElem.isInteger(16)))) {
    kind = KernelKind::I8;
    return matchSum(result, arith::AddIOp(), arith::MulIOp(), true);
  }
  return false;
}

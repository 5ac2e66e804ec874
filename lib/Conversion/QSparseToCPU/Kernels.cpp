//===- Kernels.cpp - shared pieces of the CPU micro-kernels ---------------===//

#include "Kernels.h"
#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/ImplicitGemm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

static bool isIdentityStatic2D(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         type.getRank() == 2;
}

std::optional<qsparse::cpu::MatmulOperands>
qsparse::cpu::matchMatmulOperands(linalg::LinalgOp op) {
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
  MatmulOperands match;
  match.a = op.getDpsInputOperand(0)->get();
  match.b = op.getDpsInputOperand(1)->get();
  match.c = op.getDpsInitOperand(0)->get();
  if (!isIdentityStatic2D(match.a) || !isIdentityStatic2D(match.b) ||
      !isIdentityStatic2D(match.c))
    return std::nullopt;
  match.m = cast<MemRefType>(match.a.getType()).getDimSize(0);
  match.k = cast<MemRefType>(match.a.getType()).getDimSize(1);
  match.n = cast<MemRefType>(match.b.getType()).getDimSize(1);
  return match;
}

std::optional<qsparse::cpu::ConvMatch>
qsparse::cpu::matchConv(linalg::LinalgOp op, bool narrowAcc, bool half) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  ConvMatch m;
  m.op = op;
  m.input = op.getDpsInputOperand(0)->get();
  m.filter = op.getDpsInputOperand(1)->get();
  m.output = op.getDpsInitOperand(0)->get();
  auto implicit = op->getAttrOfType<DenseI64ArrayAttr>("qsparse.implicit_gemm");
  std::optional<qsparse::ConvGeometry> direct;
  if (implicit) {
    // The [K][F] filter and [N][P][F] output are views of 4-D buffers.
    // The [K][F] filter is a view of the HWCF filter or a buffer of its own
    // (a folded constant); the [N][P][F] output a view of an NHWF buffer or
    // a buffer of its own.
    if (implicit.size() != 6 || implicit[4] < 1 || implicit[5] < 1)
      return std::nullopt;
    if (auto filterView = m.filter.getDefiningOp<memref::CollapseShapeOp>())
      m.filter = filterView.getSrc();
    m.accBuffer = m.output;
    if (auto outView = m.output.getDefiningOp<memref::CollapseShapeOp>())
      m.accBuffer = m.output = outView.getSrc();
  } else {
    direct = qsparse::matchDirectConv(op);
    if (!direct || direct->nchw)
      return std::nullopt;
  }
  bool outputIs3D = implicit && m.output == m.accBuffer &&
                    cast<MemRefType>(m.output.getType()).getRank() == 3;
  bool filterIs2D =
      implicit && cast<MemRefType>(m.filter.getType()).getRank() == 2;
  for (Value v : {m.input, m.filter, m.output}) {
    auto type = dyn_cast<MemRefType>(v.getType());
    int64_t rank = 4;
    if (v == m.output && outputIs3D)
      rank = 3;
    else if (v == m.filter && filterIs2D)
      rank = 2;
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getRank() != rank)
      return std::nullopt;
  }
  auto iShape = cast<MemRefType>(m.input.getType()).getShape();
  auto fShape = cast<MemRefType>(m.filter.getType()).getShape();
  auto oShape = cast<MemRefType>(m.output.getType()).getShape();
  m.batch = oShape[0];
  m.f = oShape.back();
  if (filterIs2D) {
    m.kh = implicit[4];
    m.kw = implicit[5];
    m.c = fShape[0] / (m.kh * m.kw);
    if (m.c < 1 || m.c * m.kh * m.kw != fShape[0] || fShape[1] != m.f)
      return std::nullopt;
  } else {
    m.kh = fShape[0];
    m.kw = fShape[1];
    m.c = fShape[2];
    if (implicit && (m.kh != implicit[4] || m.kw != implicit[5]))
      return std::nullopt;
  }
  if (implicit) {
    qsparse::ConvGeometry g;
    g.strideH = implicit[0], g.strideW = implicit[1];
    g.dilH = implicit[2], g.dilW = implicit[3];
    if (g.strideH < 1 || g.strideW < 1 || g.dilH < 1 || g.dilW < 1)
      return std::nullopt;
    // The output size follows from the (padded) image.
    g.oh = (iShape[1] - g.dilH * (m.kh - 1) - 1) / g.strideH + 1;
    g.ow = (iShape[2] - g.dilW * (m.kw - 1) - 1) / g.strideW + 1;
    if (oShape.size() == 4 && (oShape[1] != g.oh || oShape[2] != g.ow))
      return std::nullopt;
    if (oShape.size() == 3 && oShape[1] != g.oh * g.ow)
      return std::nullopt;
    g.n = m.batch, g.c = m.c, g.f = m.f, g.kh = m.kh, g.kw = m.kw;
    m.oh = g.oh, m.ow = g.ow;
    auto p = utils::IteratorType::parallel, r = utils::IteratorType::reduction;
    if (op.getIndexingMapsArray() !=
            ArrayRef<AffineMap>(
                qsparse::implicitGemmMaps(op->getContext(), g)) ||
        op.getIteratorTypesArray() !=
            SmallVector<utils::IteratorType>{p, p, p, r})
      return std::nullopt;
    m.strideH = g.strideH, m.strideW = g.strideW;
    m.dilH = g.dilH, m.dilW = g.dilW;
    if (auto border =
            op->getAttrOfType<DenseI64ArrayAttr>("qsparse.zero_border")) {
      // Ignored unless it leaves some of the image inside.
      ArrayRef<int64_t> z = border.asArrayRef();
      if (z.size() == 4 && llvm::all_of(z, [](int64_t v) { return v >= 0; }) &&
          z[0] + z[2] < iShape[1] && z[1] + z[3] < iShape[2])
        m.border = std::array<int64_t, 4>{z[0], z[1], z[2], z[3]};
    }
  } else {
    m.oh = oShape[1];
    m.ow = oShape[2];
    m.accBuffer = m.output;
    m.strideH = direct->strideH, m.strideW = direct->strideW;
    m.dilH = direct->dilH, m.dilW = direct->dilW;
  }
  if (!matchMacBodyOf(op, m.input, m.filter, m.output, m.kind, m.aUnsigned,
                      m.bUnsigned, narrowAcc, half))
    return std::nullopt;
  // The kernels index the filter as HWCF and the output as NHWF.
  auto expand = [&](Value v, ArrayRef<int64_t> shape,
                    SmallVector<ReassociationIndices> groups) -> Value {
    OpBuilder b(op);
    return memref::ExpandShapeOp::create(
        b, op.getLoc(),
        MemRefType::get(shape, cast<MemRefType>(v.getType()).getElementType()),
        v, groups);
  };
  if (filterIs2D)
    m.filter = expand(m.filter, {m.kh, m.kw, m.c, m.f}, {{0, 1, 2}, {3}});
  if (outputIs3D)
    m.output = expand(m.output, {m.batch, m.oh, m.ow, m.f}, {{0}, {1, 2}, {3}});
  return m;
}

bool qsparse::cpu::matchMacBodyOf(linalg::LinalgOp op, Value a, Value b,
                                  Value c, KernelKind &kind, bool &aUnsigned,
                                  bool &bUnsigned, bool narrowAcc, bool half) {
  auto element = [](Value v) {
    return cast<MemRefType>(v.getType()).getElementType();
  };
  return matchMacBody(op.getBlock(), element(a), element(b), element(c), kind,
                      aUnsigned, bUnsigned, narrowAcc, half);
}

Type qsparse::cpu::accElementFor(Type stored) {
  if (stored.isInteger())
    return IntegerType::get(stored.getContext(), 32);
  return stored;
}

Value qsparse::cpu::convertAcc(OpBuilder &b, Location loc, Value v, Type elem) {
  Type type = v.getType();
  Type from = getElementTypeOrSelf(type);
  if (from == elem || !from.isInteger() || !elem.isInteger())
    return v;
  Type to = elem;
  if (auto vec = dyn_cast<VectorType>(type))
    to = vec.clone(elem);
  if (from.getIntOrFloatBitWidth() < elem.getIntOrFloatBitWidth())
    return arith::ExtSIOp::create(b, loc, to, v);
  return arith::TruncIOp::create(b, loc, to, v);
}

DenseElementsAttr qsparse::cpu::constantData(Value v) {
  while (isa_and_nonnull<memref::CollapseShapeOp, memref::ExpandShapeOp>(
      v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return {};
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant() ||
      !global.getType().getLayout().isIdentity())
    return {};
  // Importers write large weights as dense_resource blobs.
  return qsparse::asDenseElements(global.getConstantInitValue())
      .value_or(DenseElementsAttr());
}

void qsparse::cpu::emitLoop(
    OpBuilder &b, Location loc, int64_t upper, int64_t step, bool parallel,
    function_ref<void(OpBuilder &, Location, Value)> body) {
  Value lower = arith::ConstantIndexOp::create(b, loc, 0);
  Value end = arith::ConstantIndexOp::create(b, loc, upper);
  Value stride = arith::ConstantIndexOp::create(b, loc, step);
  if (parallel) {
    scf::ParallelOp::create(b, loc, ValueRange{lower}, ValueRange{end},
                            ValueRange{stride},
                            [&](OpBuilder &b, Location loc, ValueRange ivs) {
                              body(b, loc, ivs[0]);
                            });
    return;
  }
  scf::ForOp::create(b, loc, lower, end, stride, ValueRange{},
                     [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                       body(b, loc, iv);
                       scf::YieldOp::create(b, loc);
                     });
}

Value qsparse::cpu::broadcastBytes(OpBuilder &b, Location loc, Value buffer,
                                   ValueRange at, int64_t count,
                                   int64_t loaded) {
  Type word = b.getIntegerType(8 * count);
  auto bytesType = VectorType::get({count}, b.getI8Type());
  Value bytes;
  if (loaded == 0 || loaded == count) {
    bytes = vector::LoadOp::create(b, loc, bytesType, buffer, at);
  } else {
    Value part = vector::LoadOp::create(
        b, loc, VectorType::get({loaded}, b.getI8Type()), buffer, at);
    bytes = vector::InsertStridedSliceOp::create(
        b, loc, part,
        arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(bytesType, b.getI8IntegerAttr(0))),
        ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
  }
  Value scalar = vector::ExtractOp::create(
      b, loc,
      vector::BitCastOp::create(b, loc, VectorType::get({1}, word), bytes),
      ArrayRef<int64_t>{0});
  return vector::BitCastOp::create(
      b, loc, VectorType::get({64}, b.getI8Type()),
      vector::BroadcastOp::create(b, loc, VectorType::get({64 / count}, word),
                                  scalar));
}

Value qsparse::cpu::emitVpdpbusd(OpBuilder &b, Location loc, Value acc, Value a,
                                 Value bytes) {
  return LLVM::CallIntrinsicOp::create(
             b, loc, acc.getType(),
             b.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
             ValueRange{acc, a, bytes})
      .getResult(0);
}

Value qsparse::cpu::emitVpermb(OpBuilder &b, Location loc, Value table,
                               Value indices) {
  return LLVM::CallIntrinsicOp::create(
             b, loc, table.getType(),
             b.getStringAttr("llvm.x86.avx512.permvar.qi.512"),
             ValueRange{table, indices})
      .getResult(0);
}

namespace {
/// Moves `length` elements from `source[at..., 0]` to `target[at..., 0]`
/// (or stores `splat` there when `source` is null) in vectors of `lanes`
/// elements and one shorter vector for the remainder.
void emitRun(OpBuilder &b, Location loc, Value source, Value target,
             Value splat, ValueRange at, int64_t length, int64_t lanes) {
  Type elem = cast<MemRefType>(target.getType()).getElementType();
  auto move = [&](OpBuilder &b, Location loc, Value offset, int64_t width) {
    auto type = VectorType::get({width}, elem);
    SmallVector<Value> index(at);
    index.push_back(offset);
    Value v = source
                  ? (Value)vector::LoadOp::create(b, loc, type, source, index)
                  : (Value)vector::BroadcastOp::create(b, loc, type, splat);
    vector::StoreOp::create(b, loc, v, target, index);
  };
  int64_t full = length - length % lanes;
  if (full > 0)
    scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, full),
        arith::ConstantIndexOp::create(b, loc, lanes), ValueRange{},
        [&](OpBuilder &b, Location loc, Value offset, ValueRange) {
          move(b, loc, offset, lanes);
          scf::YieldOp::create(b, loc);
        });
  if (length % lanes)
    move(b, loc, arith::ConstantIndexOp::create(b, loc, full), length % lanes);
}

/// Loops over the outer `dims` of `shape`, calling `body` with the indices.
void emitOuterLoops(
    OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
    SmallVectorImpl<Value> &ivs,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  if (ivs.size() == shape.size())
    return body(b, loc, ivs);
  scf::ForOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                     arith::ConstantIndexOp::create(b, loc, shape[ivs.size()]),
                     arith::ConstantIndexOp::create(b, loc, 1), ValueRange{},
                     [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                       ivs.push_back(iv);
                       emitOuterLoops(b, loc, shape, ivs, body);
                       ivs.pop_back();
                       scf::YieldOp::create(b, loc);
                     });
}

/// The first dimension of the innermost run `type` stores contiguously, or
/// -1 when its innermost dimension is not unit-stride.
int64_t contiguousFrom(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.empty() ||
      strides.back() != 1)
    return -1;
  int64_t first = type.getRank() - 1;
  while (first > 0 &&
         strides[first - 1] == strides[first] * type.getDimSize(first))
    --first;
  return first;
}

/// `v` with dimensions [first, rank) collapsed into one.
Value collapseFrom(OpBuilder &b, Location loc, Value v, int64_t first) {
  int64_t rank = cast<MemRefType>(v.getType()).getRank();
  if (first == rank - 1)
    return v;
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < first; ++d)
    groups.push_back({d});
  ReassociationIndices last;
  for (int64_t d = first; d < rank; ++d)
    last.push_back(d);
  groups.push_back(last);
  return memref::CollapseShapeOp::create(b, loc, v, groups);
}
} // namespace

bool qsparse::cpu::rewriteStridedCopy(memref::CopyOp copy, unsigned bits) {
  auto source = cast<MemRefType>(copy.getSource().getType());
  auto target = cast<MemRefType>(copy.getTarget().getType());
  Type elem = source.getElementType();
  if (!source.hasStaticShape() || !target.hasStaticShape() ||
      source.getRank() == 0 || !elem.isIntOrFloat() ||
      elem.getIntOrFloatBitWidth() % 8 != 0 ||
      bits % elem.getIntOrFloatBitWidth() != 0)
    return false;
  int64_t fromSource = contiguousFrom(source),
          fromTarget = contiguousFrom(target);
  if (fromSource < 0 || fromTarget < 0)
    return false;
  int64_t first = std::max(fromSource, fromTarget);
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  Value from = collapseFrom(b, loc, copy.getSource(), first);
  Value to = collapseFrom(b, loc, copy.getTarget(), first);
  auto shape = cast<MemRefType>(to.getType()).getShape();
  int64_t lanes = bits / elem.getIntOrFloatBitWidth();
  SmallVector<Value> ivs;
  emitOuterLoops(b, loc, shape.drop_back(), ivs,
                 [&](OpBuilder &b, Location loc, ValueRange at) {
                   emitRun(b, loc, from, to, Value(), at, shape.back(), lanes);
                 });
  copy.erase();
  return true;
}

bool qsparse::cpu::rewriteSplatMap(linalg::MapOp map, unsigned bits) {
  if (!map.getInputs().empty() || !map.hasPureBufferSemantics())
    return false;
  Value init = map.getInit();
  auto type = cast<MemRefType>(init.getType());
  Type elem = type.getElementType();
  auto yield = cast<linalg::YieldOp>(map.getBody()->getTerminator());
  if (yield->getNumOperands() != 1 || !type.hasStaticShape() ||
      !type.getLayout().isIdentity() || type.getRank() == 0 ||
      !elem.isIntOrFloat() || elem.getIntOrFloatBitWidth() % 8 != 0 ||
      bits % elem.getIntOrFloatBitWidth() != 0)
    return false;
  Value value = yield->getOperand(0);
  if (map.getMapper().isAncestor(value.getParentRegion()))
    return false; // computed per element
  // The body may only index (linalg.index ops left by canonicalization).
  for (Operation &op : map.getBody()->without_terminator())
    if (!isa<linalg::IndexOp>(op))
      return false;
  OpBuilder b(map);
  Location loc = map.getLoc();
  Value flat = collapseFrom(b, loc, init, 0);
  emitRun(b, loc, Value(), flat, value, ValueRange{}, type.getNumElements(),
          bits / elem.getIntOrFloatBitWidth());
  map.erase();
  return true;
}

Value qsparse::cpu::baseBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

Value qsparse::cpu::zeroWidened(OpBuilder &b, Location loc, Value v,
                                int64_t dim, int64_t size,
                                SymbolTable &symbols) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = size;
  auto wideType = MemRefType::get(shape, type.getElementType());
  DenseElementsAttr data = constantData(v);
  Type elem = type.getElementType();
  if (data && elem.isIntOrFloat() && elem.getIntOrFloatBitWidth() % 8 == 0) {
    // The widened bytes: each run of the old extent along `dim` followed by
    // zeros (a splat's raw data is its one element).
    int64_t eb = elem.getIntOrFloatBitWidth() / 8;
    int64_t outer = 1, inner = eb, extent = type.getDimSize(dim);
    for (int64_t d = 0; d < dim; ++d)
      outer *= type.getDimSize(d);
    for (int64_t d = dim + 1; d < type.getRank(); ++d)
      inner *= type.getDimSize(d);
    ArrayRef<char> raw = data.getRawData();
    SmallVector<char> bytes(outer * size * inner, 0);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < extent * inner; ++i) {
        int64_t at = o * extent * inner + i;
        bytes[o * size * inner + i] = raw[data.isSplat() ? at % eb : at];
      }
    auto tensorType = RankedTensorType::get(shape, elem);
    OpBuilder detached(b.getContext());
    auto global = memref::GlobalOp::create(
        detached, loc, "__qsparse_widened", detached.getStringAttr("private"),
        wideType, DenseElementsAttr::getFromRawBuffer(tensorType, bytes),
        /*constant=*/true, detached.getI64IntegerAttr(64));
    symbols.insert(global);
    return memref::GetGlobalOp::create(b, loc, wideType, global.getSymName());
  }
  return filledCopy(b, loc, v, shape, cast<TypedAttr>(b.getZeroAttr(elem)),
                    SmallVector<int64_t>(type.getRank(), 0));
}

Value qsparse::cpu::filledCopy(OpBuilder &b, Location loc, Value v,
                               ArrayRef<int64_t> shape, TypedAttr fill,
                               ArrayRef<int64_t> offsets) {
  auto type = cast<MemRefType>(v.getType());
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get(shape, type.getElementType()),
      b.getI64IntegerAttr(64));
  Value value = arith::ConstantOp::create(b, loc, fill);
  linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{buffer});
  SmallVector<OpFoldResult> at, sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  for (auto [offset, extent] : llvm::zip_equal(offsets, type.getShape())) {
    at.push_back(b.getIndexAttr(offset));
    sizes.push_back(b.getIndexAttr(extent));
  }
  Value window = memref::SubViewOp::create(b, loc, buffer, at, sizes, strides);
  memref::CopyOp::create(b, loc, v, window);
  return buffer;
}

bool qsparse::cpu::isAllocation(Value v) {
  return isa_and_nonnull<memref::AllocOp>(v.getDefiningOp());
}

bool qsparse::cpu::unwrittenBetween(Operation *from, Operation *to,
                                    ArrayRef<Value> views) {
  SmallVector<Value> buffers;
  for (Value v : views)
    buffers.push_back(baseBuffer(v));
  for (Operation *op = from->getNextNode(); op && op != to;
       op = op->getNextNode()) {
    if (isMemoryEffectFree(op))
      continue;
    // Nested ops (the loops of a kernel emitted before) included.
    std::optional<SmallVector<MemoryEffects::EffectInstance>> effects =
        getEffectsRecursively(op);
    if (!effects)
      return false;
    for (MemoryEffects::EffectInstance &e : *effects) {
      if (!isa<MemoryEffects::Write, MemoryEffects::Free>(e.getEffect()))
        continue;
      if (!e.getValue() ||
          llvm::is_contained(buffers, baseBuffer(e.getValue())))
        return false;
    }
  }
  return true;
}

std::pair<Value, Value>
qsparse::cpu::decompressedOperands(linalg::GenericOp op) {
  Value values, metadata;
  op.getBody()->walk([&](memref::LoadOp load) {
    for (Operation *user : load->getUsers()) {
      if (auto select = dyn_cast<arith::SelectOp>(user);
          select && select.getTrueValue() == load.getResult())
        values = load.getMemRef();
      if (isa<arith::CmpIOp>(user))
        metadata = load.getMemRef();
    }
  });
  return {values, metadata};
}

void qsparse::cpu::emitPixelBlocks(
    OpBuilder &b, Location loc, int64_t n, int64_t oh, int64_t ow,
    int64_t cFull, int64_t lanes, int64_t block, unsigned threads,
    function_ref<void(OpBuilder &, Location, Value, Value, Value, Value,
                      int64_t)>
        body) {
  int64_t owFull = ow - ow % block;
  emitLoop(b, loc, n, 1, /*parallel=*/false,
           [&](OpBuilder &b, Location loc, Value n) {
             emitLoop(
                 b, loc, oh, 1, threads > 1,
                 [&](OpBuilder &b, Location loc, Value oh) {
                   emitLoop(
                       b, loc, cFull, lanes, /*parallel=*/false,
                       [&](OpBuilder &b, Location loc, Value c0) {
                         if (owFull > 0)
                           emitLoop(b, loc, owFull, block, /*parallel=*/false,
                                    [&](OpBuilder &b, Location loc, Value ow0) {
                                      body(b, loc, n, oh, ow0, c0, block);
                                    });
                         if (owFull < ow)
                           body(b, loc, n, oh,
                                arith::ConstantIndexOp::create(b, loc, owFull),
                                c0, ow - owFull);
                       });
                 });
           });
}

linalg::FillOp qsparse::cpu::precedingFill(linalg::LinalgOp op) {
  Value init = op.getDpsInitOperand(0)->get();
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev))
      return fill.hasPureBufferSemantics() && fill.getOutputs()[0] == init
                 ? fill
                 : nullptr;
    if (!isMemoryEffectFree(prev))
      return nullptr;
  }
  return nullptr;
}

void qsparse::cpu::narrowFill(linalg::FillOp fill, int64_t nFull) {
  Value out = fill.getOutputs()[0];
  auto type = cast<MemRefType>(out.getType());
  int64_t n = type.getShape().back();
  if (nFull >= n) {
    fill->erase();
    return;
  }
  OpBuilder b(fill);
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  offsets.back() = b.getIndexAttr(nFull);
  sizes.back() = b.getIndexAttr(n - nFull);
  fill.getOutputsMutable()[0].set(memref::SubViewOp::create(
      b, fill.getLoc(), out, offsets, sizes, strides));
}

Value qsparse::cpu::fillStart(OpBuilder &b, Location loc, linalg::LinalgOp op,
                              VectorType type, linalg::FillOp &fill) {
  fill = precedingFill(op);
  if (fill && fill.getInputs()[0].getType() != type.getElementType())
    fill = nullptr;
  if (!fill)
    return Value();
  return vector::BroadcastOp::create(b, loc, type, fill.getInputs()[0]);
}

bool qsparse::cpu::isWindowNest(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() != 6 ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return false;
  auto par = utils::IteratorType::parallel;
  auto red = utils::IteratorType::reduction;
  if (op.getIteratorTypesArray() !=
      SmallVector<utils::IteratorType>{par, par, par, par, red, red})
    return false;
  MLIRContext *ctx = op->getContext();
  SmallVector<AffineExpr> nhwc;
  for (unsigned i = 0; i < 4; ++i)
    nhwc.push_back(getAffineDimExpr(i, ctx));
  return op.getIndexingMapsArray().back() == AffineMap::get(6, 0, nhwc, ctx);
}

Value qsparse::cpu::channelTail(OpBuilder &b, Location loc, Value v,
                                int64_t c0) {
  auto type = cast<MemRefType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  for (int64_t dim : type.getShape())
    sizes.push_back(b.getIndexAttr(dim));
  offsets.back() = b.getIndexAttr(c0);
  sizes.back() = b.getIndexAttr(type.getShape().back() - c0);
  return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides);
}

bool qsparse::cpu::Window::matchInput(AffineMap in) {
  MLIRContext *ctx = in.getContext();
  return in.getNumDims() == 6 && in.getNumResults() == 4 &&
         in.getResult(0) == getAffineDimExpr(0, ctx) &&
         in.getResult(3) == getAffineDimExpr(3, ctx) &&
         qsparse::matchConvWindow(in.getResult(1), 1, 4, strideH, dilH) &&
         qsparse::matchConvWindow(in.getResult(2), 2, 5, strideW, dilW);
}

SmallVector<Value> qsparse::cpu::emitWindowTaps(
    OpBuilder &b, Location loc, const Window &window, Value n, Value oh,
    ArrayRef<Value> cols, Value c0, ValueRange init,
    function_ref<void(OpBuilder &, Location, Value, Value,
                      ArrayRef<SmallVector<Value, 4>>,
                      SmallVectorImpl<Value> &)>
        tap) {
  auto index = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value rowBase = arith::MulIOp::create(b, loc, oh, index(b, window.strideH));
  auto khLoop = scf::ForOp::create(
      b, loc, index(b, 0), index(b, window.kh), index(b, 1), init,
      [&](OpBuilder &b, Location loc, Value kh, ValueRange accsKh) {
        Value row = arith::AddIOp::create(
            b, loc, rowBase,
            arith::MulIOp::create(b, loc, kh, index(b, window.dilH)));
        auto kwLoop = scf::ForOp::create(
            b, loc, index(b, 0), index(b, window.kw), index(b, 1), accsKh,
            [&](OpBuilder &b, Location loc, Value kw, ValueRange iter) {
              SmallVector<Value> accs(iter);
              Value dw =
                  arith::MulIOp::create(b, loc, kw, index(b, window.dilW));
              SmallVector<SmallVector<Value, 4>> at;
              for (Value col : cols)
                at.push_back({n, row,
                              arith::AddIOp::create(
                                  b, loc,
                                  arith::MulIOp::create(
                                      b, loc, col, index(b, window.strideW)),
                                  dw),
                              c0});
              tap(b, loc, kh, kw, at, accs);
              scf::YieldOp::create(b, loc, accs);
            });
        scf::YieldOp::create(b, loc, kwLoop.getResults());
      });
  return SmallVector<Value>(khLoop.getResults());
}

//===- GPUMatmulKernels.cpp - tensor-core kernels for matmuls -------------===//
//
// --qsparse-gpu-matmul-kernels: an int8 (or f16 x f16 -> f32) matmul on
// buffers becomes a gpu.launch of block tiles staged through shared memory
// by cp.async (nvgpu.device_async_copy, `stages` deep), warp tiles of
// m16n8k32 (m16n8k16 for f16) mma fragments fed by nvgpu.ldmatrix, and the
// accumulators added to C. Both shapes take 32 bytes of K per mma with the
// same byte layout of their fragments, so the kernel is laid out in bytes
// of K and only the element type of the tiles and the mma differ. A
// constant int8 B that is 2:4 sparse along K runs on mma.sp.m16n8k64
// instead (emitSparseLaunch): C^T = B^T A^T with B^T compressed and its
// metadata words laid out per lane at compile time.
//
//===----------------------------------------------------------------------===//

#include "../QSparseToCPU/Epilogue.h"
#include "../QSparseToCPU/Kernels.h"
#include "qsparse/Conversion/Passes.h"
#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Numerics/AccumulatorBounds.h"
#include "qsparse/Numerics/MmaLayouts.h"
#include "qsparse/Numerics/NMSparsity.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/NVGPU/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>

namespace qsparse {
#define GEN_PASS_DEF_GPUMATMULKERNELS
#include "qsparse/Conversion/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
namespace mma = qsparse::numerics::mma;

namespace {

struct IndexBuilder;

/// Where a cp.async copies from: `buffer[indices]`, or nothing (the bytes
/// are zero filled) when `inside` (an i1; null for always) is false; the
/// indices are in bounds either way.
struct Address {
  Value buffer;
  SmallVector<Value> indices;
  Value inside;
};

/// The address of element (row, col) of a matrix operand.
using Source = std::function<Address(IndexBuilder &, Value, Value)>;

/// A row-major matrix buffer as a Source.
Source rowsOf(Value buffer) {
  return [buffer](IndexBuilder &, Value row, Value col) {
    return Address{buffer, {row, col}, Value()};
  };
}

/// C[M][N] += A[M][K] * B[K][N] with i8 operands and i32 accumulators (or
/// f16 and f32), on static identity-layout buffers: a matmul, or a
/// convolution as an implicit GEMM (A read from the image, B the filter as
/// [K][F]).
struct Match {
  linalg::LinalgOp op;
  /// B as [K][N] and C as [M][N].
  Value b, c;
  /// The buffer a zero fill before `op` would initialize (C or its 4-D
  /// form).
  Value fillTarget;
  /// The contraction's input buffers (a fused epilogue's output must not
  /// alias them).
  SmallVector<Value, 2> inputs;
  int64_t m, n, k;
  bool aUnsigned = false, bUnsigned = false;
  /// The operand element type (i8 or f16).
  Type elem;
  /// C's element type: i32 (or f32), or a narrowed i16 accumulator, which
  /// the mma sums in i32 and the store truncates (the same wrapping bits
  /// while the i32 sum cannot saturate, see fitsInI32).
  Type cElem;
  int64_t elemBytes() const { return elem.getIntOrFloatBitWidth() / 8; }
  /// Bytes per cp.async of A and B: K tiles are copied in chunks that never
  /// straddle a row of A's source.
  int64_t chunk = 16;
  /// The address of A[row][col] (row < M, col < K, col a multiple of
  /// `chunk` bytes).
  Source aAt;
  /// Ops that only prepared a buffer the kernel no longer reads (a
  /// convolution's zero-padded image), erased after the rewrite in this
  /// order.
  SmallVector<Operation *> obsolete;
};

/// The cp.async size (16, 8 or 4 bytes) for rows of `extent` bytes.
int64_t chunkFor(int64_t extent) {
  return extent % 16 == 0 ? 16 : extent % 8 == 0 ? 8 : 4;
}

/// Whether every i32 partial sum of an 8-bit dot product of length k (A
/// and B read as `match` says) is exact: the mma saturates (satfinite)
/// where a narrowed accumulator must wrap, so a narrowed one takes the
/// kernel only when the DESIGN 3.2 data-type bound fits 32 bits. An
/// unsigned B is bounded as a 9-bit signed one.
bool sumsFitI32(const Match &match, int64_t k) {
  return qsparse::numerics::dataTypeBits(k, 8, !match.aUnsigned,
                                         match.bUnsigned ? 9 : 8) <= 32;
}

/// Sets the element types of a matched kind (I8 or F16, and F32 when `f32`
/// contractions go to the tf32 tensor cores) writing `c`; false for others
/// and for narrowed accumulators the kernel cannot sum exactly (the
/// signedness of `match` is set).
bool setElement(Match &match, qsparse::cpu::KernelKind kind, Value c, int64_t k,
                Builder b, bool f32) {
  match.cElem = cast<MemRefType>(c.getType()).getElementType();
  if (match.cElem.isInteger(16) &&
      (kind != qsparse::cpu::KernelKind::I8 || !sumsFitI32(match, k)))
    return false;
  if (kind == qsparse::cpu::KernelKind::I8) {
    match.elem = b.getI8Type();
    return true;
  }
  if (kind == qsparse::cpu::KernelKind::F16) {
    match.elem = b.getF16Type();
    return true;
  }
  if (kind == qsparse::cpu::KernelKind::F32 && f32) {
    match.elem = b.getF32Type();
    return true;
  }
  return false;
}

std::optional<Match> matchTensorCoreMatmul(linalg::LinalgOp op, bool f32) {
  auto operands = qsparse::cpu::matchMatmulOperands(op);
  if (!operands)
    return std::nullopt;
  Match match;
  match.op = op;
  match.b = operands->b;
  match.c = match.fillTarget = operands->c;
  qsparse::cpu::KernelKind kind;
  if (!qsparse::cpu::matchMacBodyOf(op, operands->a, operands->b, match.c, kind,
                                    match.aUnsigned, match.bUnsigned,
                                    /*narrowAcc=*/true, /*half=*/true) ||
      !setElement(match, kind, match.c, operands->k, Builder(op), f32))
    return std::nullopt;
  match.m = operands->m;
  match.k = operands->k;
  match.n = operands->n;
  // Rows of A and B^T must be whole 4-byte copies.
  if (match.m == 0 || match.n == 0 || match.k == 0 ||
      match.k * match.elemBytes() % 4 != 0)
    return std::nullopt;
  match.chunk = chunkFor(match.k * match.elemBytes());
  match.inputs = {operands->a, operands->b};
  match.aAt = rowsOf(operands->a);
  return match;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Index arithmetic inside the kernel.
struct IndexBuilder {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, c(y)) : x; }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, c(y)).getResult();
  }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : arith::DivUIOp::create(b, loc, x, c(y)).getResult();
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, c(y));
  }
  Value min(Value x, int64_t y) {
    return arith::MinSIOp::create(b, loc, x, c(y));
  }
  Value max(Value x, int64_t y) {
    return arith::MaxSIOp::create(b, loc, x, c(y));
  }
  Value lt(Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, c(y));
  }
  /// 0 <= x < y.
  Value within(Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, c(y));
  }
  /// `map` (one dim, one result) applied to `x`.
  Value apply(AffineMap map, Value x) {
    return affine::AffineApplyOp::create(b, loc, map, ValueRange{x});
  }
};

/// Whether `value` is an integer zero or a float +0 (all bits zero, which
/// is what a cp.async zero fill writes).
bool isZeroBits(TypedAttr value) {
  if (auto i = dyn_cast<IntegerAttr>(value))
    return i.getValue().isZero();
  if (auto f = dyn_cast<FloatAttr>(value))
    return f.getValue().bitcastToAPInt().isZero();
  return false;
}

/// An image copied into the interior of a buffer of its own, filled with a
/// constant, before a convolution reads that buffer: the padding that
/// --qsparse-lower-to-linalg and bufferization make of the conv's
/// `padding` (or of a tensor.pad with a constant value).
struct Padding {
  /// The unpadded NHWC image and where it sits in the padded buffer.
  Value image;
  int64_t top = 0, left = 0;
  /// The padding value.
  TypedAttr value;
  /// The copy, the subview, the fill, the deallocations and the buffer's
  /// allocation: what is left of the padding when nothing reads the
  /// buffer.
  SmallVector<Operation *> ops;
};

/// The padding that produced `padded`, the input buffer of `conv`, if
/// `conv` is its only reader: it is an allocation in conv's block that a
/// fill of a constant (linalg.fill, or a linalg.map yielding a constant)
/// wholly writes, then a memref.copy writes the image into a unit-stride
/// subview offset along H and W only, and nothing writes the image between
/// that copy and `conv`.
std::optional<Padding> padding(Value padded, Operation *conv) {
  auto alloc = padded.getDefiningOp<memref::AllocOp>();
  auto paddedType = cast<MemRefType>(padded.getType());
  if (!alloc || alloc->getBlock() != conv->getBlock() ||
      paddedType.getRank() != 4)
    return std::nullopt;
  Operation *fill = nullptr;
  TypedAttr value;
  memref::SubViewOp view;
  SmallVector<Operation *> deallocs;
  for (Operation *user : padded.getUsers()) {
    if (user == conv)
      continue;
    if (isa<memref::DeallocOp>(user)) {
      deallocs.push_back(user);
    } else if (auto f = dyn_cast<linalg::FillOp>(user);
               f && !fill && f.getDpsInits()[0] == padded &&
               matchPattern(f.getInputs()[0], m_Constant(&value))) {
      fill = f;
    } else if (auto map = dyn_cast<linalg::MapOp>(user);
               map && !fill && map.getInputs().empty() &&
               map.getInit() == padded &&
               matchPattern(
                   map.getMapper().front().getTerminator()->getOperand(0),
                   m_Constant(&value))) {
      fill = map;
    } else if (auto v = dyn_cast<memref::SubViewOp>(user); v && !view) {
      view = v;
    } else {
      return std::nullopt;
    }
  }
  if (!fill || !value || !view || !view->hasOneUse())
    return std::nullopt;
  auto copy = dyn_cast<memref::CopyOp>(*view->getUsers().begin());
  if (!copy || copy.getTarget() != view.getResult() ||
      fill->getBlock() != conv->getBlock() ||
      copy->getBlock() != conv->getBlock() || !fill->isBeforeInBlock(copy) ||
      !copy->isBeforeInBlock(conv))
    return std::nullopt;
  ArrayRef<int64_t> offsets = view.getStaticOffsets(),
                    sizes = view.getStaticSizes();
  auto imageType = dyn_cast<MemRefType>(copy.getSource().getType());
  if (!imageType || !imageType.hasStaticShape() ||
      !imageType.getLayout().isIdentity() || imageType.getShape() != sizes ||
      llvm::any_of(view.getStaticStrides(), [](int64_t s) { return s != 1; }) ||
      llvm::any_of(offsets, ShapedType::isDynamic) || offsets[0] != 0 ||
      offsets[3] != 0 || sizes[0] != paddedType.getDimSize(0) ||
      sizes[3] != paddedType.getDimSize(3) ||
      !qsparse::cpu::unwrittenBetween(copy, conv, {copy.getSource()}))
    return std::nullopt;
  Padding pad;
  pad.image = copy.getSource();
  pad.top = offsets[1];
  pad.left = offsets[2];
  pad.value = value;
  pad.ops = {copy, view, fill};
  llvm::append_range(pad.ops, deallocs);
  pad.ops.push_back(alloc);
  return pad;
}

/// A convolution (NHWC image x HWCF filter -> NHWF) with
/// 4-byte channel runs (C % 4 == 0 for i8, C % 2 == 0 for f16) as the
/// implicit GEMM M = N*OH*OW pixels, N = F, K =
/// KH*KW*C in (kh, kw, c) order: the A element (pixel, k) is read straight
/// from the image, so the copy into shared memory is the im2col and no
/// im2col buffer exists. A zero-padded image is read unpadded: the copy
/// zero fills the chunks of taps outside it, and the padded buffer and
/// its fill and copy are erased with the conv (Match::obsolete). Views of
/// the filter as [K][F] and the output as [M][F] are created before the
/// op.
std::optional<Match> matchTensorCoreConv(linalg::LinalgOp op, bool f32) {
  auto conv = qsparse::cpu::matchConv(op, /*narrowAcc=*/true, /*half=*/true);
  Match match;
  if (!conv)
    return std::nullopt;
  match.aUnsigned = conv->aUnsigned;
  match.bUnsigned = conv->bUnsigned;
  if (!setElement(match, conv->kind, conv->output,
                  conv->kh * conv->kw * conv->c, Builder(op), f32) ||
      conv->c * match.elemBytes() % 4 != 0)
    return std::nullopt;
  match.op = op;
  match.m = conv->batch * conv->oh * conv->ow;
  match.n = conv->f;
  match.k = conv->kh * conv->kw * conv->c;
  if (match.m == 0 || match.n == 0)
    return std::nullopt;
  match.chunk = chunkFor(conv->c * match.elemBytes());
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<ReassociationIndices> groups = {{0, 1, 2}, {3}};
  match.b = memref::CollapseShapeOp::create(b, loc, conv->filter, groups);
  match.c = memref::CollapseShapeOp::create(b, loc, conv->output, groups);
  match.fillTarget = conv->accBuffer;
  // (cp.async fills only zeros: other padding values stay in the buffer.)
  std::optional<Padding> pad = padding(conv->input, op);
  if (pad && !isZeroBits(pad->value))
    pad.reset();
  Value image = pad ? pad->image : conv->input;
  match.inputs = {image, conv->filter};
  if (pad)
    match.obsolete = pad->ops;
  ArrayRef<int64_t> imageShape = cast<MemRefType>(image.getType()).getShape();
  int64_t height = imageShape[1], width = imageShape[2];
  int64_t top = pad ? pad->top : 0, left = pad ? pad->left : 0;
  bool padded = pad.has_value();
  qsparse::cpu::ConvMatch cv = *conv;
  match.aAt = [cv, image, height, width, top, left,
               padded](IndexBuilder &ib, Value row, Value col) -> Address {
    Value pixel = ib.rem(row, cv.oh * cv.ow);
    Value n = ib.div(row, cv.oh * cv.ow);
    Value oh = ib.div(pixel, cv.ow), ow = ib.rem(pixel, cv.ow);
    Value tap = ib.div(col, cv.c), c = ib.rem(col, cv.c);
    Value kh = ib.div(tap, cv.kw), kw = ib.rem(tap, cv.kw);
    // (ih, iw) in the padded image; the unpadded one starts at (top, left).
    // (Separate statements keep the order of the ops the same for every
    // compiler.)
    Value ohS = ib.mul(oh, cv.strideH), khD = ib.mul(kh, cv.dilH);
    Value owS = ib.mul(ow, cv.strideW), kwD = ib.mul(kw, cv.dilW);
    Value ih = ib.add(ib.add(ohS, khD), -top);
    Value iw = ib.add(ib.add(owS, kwD), -left);
    if (!padded)
      return Address{image, {n, ih, iw, c}, Value()};
    Value inH = ib.within(ih, height), inW = ib.within(iw, width);
    Value inside = arith::AndIOp::create(ib.b, ib.loc, inH, inW);
    Value h = ib.max(ib.min(ih, height - 1), 0);
    Value w = ib.max(ib.min(iw, width - 1), 0);
    return Address{image, {n, h, w, c}, inside};
  };
  return match;
}

/// A convolution that the tensor-core kernel would take but for its
/// channel runs (C x element bytes not a multiple of 4, such as an RGB
/// stem's C = 3), rebuilt on copies of its image and filter whose C is
/// rounded up to whole 4-byte runs: the new channels are zero in both, so
/// they add nothing (the image's own padding keeps its value; a padded
/// image is widened and padded in one copy). A constant filter is widened
/// at compile time (a new global in `symbols`); the copies are freed after
/// the new op, which is returned (null when `op` is not such a
/// convolution).
linalg::LinalgOp padChannels(linalg::LinalgOp op, SymbolTable &symbols) {
  std::optional<qsparse::cpu::ConvMatch> conv =
      qsparse::cpu::matchConv(op, /*narrowAcc=*/true, /*half=*/true);
  if (!conv || op.getNumDpsInputs() != 2 ||
      op.getDpsInputs()[0] != conv->input ||
      op.getDpsInputs()[1] != conv->filter)
    return {};
  Match probe;
  probe.aUnsigned = conv->aUnsigned;
  probe.bUnsigned = conv->bUnsigned;
  // (f32 channels are whole 4-byte runs: never widened.)
  if (!setElement(probe, conv->kind, conv->output, conv->kh * conv->kw * 4,
                  Builder(op), /*f32=*/false))
    return {};
  int64_t unit = 4 / probe.elemBytes();
  int64_t channels = ceilDiv(conv->c, unit) * unit;
  // (A narrowed accumulator must still be exact over the longer K.)
  if (conv->c % unit == 0 ||
      !setElement(probe, conv->kind, conv->output,
                  conv->kh * conv->kw * channels, Builder(op), /*f32=*/false))
    return {};
  OpBuilder b(op);
  Location loc = op.getLoc();
  // A padded image is widened and padded in one buffer: filled with the
  // padding value (the new channels too: the zero filter channels cancel
  // it), the unpadded image copied into its interior.
  Value image;
  std::optional<Padding> pad = padding(conv->input, op);
  if (pad) {
    SmallVector<int64_t> shape(
        cast<MemRefType>(conv->input.getType()).getShape());
    shape[3] = channels;
    image = qsparse::cpu::filledCopy(b, loc, pad->image, shape, pad->value,
                                     {0, pad->top, pad->left, 0});
  } else {
    image =
        qsparse::cpu::zeroWidened(b, loc, conv->input, 3, channels, symbols);
  }
  SmallVector<Value> copies = {
      image,
      qsparse::cpu::zeroWidened(b, loc, conv->filter, 2, channels, symbols)};
  IRMapping map;
  map.map(conv->input, copies[0]);
  map.map(conv->filter, copies[1]);
  Operation *wide = b.clone(*op, map);
  b.setInsertionPointAfter(wide);
  for (Value copy : copies)
    if (qsparse::cpu::isAllocation(copy))
      memref::DeallocOp::create(b, loc, copy);
  op->erase();
  if (pad)
    for (Operation *dead : pad->ops)
      dead->erase();
  return cast<linalg::LinalgOp>(wide);
}

/// A lane -> (row, column) address map as two affine maps of the lane,
/// checked against the Numerics function it implements for all 32 lanes.
struct LaneMap {
  AffineMap row, col;
};

FailureOr<LaneMap> laneMap(MLIRContext *ctx, AffineExpr row, AffineExpr col,
                           mma::Coord (*expected)(int)) {
  LaneMap map{AffineMap::get(1, 0, row), AffineMap::get(1, 0, col)};
  for (int lane = 0; lane < mma::kWarpSize; ++lane) {
    SmallVector<int64_t> r = map.row.compose({lane}),
                         c = map.col.compose({lane});
    mma::Coord want = expected(lane);
    if (r[0] != want.row || c[0] != want.col)
      return failure();
  }
  (void)ctx;
  return map;
}

/// A 4-byte vector (a fragment register, a metadata word) as one i32.
Value wordOf(OpBuilder &b, Location loc, Value v) {
  Value w = vector::BitCastOp::create(b, loc,
                                      VectorType::get({1}, b.getI32Type()), v);
  return vector::ExtractOp::create(b, loc, w, 0);
}

/// Registers 0 .. rows - 1 of an 8-bit mma fragment ([rows][4] bytes) as
/// i32 words, as the NVVM op and inline PTX take them.
SmallVector<Value> fragmentWords(OpBuilder &b, Location loc, Value frag,
                                 int64_t rows) {
  SmallVector<Value> out;
  for (int64_t r = 0; r < rows; ++r)
    out.push_back(wordOf(b, loc, vector::ExtractOp::create(b, loc, frag, r)));
  return out;
}

/// The 4 accumulators of a vector<2x2xi32> fragment, c0 .. c3.
SmallVector<Value> accumulatorElements(OpBuilder &b, Location loc, Value c) {
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(
        vector::ExtractOp::create(b, loc, c, ArrayRef<int64_t>{i / 2, i % 2}));
  return out;
}

/// The struct of 4 i32 an NVVM mma or the inline mma.sp returns.
Type accumulatorStruct(MLIRContext *ctx) {
  return LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(4, IntegerType::get(ctx, 32)));
}

/// That struct back as the vector<2x2xi32> fragment of type `type`.
Value accumulatorFromStruct(OpBuilder &b, Location loc, Value d, Type type) {
  auto vectorType = cast<VectorType>(type);
  Value out = arith::ConstantOp::create(
      b, loc, vectorType,
      DenseElementsAttr::get(vectorType, b.getI32IntegerAttr(0)));
  for (int64_t i = 0; i < 4; ++i) {
    Value v = LLVM::ExtractValueOp::create(b, loc, d, i);
    out = vector::InsertOp::create(b, loc, v, out,
                                   ArrayRef<int64_t>{i / 2, i % 2});
  }
  return out;
}

struct Config {
  int64_t bm, bn, bk, warpsM, warpsN, stages;
  int64_t threads() const { return 32 * warpsM * warpsN; }
  int64_t warpM() const { return bm / warpsM; }
  int64_t warpN() const { return bn / warpsN; }
};

struct GPUMatmulKernelsPass
    : public qsparse::impl::GPUMatmulKernelsBase<GPUMatmulKernelsPass> {
  using Base::Base;

  Config config;
  /// The parsed `f32-mma`.
  qsparse::F32Mma f32Mode = qsparse::F32Mma::ThreeTf32;
  LaneMap addressA, addressBt;
  std::shared_ptr<SymbolTable> symbols;
  unsigned transposedCount = 0;

  LogicalResult validate() {
    config = {tileM, tileN, tileK, warpsM, warpsN, stages};
    auto fail = [&](const Twine &why) {
      getOperation().emitError("qsparse-gpu-matmul-kernels: ") << why;
      return failure();
    };
    if (config.bm <= 0 || config.bn <= 0 || config.bk <= 0 ||
        config.warpsM <= 0 || config.warpsN <= 0)
      return fail("tile sizes and warp counts must be positive");
    if (config.bm % (16 * config.warpsM) != 0)
      return fail("tile-m must be a multiple of 16 * warps-m");
    if (config.bn % (16 * config.warpsN) != 0)
      return fail("tile-n must be a multiple of 16 * warps-n (two n8 "
                  "fragments per ldmatrix)");
    if (config.bk % 32 != 0 || !llvm::isPowerOf2_64(config.bk))
      return fail("tile-k must be a power of two and at least 32 (the "
                  "bytes of K of one mma; the shared-memory swizzle needs a "
                  "power-of-two row)");
    if (config.stages < 2)
      return fail("stages must be at least 2");
    std::optional<qsparse::F32Mma> mode = qsparse::parseF32Mma(f32Mma);
    if (!mode)
      return fail(qsparse::unknownF32Mma(f32Mma));
    f32Mode = *mode;
    if (config.threads() > 1024)
      return fail("warps-m * warps-n * 32 exceeds 1024 threads per block");
    // 4-byte copies are the smallest; every thread issues the same number.
    for (int64_t rows : {config.bm, config.bn})
      if ((rows * config.bk / 16) % config.threads() != 0)
        return fail("tile-m * tile-k / 16 and tile-n * tile-k / 16 must be "
                    "multiples of the thread count");
    int64_t bytes = config.stages * (config.bm + config.bn) * config.bk;
    if (bytes > 48 * 1024)
      return fail("the tiles need " + Twine(bytes) +
                  " bytes of shared memory; at most 49152 (static)");
    return success();
  }

  void runOnOperation() override {
    if (failed(validate()))
      return signalPassFailure();
    MLIRContext *ctx = &getContext();
    AffineExpr lane = getAffineDimExpr(0, ctx);
    // The x4 address maps of MmaLayouts.h, as affine maps of the lane.
    auto a = laneMap(ctx, lane % 8 + (lane.floorDiv(8) % 2) * 8,
                     lane.floorDiv(16) * 16, mma::ldmatrixAddressA);
    auto bt = laneMap(ctx, lane % 8 + lane.floorDiv(16) * 8,
                      (lane.floorDiv(8) % 2) * 16, mma::ldmatrixAddressBt);
    if (failed(a) || failed(bt)) {
      getOperation().emitError("ldmatrix address maps disagree with "
                               "qsparse/Numerics/MmaLayouts.h");
      return signalPassFailure();
    }
    addressA = *a;
    addressBt = *bt;
    // The 2:4 kernel builds its B fragment (k64 i8, k32 f16) from two
    // dense-shape loads: register r is register r % 2 of the load of K
    // bytes 32 * (r / 2) onward.
    for (int lane = 0; lane < mma::kWarpSize; ++lane)
      for (int r = 0; r < 4; ++r)
        for (int e = 0; e < 4; ++e) {
          mma::Coord i8 = mma::i8B(lane, r % 2, e),
                     f16 = mma::f16B(lane, r % 2, e % 2);
          if (!(mma::i8SparseB(lane, r, e) ==
                mma::Coord{i8.row + 32 * (r / 2), i8.col}) ||
              !(mma::f16SparseB(lane, r, e % 2) ==
                mma::Coord{f16.row + 16 * (r / 2), f16.col})) {
            getOperation().emitError("the sparse B fragments disagree with "
                                     "qsparse/Numerics/MmaLayouts.h");
            return signalPassFailure();
          }
        }
    // The runtime packing's placement of a row's metadata word (the
    // inverse of mma::sparseMetadataRegister), and its nibbles at bits
    // 4c .. 4c + 3 for group c.
    for (int64_t eb : {1, 2}) {
      AffineMap slots = metadataSlotMap(ctx, eb);
      unsigned mask = eb == 1 ? 0xFFFFFFFFu : 0xFFFFu;
      for (int64_t r = 0; r < 16; ++r)
        for (int64_t w = 0; w < 2; ++w) {
          unsigned want[mma::kWarpSize] = {};
          for (int64_t c = 0; c < metadataCopies(eb); ++c) {
            SmallVector<int64_t> at = slots.compose(ArrayRef<int64_t>{r, w, c});
            want[at[0]] |= mask << (8 * at[1]);
          }
          for (int lane = 0; lane < mma::kWarpSize; ++lane)
            if (mma::sparseMetadataRegister(eb, lane, [&](int row, int word) {
                  return row == r && word == w ? mask : 0u;
                }) != want[lane]) {
              getOperation().emitError("the metadata lane map disagrees with "
                                       "qsparse/Numerics/MmaLayouts.h");
              return signalPassFailure();
            }
        }
      int64_t groups = 8 / eb;
      for (int64_t c = 0; c < groups; ++c) {
        std::vector<uint8_t> pairs;
        uint32_t expected = 0;
        for (int64_t g = 0; g < groups; ++g) {
          pairs.insert(pairs.end(),
                       {uint8_t(g == c ? 1 : 0), uint8_t(g == c ? 3 : 1)});
          expected |= uint32_t(g == c ? 1 | 3 << 2 : 0 | 1 << 2) << (4 * g);
        }
        if (packedMetadataWord(eb, pairs) != expected) {
          getOperation().emitError("the metadata nibble order disagrees with "
                                   "qsparse/Numerics/NMSparsity.h");
          return signalPassFailure();
        }
      }
    }
    symbols = std::make_shared<SymbolTable>(getOperation());

    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<gpu::LaunchOp>())
        ops.push_back(op);
    });
    SmallVector<Match> matches;
    bool f32 = f32Mode != qsparse::F32Mma::Off;
    for (linalg::LinalgOp op : ops) {
      if (auto match = matchTensorCoreMatmul(op, f32)) {
        matches.push_back(*match);
        continue;
      }
      if (linalg::LinalgOp wide = padChannels(op, *symbols))
        op = wide;
      if (auto conv = matchTensorCoreConv(op, f32))
        matches.push_back(*conv);
    }
    for (Match &match : matches) {
      // The grid's y dimension (row tiles) is limited to 65535 blocks.
      if (ceilDiv(match.m, config.bm) > 65535) {
        match.op.emitRemark("left to the simple kernels: ")
            << ceilDiv(match.m, config.bm) << " row tiles exceed the grid";
        continue;
      }
      rewrite(match);
    }

    // Strided copies (the padding of an image) become linalg.copy, which
    // the pipeline maps to a kernel; contiguous ones stay memcpy.
    getOperation().walk([&](memref::CopyOp copy) {
      if (copy->getParentOfType<gpu::LaunchOp>())
        return;
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (memref::isStaticShapeAndContiguousRowMajor(source) &&
          memref::isStaticShapeAndContiguousRowMajor(target))
        return;
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }

  /// B as [N][K]: a transposed constant global, or a linalg.transpose into
  /// a new buffer (freed after `after`).
  Value transposedB(OpBuilder &b, Location loc, Match &m, Operation *after) {
    auto type = MemRefType::get({m.n, m.k}, m.elem);
    DenseElementsAttr data = qsparse::cpu::constantData(m.b);
    if (data && data.getNumElements() != m.k * m.n)
      data = {};
    // The global's elements seen as [K][N] (B may be a view of a filter).
    if (DenseElementsAttr transposed =
            data ? qsparse::permuteElements(
                       data.reshape(RankedTensorType::get(
                           {m.k, m.n}, data.getElementType())),
                       {1, 0})
                 : DenseElementsAttr()) {
      OpBuilder detached(b.getContext());
      auto global = memref::GlobalOp::create(
          detached, loc, "__qsparse_weight_nk", b.getStringAttr("private"),
          type, transposed, /*constant=*/true, b.getI64IntegerAttr(16));
      symbols->insert(global, getOperation().getBody()->begin());
      return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
    }
    Value buffer =
        memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(16));
    linalg::TransposeOp::create(b, loc, m.b, buffer, ArrayRef<int64_t>{1, 0});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(after);
    memref::DeallocOp::create(b, loc, buffer);
    return buffer;
  }

  /// The linalg.fill of zero that initializes C before `op` with nothing
  /// touching memory in between, if any.
  linalg::FillOp zeroFill(Match &m) {
    for (Operation *op = m.op->getPrevNode(); op; op = op->getPrevNode()) {
      auto fill = dyn_cast<linalg::FillOp>(op);
      if (!fill)
        if (isMemoryEffectFree(op))
          continue;
      if (!fill || !fill.hasPureBufferSemantics() ||
          fill.getDpsInitOperand(0)->get() != m.fillTarget ||
          !(matchPattern(fill.getDpsInputOperand(0)->get(), m_Zero()) ||
            matchPattern(fill.getDpsInputOperand(0)->get(), m_PosZeroFloat())))
        return {};
      return fill;
    }
    return {};
  }

  void rewrite(Match &m) {
    OpBuilder b(m.op);
    Location loc = m.op.getLoc();
    // The elementwise consumer --qsparse-fuse marked, applied to the
    // accumulator fragments in registers (the accumulator buffer is then
    // never written).
    // (The zero fill of C is looked for first: prepare() may hoist the
    // epilogue's output allocation between it and the contraction.)
    bool overwrite = false;
    if (linalg::FillOp fill = zeroFill(m)) {
      fill.erase();
      overwrite = true;
    }
    std::optional<qsparse::cpu::Epilogue> epilogue =
        qsparse::cpu::Epilogue::match(m.op, m.fillTarget, m.inputs,
                                      /*permuted=*/true);
    if (epilogue)
      epilogue->prepare(b, loc);
    linalg::GenericOp expansion;
    if (std::optional<Sparse> sparse = packSparse(b, loc, m)) {
      emitSparseLaunch(b, loc, m, *sparse, overwrite,
                       epilogue ? &*epilogue : nullptr);
      if ((expansion = sparse->expansion)) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointAfter(m.op);
        memref::DeallocOp::create(b, loc, sparse->values);
        memref::DeallocOp::create(b, loc, sparse->metadata);
      }
    } else {
      std::optional<Nibbles> nibbles = packNibbles(b, loc, m);
      Value bt = nibbles ? Value() : transposedB(b, loc, m, m.op);
      emitLaunch(b, loc, m, bt, overwrite, epilogue ? &*epilogue : nullptr,
                 nibbles ? &*nibbles : nullptr);
    }
    m.op.erase();
    for (Operation *op : m.obsolete)
      op->erase();
    if (epilogue)
      epilogue->erase();
    if (expansion)
      eraseIfUnread(expansion);
  }

  /// Erases the expansion of a runtime 2:4 B (and its buffer) when nothing
  /// but views and deallocations uses the buffer any more: it may also be
  /// a result, or read by another op.
  static void eraseIfUnread(linalg::GenericOp expansion) {
    Value buffer = expansion.getDpsInits()[0];
    auto alloc = buffer.getDefiningOp<memref::AllocOp>();
    if (!alloc)
      return;
    llvm::SetVector<Operation *> dead;
    SmallVector<Value> work = {buffer};
    while (!work.empty()) {
      Value v = work.pop_back_val();
      for (Operation *user : v.getUsers()) {
        if (user == expansion.getOperation())
          continue;
        auto view = dyn_cast<ViewLikeOpInterface>(user);
        if (!isa<memref::DeallocOp>(user) &&
            !(view && view.getViewSource() == v))
          return;
        if (dead.insert(user))
          llvm::append_range(work, user->getResults());
      }
    }
    expansion.erase();
    for (Operation *op : llvm::reverse(dead))
      op->erase();
    alloc.erase();
  }

  /// A constant B with at most 16 distinct values (flint4, int4, PoT
  /// weights), transposed and stored as 4-bit indices: [N][K/2] bytes with
  /// element 2j of a row in the low nibble of byte j and 2j + 1 in the high
  /// one, and the 16-entry table of values.
  struct Nibbles {
    Value packed, table;
  };

  std::optional<Nibbles> packNibbles(OpBuilder &b, Location loc, Match &m) {
    const Config &cf = config;
    // Every thread issues the same number of packed-B copies and decode
    // steps.
    int64_t chunkB = chunkFor(m.k / 2);
    if (!nibbleWeights || !m.elem.isInteger(8) || m.k % 8 != 0 ||
        (cf.bn * cf.bk / 8) % cf.threads() != 0 ||
        (cf.bn * (cf.bk / 2) / chunkB) % cf.threads() != 0 ||
        cf.stages * (cf.bm * cf.bk + cf.bn * cf.bk / 2) + cf.bn * cf.bk + 16 >
            48 * 1024)
      return std::nullopt;
    DenseElementsAttr data = qsparse::cpu::constantData(m.b);
    if (!data)
      return std::nullopt;
    SmallVector<int8_t> source(data.getValues<int8_t>());
    SmallVector<int8_t> table;
    for (int8_t v : source)
      if (!llvm::is_contained(table, v)) {
        if (table.size() == 16)
          return std::nullopt;
        table.push_back(v);
      }
    table.resize(16, 0);
    auto code = [&](int8_t v) {
      return static_cast<uint8_t>(llvm::find(table, v) - table.begin());
    };
    SmallVector<int8_t> packed(m.n * m.k / 2);
    for (int64_t n = 0; n < m.n; ++n)
      for (int64_t j = 0; j < m.k / 2; ++j)
        packed[n * m.k / 2 + j] =
            static_cast<int8_t>(code(source[2 * j * m.n + n]) |
                                code(source[(2 * j + 1) * m.n + n]) << 4);
    return Nibbles{
        byteGlobal(b, loc, "__qsparse_weight_nibbles", {m.n, m.k / 2}, packed),
        byteGlobal(b, loc, "__qsparse_weight_table", {16}, table)};
  }

  /// Copies rows [base, base + rows) of a source `extent` rows by `kExtent`
  /// bytes, bytes [k0, k0 + width) of each, in `chunk`-byte cp.async into
  /// stage `stage` of `shared` (elements of `eb` bytes); every thread of
  /// the block issues the same number. Bytes past the matrix, and chunks
  /// the source says are outside (a padding tap), are zero filled. The
  /// copies' tokens are appended to `tokens`.
  void emitCopies(IndexBuilder &ib, Value tid, Value stage, int64_t eb,
                  SmallVector<Value> &tokens, const Source &source,
                  Value shared, Value base, int64_t rows, int64_t extent,
                  int64_t kExtent, Value k0, int64_t width, int64_t chunk) {
    OpBuilder &b = ib.b;
    Location loc = ib.loc;
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
    int64_t perRow = width / chunk;
    int64_t count = rows * perRow / config.threads();
    for (int64_t i = 0; i < count; ++i) {
      Value id = ib.add(tid, i * config.threads());
      Value row = ib.div(id, perRow);
      Value col = ib.mul(ib.rem(id, perRow), chunk);
      Value gRow = ib.add(base, row), gCol = ib.add(k0, col);
      // Bytes of this chunk inside the matrix (0 or chunk: K % chunk
      // == 0); the address is clamped into the matrix either way.
      Value left = ib.min(ib.max(ib.sub(ib.c(kExtent), gCol), 0), chunk);
      Value inRows = ib.lt(gRow, extent);
      Value valid = arith::SelectOp::create(b, loc, inRows, left, ib.c(0));
      Value srcRow = ib.min(gRow, extent - 1);
      Value srcCol = ib.min(gCol, kExtent - chunk);
      Address at = source(ib, srcRow, ib.div(srcCol, eb));
      if (at.inside)
        valid = arith::SelectOp::create(b, loc, at.inside, valid, ib.c(0));
      auto copy = nvgpu::DeviceAsyncCopyOp::create(
          b, loc, tokenType, shared, ValueRange{stage, row, ib.div(col, eb)},
          at.buffer, at.indices, b.getIndexAttr(chunk / eb), ib.div(valid, eb),
          chunk == 16 ? b.getUnitAttr() : UnitAttr());
      tokens.push_back(copy.getAsyncToken());
    }
  }

  /// The ldmatrix addresses of a lane (addressA and addressBt applied).
  struct LaneAddresses {
    Value rowA, colA, rowB, colB;
  };

  /// The multi-stage K loop of both kernels over `kTiles` tiles of K, with
  /// `count` accumulator fragments of `accElem` starting at zero.
  /// `issue(kTile, stage)` starts the copies of a K tile into a stage of the
  /// shared buffers and returns their group. The first stages - 1 tiles are
  /// issued, then `at` is set to the lane's ldmatrix addresses; each
  /// iteration waits until its tile has landed (at most stages - 2 younger
  /// groups pending) and every warp is done with the stage the next copy
  /// overwrites, issues the tile stages - 1 ahead, and `step(stage, acc)`
  /// updates the accumulators from the landed stage. Nothing is left in
  /// flight into shared memory when the block exits. Returns the final
  /// accumulators.
  SmallVector<Value>
  emitPipelinedLoop(IndexBuilder &ib, int64_t kTiles, Value lane, Type accElem,
                    int64_t count, LaneAddresses &at,
                    function_ref<Value(Value, Value)> issue,
                    function_ref<void(Value, MutableArrayRef<Value>)> step) {
    OpBuilder &b = ib.b;
    Location loc = ib.loc;
    int64_t stages = config.stages;
    Value group;
    for (int64_t s = 0; s + 1 < stages; ++s)
      group = issue(ib.c(s), ib.c(s));
    auto accType = VectorType::get({2, 2}, accElem);
    Value zero = arith::ConstantOp::create(
        b, loc, accType, cast<TypedAttr>(b.getZeroAttr(accType)));
    at = {ib.apply(addressA.row, lane), ib.apply(addressA.col, lane),
          ib.apply(addressBt.row, lane), ib.apply(addressBt.col, lane)};
    SmallVector<Value> init(count, zero);
    init.push_back(group);
    auto loop =
        scf::ForOp::create(b, loc, ib.c(0), ib.c(kTiles), ib.c(1), init);
    {
      OpBuilder::InsertionGuard inner(b);
      Block *body = loop.getBody();
      if (!body->empty() && isa<scf::YieldOp>(body->back()))
        body->back().erase();
      b.setInsertionPointToEnd(body);
      Value kt = loop.getInductionVar();
      ValueRange iter = loop.getRegionIterArgs();
      nvgpu::DeviceAsyncWaitOp::create(b, loc, iter.back(),
                                       b.getI32IntegerAttr(stages - 2));
      gpu::BarrierOp::create(b, loc);
      Value next = ib.add(kt, stages - 1);
      Value nextGroup = issue(next, ib.rem(next, stages));
      SmallVector<Value> acc(iter.drop_back());
      step(ib.rem(kt, stages), acc);
      acc.push_back(nextGroup);
      scf::YieldOp::create(b, loc, acc);
    }
    nvgpu::DeviceAsyncWaitOp::create(b, loc, loop.getResults().back(),
                                     b.getI32IntegerAttr(0));
    return SmallVector<Value>(loop.getResults().drop_back());
  }

  void emitLaunch(OpBuilder &b, Location loc, Match &m, Value bt,
                  bool overwrite, qsparse::cpu::Epilogue *epilogue,
                  Nibbles *nibbles) {
    const Config &cf = config;
    MLIRContext *ctx = b.getContext();
    IndexBuilder ib{b, loc};
    auto workgroup =
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    Type i8 = b.getI8Type();
    // Tiles are laid out in bytes of K (tile-k bytes per row); a byte
    // offset along K divided by `eb` is an index of the element type.
    Type elem = m.elem;
    int64_t eb = m.elemBytes();
    MemRefType tileA = stagedTile(cf.bm, cf.bk / eb, elem);
    // With 4-bit weights the B stages hold packed bytes, decoded into one
    // int8 tile before the math.
    int64_t bWidth = nibbles ? cf.bk / 2 : cf.bk;
    MemRefType tileB = stagedTile(cf.bn, bWidth / eb, elem);
    gpu::LaunchOp launch = blockLaunch(ib, m);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    // The tiles are workgroup globals (cloned into the GPU module by the
    // outlining) so that they can carry the 128-byte alignment cp.async and
    // ldmatrix need; workgroup attributions lower to 1-aligned arrays.
    Value sa = sharedTile(b, loc, tileA), sb = sharedTile(b, loc, tileB);
    Value decoded, table;
    if (nibbles) {
      decoded =
          sharedTile(b, loc,
                     MemRefType::get({cf.bn, cf.bk}, i8,
                                     MemRefLayoutAttrInterface{}, workgroup));
      table = sharedTile(
          b, loc,
          MemRefType::get({16}, i8, MemRefLayoutAttrInterface{}, workgroup));
    }
    // (Copied out, not a structured binding: lambdas capture them.)
    BlockCoordinates block = blockCoordinates(ib, launch);
    Value tid = block.tid, m0 = block.m0, n0 = block.n0, lane = block.lane,
          warpRow = block.warpRow, warpCol = block.warpCol;

    int64_t chunk = m.chunk;
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);
    // Issues the copies of K tile `kTile` into stage `stage` of both
    // shared buffers; returns the group token.
    auto issue = [&](Value kTile, Value stage) {
      SmallVector<Value> tokens;
      Value k0 = ib.mul(kTile, cf.bk);
      auto copyRows = [&](const Source &source, Value shared, Value base,
                          int64_t rows, int64_t extent, int64_t kExtent,
                          Value k0, int64_t width, int64_t chunk) {
        emitCopies(ib, tid, stage, eb, tokens, source, shared, base, rows,
                   extent, kExtent, k0, width, chunk);
      };
      copyRows(m.aAt, sa, m0, cf.bm, m.m, m.k * eb, k0, cf.bk, chunk);
      Value bSource = nibbles ? nibbles->packed : bt;
      int64_t bExtent = nibbles ? m.k / 2 : m.k * eb;
      copyRows(rowsOf(bSource), sb, n0, cf.bn, m.n, bExtent,
               ib.mul(kTile, bWidth), bWidth,
               nibbles ? chunkFor(bExtent) : chunk);
      return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, tokens)
          .getResult();
    };

    if (nibbles) {
      // The table into shared memory (ordered before its first use by the
      // barrier at the top of the K loop).
      scf::IfOp::create(
          b, loc, ib.lt(tid, 16), [&](OpBuilder &tb, Location tl) {
            Value v = memref::LoadOp::create(tb, tl, nibbles->table, tid);
            memref::StoreOp::create(tb, tl, v, table, tid);
            scf::YieldOp::create(tb, tl);
          });
    }

    int64_t mTiles = cf.warpM() / 16, nTiles = cf.warpN() / 8;
    bool isFloat = isa<FloatType>(elem);
    LaneAddresses at;
    auto step = [&](Value stage, MutableArrayRef<Value> acc) {
      if (nibbles) {
        // Each thread expands 4 packed bytes at a time into 8 int8 values
        // through the table; a barrier publishes the decoded tile.
        int64_t steps = cf.bn * bWidth / 4 / cf.threads();
        auto bytes4 = VectorType::get({4}, i8),
             bytes8 = VectorType::get({8}, i8);
        for (int64_t i = 0; i < steps; ++i) {
          Value flat = ib.mul(ib.add(tid, i * cf.threads()), 4);
          Value row = ib.div(flat, bWidth), col = ib.rem(flat, bWidth);
          Value in = vector::LoadOp::create(
              b, loc, bytes4, sb, ValueRange{stage, row, col},
              /*nontemporal=*/false, llvm::MaybeAlign(4));
          Value out = arith::ConstantOp::create(
              b, loc, bytes8,
              DenseElementsAttr::get(bytes8, b.getI8IntegerAttr(0)));
          Value mask = arith::ConstantIntOp::create(b, loc, 15, 8);
          Value four = arith::ConstantIntOp::create(b, loc, 4, 8);
          for (int64_t j = 0; j < 4; ++j) {
            Value byte = vector::ExtractOp::create(b, loc, in, j);
            Value codes[2] = {
                arith::AndIOp::create(b, loc, byte, mask),
                arith::AndIOp::create(
                    b, loc, arith::ShRUIOp::create(b, loc, byte, four), mask)};
            for (int h = 0; h < 2; ++h) {
              Value at = arith::IndexCastUIOp::create(b, loc, b.getIndexType(),
                                                      codes[h]);
              Value v = memref::LoadOp::create(b, loc, table, at);
              out = vector::InsertOp::create(b, loc, v, out, 2 * j + h);
            }
          }
          vector::StoreOp::create(b, loc, out, decoded,
                                  ValueRange{row, ib.mul(col, 2)},
                                  /*nontemporal=*/false, llvm::MaybeAlign(8));
        }
        gpu::BarrierOp::create(b, loc);
      }
      // A: 4 registers, B: 2, of 4 bytes each.
      auto fragType = VectorType::get({4, 4 / eb}, elem);
      auto fragBType = VectorType::get({2, 4 / eb}, elem);
      for (int64_t kk = 0; kk < cf.bk / 32; ++kk) {
        SmallVector<Value> as, bs;
        for (int64_t mt = 0; mt < mTiles; ++mt)
          as.push_back(nvgpu::LdMatrixOp::create(
              b, loc, fragType, sa,
              ValueRange{stage, ib.add(ib.add(warpRow, mt * 16), at.rowA),
                         ib.div(ib.add(at.colA, kk * 32), eb)},
              /*transpose=*/false, /*numTiles=*/4));
        for (int64_t np = 0; np < nTiles / 2; ++np) {
          Value bRow = ib.add(ib.add(warpCol, np * 16), at.rowB),
                bCol = ib.div(ib.add(at.colB, kk * 32), eb);
          Value quad =
              nibbles
                  ? nvgpu::LdMatrixOp::create(b, loc, fragType, decoded,
                                              ValueRange{bRow, bCol}, false, 4)
                        .getResult()
                  : nvgpu::LdMatrixOp::create(b, loc, fragType, sb,
                                              ValueRange{stage, bRow, bCol},
                                              false, 4)
                        .getResult();
          // Registers 0, 1: the n8 tile at np * 16; 2, 3: the next one.
          // (Row by row: a 2-D strided slice does not lower to LLVM here.)
          for (int64_t half = 0; half < 2; ++half) {
            Value frag = arith::ConstantOp::create(
                b, loc, fragBType, cast<TypedAttr>(b.getZeroAttr(fragBType)));
            for (int64_t r = 0; r < 2; ++r)
              frag = vector::InsertOp::create(
                  b, loc, vector::ExtractOp::create(b, loc, quad, 2 * half + r),
                  frag, r);
            bs.push_back(frag);
          }
        }
        // f32: the operands as tf32 (3xtf32: big and small parts).
        SmallVector<Value> aSmall, bSmall;
        if (elem.isF32()) {
          bool split = f32Mode == qsparse::F32Mma::ThreeTf32;
          for (auto [frags, small] :
               {std::pair(&as, &aSmall), std::pair(&bs, &bSmall)})
            for (Value &f : *frags) {
              Value big = roundToTf32(b, loc, f);
              if (split)
                small->push_back(
                    roundToTf32(b, loc, arith::SubFOp::create(b, loc, f, big)));
              f = big;
            }
        }
        for (int64_t mt = 0; mt < mTiles; ++mt)
          for (int64_t nt = 0; nt < nTiles; ++nt) {
            Value &c = acc[mt * nTiles + nt];
            // The small products first (CUTLASS's 3xTF32 order).
            if (!aSmall.empty()) {
              c = emitMma(b, loc, aSmall[mt], bs[nt], c, m);
              c = emitMma(b, loc, as[mt], bSmall[nt], c, m);
            }
            c = emitMma(b, loc, as[mt], bs[nt], c, m);
          }
      }
    };
    SmallVector<Value> results =
        emitPipelinedLoop(ib, ceilDiv(m.k * eb, cf.bk), lane,
                          isFloat ? (Type)b.getF32Type() : (Type)b.getI32Type(),
                          mTiles * nTiles, at, issue, step);

    // Store (or add) the fragments: lane holds rows g and g + 8 of each
    // m16n8 tile, two adjacent columns each (mma::accumulator).
    Value g = ib.div(lane, 4), t2 = ib.mul(ib.rem(lane, 4), 2);
    bool maskRows = m.m % cf.bm != 0, maskCols = m.n % cf.bn != 0;
    bool pairs = m.n % 2 == 0;
    for (int64_t mt = 0; mt < mTiles; ++mt)
      for (int64_t nt = 0; nt < nTiles; ++nt) {
        Value frag = results[mt * nTiles + nt];
        for (int64_t h = 0; h < 2; ++h) {
          Value row = ib.add(ib.add(ib.add(m0, warpRow), mt * 16 + 8 * h), g);
          Value col = ib.add(ib.add(ib.add(n0, warpCol), nt * 8), t2);
          Value pair = vector::ExtractOp::create(b, loc, frag, h);
          // A narrowed accumulator: the low bits of the exact i32 sums.
          if (m.cElem.isInteger(16))
            pair = arith::TruncIOp::create(b, loc,
                                           VectorType::get({2}, m.cElem), pair);
          Value rowOk = maskRows ? ib.lt(row, m.m) : Value();
          if (pairs) {
            // N even: col even, so col < N covers both columns.
            storeC(ib, m, pair, row, col, rowOk,
                   maskCols ? ib.lt(col, m.n) : Value(), overwrite, epilogue);
            continue;
          }
          for (int64_t j = 0; j < 2; ++j) {
            Value at = ib.add(col, j);
            storeC(ib, m, vector::ExtractOp::create(b, loc, pair, j), row, at,
                   rowOk, maskCols ? ib.lt(at, m.n) : Value(), overwrite,
                   epilogue);
          }
        }
      }
    gpu::TerminatorOp::create(b, loc);

    // Swizzle both tiles so that the ldmatrix rows (and the cp.async
    // chunks) of a phase fall in distinct banks.
    SmallVector<Value> tiles = {sa, sb};
    if (decoded)
      tiles.push_back(decoded);
    for (Value tile : tiles)
      if (failed(nvgpu::optimizeSharedMemoryReadsAndWrites(launch, tile)))
        launch.emitRemark("shared-memory tile left unswizzled");
  }

  /// Stores `value` (one element, or a pair of adjacent columns) at
  /// C[row][col], added to C's old value unless `overwrite`, through the
  /// epilogue if any; only where `rowOk` and `colOk` (either may be null)
  /// hold.
  void storeC(IndexBuilder &ib, Match &m, Value value, Value row, Value col,
              Value rowOk, Value colOk, bool overwrite,
              qsparse::cpu::Epilogue *epilogue) {
    OpBuilder &b = ib.b;
    Location loc = ib.loc;
    bool pair = isa<VectorType>(value.getType());
    // A narrowed accumulator: the low bits of the exact i32 sums.
    if (m.cElem.isInteger(16) && getElementTypeOrSelf(value).isInteger(32))
      value = arith::TruncIOp::create(
          b, loc, pair ? (Type)VectorType::get({2}, m.cElem) : (Type)m.cElem,
          value);
    auto pairAlign = llvm::MaybeAlign(2 * m.cElem.getIntOrFloatBitWidth() / 8);
    auto body = [&](OpBuilder &sb, Location sl) {
      Value v = value;
      if (!overwrite) {
        Value old =
            pair ? vector::LoadOp::create(sb, sl, v.getType(), m.c,
                                          ValueRange{row, col},
                                          /*nontemporal=*/false, pairAlign)
                       .getResult()
                 : memref::LoadOp::create(sb, sl, m.c, ValueRange{row, col})
                       .getResult();
        v = isa<FloatType>(m.elem)
                ? (Value)arith::AddFOp::create(sb, sl, old, v)
                : (Value)arith::AddIOp::create(sb, sl, old, v);
      }
      if (epilogue)
        return epilogue->emitStore(sb, sl, v, row, col);
      if (pair)
        vector::StoreOp::create(sb, sl, v, m.c, ValueRange{row, col},
                                /*nontemporal=*/false, pairAlign);
      else
        memref::StoreOp::create(sb, sl, v, m.c, ValueRange{row, col});
    };
    Value ok = rowOk && colOk
                   ? arith::AndIOp::create(b, loc, rowOk, colOk).getResult()
                   : (rowOk ? rowOk : colOk);
    if (!ok)
      return body(b, loc);
    scf::IfOp::create(b, loc, ok, [&](OpBuilder &tb, Location tl) {
      body(tb, tl);
      scf::YieldOp::create(tb, tl);
    });
  }

  /// A new private constant global of bytes, 16-byte aligned.
  Value byteGlobal(OpBuilder &b, Location loc, StringRef name,
                   ArrayRef<int64_t> shape, ArrayRef<int8_t> values) {
    return rawGlobal(
        b, loc, name, shape, b.getI8Type(),
        ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                       values.size()));
  }

  /// A new private constant global of `elem` elements given as their raw
  /// (little-endian) bytes, 16-byte aligned.
  Value rawGlobal(OpBuilder &b, Location loc, StringRef name,
                  ArrayRef<int64_t> shape, Type elem, ArrayRef<char> raw) {
    auto type = MemRefType::get(shape, elem);
    OpBuilder detached(b.getContext());
    auto g = memref::GlobalOp::create(
        detached, loc, name, b.getStringAttr("private"), type,
        DenseElementsAttr::getFromRawBuffer(RankedTensorType::get(shape, elem),
                                            raw),
        /*constant=*/true, b.getI64IntegerAttr(16));
    symbols->insert(g, getOperation().getBody()->begin());
    return memref::GetGlobalOp::create(b, loc, type, g.getSymName());
  }

  /// A constant int8 B that is 2:4 sparse along K, as the sparse operand of
  /// the transposed product C^T = B^T A^T on mma.sp.m16n8k64: `values` holds
  /// B^T's kept values ([rows][kPadded / 2] bytes, 2 per chunk of 4 columns
  /// in ascending position), `metadata` the words each lane gives mma.sp
  /// ([rows / 16][kPadded / 64 * 128] bytes: per 16-row tile and 64-column
  /// step, lane l's word at bytes 4l .. 4l + 3, little-endian). `rows` and
  /// `kPadded` are N and K rounded up to tile-n and tile-k; the padding is
  /// zeros with valid metadata (positions 0 and 1).
  /// A runtime B is packed into new buffers by a kernel before each call
  /// (emitRuntimePack); `expansion` is then the loop nest that expanded it
  /// from its compressed form.
  struct Sparse {
    Value values, metadata;
    int64_t rows = 0, kPadded = 0;
    /// The cp.async sizes of the two (every thread issues the same number).
    int64_t chunkValues = 0, chunkMetadata = 0;
    linalg::GenericOp expansion;
  };

  std::optional<Sparse> packSparse(OpBuilder &b, Location loc, Match &m) {
    const Config &cf = config;
    // (f32 has no 2:4 mma.sp: tf32's is 1:2.)
    if (!sparseWeights || m.k % 4 != 0 || m.elem.isF32())
      return std::nullopt;
    int64_t eb = m.elemBytes();
    DenseElementsAttr data = qsparse::cpu::constantData(m.b);
    std::optional<Compressed> runtime;
    // A constant B's elements as raw bytes, `eb` each.
    SmallVector<char> source;
    auto nonzero = [&](int64_t at) {
      // f16: +0 and -0 are zero.
      return eb == 1 ? source[at] != 0
                     : ((uint8_t(source[2 * at]) |
                         (uint8_t(source[2 * at + 1]) & 0x7F) << 8)) != 0;
    };
    if (!data) {
      if (!(runtime = compressedB(m)))
        return std::nullopt;
    } else {
      if (data.getElementType() != m.elem)
        return std::nullopt;
      ArrayRef<char> raw = data.getRawData();
      if (data.isSplat())
        for (int64_t i = 0; i < m.k * m.n; ++i)
          source.append(raw.begin(), raw.end());
      else
        source.assign(raw.begin(), raw.end());
      for (int64_t g = 0; g < m.k / 4; ++g)
        for (int64_t n = 0; n < m.n; ++n) {
          int kept = 0;
          for (int64_t t = 0; t < 4; ++t)
            kept += nonzero((4 * g + t) * m.n + n);
          if (kept > 2)
            return std::nullopt;
        }
    }
    auto chunkOf = [&](int64_t rows, int64_t width) -> int64_t {
      for (int64_t chunk : {16, 8, 4})
        if (width % chunk == 0 && (rows * width / chunk) % cf.threads() == 0)
          return chunk;
      return 0;
    };
    Sparse sparse;
    auto dense = [&](const Twine &why) -> std::optional<Sparse> {
      m.op.emitRemark("2:4 weight left to the dense kernel: ") << why;
      return std::nullopt;
    };
    if (cf.bk % 64 != 0)
      return dense("tile-k must be a multiple of 64 (the K of mma.sp)");
    sparse.chunkValues = chunkOf(cf.bn, cf.bk / 2);
    sparse.chunkMetadata = chunkOf(cf.bn / 16, cf.bk / 64 * 128);
    if (!sparse.chunkValues || !sparse.chunkMetadata)
      return dense("the weight tiles do not split into equal copies per "
                   "thread");
    // (The three tiles need less shared memory than the dense kernel's,
    // which validate() bounds.)
    // K in elements: a tile of K and one mma.sp step (64 bytes) of it.
    int64_t tileElems = cf.bk / eb, stepElems = 64 / eb;
    int64_t np = ceilDiv(m.n, cf.bn) * cf.bn,
            kp = ceilDiv(m.k, tileElems) * tileElems;
    sparse.rows = np;
    sparse.kPadded = kp;
    if (runtime) {
      emitRuntimePack(b, loc, m, *runtime, sparse);
      return sparse;
    }
    SmallVector<char> values(np * kp / 2 * eb, 0);
    // Each row of B^T's nibbles as packMmaSp packs them: words of 8 groups
    // (32 bits, i8) or 4 groups (16 bits, f16).
    int64_t rowWords = kp / 4 / (8 / eb);
    std::vector<uint32_t> words(np * rowWords);
    for (int64_t n = 0; n < np; ++n) {
      std::vector<uint8_t> pairs;
      pairs.reserve(kp / 2);
      for (int64_t c = 0; c < kp / 4; ++c) {
        std::vector<uint8_t> pos = {0, 1};
        if (n < m.n && 4 * c < m.k) {
          uint8_t mask[4];
          for (int64_t t = 0; t < 4; ++t)
            mask[t] = nonzero((4 * c + t) * m.n + n);
          pos = qsparse::numerics::nmGroupPositions(mask, 2, 4);
          assert(pos.size() == 2 && "2:4 checked above");
          for (int64_t h = 0; h < 2; ++h)
            std::memcpy(&values[(n * kp / 2 + 2 * c + h) * eb],
                        &source[((4 * c + pos[h]) * m.n + n) * eb], eb);
        }
        pairs.insert(pairs.end(), pos.begin(), pos.end());
      }
      std::vector<uint32_t> row;
      if (eb == 1) {
        row = qsparse::numerics::packMmaSpMetadataI8(pairs);
      } else {
        std::vector<uint16_t> halves =
            qsparse::numerics::packMmaSpMetadataF16(pairs);
        row.assign(halves.begin(), halves.end());
      }
      assert(static_cast<int64_t>(row.size()) == rowWords &&
             "valid ascending pairs");
      std::copy(row.begin(), row.end(), words.begin() + n * rowWords);
    }
    // Per 16-row tile and step, the 32 lanes' registers.
    int64_t metaRow = kp / stepElems * 128;
    SmallVector<int8_t> metadata(np / 16 * metaRow);
    for (int64_t tile = 0; tile < np / 16; ++tile)
      for (int64_t step = 0; step < kp / stepElems; ++step)
        for (int lane = 0; lane < mma::kWarpSize; ++lane) {
          uint32_t word =
              mma::sparseMetadataRegister(eb, lane, [&](int row, int w) {
                return words[(16 * tile + row) * rowWords + 2 * step + w];
              });
          for (int byte = 0; byte < 4; ++byte)
            metadata[tile * metaRow + step * 128 + 4 * lane + byte] =
                static_cast<int8_t>(word >> (8 * byte));
        }
    sparse.values = rawGlobal(b, loc, "__qsparse_weight_sparse", {np, kp / 2},
                              m.elem, values);
    sparse.metadata = byteGlobal(b, loc, "__qsparse_weight_metadata",
                                 {np / 16, metaRow}, metadata);
    return sparse;
  }

  /// A runtime B that a qsparse.nm_decompress keeping at most 2 of each 4
  /// along K expanded: the loop nest --qsparse-lower-to-linalg made of it
  /// (tagged qsparse.decompressed), and its values and metadata buffers.
  /// Their slots for the group of B rows 4g .. 4g + 3 are the rows
  /// g * slots .. g * slots + slots - 1 of their [K / 4 * slots][N] views.
  struct Compressed {
    linalg::GenericOp expansion;
    Value values, metadata;
    int64_t slots = 0;
    /// The reassociation that views the compressed buffers as 2-D (none
    /// when they are).
    SmallVector<ReassociationIndices> rows;
  };

  /// The buffer that `v` reshapes (through collapse_shape and expand_shape
  /// only, which keep the row-major element order).
  static Value reshapeSource(Value v) {
    while (true) {
      if (auto collapse = v.getDefiningOp<memref::CollapseShapeOp>())
        v = collapse.getSrc();
      else if (auto expand = v.getDefiningOp<memref::ExpandShapeOp>())
        v = expand.getSrc();
      else
        return v;
    }
  }

  /// B's compressed form if B is a runtime 2:4 weight that the kernel may
  /// read in its place: B (a row-major reshape of the expanded buffer) is
  /// not written between the expansion and the contraction, nor are the
  /// compressed operands, and the N:M axis is the one K steps along (each
  /// group of 4 is 4 consecutive, aligned K rows: the dims after the axis
  /// hold the N columns).
  std::optional<Compressed> compressedB(Match &m) {
    Value base = reshapeSource(m.b);
    auto type = dyn_cast<MemRefType>(base.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getNumElements() != m.k * m.n)
      return std::nullopt;
    for (Operation *user : base.getUsers()) {
      auto generic = dyn_cast<linalg::GenericOp>(user);
      auto tag = generic ? generic->getAttrOfType<DictionaryAttr>(
                               qsparse::kDecompressedAttrName)
                         : DictionaryAttr();
      if (!tag || generic.getNumDpsInits() != 1 ||
          generic.getDpsInits()[0] != base ||
          generic->getBlock() != m.op->getBlock() ||
          !generic->isBeforeInBlock(m.op))
        continue;
      auto sparsity = tag.getAs<qsparse::NMAttr>("sparsity");
      auto axisAttr = tag.getAs<IntegerAttr>("axis");
      if (!sparsity || !axisAttr || sparsity.getM() != 4 || sparsity.getN() > 2)
        return std::nullopt;
      int64_t axis = axisAttr.getInt(), rank = type.getRank();
      ArrayRef<int64_t> shape = type.getShape();
      if (axis < 0 || axis >= rank - 1 || shape[axis] % 4 != 0 ||
          ShapedType::getNumElements(shape.drop_front(axis + 1)) != m.n)
        return std::nullopt;
      Compressed c;
      c.expansion = generic;
      c.slots = sparsity.getN();
      std::tie(c.values, c.metadata) =
          qsparse::cpu::decompressedOperands(generic);
      SmallVector<int64_t> compressed(shape);
      compressed[axis] = shape[axis] / 4 * c.slots;
      if (!c.values || !c.metadata ||
          c.values.getType() != MemRefType::get(compressed, m.elem) ||
          c.metadata.getType() !=
              MemRefType::get(compressed,
                              IntegerType::get(m.elem.getContext(), 8)) ||
          !qsparse::cpu::unwrittenBetween(generic, m.op,
                                          {c.values, c.metadata, base}))
        return std::nullopt;
      if (rank > 2) {
        c.rows.emplace_back(llvm::to_vector(llvm::seq<int64_t>(0, axis + 1)));
        c.rows.emplace_back(
            llvm::to_vector(llvm::seq<int64_t>(axis + 1, rank)));
      }
      return c;
    }
    return std::nullopt;
  }

  /// Word 0 of `pairs` (the kept positions of 8 / eb groups) as the
  /// compile-time packer packs a weight row for eb-byte elements:
  /// packMmaSpMetadataI8's 32-bit or packMmaSpMetadataF16's 16-bit words.
  static uint32_t packedMetadataWord(int64_t eb,
                                     const std::vector<uint8_t> &pairs) {
    if (eb == 1) {
      std::vector<uint32_t> words =
          qsparse::numerics::packMmaSpMetadataI8(pairs);
      return words.empty() ? ~0u : words[0];
    }
    std::vector<uint16_t> words =
        qsparse::numerics::packMmaSpMetadataF16(pairs);
    return words.empty() ? ~0u : words[0];
  }

  /// The nibble the 2:4 kernel's metadata holds for a group of 4 whose
  /// nonzero positions are the set bits of `mask` (2 at most), per nibble
  /// `mask`: the kept pair as nmGroupPositions chooses it, encoded as the
  /// compile-time packer encodes it for eb-byte elements. Masks with more
  /// bits map to 0 (never looked up).
  static uint64_t nibbleTable(int64_t eb) {
    uint64_t table = 0;
    for (unsigned mask = 0; mask < 16; ++mask) {
      uint8_t bits[4];
      for (unsigned t = 0; t < 4; ++t)
        bits[t] = (mask >> t) & 1;
      std::vector<uint8_t> pair =
          qsparse::numerics::nmGroupPositions(bits, 2, 4);
      if (pair.empty())
        continue;
      // The pair in group 0 of a word whose other groups keep 0 and 1.
      std::vector<uint8_t> pairs = pair;
      for (int64_t g = 1; g < 8 / eb; ++g)
        pairs.insert(pairs.end(), {0, 1});
      table |= uint64_t(packedMetadataWord(eb, pairs) & 15) << (4 * mask);
    }
    return table;
  }

  /// How many lanes' registers hold each packed row word: f16 gives lanes
  /// 2 and 3 of a group the words of lanes 0 and 1.
  static int64_t metadataCopies(int64_t eb) { return eb == 1 ? 1 : 2; }

  /// (row, word, copy) -> (lane, byte): where word `word` (0 or 1) of one
  /// mma.sp step's packed nibbles of weight row `row` (of a 16-row tile)
  /// sits in the metadata registers for eb-byte elements: the lane, and
  /// the first byte of the lane's register it fills (4 bytes of an i8
  /// word, 2 of an f16 one). `copy` < metadataCopies(eb). The inverse of
  /// mma::sparseMetadataRegister, checked in runOnOperation.
  static AffineMap metadataSlotMap(MLIRContext *ctx, int64_t eb) {
    AffineExpr row = getAffineDimExpr(0, ctx), word = getAffineDimExpr(1, ctx),
               copy = getAffineDimExpr(2, ctx);
    if (eb == 1)
      return AffineMap::get(3, 0,
                            {(row % 8) * 4 + word * 2 + row.floorDiv(8),
                             getAffineConstantExpr(0, ctx)},
                            ctx);
    return AffineMap::get(
        3, 0, {(row % 8) * 4 + word + copy * 2, row.floorDiv(8) * 2}, ctx);
  }

  /// Packs a runtime 2:4 B into the layout packSparse gives a constant
  /// one, on the device before each call, into new buffers. One thread per
  /// weight row (of the padded N) and packed metadata word (8 groups of 4
  /// along K for i8, 4 for f16), consecutive threads on consecutive rows.
  /// Each group of 4 is expanded in registers as qsparse.nm_decompress
  /// defines it (a slot whose position is not in [0, 4) adds nothing; of
  /// two slots with one position the later wins); its nonzero mask (f16:
  /// neither +0 nor -0) picks the kept pair's nibble from nibbleTable(),
  /// which selects the two values. Padding gets zeros and positions 0 and
  /// 1. The expanded B is not read.
  void emitRuntimePack(OpBuilder &b, Location loc, Match &m,
                       const Compressed &cw, Sparse &sparse) {
    IndexBuilder ib{b, loc};
    Type i8 = b.getI8Type(), i32 = b.getI32Type(), i64 = b.getI64Type();
    int64_t eb = m.elemBytes(), groupsPerWord = 8 / eb;
    int64_t np = sparse.rows, kp = sparse.kPadded,
            words = kp / 4 / groupsPerWord;
    int64_t groups = m.k / 4, total = np * words;
    sparse.expansion = cw.expansion;
    sparse.values = memref::AllocOp::create(
        b, loc, MemRefType::get({np, kp / 2}, m.elem), b.getI64IntegerAttr(16));
    sparse.metadata = memref::AllocOp::create(
        b, loc, MemRefType::get({np / 16, kp * eb / 64 * 128}, i8),
        b.getI64IntegerAttr(16));
    auto rowsView = [&](Value v) -> Value {
      if (cw.rows.empty())
        return v;
      return memref::CollapseShapeOp::create(b, loc, v, cw.rows);
    };
    Value values = rowsView(cw.values), metadata = rowsView(cw.metadata);
    constexpr int64_t kThreads = 128;
    Value one = ib.c(1);
    auto launch = gpu::LaunchOp::create(b, loc, ib.c(ceilDiv(total, kThreads)),
                                        one, one, ib.c(kThreads), one, one);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value t = ib.add(ib.mul(launch.getBlockIds().x, kThreads),
                     launch.getThreadIds().x);
    auto body = scf::IfOp::create(b, loc, ib.lt(t, total), false);
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPoint(body.thenBlock()->getTerminator());
    auto intc = [&](Type type, int64_t v) {
      return arith::ConstantIntOp::create(b, loc, type, v).getResult();
    };
    auto eq = [&](Value x, Value y) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y)
          .getResult();
    };
    auto select = [&](Value c, Value x, Value y) {
      return arith::SelectOp::create(b, loc, c, x, y).getResult();
    };
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(m.elem));
    auto isNonzero = [&](Value v) -> Value {
      if (isa<FloatType>(m.elem))
        return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                     zero);
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
    };
    Value n = ib.rem(t, np), w = ib.div(t, np);
    // Padding rows and groups read row / group 0's slots, then zero them.
    Value nIn = ib.lt(n, m.n);
    Value nAt = select(nIn, n, ib.c(0));
    Value table = intc(i64, static_cast<int64_t>(nibbleTable(eb)));
    Value word = intc(i32, 0);
    for (int64_t c = 0; c < groupsPerWord; ++c) {
      Value g = ib.add(ib.mul(w, groupsPerWord), c);
      Value in = arith::AndIOp::create(b, loc, nIn, ib.lt(g, groups));
      Value gAt = select(in, g, ib.c(0));
      SmallVector<Value> dense(4, zero);
      for (int64_t r = 0; r < cw.slots; ++r) {
        Value row = ib.add(ib.mul(gAt, cw.slots), r);
        Value v = memref::LoadOp::create(b, loc, values, ValueRange{row, nAt});
        Value p =
            memref::LoadOp::create(b, loc, metadata, ValueRange{row, nAt});
        for (int64_t pos = 0; pos < 4; ++pos)
          dense[pos] = select(eq(p, intc(i8, pos)), v, dense[pos]);
      }
      Value mask = intc(i64, 0);
      for (int64_t pos = 0; pos < 4; ++pos) {
        dense[pos] = select(in, dense[pos], zero);
        Value bit = arith::ExtUIOp::create(b, loc, i64, isNonzero(dense[pos]));
        mask = arith::OrIOp::create(
            b, loc, mask, arith::ShLIOp::create(b, loc, bit, intc(i64, pos)));
      }
      Value nibble = arith::TruncIOp::create(
          b, loc, i32,
          arith::AndIOp::create(
              b, loc,
              arith::ShRUIOp::create(
                  b, loc, table,
                  arith::MulIOp::create(b, loc, mask, intc(i64, 4))),
              intc(i64, 15)));
      for (int64_t h = 0; h < 2; ++h) {
        Value p = arith::AndIOp::create(
            b, loc, arith::ShRUIOp::create(b, loc, nibble, intc(i32, 2 * h)),
            intc(i32, 3));
        Value kept = dense[3];
        for (int64_t pos = 2; pos >= 0; --pos)
          kept = select(eq(p, intc(i32, pos)), dense[pos], kept);
        memref::StoreOp::create(b, loc, kept, sparse.values,
                                ValueRange{n, ib.add(ib.mul(g, 2), h)});
      }
      word = arith::OrIOp::create(
          b, loc, word,
          arith::ShLIOp::create(b, loc, nibble, intc(i32, 4 * c)));
    }
    // Word w of row n is word w % 2 of step w / 2; its bytes go to each
    // lane register metadataSlotMap names.
    AffineMap slots = metadataSlotMap(b.getContext(), eb);
    Value row = ib.rem(n, 16), half = ib.rem(w, 2);
    for (int64_t copy = 0; copy < metadataCopies(eb); ++copy) {
      SmallVector<Value> at;
      for (unsigned r = 0; r < 2; ++r)
        at.push_back(affine::AffineApplyOp::create(
            b, loc, slots.getSubMap({r}), ValueRange{row, half, ib.c(copy)}));
      Value first =
          ib.add(ib.add(ib.mul(ib.div(w, 2), 128), ib.mul(at[0], 4)), at[1]);
      for (int64_t byte = 0; byte < 4 / eb; ++byte)
        memref::StoreOp::create(
            b, loc,
            arith::TruncIOp::create(
                b, loc, i8,
                arith::ShRUIOp::create(b, loc, word, intc(i32, 8 * byte))),
            sparse.metadata, ValueRange{ib.div(n, 16), ib.add(first, byte)});
    }
  }

  /// The 2:4 kernel: C^T = B^T A^T with B^T (the weight, compressed) as the
  /// sparse mma.sp operand and the activation rows as the dense one. A
  /// block owns tile-n columns of C (weight rows) by tile-m rows of C
  /// (activation rows); its three shared buffers (activations tile-k bytes
  /// wide, weight values tile-k / 2, metadata tile-k / 8) are filled by
  /// cp.async as in emitLaunch. Per 64 columns of K each warp loads per
  /// m16 tile of weights one ldmatrix.x4 of values and one metadata word,
  /// per pair of n8 activation tiles two ldmatrix.x4, and issues one
  /// mma.sp per (m16, n8) pair. The accumulators hold C^T, so each lane
  /// stores single elements.
  void emitSparseLaunch(OpBuilder &b, Location loc, Match &m,
                        const Sparse &sparse, bool overwrite,
                        qsparse::cpu::Epilogue *epilogue) {
    const Config &cf = config;
    MLIRContext *ctx = b.getContext();
    IndexBuilder ib{b, loc};
    Type i8 = b.getI8Type(), elem = m.elem;
    // Tiles are laid out in bytes of K as in emitLaunch; a byte offset along
    // K divided by `eb` is an index of the element type.
    int64_t eb = m.elemBytes();
    int64_t metaWidth = cf.bk / 64 * 128;
    gpu::LaunchOp launch = blockLaunch(ib, m);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value sx = sharedTile(b, loc, stagedTile(cf.bm, cf.bk / eb, elem));
    Value sw = sharedTile(b, loc, stagedTile(cf.bn, cf.bk / 2 / eb, elem));
    Value se = sharedTile(b, loc, stagedTile(cf.bn / 16, metaWidth, i8));
    // (Copied out, not a structured binding: lambdas capture them.)
    BlockCoordinates block = blockCoordinates(ib, launch);
    Value tid = block.tid, m0 = block.m0, n0 = block.n0, warp = block.warp,
          lane = block.lane, warpRow = block.warpRow, warpCol = block.warpCol;
    Value warpTile = ib.mul(ib.rem(warp, cf.warpsN), cf.warpN() / 16);

    auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);
    auto issue = [&](Value kTile, Value stage) {
      SmallVector<Value> tokens;
      emitCopies(ib, tid, stage, eb, tokens, m.aAt, sx, m0, cf.bm, m.m,
                 m.k * eb, ib.mul(kTile, cf.bk), cf.bk, m.chunk);
      emitCopies(ib, tid, stage, eb, tokens, rowsOf(sparse.values), sw, n0,
                 cf.bn, sparse.rows, sparse.kPadded / 2 * eb,
                 ib.mul(kTile, cf.bk / 2), cf.bk / 2, sparse.chunkValues);
      emitCopies(ib, tid, stage, 1, tokens, rowsOf(sparse.metadata), se,
                 ib.div(n0, 16), cf.bn / 16, sparse.rows / 16,
                 sparse.kPadded * eb / 64 * 128, ib.mul(kTile, metaWidth),
                 metaWidth, sparse.chunkMetadata);
      return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, tokens)
          .getResult();
    };
    // Weight (mma M) tiles of 16 and activation (mma N) tiles of 8 per
    // warp.
    int64_t wTiles = cf.warpN() / 16, xTiles = cf.warpM() / 8;
    LaneAddresses at;
    auto step = [&](Value stage, MutableArrayRef<Value> acc) {
      auto quadType = VectorType::get({4, 4 / eb}, elem);
      Value metaOffset = ib.mul(lane, 4);
      for (int64_t kk = 0; kk < cf.bk / 64; ++kk) {
        SmallVector<Value> as, es, bs;
        for (int64_t mt = 0; mt < wTiles; ++mt) {
          as.push_back(nvgpu::LdMatrixOp::create(
              b, loc, quadType, sw,
              ValueRange{stage, ib.add(ib.add(warpCol, mt * 16), at.rowA),
                         ib.div(ib.add(at.colA, kk * 32), eb)},
              /*transpose=*/false, /*numTiles=*/4));
          Value bytes = vector::LoadOp::create(
              b, loc, VectorType::get({4}, i8), se,
              ValueRange{stage, ib.add(warpTile, mt),
                         ib.add(metaOffset, kk * 128)},
              /*nontemporal=*/false, llvm::MaybeAlign(4));
          es.push_back(vector::BitCastOp::create(
              b, loc, VectorType::get({2}, b.getI16Type()), bytes));
        }
        for (int64_t np = 0; np < xTiles / 2; ++np) {
          Value bRow = ib.add(ib.add(warpRow, np * 16), at.rowB);
          // K bytes 0..31 and 32..63 of the step: registers 0, 1 of each
          // are the first n8 tile's k 0..31 / 32..63, registers 2, 3 the
          // second's (mma::i8SparseB, checked in runOnOperation).
          Value halves[2];
          for (int64_t h = 0; h < 2; ++h)
            halves[h] = nvgpu::LdMatrixOp::create(
                b, loc, quadType, sx,
                ValueRange{stage, bRow,
                           ib.div(ib.add(at.colB, kk * 64 + 32 * h), eb)},
                false, 4);
          for (int64_t nt = 0; nt < 2; ++nt) {
            Value frag = arith::ConstantOp::create(
                b, loc, quadType, cast<TypedAttr>(b.getZeroAttr(quadType)));
            for (int64_t r = 0; r < 4; ++r)
              frag = vector::InsertOp::create(
                  b, loc,
                  vector::ExtractOp::create(b, loc, halves[r / 2],
                                            2 * nt + r % 2),
                  frag, r);
            bs.push_back(frag);
          }
        }
        for (int64_t mt = 0; mt < wTiles; ++mt)
          for (int64_t nt = 0; nt < xTiles; ++nt) {
            Value &c = acc[mt * xTiles + nt];
            c = emitSparseMma(b, loc, as[mt], bs[nt], c, es[mt], m);
          }
      }
    };
    SmallVector<Value> results =
        emitPipelinedLoop(ib, ceilDiv(m.k * eb, cf.bk), lane,
                          eb == 1 ? Type(b.getI32Type()) : Type(b.getF32Type()),
                          wTiles * xTiles, at, issue, step);

    // Element i of a fragment is C^T[g + 8 * (i / 2)][t2 + i % 2]
    // (mma::accumulator): C[row t2 + i % 2][column g + 8 * (i / 2)].
    Value g = ib.div(lane, 4), t2 = ib.mul(ib.rem(lane, 4), 2);
    bool maskRows = m.m % cf.bm != 0, maskCols = m.n % cf.bn != 0;
    for (int64_t mt = 0; mt < wTiles; ++mt)
      for (int64_t nt = 0; nt < xTiles; ++nt) {
        Value frag = results[mt * xTiles + nt];
        for (int64_t i = 0; i < 4; ++i) {
          Value col =
              ib.add(ib.add(n0, warpCol), ib.add(g, mt * 16 + 8 * (i / 2)));
          Value row = ib.add(ib.add(m0, warpRow), ib.add(t2, nt * 8 + i % 2));
          Value v = vector::ExtractOp::create(b, loc, frag,
                                              ArrayRef<int64_t>{i / 2, i % 2});
          storeC(ib, m, v, row, col, maskRows ? ib.lt(row, m.m) : Value(),
                 maskCols ? ib.lt(col, m.n) : Value(), overwrite, epilogue);
        }
      }
    gpu::TerminatorOp::create(b, loc);
    for (Value t : {sx, sw})
      if (failed(nvgpu::optimizeSharedMemoryReadsAndWrites(launch, t)))
        launch.emitRemark("shared-memory tile left unswizzled");
  }

  /// One mma.sp.m16n8k64: nvgpu.mma.sp.sync for s8 x s8; for unsigned
  /// operands (u8 activations or weights) the PTX instruction as inline
  /// assembly with the u8 types, since nvgpu's lowering knows only s8.
  Value emitSparseMma(OpBuilder &b, Location loc, Value a, Value bv, Value c,
                      Value meta, Match &m) {
    if (m.elem.isF16())
      return nvgpu::MmaSparseSyncOp::create(b, loc, a, bv, c, meta,
                                            ArrayRef<int64_t>{16, 8, 32});
    if (!m.aUnsigned && !m.bUnsigned)
      return nvgpu::MmaSparseSyncOp::create(b, loc, a, bv, c, meta,
                                            ArrayRef<int64_t>{16, 8, 64});
    SmallVector<Value> operands = fragmentWords(b, loc, a, 4);
    llvm::append_range(operands, fragmentWords(b, loc, bv, 4));
    llvm::append_range(operands, accumulatorElements(b, loc, c));
    operands.push_back(wordOf(b, loc, meta));
    // The weight is the A operand, the activations B.
    std::string text = llvm::formatv(
        "mma.sp.sync.aligned.m16n8k64.row.col.satfinite.s32.{0}.{1}.s32 "
        "{{$0,$1,$2,$3},{{$4,$5,$6,$7},{{$8,$9,$10,$11},{{$12,$13,$14,$15},"
        "$16,0x0;",
        m.bUnsigned ? "u8" : "s8", m.aUnsigned ? "u8" : "s8");
    std::string constraints = "=r,=r,=r,=r";
    for (int i = 0; i < 13; ++i)
      constraints += ",r";
    auto asmOp = LLVM::InlineAsmOp::create(
        b, loc, accumulatorStruct(b.getContext()), operands, text, constraints,
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::tailcallkind::TailCallKind::None,
        LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
        ArrayAttr());
    return accumulatorFromStruct(b, loc, asmOp.getRes(), c.getType());
  }

  /// The type of `stages` shared-memory tiles of rows x width `type`.
  MemRefType stagedTile(int64_t rows, int64_t width, Type type) {
    return MemRefType::get(
        {config.stages, rows, width}, type, MemRefLayoutAttrInterface{},
        gpu::AddressSpaceAttr::get(type.getContext(),
                                   gpu::AddressSpace::Workgroup));
  }

  /// The launch of a tensor-core kernel: one block per tile-n columns
  /// (grid x) and tile-m rows (grid y) of C.
  gpu::LaunchOp blockLaunch(IndexBuilder &ib, Match &m) {
    Value one = ib.c(1);
    return gpu::LaunchOp::create(ib.b, ib.loc, ib.c(ceilDiv(m.n, config.bn)),
                                 ib.c(ceilDiv(m.m, config.bm)), one,
                                 ib.c(config.threads()), one, one);
  }

  /// Where a thread of a blockLaunch works: its thread id, the first row
  /// (m0) and column (n0) of C of its block, its warp and lane, and the
  /// first row and column of its warp's tile within the block tile.
  struct BlockCoordinates {
    Value tid, m0, n0, warp, lane, warpRow, warpCol;
  };
  BlockCoordinates blockCoordinates(IndexBuilder &ib, gpu::LaunchOp launch) {
    const Config &cf = config;
    BlockCoordinates at;
    at.tid = launch.getThreadIds().x;
    at.m0 = ib.mul(launch.getBlockIds().y, cf.bm);
    at.n0 = ib.mul(launch.getBlockIds().x, cf.bn);
    at.warp = ib.div(at.tid, 32);
    at.lane = ib.rem(at.tid, 32);
    at.warpRow = ib.mul(ib.div(at.warp, cf.warpsN), cf.warpM());
    at.warpCol = ib.mul(ib.rem(at.warp, cf.warpsN), cf.warpN());
    return at;
  }

  /// A new 128-byte aligned workgroup global of `type`, read inside the
  /// launch.
  Value sharedTile(OpBuilder &b, Location loc, MemRefType type) {
    OpBuilder detached(b.getContext());
    auto global = memref::GlobalOp::create(
        detached, loc, "__qsparse_smem", b.getStringAttr("private"), type,
        /*initialValue=*/UnitAttr::get(b.getContext()), /*constant=*/false,
        b.getI64IntegerAttr(128));
    symbols->insert(global, getOperation().getBody()->begin());
    return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
  }

  /// A fragment of f32 registers rounded to tf32 (cvt.rna.tf32.f32: the
  /// nearest, ties away from zero; the low 13 bits zero), as f32.
  static Value roundToTf32(OpBuilder &b, Location loc, Value fragment) {
    auto type = cast<VectorType>(fragment.getType());
    Value out = arith::ConstantOp::create(b, loc, type,
                                          cast<TypedAttr>(b.getZeroAttr(type)));
    for (int64_t r = 0; r < type.getDimSize(0); ++r) {
      Value x =
          vector::ExtractOp::create(b, loc, fragment, ArrayRef<int64_t>{r, 0});
      auto cvt = NVVM::ConvertFloatToTF32Op::create(b, loc, b.getI32Type(), x);
      cvt.setRnd(NVVM::FPRoundingMode::RNA);
      Value rounded =
          arith::BitcastOp::create(b, loc, b.getF32Type(), cvt.getRes());
      out = vector::InsertOp::create(b, loc, rounded, out,
                                     ArrayRef<int64_t>{r, 0});
    }
    return out;
  }

  /// One mma: nvgpu.mma.sync m16n8k16 for f16, m16n8k8 tf32 for f32 (the
  /// operands rounded to tf32), m16n8k32 for s8 x s8; nvvm.mma.sync with the
  /// u8 PTX type on the zero-extended operands otherwise.
  Value emitMma(OpBuilder &b, Location loc, Value a, Value bv, Value c,
                Match &m) {
    if (m.elem.isF32())
      return nvgpu::MmaSyncOp::create(b, loc, a, bv, c,
                                      ArrayRef<int64_t>{16, 8, 8},
                                      /*tf32Enabled=*/true);
    if (m.elem.isF16())
      return nvgpu::MmaSyncOp::create(b, loc, a, bv, c,
                                      ArrayRef<int64_t>{16, 8, 16});
    if (!m.aUnsigned && !m.bUnsigned)
      return nvgpu::MmaSyncOp::create(b, loc, a, bv, c,
                                      ArrayRef<int64_t>{16, 8, 32});
    SmallVector<Value> aw = fragmentWords(b, loc, a, 4),
                       bw = fragmentWords(b, loc, bv, 2),
                       cw = accumulatorElements(b, loc, c);
    auto type = [](bool u) {
      return u ? NVVM::MMATypes::u8 : NVVM::MMATypes::s8;
    };
    Value d = NVVM::MmaOp::create(
        b, loc, accumulatorStruct(b.getContext()), aw, bw, cw,
        ArrayRef<int64_t>{16, 8, 32}, std::nullopt,
        NVVM::MMAIntOverflow::satfinite,
        std::array<NVVM::MMATypes, 2>{type(m.aUnsigned), type(m.bUnsigned)},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    return accumulatorFromStruct(b, loc, d, c.getType());
  }
};

} // namespace

std::optional<qsparse::F32Mma> qsparse::parseF32Mma(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<F32Mma>>(name)
      .Case("3xtf32", F32Mma::ThreeTf32)
      .Case("tf32", F32Mma::Tf32)
      .Case("off", F32Mma::Off)
      .Default(std::nullopt);
}

std::string qsparse::unknownF32Mma(llvm::StringRef name) {
  return ("unknown f32-mma '" + name + "' (expected 3xtf32, tf32 or off)")
      .str();
}

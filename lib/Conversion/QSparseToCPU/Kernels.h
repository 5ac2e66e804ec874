//===- Kernels.h - shared pieces of the CPU micro-kernels -------*- C++ -*-===//

#ifndef QSPARSE_LIB_CONVERSION_QSPARSETOCPU_KERNELS_H
#define QSPARSE_LIB_CONVERSION_QSPARSETOCPU_KERNELS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include <functional>

namespace qsparse::cpu {

class Epilogue;

/// The index constant `v`.
inline mlir::Value idx(mlir::OpBuilder &b, mlir::Location loc, int64_t v) {
  return mlir::arith::ConstantIndexOp::create(b, loc, v);
}

/// F16: f16 x f16 -> f32 (only the GPU kernels take it).
enum class KernelKind { F32, I8, I8VNNI, F16 };

/// The body `out + a * b` (any operand order), with integer extensions of a
/// and b: f32 x f32 -> f32 or i8 x i8 -> i32 (recording which extensions
/// are unsigned). With `narrowAcc`, also i8 x i8 -> i16: a narrowed
/// accumulator, which wraps in two's complement, so kernels may sum in i32
/// and truncate (see convertAcc). With `half`, also f16 x f16 -> f32 with
/// the operands extended (`arith.extf`) before the multiply (KernelKind::F16).
bool matchMacBody(mlir::Block *body, mlir::Type aElem, mlir::Type bElem,
                  mlir::Type cElem, KernelKind &kind, bool &aUnsigned,
                  bool &bUnsigned, bool narrowAcc = false, bool half = false);

/// matchMacBody on `op`'s body with the element types of the buffers a, b
/// and c.
bool matchMacBodyOf(mlir::linalg::LinalgOp op, mlir::Value a, mlir::Value b,
                    mlir::Value c, KernelKind &kind, bool &aUnsigned,
                    bool &bUnsigned, bool narrowAcc = false, bool half = false);

/// The register accumulator element for results stored as `stored`: f32
/// for f32, i32 for any integer (a narrower integer result is summed in
/// i32 and truncated when stored).
mlir::Type accElementFor(mlir::Type stored);

/// `v` (a scalar or vector of f32 or integers) with element type `elem`:
/// integers sign-extended or truncated, anything else unchanged. Summing a
/// wrapping i16 accumulator in i32 and truncating gives the same bits as
/// summing in i16, since 2^16 divides 2^32.
mlir::Value convertAcc(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type elem);

/// The operands of a matmul-shaped contraction on buffers, C[M][N] +=
/// A[M][K] * B[K][N]: a 3-loop linalg op with the maps (m, k), (k, n) ->
/// (m, n), iterators (parallel, parallel, reduction) and statically shaped
/// identity-layout 2-D operands. The body is not checked.
struct MatmulOperands {
  mlir::Value a, b, c;
  int64_t m, n, k;
};
std::optional<MatmulOperands> matchMatmulOperands(mlir::linalg::LinalgOp op);

/// A convolution on buffers, NHWC input (already padded) x HWCF filter ->
/// NHWF output: the implicit GEMM with M = N*OH*OW pixels, N = F filters
/// and K = KH*KW*C, whose A rows are read straight from the image.
struct ConvMatch {
  mlir::linalg::LinalgOp op;
  mlir::Value input, filter, output;
  /// The buffer the op accumulates into (output, or the implicit GEMM's
  /// [N][P][F] buffer), where a fused epilogue is looked for.
  mlir::Value accBuffer;
  int64_t batch, oh, ow, f, kh, kw, c;
  int64_t strideH, strideW, dilH, dilW;
  KernelKind kind = KernelKind::F32;
  bool aUnsigned = false, bUnsigned = false;
  /// The rows and columns of the (padded) image known to hold zeros whose
  /// products add nothing, [top, left, bottom, right]: its
  /// `qsparse.zero_border` attribute.
  std::optional<std::array<int64_t, 4>> border;
};

/// A direct NHWC/HWCF convolution on buffers, or the implicit GEMM that
/// --qsparse-implicit-im2col made of one (recognized by rebuilding its maps
/// from the geometry and its `qsparse.implicit_gemm` strides and dilations).
/// Creates expand_shape views before `op` so that the filter is HWCF and
/// the output NHWF.
/// With `narrowAcc`, i16 outputs are matched too, with `half` f16 x f16 ->
/// f32 (see matchMacBody).
std::optional<ConvMatch> matchConv(mlir::linalg::LinalgOp op,
                                   bool narrowAcc = false, bool half = false);

/// The data of a buffer that is a constant global (or a row-major
/// collapse/expand of one: the same elements in the same order), else null.
mlir::DenseElementsAttr constantData(mlir::Value v);

/// for iv in [0, upper) step `step`: an scf.parallel when `parallel` (the
/// iterations must write disjoint memory), else an scf.for.
void emitLoop(
    mlir::OpBuilder &b, mlir::Location loc, int64_t upper, int64_t step,
    bool parallel,
    llvm::function_ref<void(mlir::OpBuilder &, mlir::Location, mlir::Value)>
        body);

/// The `count` (4 or 8) bytes of `buffer` at `at`, repeated across a
/// 64-byte vector (one VNNI operand of A). With `loaded` < `count`, only
/// that many bytes are read and the rest of each group is zero.
mlir::Value broadcastBytes(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value buffer, mlir::ValueRange at,
                           int64_t count, int64_t loaded = 0);

/// acc + the 4-byte dot products of u8 `a` and s8 `b` (64 bytes each) per
/// i32 lane: AVX-512 VNNI `vpdpbusd`.
mlir::Value emitVpdpbusd(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value acc, mlir::Value a, mlir::Value bytes);

/// vpermb (AVX-512 VBMI): byte i of the result is byte indices[i] % 64 of
/// `table` (64 bytes each).
mlir::Value emitVpermb(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value table, mlir::Value indices);

/// Clones the ops of a linalg body of scalar arith and math ops (its block
/// arguments already mapped in `map`) and returns the values it yields.
/// With `lanes` > 0 every op works on vectors of that many lanes instead:
/// constants and values from above become splats, and so do yielded values
/// that do not depend on the arguments.
llvm::SmallVector<mlir::Value>
cloneWidened(mlir::OpBuilder &b, mlir::Location loc, mlir::Block *body,
             mlir::IRMapping &map, int64_t lanes);

/// Whether `body` (of a linalg op) is scalar arith and math ops only, on
/// integers and floats: what cloneWidened can widen to vectors.
bool isWidenableBody(mlir::Block *body);

/// Rewrites a linalg op on static buffers whose loops are all parallel and
/// whose body is scalar arith and math (isWidenableBody), such as the
/// elementwise ops no contraction took as its epilogue, a quantization, a
/// linalg.fill or a transpose, into loops with one loop dimension in
/// `bits / 32`-lane vectors: the output's innermost one, else an input's.
/// Operands that run along it with unit stride are read and written as
/// vectors, others element by element, and operands that do not depend on
/// it are splats. The positions past the last full vector stay in the
/// original op on subviews. With threads > 1 the outermost loop is an
/// scf.parallel. False (nothing changed) for any other op.
bool rewriteElementwise(mlir::linalg::LinalgOp op, unsigned bits,
                        unsigned threads);

/// Replaces a static `memref.copy` between strided buffers (such as a
/// padded image's interior) with loops over its outer dimensions that move
/// the innermost contiguous run (the dimensions both sides store
/// contiguously, collapsed) in `bits`-wide vectors. False (nothing changed)
/// when the innermost dimension of either side is not unit-stride.
bool rewriteStridedCopy(mlir::memref::CopyOp copy, unsigned bits);

/// Replaces a `linalg.map` that writes one value defined outside it to every
/// element of a static identity-layout buffer (a padded image's fill) with
/// `bits`-wide vector stores over the flattened buffer. False (nothing
/// changed) for any other op.
bool rewriteSplatMap(mlir::linalg::MapOp map, unsigned bits);

/// Rewrites a depthwise NHWC convolution on buffers (input [N][H][W][C],
/// filter [KH][KW][C], output [N][OH][OW][C], any strides and dilations)
/// into vector loops over channels, `bits` wide, with blocks of output
/// pixels sharing each filter vector; the channels past the last full
/// vector stay in the original op on subviews. With threads > 1 the output
/// rows are an scf.parallel. A fused epilogue (Epilogue::match on the
/// output) is applied to the accumulator vectors before they are stored.
/// Narrowed i16 accumulators are summed in i16 vectors (the same wrapping
/// arithmetic, twice the lanes of i32).
/// False (nothing changed) when `op` is not such a convolution.
/// With `vnni` (AVX-512 VNNI and VBMI, 512-bit vectors), an i8 x i8 -> i32
/// depthwise convolution with a constant signed filter takes its taps four
/// at a time: `vpermb` interleaves four taps' 16 channels into the 4-byte
/// lanes of `vpdpbusd`, against the filter packed at compile time
/// ([ceil(KH*KW/4)][C*4]: byte 4c + j of group g is tap 4g + j of channel
/// c, zero past the last tap) by `vnni->constant`. A signed input is read
/// as u8 (x xor 0x80 = x + 128) and 128 * the channel's filter sum is
/// subtracted from the start value.
struct DepthwiseVnni {
  /// A constant buffer of `type` with `make()`'s data, made once per
  /// `source`, type and `layout` name (a compile-time global).
  std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::MemRefType,
                            mlir::DenseElementsAttr source,
                            llvm::StringRef layout,
                            llvm::function_ref<mlir::DenseElementsAttr()> make)>
      constant;
};
bool rewriteDepthwise(mlir::linalg::LinalgOp op, unsigned bits,
                      unsigned threads, const DepthwiseVnni *vnni = nullptr);

/// Rewrites a window reduction on NHWC buffers (max, min or sum pooling: a
/// generic over (n, oh, ow, c, kh, kw) reading input [N][H][W][C], any
/// strides and dilations, and folding each element into output
/// [N][OH][OW][C] with one binary op) into vector loops over channels,
/// `bits` wide, with blocks of output pixels kept in registers across the
/// window. Every lane folds the same elements in the same order as the
/// loops. The channels past the last full vector stay in the original op
/// on subviews. With threads > 1 the output rows are an scf.parallel.
/// False (nothing changed) when `op` is not such a reduction.
bool rewritePooling(mlir::linalg::LinalgOp op, unsigned bits, unsigned threads);

/// Whether `op` is the loop nest of a direct NHWC kernel on buffers: two
/// inputs and one output, loops (n, oh, ow, c, kh, kw) with the last two
/// reductions, and the output read and written at (n, oh, ow, c).
bool isWindowNest(mlir::linalg::LinalgOp op);

/// The window of a direct NHWC kernel (depthwise, pooling) over loops
/// (n, oh, ow, c, kh, kw).
struct Window {
  int64_t kh = 0, kw = 0, strideH = 1, strideW = 1, dilH = 1, dilW = 1;
  /// Reads strides and dilations from an input map (n, oh * sh + kh * dh,
  /// ow * sw + kw * dw, c); false when `in` is not of that form.
  bool matchInput(mlir::AffineMap in);
};

/// The window loops of a direct NHWC kernel for output pixels (n, oh,
/// cols[p]) and channels from c0: accumulators start at `init`, and for
/// each tap (kh, kw), in order, `tap` updates them given each pixel's
/// input indices (n, oh * sh + kh * dh, cols[p] * sw + kw * dw, c0).
/// Returns the final accumulators.
llvm::SmallVector<mlir::Value> emitWindowTaps(
    mlir::OpBuilder &b, mlir::Location loc, const Window &window, mlir::Value n,
    mlir::Value oh, llvm::ArrayRef<mlir::Value> cols, mlir::Value c0,
    mlir::ValueRange init,
    llvm::function_ref<
        void(mlir::OpBuilder &, mlir::Location, mlir::Value kh, mlir::Value kw,
             llvm::ArrayRef<llvm::SmallVector<mlir::Value, 4>> at,
             llvm::SmallVectorImpl<mlir::Value> &accs)>
        tap);

/// The loops of the direct NHWC kernels (depthwise, pooling): for n, oh
/// (an scf.parallel with threads > 1), channel vectors c0 in [0, cFull)
/// step `lanes`, and blocks of `block` output columns (the last one
/// shorter), `body(n, oh, ow0, c0, pixels)`.
void emitPixelBlocks(
    mlir::OpBuilder &b, mlir::Location loc, int64_t n, int64_t oh, int64_t ow,
    int64_t cFull, int64_t lanes, int64_t block, unsigned threads,
    llvm::function_ref<void(mlir::OpBuilder &, mlir::Location, mlir::Value n,
                            mlir::Value oh, mlir::Value ow0, mlir::Value c0,
                            int64_t pixels)>
        body);

/// The linalg.fill of `op`'s output right before it (only memory-effect
/// free ops in between), or null: the kernels then start their accumulators
/// from the fill value instead of loading the filled buffer.
mlir::linalg::FillOp precedingFill(mlir::linalg::LinalgOp op);

/// When `op`'s output was filled right before (precedingFill) with a value
/// of `type`'s element type, sets `fill` and returns that value splat to
/// `type` (the accumulators' start); else null `fill` and value.
mlir::Value fillStart(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::linalg::LinalgOp op, mlir::VectorType type,
                      mlir::linalg::FillOp &fill);

/// After a kernel has written positions [0, nFull) of the last dimension of
/// the filled output itself, the fill is only needed for the positions left
/// to other code: it is narrowed to them (or erased).
void narrowFill(mlir::linalg::FillOp fill, int64_t nFull);

/// The subview of `v` (static shape) whose last dimension starts at `c0`:
/// the channels a direct kernel's vectors leave to the original op.
mlir::Value channelTail(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                        int64_t c0);

/// The buffer a view (subview, reshape, cast, ...) is of.
mlir::Value baseBuffer(mlir::Value v);

/// A new buffer (64-byte aligned) of `shape` filled with `fill`, with `v`
/// copied into the window of its own shape at `offsets` (a linalg.fill and
/// a memref.copy). The caller frees it.
mlir::Value filledCopy(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       llvm::ArrayRef<int64_t> shape, mlir::TypedAttr fill,
                       llvm::ArrayRef<int64_t> offsets);

/// `v` with dimension `dim` widened to `size` (>= its extent), the new
/// positions zero. A constant `v` (constantData) is widened at compile
/// time into a new private constant global inserted in `symbols`, read
/// with memref.get_global. Otherwise it is the filledCopy of `v` into a
/// zero buffer at offset 0, which the caller frees (see isAllocation).
mlir::Value zeroWidened(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                        int64_t dim, int64_t size, mlir::SymbolTable &symbols);

/// Whether `v` is a memref.alloc (the caller of zeroWidened frees those).
bool isAllocation(mlir::Value v);

/// Whether no op strictly between `from` and `to` (one block) may write
/// `views`: a kernel reads the compressed operands at `to` in place of a
/// weight that `from` expanded from them. Ops with unknown effects count as
/// writes; buffers are compared through their views to the underlying
/// allocation or argument (the pipelines' buffers are distinct ones).
bool unwrittenBetween(mlir::Operation *from, mlir::Operation *to,
                      mlir::ArrayRef<mlir::Value> views);

/// The values and metadata buffers that the loop nest of a runtime
/// qsparse.nm_decompress (tagged qsparse.decompressed) reads: the selected
/// loads and the compared ones.
std::pair<mlir::Value, mlir::Value>
decompressedOperands(mlir::linalg::GenericOp op);

} // namespace qsparse::cpu

#endif // QSPARSE_LIB_CONVERSION_QSPARSETOCPU_KERNELS_H

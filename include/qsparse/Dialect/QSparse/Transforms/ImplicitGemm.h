//===- ImplicitGemm.h - convolutions as implicit GEMMs ----------*- C++ -*-===//
//
// The geometry of a direct 2-D convolution and the indexing maps of the same
// convolution as a GEMM whose A operand is read straight from the image
// (implicit im2col). Shared by --qsparse-implicit-im2col, which builds the
// GEMM form, and the micro-kernels, which recognize it by rebuilding the maps.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_DIALECT_QSPARSE_TRANSFORMS_IMPLICITGEMM_H
#define QSPARSE_DIALECT_QSPARSE_TRANSFORMS_IMPLICITGEMM_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace qsparse {

/// A 2-D convolution: NHWC image x HWCF filter -> NHWF, or NCHW x FCHW ->
/// NFHW. The image is already padded.
struct ConvGeometry {
  bool nchw = false;
  int64_t n = 0, c = 0, f = 0, kh = 0, kw = 0, oh = 0, ow = 0;
  int64_t strideH = 1, strideW = 1, dilH = 1, dilW = 1;
  int64_t pixels() const { return oh * ow; }
  int64_t reduction() const { return kh * kw * c; }
};

/// `expr` == d(outer) * stride + d(inner) * dilation (factors up to 16).
inline bool matchConvWindow(mlir::AffineExpr expr, unsigned outer,
                            unsigned inner, int64_t &stride,
                            int64_t &dilation) {
  mlir::MLIRContext *ctx = expr.getContext();
  mlir::AffineExpr o = mlir::getAffineDimExpr(outer, ctx);
  mlir::AffineExpr i = mlir::getAffineDimExpr(inner, ctx);
  for (stride = 1; stride <= 16; ++stride)
    for (dilation = 1; dilation <= 16; ++dilation)
      if (expr == o * stride + i * dilation)
        return true;
  return false;
}

/// The geometry of a direct convolution (a named conv_2d_nhwc_hwcf /
/// conv_2d_nchw_fchw or a generic with their maps), from its maps and the
/// static shapes of its operands (tensors or buffers).
inline std::optional<ConvGeometry> matchDirectConv(mlir::linalg::LinalgOp op) {
  using mlir::AffineMap;
  if (op.getNumLoops() != 7 || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  auto par = mlir::utils::IteratorType::parallel;
  auto red = mlir::utils::IteratorType::reduction;
  if (op.getIteratorTypesArray() !=
      llvm::SmallVector<mlir::utils::IteratorType>{par, par, par, par, red, red,
                                                   red})
    return std::nullopt;
  // The body is kept as is over new loops: it must not read loop indices.
  if (!op.getBlock()->getOps<mlir::linalg::IndexOp>().empty())
    return std::nullopt;
  llvm::SmallVector<int64_t> shapes[3];
  for (auto [i, operand] : llvm::enumerate(op->getOperands().take_front(3))) {
    auto type = llvm::dyn_cast<mlir::ShapedType>(operand.getType());
    if (!type || !type.hasStaticShape() || type.getRank() != 4)
      return std::nullopt;
    shapes[i].assign(type.getShape().begin(), type.getShape().end());
  }
  mlir::MLIRContext *ctx = op->getContext();
  auto d = [&](unsigned i) { return mlir::getAffineDimExpr(i, ctx); };
  auto maps = op.getIndexingMapsArray();
  ConvGeometry g;
  AffineMap in = maps[0];
  if (in.getNumResults() != 4)
    return std::nullopt;
  // NHWC: (n, oh, ow, f, kh, kw, c).
  if (maps[1] == AffineMap::get(7, 0, {d(4), d(5), d(6), d(3)}, ctx) &&
      maps[2] == AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx) &&
      in.getResult(0) == d(0) && in.getResult(3) == d(6) &&
      matchConvWindow(in.getResult(1), 1, 4, g.strideH, g.dilH) &&
      matchConvWindow(in.getResult(2), 2, 5, g.strideW, g.dilW)) {
    g.kh = shapes[1][0], g.kw = shapes[1][1], g.c = shapes[1][2];
    g.n = shapes[2][0], g.oh = shapes[2][1], g.ow = shapes[2][2];
    g.f = shapes[2][3];
    return g;
  }
  // NCHW: (n, f, oh, ow, c, kh, kw).
  if (maps[1] == AffineMap::get(7, 0, {d(1), d(4), d(5), d(6)}, ctx) &&
      maps[2] == AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx) &&
      in.getResult(0) == d(0) && in.getResult(1) == d(4) &&
      matchConvWindow(in.getResult(2), 2, 5, g.strideH, g.dilH) &&
      matchConvWindow(in.getResult(3), 3, 6, g.strideW, g.dilW)) {
    g.nchw = true;
    g.f = shapes[1][0], g.c = shapes[1][1], g.kh = shapes[1][2];
    g.kw = shapes[1][3];
    g.n = shapes[2][0], g.oh = shapes[2][2], g.ow = shapes[2][3];
    return g;
  }
  return std::nullopt;
}

/// The maps of the implicit GEMM, in the order image, filter, output:
///   NHWC: loops (n, p, f, k), p = oh*OW + ow, k = (kh*KW + kw)*C + c;
///         image [N][H][W][C], filter [K][F], output [N][P][F];
///   NCHW: loops (n, f, p, k), k = (c*KH + kh)*KW + kw;
///         image [N][C][H][W], filter [F][K], output [N][F][P].
inline llvm::SmallVector<mlir::AffineMap, 3>
implicitGemmMaps(mlir::MLIRContext *ctx, const ConvGeometry &g) {
  using mlir::AffineExpr;
  using mlir::AffineMap;
  auto d = [&](unsigned i) { return mlir::getAffineDimExpr(i, ctx); };
  if (!g.nchw) {
    AffineExpr n = d(0), p = d(1), f = d(2), k = d(3);
    AffineExpr row =
        p.floorDiv(g.ow) * g.strideH + k.floorDiv(g.kw * g.c) * g.dilH;
    AffineExpr col =
        (p % g.ow) * g.strideW + (k % (g.kw * g.c)).floorDiv(g.c) * g.dilW;
    return {AffineMap::get(4, 0, {n, row, col, k % g.c}, ctx),
            AffineMap::get(4, 0, {k, f}, ctx),
            AffineMap::get(4, 0, {n, p, f}, ctx)};
  }
  AffineExpr n = d(0), f = d(1), p = d(2), k = d(3);
  AffineExpr row = p.floorDiv(g.ow) * g.strideH +
                   (k % (g.kh * g.kw)).floorDiv(g.kw) * g.dilH;
  AffineExpr col = (p % g.ow) * g.strideW + (k % g.kw) * g.dilW;
  return {AffineMap::get(4, 0, {n, k.floorDiv(g.kh * g.kw), row, col}, ctx),
          AffineMap::get(4, 0, {f, k}, ctx),
          AffineMap::get(4, 0, {n, f, p}, ctx)};
}

} // namespace qsparse

#endif // QSPARSE_DIALECT_QSPARSE_TRANSFORMS_IMPLICITGEMM_H

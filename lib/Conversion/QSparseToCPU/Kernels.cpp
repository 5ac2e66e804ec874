//===- Kernels.cpp - shared pieces of the CPU micro-kernels ---------------===//

#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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
                                   ValueRange at, int64_t count) {
  Type word = b.getIntegerType(8 * count);
  Value bytes = vector::LoadOp::create(
      b, loc, VectorType::get({count}, b.getI8Type()), buffer, at);
  Value scalar = vector::ExtractOp::create(
      b, loc,
      vector::BitCastOp::create(b, loc, VectorType::get({1}, word), bytes),
      ArrayRef<int64_t>{0});
  return vector::BitCastOp::create(
      b, loc, VectorType::get({64}, b.getI8Type()),
      vector::BroadcastOp::create(b, loc, VectorType::get({64 / count}, word),
                                  scalar));
}

//===- InstrumentOverflow.cpp - stop on accumulator overflow --------------===//
//
// --qsparse-instrument-overflow: every integer contraction is recomputed with
// a 64-bit accumulator; when some result differs from the declared one
// sign-extended, the declared accumulator overflowed and cf.assert stops the
// program with a message naming the op.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"

namespace qsparse {
#define GEN_PASS_DEF_INSTRUMENTOVERFLOW
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

/// True when every element of the i1 tensor `bits` is set.
Value allTrue(OpBuilder &b, Location loc, Value bits) {
  auto type = cast<RankedTensorType>(bits.getType());
  unsigned rank = type.getRank();
  auto scalarType = RankedTensorType::get({}, b.getI1Type());
  Value trueValue = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value empty =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, b.getI1Type());
  Value init = linalg::FillOp::create(b, loc, trueValue, empty).getResult(0);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  auto reduce = linalg::GenericOp::create(
      b, loc, TypeRange{scalarType}, ValueRange{bits}, ValueRange{init}, maps,
      iterators, [](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(
            nb, nloc,
            arith::AndIOp::create(nb, nloc, args[0], args[1]).getResult());
      });
  return tensor::ExtractOp::create(b, loc, reduce.getResult(0), ValueRange{});
}

struct InstrumentOverflowPass
    : qsparse::impl::InstrumentOverflowBase<InstrumentOverflowPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    for (Contraction &contraction :
         collectContractions(getOperation(), nullptr)) {
      Contraction *c = &contraction;
      Operation *op = c->op;
      std::string why;
      auto accumulator = dyn_cast<IntegerType>(c->accumulatorType);
      if (!accumulator || accumulator.getWidth() >= 64)
        continue;
      FailureOr<Value> wide = cloneWithAccumulator(b, *c, b.getI64Type(), why);
      if (failed(wide)) {
        op->emitWarning() << "not instrumented: " << why;
        continue;
      }
      Location loc = op->getLoc();
      b.setInsertionPointAfter(op);
      Value declared = op->getResult(0);
      Value extended =
          arith::ExtSIOp::create(b, loc, wide->getType(), declared);
      Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         extended, *wide);
      std::string message;
      llvm::raw_string_ostream os(message);
      os << "qsparse: accumulator overflow: " << op->getName() << " at ";
      if (auto fileLoc = dyn_cast<FileLineColLoc>(op->getLoc()))
        os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine()
           << ":" << fileLoc.getColumn();
      else
        os << op->getLoc();
      os << " produced a result outside its " << accumulator << " accumulator";
      cf::AssertOp::create(b, loc, allTrue(b, loc, same), message);
    }
  }
};
} // namespace

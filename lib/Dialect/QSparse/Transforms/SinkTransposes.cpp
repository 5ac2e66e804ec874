//===- SinkTransposes.cpp - keep activations in the kernels' layout -------===//
//
// --qsparse-sink-transposes: the NHWC convolutions that ONNX models become
// hand back NCHW results (a transpose, or a generic reading the result
// through a permuted map) and take NHWC inputs again after the bias, ReLU,
// padding, pooling and residual adds in between. This pass moves the
// layout transposes down through those ops until they meet the transposes
// back, where the two cancel: the ops in between then run in NHWC and read
// the accumulator with the identity map, so they can be the convolution's
// fused epilogue.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallBitVector.h"

namespace qsparse {
#define GEN_PASS_DEF_SINKTRANSPOSES
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {

bool isStaticTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape();
}

/// `v` transposed by `perm` into a new empty tensor.
Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  Value init = tensor::EmptyOp::create(
      b, loc, applyPermutation(type.getShape(), perm), type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

/// The transpose `v` is the result of, when it is a layout transpose of a
/// statically shaped tensor.
linalg::TransposeOp transposeOf(Value v) {
  auto op = v.getDefiningOp<linalg::TransposeOp>();
  if (!op || !op.hasPureTensorSemantics() ||
      !isStaticTensor(op.getInput().getType()))
    return nullptr;
  return op;
}

/// For each result of `map`, the one parallel loop it reads (results that
/// read only reduction loops or constants are skipped); failure when a
/// result mixes parallel loops or a loop is read twice.
FailureOr<SmallVector<unsigned>>
parallelDims(AffineMap map, ArrayRef<utils::IteratorType> iterators) {
  SmallVector<unsigned> dims;
  llvm::SmallBitVector seen(iterators.size());
  for (AffineExpr result : map.getResults()) {
    std::optional<unsigned> dim;
    bool mixed = false;
    result.walk([&](AffineExpr e) {
      auto d = dyn_cast<AffineDimExpr>(e);
      if (!d || iterators[d.getPosition()] != utils::IteratorType::parallel)
        return;
      if (dim && *dim != d.getPosition())
        mixed = true;
      dim = d.getPosition();
    });
    if (mixed)
      return failure();
    if (!dim)
      continue;
    if (seen.test(*dim))
      return failure();
    seen.set(*dim);
    dims.push_back(*dim);
  }
  return dims;
}

/// Whether `map` reads every parallel loop of `op` (a full-size operand, not
/// a broadcast one).
bool readsEveryParallelLoop(linalg::GenericOp op, AffineMap map) {
  FailureOr<SmallVector<unsigned>> dims =
      parallelDims(map, op.getIteratorTypesArray());
  return succeeded(dims) && dims->size() == op.getNumParallelLoops();
}

/// The generics this pass rewrites: tensors of static shape, one result,
/// no loop indices in the body (the loops are renumbered).
bool isRewritable(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      !op.getBody()->getOps<linalg::IndexOp>().empty())
    return false;
  return llvm::all_of(op->getOperandTypes(), [](Type t) {
    return !isa<ShapedType>(t) || isStaticTensor(t);
  });
}

struct SinkTransposesPass
    : qsparse::impl::SinkTransposesBase<SinkTransposesPass> {
  using Base::Base;

  /// An all-parallel generic reading a full-size operand through a
  /// permutation gets the transpose as an op of its own, so that it can
  /// move; --qsparse-fuse folds the ones that stay back into the map.
  void materialize(IRRewriter &rewriter, linalg::GenericOp op) {
    if (!isRewritable(op) || op.getNumReductionLoops() != 0 ||
        !op.getIndexingMapsArray().back().isIdentity())
      return;
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    bool changed = false;
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = maps[input->getOperandNumber()];
      if (!map.isPermutation() || map.isIdentity())
        continue;
      // Reading x at (d[m0], d[m1], ...) is reading transpose(x) at d.
      SmallVector<int64_t> m;
      for (AffineExpr e : map.getResults())
        m.push_back(cast<AffineDimExpr>(e).getPosition());
      rewriter.setInsertionPoint(op);
      input->set(transpose(rewriter, op.getLoc(), input->get(),
                           invertPermutationVector(m)));
      maps[input->getOperandNumber()] =
          AffineMap::getMultiDimIdentityMap(map.getNumDims(), op.getContext());
      changed = true;
    }
    if (changed)
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
  }

  /// transpose(transpose(x)) as one transpose of x, or x.
  void compose(IRRewriter &rewriter, linalg::TransposeOp op,
               linalg::TransposeOp inner) {
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPermutation())
      perm.push_back(inner.getPermutation()[p]);
    rewriter.setInsertionPoint(op);
    Value x = inner.getInput();
    rewriter.replaceOp(op, isIdentityPermutation(perm)
                               ? x
                               : transpose(rewriter, op.getLoc(), x, perm));
  }

  /// pad(transpose(x)) as transpose(pad(x)) when the padding value does not
  /// depend on the position.
  void sinkThroughPad(IRRewriter &rewriter, tensor::PadOp pad,
                      linalg::TransposeOp t) {
    if (!pad.getLow().empty() || !pad.getHigh().empty() ||
        !isStaticTensor(pad.getType()))
      return;
    Value yielded = pad.getConstantPaddingValue();
    if (!yielded)
      return;
    // Only when the transpose can go on: every user of the padded image
    // composes with it or lets it pass (a transpose stuck in front of a
    // convolution, say, is better folded into the pad's producer).
    for (Operation *user : pad->getUsers()) {
      auto generic = dyn_cast<linalg::GenericOp>(user);
      if (!isa<linalg::TransposeOp>(user) &&
          !(generic && votesToSink(generic, pad.getResult())))
        return;
    }
    ArrayRef<int64_t> perm = t.getPermutation();
    SmallVector<int64_t> low(perm.size()), high(perm.size());
    SmallVector<OpFoldResult> lowAttrs, highAttrs;
    for (auto [k, p] : llvm::enumerate(perm)) {
      low[p] = pad.getStaticLow()[k];
      high[p] = pad.getStaticHigh()[k];
    }
    for (auto [l, h] : llvm::zip(low, high)) {
      lowAttrs.push_back(rewriter.getIndexAttr(l));
      highAttrs.push_back(rewriter.getIndexAttr(h));
    }
    rewriter.setInsertionPoint(pad);
    auto type = cast<RankedTensorType>(t.getInput().getType());
    SmallVector<int64_t> shape;
    for (auto [i, size] : llvm::enumerate(type.getShape()))
      shape.push_back(size + low[i] + high[i]);
    auto padded = tensor::PadOp::create(
        rewriter, pad.getLoc(),
        RankedTensorType::get(shape, type.getElementType()), t.getInput(),
        lowAttrs, highAttrs, yielded, pad.getNofold());
    rewriter.replaceOp(pad, transpose(rewriter, pad.getLoc(), padded, perm));
  }

  /// The first transposed full-size operand of `op` when the transposes
  /// should move past it; `assumed` counts as a transpose too. Full-size
  /// operands vote: transposed ones for moving, the others (read in the
  /// current order) against unless they are layoutFree; a tie leaves the op
  /// as it is, so an epilogue
  /// never trades its accumulator's order for another operand's.
  /// Contractions never move: their input reads skip the output-channel
  /// loop and their weight reads skip the pixel loops (no full-size
  /// operand).
  /// A tensor with at most one dimension of extent > 1 (a per-channel
  /// parameter [1][C][1][1], or any tensor of a 1x1 image) has the same
  /// element order under every permutation: read in either order it costs
  /// nothing, so it does not vote.
  static bool layoutFree(Type type) {
    auto shaped = cast<ShapedType>(type);
    return shaped.hasStaticShape() &&
           llvm::count_if(shaped.getShape(),
                          [](int64_t size) { return size != 1; }) <= 1;
  }

  static OpOperand *votesToSink(linalg::GenericOp op, Value assumed = {}) {
    if (!isRewritable(op))
      return nullptr;
    int64_t transposed = 0, inPlace = 0;
    OpOperand *primary = nullptr;
    for (OpOperand *input : op.getDpsInputOperands()) {
      if (!readsEveryParallelLoop(op, op.getMatchingIndexingMap(input)))
        continue;
      if (transposeOf(input->get()) || (assumed && input->get() == assumed)) {
        ++transposed;
        if (!primary)
          primary = input;
      } else if (!layoutFree(input->get().getType())) {
        ++inPlace;
      }
    }
    return transposed > inPlace ? primary : nullptr;
  }

  /// A generic reading transposes of its full-size operands, run in the
  /// order of the transposes' inputs: the transposes' maps fold into the
  /// reads, the loops are renumbered so the first one is read in order, and
  /// the result is transposed back when its map is no longer in order.
  void sinkThroughGeneric(IRRewriter &rewriter, linalg::GenericOp op) {
    OpOperand *primary = votesToSink(op);
    if (!primary)
      return;
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();

    // Reading transpose(x) at map(d) reads x at map'(d), with result
    // perm[k] of map' being result k of map.
    for (OpOperand *input : op.getDpsInputOperands()) {
      linalg::TransposeOp t = transposeOf(input->get());
      AffineMap map = maps[input->getOperandNumber()];
      if (!t || !readsEveryParallelLoop(op, map))
        continue;
      SmallVector<AffineExpr> results(map.getNumResults());
      for (auto [k, p] : llvm::enumerate(t.getPermutation()))
        results[p] = map.getResult(k);
      maps[input->getOperandNumber()] =
          AffineMap::get(map.getNumDims(), 0, results, op.getContext());
    }

    // New loop order: the primary operand's parallel loops in the order it
    // reads them, in the positions the parallel loops had; reductions stay.
    SmallVector<unsigned> order =
        *parallelDims(maps[primary->getOperandNumber()], iterators);
    SmallVector<unsigned> positions(order);
    llvm::sort(positions);
    SmallVector<unsigned> newToOld(iterators.size());
    for (unsigned i = 0; i < iterators.size(); ++i)
      newToOld[i] = i;
    for (auto [pos, old] : llvm::zip(positions, order))
      newToOld[pos] = old;
    SmallVector<AffineExpr> oldInNew(iterators.size());
    for (auto [i, old] : llvm::enumerate(newToOld))
      oldInNew[old] = rewriter.getAffineDimExpr(i);
    AffineMap renumber =
        AffineMap::get(iterators.size(), 0, oldInNew, op.getContext());
    SmallVector<utils::IteratorType> newIterators;
    for (unsigned old : newToOld)
      newIterators.push_back(iterators[old]);
    for (AffineMap &map : maps)
      map = map.compose(renumber);

    // The result in the order its loops now run.
    OpOperand *init = op.getDpsInitOperand(0);
    AffineMap &outMap = maps[init->getOperandNumber()];
    FailureOr<SmallVector<unsigned>> outDims =
        parallelDims(outMap, newIterators);
    if (failed(outDims) || outDims->size() != outMap.getNumResults() ||
        !outMap.isProjectedPermutation())
      return;
    SmallVector<int64_t> sortedPos(outDims->size());
    for (unsigned i = 0; i < sortedPos.size(); ++i)
      sortedPos[i] = i;
    llvm::sort(sortedPos, [&](int64_t a, int64_t b) {
      return (*outDims)[a] < (*outDims)[b];
    });
    bool outInOrder = isIdentityPermutation(sortedPos);
    Value newInit = init->get();
    rewriter.setInsertionPoint(op);
    if (!outInOrder) {
      // A new destination: an empty tensor, or a fill of one.
      auto type = cast<RankedTensorType>(newInit.getType());
      SmallVector<int64_t> shape = applyPermutation(type.getShape(), sortedPos);
      Value fillValue;
      if (auto fill = newInit.getDefiningOp<linalg::FillOp>();
          fill && fill.hasPureTensorSemantics() &&
          fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
        fillValue = fill.getInputs()[0];
      else if (!newInit.getDefiningOp<tensor::EmptyOp>() &&
               !op.getMatchingBlockArgument(init).use_empty())
        return; // the body reads a destination that would need a transpose
      newInit = tensor::EmptyOp::create(rewriter, op.getLoc(), shape,
                                        type.getElementType());
      if (fillValue)
        newInit =
            linalg::FillOp::create(rewriter, op.getLoc(), fillValue, newInit)
                ->getResult(0);
      SmallVector<AffineExpr> results;
      for (int64_t k : sortedPos)
        results.push_back(outMap.getResult(k));
      outMap = AffineMap::get(outMap.getNumDims(), 0, results, op.getContext());
    }

    SmallVector<Value> inputs;
    for (OpOperand *input : op.getDpsInputOperands()) {
      linalg::TransposeOp t = transposeOf(input->get());
      bool folded =
          t && readsEveryParallelLoop(op, op.getMatchingIndexingMap(input));
      inputs.push_back(folded ? t.getInput() : input->get());
    }
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), TypeRange{newInit.getType()}, inputs,
        ValueRange{newInit}, maps, newIterators);
    rewriter.cloneRegionBefore(op.getRegion(), generic.getRegion(),
                               generic.getRegion().end());
    for (NamedAttribute attr : op->getDiscardableAttrs())
      generic->setAttr(attr.getName(), attr.getValue());
    Value result = generic->getResult(0);
    // Old result dim k is new dim position-of-k in sortedPos.
    if (!outInOrder)
      result = transpose(rewriter, op.getLoc(), result,
                         invertPermutationVector(sortedPos));
    rewriter.replaceOp(op, result);
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation()->walk(
        [&](linalg::GenericOp op) { materialize(rewriter, op); });
    // Producers come first in program order, so one walk moves every
    // transpose as far as it goes: each rewrite puts the moved transpose
    // right after the op it passed, before that op's users.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<linalg::TransposeOp, tensor::PadOp, linalg::GenericOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto t = dyn_cast<linalg::TransposeOp>(op)) {
        if (linalg::TransposeOp inner = transposeOf(t.getInput());
            inner && t.hasPureTensorSemantics())
          compose(rewriter, t, inner);
      } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
        if (linalg::TransposeOp t = transposeOf(pad.getSource()))
          sinkThroughPad(rewriter, pad, t);
      } else {
        sinkThroughGeneric(rewriter, cast<linalg::GenericOp>(op));
      }
    }
    // Transposes every user moved past.
    SmallVector<linalg::TransposeOp> dead;
    getOperation()->walk([&](linalg::TransposeOp t) {
      if (t->use_empty())
        dead.push_back(t);
    });
    for (linalg::TransposeOp t : llvm::reverse(dead))
      rewriter.eraseOp(t);
  }
};

} // namespace

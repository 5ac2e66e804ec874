//===- Fuse.cpp - fusion planned from DNNFusion mapping types -------------===//
//
// --qsparse-fuse: classifies every tensor op by its mapping type, merges
// elementwise chains (broadcasts and transposes become indexing maps), folds
// reshapes between elementwise ops, and marks the elementwise consumer of a
// contraction as its epilogue, which the CPU micro-kernels apply in registers.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Contraction.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

namespace qsparse {
#define GEN_PASS_DEF_FUSE
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;
using namespace qsparse;

namespace {

/// DNNFusion's mapping types: how output elements depend on input elements.
enum class Mapping { OneToOne, OneToMany, ManyToMany, Reorganize, Shuffle };

StringRef mappingName(Mapping m) {
  switch (m) {
  case Mapping::OneToOne:
    return "one-to-one";
  case Mapping::OneToMany:
    return "one-to-many";
  case Mapping::ManyToMany:
    return "many-to-many";
  case Mapping::Reorganize:
    return "reorganize";
  case Mapping::Shuffle:
    return "shuffle";
  }
  llvm_unreachable("mapping type");
}

bool hasTensorResult(Operation *op) {
  return llvm::any_of(op->getResultTypes(), llvm::IsaPred<RankedTensorType>);
}

/// The mapping type of an all-parallel linalg op from its indexing maps.
Mapping classifyParallel(linalg::LinalgOp op) {
  bool anyFull = false, anyPermuted = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!isa<RankedTensorType, MemRefType>(input->get().getType()))
      continue; // a scalar operand
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return Mapping::Reorganize; // strided or gathered reads
    if (!map.isPermutation())
      continue; // a broadcast operand
    anyFull = true;
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (map != out)
      anyPermuted = true;
  }
  if (!anyFull)
    return Mapping::OneToMany;
  return anyPermuted ? Mapping::Shuffle : Mapping::OneToOne;
}

/// The mapping type of a tensor op, or nullopt for ops that compute nothing
/// over tensors (constants, tensor.empty, scalar arithmetic, terminators).
std::optional<Mapping> classify(Operation *op) {
  if (!hasTensorResult(op) || isa<arith::ConstantOp, tensor::EmptyOp>(op))
    return std::nullopt;
  if (isa<MatmulOp, Conv2DOp, linalg::SoftmaxOp>(op))
    return Mapping::ManyToMany;
  if (isa<QuantizeOp, DequantizeOp, DecodeOp, RequantizeOp, BitcastOp>(op))
    return Mapping::OneToOne;
  if (isa<NMCompressOp, NMDecompressOp, tensor::PadOp, tensor::ExtractSliceOp,
          tensor::InsertSliceOp, tensor::ConcatOp, tensor::CollapseShapeOp,
          tensor::ExpandShapeOp, tensor::ReshapeOp>(op))
    return Mapping::Reorganize;
  if (isa<linalg::FillOp, linalg::BroadcastOp>(op))
    return Mapping::OneToMany;
  if (isa<linalg::TransposeOp>(op))
    return Mapping::Shuffle;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (linalgOp.getNumReductionLoops() > 0)
      return Mapping::ManyToMany;
    return classifyParallel(linalgOp);
  }
  // Anything else is treated as the most constrained type: never fused.
  return Mapping::ManyToMany;
}

/// Views cost nothing at run time (after bufferization they are metadata).
bool isView(Operation *op) {
  return isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, BitcastOp>(op);
}

bool isKernel(Operation *op) { return classify(op) && !isView(op); }

bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && generic.hasPureTensorSemantics() &&
         generic.getNumReductionLoops() == 0;
}

/// Named all-parallel ops become generics so their maps can be merged.
bool shouldGeneralize(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || isa<linalg::GenericOp, linalg::FillOp>(op) ||
      !linalgOp.hasPureTensorSemantics())
    return false;
  return linalgOp.getNumReductionLoops() == 0;
}

llvm::json::Object describe(Operation *op) {
  llvm::json::Object o;
  o["loc"] = locationString(op->getLoc());
  o["op"] = op->getName().getStringRef().str();
  if (std::optional<Mapping> m = classify(op))
    o["mapping"] = mappingName(*m).str();
  return o;
}

/// Which original ops each op after fusion stands for.
using Members = llvm::DenseMap<Operation *, SmallVector<llvm::json::Object>>;

void addMembers(Members &members, Operation *to, Operation *from, bool move) {
  auto it = members.find(from);
  if (it == members.end())
    return;
  SmallVector<llvm::json::Object> copied;
  for (llvm::json::Object &o : it->second)
    copied.push_back(move ? std::move(o) : llvm::json::Object(o));
  if (move)
    members.erase(from);
  auto &dst = members[to];
  for (llvm::json::Object &o : copied)
    dst.push_back(std::move(o));
}

/// Follows reshapes from a replacement value to the op that computes it.
Operation *computingOp(Value v) {
  Operation *op = v.getDefiningOp();
  while (op && isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
    op = op->getOperand(0).getDefiningOp();
  return op;
}

/// Keeps the member lists of ops that patterns replace.
struct MemberListener : RewriterBase::Listener {
  Members &members;
  explicit MemberListener(Members &members) : members(members) {}
  void notifyOperationReplaced(Operation *op, ValueRange values) override {
    if (values.empty())
      return;
    if (Operation *to = computingOp(values.front()); to && to != op)
      addMembers(members, to, op, /*move=*/true);
  }
  void notifyOperationErased(Operation *op) override { members.erase(op); }
};

struct FusePass : qsparse::impl::FuseBase<FusePass> {
  using Base::Base;

  Members members;
  llvm::json::Array notFused;
  /// Pairs already reported, so the fixpoint loop reports each once.
  llvm::DenseSet<std::pair<Operation *, Operation *>> reported;

  void refuse(Operation *producer, Operation *consumer, StringRef reason) {
    if (!reported.insert({producer, consumer}).second)
      return;
    llvm::json::Object o;
    o["producer"] = describe(producer);
    o["consumer"] = describe(consumer);
    o["reason"] = reason.str();
    notFused.push_back(std::move(o));
  }

  /// Whether the elementwise merge of `operand`'s producer into its owner
  /// follows the plan; a refusal is reported.
  bool mayMerge(OpOperand *operand) {
    Operation *consumer = operand->getOwner();
    Operation *producer = operand->get().getDefiningOp();
    if (!producer || !isKernel(producer))
      return false;
    std::optional<Mapping> pm = classify(producer);
    if (*pm == Mapping::ManyToMany)
      return false; // an epilogue, planned separately
    if (!isElementwiseGeneric(consumer)) {
      auto dps = dyn_cast<DestinationStyleOpInterface>(consumer);
      if (classify(consumer) != Mapping::ManyToMany || !isKernel(consumer) ||
          (dps && dps.isDpsInit(operand)))
        return false; // an accumulator init is not a fusion candidate
      if (*pm == Mapping::Reorganize)
        refuse(producer, consumer,
               "a reorganized input of a contraction is materialized; the "
               "micro-kernels read it in place");
      else
        refuse(producer, consumer,
               "an elementwise producer of a contraction stays separate: "
               "the micro-kernels need the multiply-accumulate form");
      return false;
    }
    if (!isElementwiseGeneric(producer) || producer->getNumResults() != 1)
      return false;
    if (!producer->hasOneUse() && *pm != Mapping::OneToMany) {
      refuse(producer, consumer,
             "the producer has other users: merging would compute it twice");
      return false;
    }
    if (isEpilogueToBe(cast<linalg::GenericOp>(producer)) &&
        cast<linalg::LinalgOp>(consumer).getMatchingIndexingMap(operand) !=
            cast<linalg::LinalgOp>(consumer).getIndexingMapMatchingResult(
                consumer->getResult(0))) {
      refuse(producer, consumer,
             "an epilogue keeps its contraction's order: merged into a "
             "permuted consumer it would read the accumulator permuted");
      return false;
    }
    return linalg::areElementwiseOpsFusable(operand);
  }

  /// Whether `generic` reads `use` element by element into a result of the
  /// same shape: the form an epilogue takes on its contraction's result.
  static bool readsInOrder(linalg::GenericOp generic, OpOperand &use) {
    AffineMap map = generic.getMatchingIndexingMap(&use);
    return !generic.isDpsInit(&use) &&
           map ==
               generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)) &&
           map.isIdentity() &&
           cast<ShapedType>(generic->getResult(0).getType()).getShape() ==
               cast<ShapedType>(use.get().getType()).getShape();
  }

  /// Whether `generic` would be marked the epilogue of a contraction it
  /// reads (markEpilogues).
  static bool isEpilogueToBe(linalg::GenericOp generic) {
    return generic.getNumDpsInits() == 1 &&
           llvm::any_of(generic.getDpsInputOperands(), [&](OpOperand *input) {
             Operation *def = input->get().getDefiningOp();
             return def && classify(def) == Mapping::ManyToMany &&
                    readsInOrder(generic, *input);
           });
  }

  /// One sweep of elementwise merges; true when anything changed.
  bool mergeElementwise(func::FuncOp func) {
    IRRewriter rewriter(func.getContext());
    SmallVector<linalg::LinalgOp> consumers;
    func.walk([&](linalg::LinalgOp op) { consumers.push_back(op); });
    for (linalg::LinalgOp consumer : consumers) {
      for (OpOperand &operand : consumer->getOpOperands()) {
        if (!mayMerge(&operand))
          continue;
        Operation *original = operand.get().getDefiningOp();
        Operation *producer = original;
        rewriter.setInsertionPoint(consumer);
        if (!producer->hasOneUse()) {
          // A one-to-many producer is recomputed for each consumer.
          producer = rewriter.clone(*original);
          addMembers(members, producer, original, /*move=*/false);
          operand.set(producer->getResult(0));
        }
        FailureOr<linalg::ElementwiseOpFusionResult> fused =
            linalg::fuseElementwiseOps(rewriter, &operand);
        if (failed(fused)) {
          if (producer != original) {
            operand.set(original->getResult(0));
            members.erase(producer);
            rewriter.eraseOp(producer);
          }
          continue;
        }
        for (auto [from, to] : fused->replacements)
          rewriter.replaceAllUsesWith(from, to);
        addMembers(members, fused->fusedOp, producer, /*move=*/true);
        addMembers(members, fused->fusedOp, consumer, /*move=*/true);
        rewriter.eraseOp(consumer);
        rewriter.eraseOp(producer);
        if (original != producer && original->use_empty()) {
          members.erase(original);
          rewriter.eraseOp(original);
        }
        return true; // the walk list is stale now
      }
    }
    return false;
  }

  /// Folds reshapes between two elementwise generics by expansion.
  bool foldReshapes(func::FuncOp func) {
    auto control = [](OpOperand *operand) {
      Operation *owner = operand->getOwner();
      Operation *producer = operand->get().getDefiningOp();
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(owner)) {
        // The reshape of a generic's result: its users must be elementwise.
        return isElementwiseGeneric(producer) &&
               llvm::all_of(owner->getUsers(), isElementwiseGeneric);
      }
      if (!isElementwiseGeneric(owner) || !producer)
        return false;
      return isElementwiseGeneric(producer->getOperand(0).getDefiningOp());
    };
    RewritePatternSet patterns(func.getContext());
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    MemberListener listener(members);
    GreedyRewriteConfig config;
    config.setListener(&listener);
    bool changed = false;
    (void)applyPatternsGreedily(func, std::move(patterns), config, &changed);
    return changed;
  }

  void generalize(func::FuncOp func) {
    IRRewriter rewriter(func.getContext());
    SmallVector<linalg::LinalgOp> named;
    func.walk([&](linalg::LinalgOp op) {
      if (shouldGeneralize(op))
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> generic =
          linalg::generalizeNamedOp(rewriter, op);
      if (succeeded(generic))
        addMembers(members, *generic, op, /*move=*/true);
    }
  }

  /// Marks the elementwise consumer of each contraction as its epilogue.
  void markEpilogues(func::FuncOp func) {
    // Collected first: marking hoists ops, which a walk would revisit.
    SmallVector<linalg::LinalgOp> contractions;
    func.walk([&](linalg::LinalgOp op) { contractions.push_back(op); });
    for (linalg::LinalgOp contraction : contractions)
      markEpilogue(contraction);
  }

  void markEpilogue(linalg::LinalgOp contraction) {
    if (!contraction.hasPureTensorSemantics() ||
        contraction.getNumReductionLoops() == 0 ||
        contraction->getNumResults() != 1)
      return;
    Value result = contraction->getResult(0);
    if (result.use_empty())
      return;
    Operation *user = *result.getUsers().begin();
    if (!result.hasOneUse()) {
      for (Operation *other : result.getUsers())
        if (classify(other))
          user = other;
      refuse(contraction, user, "the contraction's result has several users");
      return;
    }
    if (!classify(user))
      return; // returned or used by a non-tensor op
    if (classify(user) == Mapping::ManyToMany) {
      refuse(contraction, user, "two many-to-many ops are never fused");
      return;
    }
    auto epilogue = dyn_cast<linalg::GenericOp>(user);
    if (!isElementwiseGeneric(user) || epilogue.getNumDpsInits() != 1) {
      refuse(contraction, user,
             "the consumer is not a single-result elementwise generic");
      return;
    }
    if (!readsInOrder(epilogue, *result.getUses().begin())) {
      refuse(contraction, user,
             "the consumer does not read the accumulator element by "
             "element into a result of the same shape");
      return;
    }
    epilogue->setAttr("qsparse.epilogue", UnitAttr::get(&getContext()));
    hoistIndependentOps(contraction, epilogue);
  }

  /// Moves the side-effect-free ops between `contraction` and its epilogue
  /// that do not depend on the contraction above it (such as the
  /// input-zero-point correction of the weights an epilogue reads), so that
  /// nothing is computed between the two and the kernels can fuse them.
  static void hoistIndependentOps(Operation *contraction, Operation *epilogue) {
    if (contraction->getBlock() != epilogue->getBlock() ||
        !contraction->isBeforeInBlock(epilogue))
      return;
    llvm::SmallPtrSet<Operation *, 8> dependent = {contraction};
    // Above the fill of the contraction's output too (the kernels start
    // from a fill right before the contraction).
    Operation *anchor = contraction;
    if (auto fill = dyn_cast_or_null<linalg::FillOp>(anchor->getPrevNode());
        fill &&
        llvm::is_contained(contraction->getOperands(), fill->getResult(0))) {
      anchor = fill;
      dependent.insert(fill);
    }
    auto dependsOn = [&](Value v) {
      Operation *def = v.getDefiningOp();
      return def && dependent.contains(def);
    };
    for (Operation *op = contraction->getNextNode(); op != epilogue;) {
      Operation *next = op->getNextNode();
      SetVector<Value> used;
      getUsedValuesDefinedAbove(op->getRegions(), used);
      if (!isMemoryEffectFree(op) ||
          llvm::any_of(op->getOperands(), dependsOn) ||
          llvm::any_of(used, dependsOn))
        dependent.insert(op);
      else
        op->moveBefore(anchor);
      op = next;
    }
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    members.clear();
    notFused = llvm::json::Array();
    reported.clear();
    int64_t before = 0;
    module.walk([&](Operation *op) {
      if (isKernel(op)) {
        ++before;
        members[op].push_back(describe(op));
      }
    });
    for (auto func : module.getOps<func::FuncOp>()) {
      generalize(func);
      bool changed = true;
      while (changed) {
        changed = false;
        while (mergeElementwise(func))
          changed = true;
        if (foldReshapes(func))
          changed = true;
      }
      markEpilogues(func);
    }
    if (report.empty())
      return;

    // One group per kernel after fusion; an epilogue joins its producer.
    llvm::json::Array groups;
    int64_t after = 0;
    module.walk([&](Operation *op) {
      if (!isKernel(op) || op->hasAttr("qsparse.epilogue"))
        return;
      ++after;
      llvm::json::Object group = describe(op);
      llvm::json::Array list;
      auto take = [&](Operation *from) {
        auto it = members.find(from);
        if (it == members.end())
          return;
        for (llvm::json::Object &o : it->second)
          list.push_back(std::move(o));
      };
      take(op);
      bool merged = list.size() > 1;
      bool epilogue = false;
      for (Operation *user : op->getUsers())
        if (user->hasAttr("qsparse.epilogue")) {
          take(user);
          epilogue = true;
        }
      group["kind"] = epilogue ? "epilogue" : merged ? "elementwise" : "single";
      group["members"] = std::move(list);
      groups.push_back(std::move(group));
    });
    llvm::json::Object out;
    out["kernels_before"] = before;
    out["kernels_after"] = after;
    out["groups"] = std::move(groups);
    out["not_fused"] = std::move(notFused);
    std::error_code ec;
    llvm::raw_fd_ostream os(report, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      module.emitError() << "cannot write report '" << report
                         << "': " << ec.message();
      return signalPassFailure();
    }
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(out))) << "\n";
  }
};

} // namespace

//===- GPUMapHost.cpp - host code of the GPU pipeline on device memory ----===//
//
// --qsparse-gpu-map-host: after every computation sits in a gpu.launch, the
// host functions only launch kernels and manage buffers, all of which are
// device memory: allocations and copies move to the gpu dialect, constants
// move into the kernels that read them, and anything else touching memory
// on the host is reported.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace qsparse {
#define GEN_PASS_DEF_GPUMAPHOST
#include "qsparse/Conversion/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {

struct GPUMapHostPass : public qsparse::impl::GPUMapHostBase<GPUMapHostPass> {
  using Base::Base;

  std::shared_ptr<SymbolTableCollection> symbols;

  /// True when `v` is a constant global (or a view of one built from
  /// constants) that a kernel may rebuild itself.
  bool isConstantMemory(Value v) {
    Operation *def = v.getDefiningOp();
    if (!def)
      return false;
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = symbols->lookupNearestSymbolFrom<memref::GlobalOp>(
          get, get.getNameAttr());
      return global && global.getConstant();
    }
    if (!isa<ViewLikeOpInterface>(def))
      return false;
    // Index operands (offsets, sizes) are captured by the kernel as they
    // are; memref operands must be constant memory themselves.
    for (Value operand : def->getOperands())
      if (isa<MemRefType>(operand.getType()) && !isConstantMemory(operand))
        return false;
    return true;
  }

  /// Clones the defining chain of `v` (constants and views) into `launch`.
  Value cloneInto(OpBuilder &b, Value v, IRMapping &map) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    Operation *def = v.getDefiningOp();
    for (Value operand : def->getOperands())
      if (isa<MemRefType>(operand.getType()))
        cloneInto(b, operand, map);
    Operation *copy = b.clone(*def, map);
    return copy->getResult(cast<OpResult>(v).getResultNumber());
  }

  void sinkConstants(gpu::LaunchOp launch) {
    SetVector<Value> captured;
    launch.getBody().walk([&](Operation *op) {
      for (Value operand : op->getOperands())
        if (isa<MemRefType>(operand.getType()) &&
            !launch.getBody().isAncestor(operand.getParentRegion()) &&
            isConstantMemory(operand))
          captured.insert(operand);
    });
    if (captured.empty())
      return;
    OpBuilder b(launch.getContext());
    b.setInsertionPointToStart(&launch.getBody().front());
    IRMapping map;
    for (Value v : captured) {
      Value inside = cloneInto(b, v, map);
      v.replaceUsesWithIf(inside, [&](OpOperand &use) {
        return launch.getBody().isAncestor(use.getOwner()->getParentRegion());
      });
    }
  }

  static constexpr int64_t kThreads = 256;

  /// A host loop nest as a kernel: an scf.parallel with static bounds is
  /// linearized over blocks of kThreads threads (one iteration each); an
  /// scf.for runs whole on one thread.
  LogicalResult launchLoop(Operation *loop) {
    OpBuilder b(loop);
    Location loc = loop->getLoc();
    auto c = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    auto parallel = dyn_cast<scf::ParallelOp>(loop);
    if (parallel && !parallel.getResults().empty())
      return loop->emitError("a parallel loop with reductions cannot be "
                             "mapped to the GPU yet");
    SmallVector<int64_t> lower, upper, step;
    int64_t total = 1;
    if (parallel) {
      for (auto [lo, hi, st] :
           llvm::zip(parallel.getLowerBound(), parallel.getUpperBound(),
                     parallel.getStep())) {
        auto l = getConstantIntValue(lo), h = getConstantIntValue(hi),
             s = getConstantIntValue(st);
        if (!l || !h || !s || *s <= 0)
          return loop->emitError("a parallel loop with dynamic bounds cannot "
                                 "be mapped to the GPU yet");
        lower.push_back(*l);
        upper.push_back(*h);
        step.push_back(*s);
        total *= std::max<int64_t>(0, (*h - *l + *s - 1) / *s);
      }
      if (total == 0) {
        loop->erase();
        return success();
      }
    }
    if (!parallel && !loop->use_empty())
      return loop->emitError("a sequential loop whose results the host uses "
                             "cannot be mapped to the GPU");
    int64_t threads = parallel ? std::min(total, kThreads) : 1;
    int64_t blocks = parallel ? (total + threads - 1) / threads : 1;
    Value one = c(1);
    auto launch = gpu::LaunchOp::create(b, loc, c(blocks), one, one, c(threads),
                                        one, one);
    b.setInsertionPointToStart(&launch.getBody().front());
    if (!parallel) {
      b.clone(*loop);
      gpu::TerminatorOp::create(b, loc);
      loop->erase();
      return success();
    }
    Value id = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, c(threads)),
        launch.getThreadIds().x);
    Value inRange =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, c(total));
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    b.setInsertionPointToStart(&guard.getThenRegion().front());
    IRMapping map;
    Value rest = id;
    for (int64_t d = static_cast<int64_t>(lower.size()) - 1; d >= 0; --d) {
      int64_t extent = (upper[d] - lower[d] + step[d] - 1) / step[d];
      Value i = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, c(extent));
      if (d > 0)
        rest = arith::DivUIOp::create(b, loc, rest, c(extent));
      Value iv = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, i, c(step[d])), c(lower[d]));
      map.map(parallel.getInductionVars()[d], iv);
    }
    for (Operation &op : parallel.getBody()->without_terminator())
      b.clone(op, map);
    b.setInsertionPointToEnd(&launch.getBody().front());
    gpu::TerminatorOp::create(b, loc);
    loop->erase();
    return success();
  }

  void runOnOperation() override {
    symbols = std::make_shared<SymbolTableCollection>();
    SmallVector<Operation *> loops;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::GPUModuleOp, gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (isa<scf::ParallelOp, scf::ForOp>(op)) {
        loops.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (Operation *loop : loops)
      if (failed(launchLoop(loop)))
        return signalPassFailure();

    bool failed = false;
    SmallVector<Operation *> toErase;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::GPUModuleOp>(op) || isa<gpu::LaunchOp>(op)) {
        if (auto launch = dyn_cast<gpu::LaunchOp>(op))
          sinkConstants(launch);
        return WalkResult::skip();
      }
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            b, loc, alloc.getType(), /*asyncToken=*/Type(), ValueRange{},
            alloc.getDynamicSizes(), alloc.getSymbolOperands(), UnitAttr());
        alloc.replaceAllUsesWith(device.getMemref());
        toErase.push_back(op);
        return WalkResult::advance();
      }
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(b, loc, Type(), ValueRange{},
                               dealloc.getMemref());
        toErase.push_back(op);
        return WalkResult::advance();
      }
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        auto source = cast<MemRefType>(copy.getSource().getType());
        auto target = cast<MemRefType>(copy.getTarget().getType());
        if (memref::isStaticShapeAndContiguousRowMajor(source) &&
            memref::isStaticShapeAndContiguousRowMajor(target)) {
          gpu::MemcpyOp::create(b, loc, Type(), ValueRange{}, copy.getTarget(),
                                copy.getSource());
          toErase.push_back(op);
          return WalkResult::advance();
        }
      }
      if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
        return WalkResult::advance();
      // Anything else that reads or writes a buffer would run on the host
      // against device memory; an op that takes a buffer and declares no
      // effects (a call) may do so too.
      bool takesBuffer = llvm::any_of(
          op->getOperandTypes(), [](Type t) { return isa<MemRefType>(t); });
      auto reject = [&](StringRef why) {
        op->emitError("'") << op->getName() << "' " << why;
        failed = true;
        return WalkResult::advance();
      };
      if (takesBuffer && !isa<MemoryEffectOpInterface>(op) &&
          !op->hasTrait<OpTrait::IsTerminator>() &&
          !isa<ViewLikeOpInterface>(op))
        return reject("may access device memory on the host; the GPU "
                      "pipeline cannot map it");
      if (auto effects = dyn_cast<MemoryEffectOpInterface>(op)) {
        SmallVector<MemoryEffects::EffectInstance> list;
        effects.getEffects(list);
        for (auto &effect : list) {
          Value value = effect.getValue();
          if (isa<MemoryEffects::Read, MemoryEffects::Write>(
                  effect.getEffect()) &&
              (!value || isa<MemRefType>(value.getType())))
            return reject("reads or writes memory on the host; the GPU "
                          "pipeline only launches kernels, allocates and "
                          "copies buffers there");
        }
      }
      if (auto get = dyn_cast<memref::GetGlobalOp>(op))
        if (!isConstantMemory(get.getResult())) {
          op->emitError("mutable global '")
              << get.getName()
              << "' is not supported by the GPU pipeline (kernels get a "
                 "copy of constant globals only)";
          failed = true;
        }
      return WalkResult::advance();
    });
    for (Operation *op : toErase)
      op->erase();
    if (failed)
      signalPassFailure();
  }
};

} // namespace

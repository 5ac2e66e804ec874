//===- Profile.cpp - time the top-level ops of each function -------------===//
//
// --qsparse-profile: brackets each function body, and each run of top-level
// work ops that share a source location, with calls into the runtime's
// profile counters (qsparse_profile_begin/end), and records what each id
// is in the module attribute `qsparse.profile`.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Conversion/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace qsparse {
#define GEN_PASS_DEF_PROFILE
#include "qsparse/Conversion/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kBegin = "qsparse_profile_begin";
constexpr llvm::StringLiteral kEnd = "qsparse_profile_end";
constexpr llvm::StringLiteral kTable = "qsparse.profile";

bool isProfileCall(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  return call && (call.getCallee() == kBegin || call.getCallee() == kEnd);
}

/// Ops that do the work a profile should attribute: loop nests and other
/// ops with regions, linalg ops, copies and calls.
bool isWork(Operation *op) {
  if (op->hasTrait<OpTrait::IsTerminator>() || isProfileCall(op))
    return false;
  return op->getNumRegions() > 0 ||
         isa<linalg::LinalgOp, memref::CopyOp, func::CallOp>(op);
}

/// "1x56x56x24xi32" for a shaped type, the type as printed otherwise.
std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto shaped = dyn_cast<ShapedType>(type); shaped && shaped.hasRank()) {
    for (int64_t d : shaped.getShape())
      os << (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d))
         << "x";
    os << shaped.getElementType();
  } else {
    os << type;
  }
  return text;
}

/// What a run of ops is, for the table: the last `qsparse.kernel` mark
/// (a contraction's kernel comes after the padding and packing that feed
/// it) with its `qsparse.kernel_output` type, else the first op's name and
/// the type of its first operand.
std::pair<std::string, std::string> describe(ArrayRef<Operation *> run) {
  for (Operation *op : llvm::reverse(run)) {
    auto kind = op->getAttrOfType<StringAttr>("qsparse.kernel");
    if (!kind)
      continue;
    auto output = op->getAttrOfType<TypeAttr>("qsparse.kernel_output");
    return {kind.str(), output ? typeText(output.getValue()) : ""};
  }
  Operation *first = run.front();
  return {first->getName().getStringRef().str(),
          first->getNumOperands() ? typeText(first->getOperand(0).getType())
                                  : ""};
}

struct ProfilePass : qsparse::impl::ProfileBase<ProfilePass> {
  using Base::Base;

  SmallVector<Attribute> table;

  /// A table entry {kind, loc[, type]}.
  int64_t addEntry(StringRef kind, StringRef type, Location loc) {
    MLIRContext *ctx = &getContext();
    SmallVector<NamedAttribute, 3> fields = {
        NamedAttribute(StringAttr::get(ctx, "kind"),
                       StringAttr::get(ctx, kind)),
        NamedAttribute(StringAttr::get(ctx, "loc"), cast<LocationAttr>(loc))};
    if (!type.empty())
      fields.push_back(NamedAttribute(StringAttr::get(ctx, "type"),
                                      StringAttr::get(ctx, type)));
    table.push_back(DictionaryAttr::get(ctx, fields));
    return table.size() - 1;
  }

  static void emitCall(OpBuilder &b, Location loc, StringRef callee,
                       int64_t id) {
    Value value = arith::ConstantIntOp::create(b, loc, id, 64);
    func::CallOp::create(b, loc, callee, TypeRange(), ValueRange{value});
  }

  /// Declares `name` as (i64) -> (), or checks an existing declaration.
  LogicalResult declare(OpBuilder &b, StringRef name) {
    ModuleOp module = getOperation();
    FunctionType type = b.getFunctionType({b.getI64Type()}, {});
    if (auto existing = module.lookupSymbol<func::FuncOp>(name)) {
      if (existing.getFunctionType() != type || !existing.isExternal())
        return existing.emitError()
               << "'" << name
               << "' is reserved for --qsparse-profile: expected a "
                  "declaration of type "
               << type;
      return success();
    }
    if (module.lookupSymbol(name))
      return module.emitError()
             << "'" << name << "' is reserved for --qsparse-profile";
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    func::FuncOp::create(b, module.getLoc(), name, type).setPrivate();
    return success();
  }

  void instrument(func::FuncOp func) {
    OpBuilder b(&getContext());
    // Runs of work ops sharing a location, found before any call is added.
    SmallVector<SmallVector<Operation *>> runs;
    for (Block &block : func.getBody()) {
      SmallVector<Operation *> *current = nullptr;
      for (Operation &op : block) {
        if (!isWork(&op))
          continue;
        if (current && current->front()->getLoc() == op.getLoc()) {
          current->push_back(&op);
          continue;
        }
        current = &runs.emplace_back();
        current->push_back(&op);
      }
    }
    int64_t whole =
        addEntry(("func @" + func.getSymName()).str(), "", func.getLoc());
    for (ArrayRef<Operation *> run : runs) {
      auto [kind, type] = describe(run);
      int64_t id = addEntry(kind, type, run.front()->getLoc());
      b.setInsertionPoint(run.front());
      emitCall(b, run.front()->getLoc(), kBegin, id);
      b.setInsertionPointAfter(run.back());
      emitCall(b, run.front()->getLoc(), kEnd, id);
    }
    b.setInsertionPointToStart(&func.getBody().front());
    emitCall(b, func.getLoc(), kBegin, whole);
    func.walk([&](func::ReturnOp ret) {
      b.setInsertionPoint(ret);
      emitCall(b, func.getLoc(), kEnd, whole);
    });
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module->hasAttr(kTable)) {
      module.emitError("--qsparse-profile: the module is already "
                       "instrumented (it has a 'qsparse.profile' table)");
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> funcs;
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        funcs.push_back(func);
    OpBuilder b(&getContext());
    // Each goes to the module's start: begin ends up first.
    if (failed(declare(b, kEnd)) || failed(declare(b, kBegin)))
      return signalPassFailure();
    table.clear();
    for (func::FuncOp func : funcs)
      instrument(func);
    module->setAttr(kTable, ArrayAttr::get(&getContext(), table));
  }
};

} // namespace

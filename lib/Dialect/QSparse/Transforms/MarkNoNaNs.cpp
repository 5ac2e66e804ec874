//===- MarkNoNaNs.cpp - float min/max that never see a NaN ----------------===//
//
// A forward analysis of which float values can be NaN, +inf, -inf or zero
// (for a tensor: any of its elements), through arith and math ops, the
// bodies of linalg.generic and the tensor ops that move elements. Every
// arith min/max whose operands are proven not NaN gets the `nnan` fast-math
// flag, which is then a fact, not an assumption: x86 lowers such a
// maximumf/minimumf to one vmaxps/vminps instead of a compare, a blend and
// the min/max.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

namespace qsparse {
#define GEN_PASS_DEF_MARKNONANS
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
/// What a float value (or any element of a float tensor) may be. The
/// default is the top: anything.
struct FPClass {
  bool nan = true, posInf = true, negInf = true, zero = true;

  static FPClass none() { return {false, false, false, false}; }
  /// A finite value, possibly zero.
  static FPClass finite() { return {false, false, false, true}; }
  bool inf() const { return posInf || negInf; }
  FPClass operator|(const FPClass &o) const {
    return {nan || o.nan, posInf || o.posInf, negInf || o.negInf,
            zero || o.zero};
  }
  static FPClass of(const APFloat &v) {
    FPClass c = none();
    c.nan = v.isNaN();
    c.posInf = v.isInfinity() && !v.isNegative();
    c.negInf = v.isInfinity() && v.isNegative();
    c.zero = v.isZero();
    return c;
  }
};

/// The class of every element of a float constant. f32 and f64 are read as
/// raw bits (an f32 model's weights are millions of elements).
std::optional<FPClass> classOf(Attribute attr) {
  if (auto f = dyn_cast<FloatAttr>(attr))
    return FPClass::of(f.getValue());
  std::optional<DenseElementsAttr> dense = qsparse::asDenseElements(attr);
  if (!dense)
    return std::nullopt;
  auto elem = dyn_cast<FloatType>(dense->getElementType());
  if (!elem)
    return std::nullopt;
  if (dense->isSplat())
    return FPClass::of(dense->getSplatValue<APFloat>());
  FPClass c = FPClass::none();
  auto scan = [&](auto bits, auto expMask, auto fracMask) {
    using T = decltype(bits);
    ArrayRef<char> raw = dense->getRawData();
    for (size_t i = 0; i + sizeof(T) <= raw.size(); i += sizeof(T)) {
      T v;
      std::memcpy(&v, raw.data() + i, sizeof(T));
      T exp = v & expMask, frac = v & fracMask;
      bool negative = v >> (8 * sizeof(T) - 1);
      if (exp == expMask) {
        c.nan |= frac != 0;
        c.posInf |= frac == 0 && !negative;
        c.negInf |= frac == 0 && negative;
      } else if (exp == 0 && frac == 0) {
        c.zero = true;
      }
    }
  };
  if (elem.isF32())
    scan(uint32_t(0), uint32_t(0x7f800000u), uint32_t(0x007fffffu));
  else if (elem.isF64())
    scan(uint64_t(0), uint64_t(0x7ff0000000000000ull),
         uint64_t(0x000fffffffffffffull));
  else
    for (const APFloat &v : dense->getValues<APFloat>())
      c = c | FPClass::of(v);
  return c;
}

/// Whether every value of an integer type converts to a finite `to`.
bool convertsFinite(Type from, Type to, bool isUnsigned) {
  auto i = dyn_cast<IntegerType>(getElementTypeOrSelf(from));
  auto f = dyn_cast<FloatType>(getElementTypeOrSelf(to));
  if (!i || !f)
    return false;
  // The largest magnitude is below 2^width; the float's largest finite
  // value is at least 2^maxExponent.
  unsigned bits = i.getWidth() - (isUnsigned ? 0 : 1);
  return bits <= unsigned(APFloat::semanticsMaxExponent(f.getFloatSemantics()));
}

struct MarkNoNaNsPass : qsparse::impl::MarkNoNaNsBase<MarkNoNaNsPass> {
  DenseMap<Value, FPClass> classes;

  FPClass get(Value v) {
    auto it = classes.find(v);
    if (it != classes.end())
      return it->second;
    FPClass c;
    if (auto constant = v.getDefiningOp<arith::ConstantOp>())
      c = classOf(constant.getValue()).value_or(FPClass());
    classes[v] = c;
    return c;
  }

  /// The class of result 0 of an elementwise arith/math op, if known.
  std::optional<FPClass> transfer(Operation *op) {
    auto at = [&](unsigned i) { return get(op->getOperand(i)); };
    return TypeSwitch<Operation *, std::optional<FPClass>>(op)
        .Case([&](arith::SIToFPOp o) -> std::optional<FPClass> {
          if (convertsFinite(o.getIn().getType(), o.getType(), false))
            return FPClass::finite();
          return FPClass{false, true, true, true};
        })
        .Case([&](arith::UIToFPOp o) -> std::optional<FPClass> {
          if (convertsFinite(o.getIn().getType(), o.getType(), true))
            return FPClass::finite();
          return FPClass{false, true, false, true};
        })
        .Case([&](arith::ExtFOp) { return at(0); })
        .Case([&](arith::TruncFOp) -> std::optional<FPClass> {
          // Overflow to infinity, underflow to zero.
          FPClass c = at(0);
          return FPClass{c.nan, true, true, true};
        })
        .Case([&](arith::NegFOp) -> std::optional<FPClass> {
          FPClass c = at(0);
          std::swap(c.posInf, c.negInf);
          return c;
        })
        .Case([&](math::AbsFOp) -> std::optional<FPClass> {
          FPClass c = at(0);
          return FPClass{c.nan, c.inf(), false, c.zero};
        })
        .Case<arith::AddFOp, arith::SubFOp>(
            [&](Operation *o) -> std::optional<FPClass> {
              FPClass a = at(0), b = at(1);
              if (isa<arith::SubFOp>(o))
                std::swap(b.posInf, b.negInf);
              // inf + -inf; finite sums may overflow.
              bool nan = a.nan || b.nan || (a.posInf && b.negInf) ||
                         (a.negInf && b.posInf);
              return FPClass{nan, true, true, true};
            })
        .Case([&](arith::MulFOp) -> std::optional<FPClass> {
          FPClass a = at(0), b = at(1);
          bool nan =
              a.nan || b.nan || (a.inf() && b.zero) || (b.inf() && a.zero);
          return FPClass{nan, true, true, true};
        })
        .Case([&](arith::DivFOp) -> std::optional<FPClass> {
          FPClass a = at(0), b = at(1);
          bool nan =
              a.nan || b.nan || (a.zero && b.zero) || (a.inf() && b.inf());
          return FPClass{nan, true, true, true};
        })
        .Case([&](arith::MaximumFOp) -> std::optional<FPClass> {
          FPClass a = at(0), b = at(1);
          return FPClass{a.nan || b.nan, a.posInf || b.posInf,
                         a.negInf && b.negInf, a.zero || b.zero};
        })
        .Case([&](arith::MinimumFOp) -> std::optional<FPClass> {
          FPClass a = at(0), b = at(1);
          return FPClass{a.nan || b.nan, a.posInf && b.posInf,
                         a.negInf || b.negInf, a.zero || b.zero};
        })
        .Case<arith::MaxNumFOp, arith::MinNumFOp>(
            [&](Operation *) -> std::optional<FPClass> {
              // A NaN operand yields the other one.
              FPClass a = at(0), b = at(1), c = a | b;
              c.nan = a.nan && b.nan;
              return c;
            })
        .Case([&](arith::SelectOp o) -> std::optional<FPClass> {
          return get(o.getTrueValue()) | get(o.getFalseValue());
        })
        .Case<math::RoundEvenOp, math::RoundOp, math::FloorOp, math::CeilOp,
              math::TruncOp>([&](Operation *) -> std::optional<FPClass> {
          FPClass c = at(0);
          c.zero = true;
          return c;
        })
        .Case([&](math::ExpOp) -> std::optional<FPClass> {
          // exp(-inf) = 0, overflow to +inf.
          return FPClass{at(0).nan, true, false, true};
        })
        .Case([&](math::TanhOp) -> std::optional<FPClass> {
          return FPClass{at(0).nan, false, false, true};
        })
        .Default([](Operation *) { return std::nullopt; });
  }

  /// Sets the classes of the block arguments of a linalg.generic's body
  /// before the body is visited: its operands'. An output the body reads
  /// (a reduction) holds partial results too, joined in by `refine`.
  void enter(Operation *op) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic.hasPureTensorSemantics())
      return;
    Block *body = generic.getBody();
    for (OpOperand &operand : generic->getOpOperands())
      classes[body->getArgument(operand.getOperandNumber())] =
          get(operand.get());
  }

  /// After a visit of a generic's body: joins the yielded classes into
  /// the output block arguments the body reads; true when one grew (the
  /// body is then visited again, at most a few times: classes only grow).
  bool refine(Operation *op) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic.hasPureTensorSemantics())
      return false;
    auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
    bool grew = false;
    for (OpOperand &init : generic.getDpsInitsMutable()) {
      BlockArgument arg = generic.getMatchingBlockArgument(&init);
      if (arg.use_empty())
        continue;
      FPClass before = get(arg),
              after =
                  before | get(yield->getOperand(init.getOperandNumber() -
                                                 generic.getNumDpsInputs()));
      if (std::tie(before.nan, before.posInf, before.negInf, before.zero) !=
          std::tie(after.nan, after.posInf, after.negInf, after.zero)) {
        classes[arg] = after;
        grew = true;
      }
    }
    return grew;
  }

  /// Sets the classes of `op`'s results, after its body was visited.
  void leave(Operation *op) {
    if (op->getNumResults() == 0)
      return;
    auto set = [&](Value v, FPClass c) { classes[v] = c; };
    if (std::optional<FPClass> c = transfer(op)) {
      set(op->getResult(0), *c);
      return;
    }
    TypeSwitch<Operation *>(op)
        .Case([&](linalg::GenericOp g) {
          if (!g.hasPureTensorSemantics())
            return;
          auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
          for (auto [i, result] : llvm::enumerate(g->getResults())) {
            OpOperand *init = g.getDpsInitOperand(i);
            FPClass c = get(yield->getOperand(i));
            // An output read by the body keeps its initial values in
            // the result too (a reduction).
            if (!g.getMatchingBlockArgument(init).use_empty())
              c = c | get(init->get());
            set(result, c);
          }
        })
        .Case([&](linalg::TransposeOp t) {
          if (t.hasPureTensorSemantics())
            set(t->getResult(0), get(t.getInput()));
        })
        .Case([&](linalg::BroadcastOp t) {
          if (t.hasPureTensorSemantics())
            set(t->getResult(0), get(t.getInput()));
        })
        .Case([&](linalg::CopyOp t) {
          if (t.hasPureTensorSemantics())
            set(t->getResult(0), get(t.getInputs()[0]));
        })
        .Case([&](linalg::FillOp t) {
          if (t.hasPureTensorSemantics())
            set(t->getResult(0), get(t.getInputs()[0]));
        })
        .Case([&](tensor::EmptyOp t) {
          // Undefined contents: only what is written into it counts.
          set(t, FPClass::none());
        })
        .Case([&](tensor::PadOp t) {
          Value pad = t.getConstantPaddingValue();
          set(t, get(t.getSource()) | (pad ? get(pad) : FPClass()));
        })
        .Case<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
              tensor::ExtractSliceOp, tensor::CastOp>(
            [&](Operation *o) { set(o->getResult(0), get(o->getOperand(0))); })
        .Case([&](tensor::InsertSliceOp t) {
          set(t, get(t.getSource()) | get(t.getDest()));
        })
        .Case([&](tensor::ExtractOp t) { set(t, get(t.getTensor())); })
        .Case([&](tensor::ConcatOp t) {
          FPClass c = FPClass::none();
          for (Value input : t.getInputs())
            c = c | get(input);
          set(t, c);
        });
  }

  void visit(Block &block) {
    for (Operation &op : block) {
      enter(&op);
      do {
        for (Region &region : op.getRegions())
          for (Block &inner : region)
            visit(inner);
      } while (refine(&op));
      leave(&op);
    }
  }

  void runOnOperation() override {
    for (Region &region : getOperation()->getRegions())
      for (Block &block : region)
        visit(block);
    getOperation()->walk([&](Operation *op) {
      if (!isa<arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
               arith::MinNumFOp>(op))
        return;
      if (get(op->getOperand(0)).nan || get(op->getOperand(1)).nan)
        return;
      auto fmf = cast<arith::ArithFastMathInterface>(op);
      arith::FastMathFlags flags = fmf.getFastMathFlagsAttr().getValue();
      if (bitEnumContainsAll(flags, arith::FastMathFlags::nnan))
        return;
      op->setAttr(fmf.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(
                      op->getContext(), flags | arith::FastMathFlags::nnan));
      ++numMarked;
    });
    classes.clear();
  }
};
} // namespace

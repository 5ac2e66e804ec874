//===- FloatRanges.cpp - what float values can be, and what that saves ----===//
//
// A forward analysis of float values (for a tensor: any of its elements):
// whether they may be NaN or -0.0, and an interval [lo, hi] in the extended
// reals that holds every other value, through arith and math ops, the
// bodies of linalg.generic and the tensor ops that move elements. It then
//  - marks every arith min/max whose operands are proven not NaN `nnan`
//    (x86 lowers such a maximumf/minimumf to one vmaxps/vminps instead of a
//    compare, a blend and the min/max), and
//  - removes a min/max against a constant that can never change its other
//    operand (a requantize's clamp to the integer range after an earlier
//    clamp already bounded the value).
// Both are proven facts: the results do not change.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Dialect/QSparse/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace qsparse {
#define GEN_PASS_DEF_FLOATRANGES
#include "qsparse/Dialect/QSparse/Transforms/Passes.h.inc"
} // namespace qsparse

using namespace mlir;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

/// What a float value (or any element of a float tensor) may be: NaN, -0.0,
/// or a value in [lo, hi] (which may include +-infinity and +0.0). The
/// default is the top: anything.
struct FloatRange {
  bool nan = true, negZero = true;
  double lo = -kInf, hi = kInf;

  static FloatRange none() { return {false, false, kInf, -kInf}; }
  static FloatRange interval(double lo, double hi) {
    return {false, false, lo, hi};
  }
  bool maybeInf() const { return lo == -kInf || hi == kInf; }
  /// Whether +0.0 or -0.0 may be a value.
  bool maybeZero() const { return negZero || (lo <= 0 && hi >= 0); }
  /// Whether a value may have its sign bit set (a negative number or -0.0).
  bool maybeNegative() const { return negZero || lo < 0; }
  FloatRange operator|(const FloatRange &o) const {
    return {nan || o.nan, negZero || o.negZero, std::min(lo, o.lo),
            std::max(hi, o.hi)};
  }
  bool operator==(const FloatRange &o) const {
    return nan == o.nan && negZero == o.negZero && lo == o.lo && hi == o.hi;
  }
  void add(const APFloat &v) {
    if (v.isNaN()) {
      nan = true;
      return;
    }
    negZero |= v.isNegZero();
    double d =
        v.isInfinity() ? (v.isNegative() ? -kInf : kInf) : v.convertToDouble();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
};

/// The range of every element of a float constant. f32 elements are read
/// as raw floats (an f32 model's weights are millions of elements).
std::optional<FloatRange> rangeOf(Attribute attr) {
  FloatRange r = FloatRange::none();
  if (auto f = dyn_cast<FloatAttr>(attr)) {
    r.add(f.getValue());
    return r;
  }
  std::optional<DenseElementsAttr> dense = qsparse::asDenseElements(attr);
  if (!dense || !isa<FloatType>(dense->getElementType()))
    return std::nullopt;
  if (dense->isSplat()) {
    r.add(dense->getSplatValue<APFloat>());
    return r;
  }
  if (dense->getElementType().isF32()) {
    ArrayRef<char> raw = dense->getRawData();
    for (size_t i = 0; i + 4 <= raw.size(); i += 4) {
      float v;
      std::memcpy(&v, raw.data() + i, 4);
      if (std::isnan(v)) {
        r.nan = true;
        continue;
      }
      r.negZero |= v == 0 && std::signbit(v);
      r.lo = std::min(r.lo, double(v));
      r.hi = std::max(r.hi, double(v));
    }
    return r;
  }
  for (const APFloat &v : dense->getValues<APFloat>())
    r.add(v);
  return r;
}

/// A scalar float constant (or splat), if `v` is one.
std::optional<APFloat> constantScalar(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    if (dense.isSplat() && isa<FloatType>(dense.getElementType()))
      return dense.getSplatValue<APFloat>();
  return std::nullopt;
}

/// Whether `type`'s float elements (if any) are IEEE binary formats with
/// infinities, NaN and signed zeros whose values a double holds: f16, bf16,
/// f32, f64. The small formats (no infinity, overflow to NaN, no -0) and
/// f80/f128 are left alone.
bool tracked(Type type) {
  auto f = dyn_cast<FloatType>(getElementTypeOrSelf(type));
  return !f || f.isF16() || f.isBF16() || f.isF32() || f.isF64();
}

struct FloatRangesPass : qsparse::impl::FloatRangesBase<FloatRangesPass> {
  DenseMap<Value, FloatRange> ranges;

  FloatRange get(Value v) {
    auto it = ranges.find(v);
    if (it != ranges.end())
      return it->second;
    FloatRange r;
    if (auto constant = v.getDefiningOp<arith::ConstantOp>();
        constant && tracked(v.getType()))
      r = rangeOf(constant.getValue()).value_or(FloatRange());
    ranges[v] = r;
    return r;
  }

  /// Records `r` for `v`; anything for a float type that is not tracked.
  void set(Value v, FloatRange r) {
    ranges[v] = tracked(v.getType()) ? r : FloatRange();
  }

  /// `r` computed in double as the bounds of an op on `type`: widened by
  /// the rounding to `type` (and the double computation) and saturated to
  /// infinity past the type's largest finite value. A bound of zero, or
  /// one the type holds exactly, stays: rounding is monotone and keeps
  /// it, so it bounds the rounded results too. Only f32, f16 and bf16 get
  /// bounds.
  static FloatRange rounded(FloatRange r, Type type) {
    auto f = dyn_cast<FloatType>(getElementTypeOrSelf(type));
    if (!f || !tracked(f) || f.isF64()) {
      r.lo = -kInf;
      r.hi = kInf;
      return r;
    }
    const llvm::fltSemantics &sem = f.getFloatSemantics();
    double eps = std::ldexp(1.0, 2 - int(APFloat::semanticsPrecision(sem)));
    double tiny = APFloat::getSmallest(sem).convertToDouble();
    double largest = APFloat::getLargest(sem).convertToDouble();
    auto widen = [&](double b, double dir) {
      if (std::isnan(b))
        return dir * kInf;
      if (b == 0 || std::isinf(b))
        return b;
      // A bound the type holds exactly is its own rounding: the exact
      // bound is within half a double ulp of it, far from any rounding
      // boundary of the type.
      APFloat v(b);
      bool loses = false;
      APFloat::opStatus status =
          v.convert(sem, APFloat::rmNearestTiesToEven, &loses);
      if (!loses && status == APFloat::opOK)
        return b;
      double w = b + dir * (std::fabs(b) * eps + tiny);
      if (w > largest)
        return kInf;
      if (w < -largest)
        return -kInf;
      return w;
    };
    r.lo = widen(r.lo, -1);
    r.hi = widen(r.hi, 1);
    // Values below the smallest subnormal may round to zero.
    if (r.lo > 0 && r.lo < 2 * tiny)
      r.lo = 0;
    if (r.hi < 0 && r.hi > -2 * tiny)
      r.hi = 0;
    return r;
  }

  /// The range of result 0 of an elementwise arith/math op, if known.
  std::optional<FloatRange> transfer(Operation *op) {
    auto at = [&](unsigned i) { return get(op->getOperand(i)); };
    Type type = op->getNumResults() ? op->getResult(0).getType() : Type();
    auto intRange = [&](Type from, bool isUnsigned) -> FloatRange {
      auto i = cast<IntegerType>(getElementTypeOrSelf(from));
      unsigned w = i.getWidth();
      double lo = isUnsigned || w == 1 ? 0 : -std::ldexp(1.0, w - 1);
      double hi = isUnsigned || w == 1 ? std::ldexp(1.0, w) - 1
                                       : std::ldexp(1.0, w - 1) - 1;
      // w == 1 as signed is {0, -1}.
      if (!isUnsigned && w == 1)
        lo = -1, hi = 0;
      return rounded(FloatRange::interval(lo, hi), type);
    };
    /// Bounds from candidate values, a NaN candidate (inf - inf, 0 * inf,
    /// inf / inf) counted as either infinity.
    auto hull = [&](std::initializer_list<double> values) {
      FloatRange r = FloatRange::none();
      for (double v : values) {
        r.lo = std::min(r.lo, std::isnan(v) ? -kInf : v);
        r.hi = std::max(r.hi, std::isnan(v) ? kInf : v);
      }
      return r;
    };
    return TypeSwitch<Operation *, std::optional<FloatRange>>(op)
        .Case([&](arith::SIToFPOp o) {
          return intRange(o.getIn().getType(), false);
        })
        .Case([&](arith::UIToFPOp o) {
          return intRange(o.getIn().getType(), true);
        })
        .Case([&](arith::ExtFOp) { return at(0); })
        .Case([&](arith::TruncFOp) -> std::optional<FloatRange> {
          FloatRange a = at(0), r = rounded(a, type);
          // Tiny negative values become -0.
          r.negZero = a.maybeNegative();
          return r;
        })
        .Case([&](arith::NegFOp) -> std::optional<FloatRange> {
          FloatRange a = at(0);
          return FloatRange{a.nan, a.lo <= 0 && a.hi >= 0, -a.hi, -a.lo};
        })
        .Case([&](math::AbsFOp) -> std::optional<FloatRange> {
          FloatRange a = at(0);
          double lo = a.lo <= 0 && a.hi >= 0
                          ? 0
                          : std::min(std::fabs(a.lo), std::fabs(a.hi));
          return FloatRange{a.nan, false, lo,
                            std::max(std::fabs(a.lo), std::fabs(a.hi))};
        })
        .Case<arith::AddFOp, arith::SubFOp>(
            [&](Operation *o) -> std::optional<FloatRange> {
              FloatRange a = at(0), b = at(1);
              bool sub = isa<arith::SubFOp>(o);
              double blo = sub ? -b.hi : b.lo, bhi = sub ? -b.lo : b.hi;
              // inf + -inf is NaN; -0 only from -0 + -0 (-0 - +0).
              bool nan = a.nan || b.nan || (a.hi == kInf && blo == -kInf) ||
                         (a.lo == -kInf && bhi == kInf);
              bool bNegZero = sub ? b.lo <= 0 && b.hi >= 0 : b.negZero;
              FloatRange r = rounded(hull({a.lo + blo, a.hi + bhi}), type);
              r.nan = nan;
              r.negZero = a.negZero && bNegZero;
              return r;
            })
        .Case<arith::MulFOp, arith::DivFOp>(
            [&](Operation *o) -> std::optional<FloatRange> {
              FloatRange a = at(0), b = at(1);
              bool div = isa<arith::DivFOp>(o);
              bool nan = a.nan || b.nan ||
                         (div ? (a.maybeZero() && b.maybeZero()) ||
                                    (a.maybeInf() && b.maybeInf())
                              : (a.maybeInf() && b.maybeZero()) ||
                                    (b.maybeInf() && a.maybeZero()));
              FloatRange r;
              if (div && b.maybeZero()) {
                r = FloatRange::interval(-kInf, kInf);
              } else {
                auto f = [&](double x, double y) {
                  // 0 * inf and inf / inf are the NaN case above.
                  if (div)
                    return std::isinf(x) && std::isinf(y) ? 0.0 : x / y;
                  return (x == 0 && std::isinf(y)) || (y == 0 && std::isinf(x))
                             ? 0.0
                             : x * y;
                };
                r = rounded(hull({f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo),
                                  f(a.hi, b.hi)}),
                            type);
              }
              r.nan = nan;
              r.negZero = a.maybeNegative() || b.maybeNegative();
              return r;
            })
        .Case<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
              arith::MinNumFOp>([&](Operation *o) -> std::optional<FloatRange> {
          FloatRange a = at(0), b = at(1);
          // maxnumf/minnumf of a NaN and a number is the number: the
          // result may be either operand.
          if (isa<arith::MaxNumFOp, arith::MinNumFOp>(o) && (a.nan || b.nan)) {
            FloatRange r = a | b;
            r.nan = a.nan && b.nan;
            return r;
          }
          bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(o);
          auto pick = [&](double x, double y) {
            return isMax ? std::max(x, y) : std::min(x, y);
          };
          return FloatRange{a.nan || b.nan, a.negZero || b.negZero,
                            pick(a.lo, b.lo), pick(a.hi, b.hi)};
        })
        .Case([&](arith::SelectOp o) -> std::optional<FloatRange> {
          return get(o.getTrueValue()) | get(o.getFalseValue());
        })
        .Case<math::RoundEvenOp, math::RoundOp, math::FloorOp, math::CeilOp,
              math::TruncOp>([&](Operation *o) -> std::optional<FloatRange> {
          // Monotone: the bounds' images bound the images.
          FloatRange a = at(0);
          auto f = [&](double x) {
            return TypeSwitch<Operation *, double>(o)
                .Case([&](math::RoundEvenOp) { return std::nearbyint(x); })
                .Case([&](math::RoundOp) { return std::round(x); })
                .Case([&](math::FloorOp) { return std::floor(x); })
                .Case([&](math::CeilOp) { return std::ceil(x); })
                .Default([&](Operation *) { return std::trunc(x); });
          };
          return FloatRange{a.nan, a.maybeNegative(), f(a.lo), f(a.hi)};
        })
        .Case([&](math::ExpOp) -> std::optional<FloatRange> {
          FloatRange a = at(0);
          FloatRange r = rounded(
              FloatRange::interval(std::exp(a.lo), std::exp(a.hi)), type);
          r.lo = std::max(r.lo, 0.0);
          r.nan = a.nan;
          return r;
        })
        .Case([&](math::TanhOp) -> std::optional<FloatRange> {
          FloatRange a = at(0);
          FloatRange r = rounded(
              FloatRange::interval(std::tanh(a.lo), std::tanh(a.hi)), type);
          r.lo = std::max(r.lo, -1.0);
          r.hi = std::min(r.hi, 1.0);
          r.nan = a.nan;
          r.negZero = a.negZero;
          return r;
        })
        .Default([](Operation *) { return std::nullopt; });
  }

  /// Sets the ranges of the block arguments of a linalg.generic's body
  /// before the body is visited: its operands'. An output the body reads
  /// (a reduction) holds partial results too, joined in by `refine`.
  void enter(Operation *op) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic.hasPureTensorSemantics())
      return;
    Block *body = generic.getBody();
    for (OpOperand &operand : generic->getOpOperands())
      set(body->getArgument(operand.getOperandNumber()), get(operand.get()));
  }

  /// After visit `round` (from 0) of a generic's body: joins the yielded
  /// ranges into the output block arguments the body reads; true when one
  /// grew (the body is then visited again). From the third round on, a
  /// bound that still moves goes to infinity, so this ends.
  bool refine(Operation *op, int round) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic.hasPureTensorSemantics())
      return false;
    auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
    bool grew = false;
    for (OpOperand &init : generic.getDpsInitsMutable()) {
      BlockArgument arg = generic.getMatchingBlockArgument(&init);
      if (arg.use_empty())
        continue;
      FloatRange before = get(arg),
                 after =
                     before | get(yield->getOperand(init.getOperandNumber() -
                                                    generic.getNumDpsInputs()));
      if (after == before)
        continue;
      if (round >= 2) {
        if (after.lo < before.lo)
          after.lo = -kInf;
        if (after.hi > before.hi)
          after.hi = kInf;
      }
      set(arg, after);
      grew = true;
    }
    return grew;
  }

  /// Sets the ranges of `op`'s results, after its body was visited.
  void leave(Operation *op) {
    if (op->getNumResults() == 0)
      return;
    if (std::optional<FloatRange> r = transfer(op)) {
      set(op->getResult(0), *r);
      return;
    }
    TypeSwitch<Operation *>(op)
        .Case([&](linalg::GenericOp g) {
          if (!g.hasPureTensorSemantics())
            return;
          auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
          for (auto [i, result] : llvm::enumerate(g->getResults())) {
            OpOperand *init = g.getDpsInitOperand(i);
            FloatRange r = get(yield->getOperand(i));
            // An output read by the body keeps its initial values in
            // the result too, and so does any reduction's (an empty
            // reduction dimension yields the initial values).
            if (!g.getMatchingBlockArgument(init).use_empty() ||
                g.getNumReductionLoops() > 0)
              r = r | get(init->get());
            set(result, r);
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
          // A copy between element types converts (rounds, overflows).
          if (t.hasPureTensorSemantics() &&
              getElementTypeOrSelf(t.getInputs()[0].getType()) ==
                  getElementTypeOrSelf(t->getResult(0).getType()))
            set(t->getResult(0), get(t.getInputs()[0]));
        })
        .Case([&](linalg::FillOp t) {
          if (t.hasPureTensorSemantics() &&
              t.getInputs()[0].getType() ==
                  getElementTypeOrSelf(t->getResult(0).getType()))
            set(t->getResult(0), get(t.getInputs()[0]));
        })
        .Case([&](tensor::EmptyOp t) {
          // Undefined contents: only what is written into it counts.
          set(t, FloatRange::none());
        })
        .Case([&](tensor::PadOp t) {
          Value pad = t.getConstantPaddingValue();
          set(t, get(t.getSource()) | (pad ? get(pad) : FloatRange()));
        })
        .Case<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
              tensor::ExtractSliceOp, tensor::CastOp>(
            [&](Operation *o) { set(o->getResult(0), get(o->getOperand(0))); })
        .Case([&](tensor::InsertSliceOp t) {
          set(t, get(t.getSource()) | get(t.getDest()));
        })
        .Case([&](tensor::ExtractOp t) { set(t, get(t.getTensor())); })
        .Case([&](tensor::ConcatOp t) {
          FloatRange r = FloatRange::none();
          for (Value input : t.getInputs())
            r = r | get(input);
          set(t, r);
        });
  }

  void visit(Block &block) {
    for (Operation &op : block) {
      enter(&op);
      int round = 0;
      do {
        for (Region &region : op.getRegions())
          for (Block &inner : region)
            visit(inner);
      } while (refine(&op, round++));
      leave(&op);
    }
  }

  /// Whether min/max `op` (max when `isMax`) always yields `x`, its other
  /// operand being the constant `c`.
  bool noop(Operation *op, Value x, const APFloat &c, bool isMax) {
    if (c.isNaN() || !tracked(x.getType()))
      return false;
    FloatRange r = get(x);
    // maxnumf/minnumf of a NaN yields the constant.
    if (isa<arith::MaxNumFOp, arith::MinNumFOp>(op) && r.nan)
      return false;
    double cv =
        c.isInfinity() ? (c.isNegative() ? -kInf : kInf) : c.convertToDouble();
    if (isMax) {
      // max(-0, +0) is +0.
      if (r.lo > cv)
        return true;
      return r.lo == cv && !(cv == 0 && !c.isNegative() && r.negZero);
    }
    // min(+0, -0) is -0.
    if (r.hi < cv)
      return true;
    return r.hi == cv && !(cv == 0 && c.isNegative() && r.hi >= 0);
  }

  void runOnOperation() override {
    for (Region &region : getOperation()->getRegions())
      for (Block &block : region)
        visit(block);
    SmallVector<Operation *> minMax;
    getOperation()->walk([&](Operation *op) {
      if (isa<arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
              arith::MinNumFOp>(op))
        minMax.push_back(op);
    });
    for (Operation *op : minMax) {
      bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(op);
      Value lhs = op->getOperand(0), rhs = op->getOperand(1);
      std::optional<APFloat> c = constantScalar(rhs);
      Value x = lhs;
      if (!c) {
        c = constantScalar(lhs);
        x = rhs;
      }
      if (c && noop(op, x, *c, isMax)) {
        op->getResult(0).replaceAllUsesWith(x);
        op->erase();
        ++numRemoved;
        continue;
      }
      if (get(lhs).nan || get(rhs).nan)
        continue;
      auto fmf = cast<arith::ArithFastMathInterface>(op);
      arith::FastMathFlags flags = fmf.getFastMathFlagsAttr().getValue();
      if (bitEnumContainsAll(flags, arith::FastMathFlags::nnan))
        continue;
      op->setAttr(fmf.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(
                      op->getContext(), flags | arith::FastMathFlags::nnan));
      ++numMarked;
    }
    ranges.clear();
  }
};
} // namespace

//===- AccumulatorBounds.cpp - accumulator widths -------------------------===//
//
// Implements DESIGN 3.2 as documented in AccumulatorBounds.h. All bounds are
// exact integers in __int128; only the enforcement projection uses floating
// point, and its integer result is re-checked exactly.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/AccumulatorBounds.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

namespace qsparse::numerics {

namespace {
// __extension__ keeps -pedantic builds quiet about the GCC/Clang builtin.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr InputRange kInvalidRange{1, 0};

// Products are at most 2^126 in magnitude, so a sum kept within 2^125 never
// overflows __int128 on the next addition.
constexpr Int128 kSumLimit = Int128(1) << 125;

bool fitsInt64(Int128 v) { return v >= kInt64Min && v <= kInt64Max; }

unsigned bitLength(UInt128 v) {
  unsigned n = 0;
  for (; v != 0; v >>= 1)
    ++n;
  return n;
}

/// Exact sum that reports (rather than wraps) once it leaves +-2^125.
struct CheckedSum {
  Int128 value = 0;
  bool ok = true;
  explicit CheckedSum(Int128 start = 0) : value(start) {}
  void add(Int128 t) {
    value += t;
    if (value > kSumLimit || value < -kSumLimit)
      ok = false;
  }
};

struct TermRange {
  Int128 lo, hi;
};

/// Range of w * x over x in [xmin, xmax] (DESIGN 3.2: min/max of w*xmin and
/// w*xmax, as the product is monotone in x).
TermRange termRange(int64_t w, InputRange x) {
  Int128 a = Int128(w) * x.min, b = Int128(w) * x.max;
  return a <= b ? TermRange{a, b} : TermRange{b, a};
}

/// Every range of one segment of a row, accumulated from `start`.
struct SegmentBounds {
  Int128 finalLo, finalHi;   // start + sum tmin, start + sum tmax
  Int128 prefixLo, prefixHi; // hull of the sequential prefixes 0..n
  Int128 freeLo, freeHi;     // min(0,start) + sum min(0,tmin), and the top
  bool ok;
};

SegmentBounds segmentBounds(const int64_t *w, int64_t n, InputRange x,
                            int64_t start) {
  CheckedSum lo(start), hi(start), freeLo(std::min<int64_t>(start, 0)),
      freeHi(std::max<int64_t>(start, 0));
  Int128 prefixLo = start, prefixHi = start;
  for (int64_t i = 0; i < n && lo.ok && hi.ok && freeLo.ok && freeHi.ok; ++i) {
    TermRange t = termRange(w[i], x);
    lo.add(t.lo);
    hi.add(t.hi);
    freeLo.add(std::min<Int128>(t.lo, 0));
    freeHi.add(std::max<Int128>(t.hi, 0));
    prefixLo = std::min(prefixLo, lo.value);
    prefixHi = std::max(prefixHi, hi.value);
  }
  return {lo.value,
          hi.value,
          prefixLo,
          prefixHi,
          freeLo.value,
          freeHi.value,
          lo.ok && hi.ok && freeLo.ok && freeHi.ok};
}

bool validProblem(const int64_t *w, int64_t channels, int64_t k) {
  return channels >= 0 && k >= 0 && (w || channels == 0 || k == 0);
}

/// Shared driver of the three range functions: `pick` selects the range.
std::vector<ChannelRange>
channelRanges(const int64_t *w, int64_t channels, int64_t k, InputRange x,
              const int64_t *bias,
              const std::function<TermRange(const SegmentBounds &)> &pick) {
  if (!validProblem(w, channels, k) || !isValidInputRange(x))
    return {};
  std::vector<ChannelRange> ranges;
  ranges.reserve(size_t(channels));
  for (int64_t c = 0; c < channels; ++c) {
    SegmentBounds s =
        segmentBounds(w + c * k, k, x, bias ? bias[c] : int64_t(0));
    TermRange r = pick(s);
    if (!s.ok || !fitsInt64(r.lo) || !fitsInt64(r.hi))
      return {};
    ranges.push_back({int64_t(r.lo), int64_t(r.hi)});
  }
  return ranges;
}
} // namespace

unsigned signedBitsForRange(int64_t lo, int64_t hi) {
  assert(lo <= hi && "empty range");
  for (unsigned p = 1; p < 64; ++p) {
    int64_t min = -(int64_t(1) << (p - 1));
    int64_t max = (int64_t(1) << (p - 1)) - 1;
    if (lo >= min && hi <= max)
      return p;
  }
  return 64;
}

unsigned storageBitsForRange(int64_t lo, int64_t hi) {
  unsigned bits = signedBitsForRange(lo, hi);
  // A non-negative range may use the sign bit as a magnitude bit.
  if (lo >= 0 && bits > 1)
    return bits - 1;
  return bits;
}

InputRange inputRangeOf(unsigned bits, bool isSigned, int64_t zeroPoint) {
  if (bits == 0 || bits > (isSigned ? 64u : 63u))
    return kInvalidRange;
  Int128 min = isSigned ? -(Int128(1) << (bits - 1)) : 0;
  Int128 max =
      isSigned ? (Int128(1) << (bits - 1)) - 1 : (Int128(1) << bits) - 1;
  min -= zeroPoint;
  max -= zeroPoint;
  if (!fitsInt64(min) || !fitsInt64(max))
    return kInvalidRange;
  return {int64_t(min), int64_t(max)};
}

std::vector<ChannelRange> exactChannelRanges(const int64_t *w, int64_t channels,
                                             int64_t k, InputRange x,
                                             const int64_t *bias) {
  return channelRanges(w, channels, k, x, bias, [](const SegmentBounds &s) {
    return TermRange{s.finalLo, s.finalHi};
  });
}

std::vector<ChannelRange> exactPartialSumRanges(const int64_t *w,
                                                int64_t channels, int64_t k,
                                                InputRange x,
                                                const int64_t *bias) {
  return channelRanges(w, channels, k, x, bias, [](const SegmentBounds &s) {
    return TermRange{s.prefixLo, s.prefixHi};
  });
}

std::vector<ChannelRange> orderFreeChannelRanges(const int64_t *w,
                                                 int64_t channels, int64_t k,
                                                 InputRange x,
                                                 const int64_t *bias) {
  return channelRanges(w, channels, k, x, bias, [](const SegmentBounds &s) {
    return TermRange{s.freeLo, s.freeHi};
  });
}

unsigned exactBits(const std::vector<ChannelRange> &ranges) {
  unsigned bits = 0;
  for (const ChannelRange &r : ranges)
    bits = std::max(bits, signedBitsForRange(r.lo, r.hi));
  return bits;
}

unsigned dataTypeBits(int64_t k, unsigned inputBits, bool inputSigned,
                      unsigned weightBits) {
  if (k <= 0 || inputBits == 0 || weightBits == 0)
    return 1;
  // P = ceil(log2(K * 2^e + 1)) + 1 = bitLength(K * 2^e) + 1, e >= 0 here.
  uint64_t e = uint64_t(inputBits) + weightBits - 1 - (inputSigned ? 1 : 0);
  uint64_t p = bitLength(UInt128(k)) + e + 1;
  return unsigned(std::min<uint64_t>(p, std::numeric_limits<unsigned>::max()));
}

unsigned l1Bits(const int64_t *w, int64_t channels, int64_t k,
                unsigned inputBits, bool inputSigned) {
  if (!validProblem(w, channels, k) || inputBits == 0)
    return 0;
  unsigned bits = 1;
  for (int64_t c = 0; c < channels; ++c) {
    // |w| <= 2^63 and k < 2^63: the norm stays below 2^126.
    UInt128 norm = 0;
    for (int64_t i = 0; i < k; ++i) {
      int64_t v = w[c * k + i];
      norm += v < 0 ? UInt128(-Int128(v)) : UInt128(v);
    }
    if (norm == 0)
      continue;
    // norm * 2^(N-s) <= 2^(P-1) - 1  <=>  P - 1 >= bitLength(norm * 2^(N-s)).
    uint64_t p =
        uint64_t(bitLength(norm)) + inputBits - (inputSigned ? 1 : 0) + 1;
    bits = unsigned(std::max<uint64_t>(
        bits, std::min<uint64_t>(p, std::numeric_limits<unsigned>::max())));
  }
  return bits;
}

std::optional<unsigned> zeroCenteredBits(const int64_t *w, int64_t channels,
                                         int64_t k, unsigned inputBits) {
  if (!validProblem(w, channels, k) || inputBits == 0 || inputBits > 63)
    return std::nullopt;
  unsigned bits = 1;
  const UInt128 range = (UInt128(1) << inputBits) - 1; // 2^N - 1
  for (int64_t c = 0; c < channels; ++c) {
    Int128 sum = 0;
    UInt128 norm = 0;
    for (int64_t i = 0; i < k; ++i) {
      int64_t v = w[c * k + i];
      sum += v;
      norm += v < 0 ? UInt128(-Int128(v)) : UInt128(v);
    }
    if (sum != 0)
      return std::nullopt;
    // P = ceil(log2(norm * (2^N - 1) + 2)) = bitLength(norm * (2^N - 1) + 1);
    // norm < 2^126 and 2^N - 1 < 2^63 can still overflow: refuse then.
    const UInt128 maxU = ~UInt128(0);
    if (norm != 0 && range > (maxU - 1) / norm)
      return std::nullopt;
    bits = std::max(bits, bitLength(norm * range + 1));
  }
  return bits;
}

MultiStageBits multiStageBits(const int64_t *w, int64_t channels, int64_t k,
                              int64_t tile, InputRange x, const int64_t *bias) {
  if (!validProblem(w, channels, k) || !isValidInputRange(x))
    return {0, 0, 0};
  int64_t t = (tile <= 0 || tile > k) ? k : tile;
  int64_t tiles = k == 0 ? 0 : (k - 1) / t + 1;
  MultiStageBits result{1, 1, tiles};
  for (int64_t c = 0; c < channels; ++c) {
    int64_t b = bias ? bias[c] : 0;
    // The outer accumulator starts at b; a tile result only widens it in the
    // direction of its own sign (see the header's derivation).
    CheckedSum outerLo(b), outerHi(b);
    for (int64_t begin = 0; begin < k; begin += t) {
      SegmentBounds s =
          segmentBounds(w + c * k + begin, std::min(t, k - begin), x, 0);
      if (!s.ok || !fitsInt64(s.prefixLo) || !fitsInt64(s.prefixHi))
        return {0, 0, tiles};
      result.inner =
          std::max(result.inner, signedBitsForRange(int64_t(s.prefixLo),
                                                    int64_t(s.prefixHi)));
      outerLo.add(std::min<Int128>(s.finalLo, 0));
      outerHi.add(std::max<Int128>(s.finalHi, 0));
      if (!outerLo.ok || !outerHi.ok)
        return {0, 0, tiles};
    }
    if (!fitsInt64(outerLo.value) || !fitsInt64(outerHi.value))
      return {0, 0, tiles};
    result.outer =
        std::max(result.outer, signedBitsForRange(int64_t(outerLo.value),
                                                  int64_t(outerHi.value)));
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Enforcement
//===----------------------------------------------------------------------===//

namespace {

/// The two constraints of one group (header): cPos * S+ + cNeg * S- <= limit,
/// for the top (cPos = a+, cNeg = a-) and the bottom (cPos = a-, cNeg = a+).
struct Constraint {
  Int128 cPos, cNeg, limit;
};

/// min(a * b, kSumLimit) for a, b >= 0, without overflow.
Int128 saturatingMul(Int128 a, Int128 b) {
  if (a == 0 || b == 0)
    return 0;
  if (a > kSumLimit / b)
    return kSumLimit;
  return std::min(a * b, kSumLimit);
}

/// How far cPos * sPos + cNeg * sNeg exceeds the limit (<= 0: satisfied).
/// Saturation is harmless: limit <= 2^63, far below kSumLimit.
Int128 excess(const Constraint &k, Int128 sPos, Int128 sNeg) {
  Int128 lhs = saturatingMul(k.cPos, sPos) + saturatingMul(k.cNeg, sNeg);
  return lhs - k.limit;
}

/// Soft-threshold level tau with sum max(0, v_i - tau) = budget, for v sorted
/// descending with prefix sums (Duchi et al.'s L1-ball projection, as AXE's
/// _get_average_of_nonzero_magnitudes). 0 when the budget covers the sum.
double threshold(const std::vector<double> &v,
                 const std::vector<double> &prefix, double budget) {
  if (v.empty() || budget >= prefix.back())
    return 0.0;
  budget = std::max(budget, 0.0);
  double tau = v.front() - budget;
  for (size_t r = 1; r <= v.size(); ++r) {
    double candidate = (prefix[r - 1] - budget) / double(r);
    if (v[r - 1] <= candidate)
      break;
    tau = candidate;
  }
  return std::max(tau, 0.0);
}

/// Projects one group (not fitting, feasible) and rounds toward zero.
void projectGroup(int64_t *g, int64_t n, const Constraint &top,
                  const Constraint &bottom) {
  std::vector<double> pos, neg;
  for (int64_t i = 0; i < n; ++i) {
    if (g[i] > 0)
      pos.push_back(double(g[i]));
    else if (g[i] < 0)
      neg.push_back(-double(g[i]));
  }
  auto sortWithPrefix = [](std::vector<double> &v) {
    std::sort(v.begin(), v.end(), std::greater<double>());
    std::vector<double> prefix(v.size());
    double sum = 0;
    for (size_t i = 0; i < v.size(); ++i)
      prefix[i] = sum += v[i];
    return prefix;
  };
  std::vector<double> posPrefix = sortWithPrefix(pos);
  std::vector<double> negPrefix = sortWithPrefix(neg);
  const double sPosMax = posPrefix.empty() ? 0 : posPrefix.back();
  const double sNegMax = negPrefix.empty() ? 0 : negPrefix.back();
  const double ap = double(top.cPos), am = double(top.cNeg);
  const double lt = double(top.limit), lb = double(bottom.limit);

  // For a positive budget s, the largest feasible negative budget m(s) is a
  // concave piecewise-linear function, and the cost D+(s) + D-(m(s)) is
  // convex (D+-, the squared distances of the L1-ball projections, are convex
  // and nonincreasing). Each piece: value and slope magnitude.
  struct Piece {
    double value, slope;
  };
  auto negBudget = [&](double s) {
    Piece best{sNegMax, 0.0};
    auto consider = [&](double value, double slope) {
      if (value < best.value || (value == best.value && slope > best.slope))
        best = {value, slope};
    };
    if (am > 0)
      consider((lt - ap * s) / am, ap / am); // top constraint
    if (ap > 0)
      consider((lb - am * s) / ap, am / ap); // bottom constraint
    best.value = std::max(best.value, 0.0);
    return best;
  };
  double sMax = sPosMax;
  if (ap > 0)
    sMax = std::min(sMax, lt / ap);
  if (am > 0)
    sMax = std::min(sMax, lb / am);
  sMax = std::max(sMax, 0.0);
  // Right derivative / 2 of the cost: -tau+(s) + tau-(m(s)) * |m'(s)|.
  auto costSlope = [&](double s) {
    Piece m = negBudget(s);
    return -threshold(pos, posPrefix, s) +
           threshold(neg, negPrefix, m.value) * m.slope;
  };
  double lo = 0, hi = sMax;
  if (costSlope(0) >= 0) {
    hi = 0;
  } else {
    for (int iter = 0; iter < 200; ++iter) {
      double mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi)
        break;
      (costSlope(mid) < 0 ? lo : hi) = mid;
    }
  }
  const double sPos = hi;
  const double tauPos = threshold(pos, posPrefix, sPos);
  const double tauNeg = threshold(neg, negPrefix, negBudget(sPos).value);

  // Soft threshold, round the magnitude toward zero, never grow it.
  for (int64_t i = 0; i < n; ++i) {
    if (g[i] == 0)
      continue;
    UInt128 mag = g[i] < 0 ? UInt128(-Int128(g[i])) : UInt128(g[i]);
    // The slack absorbs floating-point noise on an integral optimum (5.0
    // computed as 4.9999999 must not lose a unit); the exact check repairs.
    double z = std::max(0.0, double(mag) - (g[i] > 0 ? tauPos : tauNeg));
    double shrunk = std::floor(z * (1 + 1e-12) + 1e-9);
    UInt128 newMag = std::min<UInt128>(mag, UInt128(shrunk));
    g[i] = int64_t(g[i] < 0 ? -Int128(newMag) : Int128(newMag));
  }

  // Exact check; a floating-point slip costs a few more units off the
  // largest weight that the violated constraint charges for.
  for (;;) {
    Int128 sp = 0, sn = 0;
    for (int64_t i = 0; i < n; ++i)
      (g[i] > 0 ? sp : sn) += g[i] > 0 ? Int128(g[i]) : -Int128(g[i]);
    const Constraint *violated = nullptr;
    Int128 over = 0;
    for (const Constraint *c : {&top, &bottom}) {
      over = excess(*c, sp, sn);
      if (over > 0) {
        violated = c;
        break;
      }
    }
    if (!violated)
      return;
    int64_t pick = -1;
    Int128 pickMag = 0, pickCoef = 0;
    for (int64_t i = 0; i < n; ++i) {
      Int128 coef = g[i] > 0 ? violated->cPos : violated->cNeg;
      Int128 mag = g[i] < 0 ? -Int128(g[i]) : Int128(g[i]);
      if (coef > 0 && mag > pickMag) {
        pick = i;
        pickMag = mag;
        pickCoef = coef;
      }
    }
    assert(pick >= 0 && "a violated constraint charges some weight");
    Int128 cut = std::min(pickMag, (over + pickCoef - 1) / pickCoef);
    Int128 mag = pickMag - cut;
    g[pick] = int64_t(g[pick] < 0 ? -mag : mag);
  }
}

} // namespace

std::optional<double>
enforceAccumulatorBits(int64_t *w, int64_t channels, int64_t k, InputRange x,
                       const int64_t *bias, unsigned targetBits, int64_t tile) {
  if (!validProblem(w, channels, k) || !isValidInputRange(x) ||
      targetBits == 0 || targetBits > 64 || tile < 0)
    return std::nullopt;
  const int64_t t = tile == 0 ? k : tile;
  const Int128 half = Int128(1) << (targetBits - 1);
  const Int128 aPos = std::max<int64_t>(x.max, 0);
  const Int128 aNeg = std::max<Int128>(-Int128(x.min), 0);

  // The constraints of a group; feasibility is the right-hand sides alone
  // (all-zero weights then fit), checked for every group before any change.
  auto constraints = [&](int64_t c) {
    Int128 b = (tile == 0 && bias) ? bias[c] : 0;
    return std::pair<Constraint, Constraint>{
        {aPos, aNeg, half - 1 - std::max<Int128>(b, 0)},
        {aNeg, aPos, half + std::min<Int128>(b, 0)}};
  };
  for (int64_t c = 0; c < channels; ++c) {
    auto [top, bottom] = constraints(c);
    if (top.limit < 0 || bottom.limit < 0)
      return std::nullopt;
  }

  long double oldNorm = 0, change = 0;
  for (int64_t i = 0; i < channels * k; ++i)
    oldNorm += (long double)w[i] * (long double)w[i];
  for (int64_t c = 0; c < channels && k > 0; ++c) {
    auto [top, bottom] = constraints(c);
    for (int64_t begin = 0; begin < k; begin += t) {
      int64_t *g = w + c * k + begin;
      int64_t n = std::min(t, k - begin);
      Int128 sp = 0, sn = 0;
      for (int64_t i = 0; i < n; ++i)
        (g[i] > 0 ? sp : sn) += g[i] > 0 ? Int128(g[i]) : -Int128(g[i]);
      if (excess(top, sp, sn) <= 0 && excess(bottom, sp, sn) <= 0)
        continue; // Already fits: unchanged.
      std::vector<int64_t> old(g, g + n);
      projectGroup(g, n, top, bottom);
      for (int64_t i = 0; i < n; ++i) {
        long double d = (long double)old[size_t(i)] - (long double)g[i];
        change += d * d;
      }
    }
  }
  if (change == 0 || oldNorm == 0)
    return 0.0;
  return double(std::sqrt(change / oldNorm));
}

} // namespace qsparse::numerics

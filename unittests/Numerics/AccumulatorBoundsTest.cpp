//===- AccumulatorBoundsTest.cpp - accumulator widths ---------------------===//
//
// Checks DESIGN 3.2 "Accumulator bounds": hand-computed cases for every
// formula (FINN, A2Q, A2Q+, AXE), and property tests that simulate a P-bit
// two's-complement accumulator under the adversarial inputs: the proven width
// holds every value, one bit less overflows.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/AccumulatorBounds.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <random>

using namespace qsparse::numerics;

namespace {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

//===----------------------------------------------------------------------===//
// A P-bit two's-complement accumulator
//===----------------------------------------------------------------------===//

bool fitsBits(Int128 v, unsigned p) {
  Int128 half = Int128(1) << (p - 1);
  return v >= -half && v < half;
}

/// v modulo 2^p, read as signed: what a wrapping p-bit register holds.
Int128 wrapBits(Int128 v, unsigned p) {
  UInt128 u = UInt128(v) & ((UInt128(1) << p) - 1);
  return (u >> (p - 1)) ? Int128(u) - (Int128(1) << p) : Int128(u);
}

/// Wrapping register that also records whether any value it was asked to
/// hold (start included) left the p-bit range.
struct Register {
  unsigned p;
  Int128 value;
  Int128 exact;
  bool overflow;
  Register(unsigned p, Int128 start)
      : p(p), value(wrapBits(start, p)), exact(start),
        overflow(!fitsBits(start, p)) {}
  void add(Int128 t) {
    exact += t;
    overflow |= !fitsBits(value + t, p);
    value = wrapBits(value + t, p);
  }
};

/// x_i at the end of [xmin, xmax] that maximizes (top) or minimizes w_i x_i.
std::vector<int64_t> adversarial(const int64_t *row, int64_t k, InputRange x,
                                 bool top) {
  std::vector<int64_t> xs(static_cast<size_t>(k), 0);
  for (int64_t i = 0; i < k; ++i)
    xs[size_t(i)] = (row[i] > 0) == top ? x.max : x.min;
  return xs;
}

std::vector<int64_t> randomInput(std::mt19937_64 &rng, int64_t k,
                                 InputRange x) {
  std::uniform_int_distribution<int64_t> d(x.min, x.max);
  std::vector<int64_t> xs(static_cast<size_t>(k));
  for (int64_t &v : xs)
    v = d(rng);
  return xs;
}

std::vector<Int128> termsOf(const int64_t *row, const std::vector<int64_t> &xs,
                            int64_t begin, int64_t end) {
  std::vector<Int128> t;
  for (int64_t i = begin; i < end; ++i)
    t.push_back(Int128(row[i]) * xs[size_t(i)]);
  return t;
}

/// Sequential accumulation start + t[order[0]] + t[order[1]] + ...
Register runRegister(unsigned p, int64_t start, const std::vector<Int128> &t) {
  Register r(p, start);
  for (Int128 v : t)
    r.add(v);
  return r;
}

bool contains(ChannelRange outer, ChannelRange inner) {
  return outer.lo <= inner.lo && inner.hi <= outer.hi;
}

//===----------------------------------------------------------------------===//
// Random problems
//===----------------------------------------------------------------------===//

struct Problem {
  int64_t channels = 0, k = 0;
  unsigned weightBits = 0, inputBits = 0;
  bool inputSigned = false;
  int64_t zeroPoint = 0;
  InputRange x{0, 0};
  std::vector<int64_t> w, bias;
  const int64_t *biasPtr() const {
    return bias.empty() ? nullptr : bias.data();
  }
};

/// Weights of weightBits bits (some zero rows, some one-signed rows), inputs
/// of inputBits bits, sometimes a zero point that pushes 0 out of [xmin,
/// xmax] (the case where partial sums exceed the final range).
Problem randomProblem(std::mt19937_64 &rng, bool allowZeroPoint = true,
                      bool allowBias = true) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Problem p;
  p.channels = pick(1, 5);
  p.k = pick(1, 24);
  p.weightBits = unsigned(pick(2, 8));
  p.inputBits = unsigned(pick(1, 8));
  p.inputSigned = pick(0, 1);
  if (allowZeroPoint && pick(0, 2) == 0) {
    int64_t span = int64_t(1) << p.inputBits;
    p.zeroPoint = pick(-span, span);
  }
  p.x = inputRangeOf(p.inputBits, p.inputSigned, p.zeroPoint);
  int64_t wmax = (int64_t(1) << (p.weightBits - 1)) - 1;
  int64_t wmin = -wmax - 1;
  for (int64_t c = 0; c < p.channels; ++c) {
    int64_t mode = pick(0, 5); // 0: zero row, 1: >= 0, 2: <= 0, else mixed
    for (int64_t i = 0; i < p.k; ++i) {
      int64_t v = pick(0, 4) == 0 ? 0 : pick(wmin, wmax);
      if (mode == 0)
        v = 0;
      else if (mode == 1)
        v = v < 0 ? -(v + 1) : v;
      else if (mode == 2)
        v = v > 0 ? -v : v;
      p.w.push_back(v);
    }
  }
  if (allowBias && pick(0, 1)) {
    for (int64_t c = 0; c < p.channels; ++c)
      p.bias.push_back(pick(-300, 300));
  }
  return p;
}

std::vector<ChannelRange> finalRanges(const Problem &p) {
  return exactChannelRanges(p.w.data(), p.channels, p.k, p.x, p.biasPtr());
}
std::vector<ChannelRange> partialRanges(const Problem &p) {
  return exactPartialSumRanges(p.w.data(), p.channels, p.k, p.x, p.biasPtr());
}
std::vector<ChannelRange> freeRanges(const Problem &p) {
  return orderFreeChannelRanges(p.w.data(), p.channels, p.k, p.x, p.biasPtr());
}

int64_t biasOf(const Problem &p, int64_t c) {
  return p.bias.empty() ? 0 : p.bias[size_t(c)];
}

//===----------------------------------------------------------------------===//
// Basic widths and input ranges
//===----------------------------------------------------------------------===//

TEST(AccumulatorBounds, SignedAndStorageBits) {
  EXPECT_EQ(signedBitsForRange(0, 0), 1u);
  EXPECT_EQ(signedBitsForRange(-1, 0), 1u);
  EXPECT_EQ(signedBitsForRange(0, 1), 2u);
  EXPECT_EQ(signedBitsForRange(-128, 127), 8u);
  EXPECT_EQ(signedBitsForRange(-129, 0), 9u);
  EXPECT_EQ(signedBitsForRange(0, 128), 9u);
  EXPECT_EQ(signedBitsForRange(std::numeric_limits<int64_t>::min(),
                               std::numeric_limits<int64_t>::max()),
            64u);
  EXPECT_EQ(storageBitsForRange(0, 255), 8u);
  EXPECT_EQ(storageBitsForRange(-1, 127), 8u);
  EXPECT_EQ(storageBitsForRange(0, 0), 1u);
}

TEST(AccumulatorBounds, InputRangeOf) {
  InputRange r = inputRangeOf(8, true);
  EXPECT_EQ(r.min, -128);
  EXPECT_EQ(r.max, 127);
  r = inputRangeOf(8, false);
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 255);
  r = inputRangeOf(8, false, 128); // asymmetric uint8 with zero point 128
  EXPECT_EQ(r.min, -128);
  EXPECT_EQ(r.max, 127);
  r = inputRangeOf(4, true, -3);
  EXPECT_EQ(r.min, -5);
  EXPECT_EQ(r.max, 10);
  r = inputRangeOf(1, true);
  EXPECT_EQ(r.min, -1);
  EXPECT_EQ(r.max, 0);
  r = inputRangeOf(64, true);
  EXPECT_EQ(r.min, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r.max, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(isValidInputRange(inputRangeOf(63, false)));
  // Invalid: no bits, too wide, zero point shifting out of int64.
  EXPECT_FALSE(isValidInputRange(inputRangeOf(0, false)));
  EXPECT_FALSE(isValidInputRange(inputRangeOf(64, false)));
  EXPECT_FALSE(isValidInputRange(inputRangeOf(65, true)));
  EXPECT_FALSE(isValidInputRange(inputRangeOf(64, true, 1)));
}

//===----------------------------------------------------------------------===//
// The three ranges, by hand
//===----------------------------------------------------------------------===//

TEST(AccumulatorBounds, ExactRangesHandComputed) {
  // x signed 4-bit [-8, 7]: terms 1*x in [-8, 7], -2*x in [-14, 16], 3*x in
  // [-24, 21]; -4*x in [-28, 32], 5*x in [-40, 35].
  const int64_t w[] = {1, -2, 3, 0, 0, 0, -4, 5, 0};
  InputRange x = inputRangeOf(4, true);
  std::vector<ChannelRange> r = exactChannelRanges(w, 3, 3, x, nullptr);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].lo, -46);
  EXPECT_EQ(r[0].hi, 44);
  EXPECT_EQ(r[1].lo, 0);
  EXPECT_EQ(r[1].hi, 0);
  EXPECT_EQ(r[2].lo, -68);
  EXPECT_EQ(r[2].hi, 67);
  EXPECT_EQ(exactBits(r), 8u); // [-68, 67] needs [-128, 127]

  const int64_t bias[] = {10, -3, 0};
  r = exactChannelRanges(w, 3, 3, x, bias);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].lo, -36);
  EXPECT_EQ(r[0].hi, 54);
  EXPECT_EQ(r[1].lo, -3);
  EXPECT_EQ(r[1].hi, -3);
  EXPECT_EQ(signedBitsForRange(r[1].lo, r[1].hi), 3u);

  // 0 is inside [xmin, xmax]: prefixes grow monotonically outward, so the
  // sequential hull is the final range (the bias is prefix 0).
  std::vector<ChannelRange> p = exactPartialSumRanges(w, 3, 3, x, bias);
  ASSERT_EQ(p.size(), 3u);
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(p[c].lo, r[c].lo);
    EXPECT_EQ(p[c].hi, r[c].hi);
  }
  // Order-free: the bias may come last, so only its own sign side counts.
  std::vector<ChannelRange> f = orderFreeChannelRanges(w, 3, 3, x, bias);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].lo, -46);
  EXPECT_EQ(f[0].hi, 54);
  EXPECT_EQ(f[1].lo, -3);
  EXPECT_EQ(f[1].hi, 0);
  EXPECT_EQ(f[2].lo, -68);
  EXPECT_EQ(f[2].hi, 67);

  // Unsigned 4-bit [0, 15]: 1*x in [0, 15], -2*x in [-30, 0], 3*x in [0, 45].
  r = exactChannelRanges(w, 1, 3, inputRangeOf(4, false), nullptr);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].lo, -30);
  EXPECT_EQ(r[0].hi, 60);

  // No channels, or an empty reduction (the bias alone).
  EXPECT_TRUE(exactChannelRanges(w, 0, 3, x, nullptr).empty());
  EXPECT_EQ(exactBits({}), 0u);
  r = exactChannelRanges(nullptr, 2, 0, x, bias);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].lo, 10);
  EXPECT_EQ(r[0].hi, 10);
}

TEST(AccumulatorBounds, PartialSumsExceedFinalRangeWhenZeroIsNotAnInput) {
  // x in [3, 4]: 30x in [90, 120], -30x in [-120, -90]. The final sum is in
  // [-30, 30] (6 bits) but a sequential accumulator holds up to 120 after the
  // first term (8 bits); in the other order it holds down to -120.
  const int64_t w[] = {30, -30};
  InputRange x{3, 4};
  std::vector<ChannelRange> r = exactChannelRanges(w, 1, 2, x, nullptr);
  std::vector<ChannelRange> p = exactPartialSumRanges(w, 1, 2, x, nullptr);
  std::vector<ChannelRange> f = orderFreeChannelRanges(w, 1, 2, x, nullptr);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(r[0].lo, -30);
  EXPECT_EQ(r[0].hi, 30);
  EXPECT_EQ(p[0].lo, -30);
  EXPECT_EQ(p[0].hi, 120);
  EXPECT_EQ(f[0].lo, -120);
  EXPECT_EQ(f[0].hi, 120);
  EXPECT_EQ(exactBits(r), 6u);
  EXPECT_EQ(exactBits(p), 8u);
  EXPECT_EQ(exactBits(f), 8u);

  // A wrapping 6-bit register still ends right (addition is modular), but it
  // overflowed on the way: fatal once a partial sum is widened or saturated.
  std::vector<int64_t> xs = adversarial(w, 2, x, /*top=*/true);
  Register reg = runRegister(6, 0, termsOf(w, xs, 0, 2));
  EXPECT_TRUE(reg.overflow);
  EXPECT_TRUE(reg.value == reg.exact);
}

TEST(AccumulatorBounds, OrderFreeCoversABiasAddedLast) {
  // Unsigned 4-bit x, w = -10, init 100: added first the accumulator stays in
  // [-50, 100] (8 bits); reduced first and the init added last it reaches
  // -150 (9 bits).
  const int64_t w[] = {-10};
  const int64_t bias[] = {100};
  InputRange x = inputRangeOf(4, false);
  EXPECT_EQ(exactBits(exactChannelRanges(w, 1, 1, x, bias)), 8u);
  EXPECT_EQ(exactBits(exactPartialSumRanges(w, 1, 1, x, bias)), 8u);
  std::vector<ChannelRange> f = orderFreeChannelRanges(w, 1, 1, x, bias);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].lo, -150);
  EXPECT_EQ(f[0].hi, 100);
  EXPECT_EQ(exactBits(f), 9u);
}

TEST(AccumulatorBounds, RangeErrors) {
  const int64_t w[] = {1, 2};
  InputRange x{0, 1};
  EXPECT_TRUE(exactChannelRanges(w, -1, 2, x, nullptr).empty());
  EXPECT_TRUE(exactPartialSumRanges(nullptr, 1, 2, x, nullptr).empty());
  EXPECT_TRUE(
      orderFreeChannelRanges(w, 1, 2, InputRange{1, 0}, nullptr).empty());
  // Results outside int64 are refused, not wrapped.
  const int64_t big[] = {int64_t(1) << 62, int64_t(1) << 62};
  EXPECT_TRUE(exactChannelRanges(big, 1, 2, x, nullptr).empty());
  EXPECT_EQ(exactBits(exactChannelRanges(big, 1, 2, x, nullptr)), 0u);
  EXPECT_EQ(exactChannelRanges(big, 1, 1, x, nullptr).size(), 1u);
  const int64_t mixed[] = {int64_t(1) << 62, -(int64_t(1) << 62)};
  std::vector<ChannelRange> r = exactChannelRanges(mixed, 1, 2, x, nullptr);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(exactBits(r), 64u);
  // A single product of 2^126 exceeds the 2^125 intermediate limit.
  const int64_t huge[] = {std::numeric_limits<int64_t>::min()};
  InputRange wide{std::numeric_limits<int64_t>::min(), 0};
  EXPECT_TRUE(orderFreeChannelRanges(huge, 1, 1, wide, nullptr).empty());
  EXPECT_EQ(multiStageBits(huge, 1, 1, 1, wide, nullptr).inner, 0u);
  EXPECT_EQ(multiStageBits(big, 1, 2, 1, x, nullptr).outer, 0u);
}

TEST(AccumulatorBounds, RangesAreNestedProperty) {
  // final within sequential within order-free; with 0 an input value the
  // sequential hull is the final range joined with the bias, and without a
  // bias all three coincide.
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 300; ++trial) {
    Problem p = randomProblem(rng);
    std::vector<ChannelRange> r = finalRanges(p), s = partialRanges(p),
                              f = freeRanges(p);
    ASSERT_EQ(r.size(), size_t(p.channels));
    ASSERT_EQ(s.size(), size_t(p.channels));
    ASSERT_EQ(f.size(), size_t(p.channels));
    bool zeroInside = p.x.min <= 0 && 0 <= p.x.max;
    for (size_t c = 0; c < r.size(); ++c) {
      EXPECT_TRUE(contains(s[c], r[c]));
      EXPECT_TRUE(contains(f[c], s[c]));
      if (zeroInside) {
        int64_t b = biasOf(p, int64_t(c));
        EXPECT_EQ(s[c].lo, std::min(r[c].lo, b));
        EXPECT_EQ(s[c].hi, std::max(r[c].hi, b));
        if (p.bias.empty()) {
          EXPECT_EQ(f[c].lo, r[c].lo);
          EXPECT_EQ(f[c].hi, r[c].hi);
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// FINN's exact rule
//===----------------------------------------------------------------------===//

/// qonnx calculate_matvec_accumulator_range and FINN's width rule, verbatim
/// (W is [MW][MH]: column j is output channel j).
struct FinnWidth {
  int64_t accMin, accMax;
  unsigned bits;
  bool isSigned;
};
FinnWidth finnRule(const std::vector<int64_t> &wt, int64_t mw, int64_t mh,
                   InputRange x) {
  int64_t accMin = 0, accMax = 0;
  for (int64_t j = 0; j < mh; ++j) {
    int64_t hi = 0, lo = 0;
    for (int64_t i = 0; i < mw; ++i) {
      int64_t v = wt[size_t(i * mh + j)];
      hi += v * (v > 0 ? x.max : x.min);
      lo += v * (v > 0 ? x.min : x.max);
    }
    accMax = j ? std::max(accMax, hi) : hi;
    accMin = j ? std::min(accMin, lo) : lo;
  }
  if (accMin >= 0)
    return {accMin, accMax, unsigned(std::ceil(std::log2(double(accMax) + 1))),
            false};
  double m = std::max(double(-accMin), 1.0 + double(accMax));
  return {accMin, accMax, unsigned(std::ceil(std::log2(m))) + 1, true};
}

TEST(AccumulatorBounds, FinnRuleHandComputed) {
  // W [MW=2][MH=2] = {{1, 3}, {-2, 4}}, INT2 inputs [-2, 1]: channel 0 has
  // weights (1, -2): hi = 1*1 + -2*-2 = 5, lo = 1*-2 + -2*1 = -4; channel 1
  // (3, 4): hi = 7, lo = -14. acc in [-14, 7]: INT5 = ceil(log2 14) + 1.
  std::vector<int64_t> wt = {1, 3, -2, 4};
  InputRange x = inputRangeOf(2, true);
  FinnWidth finn = finnRule(wt, 2, 2, x);
  EXPECT_EQ(finn.accMin, -14);
  EXPECT_EQ(finn.accMax, 7);
  EXPECT_EQ(finn.bits, 5u);
  const int64_t w[] = {1, -2, 3, 4}; // our [channels][k] layout
  std::vector<ChannelRange> r = exactChannelRanges(w, 2, 2, x, nullptr);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].lo, -4);
  EXPECT_EQ(r[0].hi, 5);
  EXPECT_EQ(r[1].lo, -14);
  EXPECT_EQ(r[1].hi, 7);
  EXPECT_EQ(exactBits(r), 5u);
  // Non-negative weights and UINT2 inputs: acc in [0, 21], UINT5.
  const int64_t wp[] = {1, 0, 3, 4};
  std::vector<int64_t> wtp = {1, 3, 0, 4};
  finn = finnRule(wtp, 2, 2, inputRangeOf(2, false));
  EXPECT_FALSE(finn.isSigned);
  EXPECT_EQ(finn.bits, 5u);
  r = exactChannelRanges(wp, 2, 2, inputRangeOf(2, false), nullptr);
  EXPECT_EQ(storageBitsForRange(0, std::max(r[0].hi, r[1].hi)), 5u);
}

TEST(AccumulatorBounds, FinnRuleMatchesExactRangesProperty) {
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 300; ++trial) {
    Problem p = randomProblem(rng, /*allowZeroPoint=*/true,
                              /*allowBias=*/false);
    std::vector<int64_t> wt(p.w.size()); // transpose to FINN's [K][channels]
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t i = 0; i < p.k; ++i)
        wt[size_t(i * p.channels + c)] = p.w[size_t(c * p.k + i)];
    FinnWidth finn = finnRule(wt, p.k, p.channels, p.x);
    std::vector<ChannelRange> r = finalRanges(p);
    ASSERT_EQ(r.size(), size_t(p.channels));
    int64_t lo = r[0].lo, hi = r[0].hi;
    for (const ChannelRange &cr : r) {
      lo = std::min(lo, cr.lo);
      hi = std::max(hi, cr.hi);
    }
    EXPECT_EQ(finn.accMin, lo);
    EXPECT_EQ(finn.accMax, hi);
    if (finn.isSigned) {
      EXPECT_EQ(finn.bits, signedBitsForRange(lo, hi));
    } else if (hi > 0) { // FINN gives 0 bits for an all-zero accumulator
      EXPECT_EQ(finn.bits, storageBitsForRange(lo, hi));
    }
  }
}

//===----------------------------------------------------------------------===//
// A2Q data-type and L1 bounds, A2Q+ zero-centred bound
//===----------------------------------------------------------------------===//

TEST(AccumulatorBounds, DataTypeBitsHandComputed) {
  // alpha = log2 K + N + M - 1 - s; P = ceil(log2(2^alpha + 1)) + 1.
  EXPECT_EQ(dataTypeBits(1, 8, false, 8), 17u);   // alpha 15
  EXPECT_EQ(dataTypeBits(3, 8, false, 8), 18u);   // 2^alpha = 3 * 2^15
  EXPECT_EQ(dataTypeBits(64, 8, true, 8), 22u);   // alpha 20
  EXPECT_EQ(dataTypeBits(1, 1, true, 1), 2u);     // alpha 0: 2^0 + 1 = 2
  EXPECT_EQ(dataTypeBits(4096, 4, true, 4), 20u); // alpha 18
  EXPECT_EQ(dataTypeBits(0, 8, true, 8), 1u);
  EXPECT_EQ(dataTypeBits(8, 0, true, 8), 1u);
}

TEST(AccumulatorBounds, DataTypeBitsMatchesDefinition) {
  std::vector<int64_t> ks;
  for (int64_t k = 1; k <= 70; ++k)
    ks.push_back(k);
  for (int j = 7; j <= 20; ++j)
    for (int64_t d : {-1, 0, 1})
      ks.push_back((int64_t(1) << j) + d);
  for (int64_t k : ks)
    for (unsigned n = 1; n <= 16; ++n)
      for (unsigned m = 1; m <= 16; ++m)
        for (bool s : {false, true}) {
          int e = int(n + m - 1) - int(s);
          // Real-valued definition; 2^alpha = K * 2^e is exact in long double.
          long double twoAlpha = std::ldexp((long double)k, e);
          unsigned real = unsigned(std::ceil(std::log2(twoAlpha + 1))) + 1;
          // The requirement it solves: K * 2^e <= 2^(P-1) - 1, smallest P.
          unsigned smallest = 1;
          while ((Int128(k) << e) > (Int128(1) << (smallest - 1)) - 1)
            ++smallest;
          unsigned got = dataTypeBits(k, n, s, m);
          ASSERT_EQ(got, real) << k << " " << n << " " << m << " " << s;
          ASSERT_EQ(got, smallest);
        }
}

TEST(AccumulatorBounds, DataTypeBitsAttainedBySignedWorstCase) {
  // Signed inputs: every w = -2^(M-1) times x = -2^(N-1) gives exactly
  // 2^alpha, so the exact width equals the data-type bound.
  for (int64_t k : {1, 2, 3, 7, 16, 33})
    for (unsigned n = 1; n <= 8; ++n)
      for (unsigned m = 1; m <= 8; ++m) {
        std::vector<int64_t> w(size_t(k), -(int64_t(1) << (m - 1)));
        std::vector<ChannelRange> r =
            exactChannelRanges(w.data(), 1, k, inputRangeOf(n, true), nullptr);
        EXPECT_EQ(exactBits(r), dataTypeBits(k, n, true, m));
      }
}

TEST(AccumulatorBounds, L1BitsHandComputed) {
  // ||w||_1 = 8. Unsigned N=4: (2^8 - 1) / 16 = 15.9 >= 8 but 127 / 16 < 8.
  const int64_t w[] = {3, -4, 1};
  EXPECT_EQ(l1Bits(w, 1, 3, 4, false), 9u);
  // Signed N=4: 127 * 2^-3 = 15.9 >= 8 but 63 / 8 < 8.
  EXPECT_EQ(l1Bits(w, 1, 3, 4, true), 8u);
  // Max over channels; an all-zero row needs 1 bit; no channels: 1.
  const int64_t two[] = {0, 0, 0, 3, -4, 1};
  EXPECT_EQ(l1Bits(two, 2, 3, 4, true), 8u);
  EXPECT_EQ(l1Bits(two, 1, 3, 4, true), 1u);
  EXPECT_EQ(l1Bits(two, 0, 3, 4, true), 1u);
  EXPECT_EQ(l1Bits(nullptr, 1, 3, 4, true), 0u);
}

TEST(AccumulatorBounds, L1BitsMatchesFormula) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 400; ++trial) {
    Problem p = randomProblem(rng, false, false);
    unsigned expected = 1;
    int s = p.inputSigned;
    for (int64_t c = 0; c < p.channels; ++c) {
      int64_t norm = 0;
      for (int64_t i = 0; i < p.k; ++i)
        norm += std::abs(p.w[size_t(c * p.k + i)]);
      // A2Q: ||w||_1 <= (2^(P-1) - 1) * 2^(s - N), smallest P, exactly.
      unsigned smallest = 1;
      while ((Int128(norm) << (p.inputBits - s)) >
             (Int128(1) << (smallest - 1)) - 1)
        ++smallest;
      expected = std::max(expected, smallest);
      // brevitas _calc_a2q_acc_bit_width: ceil(beta + phi(beta) + 1),
      // beta = log2 ||w||_1 + N - s (skipping N = s, where the argument of
      // the ceiling can be an exact integer that rounding would nudge).
      if (norm > 0 && int(p.inputBits) > s) {
        double beta = std::log2(double(norm)) + p.inputBits - s;
        double phi = std::log2(1 + std::exp2(-beta));
        EXPECT_EQ(unsigned(std::ceil(beta + phi + 1)), smallest);
      }
    }
    EXPECT_EQ(l1Bits(p.w.data(), p.channels, p.k, p.inputBits, p.inputSigned),
              expected);
  }
}

TEST(AccumulatorBounds, ZeroCenteredBitsHandComputed) {
  // ||w||_1 = 6, N = 4: (2^7 - 2) / 15 = 8.4 >= 6 but 62 / 15 < 6.
  const int64_t w[] = {3, -1, -2};
  EXPECT_EQ(zeroCenteredBits(w, 1, 3, 4), std::optional<unsigned>(7));
  // The exact final range agrees: (6 / 2) * 15 = 45 fits 7 bits, not 6.
  EXPECT_EQ(
      exactBits(exactChannelRanges(w, 1, 3, inputRangeOf(4, false), nullptr)),
      7u);
  EXPECT_EQ(
      exactBits(exactChannelRanges(w, 1, 3, inputRangeOf(4, true), nullptr)),
      7u);
  const int64_t notCentred[] = {3, -1, -2, 1, 2, -2};
  EXPECT_EQ(zeroCenteredBits(notCentred, 2, 3, 4), std::nullopt);
  EXPECT_EQ(zeroCenteredBits(notCentred, 1, 3, 4), std::optional<unsigned>(7));
  const int64_t zeros[] = {0, 0};
  EXPECT_EQ(zeroCenteredBits(zeros, 1, 2, 8), std::optional<unsigned>(1));
  EXPECT_EQ(zeroCenteredBits(w, 1, 3, 0), std::nullopt);
  EXPECT_EQ(zeroCenteredBits(w, 1, 3, 64), std::nullopt);
}

TEST(AccumulatorBounds, ZeroCenteredBitsProperty) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 300; ++trial) {
    Problem p = randomProblem(rng, false, false);
    if (p.k < 2)
      continue;
    EXPECT_EQ(
        zeroCenteredBits(p.w.data(), p.channels, p.k, p.inputBits).has_value(),
        [&] {
          for (int64_t c = 0; c < p.channels; ++c)
            if (std::accumulate(p.w.begin() + c * p.k,
                                p.w.begin() + (c + 1) * p.k, int64_t(0)) != 0)
              return false;
          return true;
        }());
    // Centre every row: move the row sum onto the last element.
    for (int64_t c = 0; c < p.channels; ++c) {
      int64_t *row = p.w.data() + c * p.k;
      row[p.k - 1] -= std::accumulate(row, row + p.k, int64_t(0));
    }
    std::optional<unsigned> zc =
        zeroCenteredBits(p.w.data(), p.channels, p.k, p.inputBits);
    ASSERT_TRUE(zc.has_value());
    // brevitas _calc_a2q_plus_acc_bit_width, integer-exact.
    unsigned expected = 1;
    for (int64_t c = 0; c < p.channels; ++c) {
      int64_t norm = 0;
      for (int64_t i = 0; i < p.k; ++i)
        norm += std::abs(p.w[size_t(c * p.k + i)]);
      Int128 v = Int128(norm) * ((int64_t(1) << p.inputBits) - 1) + 2;
      unsigned ceilLog2 = 0;
      while ((Int128(1) << ceilLog2) < v)
        ++ceilLog2;
      expected = std::max(expected, ceilLog2);
    }
    EXPECT_EQ(*zc, expected);
    // Tight: the A2Q+ bound is the exact width for zero-centred weights.
    EXPECT_EQ(*zc, exactBits(finalRanges(p)));
  }
}

TEST(AccumulatorBounds, BoundsAreOrderedProperty) {
  // exact (even order-free) <= L1 <= data type, for M-bit weights and the
  // N-bit input type without zero point (the bounds' shared assumption).
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 500; ++trial) {
    Problem p = randomProblem(rng, false, false);
    unsigned exact = exactBits(freeRanges(p));
    unsigned l1 =
        l1Bits(p.w.data(), p.channels, p.k, p.inputBits, p.inputSigned);
    unsigned dt = dataTypeBits(p.k, p.inputBits, p.inputSigned, p.weightBits);
    EXPECT_LE(exact, l1);
    EXPECT_LE(l1, dt);
    EXPECT_EQ(exactBits(finalRanges(p)), exact); // 0 is an input value
  }
}

//===----------------------------------------------------------------------===//
// Simulated accumulators: proven width holds, one bit less overflows
//===----------------------------------------------------------------------===//

TEST(AccumulatorBounds, FinalWidthIsExactUnderWrappingProperty) {
  // exactBits(final) is the FINN rule: a wrapping register of that width ends
  // on the 64-bit result for every input (and the widest channel's
  // adversarial input breaks one bit less).
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 300; ++trial) {
    Problem p = randomProblem(rng);
    unsigned bits = exactBits(finalRanges(p));
    ASSERT_GE(bits, 1u);
    bool narrowerFails = false;
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t *row = p.w.data() + c * p.k;
      std::vector<std::vector<int64_t>> inputs = {
          adversarial(row, p.k, p.x, true), adversarial(row, p.k, p.x, false),
          randomInput(rng, p.k, p.x)};
      for (const std::vector<int64_t> &xs : inputs) {
        std::vector<Int128> t = termsOf(row, xs, 0, p.k);
        Register reg = runRegister(bits, biasOf(p, c), t);
        EXPECT_TRUE(reg.value == reg.exact);
        if (bits > 1) {
          Register narrow = runRegister(bits - 1, biasOf(p, c), t);
          narrowerFails |= narrow.value != narrow.exact;
        }
      }
    }
    if (bits > 1) {
      EXPECT_TRUE(narrowerFails) << "trial " << trial;
    }
  }
}

TEST(AccumulatorBounds, PartialSumWidthProvesSequentialOrderProperty) {
  // exactBits(partial) holds every intermediate of the sequential order
  // without overflow; one bit less overflows on some prefix.
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    Problem p = randomProblem(rng);
    unsigned bits = exactBits(partialRanges(p));
    bool narrowerOverflows = false;
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t *row = p.w.data() + c * p.k;
      for (int input = 0; input < 3; ++input) {
        std::vector<int64_t> xs = input == 2
                                      ? randomInput(rng, p.k, p.x)
                                      : adversarial(row, p.k, p.x, input == 0);
        std::vector<Int128> t = termsOf(row, xs, 0, p.k);
        EXPECT_FALSE(runRegister(bits, biasOf(p, c), t).overflow);
        if (bits > 1)
          narrowerOverflows |= runRegister(bits - 1, biasOf(p, c), t).overflow;
      }
    }
    if (bits > 1) {
      EXPECT_TRUE(narrowerOverflows) << "trial " << trial;
    }
  }
}

TEST(AccumulatorBounds, OrderFreeWidthProvesEveryOrderProperty) {
  // exactBits(order-free) holds every intermediate of any order, the bias
  // added anywhere, and of a pairwise tree. It is tight over orders: the
  // order taking the bias and the terms of one sign first needs every bit.
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 200; ++trial) {
    Problem p = randomProblem(rng);
    unsigned bits = exactBits(freeRanges(p));
    bool narrowerOverflows = false;
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t *row = p.w.data() + c * p.k;
      for (int input = 0; input < 3; ++input) {
        bool top = input == 0;
        std::vector<int64_t> xs = input == 2 ? randomInput(rng, p.k, p.x)
                                             : adversarial(row, p.k, p.x, top);
        std::vector<Int128> t = termsOf(row, xs, 0, p.k);
        t.push_back(biasOf(p, c)); // the bias as one more term
        for (int order = 0; order < 8; ++order) {
          std::shuffle(t.begin(), t.end(), rng);
          EXPECT_FALSE(runRegister(bits, 0, t).overflow);
        }
        // Pairwise tree reduction: every node must fit.
        std::vector<Int128> level = t;
        while (level.size() > 1) {
          std::vector<Int128> next;
          for (size_t i = 0; i + 1 < level.size(); i += 2) {
            next.push_back(level[i] + level[i + 1]);
            EXPECT_TRUE(fitsBits(next.back(), bits));
          }
          if (level.size() % 2)
            next.push_back(level.back());
          level = next;
        }
        if (input == 2 || bits == 1)
          continue;
        // Worst order for this direction: the terms that push it first.
        std::stable_partition(t.begin(), t.end(),
                              [&](Int128 v) { return top ? v > 0 : v < 0; });
        narrowerOverflows |= runRegister(bits - 1, 0, t).overflow;
      }
    }
    if (bits > 1) {
      EXPECT_TRUE(narrowerOverflows) << "trial " << trial;
    }
  }
}

TEST(AccumulatorBounds, OrderFreeIsTightForOneSignedWeights) {
  // All weights of one sign, 0 an input value, no bias: the order-free range
  // is the final range, and the natural order already needs every bit.
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 200; ++trial) {
    Problem p = randomProblem(rng, false, false);
    bool negate = trial % 2;
    for (int64_t &v : p.w)
      v = negate ? -std::abs(v) : std::abs(v);
    std::vector<ChannelRange> f = freeRanges(p), r = finalRanges(p);
    for (size_t c = 0; c < r.size(); ++c) {
      EXPECT_EQ(f[c].lo, r[c].lo);
      EXPECT_EQ(f[c].hi, r[c].hi);
    }
    unsigned bits = exactBits(f);
    if (bits == 1)
      continue;
    bool narrowerOverflows = false;
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t *row = p.w.data() + c * p.k;
      for (bool top : {true, false}) {
        std::vector<Int128> t =
            termsOf(row, adversarial(row, p.k, p.x, top), 0, p.k);
        EXPECT_FALSE(runRegister(bits, 0, t).overflow);
        narrowerOverflows |= runRegister(bits - 1, 0, t).overflow;
      }
    }
    EXPECT_TRUE(narrowerOverflows);
  }
}

//===----------------------------------------------------------------------===//
// Multi-stage (AXE)
//===----------------------------------------------------------------------===//

TEST(AccumulatorBounds, MultiStageHandComputed) {
  // Unsigned 2-bit x in [0, 3], T = 2: tiles {1, 2}, {-3, 4}, {-5}.
  //   tile 0 prefixes [0, 3], [0, 9]          -> [0, 9]
  //   tile 1 prefixes [-9, 0], [-9, 12]       -> [-9, 12]
  //   tile 2 prefixes [-15, 0]                -> [-15, 0]: inner 5 bits.
  // outer: b + sum min(0, L_t) = -24, b + sum max(0, H_t) = 21: 6 bits.
  const int64_t w[] = {1, 2, -3, 4, -5};
  InputRange x = inputRangeOf(2, false);
  MultiStageBits m = multiStageBits(w, 1, 5, 2, x, nullptr);
  EXPECT_EQ(m.tiles, 3);
  EXPECT_EQ(m.inner, 5u);
  EXPECT_EQ(m.outer, 6u);
  // The bias starts the outer accumulator: [16, 61] needs 7 bits.
  const int64_t bias[] = {40};
  m = multiStageBits(w, 1, 5, 2, x, bias);
  EXPECT_EQ(m.inner, 5u);
  EXPECT_EQ(m.outer, 7u);
  // One tile (tile 0, or >= K): inner is the sequential hull [-24, 21].
  for (int64_t tile : {0, 5, 9}) {
    m = multiStageBits(w, 1, 5, tile, x, nullptr);
    EXPECT_EQ(m.tiles, 1);
    EXPECT_EQ(m.inner, 6u);
    EXPECT_EQ(m.outer, 6u);
  }
  // Last tile shorter: ceil(5 / 3) = 2 tiles.
  EXPECT_EQ(multiStageBits(w, 1, 5, 3, x, nullptr).tiles, 2);
  m = multiStageBits(w, 1, 0, 2, x, bias);
  EXPECT_EQ(m.tiles, 0);
  EXPECT_EQ(m.inner, 1u);
  EXPECT_EQ(m.outer, 7u);
  EXPECT_EQ(multiStageBits(w, 1, 5, 2, InputRange{1, 0}, nullptr).inner, 0u);
}

TEST(AccumulatorBounds, MultiStageOuterWhenZeroIsNotAnInput) {
  // x in [1, 2] (1-bit unsigned, zero point -1), T = 2: tile results lie in
  // [10, 20], [10, 20], [-24, -12]; every tile's prefixes fit 6 bits. Added
  // in the order positive tiles first the outer accumulator reaches 40, in
  // the other -24: [-24, 40] needs 7 bits, although the final sum only spans
  // [-4, 28].
  const int64_t w[] = {5, 5, 5, 5, -6, -6};
  InputRange x = inputRangeOf(1, false, -1);
  ASSERT_EQ(x.min, 1);
  ASSERT_EQ(x.max, 2);
  MultiStageBits m = multiStageBits(w, 1, 6, 2, x, nullptr);
  EXPECT_EQ(m.tiles, 3);
  EXPECT_EQ(m.inner, 6u);
  EXPECT_EQ(m.outer, 7u);
  std::vector<ChannelRange> r = exactChannelRanges(w, 1, 6, x, nullptr);
  EXPECT_EQ(r[0].lo, -4);
  EXPECT_EQ(r[0].hi, 28);
  // The bias starts the outer accumulator: [30 - 24, 30 + 40] needs 8 bits.
  const int64_t bias[] = {30};
  EXPECT_EQ(multiStageBits(w, 1, 6, 2, x, bias).outer, 8u);
  // The outer stage sees only tile results, not their prefixes: for {-6, 6}
  // the tile holds -12 after one term (5 bits) but its result is in [-6, 6].
  const int64_t dip[] = {-6, 6};
  m = multiStageBits(dip, 1, 2, 2, x, nullptr);
  EXPECT_EQ(m.inner, 5u);
  EXPECT_EQ(m.outer, 4u);
}

TEST(AccumulatorBounds, MultiStageProvesEveryTileOrderProperty) {
  std::mt19937_64 rng(10);
  for (int trial = 0; trial < 150; ++trial) {
    Problem p = randomProblem(rng);
    // Half the trials with 0 outside [xmin, xmax] (all inputs positive, or
    // all negative), where tile results of either sign widen the outer stage.
    if (trial % 4 >= 2) {
      int64_t n = int64_t(1) << p.inputBits;
      int64_t zp = p.inputSigned ? -n / 2 - 1 : -1; // x in [1, 2^N]
      if (trial % 4 == 3)
        zp = p.inputSigned ? n / 2 : n; // x in [-2^N, -1]
      p.x = inputRangeOf(p.inputBits, p.inputSigned, zp);
    }
    int64_t tile = std::uniform_int_distribution<int64_t>(1, 6)(rng);
    MultiStageBits m =
        multiStageBits(p.w.data(), p.channels, p.k, tile, p.x, p.biasPtr());
    ASSERT_GE(m.inner, 1u);
    ASSERT_EQ(m.tiles, (p.k + tile - 1) / tile);
    // Only a few tiles so that every permutation can be tried.
    bool allOrders = m.tiles <= 5;
    bool innerTight = false, outerTight = false;
    for (int64_t c = 0; c < p.channels; ++c) {
      const int64_t *row = p.w.data() + c * p.k;
      for (int input = 0; input < 3; ++input) {
        bool top = input == 0;
        std::vector<int64_t> xs = input == 2 ? randomInput(rng, p.k, p.x)
                                             : adversarial(row, p.k, p.x, top);
        std::vector<Int128> results;
        for (int64_t b = 0; b < p.k; b += tile) {
          std::vector<Int128> t = termsOf(row, xs, b, std::min(b + tile, p.k));
          Register inner = runRegister(m.inner, 0, t);
          EXPECT_FALSE(inner.overflow);
          if (m.inner > 1 && input < 2)
            innerTight |= runRegister(m.inner - 1, 0, t).overflow;
          results.push_back(inner.value); // sign-extended into the outer
        }
        Int128 exact = biasOf(p, c);
        for (int64_t i = 0; i < p.k; ++i)
          exact += Int128(row[i]) * xs[size_t(i)];
        std::vector<size_t> order(results.size());
        std::iota(order.begin(), order.end(), size_t(0));
        do {
          Register outer(m.outer, biasOf(p, c));
          for (size_t t : order)
            outer.add(results[t]);
          EXPECT_FALSE(outer.overflow);
          EXPECT_TRUE(outer.value == exact);
        } while (allOrders &&
                 std::next_permutation(order.begin(), order.end()));
        if (m.outer > 1 && input < 2) {
          // Worst tile order: the tiles that push this direction first.
          std::stable_partition(results.begin(), results.end(),
                                [&](Int128 v) { return top ? v > 0 : v < 0; });
          outerTight |=
              runRegister(m.outer - 1, biasOf(p, c), results).overflow;
        }
      }
    }
    if (m.inner > 1) {
      EXPECT_TRUE(innerTight) << "trial " << trial;
    }
    if (m.outer > 1) {
      EXPECT_TRUE(outerTight) << "trial " << trial;
    }
  }
}

//===----------------------------------------------------------------------===//
// Enforcement
//===----------------------------------------------------------------------===//

double relativeError(const std::vector<int64_t> &before,
                     const std::vector<int64_t> &after) {
  long double change = 0, norm = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    long double d = (long double)before[i] - (long double)after[i];
    change += d * d;
    norm += (long double)before[i] * (long double)before[i];
  }
  return norm == 0 ? 0.0 : double(std::sqrt(change / norm));
}

TEST(AccumulatorBounds, EnforceHandComputed) {
  // Unsigned 1-bit x: only S+ <= 2^(P-1) - 1 = 1 binds for P = 2. The
  // projection of {3, 1} onto the L1 ball of radius 1 is {1, 0}.
  std::vector<int64_t> w = {3, 1};
  std::optional<double> err = enforceAccumulatorBits(
      w.data(), 1, 2, inputRangeOf(1, false), nullptr, 2, 0);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(w, (std::vector<int64_t>{1, 0}));
  EXPECT_DOUBLE_EQ(*err, std::sqrt(5.0 / 10.0));

  // Signed 3-bit x [-4, 3] (a+ = 3, a- = 4), P = 6: top 3 S+ + 4 S- <= 31,
  // bottom 4 S+ + 3 S- <= 32. For {8, -8} only the top binds (multipliers
  // (2, 0)): {8 - 3, 8 - 4} = {5, 4}, where the bottom is tight too.
  InputRange x = inputRangeOf(3, true);
  w = {8, -8};
  err = enforceAccumulatorBits(w.data(), 1, 2, x, nullptr, 6, 0);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(w, (std::vector<int64_t>{5, -4}));
  EXPECT_DOUBLE_EQ(*err, std::sqrt(25.0 / 128.0));

  // Both constraints active with multipliers (1, 1): thresholds 3 + 4 = 7 on
  // both sides, {12, 1, -11, -1} -> {5, 0, -4, 0}.
  w = {12, 1, -11, -1};
  err = enforceAccumulatorBits(w.data(), 1, 4, x, nullptr, 6, 0);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(w, (std::vector<int64_t>{5, 0, -4, 0}));
  EXPECT_DOUBLE_EQ(*err, std::sqrt(100.0 / 267.0));
  EXPECT_LE(exactBits(orderFreeChannelRanges(w.data(), 1, 4, x, nullptr)), 6u);

  // Fitting channels are untouched; all-zero weights give 0.
  w = {5, -4, 12, 1};
  const int64_t bias[] = {0, 0};
  err = enforceAccumulatorBits(w.data(), 2, 2, x, bias, 6, 0);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(w[0], 5);
  EXPECT_EQ(w[1], -4);
  EXPECT_LT(w[2], 12);
  w = {0, 0, 0};
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 1, 3, x, nullptr, 2, 0),
            std::optional<double>(0.0));
  w = {1, -1};
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 1, 2, x, nullptr, 16, 0),
            std::optional<double>(0.0));
}

TEST(AccumulatorBounds, EnforceInfeasibleLeavesWeightsAlone) {
  InputRange x = inputRangeOf(8, false);
  std::vector<int64_t> w = {3, -2, 7, 1};
  const std::vector<int64_t> before = w;
  // P = 8 holds [-128, 127]: a bias of 128 or -129 alone does not fit; the
  // first channel would need a change, the second makes it infeasible.
  const int64_t tooHigh[] = {0, 128};
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 2, 2, x, tooHigh, 8, 0),
            std::nullopt);
  const int64_t tooLow[] = {0, -129};
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 2, 2, x, tooLow, 8, 0),
            std::nullopt);
  EXPECT_EQ(w, before);
  // A bias at the edge of P = 8 is feasible: the weights get what is left.
  // x in [0, 1]: channel 0 keeps S+ <= 127 - 120, channel 1 S- <= 128 - 120.
  const int64_t edge[] = {120, -120};
  w = {30, -2, 7, -10};
  ASSERT_TRUE(enforceAccumulatorBits(w.data(), 2, 2, inputRangeOf(1, false),
                                     edge, 8, 0));
  EXPECT_EQ(w, (std::vector<int64_t>{7, -2, 7, -8}));
  const int64_t atEdge[] = {127, -128};
  ASSERT_TRUE(enforceAccumulatorBits(w.data(), 2, 2, x, atEdge, 8, 0));
  EXPECT_EQ(w, (std::vector<int64_t>{0, 0, 0, 0}));
  // Bad arguments.
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 2, 2, x, nullptr, 0, 0),
            std::nullopt);
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 2, 2, x, nullptr, 65, 0),
            std::nullopt);
  EXPECT_EQ(enforceAccumulatorBits(w.data(), 2, 2, x, nullptr, 8, -1),
            std::nullopt);
  EXPECT_EQ(
      enforceAccumulatorBits(w.data(), 2, 2, InputRange{1, 0}, nullptr, 8, 0),
      std::nullopt);
  EXPECT_EQ(enforceAccumulatorBits(nullptr, 2, 2, x, nullptr, 8, 0),
            std::nullopt);
  // With tiles the bias belongs to the outer stage: no longer infeasible.
  w = before;
  ASSERT_TRUE(enforceAccumulatorBits(w.data(), 2, 2, x, tooHigh, 8, 1));
}

TEST(AccumulatorBounds, EnforceProperty) {
  std::mt19937_64 rng(11);
  int changed = 0, infeasible = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Problem p = randomProblem(rng);
    int64_t tile =
        trial % 3 == 0 ? std::uniform_int_distribution<int64_t>(1, 8)(rng) : 0;
    unsigned current = exactBits(freeRanges(p));
    unsigned target =
        unsigned(std::uniform_int_distribution<int>(1, int(current) + 1)(rng));
    const std::vector<int64_t> before = p.w;
    // The group constraints of the header; a group fits iff both hold.
    Int128 half = Int128(1) << (target - 1);
    Int128 aPos = std::max<int64_t>(p.x.max, 0);
    Int128 aNeg = std::max<Int128>(-Int128(p.x.min), 0);
    auto groupFits = [&](const std::vector<int64_t> &w, int64_t c,
                         int64_t begin, int64_t end, int64_t b) {
      Int128 sp = 0, sn = 0;
      for (int64_t i = begin; i < end; ++i) {
        int64_t v = w[size_t(c * p.k + i)];
        (v > 0 ? sp : sn) += v > 0 ? v : -v;
      }
      return aPos * sp + aNeg * sn <= half - 1 - std::max<Int128>(b, 0) &&
             aNeg * sp + aPos * sn <= half + std::min<Int128>(b, 0);
    };
    bool feasible = true;
    for (int64_t c = 0; c < p.channels && tile == 0; ++c)
      feasible &= fitsBits(biasOf(p, c), target);
    std::optional<double> err = enforceAccumulatorBits(
        p.w.data(), p.channels, p.k, p.x, p.biasPtr(), target, tile);
    ASSERT_EQ(err.has_value(), feasible) << "trial " << trial;
    if (!feasible) {
      EXPECT_EQ(p.w, before);
      ++infeasible;
      continue;
    }
    // Groups that fitted are unchanged; the others fit now.
    int64_t t = tile == 0 ? p.k : tile;
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t b = 0; b < p.k; b += t) {
        int64_t e = std::min(b + t, p.k);
        int64_t bias = tile == 0 ? biasOf(p, c) : 0;
        EXPECT_TRUE(groupFits(p.w, c, b, e, bias));
        if (groupFits(before, c, b, e, bias)) {
          for (int64_t i = b; i < e; ++i)
            EXPECT_EQ(p.w[size_t(c * p.k + i)], before[size_t(c * p.k + i)]);
        }
      }
    // Every channel (tile == 0) or tile fits, checked with the range API.
    if (tile == 0) {
      EXPECT_LE(exactBits(freeRanges(p)), target);
      EXPECT_LE(exactBits(finalRanges(p)), target);
      EXPECT_LE(exactBits(partialRanges(p)), target);
    } else {
      EXPECT_LE(
          multiStageBits(p.w.data(), p.channels, p.k, tile, p.x, p.biasPtr())
              .inner,
          target);
    }
    // Magnitudes only shrink, signs never flip.
    for (size_t i = 0; i < p.w.size(); ++i) {
      EXPECT_LE(std::abs(p.w[i]), std::abs(before[i]));
      EXPECT_TRUE(p.w[i] == 0 || (p.w[i] > 0) == (before[i] > 0));
    }
    EXPECT_NEAR(*err, relativeError(before, p.w), 1e-12);
    changed += p.w != before;
  }
  // The random targets exercise both outcomes.
  EXPECT_GT(changed, 50);
  EXPECT_GT(infeasible, 5);
}

TEST(AccumulatorBounds, EnforceIsNearOptimalProperty) {
  // Against the best integer solution by brute force: never better (it is
  // feasible), and at most sqrt(n) worse, the rounding toward zero of the
  // real projection (which is no worse than the integer optimum).
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 150; ++trial) {
    int64_t n = std::uniform_int_distribution<int64_t>(1, 4)(rng);
    std::vector<int64_t> w(static_cast<size_t>(n));
    for (int64_t &v : w)
      v = std::uniform_int_distribution<int64_t>(-7, 7)(rng);
    unsigned bits = unsigned(std::uniform_int_distribution<int>(1, 3)(rng));
    bool isSigned = trial % 2;
    InputRange x = inputRangeOf(bits, isSigned, trial % 5 == 0 ? -1 : 0);
    unsigned target = unsigned(std::uniform_int_distribution<int>(2, 6)(rng));
    std::vector<int64_t> got = w;
    ASSERT_TRUE(
        enforceAccumulatorBits(got.data(), 1, n, x, nullptr, target, 0));
    // Enumerate every z with z_i between 0 and w_i.
    double best = std::numeric_limits<double>::infinity();
    std::vector<int64_t> z(static_cast<size_t>(n));
    std::function<void(size_t)> search = [&](size_t i) {
      if (i == size_t(n)) {
        std::vector<ChannelRange> r =
            orderFreeChannelRanges(z.data(), 1, n, x, nullptr);
        if (exactBits(r) <= target) {
          double d = 0;
          for (size_t j = 0; j < z.size(); ++j)
            d += double(w[j] - z[j]) * double(w[j] - z[j]);
          best = std::min(best, std::sqrt(d));
        }
        return;
      }
      for (int64_t v = std::min<int64_t>(0, w[i]);
           v <= std::max<int64_t>(0, w[i]); ++v) {
        z[i] = v;
        search(i + 1);
      }
    };
    search(0);
    double d = 0;
    for (size_t j = 0; j < w.size(); ++j)
      d += double(w[j] - got[j]) * double(w[j] - got[j]);
    EXPECT_GE(std::sqrt(d) + 1e-9, best);
    EXPECT_LE(std::sqrt(d), best + std::sqrt(double(n)) + 1e-9);
  }
}

} // namespace

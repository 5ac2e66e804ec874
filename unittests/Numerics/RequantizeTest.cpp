//===- RequantizeTest.cpp - qsparse.requantize semantics ------------------===//
//
// Checks requantize() (DESIGN 3 "Numerics": exact integer semantics) against
// two independent references, and quantizeMultiplier() round trips.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/Requantize.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace qsparse::numerics;

namespace {

// __extension__ keeps -pedantic builds quiet about the GCC/Clang builtin.
__extension__ typedef __int128 Int128;

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();

/// Reference by truncating division and remainder (a different algorithm
/// from the implementation's biased shift).
int64_t referenceRequantize(int64_t acc, int32_t multiplier, unsigned shift,
                            int64_t zeroPoint, int64_t qmin, int64_t qmax) {
  Int128 p = static_cast<Int128>(acc) * multiplier;
  Int128 d = static_cast<Int128>(1) << shift;
  Int128 q = p / d, r = p % d; // Both truncate toward zero.
  if (r < 0)
    r = -r;
  if (2 * r >= d)
    q += p < 0 ? -1 : 1;
  q += zeroPoint;
  return static_cast<int64_t>(q < qmin ? qmin : (q > qmax ? qmax : q));
}

/// Reference in long double, exact while |acc * multiplier| < 2^63.
int64_t longDoubleRequantize(int64_t acc, int32_t multiplier, unsigned shift,
                             int64_t zeroPoint, int64_t qmin, int64_t qmax) {
  long double p = static_cast<long double>(acc) * multiplier;
  long double y = std::roundl(std::ldexp(p, -int(shift))) + zeroPoint;
  return static_cast<int64_t>(std::clamp<long double>(y, qmin, qmax));
}

TEST(Requantize, Ties) {
  EXPECT_EQ(requantize(5, 1, 1, 0, kI64Min, kI64Max), 3);
  EXPECT_EQ(requantize(-5, 1, 1, 0, kI64Min, kI64Max), -3);
  EXPECT_EQ(requantize(5, -1, 1, 0, kI64Min, kI64Max), -3);
  EXPECT_EQ(requantize(3, 1, 1, 0, kI64Min, kI64Max), 2);
  EXPECT_EQ(requantize(-3, 1, 1, 0, kI64Min, kI64Max), -2);
  EXPECT_EQ(requantize(1, 1, 1, 0, kI64Min, kI64Max), 1);
  EXPECT_EQ(requantize(-1, 1, 1, 0, kI64Min, kI64Max), -1);
  EXPECT_EQ(requantize(1, 1, 2, 0, kI64Min, kI64Max), 0);   // 0.25
  EXPECT_EQ(requantize(2, 1, 2, 0, kI64Min, kI64Max), 1);   // 0.5
  EXPECT_EQ(requantize(-2, 1, 2, 0, kI64Min, kI64Max), -1); // -0.5
  EXPECT_EQ(requantize(-1, 1, 2, 0, kI64Min, kI64Max), 0);  // -0.25
  EXPECT_EQ(requantize(7, 3, 2, 0, kI64Min, kI64Max), 5);   // 5.25
  EXPECT_EQ(requantize(-7, 3, 2, 0, kI64Min, kI64Max), -5);
  EXPECT_EQ(requantize(6, 3, 2, 0, kI64Min, kI64Max), 5); // 4.5
  EXPECT_EQ(requantize(-6, 3, 2, 0, kI64Min, kI64Max), -5);
  // The zero point is added after rounding: -0.5 + 1 -> -1 + 1 = 0.
  EXPECT_EQ(requantize(-1, 1, 1, 1, kI64Min, kI64Max), 0);
}

TEST(Requantize, SaturationAndZeroPoint) {
  EXPECT_EQ(requantize(1000, 1, 0, 0, -128, 127), 127);
  EXPECT_EQ(requantize(-1000, 1, 0, 0, -128, 127), -128);
  EXPECT_EQ(requantize(100, 1, 0, 28, -128, 127), 127);
  EXPECT_EQ(requantize(100, 1, 0, 27, -128, 127), 127);
  EXPECT_EQ(requantize(100, 1, 0, 26, -128, 127), 126);
  EXPECT_EQ(requantize(-5, 1, 0, 3, 0, 255), 0);
  EXPECT_EQ(requantize(123, 0, 7, -9, -128, 127), -9);
  EXPECT_EQ(requantize(123, 0, 7, -200, -128, 127), -128);
  EXPECT_EQ(requantize(3, 1, 0, 0, 5, 5), 5);
  // Sums beyond int64 clamp instead of wrapping.
  EXPECT_EQ(requantize(kI64Max, 1, 0, kI64Max, kI64Min, kI64Max), kI64Max);
  EXPECT_EQ(requantize(kI64Min, 1, 0, kI64Min, kI64Min, kI64Max), kI64Min);
  EXPECT_EQ(requantize(kI64Max, kI32Max, 0, 0, kI64Min, kI64Max), kI64Max);
  EXPECT_EQ(requantize(kI64Min, kI32Max, 0, 0, kI64Min, kI64Max), kI64Min);
  EXPECT_EQ(requantize(kI64Min, kI32Min, 0, 0, kI64Min, kI64Max), kI64Max);
}

TEST(Requantize, ShiftZeroIsExactProduct) {
  EXPECT_EQ(requantize(-7, 9, 0, 0, kI64Min, kI64Max), -63);
  EXPECT_EQ(requantize(int64_t(1) << 32, kI32Max, 0, 0, kI64Min, kI64Max),
            (int64_t(1) << 32) * kI32Max);
  EXPECT_EQ(requantize(int64_t(1) << 32, kI32Min, 0, 0, kI64Min, kI64Max),
            kI64Min);
}

TEST(Requantize, Shift63) {
  // (-2^63) * (-2^31) / 2^63 = 2^31.
  EXPECT_EQ(requantize(kI64Min, kI32Min, 63, 0, kI64Min, kI64Max), int64_t(1)
                                                                       << 31);
  EXPECT_EQ(requantize(kI64Min, 1, 63, 0, kI64Min, kI64Max), -1);
  EXPECT_EQ(requantize(kI64Max, 1, 63, 0, kI64Min, kI64Max), 1); // ~1 - 2^-63
  EXPECT_EQ(requantize(int64_t(1) << 62, 1, 63, 0, kI64Min, kI64Max), 1);
  EXPECT_EQ(requantize((int64_t(1) << 62) - 1, 1, 63, 0, kI64Min, kI64Max), 0);
  EXPECT_EQ(requantize(-(int64_t(1) << 62), 1, 63, 0, kI64Min, kI64Max), -1);
  EXPECT_EQ(requantize(-(int64_t(1) << 62) + 1, 1, 63, 0, kI64Min, kI64Max), 0);
  EXPECT_EQ(requantize(kI64Max, kI32Max, 63, 0, kI64Min, kI64Max),
            referenceRequantize(kI64Max, kI32Max, 63, 0, kI64Min, kI64Max));
}

TEST(Requantize, RandomAgainstReferences) {
  std::mt19937_64 rng(20240607);
  std::uniform_int_distribution<int64_t> any64;
  std::uniform_int_distribution<int32_t> any32;
  std::uniform_int_distribution<unsigned> shiftDist(0, 63);
  std::uniform_int_distribution<int> widthDist(1, 63);
  const std::pair<int64_t, int64_t> ranges[] = {{-128, 127},
                                                {0, 255},
                                                {-32768, 32767},
                                                {kI32Min, kI32Max},
                                                {kI64Min, kI64Max}};
  int checkedLongDouble = 0;
  for (int i = 0; i < 200000; ++i) {
    // Random widths so that small, mid and full-range operands all occur.
    int64_t acc = any64(rng) >> (64 - widthDist(rng));
    int32_t mult = any32(rng) >> (i % 32);
    unsigned shift = shiftDist(rng);
    int64_t zp = (any64(rng) >> 56);
    auto [qmin, qmax] = ranges[i % 5];
    int64_t got = requantize(acc, mult, shift, zp, qmin, qmax);
    ASSERT_EQ(got, referenceRequantize(acc, mult, shift, zp, qmin, qmax))
        << acc << " * " << mult << " >> " << shift << " + " << zp;
    Int128 p = static_cast<Int128>(acc) * mult;
    if (p > -(static_cast<Int128>(1) << 62) &&
        p < (static_cast<Int128>(1) << 62)) {
      ++checkedLongDouble;
      ASSERT_EQ(got, longDoubleRequantize(acc, mult, shift, zp, qmin, qmax))
          << acc << " * " << mult << " >> " << shift << " + " << zp;
    }
  }
  EXPECT_GT(checkedLongDouble, 10000);
}

TEST(Requantize, ExhaustiveTiesSmall) {
  // Every accumulator in [-64, 64] with every shift 0..6: hits every tie.
  for (int64_t acc = -64; acc <= 64; ++acc)
    for (unsigned shift = 0; shift <= 6; ++shift)
      for (int32_t mult : {1, -1, 3, -5}) {
        EXPECT_EQ(requantize(acc, mult, shift, 0, kI64Min, kI64Max),
                  longDoubleRequantize(acc, mult, shift, 0, kI64Min, kI64Max))
            << acc << " " << mult << " " << shift;
      }
}

TEST(QuantizeMultiplier, Examples) {
  int32_t m = 0;
  unsigned s = 0;
  ASSERT_TRUE(quantizeMultiplier(1.0, m, s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 30u);
  ASSERT_TRUE(quantizeMultiplier(0.5, m, s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 31u);
  ASSERT_TRUE(quantizeMultiplier(0.75, m, s));
  EXPECT_EQ(m, 3 << 29);
  EXPECT_EQ(s, 31u);
  // Rounds up to 2^31 and renormalizes.
  ASSERT_TRUE(quantizeMultiplier(std::nextafter(1.0, 0.0), m, s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 30u);
  // Extremes: 2^-33 needs shift 63; just below 2^31 needs shift 0.
  ASSERT_TRUE(quantizeMultiplier(std::ldexp(1.0, -33), m, s));
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 63u);
  ASSERT_TRUE(quantizeMultiplier(std::ldexp(1.0, 31) - 1, m, s));
  EXPECT_EQ(m, kI32Max);
  EXPECT_EQ(s, 0u);
}

TEST(QuantizeMultiplier, Rejects) {
  int32_t m = 17;
  unsigned s = 5;
  for (double bad :
       {0.0, -0.0, -1.0, std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN(), std::ldexp(1.0, -34),
        std::ldexp(1.0, -33) * 0.75, 1e-20,
        std::numeric_limits<double>::denorm_min(), std::ldexp(1.0, 31),
        std::nextafter(std::ldexp(1.0, 31), 0.0), 1e10}) {
    EXPECT_FALSE(quantizeMultiplier(bad, m, s)) << bad;
    EXPECT_EQ(m, 17);
    EXPECT_EQ(s, 5u);
  }
}

TEST(QuantizeMultiplier, RandomRoundTrip) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> logScale(-33, 31);
  for (int i = 0; i < 100000; ++i) {
    double scale = std::exp2(logScale(rng));
    int32_t m = 0;
    unsigned s = 0;
    if (!quantizeMultiplier(scale, m, s)) {
      // Only the top binade's round-up to 2^31 may fail.
      EXPECT_GT(scale, std::ldexp(1.0, 31) * (1 - std::ldexp(1.0, -31)));
      continue;
    }
    EXPECT_GE(m, 1 << 30);
    EXPECT_LE(s, 63u);
    double back = std::ldexp(double(m), -int(s));
    EXPECT_LE(std::fabs(back - scale), std::ldexp(scale, -30)) << scale;
  }
}

TEST(QuantizeMultiplier, DrivesRequantize) {
  // 0.0123 * acc through (multiplier, shift) is within one unit of the real
  // product for moderate accumulators.
  int32_t m = 0;
  unsigned s = 0;
  ASSERT_TRUE(quantizeMultiplier(0.0123, m, s));
  for (int64_t acc = -100000; acc <= 100000; acc += 37) {
    int64_t y = requantize(acc, m, s, 0, kI64Min, kI64Max);
    EXPECT_LE(std::fabs(double(y) - 0.0123 * double(acc)), 0.5 + 1e-6) << acc;
  }
}

} // namespace

//===- CodecsTest.cpp - Exhaustive tests of the ANT codecs ----------------===//
//
// Checks DESIGN 3.1 "flint (ANT, MICRO 2022)" on every code of every small
// format, and against the literal tables of the design and the reference.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/Codecs.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace qsparse::numerics;

namespace {

constexpr CodeFormat flint(unsigned bits, bool isSigned = false) {
  return {CodeKind::Flint, bits, isSigned};
}
constexpr CodeFormat pot(unsigned bits, bool isSigned = false) {
  return {CodeKind::PoT, bits, isSigned};
}
constexpr CodeFormat intFmt(unsigned bits, bool isSigned = true) {
  return {CodeKind::Int, bits, isSigned};
}
constexpr CodeFormat floatFmt(unsigned bits, unsigned exponentBits,
                              bool isSigned = false) {
  return {CodeKind::Float, bits, isSigned, exponentBits};
}

unsigned bitLength(uint64_t v) {
  unsigned n = 0;
  for (; v; v >>= 1)
    ++n;
  return n;
}

bool hasSignMagnitude(CodeFormat f) {
  return f.isSigned && f.kind != CodeKind::Int;
}

/// The code a canonical encoder emits for the value of `code`: the
/// negative-zero code maps to +0.
uint32_t canonical(CodeFormat f, uint32_t code) {
  return decodeToDouble(f, code) == 0 ? 0 : code;
}

/// Every format small enough to enumerate: int 1..8, flint and PoT 2..8.
std::vector<CodeFormat> smallFormats() {
  std::vector<CodeFormat> formats;
  for (unsigned b = 1; b <= 8; ++b)
    for (bool s : {false, true}) {
      formats.push_back(intFmt(b, s));
      if (b >= 2)
        formats.push_back(pot(b, s));
      if (b >= (s ? 3u : 2u))
        formats.push_back(flint(b, s));
    }
  return formats;
}

/// Every float format: bits 2..8, exponent bits 1..value bits.
std::vector<CodeFormat> floatFormats() {
  std::vector<CodeFormat> formats;
  for (unsigned b = 2; b <= 8; ++b)
    for (bool s : {false, true})
      for (unsigned e = 1; e <= b - (s ? 1 : 0); ++e)
        formats.push_back(floatFmt(b, e, s));
  return formats;
}

/// True when grid value `a` is strictly nearer to `x` than `b`, ties going to
/// the larger magnitude. long double distances order correctly when they
/// differ (rounding is monotone); equal computed distances are resolved
/// exactly by which side of x the two values lie on.
bool preferred(double x, double a, double b) {
  long double da = std::fabs(static_cast<long double>(x) - a);
  long double db = std::fabs(static_cast<long double>(x) - b);
  if (da != db)
    return da < db;
  if (a == b)
    return false;
  if (a >= x && b >= x)
    return a < b;
  if (a <= x && b <= x)
    return a > b;
  return std::fabs(a) > std::fabs(b); // A true tie across x.
}

/// Brute-force nearest code over the whole grid.
uint32_t bruteNearest(CodeFormat f, double x) {
  if (std::isnan(x))
    return 0;
  // Infinity is equally far from every grid value: use a finite stand-in
  // beyond the grid instead.
  if (std::isinf(x))
    x = std::copysign(4 * std::max(maxGridValue(f), -minGridValue(f)) + 4, x);
  // The decoded table of the last format (the tests call this thousands of
  // times per format); NaN marks the non-canonical (negative-zero) code.
  static CodeFormat cachedFormat{CodeKind::Int, 0, false};
  static std::vector<double> table;
  if (!(cachedFormat == f) || table.empty()) {
    table.clear();
    for (uint64_t c = 0; c < numCodes(f); ++c)
      table.push_back(canonical(f, uint32_t(c)) == c
                          ? decodeToDouble(f, uint32_t(c))
                          : std::numeric_limits<double>::quiet_NaN());
    cachedFormat = f;
  }
  uint32_t best = 0;
  for (uint64_t c = 1; c < numCodes(f); ++c)
    if (!std::isnan(table[c]) && preferred(x, table[c], table[best]))
      best = uint32_t(c);
  return best;
}

class FormatTest : public ::testing::TestWithParam<CodeFormat> {};

TEST_P(FormatTest, IsValidAndNamed) {
  CodeFormat f = GetParam();
  EXPECT_EQ(verifyFormat(f), "");
  std::optional<CodeFormat> parsed = parseFormatName(formatName(f));
  ASSERT_TRUE(parsed.has_value()) << formatName(f);
  EXPECT_EQ(*parsed, f);
  EXPECT_EQ(numCodes(f), uint64_t(1) << f.bits);
}

TEST_P(FormatTest, DecodeIsConsistent) {
  CodeFormat f = GetParam();
  for (uint64_t c = 0; c < numCodes(f); ++c) {
    DecodedValue v = decode(f, uint32_t(c));
    double mag = std::ldexp(double(v.mantissa), int(v.shift));
    EXPECT_EQ(decodeToDouble(f, uint32_t(c)), v.negative ? -mag : mag);
    if (v.mantissa == 0) {
      EXPECT_FALSE(v.negative);
      EXPECT_EQ(v.shift, 0u);
    }
    if (f.kind == CodeKind::Int) {
      EXPECT_EQ(v.shift, 0u);
    }
    if (f.kind == CodeKind::PoT) {
      EXPECT_LE(v.mantissa, 1u);
    }
    std::optional<int64_t> i = decodeToInt64(f, uint32_t(c));
    if (bitLength(v.mantissa) + v.shift <= 62) {
      ASSERT_TRUE(i.has_value());
      EXPECT_EQ(double(*i), decodeToDouble(f, uint32_t(c)));
    }
    if (bitLength(v.mantissa) + v.shift > 64) {
      EXPECT_FALSE(i.has_value());
    }
    // Bits above `bits` are ignored.
    EXPECT_EQ(decodeToDouble(f, uint32_t(c) | (0xA5u << f.bits)),
              decodeToDouble(f, uint32_t(c)));
  }
}

TEST_P(FormatTest, RoundTrip) {
  CodeFormat f = GetParam();
  for (uint64_t c = 0; c < numCodes(f); ++c) {
    uint32_t code = uint32_t(c);
    uint32_t expected = canonical(f, code);
    EXPECT_EQ(encodeNearest(f, decodeToDouble(f, code)), expected)
        << formatName(f) << " code " << c;
    if (std::optional<int64_t> v = decodeToInt64(f, code)) {
      std::optional<uint32_t> back = encodeExact(f, *v);
      ASSERT_TRUE(back.has_value()) << formatName(f) << " code " << c;
      EXPECT_EQ(*back, expected) << formatName(f) << " code " << c;
    }
  }
}

TEST_P(FormatTest, GridValues) {
  CodeFormat f = GetParam();
  std::vector<double> grid = gridValues(f);
  std::set<double> decoded;
  for (uint64_t c = 0; c < numCodes(f); ++c)
    decoded.insert(decodeToDouble(f, uint32_t(c)));
  EXPECT_EQ(grid, std::vector<double>(decoded.begin(), decoded.end()));
  // Only signed flint/PoT lose a value, to the negative-zero code.
  EXPECT_EQ(grid.size(), numCodes(f) - (hasSignMagnitude(f) ? 1 : 0));
  EXPECT_EQ(grid.front(), minGridValue(f));
  EXPECT_EQ(grid.back(), maxGridValue(f));
  for (double v : grid) {
    EXPECT_EQ(v, std::floor(v)) << "grid values are integers";
  }
  if (hasSignMagnitude(f)) {
    EXPECT_EQ(minGridValue(f), -maxGridValue(f));
  }
}

/// DESIGN 3.1: "Code order equals value order" (for the magnitude of signed
/// flint/PoT, and for unsigned ints).
TEST_P(FormatTest, CodeOrderIsValueOrder) {
  CodeFormat f = GetParam();
  if (f.kind == CodeKind::Int && f.isSigned)
    return; // Two's complement is ordered only after flipping the sign bit.
  unsigned magBits = f.isSigned ? f.bits - 1 : f.bits;
  for (uint32_t c = 1; c < (uint32_t(1) << magBits); ++c) {
    EXPECT_LT(decodeToDouble(f, c - 1), decodeToDouble(f, c));
    if (f.isSigned) {
      EXPECT_EQ(decodeToDouble(f, c | (1u << magBits)), -decodeToDouble(f, c));
    }
  }
}

TEST_P(FormatTest, SignedTwosComplementOrder) {
  CodeFormat f = GetParam();
  if (f.kind != CodeKind::Int || !f.isSigned)
    return;
  uint32_t signBit = 1u << (f.bits - 1);
  for (uint32_t c = 1; c < numCodes(f); ++c) {
    EXPECT_LT(decodeToDouble(f, (c - 1) ^ signBit),
              decodeToDouble(f, c ^ signBit));
  }
}

TEST_P(FormatTest, DecodedSignedBitsIsMinimal) {
  CodeFormat f = GetParam();
  unsigned needed = 1;
  for (uint64_t c = 0; c < numCodes(f); ++c) {
    DecodedValue v = decode(f, uint32_t(c));
    if (v.mantissa == 0)
      continue;
    unsigned len = bitLength(v.mantissa) + v.shift;
    bool pow2 = (v.mantissa & (v.mantissa - 1)) == 0;
    needed = std::max(needed, v.negative && pow2 ? len : len + 1);
  }
  EXPECT_EQ(decodedSignedBits(f), needed) << formatName(f);
  // Cross-check with doubles where they are exact.
  if (needed < 60) {
    double lim = std::ldexp(1.0, int(needed) - 1);
    EXPECT_LE(maxGridValue(f), lim - 1);
    EXPECT_GE(minGridValue(f), -lim);
    EXPECT_TRUE(maxGridValue(f) > lim / 2 - 1 || minGridValue(f) < -lim / 2);
  }
}

/// DESIGN 3.1: a flint code decodes to at most B-1 significant bits and a
/// left shift (0 when MSB = 0, 2k-1 with k leading ones, 2B-2 for all ones).
TEST_P(FormatTest, FlintIntegerShiftPairs) {
  CodeFormat f = GetParam();
  if (f.kind != CodeKind::Flint)
    return;
  unsigned b = f.isSigned ? f.bits - 1 : f.bits;
  for (uint32_t c = 0; c < (1u << b); ++c) {
    DecodedValue v = decode(f, c);
    EXPECT_LE(bitLength(v.mantissa), f.bits - 1);
    EXPECT_LE(bitLength(v.mantissa), b - 1);
    unsigned k = 0;
    while (k < b && ((c >> (b - 1 - k)) & 1))
      ++k;
    unsigned expectedShift = k == 0 ? 0 : (k == b ? 2 * b - 2 : 2 * k - 1);
    EXPECT_EQ(v.shift, expectedShift) << formatName(f) << " code " << c;
    if (k == 0) {
      EXPECT_EQ(v.mantissa, c);
    }
  }
}

TEST_P(FormatTest, EncodeNearestMatchesBruteForce) {
  CodeFormat f = GetParam();
  std::vector<double> grid = gridValues(f);
  std::vector<double> xs;
  for (size_t i = 0; i < grid.size(); ++i) {
    xs.push_back(grid[i]);
    if (i + 1 < grid.size()) {
      double mid = grid[i] + (grid[i + 1] - grid[i]) / 2; // A tie.
      xs.push_back(mid);
      xs.push_back(std::nextafter(mid, -INFINITY));
      xs.push_back(std::nextafter(mid, INFINITY));
    }
  }
  std::mt19937_64 rng(f.bits * 131 + unsigned(f.kind) * 7 + f.isSigned);
  double lo = minGridValue(f), hi = maxGridValue(f);
  double span = hi - lo;
  std::uniform_real_distribution<double> uniform(lo - span / 8,
                                                 hi + span / 8 + 1);
  // Log-uniform magnitudes reach the small steps of wide PoT grids.
  double maxLog = std::log2(std::max(std::fabs(lo), std::fabs(hi)) + 1) + 1;
  std::uniform_real_distribution<double> logMag(-4, maxLog);
  for (int i = 0; i < 2000; ++i) {
    xs.push_back(uniform(rng));
    double m = std::exp2(logMag(rng));
    xs.push_back(i % 2 ? m : -m);
  }
  for (double x : xs) {
    EXPECT_EQ(encodeNearest(f, x), bruteNearest(f, x))
        << formatName(f) << " x = " << x;
  }
}

TEST_P(FormatTest, SaturationNaNAndZero) {
  CodeFormat f = GetParam();
  double hi = maxGridValue(f), lo = minGridValue(f);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, INFINITY)), hi);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, -INFINITY)), lo);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, hi * 4 + 100)), hi);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, lo * 4 - 100)), lo);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, 1e300)), hi);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, -1e300)), lo);
  EXPECT_EQ(encodeNearest(f, std::numeric_limits<double>::quiet_NaN()), 0u);
  EXPECT_EQ(encodeNearest(f, -std::numeric_limits<double>::quiet_NaN()), 0u);
  EXPECT_EQ(decodeToDouble(f, 0), 0.0);
  // Never the negative-zero code.
  for (double x : {-0.0, -1e-300, -0.25, -0.5 + 1e-9}) {
    EXPECT_EQ(encodeNearest(f, x), 0u) << formatName(f) << " x = " << x;
  }
  std::optional<uint32_t> zero = encodeExact(f, 0);
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(*zero, 0u);
}

TEST_P(FormatTest, EncodeExactRejectsOffGrid) {
  CodeFormat f = GetParam();
  std::set<int64_t> onGrid;
  for (uint64_t c = 0; c < numCodes(f); ++c)
    if (std::optional<int64_t> v = decodeToInt64(f, uint32_t(c)))
      onGrid.insert(*v);
  for (int64_t v = -1000; v <= 1000; ++v) {
    std::optional<uint32_t> c = encodeExact(f, v);
    EXPECT_EQ(c.has_value(), onGrid.count(v) == 1)
        << formatName(f) << " v = " << v;
    if (c) {
      EXPECT_EQ(decodeToDouble(f, *c), double(v));
    }
  }
  for (int64_t v : {std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min() + 1})
    EXPECT_EQ(encodeExact(f, v).has_value(), onGrid.count(v) == 1);
  // Every power of two on the int64 range, and its neighbours.
  for (int i = 0; i < 63; ++i)
    for (int64_t v : {int64_t(1) << i, -(int64_t(1) << i),
                      (int64_t(1) << i) + 1, -(int64_t(1) << i) - 1}) {
      std::optional<uint32_t> c = encodeExact(f, v);
      EXPECT_EQ(c.has_value(), onGrid.count(v) == 1)
          << formatName(f) << " v = " << v;
      if (c) {
        EXPECT_EQ(decodeToInt64(f, *c), v);
      }
    }
}

/// The float layout of Codecs.h: exponent index i (high e bits), mantissa j
/// (low m bits); i = 0 -> j << 0, i >= 1 -> (2^m + j) << (i - 1).
TEST_P(FormatTest, FloatExponentMantissaPairs) {
  CodeFormat f = GetParam();
  if (f.kind != CodeKind::Float)
    return;
  unsigned b = f.isSigned ? f.bits - 1 : f.bits;
  unsigned m = b - f.exponentBits;
  for (uint32_t c = 0; c < (1u << b); ++c) {
    DecodedValue v = decode(f, c);
    uint32_t i = c >> m, j = c & ((1u << m) - 1);
    EXPECT_FALSE(v.negative);
    EXPECT_LE(bitLength(v.mantissa), m + 1);
    if (i == 0) {
      EXPECT_EQ(v.mantissa, j) << formatName(f) << " code " << c;
      EXPECT_EQ(v.shift, 0u) << formatName(f) << " code " << c;
    } else {
      EXPECT_EQ(v.mantissa, (uint64_t(1) << m) + j)
          << formatName(f) << " code " << c;
      EXPECT_EQ(v.shift, i - 1) << formatName(f) << " code " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllSmallFormats, FormatTest,
                         ::testing::ValuesIn(smallFormats()),
                         [](const ::testing::TestParamInfo<CodeFormat> &info) {
                           return formatName(info.param);
                         });

INSTANTIATE_TEST_SUITE_P(FloatFormats, FormatTest,
                         ::testing::ValuesIn(floatFormats()),
                         [](const ::testing::TestParamInfo<CodeFormat> &info) {
                           return formatName(info.param);
                         });

std::vector<double> decodeAll(CodeFormat f) {
  std::vector<double> values;
  for (uint64_t c = 0; c < numCodes(f); ++c)
    values.push_back(decodeToDouble(f, uint32_t(c)));
  return values;
}

// The literal tables of DESIGN 3.1.
TEST(Flint, Flint4UnsignedTable) {
  EXPECT_EQ(decodeAll(flint(4)),
            (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 24,
                                 32, 64}));
}

TEST(Flint, Flint4SignedTable) {
  EXPECT_EQ(decodeAll(flint(4, true)),
            (std::vector<double>{0, 1, 2, 3, 4, 6, 8, 16, 0, -1, -2, -3, -4, -6,
                                 -8, -16}));
  EXPECT_EQ(gridValues(flint(4, true)),
            (std::vector<double>{-16, -8, -6, -4, -3, -2, -1, 0, 1, 2, 3, 4, 6,
                                 8, 16}));
}

TEST(Flint, Flint4IntegerShiftPairs) {
  // Reference 1.2: a 3-bit integer and a shift in {0, 1, 3, 5, 6}.
  const std::pair<uint64_t, unsigned> expected[16] = {
      {0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0},
      {4, 1}, {5, 1}, {6, 1}, {7, 1}, {2, 3}, {3, 3}, {1, 5}, {1, 6}};
  for (uint32_t c = 0; c < 16; ++c) {
    DecodedValue v = decode(flint(4), c);
    EXPECT_FALSE(v.negative);
    EXPECT_EQ(v.mantissa, expected[c].first) << "code " << c;
    EXPECT_EQ(v.shift, expected[c].second) << "code " << c;
  }
  DecodedValue neg = decode(flint(4, true), 0b1110);
  EXPECT_TRUE(neg.negative);
  EXPECT_EQ(neg.mantissa, 1u);
  EXPECT_EQ(neg.shift, 3u);
}

TEST(Flint, Flint2And3) {
  EXPECT_EQ(decodeAll(flint(2)), (std::vector<double>{0, 1, 2, 4}));
  EXPECT_EQ(decodeAll(flint(3)),
            (std::vector<double>{0, 1, 2, 3, 4, 6, 8, 16}));
  EXPECT_EQ(gridValues(flint(3, true)),
            (std::vector<double>{-4, -2, -1, 0, 1, 2, 4}));
}

/// Reference 1.1 flint8 row, rebuilt from the step description.
TEST(Flint, Flint8UnsignedGrid) {
  std::vector<double> expected;
  auto run = [&](int lo, int hi, int step) {
    for (int v = lo; v <= hi; v += step)
      expected.push_back(v);
  };
  run(0, 127, 1);
  run(128, 254, 2);
  run(256, 504, 8);
  run(512, 1008, 32);
  run(1024, 1920, 128);
  run(2048, 3584, 512);
  run(4096, 6144, 2048);
  run(8192, 8192, 1);
  run(16384, 16384, 1);
  EXPECT_EQ(expected.size(), 256u);
  EXPECT_EQ(gridValues(flint(8)), expected);
  EXPECT_EQ(decodeAll(flint(8)), expected) << "code order is value order";
  EXPECT_EQ(maxGridValue(flint(8)), 16384.0);
}

TEST(Flint, Flint8SignedGrid) {
  std::vector<double> mag = gridValues(flint(7));
  EXPECT_EQ(mag.size(), 128u);
  EXPECT_EQ(mag[63], 63.0); // 0..63 step 1, as in the reference.
  EXPECT_EQ(mag[64], 64.0);
  EXPECT_EQ(mag[65], 66.0);
  EXPECT_EQ(mag.back(), 4096.0);
  std::vector<double> expected;
  for (auto it = mag.rbegin(); it + 1 != mag.rend(); ++it)
    expected.push_back(-*it);
  expected.insert(expected.end(), mag.begin(), mag.end());
  EXPECT_EQ(gridValues(flint(8, true)), expected);
  EXPECT_EQ(maxGridValue(flint(8, true)), 4096.0);
  EXPECT_EQ(minGridValue(flint(8, true)), -4096.0);
}

TEST(Flint, MaxValueRule) {
  for (unsigned b = 2; b <= 8; ++b) {
    EXPECT_EQ(maxGridValue(flint(b)), std::ldexp(1.0, 2 * b - 2));
    EXPECT_EQ(gridValues(flint(b)).size(), size_t(1) << b);
    if (b >= 3) {
      EXPECT_EQ(maxGridValue(flint(b, true)), std::ldexp(1.0, 2 * b - 4));
      EXPECT_EQ(gridValues(flint(b, true)).size(), (size_t(1) << b) - 1);
    }
  }
}

TEST(Numerics, MaxGridValueExamples) {
  EXPECT_EQ(maxGridValue(intFmt(4)), 7.0);
  EXPECT_EQ(minGridValue(intFmt(4)), -8.0);
  EXPECT_EQ(maxGridValue(intFmt(4, false)), 15.0);
  EXPECT_EQ(maxGridValue(flint(4, true)), 16.0);
  EXPECT_EQ(maxGridValue(flint(4)), 64.0);
  EXPECT_EQ(minGridValue(flint(4)), 0.0);
  EXPECT_EQ(maxGridValue(intFmt(32)), 2147483647.0);
  EXPECT_EQ(minGridValue(intFmt(32)), -2147483648.0);
  EXPECT_EQ(maxGridValue(intFmt(32, false)), 4294967295.0);
  EXPECT_EQ(maxGridValue(pot(8)), std::ldexp(1.0, 254));
  EXPECT_EQ(maxGridValue(pot(8, true)), std::ldexp(1.0, 126));
}

TEST(Numerics, DecodedSignedBits) {
  EXPECT_EQ(decodedSignedBits(flint(4)), 8u);
  EXPECT_EQ(decodedSignedBits(flint(4, true)), 6u);
  for (unsigned b = 2; b <= 8; ++b) {
    // Reference 1.2: unsigned flint-B fits UINT(2B-1), signed INT(2B-2).
    EXPECT_EQ(decodedSignedBits(flint(b)), 2 * b);
    if (b >= 3) {
      EXPECT_EQ(decodedSignedBits(flint(b, true)), 2 * b - 2);
    }
    EXPECT_EQ(decodedSignedBits(pot(b)), 1u << b);
    EXPECT_EQ(decodedSignedBits(pot(b, true)), 1u << (b - 1));
  }
  for (unsigned b = 1; b <= 32; ++b) {
    EXPECT_EQ(decodedSignedBits(intFmt(b)), b);
    EXPECT_EQ(decodedSignedBits(intFmt(b, false)), b + 1);
  }
}

/// Reference 1.3: signed 4-bit PoT is 0, +-1 .. +-64; unsigned is 0, 2^0..2^14.
TEST(PoT, Tables) {
  EXPECT_EQ(gridValues(pot(4, true)),
            (std::vector<double>{-64, -32, -16, -8, -4, -2, -1, 0, 1, 2, 4, 8,
                                 16, 32, 64}));
  std::vector<double> unsignedGrid{0};
  for (int i = 0; i <= 14; ++i)
    unsignedGrid.push_back(std::ldexp(1.0, i));
  EXPECT_EQ(decodeAll(pot(4)), unsignedGrid);
  EXPECT_EQ(decodeAll(pot(2, true)), (std::vector<double>{0, 1, 0, -1}));
  for (unsigned b = 2; b <= 8; ++b) {
    EXPECT_EQ(maxGridValue(pot(b)), std::ldexp(1.0, (1 << b) - 2));
    EXPECT_EQ(maxGridValue(pot(b, true)), std::ldexp(1.0, (1 << (b - 1)) - 2));
  }
}

TEST(PoT, LargeValuesDoNotFitInt64) {
  // pot8 code e is 2^(e-1).
  EXPECT_EQ(decodeToInt64(pot(8), 62), int64_t(1) << 61);
  EXPECT_EQ(decodeToInt64(pot(8), 63), int64_t(1) << 62);
  EXPECT_EQ(decodeToInt64(pot(8), 64), std::nullopt); // 2^63 > INT64_MAX.
  EXPECT_EQ(decodeToInt64(pot(8), 255), std::nullopt);
  EXPECT_EQ(decodeToInt64(pot(8, true), 0x80 | 64),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(decodeToInt64(pot(8, true), 0x80 | 65), std::nullopt);
  EXPECT_EQ(encodeExact(pot(8, true), std::numeric_limits<int64_t>::min()),
            0x80u | 64);
  DecodedValue v = decode(pot(8), 255);
  EXPECT_EQ(v.mantissa, 1u);
  EXPECT_EQ(v.shift, 254u);
}

TEST(Int, SmallTables) {
  EXPECT_EQ(decodeAll(intFmt(4)),
            (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3,
                                 -2, -1}));
  EXPECT_EQ(decodeAll(intFmt(1)), (std::vector<double>{0, -1}));
  EXPECT_EQ(decodeAll(intFmt(1, false)), (std::vector<double>{0, 1}));
}

TEST(Int, WideFormats) {
  CodeFormat i32 = intFmt(32), u32 = intFmt(32, false), i16 = intFmt(16);
  EXPECT_EQ(numCodes(i32), uint64_t(1) << 32);
  EXPECT_EQ(decodeToInt64(i32, 0x80000000u), -2147483648LL);
  EXPECT_EQ(decodeToInt64(i32, 0xFFFFFFFFu), -1);
  EXPECT_EQ(decodeToInt64(u32, 0xFFFFFFFFu), 4294967295LL);
  EXPECT_EQ(decode(i32, 0x80000000u).mantissa, uint64_t(1) << 31);
  EXPECT_EQ(encodeNearest(i32, 2.5), 3u);
  EXPECT_EQ(encodeNearest(i32, -2.5), uint32_t(-3));
  EXPECT_EQ(encodeNearest(i32, 2.4999999), 2u);
  EXPECT_EQ(encodeNearest(i32, 1e12), 0x7FFFFFFFu);
  EXPECT_EQ(encodeNearest(i32, -1e12), 0x80000000u);
  EXPECT_EQ(encodeNearest(i32, 2147483646.5), 0x7FFFFFFFu);
  EXPECT_EQ(encodeNearest(u32, -3), 0u);
  EXPECT_EQ(encodeNearest(u32, 4294967294.5), 0xFFFFFFFFu);
  EXPECT_EQ(encodeNearest(u32, INFINITY), 0xFFFFFFFFu);
  EXPECT_EQ(encodeNearest(i16, -32768.4), 0x8000u);
  EXPECT_EQ(encodeNearest(i16, -0.5), 0xFFFFu);
  EXPECT_EQ(encodeExact(i32, -2147483648LL), 0x80000000u);
  EXPECT_EQ(encodeExact(i32, 2147483648LL), std::nullopt);
  EXPECT_EQ(encodeExact(u32, 4294967295LL), 0xFFFFFFFFu);
  EXPECT_EQ(encodeExact(u32, -1), std::nullopt);
  EXPECT_EQ(encodeExact(i16, 40000), std::nullopt);
  EXPECT_EQ(gridValues(i16).size(), 65536u);
  EXPECT_EQ(decodedSignedBits(u32), 33u);
}

TEST(Numerics, TiesGoAwayFromZero) {
  // 9 is the flint4 tie between 8 and 10, 48 the one between 32 and 64.
  EXPECT_EQ(decodeToDouble(flint(4), encodeNearest(flint(4), 9)), 10.0);
  EXPECT_EQ(decodeToDouble(flint(4), encodeNearest(flint(4), 48)), 64.0);
  EXPECT_EQ(decodeToDouble(flint(4), encodeNearest(flint(4), 47.99)), 32.0);
  EXPECT_EQ(decodeToDouble(flint(4, true), encodeNearest(flint(4, true), -12)),
            -16.0);
  EXPECT_EQ(decodeToDouble(flint(4, true), encodeNearest(flint(4, true), -0.5)),
            -1.0);
  EXPECT_EQ(decodeToDouble(flint(4, true), encodeNearest(flint(4, true), 0.5)),
            1.0);
  EXPECT_EQ(decodeToDouble(pot(4, true), encodeNearest(pot(4, true), -48)),
            -64.0);
  EXPECT_EQ(decodeToDouble(intFmt(4), encodeNearest(intFmt(4), -7.5)), -8.0);
  EXPECT_EQ(decodeToDouble(intFmt(4), encodeNearest(intFmt(4), 6.5)), 7.0);
  EXPECT_EQ(decodeToDouble(intFmt(4), encodeNearest(intFmt(4), 7.5)), 7.0);
}

TEST(Numerics, VerifyFormatMessages) {
  EXPECT_EQ(verifyFormat(flint(9)), "flint bit width must be in [2, 8], got 9");
  EXPECT_EQ(verifyFormat(flint(1)), "flint bit width must be in [2, 8], got 1");
  EXPECT_EQ(verifyFormat(flint(2, true)),
            "signed flint bit width must be in [3, 8], got 2");
  EXPECT_EQ(verifyFormat(flint(9, true)),
            "signed flint bit width must be in [3, 8], got 9");
  EXPECT_EQ(verifyFormat(pot(1)), "pot bit width must be in [2, 8], got 1");
  EXPECT_EQ(verifyFormat(pot(9, true)),
            "pot bit width must be in [2, 8], got 9");
  EXPECT_EQ(verifyFormat(intFmt(0)), "int bit width must be in [1, 32], got 0");
  EXPECT_EQ(verifyFormat(intFmt(33, false)),
            "int bit width must be in [1, 32], got 33");
  EXPECT_EQ(verifyFormat(intFmt(32, false)), "");
  EXPECT_EQ(verifyFormat(flint(3, true)), "");
  EXPECT_EQ(verifyFormat(CodeFormat{static_cast<CodeKind>(7), 4, false}),
            "unknown code kind");
}

TEST(Numerics, FormatNames) {
  EXPECT_EQ(formatName(flint(4)), "flint4");
  EXPECT_EQ(formatName(flint(4, true)), "flint4_signed");
  EXPECT_EQ(formatName(pot(4, true)), "pot4_signed");
  EXPECT_EQ(formatName(pot(8)), "pot8");
  EXPECT_EQ(formatName(intFmt(8)), "int8");
  EXPECT_EQ(formatName(intFmt(8, false)), "uint8");
  EXPECT_EQ(parseFormatName("int32"), intFmt(32));
  EXPECT_EQ(parseFormatName("uint1"), intFmt(1, false));
  for (const char *bad :
       {"", "int", "int0", "int33", "int08", "int8_signed", "uint8_signed",
        "flint1", "flint2_signed", "flint9", "pot4_unsigned", "pot4signed",
        "flint4 ", "float4", "int123", "FLINT4"})
    EXPECT_EQ(parseFormatName(bad), std::nullopt) << bad;
}

/// A transcription of ANT's `Quantizer.float_value(eb)` (reference 1.3,
/// quant_modules.py) in its own real units, without `convert_tensor`'s
/// rescaling (which cancels out in scale = alpha / max(grid)) and without
/// its "B == 2 forces exp_bit = 2" override (a choice of default exponent
/// bits, not of layout; parseCandidates applies it).
std::vector<double> antFloatValue(unsigned bit, bool isSigned, unsigned eb) {
  int B = int(bit) - (isSigned ? 1 : 0);
  int expBit = int(eb), manBit = B - expBit;
  std::vector<double> values;
  bool minToZero = true, subnormal = true;
  for (int i = 0; i < (1 << expBit); ++i) {
    for (int j = 0; j < (1 << manBit); ++j) {
      if (minToZero) {
        values.push_back(0.);
        minToZero = false;
        continue;
      }
      double v = subnormal ? std::ldexp(1.0, i) * (j * std::ldexp(1.0, -manBit))
                           : std::ldexp(1.0, i - 1) *
                                 (1 + j * std::ldexp(1.0, -manBit));
      values.push_back(v);
      if (isSigned)
        values.push_back(-v);
    }
    subnormal = false;
  }
  // convert_tensor: pad with a duplicate 0 to 2^bit entries, then sort.
  if (values.size() < (size_t(1) << bit))
    values.push_back(0.);
  EXPECT_EQ(values.size(), size_t(1) << bit);
  std::sort(values.begin(), values.end());
  return values;
}

/// Our grid is ANT's times 2^m (integer units), for every float format.
TEST(Float, MatchesAntFloatValue) {
  for (CodeFormat f : floatFormats()) {
    unsigned m = f.bits - (f.isSigned ? 1 : 0) - f.exponentBits;
    std::vector<double> ant = antFloatValue(f.bits, f.isSigned, f.exponentBits);
    for (double &v : ant)
      v = std::ldexp(v, int(m));
    std::vector<double> ours;
    for (uint64_t c = 0; c < numCodes(f); ++c)
      ours.push_back(decodeToDouble(f, uint32_t(c)));
    std::sort(ours.begin(), ours.end());
    // Same multiset: the negative-zero code is ANT's padding 0.
    EXPECT_EQ(ours, ant) << formatName(f);
  }
}

TEST(Float, Tables) {
  EXPECT_EQ(decodeAll(floatFmt(4, 2)),
            (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20,
                                 24, 28}));
  // m = 1: 0,1 | 2,3 | 4,6 | 8,12.
  EXPECT_EQ(decodeAll(floatFmt(4, 2, true)),
            (std::vector<double>{0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6,
                                 -8, -12}));
  EXPECT_EQ(decodeAll(floatFmt(4, 1, true)),
            (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 0, -1, -2, -3, -4, -5,
                                 -6, -7}));
  EXPECT_EQ(decodeAll(floatFmt(2, 1, true)),
            (std::vector<double>{0, 1, 0, -1}));
  EXPECT_EQ(decodeAll(floatFmt(3, 2)),
            (std::vector<double>{0, 1, 2, 3, 4, 6, 8, 12}));
  // ANT's default for signed 8-bit: eb = 3, m = 4, max 31 << 6.
  EXPECT_EQ(maxGridValue(floatFmt(8, 3, true)), 1984.0);
  EXPECT_EQ(minGridValue(floatFmt(8, 3, true)), -1984.0);
  EXPECT_EQ(gridValues(floatFmt(8, 3, true)).size(), 255u);
}

/// Reference 1.3: "with eb = 3 and signed 4-bit, m = 0, so float is identical
/// to signed PoT" (and m = 0 means the integer-unit factor 2^m is 1).
TEST(Float, Signed4BitE3IsSignedPoT) {
  for (uint32_t c = 0; c < 16; ++c) {
    EXPECT_EQ(decodeToDouble(floatFmt(4, 3, true), c),
              decodeToDouble(pot(4, true), c))
        << "code " << c;
  }
  EXPECT_EQ(gridValues(floatFmt(4, 3, true)), gridValues(pot(4, true)));
  EXPECT_EQ(decodedSignedBits(floatFmt(4, 3, true)),
            decodedSignedBits(pot(4, true)));
}

/// Degenerate exponent widths: e = 1 is a plain int, e = b (m = 0) is PoT.
TEST(Float, DegenerateExponentWidths) {
  for (unsigned b = 2; b <= 8; ++b) {
    EXPECT_EQ(decodeAll(floatFmt(b, 1)), decodeAll(intFmt(b, false))) << b;
    EXPECT_EQ(decodeAll(floatFmt(b, b)), decodeAll(pot(b))) << b;
    EXPECT_EQ(decodeAll(floatFmt(b, b - 1, true)), decodeAll(pot(b, true)))
        << b;
  }
}

TEST(Float, MaxValueAndSignedBits) {
  for (CodeFormat f : floatFormats()) {
    unsigned e = f.exponentBits;
    unsigned m = f.bits - (f.isSigned ? 1 : 0) - e;
    double max = std::ldexp(double((2u << m) - 1), (1 << e) - 2);
    EXPECT_EQ(maxGridValue(f), max) << formatName(f);
    EXPECT_EQ(minGridValue(f), f.isSigned ? -max : 0.0) << formatName(f);
    // (2^(m+1) - 1) << (2^e - 2) has m + 2^e - 1 bits, plus a sign bit.
    EXPECT_EQ(decodedSignedBits(f), m + (1u << e)) << formatName(f);
  }
}

TEST(Float, TiesGoAwayFromZero) {
  CodeFormat f = floatFmt(4, 2, true); // 0,1,2,3,4,6,8,12.
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, 5)), 6.0);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, -10)), -12.0);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, 9.99)), 8.0);
  EXPECT_EQ(decodeToDouble(f, encodeNearest(f, 100)), 12.0);
  EXPECT_EQ(encodeNearest(f, -0.25), 0u);
}

TEST(Float, NamesAndVerification) {
  EXPECT_EQ(formatName(floatFmt(4, 2, true)), "float4_e2_signed");
  EXPECT_EQ(formatName(floatFmt(8, 3)), "float8_e3");
  EXPECT_EQ(parseFormatName("float4_e2_signed"), floatFmt(4, 2, true));
  EXPECT_EQ(parseFormatName("float8_e8"), floatFmt(8, 8));
  EXPECT_EQ(parseFormatName("float2_e1_signed"), floatFmt(2, 1, true));
  for (const char *bad :
       {"float4", "float4_e", "float4_e0", "float4_e5", "float4_e4_signed",
        "float9_e3", "float1_e1", "float4_signed_e2", "float4_e02",
        "float4_e2_", "float04_e2", "float4e2", "float_e2", "float2_e2_signed"})
    EXPECT_EQ(parseFormatName(bad), std::nullopt) << bad;

  EXPECT_EQ(verifyFormat(floatFmt(4, 3, true)), "");
  EXPECT_EQ(verifyFormat(floatFmt(4, 4)), "");
  EXPECT_EQ(verifyFormat(floatFmt(9, 3)),
            "float bit width must be in [2, 8], got 9");
  EXPECT_EQ(verifyFormat(floatFmt(1, 1)),
            "float bit width must be in [2, 8], got 1");
  EXPECT_EQ(verifyFormat(floatFmt(4, 4, true)),
            "float exponent bits must be in [1, 3] for 4-bit signed, got 4");
  EXPECT_EQ(verifyFormat(floatFmt(4, 0)),
            "float exponent bits must be in [1, 4] for 4-bit unsigned, got 0");
  EXPECT_EQ(verifyFormat(CodeFormat{CodeKind::Int, 8, true, 3}),
            "int format must have 0 exponent bits, got 3");
  EXPECT_EQ(verifyFormat(CodeFormat{CodeKind::PoT, 4, true, 1}),
            "pot format must have 0 exponent bits, got 1");
  EXPECT_EQ(verifyFormat(CodeFormat{CodeKind::Flint, 9, true, 1}),
            "signed flint bit width must be in [3, 8], got 9");

  // exponentBits takes part in equality; old initializers leave it 0.
  EXPECT_NE(floatFmt(4, 2), floatFmt(4, 3));
  EXPECT_EQ(floatFmt(4, 2), floatFmt(4, 2));
  CodeFormat old{CodeKind::Flint, 4, true};
  EXPECT_EQ(old.exponentBits, 0u);
  EXPECT_NE(old, (CodeFormat{CodeKind::Flint, 4, true, 1}));
}

} // namespace

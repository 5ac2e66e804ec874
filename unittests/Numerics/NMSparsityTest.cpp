//===- NMSparsityTest.cpp - N:M magnitude pruning -------------------------===//
//
// Checks DESIGN 3.3 "N:M structured sparsity": verifyNM diagnostics, the
// magnitude-pruning tie rule, exact and greedy transposable masks against
// exhaustive enumeration and DP, mask diversity counts, and metadata packing.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/NMSparsity.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace qsparse::numerics;

namespace {

using Mask = std::vector<uint8_t>;

/// Brute force: i is kept iff fewer than n elements beat it, where j beats i
/// when |w_j| > |w_i|, or they are equal and j < i (NaN below everything).
Mask bruteMask(const std::vector<double> &g, unsigned n) {
  auto key = [&](size_t i) {
    return std::isnan(g[i]) ? -1.0 : std::fabs(g[i]);
  };
  Mask kept;
  for (size_t i = 0; i < g.size(); ++i) {
    unsigned beaten = 0;
    for (size_t j = 0; j < g.size(); ++j)
      beaten += key(j) > key(i) || (key(j) == key(i) && j < i);
    if (beaten < n)
      kept.push_back(uint8_t(i));
  }
  return kept;
}

TEST(NMSparsity, VerifyNMMessages) {
  EXPECT_EQ(verifyNM(0, 4), "N must be >= 1, got 0");
  EXPECT_EQ(verifyNM(2, 6), "M must be a power of two, got 6");
  EXPECT_EQ(verifyNM(2, 0), "M must be a power of two, got 0");
  EXPECT_EQ(verifyNM(5, 4), "N must be <= M, got N = 5, M = 4");
  EXPECT_EQ(verifyNM(2, 512), "M must be <= 256, got 512");
  for (auto [n, m] : {std::pair<unsigned, unsigned>{2, 4},
                      {1, 2},
                      {4, 8},
                      {1, 1},
                      {2, 8},
                      {16, 16},
                      {256, 256}})
    EXPECT_EQ(verifyNM(n, m), "") << n << ":" << m;
}

TEST(NMSparsity, MagnitudeMaskExamples) {
  std::vector<double> g{0.1, -3, 2, 0.5};
  EXPECT_EQ(magnitudeGroupMask(g.data(), 2, 4), (Mask{1, 2}));
  EXPECT_EQ(magnitudeGroupMask(g.data(), 1, 4), (Mask{1}));
  EXPECT_EQ(magnitudeGroupMask(g.data(), 4, 4), (Mask{0, 1, 2, 3}));
  std::vector<double> ties{1, -1, 1, -1};
  EXPECT_EQ(magnitudeGroupMask(ties.data(), 2, 4), (Mask{0, 1}));
  std::vector<double> lateTie{0.5, 2, 1, 2};
  EXPECT_EQ(magnitudeGroupMask(lateTie.data(), 1, 4), (Mask{1}));
  EXPECT_EQ(magnitudeGroupMask(lateTie.data(), 3, 4), (Mask{1, 2, 3}));
  // Fewer nonzeros than N: still N positions, zeros by lowest index.
  std::vector<double> sparse{0, 0, 5, 0};
  EXPECT_EQ(magnitudeGroupMask(sparse.data(), 2, 4), (Mask{0, 2}));
  std::vector<double> zeros{0, -0.0, 0, 0};
  EXPECT_EQ(magnitudeGroupMask(zeros.data(), 2, 4), (Mask{0, 1}));
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> withNaN{nan, 1, 0, -2};
  EXPECT_EQ(magnitudeGroupMask(withNaN.data(), 2, 4), (Mask{1, 3}));
  EXPECT_EQ(magnitudeGroupMask(withNaN.data(), 3, 4), (Mask{1, 2, 3}));
  std::vector<double> withInf{1, -INFINITY, 3, 2};
  EXPECT_EQ(magnitudeGroupMask(withInf.data(), 1, 4), (Mask{1}));
}

TEST(NMSparsity, ExhaustiveFourElementGroups) {
  // Every group over {0, 1, -1, 2, -2}^4 (many ties) for every N.
  const double values[] = {0, 1, -1, 2, -2};
  for (int idx = 0; idx < 625; ++idx) {
    std::vector<double> g;
    for (int k = 0, r = idx; k < 4; ++k, r /= 5)
      g.push_back(values[r % 5]);
    for (unsigned n = 1; n <= 4; ++n) {
      Mask mask = magnitudeGroupMask(g.data(), n, 4);
      ASSERT_EQ(mask, bruteMask(g, n)) << "group " << idx << " n " << n;
      std::vector<double> pruned(4, 0.0);
      for (uint8_t i : mask)
        pruned[i] = g[i];
      EXPECT_TRUE(satisfiesNM(pruned.data(), n, 4));
    }
  }
}

TEST(NMSparsity, RandomLargerGroups) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> small(-3, 3);
  std::normal_distribution<double> normal;
  for (unsigned m : {2u, 8u, 16u, 32u, 256u})
    for (int iter = 0; iter < 200; ++iter) {
      std::vector<double> g(m);
      for (double &x : g)
        x = iter % 2 ? small(rng) : normal(rng);
      for (unsigned n = 1; n <= m; n = n * 2 + 1) {
        ASSERT_EQ(magnitudeGroupMask(g.data(), n, m), bruteMask(g, n))
            << m << " " << n;
      }
    }
}

TEST(NMSparsity, SatisfiesNM) {
  std::vector<double> g{0, 3, 0, -1};
  EXPECT_TRUE(satisfiesNM(g.data(), 2, 4));
  EXPECT_FALSE(satisfiesNM(g.data(), 1, 4));
  std::vector<double> negZero{-0.0, 3, -0.0, -1};
  EXPECT_TRUE(satisfiesNM(negZero.data(), 2, 4));
  std::vector<double> withNaN{std::numeric_limits<double>::quiet_NaN(), 3, 0,
                              -1};
  EXPECT_FALSE(satisfiesNM(withNaN.data(), 2, 4));
  std::vector<double> dense{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_TRUE(satisfiesNM(dense.data(), 8, 8));
  EXPECT_FALSE(satisfiesNM(dense.data(), 4, 8));
  std::vector<double> zeros(8, 0.0);
  EXPECT_TRUE(satisfiesNM(zeros.data(), 1, 8));
}

//===----------------------------------------------------------------------===//
// Transposable N:M: helpers independent of the library's solvers
//===----------------------------------------------------------------------===//

using Tile = std::vector<double>;

unsigned popCount(uint32_t bits) {
  unsigned count = 0;
  for (; bits != 0; bits &= bits - 1)
    ++count;
  return count;
}

/// Row and column sums of an m x m 0/1 tile given as bits (bit r * m + c).
bool bitsHaveSums(uint32_t bits, unsigned m, unsigned n, bool exactly) {
  for (unsigned i = 0; i < m; ++i) {
    unsigned row = 0, col = 0;
    for (unsigned j = 0; j < m; ++j) {
      row += (bits >> (i * m + j)) & 1u;
      col += (bits >> (j * m + i)) & 1u;
    }
    if (exactly ? (row != n || col != n) : (row > n || col > n))
      return false;
  }
  return true;
}

/// Every m x m 0/1 matrix (m <= 4) with all row and column sums equal to n.
std::vector<uint32_t> enumeratePatterns(unsigned m, unsigned n) {
  std::vector<uint32_t> patterns;
  for (uint32_t bits = 0; bits < (1u << (m * m)); ++bits)
    if (bitsHaveSums(bits, m, n, /*exactly=*/true))
      patterns.push_back(bits);
  return patterns;
}

double bitsMass(const Tile &t, uint32_t bits) {
  double sum = 0;
  for (unsigned i = 0; i < t.size(); ++i)
    if ((bits >> i) & 1u)
      sum += std::fabs(t[i]);
  return sum;
}

double maskMass(const Tile &t, const Mask &mask) {
  double sum = 0;
  for (size_t i = 0; i < t.size(); ++i)
    if (mask[i])
      sum += std::fabs(t[i]);
  return sum;
}

double enumeratedOptimum(const Tile &t, const std::vector<uint32_t> &pats) {
  double best = -1;
  for (uint32_t bits : pats)
    best = std::max(best, bitsMass(t, bits));
  return best;
}

/// max sum of v over kept entries by DP over rows; the state is the vector of
/// column counts in base n + 1. `exactly`: every row and column keeps n;
/// otherwise at most n.
double dpMax(const Tile &v, unsigned m, unsigned n, bool exactly) {
  size_t states = 1;
  std::vector<size_t> power(m);
  for (unsigned c = 0; c < m; ++c) {
    power[c] = states;
    states *= n + 1;
  }
  std::vector<uint32_t> subsets;
  for (uint32_t s = 0; s < (1u << m); ++s) {
    unsigned pop = popCount(s);
    if (exactly ? pop == n : pop <= n)
      subsets.push_back(s);
  }
  const double none = -std::numeric_limits<double>::infinity();
  std::vector<double> cur(states, none), next(states);
  cur[0] = 0;
  for (unsigned r = 0; r < m; ++r) {
    std::fill(next.begin(), next.end(), none);
    for (size_t s = 0; s < states; ++s) {
      if (cur[s] == none)
        continue;
      for (uint32_t sub : subsets) {
        size_t to = s;
        double gain = 0;
        bool ok = true;
        for (unsigned c = 0; c < m && ok; ++c)
          if ((sub >> c) & 1u) {
            ok = (s / power[c]) % (n + 1) < n;
            to += power[c];
            gain += v[r * m + c];
          }
        if (ok)
          next[to] = std::max(next[to], cur[s] + gain);
      }
    }
    std::swap(cur, next);
  }
  if (exactly)
    return cur[states - 1]; // Every column at n.
  return *std::max_element(cur.begin(), cur.end());
}

/// Independent optimum of the kept L1 mass. Exactly n keeps the complement of
/// an exactly-(m - n) mask, so large n runs the DP on the smaller side.
double dpOptimum(const Tile &t, unsigned m, unsigned n, bool exactly) {
  Tile a(t.size()), negated(t.size());
  double total = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    a[i] = std::fabs(t[i]);
    negated[i] = -a[i];
    total += a[i];
  }
  if (exactly && 2 * n > m)
    return total + dpMax(negated, m, m - n, true);
  return dpMax(a, m, n, exactly);
}

/// Optimality certificate for a perfect b-matching: it is max-weight among
/// exactly-n masks iff the residual graph (row -> col for dropped entries with
/// cost -|w|, col -> row for kept ones with cost +|w|) has no negative cycle.
bool noImprovingCycle(const Tile &t, const Mask &keep, unsigned m) {
  const unsigned v = 2 * m;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> d(v * v, inf);
  for (unsigned r = 0; r < m; ++r)
    for (unsigned c = 0; c < m; ++c) {
      double a = std::fabs(t[r * m + c]);
      if (keep[r * m + c])
        d[(m + c) * v + r] = a;
      else
        d[r * v + m + c] = -a;
    }
  for (unsigned k = 0; k < v; ++k)
    for (unsigned i = 0; i < v; ++i)
      for (unsigned j = 0; j < v; ++j)
        d[i * v + j] = std::min(d[i * v + j], d[i * v + k] + d[k * v + j]);
  for (unsigned i = 0; i < v; ++i)
    if (d[i * v + i] < -1e-9)
      return false;
  return true;
}

/// Row and column sums of an m x m tile mask: {max, min} over all lines.
std::pair<unsigned, unsigned> lineSumRange(const Mask &keep, unsigned m) {
  unsigned hi = 0, lo = m;
  for (unsigned i = 0; i < m; ++i) {
    unsigned row = 0, col = 0;
    for (unsigned j = 0; j < m; ++j) {
      row += keep[i * m + j];
      col += keep[j * m + i];
    }
    hi = std::max({hi, row, col});
    lo = std::min({lo, row, col});
  }
  return {hi, lo};
}

/// Random tile: Gaussian, or small integers with many ties and zeros.
Tile randomTile(std::mt19937_64 &rng, unsigned m, bool ties) {
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> small(-3, 3);
  Tile t(m * m);
  for (double &x : t)
    x = ties ? small(rng) : normal(rng);
  return t;
}

//===----------------------------------------------------------------------===//
// Tile counts and mask diversity
//===----------------------------------------------------------------------===//

TEST(TransposableNM, TileCountMatchesBruteForce) {
  for (unsigned m = 0; m <= 4; ++m)
    for (unsigned n = 0; n <= m + 1; ++n) {
      uint64_t brute = 0;
      for (uint32_t bits = 0; bits < (1u << (m * m)); ++bits)
        brute += bitsHaveSums(bits, m, n, /*exactly=*/true);
      EXPECT_EQ(transposableTileCount(n, m), double(brute)) << m << " " << n;
      EXPECT_EQ(transposableTileCountU64(n, m), brute) << m << " " << n;
    }
}

TEST(TransposableNM, TileCountKnownValues) {
  EXPECT_EQ(transposableTileCount(2, 4), 90.0);
  EXPECT_EQ(transposableTileCount(4, 8), 116963796250.0);
  EXPECT_EQ(transposableTileCount(2, 8), 187530840.0);
  EXPECT_EQ(transposableTileCountU64(4, 8), uint64_t(116963796250));
  EXPECT_EQ(transposableTileCountU64(2, 8), uint64_t(187530840));
  // n = 1 counts permutation matrices.
  EXPECT_EQ(transposableTileCountU64(1, 8), uint64_t(40320));
  EXPECT_EQ(transposableTileCountU64(1, 16), uint64_t(20922789888000));
  // Complement symmetry c(m, n) = c(m, m - n); 3:8 from OEIS-free DP agreement
  // between the double and the checked-integer paths.
  for (unsigned n = 0; n <= 8; ++n) {
    EXPECT_EQ(transposableTileCountU64(n, 8),
              transposableTileCountU64(8 - n, 8));
    EXPECT_EQ(transposableTileCount(n, 8),
              double(*transposableTileCountU64(n, 8)));
  }
  EXPECT_EQ(transposableTileCount(2, 16), transposableTileCount(14, 16));
  EXPECT_FALSE(transposableTileCountU64(2, 16).has_value()); // > 2^64.
  EXPECT_GT(transposableTileCount(2, 16), 1e25);
  EXPECT_TRUE(std::isnan(transposableTileCount(2, 32)));
  EXPECT_FALSE(transposableTileCountU64(2, 32).has_value());
}

TEST(TransposableNM, AllNinetyTwoFourPatterns) {
  std::vector<uint32_t> patterns = enumeratePatterns(4, 2);
  ASSERT_EQ(patterns.size(), 90u);
  // maskSatisfies agrees with direct row/column sums on all 2^16 masks.
  for (uint32_t bits = 0; bits < (1u << 16); ++bits) {
    Mask mask(16);
    for (unsigned i = 0; i < 16; ++i)
      mask[i] = (bits >> i) & 1u;
    bool colsOk = true;
    for (unsigned c = 0; c < 4; ++c)
      colsOk &= mask[c] + mask[4 + c] + mask[8 + c] + mask[12 + c] <= 2;
    ASSERT_EQ(maskSatisfies(mask, 4, 4, 2, 4, true),
              bitsHaveSums(bits, 4, 2, /*exactly=*/false))
        << bits;
    ASSERT_EQ(maskSatisfies(mask, 4, 4, 2, 4, false), colsOk) << bits;
  }
  for (uint32_t bits : patterns) {
    Mask mask(16);
    for (unsigned i = 0; i < 16; ++i)
      mask[i] = (bits >> i) & 1u;
    EXPECT_EQ(lineSumRange(mask, 4), std::make_pair(2u, 2u));
  }
}

TEST(TransposableNM, MaskDiversityTable) {
  // Reference table, MD per 64 elements.
  EXPECT_NEAR(maskDiversityLog10(64, 2, 4, false), std::log10(2.82e12), 1e-3);
  EXPECT_NEAR(maskDiversityLog10(64, 2, 4, true), std::log10(6.56e7), 1e-3);
  EXPECT_NEAR(maskDiversityLog10(64, 4, 8, false), std::log10(5.76e14), 1e-3);
  EXPECT_NEAR(maskDiversityLog10(64, 4, 8, true), std::log10(1.17e11), 1e-3);
  EXPECT_NEAR(maskDiversityLog10(64, 1, 2, false), std::log10(4.29e9), 1e-3);
  // Closed forms: 6^16 and 90^4 and 2^32.
  EXPECT_NEAR(maskDiversityLog10(64, 2, 4, false), 16 * std::log10(6.0), 1e-12);
  EXPECT_NEAR(maskDiversityLog10(64, 2, 4, true), 4 * std::log10(90.0), 1e-12);
  EXPECT_NEAR(maskDiversityLog10(64, 1, 2, false), 32 * std::log10(2.0), 1e-12);
  EXPECT_EQ(maskDiversityLog10(0, 2, 4, true), 0.0);
  EXPECT_EQ(maskDiversityLog10(64, 4, 4, false), 0.0); // Dense: one mask.
  EXPECT_NEAR(maskDiversityLog10(1 << 20, 128, 256, false),
              4096 * std::log10(5.768658823449206e75), 1e-6 * 4096 * 75.76);
  EXPECT_TRUE(std::isnan(maskDiversityLog10(64, 2, 6, false)));
  EXPECT_TRUE(std::isnan(maskDiversityLog10(64, 0, 4, false)));
  EXPECT_TRUE(std::isnan(maskDiversityLog10(-1, 2, 4, false)));
  EXPECT_TRUE(std::isnan(maskDiversityLog10(1024, 2, 32, true)));
}

//===----------------------------------------------------------------------===//
// Exact and greedy transposable masks
//===----------------------------------------------------------------------===//

TEST(TransposableNM, ExactMatchesEnumerationOnFourByFour) {
  std::mt19937_64 rng(11);
  for (unsigned n = 1; n <= 4; ++n) {
    std::vector<uint32_t> patterns = enumeratePatterns(4, n);
    for (int iter = 0; iter < 1500; ++iter) {
      bool ties = iter % 2;
      Tile t = randomTile(rng, 4, ties);
      if (iter % 100 == 7)
        std::fill(t.begin(), t.end(), 0.0);
      Mask keep = transposableMaskExact(t.data(), 4, 4, n, 4);
      ASSERT_EQ(keep.size(), 16u);
      ASSERT_EQ(lineSumRange(keep, 4), std::make_pair(n, n)) << iter;
      ASSERT_TRUE(maskSatisfies(keep, 4, 4, n, 4, true));
      double best = enumeratedOptimum(t, patterns);
      if (ties)
        ASSERT_EQ(maskMass(t, keep), best) << "n " << n << " iter " << iter;
      else
        ASSERT_NEAR(maskMass(t, keep), best, 1e-12 * (1 + best))
            << "n " << n << " iter " << iter;
    }
  }
}

TEST(TransposableNM, ExactOnEightByEight) {
  std::mt19937_64 rng(5);
  for (unsigned n = 1; n <= 7; ++n) {
    // DP cost grows like (min(n, 8 - n) + 1)^8: fewer DP tiles in the middle.
    unsigned side = std::min(n, 8 - n);
    int dpTiles = side == 1 ? 20 : side == 2 ? 10 : side == 3 ? 3 : 1;
    for (int iter = 0; iter < 100; ++iter) {
      bool ties = iter % 3 == 0;
      Tile t = randomTile(rng, 8, ties);
      Mask keep = transposableMaskExact(t.data(), 8, 8, n, 8);
      ASSERT_EQ(lineSumRange(keep, 8), std::make_pair(n, n));
      ASSERT_TRUE(maskSatisfies(keep, 8, 8, n, 8, true));
      ASSERT_TRUE(noImprovingCycle(t, keep, 8)) << n << " " << iter;
      Mask atMost = transposableMaskExactAtMost(t.data(), 8, 8, n, 8);
      Mask greedy = transposableMaskGreedy(t.data(), 8, 8, n, 8);
      ASSERT_TRUE(maskSatisfies(atMost, 8, 8, n, 8, true));
      ASSERT_TRUE(maskSatisfies(greedy, 8, 8, n, 8, true));
      EXPECT_GE(maskMass(t, atMost), maskMass(t, keep) - 1e-12);
      EXPECT_GE(maskMass(t, atMost), maskMass(t, greedy) - 1e-12);
      if (iter < dpTiles) {
        EXPECT_NEAR(maskMass(t, keep), dpOptimum(t, 8, n, true), 1e-9)
            << n << " " << iter;
        if (n <= 3) {
          EXPECT_NEAR(maskMass(t, atMost), dpOptimum(t, 8, n, false), 1e-9)
              << n << " " << iter;
        }
      }
    }
  }
  // The certificate rejects a non-optimal mask: cyclically shift the columns.
  Tile t = randomTile(rng, 8, false);
  Mask keep = transposableMaskExact(t.data(), 8, 8, 1, 8);
  Mask shifted(64);
  for (unsigned r = 0; r < 8; ++r)
    for (unsigned c = 0; c < 8; ++c)
      shifted[r * 8 + (c + 1) % 8] = keep[r * 8 + c];
  ASSERT_LT(maskMass(t, shifted), maskMass(t, keep));
  EXPECT_FALSE(noImprovingCycle(t, shifted, 8));
}

TEST(TransposableNM, AtMostMatchesDPOnFourByFour) {
  std::mt19937_64 rng(23);
  for (unsigned n = 1; n <= 4; ++n)
    for (int iter = 0; iter < 1000; ++iter) {
      bool ties = iter % 2;
      Tile t = randomTile(rng, 4, ties);
      Mask keep = transposableMaskExactAtMost(t.data(), 4, 4, n, 4);
      ASSERT_TRUE(maskSatisfies(keep, 4, 4, n, 4, true));
      double best = dpOptimum(t, 4, n, false);
      if (ties)
        ASSERT_EQ(maskMass(t, keep), best) << "n " << n << " iter " << iter;
      else
        ASSERT_NEAR(maskMass(t, keep), best, 1e-12 * (1 + best));
      // Exactly n per line whenever an exactly-n mask is optimal too (exact
      // sums only: integer tiles).
      if (ties && dpOptimum(t, 4, n, true) == best) {
        ASSERT_EQ(lineSumRange(keep, 4), std::make_pair(n, n)) << iter;
      }
    }
}

TEST(TransposableNM, GreedyKeepsHalfOfOptimum) {
  std::mt19937_64 rng(7);
  for (unsigned n = 1; n <= 4; ++n)
    for (int iter = 0; iter < 1500; ++iter) {
      Tile t = randomTile(rng, 4, iter % 2);
      Mask greedy = transposableMaskGreedy(t.data(), 4, 4, n, 4);
      ASSERT_TRUE(maskSatisfies(greedy, 4, 4, n, 4, true));
      // Against the optimum with at most n per line (>= the exactly-n one).
      double atMost = dpOptimum(t, 4, n, false);
      ASSERT_GE(maskMass(t, greedy), 0.5 * atMost - 1e-12) << n << " " << iter;
      ASSERT_LE(maskMass(t, greedy), atMost + 1e-12);
    }
  for (unsigned n : {2u, 4u})
    for (int iter = 0; iter < 300; ++iter) {
      Tile t = randomTile(rng, 8, iter % 2);
      Mask greedy = transposableMaskGreedy(t.data(), 8, 8, n, 8);
      Mask best = transposableMaskExactAtMost(t.data(), 8, 8, n, 8);
      ASSERT_TRUE(maskSatisfies(greedy, 8, 8, n, 8, true));
      ASSERT_GE(maskMass(t, greedy), 0.5 * maskMass(t, best) - 1e-12);
    }
}

TEST(TransposableNM, GreedyAndExactExamples) {
  // Greedy takes 3, then only the 0 is left; exact takes both 2s.
  Tile t{3, 2, 2, 0};
  EXPECT_EQ(transposableMaskGreedy(t.data(), 2, 2, 1, 2), (Mask{1, 0, 0, 1}));
  EXPECT_EQ(transposableMaskExact(t.data(), 2, 2, 1, 2), (Mask{0, 1, 1, 0}));
  // Equal magnitudes: greedy visits row-major order.
  Tile ones(16, -1.0);
  EXPECT_EQ(transposableMaskGreedy(ones.data(), 4, 4, 2, 4),
            (Mask{1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1}));
  // Greedy can leave a line short (here row 3 and column 3 keep one each).
  Tile stuck{9, 9, 1, 0, 9, 9, 1, 0, 1, 1, 9, 0, 0, 0, 0, 9};
  Mask g = transposableMaskGreedy(stuck.data(), 4, 4, 2, 4);
  EXPECT_TRUE(maskSatisfies(g, 4, 4, 2, 4, true));
  // Exactly-n optimum vs at-most-n optimum (documented in the header).
  Tile gap{1, 5, 8, 3, 0, 0, 2, 2, 5, 3, 8, 1, 2, 2, 5, 1};
  Mask keep = transposableMaskExact(gap.data(), 4, 4, 2, 4);
  EXPECT_EQ(maskMass(gap, keep), 31.0);
  EXPECT_EQ(enumeratedOptimum(gap, enumeratePatterns(4, 2)), 31.0);
  EXPECT_EQ(dpOptimum(gap, 4, 2, false), 32.0);
  Mask atMost = transposableMaskExactAtMost(gap.data(), 4, 4, 2, 4);
  EXPECT_EQ(maskMass(gap, atMost), 32.0);
  EXPECT_EQ(lineSumRange(atMost, 4).second, 1u);
  // inf beats every finite magnitude; NaN ranks below zero and only breaks
  // mass ties.
  double nan = std::numeric_limits<double>::quiet_NaN();
  // {tile, exactly-n mask, at-most-n mask}: at most n drops a NaN that
  // brings no mass.
  struct Case {
    Tile tile;
    Mask exactly, atMost;
  };
  for (const Case &c :
       {Case{{nan, 0, 0, -INFINITY}, {1, 0, 0, 1}, {0, 0, 0, 1}},
        Case{{nan, 0, 0, 5}, {1, 0, 0, 1}, {0, 0, 0, 1}},
        Case{{nan, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}},
        Case{{nan, 0, 0, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}},
        Case{{INFINITY, 1e308, 1e308, 0}, {1, 0, 0, 1}, {1, 0, 0, 1}}}) {
    EXPECT_EQ(transposableMaskExact(c.tile.data(), 2, 2, 1, 2), c.exactly);
    EXPECT_EQ(transposableMaskExactAtMost(c.tile.data(), 2, 2, 1, 2), c.atMost);
  }
  Tile special{nan, 0, 0, -INFINITY};
  EXPECT_EQ(transposableMaskGreedy(special.data(), 2, 2, 1, 2),
            (Mask{1, 0, 0, 1}));
  Tile nanZeros{nan, 0, 0, 0};
  EXPECT_EQ(transposableMaskGreedy(nanZeros.data(), 2, 2, 1, 2),
            (Mask{0, 1, 1, 0}));
  // At most n: a zero weight is still kept when it costs nothing.
  Tile sparse{0, 0, 0, 3};
  EXPECT_EQ(transposableMaskExactAtMost(sparse.data(), 2, 2, 1, 2),
            (Mask{1, 0, 0, 1}));
  Tile huge{1e300, 1e-300, 1e-300, 0.5e300};
  EXPECT_EQ(transposableMaskExact(huge.data(), 2, 2, 1, 2), (Mask{1, 0, 0, 1}));
}

TEST(TransposableNM, WholeMatrixIsTileWise) {
  std::mt19937_64 rng(13);
  std::normal_distribution<double> normal;
  const int64_t K = 8, F = 12;
  std::vector<double> w(K * F);
  for (double &x : w)
    x = normal(rng);
  for (unsigned n = 1; n <= 3; ++n) {
    Mask exact = transposableMaskExact(w.data(), K, F, n, 4);
    Mask greedy = transposableMaskGreedy(w.data(), K, F, n, 4);
    Mask atMost = transposableMaskExactAtMost(w.data(), K, F, n, 4);
    ASSERT_EQ(exact.size(), size_t(K * F));
    EXPECT_TRUE(maskSatisfies(atMost, K, F, n, 4, true));
    EXPECT_TRUE(maskSatisfies(exact, K, F, n, 4, true));
    EXPECT_TRUE(maskSatisfies(greedy, K, F, n, 4, true));
    for (int64_t k0 = 0; k0 < K; k0 += 4)
      for (int64_t f0 = 0; f0 < F; f0 += 4) {
        Tile t(16);
        for (unsigned r = 0; r < 4; ++r)
          for (unsigned c = 0; c < 4; ++c)
            t[r * 4 + c] = w[(k0 + r) * F + f0 + c];
        Mask e = transposableMaskExact(t.data(), 4, 4, n, 4);
        Mask g = transposableMaskGreedy(t.data(), 4, 4, n, 4);
        Mask a = transposableMaskExactAtMost(t.data(), 4, 4, n, 4);
        for (unsigned r = 0; r < 4; ++r)
          for (unsigned c = 0; c < 4; ++c) {
            EXPECT_EQ(exact[(k0 + r) * F + f0 + c], e[r * 4 + c]);
            EXPECT_EQ(greedy[(k0 + r) * F + f0 + c], g[r * 4 + c]);
            EXPECT_EQ(atMost[(k0 + r) * F + f0 + c], a[r * 4 + c]);
          }
      }
    EXPECT_GE(keptL1Fraction(w.data(), exact), double(n) / 4 - 1e-12);
  }
  // Shape and parameter errors give an empty mask.
  EXPECT_TRUE(transposableMaskExact(w.data(), 6, 16, 2, 4).empty());
  EXPECT_TRUE(transposableMaskExact(w.data(), 8, 10, 2, 4).empty());
  EXPECT_TRUE(transposableMaskGreedy(w.data(), 8, 12, 2, 3).empty());
  EXPECT_TRUE(transposableMaskGreedy(w.data(), 8, 12, 0, 4).empty());
  EXPECT_TRUE(transposableMaskGreedy(w.data(), -4, 12, 2, 4).empty());
  EXPECT_TRUE(transposableMaskExact(w.data(), 0, 0, 2, 4).empty());
  EXPECT_TRUE(transposableMaskExactAtMost(w.data(), 8, 10, 2, 4).empty());
}

//===----------------------------------------------------------------------===//
// Whole-matrix N:M masks, maskSatisfies, keptL1Fraction
//===----------------------------------------------------------------------===//

TEST(NMSparsity, MagnitudeMaskAlongK) {
  // [K = 8][F = 3]; groups are columns of 4 rows.
  std::vector<double> w{
      1,  0, 2,  //
      -3, 0, 2,  //
      2,  7, -2, //
      0,  0, 2,  //
      5,  1, 1,  //
      5,  1, 0,  //
      -5, 1, 0,  //
      0,  1, 0,  //
  };
  Mask mask = nmMagnitudeMask(w.data(), 8, 3, 2, 4);
  EXPECT_EQ(mask, (Mask{
                      0, 1, 1, //
                      1, 0, 1, // Column 1: 7 and the lowest zero.
                      1, 1, 0, // Column 2: four ties keep rows 0, 1.
                      0, 0, 0, //
                      1, 1, 1, // Column 0: three 5s keep rows 4, 5.
                      1, 1, 1, //
                      0, 0, 0, //
                      0, 0, 0, //
                  }));
  EXPECT_TRUE(maskSatisfies(mask, 8, 3, 2, 4, false));
  EXPECT_FALSE(maskSatisfies(mask, 8, 3, 1, 4, false));
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal;
  for (auto [n, m] : {std::pair<unsigned, unsigned>{2, 4},
                      {1, 4},
                      {4, 8},
                      {2, 8},
                      {1, 2},
                      {8, 16}}) {
    const int64_t K = 4 * m, F = 5;
    std::vector<double> x(K * F);
    for (double &v : x)
      v = normal(rng);
    Mask got = nmMagnitudeMask(x.data(), K, F, n, m);
    ASSERT_EQ(got.size(), size_t(K * F));
    for (int64_t k0 = 0; k0 < K; k0 += m)
      for (int64_t f = 0; f < F; ++f) {
        std::vector<double> g(m);
        for (unsigned i = 0; i < m; ++i)
          g[i] = x[(k0 + i) * F + f];
        Mask expect(m, 0);
        for (uint8_t i : magnitudeGroupMask(g.data(), n, m))
          expect[i] = 1;
        for (unsigned i = 0; i < m; ++i)
          ASSERT_EQ(got[(k0 + i) * F + f], expect[i]);
      }
    EXPECT_TRUE(maskSatisfies(got, K, F, n, m, false));
  }
  EXPECT_TRUE(nmMagnitudeMask(w.data(), 6, 4, 2, 4).empty());
  EXPECT_TRUE(nmMagnitudeMask(w.data(), 8, 3, 2, 5).empty());
}

TEST(NMSparsity, MaskSatisfiesTransposable) {
  // Every column (group) keeps 2, but row 0 keeps 4 within the tile.
  Mask rowHeavy{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0};
  EXPECT_TRUE(maskSatisfies(rowHeavy, 4, 4, 2, 4, false));
  EXPECT_FALSE(maskSatisfies(rowHeavy, 4, 4, 2, 4, true));
  // Rows may keep more than n across tiles: [4][8] holds two tiles.
  Mask twoTiles{1, 1, 0, 0, 1, 1, 0, 0, //
                0, 0, 1, 1, 0, 0, 1, 1, //
                1, 0, 1, 0, 1, 0, 1, 0, //
                0, 1, 0, 1, 0, 1, 0, 1};
  EXPECT_TRUE(maskSatisfies(twoTiles, 4, 8, 2, 4, true));
  twoTiles[6] = 1; // Row 0 of tile 1 now keeps 3.
  EXPECT_FALSE(maskSatisfies(twoTiles, 4, 8, 2, 4, true));
  // Shape errors.
  EXPECT_FALSE(maskSatisfies(rowHeavy, 4, 3, 2, 4, false));
  EXPECT_FALSE(maskSatisfies(Mask(12, 0), 4, 3, 2, 4, true));
  EXPECT_TRUE(maskSatisfies(Mask(12, 0), 4, 3, 2, 4, false));
  EXPECT_FALSE(maskSatisfies(Mask(12, 0), 3, 4, 2, 4, false));
  EXPECT_FALSE(maskSatisfies(Mask(12, 0), 4, 3, 2, 3, false));
  EXPECT_TRUE(maskSatisfies(Mask{}, 0, 0, 2, 4, true));
}

TEST(NMSparsity, KeptL1Fraction) {
  std::vector<double> w{1, -3, 0, 4};
  EXPECT_EQ(keptL1Fraction(w.data(), Mask{0, 1, 0, 1}), 7.0 / 8);
  EXPECT_EQ(keptL1Fraction(w.data(), Mask{1, 0, 1, 0}), 1.0 / 8);
  EXPECT_EQ(keptL1Fraction(w.data(), Mask{1, 1, 1, 1}), 1.0);
  EXPECT_EQ(keptL1Fraction(w.data(), Mask{0, 0, 0, 0}), 0.0);
  std::vector<double> zeros{0, -0.0, 0, 0};
  EXPECT_EQ(keptL1Fraction(zeros.data(), Mask{0, 0, 0, 0}), 1.0);
  EXPECT_EQ(keptL1Fraction(nullptr, Mask{}), 1.0);
}

//===----------------------------------------------------------------------===//
// Metadata
//===----------------------------------------------------------------------===//

TEST(NMMetadata, CpuRoundTrip) {
  std::mt19937_64 rng(19);
  std::normal_distribution<double> normal;
  std::bernoulli_distribution drop(0.3);
  for (auto [n, m] : {std::pair<unsigned, unsigned>{2, 4},
                      {1, 4},
                      {4, 8},
                      {2, 8},
                      {1, 2},
                      {3, 16},
                      {100, 256}}) {
    const int64_t K = 2 * m, F = 7, groups = K / m * F;
    std::vector<double> w(K * F);
    for (double &x : w)
      x = drop(rng) ? 0.0 : normal(rng);
    // Prune to at most n nonzeros, then forget the zeros so groups with fewer
    // nonzeros exercise the padding.
    Mask kept = nmMagnitudeMask(w.data(), K, F, n, m);
    for (size_t i = 0; i < kept.size(); ++i)
      kept[i] = kept[i] && w[i] != 0.0;
    Mask positions = nmMetadataPositions(kept, K, F, n, m);
    ASSERT_EQ(positions.size(), size_t(groups * n));
    // Canonical: each group holds its kept positions plus the lowest unused.
    for (int64_t k0 = 0, g = 0; k0 < K; k0 += m)
      for (int64_t f = 0; f < F; ++f, ++g) {
        Mask group(m);
        for (unsigned i = 0; i < m; ++i)
          group[i] = kept[(k0 + i) * F + f];
        EXPECT_EQ(
            Mask(positions.begin() + g * n, positions.begin() + (g + 1) * n),
            nmGroupPositions(group.data(), n, m));
      }
    Mask packed = packCpuMetadata(positions, n, m);
    unsigned bits = 0;
    while ((1u << bits) < m)
      ++bits;
    ASSERT_EQ(packed.size(), size_t((groups * n * bits + 7) / 8)) << n << m;
    EXPECT_EQ(unpackCpuMetadata(packed, groups, n, m), positions);
    // Wrong sizes are rejected.
    EXPECT_TRUE(unpackCpuMetadata(packed, groups + 8, n, m).empty());
  }
}

TEST(NMMetadata, CpuBitLayout) {
  // 2:4: one nibble per group, equal to the mma.sp nibble; f-major in a byte.
  EXPECT_EQ(packCpuMetadata(Mask{0, 1, 2, 3, 0, 3}, 2, 4), (Mask{0xE4, 0x0C}));
  EXPECT_EQ(unpackCpuMetadata(Mask{0xE4, 0x0C}, 3, 2, 4),
            (Mask{0, 1, 2, 3, 0, 3}));
  // 2:8: 3-bit entries straddle bytes: 1 | 6 << 3 | 2 << 6 | 7 << 9.
  EXPECT_EQ(packCpuMetadata(Mask{1, 6, 2, 7}, 2, 8), (Mask{0xB1, 0x0E}));
  // 1:2: one bit per group.
  EXPECT_EQ(packCpuMetadata(Mask{1, 0, 0, 1, 1, 1, 1, 1, 1}, 1, 2),
            (Mask{0xF9, 0x01}));
  // 16:16 and 1:1: dense.
  Mask all(16);
  for (unsigned i = 0; i < 16; ++i)
    all[i] = uint8_t(i);
  EXPECT_EQ(packCpuMetadata(all, 16, 16),
            (Mask{0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE}));
  EXPECT_TRUE(packCpuMetadata(Mask{0, 0, 0}, 1, 1).empty()); // 0 bits each.
  EXPECT_EQ(unpackCpuMetadata(Mask{}, 3, 1, 1), (Mask{0, 0, 0}));
  // Non-canonical positions are rejected.
  EXPECT_TRUE(packCpuMetadata(Mask{1, 0}, 2, 4).empty());
  EXPECT_TRUE(packCpuMetadata(Mask{1, 1}, 2, 4).empty());
  EXPECT_TRUE(packCpuMetadata(Mask{0, 4}, 2, 4).empty());
  EXPECT_TRUE(packCpuMetadata(Mask{0, 1, 2}, 2, 4).empty());
  EXPECT_TRUE(packCpuMetadata(Mask{0, 1}, 2, 6).empty());
  EXPECT_TRUE(unpackCpuMetadata(Mask{0x01}, 2, 2, 4).empty()); // {1, 0}.
  EXPECT_TRUE(unpackCpuMetadata(Mask{0x44}, -1, 2, 4).empty());
  // Padding picks the lowest unused positions.
  Mask one{0, 0, 1, 0}, none{0, 0, 0, 0}, three{1, 0, 1, 1};
  EXPECT_EQ(nmGroupPositions(one.data(), 2, 4), (Mask{0, 2}));
  EXPECT_EQ(nmGroupPositions(none.data(), 2, 4), (Mask{0, 1}));
  EXPECT_TRUE(nmGroupPositions(three.data(), 2, 4).empty());
  EXPECT_EQ(nmGroupPositions(three.data(), 3, 4), (Mask{0, 2, 3}));
  EXPECT_TRUE(nmMetadataPositions(Mask(12, 1), 4, 3, 2, 4).empty());
  EXPECT_TRUE(nmMetadataPositions(Mask(12, 0), 4, 4, 2, 4).empty());
}

TEST(NMMetadata, MmaSpNibbles) {
  auto nibbleOf = [](Mask kept) {
    Mask p = nmGroupPositions(kept.data(), 2, 4);
    return mmaSpNibble(p[0], p[1]);
  };
  EXPECT_EQ(nibbleOf({1, 1, 0, 0}), 0b0100);
  EXPECT_EQ(nibbleOf({0, 0, 1, 1}), 0b1110);
  EXPECT_EQ(nibbleOf({1, 0, 0, 1}), 0b1100);
  // Validator: exactly the four equal-index nibbles and values > 15 fail.
  for (unsigned v = 0; v < 256; ++v) {
    bool invalid =
        v > 15 || v == 0b0000 || v == 0b0101 || v == 0b1010 || v == 0b1111;
    EXPECT_EQ(isValidMmaSpNibble(uint8_t(v)), !invalid) << v;
  }
  // Every group with <= 2 nonzeros encodes to a valid nibble whose indices
  // cover the kept positions; groups with more have no 2:4 encoding.
  for (unsigned bits = 0; bits < 16; ++bits) {
    Mask kept(4);
    for (unsigned i = 0; i < 4; ++i)
      kept[i] = (bits >> i) & 1u;
    Mask p = nmGroupPositions(kept.data(), 2, 4);
    if (popCount(bits) > 2) {
      EXPECT_TRUE(p.empty());
      continue;
    }
    ASSERT_EQ(p.size(), 2u);
    uint8_t nibble = mmaSpNibble(p[0], p[1]);
    EXPECT_TRUE(isValidMmaSpNibble(nibble)) << bits;
    for (unsigned i = 0; i < 4; ++i) {
      if (kept[i]) {
        EXPECT_TRUE((nibble & 3u) == i || (nibble >> 2) == i) << bits;
      }
    }
  }
  // Broken preconditions give the invalid nibble 0.
  EXPECT_EQ(mmaSpNibble(2, 2), 0);
  EXPECT_EQ(mmaSpNibble(3, 1), 0);
  EXPECT_EQ(mmaSpNibble(1, 4), 0);
}

TEST(NMMetadata, MmaSpPacking) {
  // Positions {0, 2} in each group of a 16-element row.
  Mask pairs;
  for (int g = 0; g < 4; ++g)
    pairs.insert(pairs.end(), {0, 2});
  EXPECT_EQ(packMmaSpMetadataF16(pairs), (std::vector<uint16_t>{0x8888}));
  Mask pairs32 = pairs;
  pairs32.insert(pairs32.end(), pairs.begin(), pairs.end());
  EXPECT_EQ(packMmaSpMetadataI8(pairs32), (std::vector<uint32_t>{0x88888888}));
  EXPECT_EQ(packMmaSpMetadataF16(pairs32),
            (std::vector<uint16_t>{0x8888, 0x8888}));
  // Least-significant nibble first: [TTFF], [FFTT], [TFFT], [FTTF].
  Mask mixed{0, 1, 2, 3, 0, 3, 1, 2};
  EXPECT_EQ(packMmaSpMetadataF16(mixed), (std::vector<uint16_t>{0x9CE4}));
  mixed.insert(mixed.end(), {0, 1, 0, 1, 0, 1, 2, 3});
  EXPECT_EQ(packMmaSpMetadataI8(mixed), (std::vector<uint32_t>{0xE4449CE4}));
  // Every packed nibble is valid; bad sizes and pairs are rejected.
  for (uint16_t word : packMmaSpMetadataF16(pairs32))
    for (unsigned j = 0; j < 4; ++j)
      EXPECT_TRUE(isValidMmaSpNibble((word >> (4 * j)) & 0xF));
  EXPECT_TRUE(packMmaSpMetadataF16(Mask{0, 1, 0, 1, 0, 1}).empty());
  EXPECT_TRUE(packMmaSpMetadataI8(pairs).empty());
  EXPECT_TRUE(packMmaSpMetadataF16(Mask{0, 1, 0, 1, 1, 1, 0, 1}).empty());
  EXPECT_TRUE(packMmaSpMetadataF16(Mask{0, 1, 0, 1, 2, 1, 0, 1}).empty());
  EXPECT_TRUE(packMmaSpMetadataF16(Mask{}).empty());
}

} // namespace

//===- NMSparsityTest.cpp - N:M magnitude pruning -------------------------===//
//
// Checks DESIGN 3.3 "N:M structured sparsity": verifyNM diagnostics and the
// magnitude-pruning tie rule, exhaustively on small groups.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/NMSparsity.h"

#include "gtest/gtest.h"

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

} // namespace

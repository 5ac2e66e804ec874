//===- MmaLayoutsTest.cpp - tensor-core fragment layouts
//-------------------===//
//
// The expected layouts are the PTX ISA's formulas in its own terms (element
// index i of a fragment, groupID, threadID_in_group; PtxIsa.h), transcribed
// independently of the register/byte split MmaLayouts.h uses, plus literal
// positions read off the ISA's figures. The warp simulations load tiles the
// way the GPU kernels do (ldmatrix at the library's addresses, with the ISA's
// ldmatrix semantics) and check that the registers are the mma fragments and
// that mma over them computes the matrix product.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/MmaLayouts.h"
#include "qsparse/Numerics/PtxIsa.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <utility>

using namespace qsparse::numerics::mma;

namespace {

// The ISA's formulas (qsparse/Numerics/PtxIsa.h, transcribed separately
// from the register/byte layouts under test).
Coord isaI8A(int lane, int i) { return qsparse::numerics::ptx::i8A(lane, i); }
Coord isaI8B(int lane, int i) { return qsparse::numerics::ptx::i8B(lane, i); }
Coord isaF16A(int lane, int i) { return qsparse::numerics::ptx::f16A(lane, i); }
Coord isaF16B(int lane, int i) { return qsparse::numerics::ptx::f16B(lane, i); }
Coord isaAcc(int lane, int i) {
  return qsparse::numerics::ptx::accumulator(lane, i);
}

TEST(MmaLayouts, I8MatchesIsaFormulas) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int i = 0; i < 16; ++i)
      EXPECT_EQ(i8A(lane, i / 4, i % 4), isaI8A(lane, i)) << lane << " " << i;
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(i8B(lane, i / 4, i % 4), isaI8B(lane, i)) << lane << " " << i;
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(accumulator(lane, i), isaAcc(lane, i));
  }
}

TEST(MmaLayouts, F16MatchesIsaFormulas) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(f16A(lane, i / 2, i % 2), isaF16A(lane, i));
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(f16B(lane, i / 2, i % 2), isaF16B(lane, i));
  }
}

// The GPU kernel lays f16 tiles out in bytes of K exactly like int8 ones:
// f16 element (row, col) of a fragment occupies bytes 2 col, 2 col + 1 of
// its row, which must be bytes 2 half, 2 half + 1 of the same register as
// the int8 fragment's (row, byte) there.
TEST(MmaLayouts, F16FragmentsHaveTheInt8Bytes) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int reg = 0; reg < 4; ++reg)
      for (int half = 0; half < 2; ++half)
        for (int byte = 0; byte < 2; ++byte) {
          Coord h = f16A(lane, reg, half), i = i8A(lane, reg, 2 * half + byte);
          EXPECT_EQ((Coord{h.row, 2 * h.col + byte}), i) << lane << " " << reg;
        }
    for (int reg = 0; reg < 2; ++reg)
      for (int half = 0; half < 2; ++half)
        for (int byte = 0; byte < 2; ++byte) {
          // B as (k, n): bytes of k within column n.
          Coord h = f16B(lane, reg, half), i = i8B(lane, reg, 2 * half + byte);
          EXPECT_EQ((Coord{2 * h.row + byte, h.col}), i) << lane << " " << reg;
        }
  }
}

// Positions read off the ISA's figures (T<lane>: {a<i>}).
TEST(MmaLayouts, FigureSpotChecks) {
  EXPECT_EQ(i8A(0, 0, 0), (Coord{0, 0}));      // T0 a0
  EXPECT_EQ(i8A(1, 0, 3), (Coord{0, 7}));      // T1 a3
  EXPECT_EQ(i8A(4, 0, 0), (Coord{1, 0}));      // T4 a0
  EXPECT_EQ(i8A(0, 1, 0), (Coord{8, 0}));      // T0 a4
  EXPECT_EQ(i8A(0, 2, 0), (Coord{0, 16}));     // T0 a8
  EXPECT_EQ(i8A(31, 3, 3), (Coord{15, 31}));   // T31 a15
  EXPECT_EQ(i8B(0, 0, 0), (Coord{0, 0}));      // T0 b0
  EXPECT_EQ(i8B(3, 1, 3), (Coord{31, 0}));     // T3 b7
  EXPECT_EQ(i8B(4, 0, 0), (Coord{0, 1}));      // T4 b0
  EXPECT_EQ(accumulator(5, 3), (Coord{9, 3})); // T5 c3
  EXPECT_EQ(f16A(31, 3, 1), (Coord{15, 15}));
  EXPECT_EQ(f16B(31, 1, 1), (Coord{15, 7}));
}

// Every element of each operand is held by exactly one (lane, slot).
TEST(MmaLayouts, FragmentsAreBijections) {
  auto check = [](int rows, int cols, int slots, auto map) {
    std::set<std::pair<int, int>> seen;
    for (int lane = 0; lane < kWarpSize; ++lane)
      for (int s = 0; s < slots; ++s) {
        Coord c = map(lane, s);
        ASSERT_GE(c.row, 0);
        ASSERT_LT(c.row, rows);
        ASSERT_GE(c.col, 0);
        ASSERT_LT(c.col, cols);
        EXPECT_TRUE(seen.insert({c.row, c.col}).second);
      }
    EXPECT_EQ(static_cast<int>(seen.size()), rows * cols);
  };
  check(16, 32, 16, [](int l, int s) { return i8A(l, s / 4, s % 4); });
  check(32, 8, 8, [](int l, int s) { return i8B(l, s / 4, s % 4); });
  check(16, 16, 8, [](int l, int s) { return f16A(l, s / 2, s % 2); });
  check(16, 8, 4, [](int l, int s) { return f16B(l, s / 2, s % 2); });
  check(16, 8, 4, accumulator);
}

/// ldmatrix.x<tiles> on a byte tile held in shared memory with `stride`
/// bytes per row: regs[lane][j][b] per the ISA (lane l supplies the address
/// of row l % 8 of matrix l / 8; lane l receives row l / 4, bytes
/// 4 * (l % 4) .. + 3 of each matrix j in register j).
using Regs = std::vector<std::vector<std::vector<int8_t>>>;
Regs simulateLdmatrix(const std::vector<int8_t> &tile, int stride, int tiles,
                      Coord (*address)(int)) {
  // Row start of each matrix row, as supplied by the lanes.
  std::vector<std::vector<int>> rowStart(tiles, std::vector<int>(8));
  for (int lane = 0; lane < 8 * tiles; ++lane) {
    Coord a = address(lane);
    rowStart[lane / 8][lane % 8] = a.row * stride + a.col;
  }
  Regs regs(kWarpSize,
            std::vector<std::vector<int8_t>>(tiles, std::vector<int8_t>(4)));
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int j = 0; j < tiles; ++j)
      for (int b = 0; b < 4; ++b)
        regs[lane][j][b] = tile[rowStart[j][lane / 4] + 4 * (lane % 4) + b];
  return regs;
}

TEST(MmaLayouts, LdmatrixFragmentIsIsaSemantics) {
  for (int lane = 0; lane < kWarpSize; ++lane)
    EXPECT_EQ(ldmatrixFragment(lane), (Coord{lane / 4, 4 * (lane % 4)}));
}

// ldmatrix.x4 of A and B^T at the library's addresses, then mma.m16n8k32
// evaluated per the ISA's fragment layouts (isa*), gives A x B.
TEST(MmaLayouts, WarpSimulationI8) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> dist(-128, 127);
  const int stride = 48; // a padded row, as in a shared-memory tile
  std::vector<int8_t> a(16 * stride), bt(16 * stride);
  for (auto &v : a)
    v = static_cast<int8_t>(dist(rng));
  for (auto &v : bt)
    v = static_cast<int8_t>(dist(rng));
  Regs ra = simulateLdmatrix(a, stride, 4, ldmatrixAddressA);
  Regs rb = simulateLdmatrix(bt, stride, 4, ldmatrixAddressBt);

  for (int nTile = 0; nTile < 2; ++nTile) {
    // Reassemble the operands from the lanes' registers per the ISA.
    int aM[16][32], bM[32][8];
    for (int lane = 0; lane < kWarpSize; ++lane) {
      for (int i = 0; i < 16; ++i) {
        Coord c = isaI8A(lane, i);
        aM[c.row][c.col] = ra[lane][i / 4][i % 4];
      }
      for (int i = 0; i < 8; ++i) {
        Coord c = isaI8B(lane, i);
        bM[c.row][c.col] = rb[lane][2 * nTile + i / 4][i % 4];
      }
    }
    for (int m = 0; m < 16; ++m)
      for (int k = 0; k < 32; ++k)
        ASSERT_EQ(aM[m][k], a[m * stride + k]);
    for (int k = 0; k < 32; ++k)
      for (int n = 0; n < 8; ++n)
        ASSERT_EQ(bM[k][n], bt[(8 * nTile + n) * stride + k]);
    // D = A x B, scattered to lanes and read back through accumulator().
    for (int lane = 0; lane < kWarpSize; ++lane)
      for (int i = 0; i < 4; ++i) {
        Coord c = accumulator(lane, i);
        int32_t expect = 0;
        for (int k = 0; k < 32; ++k)
          expect +=
              a[c.row * stride + k] * bt[(8 * nTile + c.col) * stride + k];
        int32_t got = 0;
        Coord d = isaAcc(lane, i);
        for (int k = 0; k < 32; ++k)
          got += aM[d.row][k] * bM[k][d.col];
        EXPECT_EQ(got, expect);
      }
  }
}

// ldmatrix.x2 of one n8 tile uses the first 16 lanes' addresses.
TEST(MmaLayouts, LdmatrixX2Bt) {
  std::vector<int8_t> bt(8 * 32);
  for (int i = 0; i < 8 * 32; ++i)
    bt[i] = static_cast<int8_t>(i * 7 + 3);
  Regs rb = simulateLdmatrix(bt, 32, 2, ldmatrixAddressBt);
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int i = 0; i < 8; ++i) {
      Coord c = isaI8B(lane, i);
      EXPECT_EQ(rb[lane][i / 4][i % 4], bt[c.col * 32 + c.row]);
    }
}

} // namespace

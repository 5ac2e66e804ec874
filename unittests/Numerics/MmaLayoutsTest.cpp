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
#include "qsparse/Numerics/NMSparsity.h"
#include "qsparse/Numerics/PtxIsa.h"

#include <gtest/gtest.h>

#include <algorithm>
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
Coord isaTf32A(int lane, int i) {
  return qsparse::numerics::ptx::tf32A(lane, i);
}
Coord isaTf32B(int lane, int i) {
  return qsparse::numerics::ptx::tf32B(lane, i);
}
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

TEST(MmaLayouts, Tf32MatchesIsaFormulas) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(tf32A(lane, i), isaTf32A(lane, i)) << lane << " " << i;
    for (int i = 0; i < 2; ++i)
      EXPECT_EQ(tf32B(lane, i), isaTf32B(lane, i)) << lane << " " << i;
  }
}

// The tf32 kernel is the int8 one with 4-byte elements: tf32 element
// (row, col) occupies bytes 4 col .. 4 col + 3 of its row, which must be
// the int8 fragment's bytes of the same register.
TEST(MmaLayouts, Tf32FragmentsHaveTheInt8Bytes) {
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int byte = 0; byte < 4; ++byte) {
      for (int reg = 0; reg < 4; ++reg) {
        Coord t = tf32A(lane, reg);
        EXPECT_EQ((Coord{t.row, 4 * t.col + byte}), i8A(lane, reg, byte))
            << lane << " " << reg;
      }
      for (int reg = 0; reg < 2; ++reg) {
        Coord t = tf32B(lane, reg);
        EXPECT_EQ((Coord{4 * t.row + byte, t.col}), i8B(lane, reg, byte))
            << lane << " " << reg;
      }
    }
}

// cvt.rna.tf32.f32: 10 stored mantissa bits, ties away from zero.
TEST(MmaLayouts, Tf32Rounding) {
  using qsparse::numerics::ptx::cvtRnaTf32;
  EXPECT_EQ(cvtRnaTf32(0x3F800000u), 0x3F800000u); // 1 is exact
  // 1 + 2^-11, halfway between 1 and 1 + 2^-10: away from zero.
  EXPECT_EQ(cvtRnaTf32(0x3F801000u), 0x3F802000u);
  EXPECT_EQ(cvtRnaTf32(0xBF801000u), 0xBF802000u);
  EXPECT_EQ(cvtRnaTf32(0x3F800FFFu), 0x3F800000u); // just below half
  EXPECT_EQ(cvtRnaTf32(0x3FFFF000u), 0x40000000u); // carries into 2
  EXPECT_EQ(cvtRnaTf32(0x00001000u), 0x00002000u); // subnormal
  EXPECT_EQ(cvtRnaTf32(0x7F7FFFFFu), 0x7F800000u); // past the largest
  EXPECT_EQ(cvtRnaTf32(0xFF800000u), 0xFF800000u); // -infinity
  uint32_t nan = cvtRnaTf32(0x7F800001u);
  EXPECT_EQ(nan & 0x7F800000u, 0x7F800000u);
  EXPECT_NE(nan & 0x007FE000u, 0u);
  EXPECT_EQ(nan & 0x1FFFu, 0u);
  // Every result is a tf32 value (what the emulator's mma demands).
  using qsparse::numerics::ptx::isTf32;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 0x10001u)
    EXPECT_TRUE(isTf32(cvtRnaTf32(uint32_t(bits)))) << bits;
  EXPECT_FALSE(isTf32(0x3F800001u));
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
  EXPECT_EQ(tf32A(1, 2), (Coord{0, 5}));   // T1 a2
  EXPECT_EQ(tf32A(31, 3), (Coord{15, 7})); // T31 a3
  EXPECT_EQ(tf32B(6, 1), (Coord{6, 1}));   // T6 b1
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
  check(16, 8, 4, [](int l, int s) { return tf32A(l, s); });
  check(8, 8, 2, [](int l, int s) { return tf32B(l, s); });
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

// The sparse m16n8k64 (8-bit) layouts against the ISA model.
TEST(MmaLayouts, I8SparseMatchesIsaFormulas) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int i = 0; i < 16; ++i)
      EXPECT_EQ(i8SparseB(lane, i / 4, i % 4),
                qsparse::numerics::ptx::i8SparseB(lane, i))
          << lane << " " << i;
    MetadataWord w = i8SparseMetadataWord(lane);
    for (int j = 0; j < 8; ++j)
      EXPECT_EQ(qsparse::numerics::ptx::i8SparseMetadata(lane, j),
                (Coord{w.row, w.firstChunk + j}))
          << lane << " " << j;
  }
}

// The metadata layout as CuTe writes it for the s8 m16n8k64 sparse atom
// (MMA_Traits<SM80_SPARSE_16x8x64_S32S8S8S32_TN>): a (thread, value) ->
// (m, k) layout with shape ((2, 2, 8), 32) and strides ((8, 512, 1), 0)
// over a column-major 16 x 64 A, each lane's register one
// sparse_elem<32, uint32_t> (so the value stride is 0): the lane's word
// covers columns k .. k + 31 of row m. Transcribed literally and compared
// with the ISA model.
TEST(MmaLayouts, I8SparseMetadataIsCuteSm80S8ELayout) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    int t0 = lane % 2, t1 = (lane / 2) % 2, t2 = lane / 4;
    int linear = 8 * t0 + 512 * t1 + t2;
    int m = linear % 16, k = linear / 16;
    for (int j = 0; j < 8; ++j)
      EXPECT_EQ(qsparse::numerics::ptx::i8SparseMetadata(lane, j),
                (Coord{m, k / 4 + j}))
          << lane << " " << j;
  }
}

// The same layout as CuTe writes it for the 8-bit floating-point m16n8k64
// sparse atom (SM120_SPARSE_16x8x64_TN: shape ((2, 2, 8), 32), strides
// ((8, 512, 1), 16); value v of a lane is column k of the uncompressed A,
// 4 bits of metadata per chunk of 4 values).
TEST(MmaLayouts, I8SparseMetadataIsCuteELayout) {
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int v = 0; v < 32; v += 4) {
      int t0 = lane % 2, t1 = (lane / 2) % 2, t2 = lane / 4;
      int linear = 8 * t0 + 512 * t1 + t2 + 16 * v;
      int m = linear % 16, k = linear / 16;
      EXPECT_EQ(qsparse::numerics::ptx::i8SparseMetadata(lane, v / 4),
                (Coord{m, k / 4}))
          << lane << " " << v;
    }
  // And B: shape ((4, 8), (4, 4)), strides ((32, 1), (8, 128)) over a
  // column-major 8 x 64 (n, k) B.
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int v = 0; v < 16; ++v) {
      int linear = 32 * (lane % 4) + lane / 4 + 8 * (v % 4) + 128 * (v / 4);
      EXPECT_EQ(qsparse::numerics::ptx::i8SparseB(lane, v),
                (Coord{linear / 8, linear % 8}));
    }
}

TEST(MmaLayouts, I8SparseBijections) {
  std::set<std::pair<int, int>> b, meta;
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int i = 0; i < 16; ++i) {
      Coord c = i8SparseB(lane, i / 4, i % 4);
      ASSERT_LT(c.row, 64);
      ASSERT_LT(c.col, 8);
      EXPECT_TRUE(b.insert({c.row, c.col}).second);
    }
    for (int j = 0; j < 8; ++j) {
      Coord c = qsparse::numerics::ptx::i8SparseMetadata(lane, j);
      ASSERT_LT(c.row, 16);
      ASSERT_LT(c.col, 16);
      EXPECT_TRUE(meta.insert({c.row, c.col}).second);
    }
  }
  EXPECT_EQ(b.size(), 64u * 8u);
  EXPECT_EQ(meta.size(), 16u * 16u);
}

// A random 16 x 4 * chunks A, 2:4 along its rows (0, 1 or 2 nonzeros per
// chunk of 4, from `value`; a kept value may be zero too), compressed to
// 16 x 2 * chunks as nmGroupPositions picks the pairs, with the pairs'
// positions per row.
struct SparseTile {
  std::vector<std::vector<int>> dense, compressed;
  std::vector<std::vector<uint8_t>> pairs;
};
SparseTile randomSparseTile(std::mt19937 &rng, int chunks,
                            std::uniform_int_distribution<int> &value) {
  std::uniform_int_distribution<int> keep(0, 5);
  SparseTile t;
  t.dense.assign(16, std::vector<int>(4 * chunks, 0));
  t.compressed.assign(16, std::vector<int>(2 * chunks, 0));
  t.pairs.assign(16, {});
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < chunks; ++c) {
      int order[4] = {0, 1, 2, 3};
      std::shuffle(order, order + 4, rng);
      int count = keep(rng) % 3;
      uint8_t mask[4] = {0, 0, 0, 0};
      for (int k = 0; k < count; ++k)
        mask[order[k]] = 1;
      for (int k = 0; k < 4; ++k)
        if (mask[k])
          t.dense[r][4 * c + k] = value(rng);
      std::vector<uint8_t> pos =
          qsparse::numerics::nmGroupPositions(mask, 2, 4);
      EXPECT_EQ(pos.size(), 2u);
      for (int h = 0; h < 2; ++h) {
        t.compressed[r][2 * c + h] = t.dense[r][4 * c + pos[h]];
        t.pairs[r].push_back(pos[h]);
      }
    }
  return t;
}

// mma.sp per the ISA model, from the A (16 x 2 * chunks compressed), B
// (4 * chunks x 8) and metadata nibbles (16 x chunks) the lanes' registers
// gave, equals the dense product of the tile with columns 8 * nTile ..
// 8 * nTile + 7 of B^T (`bt`, [16][4 * chunks]).
void expectSparseProduct(const SparseTile &t, const std::vector<int> &bt,
                         int chunks, int nTile,
                         const std::vector<std::vector<int>> &aC,
                         const std::vector<std::vector<int>> &bM,
                         const std::vector<std::vector<uint8_t>> &nib) {
  int k = 4 * chunks;
  for (int kk = 0; kk < k; ++kk)
    for (int n = 0; n < 8; ++n)
      ASSERT_EQ(bM[kk][n], bt[(8 * nTile + n) * k + kk]);
  for (int lane = 0; lane < kWarpSize; ++lane)
    for (int i = 0; i < 4; ++i) {
      Coord d = isaAcc(lane, i);
      int expect = 0, got = 0;
      for (int kk = 0; kk < k; ++kk)
        expect += t.dense[d.row][kk] * bt[(8 * nTile + d.col) * k + kk];
      for (int c = 0; c < chunks; ++c) {
        uint8_t n4 = nib[d.row][c];
        ASSERT_TRUE(qsparse::numerics::isValidMmaSpNibble(n4));
        for (int h = 0; h < 2; ++h)
          got +=
              aC[d.row][2 * c + h] * bM[4 * c + ((n4 >> (2 * h)) & 3)][d.col];
      }
      EXPECT_EQ(got, expect) << lane << " " << i;
    }
}

// A 2:4 16 x 64 A compressed and its metadata packed the way the GPU kernel
// does (packMmaSpMetadataI8 per row, each lane's register by
// sparseMetadataRegister); the compressed A loaded by ldmatrix.x4 at
// ldmatrixAddressA, B by two ldmatrix.x4 at ldmatrixAddressBt (k 0..31,
// then 32..63); mma.sp evaluated per the ISA model gives the dense A x B.
TEST(MmaLayouts, WarpSimulationSparseI8) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> dist(-128, 127);
  SparseTile t = randomSparseTile(rng, 16, dist);
  std::vector<int8_t> compressed(16 * 32), lo(16 * 32), hi(16 * 32);
  std::vector<int> bt(16 * 64);
  std::vector<std::vector<uint32_t>> rowWords(16);
  for (int r = 0; r < 16; ++r) {
    for (int c = 0; c < 32; ++c)
      compressed[r * 32 + c] = static_cast<int8_t>(t.compressed[r][c]);
    rowWords[r] = qsparse::numerics::packMmaSpMetadataI8(t.pairs[r]);
    ASSERT_EQ(rowWords[r].size(), 2u);
  }
  for (int n = 0; n < 16; ++n)
    for (int k = 0; k < 64; ++k) {
      bt[n * 64 + k] = dist(rng);
      (k < 32 ? lo : hi)[n * 32 + k % 32] = static_cast<int8_t>(bt[n * 64 + k]);
    }
  Regs ra = simulateLdmatrix(compressed, 32, 4, ldmatrixAddressA);
  Regs rlo = simulateLdmatrix(lo, 32, 4, ldmatrixAddressBt);
  Regs rhi = simulateLdmatrix(hi, 32, 4, ldmatrixAddressBt);
  for (int nTile = 0; nTile < 2; ++nTile) {
    std::vector<std::vector<int>> aC(16, std::vector<int>(32)),
        bM(64, std::vector<int>(8));
    std::vector<std::vector<uint8_t>> nib(16, std::vector<uint8_t>(16));
    for (int lane = 0; lane < kWarpSize; ++lane) {
      for (int i = 0; i < 16; ++i) {
        Coord c = qsparse::numerics::ptx::i8A(lane, i);
        aC[c.row][c.col] = ra[lane][i / 4][i % 4];
        const Regs &src = i / 4 < 2 ? rlo : rhi;
        Coord q = qsparse::numerics::ptx::i8SparseB(lane, i);
        bM[q.row][q.col] = src[lane][2 * nTile + (i / 4) % 2][i % 4];
      }
      uint32_t word = sparseMetadataRegister(
          1, lane, [&](int row, int w) { return rowWords[row][w]; });
      for (int j = 0; j < 8; ++j) {
        Coord c = qsparse::numerics::ptx::i8SparseMetadata(lane, j);
        nib[c.row][c.col] = (word >> (4 * j)) & 0xF;
      }
    }
    expectSparseProduct(t, bt, 16, nTile, aC, bM, nib);
  }
}

// The f16 m16n8k32 sparse fragments of the generator against the ISA
// model, and the model against CuTe's SM80_SPARSE_16x8x32_F16F16F16F16_TN
// traits transcribed literally: ELayout ((2, 2, 8), (16, 2)) :
// ((256, 0, 1), (0, 8)) over a column-major 16 x 32 A (one uint16 per 16
// columns: value (v16, v2) is row + 8 * v2), BLayout ((4, 8), (2, 4)) :
// ((16, 1), (8, 64)) over a column-major 8 x 32 (n, k) B.
TEST(MmaLayouts, F16SparseFragmentsAreIsaAndCute) {
  for (int lane = 0; lane < kWarpSize; ++lane) {
    for (int reg = 0; reg < 4; ++reg)
      for (int half = 0; half < 2; ++half) {
        Coord c = f16SparseB(lane, reg, half);
        EXPECT_EQ(c, qsparse::numerics::ptx::f16SparseB(lane, 2 * reg + half));
        // Registers 2, 3 are f16B's registers 0, 1 sixteen rows further.
        Coord dense = f16B(lane, reg % 2, half);
        EXPECT_EQ(c, (Coord{dense.row + 16 * (reg / 2), dense.col}));
      }
    for (int i = 0; i < 8; ++i) {
      int linear = 16 * (lane % 4) + lane / 4 + 8 * (i % 2) + 64 * (i / 2);
      EXPECT_EQ(qsparse::numerics::ptx::f16SparseB(lane, i),
                (Coord{linear / 8, linear % 8}));
    }
    int t0 = lane % 2, t1 = (lane / 2) % 2, t2 = lane / 4;
    MetadataWord w = f16SparseMetadataWord(lane);
    for (int j = 0; j < 8; ++j) {
      Coord model = qsparse::numerics::ptx::f16SparseMetadata(lane, j);
      if (t1) {
        EXPECT_EQ(model, (Coord{-1, -1}));
        continue;
      }
      int linear = 256 * t0 + t2 + 8 * (j / 4);
      EXPECT_EQ(model, (Coord{linear % 16, linear / 16 / 4 + j % 4}));
      EXPECT_EQ(model, (Coord{w.row + 8 * (j / 4), w.firstChunk + j % 4}));
    }
  }
}

// As WarpSimulationSparseI8 for f16 (small integers, so the products are
// exact): the compressed 16 x 16 halves are the same 16 x 32 bytes as the
// int8 kernel's, loaded by the same ldmatrix.x4 addresses; B^T by two
// ldmatrix.x4 (k 0..15, then 16..31); metadata words packed by
// packMmaSpMetadataF16 and placed by sparseMetadataRegister.
TEST(MmaLayouts, WarpSimulationSparseF16) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> dist(-100, 100);
  SparseTile t = randomSparseTile(rng, 8, dist);
  std::vector<int8_t> compressed(16 * 32), lo(16 * 32), hi(16 * 32);
  std::vector<int> bt(16 * 32);
  std::vector<std::vector<uint16_t>> rowWords(16);
  auto put = [](std::vector<int8_t> &bytes, int at, int v) {
    bytes[2 * at] = static_cast<int8_t>(v & 0xFF);
    bytes[2 * at + 1] = static_cast<int8_t>((v >> 8) & 0xFF);
  };
  auto half = [](const std::vector<int8_t> &reg, int h) {
    return static_cast<int16_t>(uint16_t(uint8_t(reg[2 * h])) |
                                uint16_t(uint8_t(reg[2 * h + 1])) << 8);
  };
  for (int r = 0; r < 16; ++r) {
    for (int c = 0; c < 16; ++c)
      put(compressed, r * 16 + c, t.compressed[r][c]);
    rowWords[r] = qsparse::numerics::packMmaSpMetadataF16(t.pairs[r]);
    ASSERT_EQ(rowWords[r].size(), 2u);
  }
  for (int n = 0; n < 16; ++n)
    for (int k = 0; k < 32; ++k) {
      bt[n * 32 + k] = dist(rng);
      put(k < 16 ? lo : hi, n * 16 + k % 16, bt[n * 32 + k]);
    }
  Regs ra = simulateLdmatrix(compressed, 32, 4, ldmatrixAddressA);
  Regs rlo = simulateLdmatrix(lo, 32, 4, ldmatrixAddressBt);
  Regs rhi = simulateLdmatrix(hi, 32, 4, ldmatrixAddressBt);
  for (int nTile = 0; nTile < 2; ++nTile) {
    std::vector<std::vector<int>> aC(16, std::vector<int>(16)),
        bM(32, std::vector<int>(8));
    std::vector<std::vector<uint8_t>> nib(16, std::vector<uint8_t>(8));
    for (int lane = 0; lane < kWarpSize; ++lane) {
      for (int i = 0; i < 8; ++i) {
        Coord c = qsparse::numerics::ptx::f16A(lane, i);
        aC[c.row][c.col] = half(ra[lane][i / 2], i % 2);
        const Regs &src = i / 2 < 2 ? rlo : rhi;
        Coord q = qsparse::numerics::ptx::f16SparseB(lane, i);
        bM[q.row][q.col] = half(src[lane][2 * nTile + (i / 2) % 2], i % 2);
      }
      uint32_t word = sparseMetadataRegister(
          2, lane, [&](int row, int w) { return unsigned(rowWords[row][w]); });
      for (int j = 0; j < 8; ++j) {
        Coord c = qsparse::numerics::ptx::f16SparseMetadata(lane, j);
        if (c.row >= 0)
          nib[c.row][c.col] = (word >> (4 * j)) & 0xF;
      }
    }
    expectSparseProduct(t, bt, 8, nTile, aC, bM, nib);
  }
}

} // namespace

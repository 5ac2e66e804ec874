// A measurement behind docs/CPUCodegen.md ("Where the targets are missed"):
// a 2:4-sparse int8 GEMM with rows, not columns, in the VNNI lanes, written
// with AVX-512 intrinsics to test the design before building it in MLIR.
// For 16 rows and one block of 8 K, every 2:4 column picks one of 36
// patterns of 4 activation bytes per row; the 36 patterns are built once
// (vpermt2b) and each column then costs one load of its pattern and one
// vpdpbusd with its 4 weight bytes broadcast. It is compared with a plain
// dense VNNI kernel (6 rows x 64 columns) in the same process.
//
// Not part of the build (it needs AVX-512 VNNI and VBMI):
//   clang++ -O3 -march=native -DRVV=2 -DNCV=8 -DKCV=256 -DPADV=1 \
//     bench/experiments/sparse-rows-in-lanes.cpp -o /tmp/rows-in-lanes
//   /tmp/rows-in-lanes [M N K]; SKIPT=1 skips the final transpose and
//   SKIPP=1 the pattern building (results are then wrong: timing only).
// RVV: row vectors (of 16 rows) per tile, NCV: columns per tile (N must be
// a multiple for exact results), KCV: K chunk, PADV: pad C^T's rows.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <vector>
// C[M][N] (i32) = A[M][K] (u8) x B[K][N] (s8), B 2:4 along K.
static int skipT = 0, skipP = 0;
static int M = 512, N = 512, K = 512;
// dense reference kernel: 6 rows x 64 cols, B packed [K/4][N*4]
void dense(const uint8_t *A, const int8_t *Bp, int32_t *C) {
  for (int n0 = 0; n0 < N; n0 += 64)
    for (int m0 = 0; m0 + 6 <= M; m0 += 6) {
      __m512i acc[6][4];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 4; ++j)
          acc[i][j] = _mm512_setzero_si512();
      for (int q = 0; q < K / 4; ++q) {
        __m512i b[4];
        for (int j = 0; j < 4; ++j)
          b[j] = _mm512_loadu_si512(Bp + (size_t)q * N * 4 + (n0 + 16 * j) * 4);
        for (int i = 0; i < 6; ++i) {
          __m512i a = _mm512_set1_epi32(
              *(const int32_t *)(A + (size_t)(m0 + i) * K + 4 * q));
          for (int j = 0; j < 4; ++j)
            acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], a, b[j]);
        }
      }
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 4; ++j)
          _mm512_storeu_si512(C + (size_t)(m0 + i) * N + n0 + 16 * j,
                              acc[i][j]);
    }
}
// patterns: pattern p = (lo pair index a in 0..5, hi pair index b in 0..5)
static const int pairs[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
constexpr int NC = NCV; // columns per register tile
constexpr int KC = KCV; // K chunk
// W: [N/NC][K/8][NC] dwords; O: [N/NC][K/8][NC] int32 byte offsets into pattern
// block of one k8 (pat*128)
constexpr int RV = RVV;
static int LD;
void sparse(const uint8_t *A, const int32_t *W, const int32_t *O, int32_t *C,
            int32_t *CT, uint8_t *P) {
  __m512i idx[36];
  for (int a = 0; a < 6; ++a)
    for (int b = 0; b < 6; ++b) {
      alignas(64) uint8_t ix[64];
      for (int r = 0; r < 16; ++r) {
        ix[4 * r + 0] = 4 * r + pairs[a][0];
        ix[4 * r + 1] = 4 * r + pairs[a][1];
        ix[4 * r + 2] = 64 + 4 * r + pairs[b][0];
        ix[4 * r + 3] = 64 + 4 * r + pairs[b][1];
      }
      idx[a * 6 + b] = _mm512_load_si512(ix);
    }
  __m512i rowoff = _mm512_mullo_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
      _mm512_set1_epi32(K));
  for (int m0 = 0; m0 < M; m0 += 16 * RV) {
    for (int k0 = 0; k0 < K; k0 += KC) {
      // build patterns for the chunk: P[k8][pat][rv][64]
      if (!skipP)
        for (int q = 0; q < KC / 8; ++q)
          for (int rv = 0; rv < RV; ++rv) {
            const uint8_t *base = A + (size_t)(m0 + 16 * rv) * K + k0 + 8 * q;
            __m512i lo = _mm512_i32gather_epi32(rowoff, base, 1);
            __m512i hi = _mm512_i32gather_epi32(rowoff, base + 4, 1);
            for (int p = 0; p < 36; ++p)
              _mm512_store_si512(P + ((size_t)q * 36 + p) * 64 * RV + 64 * rv,
                                 _mm512_permutex2var_epi8(lo, idx[p], hi));
          }
      for (int nb = 0; nb < N / NC; ++nb) {
        __m512i acc[RV][NC];
        int32_t *ct = CT + (size_t)nb * NC * LD + m0; // CT[N][M]
        for (int j = 0; j < NC; ++j) {
          for (int r = 0; r < RV; ++r)
            acc[r][j] = k0 == 0 ? _mm512_setzero_si512()
                                : _mm512_load_si512(ct + j * LD + 16 * r);
        }
        const int32_t *w = W + ((size_t)nb * (K / 8) + k0 / 8) * NC;
        const int32_t *o = O + ((size_t)nb * (K / 8) + k0 / 8) * NC;
        for (int q = 0; q < KC / 8; ++q) {
          const uint8_t *pq = P + (size_t)q * 36 * 64 * RV;
          for (int j = 0; j < NC; ++j) {
            const uint8_t *pp = pq + o[q * NC + j];
            __m512i wv = _mm512_set1_epi32(w[q * NC + j]);
            for (int r = 0; r < RV; ++r)
              acc[r][j] = _mm512_dpbusd_epi32(
                  acc[r][j], _mm512_load_si512(pp + 64 * r), wv);
          }
        }
        for (int j = 0; j < NC; ++j)
          for (int r = 0; r < RV; ++r)
            _mm512_store_si512(ct + j * LD + 16 * r, acc[r][j]);
      }
    }
  }
  // transpose CT[N][M] -> C[M][N] (scalar-ish for now, measured separately)
  if (!skipT)
    for (int n0 = 0; n0 < N; n0 += 16)
      for (int m0 = 0; m0 < M; m0 += 16) {
        for (int i = 0; i < 16; ++i)
          for (int j = 0; j < 16; ++j)
            C[(size_t)(m0 + i) * N + n0 + j] =
                CT[(size_t)(n0 + j) * LD + m0 + i];
      }
}
int main(int argc, char **argv) {
  skipT = getenv("SKIPT") != 0;
  skipP = getenv("SKIPP") != 0;
  if (argc > 3) {
    M = atoi(argv[1]);
    N = atoi(argv[2]);
    K = atoi(argv[3]);
  }
  if (M % (16 * RV) || N % 64 || N % NC || K % KC) {
    fprintf(stderr, "M must be a multiple of %d, N of 64 and %d, K of %d\n",
            16 * RV, NC, KC);
    return 2;
  }
  LD = M + 16 * PADV;
  std::vector<uint8_t> A(M * K);
  std::vector<int8_t> B(K * N);
  srand(1);
  for (auto &x : A)
    x = rand();
  for (int k = 0; k < K; k += 4)
    for (int n = 0; n < N; ++n) {
      int a = rand() % 6;
      for (int t = 0; t < 4; ++t)
        B[(k + t) * N + n] = 0;
      B[(k + pairs[a][0]) * N + n] = rand() | 1;
      B[(k + pairs[a][1]) * N + n] = rand() | 1;
    }
  std::vector<int32_t> ref(M * N, 0);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k)
      for (int n = 0; n < N; ++n)
        ref[m * N + n] += A[m * K + k] * B[k * N + n];
  // dense pack
  int8_t *Bp = (int8_t *)aligned_alloc(64, K * N);
  for (int q = 0; q < K / 4; ++q)
    for (int n = 0; n < N; ++n)
      for (int t = 0; t < 4; ++t)
        Bp[(size_t)q * N * 4 + n * 4 + t] = B[(4 * q + t) * N + n];
  int32_t *W = (int32_t *)aligned_alloc(64, N * K / 8 * 4),
          *O = (int32_t *)aligned_alloc(64, N * K / 8 * 4);
  for (int nb = 0; nb < N / NC; ++nb)
    for (int q = 0; q < K / 8; ++q)
      for (int j = 0; j < NC; ++j) {
        int n = nb * NC + j;
        int pat[2];
        int8_t v[4];
        for (int g = 0; g < 2; ++g) {
          int pos[2], c = 0;
          for (int t = 0; t < 4; ++t)
            if (B[(8 * q + 4 * g + t) * N + n])
              pos[c++] = t;
          int pi = 0;
          for (; pi < 6; ++pi)
            if (pairs[pi][0] == pos[0] && pairs[pi][1] == pos[1])
              break;
          pat[g] = pi;
          v[2 * g] = B[(8 * q + 4 * g + pos[0]) * N + n];
          v[2 * g + 1] = B[(8 * q + 4 * g + pos[1]) * N + n];
        }
        size_t i = ((size_t)nb * (K / 8) + q) * NC + j;
        memcpy(&W[i], v, 4);
        O[i] = (pat[0] * 6 + pat[1]) * 64 * RV;
      }
  int32_t *C = (int32_t *)aligned_alloc(64, M * N * 4),
          *CT = (int32_t *)aligned_alloc(64, LD * N * 4);
  uint8_t *P = (uint8_t *)aligned_alloc(64, KC / 8 * 36 * 128 + 4096);
  auto time = [&](auto f) {
    f();
    double best = 1e9;
    for (int r = 0; r < 7; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 10; ++i)
        f();
      best = std::min(best, std::chrono::duration<double>(
                                std::chrono::steady_clock::now() - t0)
                                    .count() /
                                10);
    }
    return best * 1e3;
  };
  double td = time([&] { dense(A.data(), Bp, C); });
  int bad = 0;
  for (int m = 0; m < M - M % 6; ++m)
    for (int n = 0; n < N; ++n)
      bad += C[m * N + n] != ref[m * N + n];
  double ts = time([&] { sparse(A.data(), W, O, C, CT, P); });
  int bad2 = 0;
  for (int i = 0; i < M * N; ++i)
    bad2 += C[i] != ref[i];
  printf("dense %.3f ms (bad %d) sparse %.3f ms (bad %d) ratio %.2f\n", td, bad,
         ts, bad2, td / ts);
}

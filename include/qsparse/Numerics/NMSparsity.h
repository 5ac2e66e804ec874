//===- NMSparsity.h - Host-side N:M structured sparsity helpers -*- C++ -*-===//
//
// DESIGN 3.3 "N:M structured sparsity": in every group of M consecutive
// elements along the reduction axis at most N are nonzero. Pure C++17, no
// MLIR/LLVM dependency, no exceptions: bad shapes or parameters give an empty
// result (or NaN / false / nullopt) as documented per function.
//
// Weight view: a matmul weight is [K][F] row-major (K = reduction, F = output
// channels), so element (k, f) is w[k * F + f]. N:M groups run along K: group
// (g, f) is rows g*M .. g*M + M - 1 of column f. Masks are std::vector<uint8_t>
// of the same shape, 1 = kept (maskSatisfies treats any nonzero as kept).
//
// Transposable N:M (DESIGN 3.3): in every M x M tile (tile rows along K, tile
// columns along F) every row and every column keeps at most N, so W and W^T
// are both N:M. Tile columns are exactly N:M groups.
//
// Magnitude order, shared by every mask builder: |w|, with +-inf above every
// finite number and NaN below every number (DESIGN 3.3 "keep the N largest
// |w|"). Ties keep the lower index.
//
// CPU metadata format (packCpuMetadata / unpackCpuMetadata):
//  - Groups are ordered row-major over [K/M][F]: group (g, f) is number
//    g * F + f, so the metadata of one group row is contiguous and serves a
//    vector of consecutive output channels.
//  - Each group stores exactly N positions in [0, M), strictly ascending.
//    A group with fewer than N nonzeros is padded with its lowest unused
//    positions (whose compressed values are 0), then the N are sorted; this is
//    the canonical form built by nmMetadataPositions.
//  - Each position takes b = log2(M) bits (0 bits for M = 1). The positions of
//    all groups form one little-endian bit stream: entry e (group e / N, slot
//    e % N) occupies stream bits [e*b, e*b + b), least-significant bit first,
//    and stream bit j is bit j % 8 of byte j / 8. The last byte is zero-padded,
//    so the size is ceil(groups * N * b / 8) bytes. Entries may straddle bytes
//    (M = 8: 3 bits).
//  - For 2:4 each group is one nibble pos0 | pos1 << 2, the same nibble as
//    mma.sp metadata; two groups (f, f + 1) share a byte, low nibble first.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_NMSPARSITY_H
#define QSPARSE_NUMERICS_NMSPARSITY_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qsparse::numerics {

/// Largest supported group size: kept positions are stored in a uint8_t.
constexpr unsigned kMaxNMGroupSize = 256;

/// Largest M for which transposableTileCount runs its exact DP (the state
/// space grows like C(M + N, N)); larger M gives NaN / nullopt.
constexpr unsigned kMaxTransposableCountM = 16;

/// Empty string when nm<n, m> is valid, else one line naming the broken
/// constraint: "N must be >= 1, got 0", "M must be a power of two, got 6",
/// "M must be <= 256, got 512", "N must be <= M, got N = 5, M = 4".
std::string verifyNM(unsigned n, unsigned m);

/// Magnitude pruning (DESIGN 3.3): the positions of the n largest |w| in
/// `group` (m elements), ascending. Ties keep the lower index; NaN ranks below
/// every number. Always returns exactly n positions, even when the group has
/// fewer than n nonzeros. Precondition: verifyNM(n, m) is empty.
std::vector<uint8_t> magnitudeGroupMask(const double *group, unsigned n,
                                        unsigned m);

/// True when `group` (m elements) has at most n nonzeros (NaN counts as
/// nonzero, -0.0 as zero).
bool satisfiesNM(const double *group, unsigned n, unsigned m);

//===----------------------------------------------------------------------===//
// Whole-matrix masks
//===----------------------------------------------------------------------===//

/// DESIGN 3.3 magnitude pruning per group of m along K (ties keep the lower
/// index): magnitudeGroupMask on every group, so each group keeps exactly n.
/// Empty when verifyNM(n, m) fails, K or F is negative, or K % m != 0.
std::vector<uint8_t> nmMagnitudeMask(const double *w, int64_t K, int64_t F,
                                     unsigned n, unsigned m);

/// Transposable N:M, exact: every m x m tile keeps exactly n per row and per
/// column (always possible: an n-regular bipartite graph exists), maximizing
/// the kept L1 mass over such masks (DESIGN 3.3: demand M*N; for 2:4 the
/// same optimum as enumerating the 90 patterns). Each tile is a bipartite
/// b-matching solved as min-cost flow (s->row cap n, row->col cap 1 cost
/// -|w|, col->t cap n, demand m*n) by successive shortest paths with
/// Bellman-Ford: O(m^4 n) per tile, meant for m <= 16.
///  - Exactly n can cost mass: a mask with fewer than n in some line may keep
///    more (4x4, n = 2, {1,5,8,3; 0,0,2,2; 5,3,8,1; 2,2,5,1}: 31 here, 32
///    with at most 2 per line), so the greedy mask can beat this one; see
///    transposableMaskExactAtMost.
///  - Costs are exact integers compared lexicographically (more infinities,
///    then more finite mass, then fewer NaNs), so inf/NaN follow the
///    magnitude order. Finite |w| are rounded per tile to a power-of-two
///    quantum q <= 2^(ilogb(max finite |w|) - 50): the kept mass is optimal to
///    within m * n * q, exactly when every |w| is a multiple of q (e.g.
///    integers below 2^50). Among equal-cost optima the choice is
///    deterministic but unspecified.
///  - Empty when verifyNM(n, m) fails, K or F is negative, K % m != 0 or
///    F % m != 0.
std::vector<uint8_t> transposableMaskExact(const double *w, int64_t K,
                                           int64_t F, unsigned n, unsigned m);

/// Transposable N:M, exact under the DESIGN 3.3 constraint itself (at most n
/// per tile row and column): the maximum kept L1 mass over all such masks
/// (>= transposableMaskExact and >= transposableMaskGreedy), keeping exactly
/// n per line whenever some optimal mask does (the same flow, stopped when
/// the next augmenting path has positive cost). Same cost order, rounding and
/// errors as transposableMaskExact.
std::vector<uint8_t> transposableMaskExactAtMost(const double *w, int64_t K,
                                                 int64_t F, unsigned n,
                                                 unsigned m);

/// Transposable N:M, greedy (DESIGN 3.3 "Fast"): per tile, visit entries by
/// descending magnitude (ties by row-major index in the tile) and keep one
/// when its row and column both have fewer than n kept. Rows and columns may
/// end with fewer than n. Keeps >= 1/2 of the optimal L1 mass (greedy
/// b-matching). Empty under the same conditions as transposableMaskExact.
std::vector<uint8_t> transposableMaskGreedy(const double *w, int64_t K,
                                            int64_t F, unsigned n, unsigned m);

/// Sum |w| over kept / sum |w| over all, over mask.size() elements; 1 when all
/// weights are zero. NaN (or an infinite total) propagates as IEEE arithmetic
/// does.
double keptL1Fraction(const double *w, const std::vector<uint8_t> &mask);

/// Does `mask` ([K][F], nonzero = kept) keep at most n in every N:M group
/// along K, and, when `transposable`, at most n in every row of every m x m
/// tile? False on any shape mismatch (mask.size() != K * F, K % m != 0,
/// F % m != 0 when transposable) or when verifyNM(n, m) fails.
bool maskSatisfies(const std::vector<uint8_t> &mask, int64_t K, int64_t F,
                   unsigned n, unsigned m, bool transposable);

//===----------------------------------------------------------------------===//
// Mask diversity (DESIGN 3.3)
//===----------------------------------------------------------------------===//

/// c(m, n): the number of m x m 0/1 matrices with every row and column sum
/// equal to n (c(4,2) = 90, c(8,4) = 116963796250, c(8,2) = 187530840).
/// Exact DP over the multiset of column sums, in double (exact up to 2^53).
/// 0 when n > m > 0; 1 when n == 0 or m == 0. NaN when
/// m > kMaxTransposableCountM.
double transposableTileCount(unsigned n, unsigned m);

/// c(m, n) as an exact integer; nullopt when it does not fit in 64 bits or
/// m > kMaxTransposableCountM.
std::optional<uint64_t> transposableTileCountU64(unsigned n, unsigned m);

/// log10 of the mask diversity (DESIGN 3.3) over `elements` = T weights:
/// N:M: (T/M) * log10 C(M, N); transposable: (T/M^2) * log10 c(M, N). T/M is
/// a real division (a partial group counts fractionally). NaN when
/// verifyNM(n, m) fails, elements < 0, or c(M, N) is unavailable.
double maskDiversityLog10(int64_t elements, unsigned n, unsigned m,
                          bool transposable);

//===----------------------------------------------------------------------===//
// Compressed-storage metadata
//===----------------------------------------------------------------------===//

/// The canonical n positions of one group (m mask bytes, nonzero = kept): the
/// kept positions padded with the lowest unused ones, ascending. Empty when
/// more than n are kept or verifyNM(n, m) fails.
std::vector<uint8_t> nmGroupPositions(const uint8_t *groupMask, unsigned n,
                                      unsigned m);

/// nmGroupPositions for every group of a [K][F] mask, in the CPU metadata
/// group order (row-major over [K/m][F]). Empty on a shape mismatch or when a
/// group keeps more than n.
std::vector<uint8_t> nmMetadataPositions(const std::vector<uint8_t> &mask,
                                         int64_t K, int64_t F, unsigned n,
                                         unsigned m);

/// Packs n positions per group (groups in the documented order) into the CPU
/// metadata bit stream described at the top of this file. Empty when
/// verifyNM(n, m) fails, positions.size() % n != 0, or a group is not strictly
/// ascending within [0, m) (also empty for zero groups or M = 1).
std::vector<uint8_t> packCpuMetadata(const std::vector<uint8_t> &positions,
                                     unsigned n, unsigned m);

/// Inverse of packCpuMetadata: groups * n positions. Empty when verifyNM(n, m)
/// fails, groups < 0 or > 2^40, packed.size() is not
/// ceil(groups * n * log2(m) / 8), or a decoded group is not strictly
/// ascending.
std::vector<uint8_t> unpackCpuMetadata(const std::vector<uint8_t> &packed,
                                       int64_t groups, unsigned n, unsigned m);

/// NVIDIA mma.sp metadata nibble for one 2:4 group (DESIGN 3.3, PTX ISA
/// "Sparse matrix storage"): idx0 | idx1 << 2. Precondition idx0 < idx1 <= 3;
/// otherwise returns 0b0000, which isValidMmaSpNibble rejects.
uint8_t mmaSpNibble(uint8_t idx0, uint8_t idx1);

/// False for values above 0b1111 and for the nibbles PTX calls undefined
/// (equal indices): 0b0000, 0b0101, 0b1010, 0b1111.
bool isValidMmaSpNibble(uint8_t nibble);

/// mma.sp metadata for f16/bf16 operands: `pairs` holds 2 indices per 2:4
/// group (idx0 < idx1, e.g. from nmGroupPositions(.., 2, 4)), groups along K
/// in order; nibbles are packed least-significant first, 4 per uint16 word, so
/// K/4 groups give K/16 words. Empty unless pairs.size() % 8 == 0 and every
/// pair is valid. Not arranged for the fragment layout (that is per target).
std::vector<uint16_t> packMmaSpMetadataF16(const std::vector<uint8_t> &pairs);

/// As packMmaSpMetadataF16 for i8 operands: 8 nibbles per uint32 word (K/32
/// words); empty unless pairs.size() % 16 == 0 and every pair is valid.
std::vector<uint32_t> packMmaSpMetadataI8(const std::vector<uint8_t> &pairs);

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_NMSPARSITY_H

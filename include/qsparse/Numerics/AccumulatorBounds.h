//===- AccumulatorBounds.h - accumulator widths -----------------*- C++ -*-===//
//
// DESIGN 3.2 "Accumulator bounds (A2Q, A2Q+, AXE; FINN's exact rule)". Pure
// C++17, no MLIR/LLVM types, no exceptions: errors are an empty vector, a zero
// width or std::nullopt, as documented per function.
//
// Problem: y_c = bias_c + sum_i w[c * k + i] * x_i for channels c, weights
// row-major [channels][k] in integer units, every x_i independently anywhere
// in [xmin, xmax]. Term i of channel c ranges over [tmin_i, tmax_i] with
//   tmin_i = min(w_i * xmin, w_i * xmax), tmax_i = max(w_i * xmin, w_i * xmax).
//
// Three ranges per channel, each tight (every end point is a value the
// accumulator really holds for some input, and for the last, some order):
//  - final (exactChannelRanges): [b + sum tmin, b + sum tmax]. DESIGN 3.2's
//    and FINN's rule; only the result y_c.
//  - sequential partial sums (exactPartialSumRanges): the accumulator starts
//    at b and adds terms 0, 1, ..., k-1; the hull of all k + 1 prefixes.
//  - order-free (orderFreeChannelRanges): [min(0, b) + sum min(0, tmin),
//    max(0, b) + sum max(0, tmax)]. Any intermediate of any summation order,
//    tiling, vectorized or tree reduction is the sum of a subset of the terms
//    (bias included or not), so it lies in this range; an end point is held
//    by the order that adds b (if it has the right sign) and the terms of that
//    sign first, under the adversarial input.
// final is contained in sequential, which is contained in order-free. When
// xmin <= 0 <= xmax (every zero point inside the type's range) every term
// range contains 0, so the prefixes only grow outward: sequential is the hull
// of final and b, and order-free equals final when b == 0.
//
// Which range proves an accumulator width: under pure wrap-around arithmetic
// of one width, the final range is enough (addition is modular, so the final
// value is right iff it fits, whatever the intermediates did). A proof of
// overflow freedom, needed once an intermediate is widened (multi-stage
// accumulation), saturated, or marked no-signed-wrap, must cover every value
// the accumulator holds; a compiler that tiles, vectorizes or reorders the
// reduction, or adds the init last, does not know the order, so the proven
// width is exactBits(orderFreeChannelRanges(...)). enforceAccumulatorBits
// enforces exactly that range.
//
// Limits: every product w * x is exact (|w * x| <= 2^126 in __int128). The
// range functions fail (empty vector) rather than wrap when a result does not
// fit int64 or an intermediate sum exceeds 2^125 in magnitude. Success is
// guaranteed when k * max|w| * max|x| < 2^63 (8-bit operands: k < 2^47;
// 16-bit: k < 2^31); 32-bit operands can fail on one product. Callers must
// compare size() with channels.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_ACCUMULATORBOUNDS_H
#define QSPARSE_NUMERICS_ACCUMULATORBOUNDS_H

#include <cstdint>
#include <optional>
#include <vector>

namespace qsparse::numerics {

/// Smallest P such that -2^(P-1) <= lo and hi <= 2^(P-1) - 1 (a signed
/// two's-complement accumulator), at least 1. Requires lo <= hi.
unsigned signedBitsForRange(int64_t lo, int64_t hi);

/// Smallest W such that [lo, hi] fits a W-bit integer read either as signed
/// or as unsigned (the range of values a signless storage type can carry).
unsigned storageBitsForRange(int64_t lo, int64_t hi);

/// Inputs x lie in [xmin, xmax] (integer units, from the input type or zero
/// point). min > max marks an invalid range (see inputRangeOf); every function
/// below rejects it.
struct InputRange {
  int64_t min;
  int64_t max;
};

/// True when r is a usable input range (min <= max).
inline bool isValidInputRange(InputRange r) { return r.min <= r.max; }

/// Input range of an N-bit integer input (signed: [-2^(N-1), 2^(N-1)-1];
/// unsigned [0, 2^N-1]) minus a zero point. Invalid ({1, 0}) when bits is 0,
/// above 64 (signed) or 63 (unsigned), or subtracting zeroPoint overflows
/// int64.
InputRange inputRangeOf(unsigned bits, bool isSigned, int64_t zeroPoint = 0);

/// Accumulator values of one output channel lie in [lo, hi].
struct ChannelRange {
  int64_t lo;
  int64_t hi;
};

/// DESIGN 3.2 exact range of the final value of each output channel:
/// [b + sum tmin, b + sum tmax] (FINN's calculate_matvec_accumulator_range).
/// Weights are row-major [channels][k]; bias (one per channel) may be null.
/// Empty on error (negative shape, null w with channels * k > 0, invalid x,
/// or a bound outside int64).
std::vector<ChannelRange> exactChannelRanges(const int64_t *w, int64_t channels,
                                             int64_t k, InputRange x,
                                             const int64_t *bias);

/// Exact hull of every value a sequential accumulator holds: it starts at the
/// bias (0 when null) and adds term 0, 1, ..., k-1. As the inputs are
/// independent, prefix j ranges over [b + sum_{i<j} tmin_i, b + sum_{i<j}
/// tmax_i], both ends attained by the adversarial input of the whole row (x_i
/// = xmax where w_i > 0, else xmin, for the top; the opposite for the bottom),
/// so the hull is [min_j of the bottoms, max_j of the tops], j = 0 .. k. It
/// exceeds the final range only when some term range excludes 0 (xmin > 0 or
/// xmax < 0, e.g. w = {10, -10}, x in [1, 5]: final [-40, 40], prefix 1 [10,
/// 50]). Errors as exactChannelRanges.
std::vector<ChannelRange> exactPartialSumRanges(const int64_t *w,
                                                int64_t channels, int64_t k,
                                                InputRange x,
                                                const int64_t *bias);

/// Range covering every partial sum in any summation order, tiling or
/// reduction tree, with the bias added at any point (bias included): [min(0,
/// b) + sum min(0, tmin), max(0, b) + sum max(0, tmax)]. The width the
/// accumulator proof uses (see the file comment). Errors as
/// exactChannelRanges.
std::vector<ChannelRange> orderFreeChannelRanges(const int64_t *w,
                                                 int64_t channels, int64_t k,
                                                 InputRange x,
                                                 const int64_t *bias);

/// Bits of the widest channel: max_c signedBitsForRange(lo_c, hi_c). 0 for an
/// empty vector (no channels, or the error result of a range function).
unsigned exactBits(const std::vector<ChannelRange> &ranges);

/// DESIGN 3.2 / A2Q data-type bound, no weight values: alpha = log2 K + N + M
/// - 1 - [x signed], P = ceil(log2(2^alpha + 1)) + 1. Computed exactly: 2^alpha
/// = K * 2^e with e = N + M - 1 - s and ceil(log2(v + 1)) is the bit length
/// of v, so P = bitLength(K) + e + 1. 1 when k <= 0 or either width is 0 (every
/// product is then 0).
unsigned dataTypeBits(int64_t k, unsigned inputBits, bool inputSigned,
                      unsigned weightBits);

/// A2Q L1 bound (brevitas get_upper_bound_on_l1_norm): the smallest P with
/// ||w_c||_1 <= (2^(P-1) - 1) * 2^([x signed] - N), i.e. P =
/// bitLength(||w_c||_1)
/// + N - s + 1 (1 for an all-zero row), maximized over channels. It assumes
/// |x| <= 2^(N - s), the type's range without zero point. 1 when channels or
/// k is 0; 0 on error (negative shape, null w, inputBits 0).
unsigned l1Bits(const int64_t *w, int64_t channels, int64_t k,
                unsigned inputBits, bool inputSigned);

/// A2Q+ zero-centred bound: only when every channel sums to zero; the
/// smallest P with ||w_c||_1 <= (2^P - 2) / (2^N - 1), i.e. P =
/// ceil(log2(||w_c||_1 * (2^N - 1) + 2)), maximized over channels (1 when
/// channels or k is 0). For zero-centred weights and x the full N-bit range
/// (no zero point) this equals exactBits of the final range: the worst case
/// is ||w||_1 / 2 * (2^N - 1) on both sides. std::nullopt when some channel is
/// not zero-centred, inputBits is not in [1, 63], or the shape is invalid.
std::optional<unsigned> zeroCenteredBits(const int64_t *w, int64_t channels,
                                         int64_t k, unsigned inputBits);

/// Multi-stage accumulation (AXE): widths of the inner (per tile) and outer
/// accumulators.
struct MultiStageBits {
  unsigned inner;
  unsigned outer;
  int64_t tiles;
};

/// K split into tiles of T = tile elements (the last may be shorter; tile <= 0
/// or tile >= k is one tile), tiles = ceil(K / T).
///  - inner: each tile is summed sequentially from 0 in its own accumulator;
///    the exact hull of its prefixes (exactPartialSumRanges of the tile, no
///    bias), max over tiles and channels.
///  - outer: starts at the bias and adds the tile results r_t in any order.
///    The tiles read disjoint inputs, so r_t ranges independently over its
///    final range [L_t, H_t], and the outer accumulator holds b + sum_{t in S}
///    r_t for the subsets S of tiles added so far: its exact range is [b +
///    sum_t min(0, L_t), b + sum_t max(0, H_t)] (attained by adding the tiles
///    with H_t > 0, resp. L_t < 0, first under the adversarial input). With
///    xmin <= 0 <= xmax this is [b + sum L_t, b + sum H_t], the final range.
/// Widths are at least 1; inner == outer == 0 on error (as exactChannelRanges).
MultiStageBits multiStageBits(const int64_t *w, int64_t channels, int64_t k,
                              int64_t tile, InputRange x, const int64_t *bias);

/// AXE-style enforcement (DESIGN 3.2 "Enforcement"): changes integer weights
/// in place so that every group's order-free range fits a signed targetBits
/// accumulator. A group is a whole row with its bias (tile == 0), or each tile
/// of `tile` elements of a row without bias (tile > 0; the bias belongs to the
/// outer stage, as in multiStageBits, so afterwards multiStageBits(...).inner
/// <= targetBits).
///
/// With S+ / S- the sums of the positive weights / negative weight magnitudes
/// of a group, a+ = max(xmax, 0), a- = max(-xmin, 0) and h = 2^(P-1), the
/// order-free range is [min(0, b) - (a- S+ + a+ S-), max(0, b) + a+ S+ + a-
/// S-], so the group fits iff
///   top:    a+ S+ + a- S- <= h - 1 - max(0, b)
///   bottom: a- S+ + a+ S- <= h + min(0, b)
/// two weighted L1 constraints on the positive and negative parts. For xmin <=
/// 0 <= xmax and b == 0 they are DESIGN 3.2's exact range, hi = xmax S+ - xmin
/// S- and lo = xmin S+ - xmax S-; for unsigned inputs (a- = 0) they separate
/// into one L1 ball per sign; for zero-centred weights (S+ = S-) and 0 in
/// [xmin, xmax] the top one is AXE's budget ||w||_1 <= (2^P - 2) / (xmax -
/// xmin).
///
/// The smallest L2 change is the Euclidean projection onto both constraints:
/// soft thresholding of the positive and of the negative weights (never a
/// sign flip, as in Duchi et al.'s L1-ball projection), with the budgets (S+,
/// S-) chosen by bisection on the cost, convex along the feasible frontier.
/// Then every weight is rounded toward zero, which only shrinks S+ and S- and
/// so keeps both constraints (checked exactly afterwards; a floating-point
/// slip, seen only beyond 2^53, is repaired by shrinking the largest weight).
/// Groups that fit are unchanged; |w_new| <= |w_old| with the same sign or 0.
///
/// Returns ||w_new - w_old||_2 / ||w_old||_2 over the whole tensor (0 when
/// nothing changed), or std::nullopt, leaving w untouched, when infeasible (a
/// bias alone does not fit, i.e. a right-hand side is negative), targetBits
/// is not in [1, 64], tile < 0, or the other arguments are invalid.
std::optional<double> enforceAccumulatorBits(int64_t *w, int64_t channels,
                                             int64_t k, InputRange x,
                                             const int64_t *bias,
                                             unsigned targetBits, int64_t tile);

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_ACCUMULATORBOUNDS_H

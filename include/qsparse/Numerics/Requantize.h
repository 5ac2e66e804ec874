//===- Requantize.h - Exact integer requantization --------------*- C++ -*-===//
//
// The semantics of the qsparse.requantize op (DESIGN 3 "Numerics": all integer
// semantics are exact). Every lowering (CPU, GPU, reference pipeline) must
// reproduce requantize() bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_REQUANTIZE_H
#define QSPARSE_NUMERICS_REQUANTIZE_H

#include <cstdint>

namespace qsparse::numerics {

/// y = clamp(roundHalfAwayFromZero(acc * multiplier / 2^shift) + zeroPoint,
///           qmin, qmax)
/// evaluated exactly: acc * multiplier (at most 94 bits) and the rounding are
/// done in 128-bit integers, so there is no intermediate overflow or double
/// rounding. Ties (remainder exactly 2^(shift-1)) round away from zero, e.g.
/// 5/2 -> 3 and -5/2 -> -3. shift 0 is an exact product.
/// Preconditions: shift in [0, 63], qmin <= qmax. multiplier may be any int32
/// (negative and zero included).
int64_t requantize(int64_t acc, int32_t multiplier, unsigned shift,
                   int64_t zeroPoint, int64_t qmin, int64_t qmax);

/// Decomposes a real scale into multiplier / 2^shift with multiplier in
/// [2^30, 2^31) (Q31 style, as in gemmlowp/TFLite but with a non-negative
/// right shift only). The multiplier is the scale's mantissa rounded to 31
/// bits, so |multiplier / 2^shift - scale| <= 2^-30 * scale.
/// Returns false (outputs untouched) when scale is not finite, <= 0, or needs
/// shift > 63 (scale below ~2^-33) or shift < 0 (scale >= ~2^31).
bool quantizeMultiplier(double scale, int32_t &multiplier, unsigned &shift);

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_REQUANTIZE_H

//===- Quantization.h - per-channel quantization, ANT selection -*- C++ -*-===//
//
// DESIGN 3.1 "flint (ANT, MICRO 2022)", the quantization half: per-channel
// (or per-tensor) scales found by ANT's alpha grid search, and ANT's choice of
// a numeric type per tensor. Pure C++17 on top of Codecs.h.
//
// Search (per channel c with weights w, n = perChannel of them):
//   M = max|w|; alpha_i = searchAlpha(M, i) = M * (i / 100.0) for
//   i = 75 .. 149; s_i = alpha_i / maxGridValue(f); codes = encodeNearest(f,
//   w / s_i); MSE_i = (sum over the channel, in index order, of
//   (w - decodeToDouble(f, code) * s_i)^2) / n. The smallest MSE wins; ties
//   go to the smallest i (ANT updates on `score < best_score`).
// Extension (exact representations only): when the winning s_i does not
// reproduce every weight exactly (value(code) * s == w in double arithmetic),
// the scales s = M / g are tried, g running over the magnitudes of the
// non-zero grid values from the largest down (so -8 counts for int4), each
// together with the 4 doubles on either side of it (M = fl(g * s0) and the
// division can land a few ulps away from the scale s0 that generated the
// weights); the first that reproduces every weight exactly replaces s_i. So
// the extension fires only on exactly representable channels, turns their
// MSE into 0, and never makes an MSE larger than the DESIGN search's. It is
// skipped for formats with more than 4096 distinct magnitudes (int wider
// than 13 bits signed / 12 bits unsigned).
// All-zero (or empty) channel: scale 1, every code 0 (the +0 code), MSE 0.
// Weights must be finite. Should every s_i be unusable (0 or not finite:
// only for weights near the double underflow/overflow limits), the scale is
// 1 and the codes are encodeNearest(f, w).
//
// Differences from ANT's code (reference 1.4), on purpose: ANT raises the
// lower bound to i = 95 for bit > 6 and forces such layers to int; DESIGN 3.1
// searches 75..149 for every width and leaves the choice to the candidate
// list. ANT computes alpha as max * (i * 0.01) in float32; here in double
// with i / 100.0.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_QUANTIZATION_H
#define QSPARSE_NUMERICS_QUANTIZATION_H

#include "qsparse/Numerics/Codecs.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qsparse::numerics {

/// The alpha percentages searched (DESIGN 3.1: i = 75 .. 149).
inline constexpr int kAlphaPercentMin = 75;
inline constexpr int kAlphaPercentMax = 149;

/// alpha_i = maxAbs * (percent / 100.0), the clipping value of one search
/// step; the scale is searchAlpha(...) / maxGridValue(f).
double searchAlpha(double maxAbs, int percent);

/// Nearest grid value by table lookup: nearestValue(x) equals
/// decodeToDouble(f, encodeNearest(f, x)) for every x (ties away from zero,
/// saturation, NaN -> 0; tested), without the per-call binary search over
/// decoded codes. Used by the alpha search, which rounds every weight 75
/// times per candidate.
class GridRounder {
public:
  explicit GridRounder(CodeFormat f);
  double nearestValue(double x) const;
  CodeFormat format() const { return fmt; }

private:
  CodeFormat fmt;
  double lo = 0, hi = 0;          // Int: the grid bounds.
  std::vector<double> magnitudes; // Other kinds: ascending, [0] = 0.
};

struct ChannelQuantization {
  double scale;
  double mse;
  /// How `scale` was chosen: 75..149 when the DESIGN search picked it,
  /// scale == searchAlpha(max|w_c|, alphaPercent) / maxGridValue(format);
  /// 0 for an all-zero channel (scale 1), for the exact-representation
  /// extension (mse 0), and for the unusable-scales fallback (scale 1).
  int alphaPercent = 0;
};

struct TensorQuantization {
  CodeFormat format;
  std::vector<uint32_t> codes; // Same layout as the weights.
  /// One entry per channel; a single entry for quantizePerTensor.
  std::vector<ChannelQuantization> channels;
  double mse; // Summed per-channel MSE (ANT's tensor score).
};

/// DESIGN 3.1 per-channel quantization of row-major [channels][perChannel]
/// weights with format `f` (which must pass verifyFormat); see the file
/// comment for the search, its tie rule and the exact-representation
/// extension.
TensorQuantization quantizePerChannel(const double *w, int64_t channels,
                                      int64_t perChannel, CodeFormat f);

/// One scale for all n weights: the same search over max|w| (ANT's
/// per-tensor path, used for activations). `channels` has one entry and
/// `mse` is the mean over the whole tensor.
TensorQuantization quantizePerTensor(const double *w, int64_t n, CodeFormat f);

/// value(code) * scale of the code's channel (element i belongs to channel
/// i / perChannel). A result with one channel entry (per-tensor) applies its
/// scale to every element whatever perChannel is.
std::vector<double> dequantize(const TensorQuantization &q, int64_t perChannel);

/// ANT selection (DESIGN 3.1): quantize with every candidate (per channel or
/// per tensor) and keep the lowest summed MSE; ties go to the earlier
/// candidate. `results[k]` belongs to `candidates[k]`; the report needs every
/// MSE. `candidates` must not be empty.
struct Selection {
  size_t best;
  std::vector<TensorQuantization> results;
};
Selection selectNumericType(const double *w, int64_t channels,
                            int64_t perChannel,
                            const std::vector<CodeFormat> &candidates,
                            bool perChannelScales);

/// ANT's float_value(eb = 3), with its "B == 2 -> eb = 2" override, for
/// value bits B (bits - 1 when signed): min(3, B). ANT's code fails for
/// B = 1 (signed 2-bit, a negative mantissa width); here it gets e = 1, the
/// grid {0, +-1}. 0 when bits leaves no value bit.
unsigned defaultFloatExponentBits(unsigned bits, bool isSigned);

/// Parses a comma-separated candidate list such as "int,pot,flint,float"
/// for width `bits` and signedness `isSigned`. Names: int, pot, flint, float
/// (exponent bits defaultFloatExponentBits) and float_e<K> (K exponent
/// bits; ANT's "-float1" mode is float_e1). Spaces around names are
/// ignored; the list order is the tie order of selectNumericType (ANT always
/// evaluates int, flint, pot, float in that order). On failure returns
/// nullopt and sets `error` to one line:
///   unknown candidate 'foo'; expected int, pot, flint or float
///   flint needs 3..8 bits when signed, got 2
///   int needs 1..32 bits, got 0 / pot needs 2..8 bits, got 9 /
///   float needs 2..8 bits, got 1
///   float_e4: float exponent bits must be in [1, 3] for 4-bit signed, got 4
///   empty candidate list / empty candidate in 'int,,pot'
///   duplicate candidate 'int' (the same format twice)
std::optional<std::vector<CodeFormat>> parseCandidates(std::string_view list,
                                                       unsigned bits,
                                                       bool isSigned,
                                                       std::string &error);

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_QUANTIZATION_H

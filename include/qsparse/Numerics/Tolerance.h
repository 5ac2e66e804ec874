//===- Tolerance.h - the float comparison of qsparse-run --check -*- C++
//-*-===//
//
// How a float result is compared with its reference (qsparse-run --check,
// qsparse-gpu-bench): |got - want| <= atol + rtol * |want|, with atol
// scaled by 1 + max|want| because long reductions that cancel differ by
// rounding relative to their operands, not to the result. f32: rtol 1e-4,
// atol 1e-5; "coarse" (f16 results, or f32 computed from operands with
// f16's 10-bit mantissas such as single tf32 products): 1e-2 and 1e-3.
// NaN matches NaN.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_TOLERANCE_H
#define QSPARSE_NUMERICS_TOLERANCE_H

#include <cmath>

namespace qsparse::numerics {

struct FloatTolerance {
  double rtol = 0, atol = 0;

  /// The tolerance for results whose reference's largest magnitude is
  /// `maxAbsWant`.
  static FloatTolerance forResults(double maxAbsWant, bool coarse) {
    double base = coarse ? 1e-3 : 1e-5;
    return {coarse ? 1e-2 : 1e-4, base * (1 + maxAbsWant)};
  }

  bool accepts(double got, double want) const {
    return (std::isnan(got) && std::isnan(want)) || got == want ||
           std::fabs(got - want) <= atol + rtol * std::fabs(want);
  }
};

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_TOLERANCE_H

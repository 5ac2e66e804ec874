//===- Requantize.cpp - Exact integer requantization ----------------------===//
//
// Implements the qsparse.requantize semantics documented in Requantize.h
// (DESIGN 3 "Numerics": integer semantics are exact).
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/Requantize.h"

#include <cassert>
#include <cmath>

namespace qsparse::numerics {

namespace {
// __extension__ keeps -pedantic builds quiet about the GCC/Clang builtin.
__extension__ typedef __int128 Int128;
} // namespace

int64_t requantize(int64_t acc, int32_t multiplier, unsigned shift,
                   int64_t zeroPoint, int64_t qmin, int64_t qmax) {
  assert(shift <= 63 && "shift must be in [0, 63]");
  assert(qmin <= qmax && "empty clamp range");
  // |acc * multiplier| <= 2^94, far inside __int128.
  Int128 product = static_cast<Int128>(acc) * multiplier;
  Int128 rounded = product;
  if (shift > 0) {
    // Round the magnitude half up, then restore the sign: half away from 0.
    bool negative = product < 0;
    Int128 mag = negative ? -product : product;
    mag = (mag + (static_cast<Int128>(1) << (shift - 1))) >> shift;
    rounded = negative ? -mag : mag;
  }
  Int128 y = rounded + zeroPoint;
  if (y < qmin)
    return qmin;
  if (y > qmax)
    return qmax;
  return static_cast<int64_t>(y);
}

bool quantizeMultiplier(double scale, int32_t &multiplier, unsigned &shift) {
  if (!std::isfinite(scale) || scale <= 0)
    return false;
  int exp = 0;
  double frac = std::frexp(scale, &exp); // scale = frac * 2^exp, frac in [.5,1)
  auto m = static_cast<int64_t>(std::llround(std::ldexp(frac, 31)));
  if (m == (int64_t(1) << 31)) {
    // The mantissa rounded up to 1.0: renormalize.
    m = int64_t(1) << 30;
    ++exp;
  }
  int s = 31 - exp;
  if (s < 0 || s > 63)
    return false;
  multiplier = static_cast<int32_t>(m);
  shift = static_cast<unsigned>(s);
  return true;
}

} // namespace qsparse::numerics

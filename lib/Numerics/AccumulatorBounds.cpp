//===- AccumulatorBounds.cpp - accumulator widths -------------------------===//

#include "qsparse/Numerics/AccumulatorBounds.h"

#include <cassert>

namespace qsparse {
namespace numerics {

unsigned signedBitsForRange(int64_t lo, int64_t hi) {
  assert(lo <= hi && "empty range");
  for (unsigned p = 1; p < 64; ++p) {
    int64_t min = -(int64_t(1) << (p - 1));
    int64_t max = (int64_t(1) << (p - 1)) - 1;
    if (lo >= min && hi <= max)
      return p;
  }
  return 64;
}

unsigned storageBitsForRange(int64_t lo, int64_t hi) {
  unsigned bits = signedBitsForRange(lo, hi);
  // A non-negative range may use the sign bit as a magnitude bit.
  if (lo >= 0 && bits > 1)
    return bits - 1;
  return bits;
}

} // namespace numerics
} // namespace qsparse

//===- AccumulatorBounds.h - accumulator widths -----------------*- C++ -*-===//
//
// DESIGN 3.2. Pure C++: no MLIR types.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_ACCUMULATORBOUNDS_H
#define QSPARSE_NUMERICS_ACCUMULATORBOUNDS_H

#include <cstdint>

namespace qsparse {
namespace numerics {

/// Smallest P such that -2^(P-1) <= lo and hi <= 2^(P-1) - 1 (a signed
/// two's-complement accumulator), at least 1. Requires lo <= hi.
unsigned signedBitsForRange(int64_t lo, int64_t hi);

/// Smallest W such that [lo, hi] fits a W-bit integer read either as signed
/// or as unsigned (the range of values a signless storage type can carry).
unsigned storageBitsForRange(int64_t lo, int64_t hi);

} // namespace numerics
} // namespace qsparse

#endif // QSPARSE_NUMERICS_ACCUMULATORBOUNDS_H

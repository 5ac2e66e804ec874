//===- NMSparsity.h - Host-side N:M structured sparsity helpers -*- C++ -*-===//
//
// DESIGN 3.3 "N:M structured sparsity": in every group of M consecutive
// elements along the reduction axis at most N are nonzero. These helpers work
// on one group; callers walk the reduction axis.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_NMSPARSITY_H
#define QSPARSE_NUMERICS_NMSPARSITY_H

#include <cstdint>
#include <string>
#include <vector>

namespace qsparse::numerics {

/// Largest supported group size: kept positions are stored in a uint8_t.
constexpr unsigned kMaxNMGroupSize = 256;

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

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_NMSPARSITY_H

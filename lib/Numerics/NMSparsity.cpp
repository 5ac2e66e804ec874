//===- NMSparsity.cpp - Host-side N:M structured sparsity helpers ---------===//
//
// Implements DESIGN 3.3 "N:M structured sparsity" magnitude pruning for one
// group.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/NMSparsity.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace qsparse::numerics {

std::string verifyNM(unsigned n, unsigned m) {
  if (n < 1)
    return "N must be >= 1, got " + std::to_string(n);
  if (m == 0 || (m & (m - 1)) != 0)
    return "M must be a power of two, got " + std::to_string(m);
  if (m > kMaxNMGroupSize)
    return "M must be <= " + std::to_string(kMaxNMGroupSize) + ", got " +
           std::to_string(m);
  if (n > m)
    return "N must be <= M, got N = " + std::to_string(n) +
           ", M = " + std::to_string(m);
  return "";
}

std::vector<uint8_t> magnitudeGroupMask(const double *group, unsigned n,
                                        unsigned m) {
  assert(verifyNM(n, m).empty() && "invalid N:M");
  // NaN gets key -1 so that it ranks below every magnitude (all >= 0).
  auto key = [group](unsigned i) {
    return std::isnan(group[i]) ? -1.0 : std::fabs(group[i]);
  };
  std::vector<uint8_t> order(m);
  for (unsigned i = 0; i < m; ++i)
    order[i] = static_cast<uint8_t>(i);
  // Stable sort by descending magnitude: equal magnitudes keep index order,
  // so ties keep the lower index.
  std::stable_sort(order.begin(), order.end(),
                   [&](uint8_t a, uint8_t b) { return key(a) > key(b); });
  order.resize(n);
  std::sort(order.begin(), order.end());
  return order;
}

bool satisfiesNM(const double *group, unsigned n, unsigned m) {
  unsigned nonzeros = 0;
  for (unsigned i = 0; i < m; ++i)
    nonzeros += group[i] != 0.0; // NaN != 0 is true.
  return nonzeros <= n;
}

} // namespace qsparse::numerics

//===- PtxIsa.cpp - the PTX ISA's mma fragment formulas -------------------===//

#include "qsparse/Numerics/PtxIsa.h"

namespace qsparse::numerics::ptx {

Coord i8A(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  int row = (i < 4 || (i >= 8 && i < 12)) ? g : g + 8;
  int col = t * 4 + (i & 3) + (i >= 8 ? 16 : 0);
  return {row, col};
}

Coord i8B(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  return {t * 4 + (i & 3) + (i >= 4 ? 16 : 0), g};
}

Coord f16A(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  int row = (i < 2 || (i >= 4 && i < 6)) ? g : g + 8;
  return {row, t * 2 + (i & 1) + (i >= 4 ? 8 : 0)};
}

Coord f16B(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  return {t * 2 + (i & 1) + (i >= 2 ? 8 : 0), g};
}

Coord tf32A(int lane, int i) {
  // a0, a2: row groupID; a1, a3: groupID + 8. a0, a1: col threadID_in_group;
  // a2, a3: threadID_in_group + 4.
  int g = lane >> 2, t = lane % 4;
  return {(i == 0 || i == 2) ? g : g + 8, i < 2 ? t : t + 4};
}

Coord tf32B(int lane, int i) {
  // b0: row threadID_in_group, b1: threadID_in_group + 4; col groupID.
  int g = lane >> 2, t = lane % 4;
  return {i == 0 ? t : t + 4, g};
}

uint32_t cvtRnaTf32(uint32_t bits) {
  uint32_t magnitude = bits & 0x7FFFFFFFu;
  constexpr uint32_t kept = ~0x1FFFu; // sign, exponent, 10 mantissa bits
  if (magnitude > 0x7F800000u) // NaN: keep it quiet and nonzero above bit 13
    return (bits & kept) | 0x00400000u;
  // Half of the last kept bit, carried into the exponent when it rounds up
  // (to infinity past the largest finite tf32).
  return (bits + 0x1000u) & kept;
}

Coord accumulator(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  return {i < 2 ? g : g + 8, t * 2 + (i & 1)};
}

Coord i8SparseB(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  // Each register holds 4 consecutive k; registers step 16 rows of B.
  return {t * 4 + (i & 3) + 16 * (i >> 2), g};
}

Coord i8SparseMetadata(int lane, int j) {
  int g = lane >> 2;
  // Even lanes of a group: row g, odd lanes: row g + 8; lanes 0 and 1 of
  // the group cover columns 0..31 (chunks 0..7), lanes 2 and 3 columns
  // 32..63 (chunks 8..15).
  int row = g + 8 * (lane & 1);
  int chunk = 8 * ((lane >> 1) & 1) + j;
  return {row, chunk};
}

Coord f16SparseB(int lane, int i) {
  int g = lane >> 2, t = lane % 4;
  // Register r holds k = 2t, 2t + 1 of rows 8r onward.
  return {t * 2 + (i & 1) + 8 * (i >> 1), g};
}

Coord f16SparseMetadata(int lane, int j) {
  int g = lane >> 2, t = lane % 4;
  if (t >= 2)
    return {-1, -1};
  return {g + 8 * (j >> 2), 4 * t + (j & 3)};
}

} // namespace qsparse::numerics::ptx

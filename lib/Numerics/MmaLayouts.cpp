//===- MmaLayouts.cpp - tensor-core fragment layouts ----------------------===//

#include "qsparse/Numerics/MmaLayouts.h"

namespace qsparse::numerics::mma {

namespace {
int groupId(int lane) { return lane / 4; }
int threadInGroup(int lane) { return lane % 4; }
} // namespace

Coord i8A(int lane, int reg, int byte) {
  // a0..a3: row g; a4..a7: row g + 8; a8..a15: the same rows, 16 bytes on.
  return {groupId(lane) + 8 * (reg % 2),
          threadInGroup(lane) * 4 + byte + 16 * (reg / 2)};
}

Coord i8B(int lane, int reg, int byte) {
  return {threadInGroup(lane) * 4 + byte + 16 * reg, groupId(lane)};
}

Coord i8SparseB(int lane, int reg, int byte) {
  // Two k32 halves of i8B: registers 2 and 3 are registers 0 and 1 of the
  // rows 32 .. 63.
  return {threadInGroup(lane) * 4 + byte + 16 * reg, groupId(lane)};
}

MetadataWord i8SparseMetadataWord(int lane) {
  return {groupId(lane) + 8 * (threadInGroup(lane) % 2),
          8 * (threadInGroup(lane) / 2)};
}

Coord f16SparseB(int lane, int reg, int half) {
  return {threadInGroup(lane) * 2 + half + 8 * reg, groupId(lane)};
}

MetadataWord f16SparseMetadataWord(int lane) {
  return {groupId(lane), 4 * (threadInGroup(lane) % 2)};
}

Coord tf32A(int lane, int reg) {
  return {groupId(lane) + 8 * (reg % 2), threadInGroup(lane) + 4 * (reg / 2)};
}

Coord tf32B(int lane, int reg) {
  return {threadInGroup(lane) + 4 * reg, groupId(lane)};
}

Coord f16A(int lane, int reg, int half) {
  return {groupId(lane) + 8 * (reg % 2),
          threadInGroup(lane) * 2 + half + 8 * (reg / 2)};
}

Coord f16B(int lane, int reg, int half) {
  return {threadInGroup(lane) * 2 + half + 8 * reg, groupId(lane)};
}

Coord accumulator(int lane, int i) {
  return {groupId(lane) + 8 * (i / 2), threadInGroup(lane) * 2 + i % 2};
}

Coord ldmatrixFragment(int lane) {
  return {groupId(lane), threadInGroup(lane) * 4};
}

Coord ldmatrixAddressA(int lane) {
  int matrix = lane / 8;
  return {lane % 8 + 8 * (matrix % 2), 16 * (matrix / 2)};
}

Coord ldmatrixAddressBt(int lane) {
  int matrix = lane / 8;
  return {lane % 8 + 8 * (matrix / 2), 16 * (matrix % 2)};
}

} // namespace qsparse::numerics::mma

//===- MmaLayouts.h - tensor-core fragment layouts ---------------*- C++
//-*-===//
//
// Which lane of a warp holds which element of the operands of the PTX warp
// matrix instructions the GPU code generator emits (PTX ISA, "Matrix
// Fragments for mma.m16n8k32" and "for mma.m16n8k16", and "ldmatrix"), and
// the shared-memory addresses each lane gives ldmatrix so that the registers
// it returns are exactly those fragments. The GPU kernels derive every lane
// index from these functions; the unit tests pin them against the PTX ISA's
// figures and simulate ldmatrix + mma on a whole warp.
//
// Notation of the PTX ISA: groupID = lane / 4, threadInGroup = lane % 4.
// Matrices are row-major (row, col) pairs; B is K x N and given as (k, n).
// Pure C++17, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_MMALAYOUTS_H
#define QSPARSE_NUMERICS_MMALAYOUTS_H

namespace qsparse::numerics::mma {

constexpr int kWarpSize = 32;

/// A position in a matrix: (row, column), or (k, n) for B.
struct Coord {
  int row = 0;
  int col = 0;
  bool operator==(const Coord &o) const { return row == o.row && col == o.col; }
};

/// m16n8k32 with 8-bit A and B (mma.sync.aligned.m16n8k32.row.col.s32.s8.s8):
/// A is 16 x 32 in 4 registers of 4 bytes per lane (reg 0..3, byte 0..3).
Coord i8A(int lane, int reg, int byte);
/// B is 32 x 8 (k, n) in 2 registers of 4 bytes per lane (reg 0..1).
Coord i8B(int lane, int reg, int byte);

/// m16n8k16 with f16 A and B: A is 16 x 16 in 4 registers of 2 halves
/// (reg 0..3, half 0..1), B is 16 x 8 in 2 registers of 2 halves.
Coord f16A(int lane, int reg, int half);
Coord f16B(int lane, int reg, int half);

/// m16n8k8 with tf32 A and B (f32 registers whose low 13 bits are zero):
/// A is 16 x 8 in 4 registers (reg 0..3), B is 8 x 8 in 2 registers.
Coord tf32A(int lane, int reg);
Coord tf32B(int lane, int reg);

/// The 16 x 8 accumulator (C and D) of any m16n8kX shape: 4 elements per
/// lane (i32 or f32), i = 0..3.
Coord accumulator(int lane, int i);

/// Sparse mma.sp.m16n8k64 with 8-bit A and B: the compressed A (16 x 32
/// bytes) sits in the registers as i8A's; B is 64 x 8 (k, n) in 4 registers
/// of 4 bytes (reg 0..3).
Coord i8SparseB(int lane, int reg, int byte);

/// The metadata word a lane gives mma.sp.m16n8k64 (8-bit, sparsity
/// selector 0): the 8 nibbles of A's row `row` for the chunks of 4 columns
/// `firstChunk` .. `firstChunk` + 7, least significant first, i.e. word
/// firstChunk / 8 of packMmaSpMetadataI8 for that row of a 16 x 64 tile.
struct MetadataWord {
  int row = 0;
  int firstChunk = 0;
  bool operator==(const MetadataWord &o) const {
    return row == o.row && firstChunk == o.firstChunk;
  }
};
MetadataWord i8SparseMetadataWord(int lane);

/// Sparse mma.sp.m16n8k32 with f16 A and B: the compressed A (16 x 16
/// halves) sits in the registers as f16A's; B is 32 x 8 (k, n) in 4
/// registers of 2 halves (reg 0..3): registers 0, 1 are f16B's of k 0..15
/// and registers 2, 3 those of k 16..31.
Coord f16SparseB(int lane, int reg, int half);

/// The metadata word a lane gives mma.sp.m16n8k32 (f16, sparsity selector
/// 0, only lanes 0 and 1 of a group read): the low 16 bits are word
/// `firstChunk / 4` of packMmaSpMetadataF16 for A's row `row`, the high 16
/// bits the same word of row `row + 8`. Lanes 2 and 3 of a group are given
/// the word of lanes 0 and 1.
MetadataWord f16SparseMetadataWord(int lane);

/// The metadata register `lane` gives mma.sp (sparsity selector 0) for one
/// 16-row tile of A and one instruction's 64 bytes of K: `rowWord(r, w)`
/// is word w (0 or 1) of that step's packed nibbles of tile row r, a
/// packMmaSpMetadataI8 word (8 chunks) for 1-byte elements or a
/// packMmaSpMetadataF16 word (4 chunks) for 2-byte ones.
template <typename RowWord>
unsigned sparseMetadataRegister(int elemBytes, int lane, RowWord rowWord) {
  if (elemBytes == 1) {
    MetadataWord w = i8SparseMetadataWord(lane);
    return rowWord(w.row, w.firstChunk / 8);
  }
  MetadataWord w = f16SparseMetadataWord(lane);
  return rowWord(w.row, w.firstChunk / 4) | rowWord(w.row + 8, w.firstChunk / 4)
                                                << 16;
}

/// ldmatrix (.b16, no .trans): each 8 x 8 matrix of 16-bit elements is 8
/// rows of 16 bytes. Lane l gives the address of row l % 8 of matrix l / 8
/// (for .x1/.x2 only lanes below 8/16 count), and receives in its register j
/// the 4 bytes of matrix j at this (row, first byte).
Coord ldmatrixFragment(int lane);

/// Address (row, byte column) lane gives `ldmatrix.x4` to load a 16 x 32
/// byte tile of A (i8 m16n8k32; rows = M, bytes = K) such that its 4
/// registers are i8A(lane, 0..3, *). Matrix j covers rows 8 * (j % 2) and
/// bytes 16 * (j / 2).
Coord ldmatrixAddressA(int lane);

/// Address (row, byte column) lane gives `ldmatrix.x4` to load a 16 x 32
/// byte tile of B transposed (rows = N, bytes = K: two n8 tiles of i8
/// m16n8k32) such that registers 0, 1 are i8B(lane, 0..1, *) of the n8 tile
/// at rows 0..7 and registers 2, 3 those of the tile at rows 8..15. Matrix j
/// covers rows 8 * (j / 2) and bytes 16 * (j % 2). For `ldmatrix.x2` (one
/// n8 tile, rows 0..7) the lanes below 16 give the same addresses.
Coord ldmatrixAddressBt(int lane);

} // namespace qsparse::numerics::mma

#endif // QSPARSE_NUMERICS_MMALAYOUTS_H

//===- PtxIsa.h - the PTX ISA's mma fragment formulas -----------*- C++ -*-===//
//
// The fragment positions of the warp mma instructions transcribed from the
// PTX ISA ("Matrix Fragments for mma.m16n8k32" / "m16n8k16"), in the ISA's
// own terms: element i of a lane's fragment (a0..a15, b0..b7, c0..c3), with
// groupID = lane >> 2 and threadID_in_group = lane % 4.
//
// This is the hardware model: the GPU emulator executes mma with it, and
// the unit tests check the code generator's register/byte layouts
// (MmaLayouts.h, written separately) against it.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_PTXISA_H
#define QSPARSE_NUMERICS_PTXISA_H

#include "qsparse/Numerics/MmaLayouts.h"

#include <cstdint>

namespace qsparse::numerics::ptx {

using mma::Coord;

/// m16n8k32 with .s8/.u8 A: element a_i, i in [0, 16) -> (row, col).
Coord i8A(int lane, int i);
/// m16n8k32 .s8/.u8 B: element b_i, i in [0, 8) -> (k, n).
Coord i8B(int lane, int i);
/// m16n8k16 .f16 A: a_i, i in [0, 8); B: b_i, i in [0, 4) -> (k, n).
Coord f16A(int lane, int i);
Coord f16B(int lane, int i);
/// m16n8k8 .tf32 A: a_i, i in [0, 4); B: b_i, i in [0, 2) -> (k, n).
Coord tf32A(int lane, int i);
Coord tf32B(int lane, int i);
/// cvt.rna.tf32.f32 on the bits of an f32: the nearest tf32 (10 stored
/// mantissa bits), ties away from zero, as f32 bits whose low 13 bits are
/// zero; too large a magnitude rounds to infinity, and a NaN stays a NaN.
uint32_t cvtRnaTf32(uint32_t f32Bits);
/// Whether the f32 bits are a tf32 value (the 13 bits tf32 drops are zero),
/// as an mma with .tf32 operands needs.
inline bool isTf32(uint32_t f32Bits) { return (f32Bits & 0x1FFFu) == 0; }
/// Accumulators c_i / d_i of any m16n8kX, i in [0, 4).
Coord accumulator(int lane, int i);

/// Sparse mma.sp.m16n8k64 with 8-bit A and B (PTX ISA 9.7.14.6.2, "Matrix
/// Fragments for sparse mma.m16n8k64" with .u8/.s8). A is 16 x 64 with 2
/// nonzeros per chunk of 4 columns, held compressed (16 x 32) in the
/// positions i8A gives for a dense 16 x 32 A. The ISA draws the metadata
/// layout only as a figure; this one is the (thread, value) layout of
/// CUTLASS CuTe's s8 atom for this instruction
/// (MMA_Traits<SM80_SPARSE_16x8x64_S32S8S8S32_TN>, ELayout), which CuTe
/// also gives the 8-bit floating-point atom of the shape
/// (SM120_SPARSE_16x8x64_TN). test/Integration/gpu-sparse-cuda.test checks
/// it on a GPU.
/// B: b_i, i in [0, 16) -> (k, n), k < 64.
Coord i8SparseB(int lane, int i);
/// The metadata register with sparsity selector 0 (all four lanes of a
/// group contribute): bits [4j + 3 .. 4j], j in [0, 8), hold the two 2-bit
/// indices of the nonzeros of chunk (row, chunk) of A, chunk c covering
/// columns 4c .. 4c + 3 of the uncompressed 16 x 64 A; the nonzero at
/// compressed column 2c + h is at column 4c + ((nibble >> 2h) & 3).
Coord i8SparseMetadata(int lane, int j);

/// Sparse mma.sp.m16n8k32 with f16 A and B (PTX ISA 9.7.14.6.2, "Matrix
/// Fragments for sparse mma.m16n8k32" with .f16/.bf16). A is 16 x 32 with
/// 2 nonzeros per chunk of 4 columns, held compressed (16 x 16) in the
/// positions f16A gives for a dense 16 x 16 A. B: b_i, i in [0, 8) (4
/// registers of 2 halves) -> (k, n), k < 32.
Coord f16SparseB(int lane, int i);
/// The metadata register with sparsity selector 0, where only lanes 0 and
/// 1 of each group of 4 contribute: nibble j, j in [0, 8), holds the two
/// 2-bit indices of chunk (row, chunk) of A: the low 16 bits are row g and
/// the high 16 bits row g + 8, lane 0 chunks 0..3 and lane 1 chunks 4..7.
/// The layout of CuTe's MMA_Traits<SM80_SPARSE_16x8x32_F16F16F16F16_TN>
/// (ELayout ((2, 2, 8), (16, 2)) : ((256, 0, 1), (0, 8))), and of the
/// figure as upstream MLIR's sparse-mma-2-4-f16.mlir reads it. {-1, -1}
/// for lanes 2 and 3 of a group, whose register is not read.
Coord f16SparseMetadata(int lane, int j);

} // namespace qsparse::numerics::ptx

#endif // QSPARSE_NUMERICS_PTXISA_H

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

namespace qsparse::numerics::ptx {

using mma::Coord;

/// m16n8k32 with .s8/.u8 A: element a_i, i in [0, 16) -> (row, col).
Coord i8A(int lane, int i);
/// m16n8k32 .s8/.u8 B: element b_i, i in [0, 8) -> (k, n).
Coord i8B(int lane, int i);
/// m16n8k16 .f16 A: a_i, i in [0, 8); B: b_i, i in [0, 4) -> (k, n).
Coord f16A(int lane, int i);
Coord f16B(int lane, int i);
/// Accumulators c_i / d_i of any m16n8kX, i in [0, 4).
Coord accumulator(int lane, int i);

} // namespace qsparse::numerics::ptx

#endif // QSPARSE_NUMERICS_PTXISA_H

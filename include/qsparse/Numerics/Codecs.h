//===- Codecs.h - ANT value grids and code <-> value conversion -*- C++ -*-===//
//
// The single source of truth for the value grids of the ANT candidate types
// (DESIGN 3.1 "flint (ANT, MICRO 2022)"): int, flint, power-of-two (PoT) and
// ANT's float.
// Pure C++17, no MLIR/LLVM dependency. All values are in *integer units*, i.e.
// before the per-channel scale is applied.
//
// Code layouts (a code is the low `bits` bits of a uint32_t; higher bits are
// ignored by every decoder):
//  - Int, unsigned: the code is the value, [0, 2^B - 1].
//  - Int, signed: two's complement, [-2^(B-1), 2^(B-1) - 1].
//  - Flint, unsigned, B bits: first-one prefix code (DESIGN 3.1).
//      MSB = 0: value = code (0 .. 2^(B-1) - 1).
//      MSB = 1, k leading ones (k < B): m = B - k - 1 mantissa bits f,
//        value = (2^m + f) << (2k - 1).
//      all ones: value = 2^(2B - 2).
//    flint4: 0,1,2,3,4,5,6,7,8,10,12,14,16,24,32,64.
//  - Flint, signed, B bits: sign bit (MSB) + unsigned flint of B - 1 bits
//    (sign-magnitude). flint4_signed: +-{0,1,2,3,4,6,8,16}.
//  - PoT, unsigned, B bits: field e; e = 0 -> 0, e >= 1 -> 2^(e-1), so
//    {0} u {2^i : i = 0 .. 2^B - 2}.
//  - PoT, signed, B bits: sign bit (MSB) + (B - 1)-bit PoT field, so
//    {0} u {+-2^i : i = 0 .. 2^(B-1) - 2}.
//  - Float with e exponent bits (ANT's `float_value(eb = e)`): b value bits
//    (B unsigned, B - 1 signed), m = b - e mantissa bits. The b-bit magnitude
//    code is exponent index i (high e bits) and mantissa j (low m bits). ANT
//    defines index 0 as subnormal, 2^0 * (j / 2^m) (so code 0 is 0), and
//    index i >= 1 as 2^(i-1) * (1 + j / 2^m); there is no inf/NaN. Those
//    values are fractions; the integer units here multiply them by 2^m:
//      i = 0:  value = j                    (0 .. 2^m - 1),
//      i >= 1: value = (2^m + j) << (i - 1).
//    The maximum is (2^(m+1) - 1) << (2^e - 2). Magnitude code order is
//    value order. Signed float: sign bit (MSB) + the magnitude code.
//    Examples: float4_e2 = 0,1,2,3, 4,5,6,7, 8,10,12,14, 16,20,24,28;
//    float4_e3_signed (m = 0) has the same codes and values as pot4_signed
//    (reference 1.3: "with eb = 3 and signed 4-bit, float is identical to
//    signed PoT"); float<B>_e1 equals uint<B>, float<B>_e<B> equals pot<B>.
// Signed flint, PoT and float have a negative-zero code (sign bit set,
// magnitude 0): it decodes to 0 and no encoder ever emits it (DESIGN 3.1:
// "encoders emit +0").
//
// Valid widths: Int 1..32; PoT 2..8; unsigned flint 2..8; signed flint 3..8;
// float 2..8 with 1 <= exponentBits <= value bits (B, or B - 1 if signed).
// Signed flint needs B >= 3 because its magnitude is an unsigned flint of
// B - 1 bits and ANT's flint_value requires at least 2 bits. exponentBits
// must be 0 for every kind but float.
//
// Format names (formatName / parseFormatName): "int8" (signed) / "uint8",
// "flint4_signed" / "flint4", "pot4_signed" / "pot4", "float4_e2_signed" /
// "float4_e2" (the exponent bits are part of the name).
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_NUMERICS_CODECS_H
#define QSPARSE_NUMERICS_CODECS_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qsparse::numerics {

enum class CodeKind { Int, Flint, PoT, Float };

struct CodeFormat {
  CodeKind kind;
  unsigned bits;
  bool isSigned;
  /// Float only: exponent bits e (see the layouts above); 0 for other kinds.
  /// Last so that {kind, bits, isSigned} initializers keep compiling.
  unsigned exponentBits = 0;
};

inline bool operator==(CodeFormat a, CodeFormat b) {
  return a.kind == b.kind && a.bits == b.bits && a.isSigned == b.isSigned &&
         a.exponentBits == b.exponentBits;
}
inline bool operator!=(CodeFormat a, CodeFormat b) { return !(a == b); }

/// Empty string when `f` is valid, else one line naming the broken
/// constraint, e.g. "flint bit width must be in [2, 8], got 9".
std::string verifyFormat(CodeFormat f);

/// "int8" / "uint8", "flint4_signed" / "flint4", "pot4_signed" / "pot4",
/// "float4_e2_signed" / "float4_e2".
std::string formatName(CodeFormat f);

/// Inverse of formatName; nullopt for unknown spellings or invalid formats.
std::optional<CodeFormat> parseFormatName(std::string_view name);

/// Number of codes, 2^bits. 64-bit because int32 has 2^32 codes.
uint64_t numCodes(CodeFormat f);

/// A decoded value: (negative ? -1 : 1) * (mantissa << shift). Zero is
/// {false, 0, 0}.
///  - Int: mantissa = |value|, shift = 0.
///  - Flint: the (integer, shift) pair of DESIGN 3.1 for an int MAC. With
///    b = magnitude bits (B unsigned, B - 1 signed): mantissa = the code and
///    shift 0 when the magnitude MSB is 0; mantissa = 2^m + f and shift 2k - 1
///    when it is 1; mantissa 1 and shift 2b - 2 for the all-ones magnitude. So
///    the mantissa never has more than b - 1 significant bits. The pair is not
///    normalized (flint4 code 8 is 4 << 1, code 4 is 4 << 0).
///  - PoT: mantissa = 1, shift = exponent (0 for value 0: mantissa 0).
///  - Float: exponent index 0: mantissa = j, shift 0; index i >= 1: mantissa
///    = 2^m + j, shift = i - 1. So the mantissa has at most m + 1 bits.
struct DecodedValue {
  bool negative;
  uint64_t mantissa;
  unsigned shift;
};

DecodedValue decode(CodeFormat f, uint32_t code);
/// Exact: every grid value is an integer representable in a double.
double decodeToDouble(CodeFormat f, uint32_t code);
/// nullopt if the value does not fit an int64_t (large PoT exponents).
std::optional<int64_t> decodeToInt64(CodeFormat f, uint32_t code);

/// Smallest W such that every value of the format fits a W-bit two's
/// complement integer (DESIGN 3.2 uses it as the weight/input width). Can
/// exceed 64 for PoT and float (pot8 needs 256). flint4 -> 8,
/// flint4_signed -> 6.
unsigned decodedSignedBits(CodeFormat f);

/// All distinct values, ascending (the negative-zero code is merged with +0).
/// Allocates numCodes(f) entries: intended for bits <= 24.
std::vector<double> gridValues(CodeFormat f);
/// The largest / smallest grid value (max: 7 for int4, 16 for flint4_signed,
/// 64 for flint4). DESIGN 3.1 divides alpha by maxGridValue.
double maxGridValue(CodeFormat f);
double minGridValue(CodeFormat f);

/// Code of the grid value nearest to `x` (x already divided by the scale).
/// Ties go away from zero (DESIGN 3.1). Saturates outside the grid (+-inf
/// included); NaN -> the code of 0. Never emits the negative-zero code.
uint32_t encodeNearest(CodeFormat f, double x);

/// Code whose value is exactly `value`, nullopt when it is not on the grid.
/// 0 always maps to the +0 code.
std::optional<uint32_t> encodeExact(CodeFormat f, int64_t value);

} // namespace qsparse::numerics

#endif // QSPARSE_NUMERICS_CODECS_H

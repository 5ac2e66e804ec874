//===- Codecs.cpp - ANT value grids and code <-> value conversion ---------===//
//
// Implements DESIGN 3.1 "flint (ANT, MICRO 2022)". Flint, PoT and float are
// handled as an unsigned "magnitude code" of b bits whose value is monotone in
// the code, plus an optional sign bit; that monotonicity is what lets the
// encoders binary-search instead of scanning the grid.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/Codecs.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace qsparse::numerics {

namespace {

bool isValid(CodeFormat f) {
  if (f.kind != CodeKind::Float && f.exponentBits != 0)
    return false;
  switch (f.kind) {
  case CodeKind::Int:
    return f.bits >= 1 && f.bits <= 32;
  case CodeKind::Flint:
    return f.bits >= (f.isSigned ? 3u : 2u) && f.bits <= 8;
  case CodeKind::PoT:
    return f.bits >= 2 && f.bits <= 8;
  case CodeKind::Float:
    return f.bits >= 2 && f.bits <= 8 && f.exponentBits >= 1 &&
           f.exponentBits <= f.bits - (f.isSigned ? 1 : 0);
  }
  return false;
}

uint32_t codeMask(unsigned bits) {
  return static_cast<uint32_t>((uint64_t(1) << bits) - 1);
}

unsigned bitLength(uint64_t v) {
  unsigned n = 0;
  for (; v; v >>= 1)
    ++n;
  return n;
}

/// Bits of the unsigned magnitude code of a flint/PoT/float format.
unsigned magnitudeBits(CodeFormat f) {
  return f.isSigned ? f.bits - 1 : f.bits;
}

/// Decodes a b-bit unsigned flint, PoT or float magnitude code (DESIGN 3.1);
/// `e` is the float exponent bits (unused by the other kinds).
DecodedValue decodeMagnitude(CodeKind kind, unsigned b, uint32_t code,
                             unsigned e = 0) {
  code &= codeMask(b);
  if (code == 0)
    return {false, 0, 0};
  if (kind == CodeKind::PoT)
    return {false, 1, code - 1};
  if (kind == CodeKind::Float) {
    // Exponent index i (high e bits), mantissa j (low m bits); index 0 is
    // subnormal. Integer units: j, or (2^m + j) << (i - 1).
    unsigned m = b - e;
    uint32_t i = code >> m, j = code & codeMask(m);
    if (i == 0)
      return {false, j, 0};
    return {false, (uint64_t(1) << m) | j, i - 1};
  }
  // Flint: the MSB = 0 half is an int.
  if (!(code >> (b - 1)))
    return {false, code, 0};
  unsigned k = 0;
  while (k < b && ((code >> (b - 1 - k)) & 1))
    ++k;
  if (k == b)
    return {false, 1, 2 * b - 2};
  unsigned m = b - k - 1;
  uint64_t frac = code & codeMask(m);
  return {false, (uint64_t(1) << m) | frac, 2 * k - 1};
}

double toDouble(DecodedValue v) {
  double mag = std::ldexp(static_cast<double>(v.mantissa), int(v.shift));
  return v.negative ? -mag : mag;
}

/// Exact three-way comparison of a non-negative decoded value with `u`.
int compareMagnitude(DecodedValue v, uint64_t u) {
  if (v.mantissa == 0)
    return u == 0 ? 0 : -1;
  if (bitLength(v.mantissa) + v.shift > 64)
    return 1;
  uint64_t mag = v.mantissa << v.shift;
  return mag < u ? -1 : (mag > u ? 1 : 0);
}

/// Largest magnitude code whose value satisfies `notAbove` (code 0, value 0,
/// always does). Valid because magnitude value order equals code order.
template <typename Pred>
uint32_t largestCodeNotAbove(CodeKind kind, unsigned b, unsigned e,
                             Pred notAbove) {
  uint32_t lo = 0, hi = codeMask(b);
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo + 1) / 2;
    if (notAbove(decodeMagnitude(kind, b, mid, e)))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

uint32_t maxCode(CodeFormat f) {
  if (f.isSigned)
    return codeMask(f.bits - 1);
  return codeMask(f.bits);
}

uint32_t minCode(CodeFormat f) {
  if (!f.isSigned)
    return 0;
  // Int: the most negative two's complement code; flint/PoT/float: sign bit
  // plus the all-ones magnitude.
  if (f.kind == CodeKind::Int)
    return uint32_t(1) << (f.bits - 1);
  return codeMask(f.bits);
}

/// Two's complement width needed for one value.
unsigned signedBitsFor(DecodedValue v) {
  if (v.mantissa == 0)
    return 1;
  unsigned len = bitLength(v.mantissa) + v.shift;
  bool powerOfTwo = (v.mantissa & (v.mantissa - 1)) == 0;
  // -2^(W-1) is representable, +2^(W-1) is not.
  return (v.negative && powerOfTwo) ? len : len + 1;
}

} // namespace

std::string verifyFormat(CodeFormat f) {
  auto range = [&](const char *what, unsigned lo, unsigned hi) {
    if (f.bits >= lo && f.bits <= hi)
      return std::string();
    return std::string(what) + " bit width must be in [" + std::to_string(lo) +
           ", " + std::to_string(hi) + "], got " + std::to_string(f.bits);
  };
  auto noExponent = [&](const char *what, std::string widthError) {
    if (!widthError.empty() || f.exponentBits == 0)
      return widthError;
    return std::string(what) + " format must have 0 exponent bits, got " +
           std::to_string(f.exponentBits);
  };
  switch (f.kind) {
  case CodeKind::Int:
    return noExponent("int", range("int", 1, 32));
  case CodeKind::Flint:
    // Signed flint's magnitude is an unsigned flint of bits - 1 >= 2 bits.
    return noExponent("flint", f.isSigned ? range("signed flint", 3, 8)
                                          : range("flint", 2, 8));
  case CodeKind::PoT:
    return noExponent("pot", range("pot", 2, 8));
  case CodeKind::Float: {
    if (std::string error = range("float", 2, 8); !error.empty())
      return error;
    // ANT's float_value: exponent + mantissa fill the value bits, m >= 0.
    unsigned valueBits = magnitudeBits(f);
    if (f.exponentBits >= 1 && f.exponentBits <= valueBits)
      return std::string();
    return "float exponent bits must be in [1, " + std::to_string(valueBits) +
           "] for " + std::to_string(f.bits) +
           (f.isSigned ? "-bit signed" : "-bit unsigned") + ", got " +
           std::to_string(f.exponentBits);
  }
  }
  return "unknown code kind";
}

std::string formatName(CodeFormat f) {
  std::string bits = std::to_string(f.bits);
  switch (f.kind) {
  case CodeKind::Int:
    return (f.isSigned ? "int" : "uint") + bits;
  case CodeKind::Flint:
    return "flint" + bits + (f.isSigned ? "_signed" : "");
  case CodeKind::PoT:
    return "pot" + bits + (f.isSigned ? "_signed" : "");
  case CodeKind::Float:
    return "float" + bits + "_e" + std::to_string(f.exponentBits) +
           (f.isSigned ? "_signed" : "");
  }
  return "unknown" + bits;
}

std::optional<CodeFormat> parseFormatName(std::string_view name) {
  CodeFormat f{CodeKind::Int, 0, true};
  auto consume = [&](std::string_view prefix) {
    if (name.substr(0, prefix.size()) != prefix)
      return false;
    name.remove_prefix(prefix.size());
    return true;
  };
  if (consume("uint"))
    f = {CodeKind::Int, 0, false};
  else if (consume("int"))
    f = {CodeKind::Int, 0, true};
  else if (consume("flint"))
    f = {CodeKind::Flint, 0, false};
  else if (consume("pot"))
    f = {CodeKind::PoT, 0, false};
  else if (consume("float"))
    f = {CodeKind::Float, 0, false};
  else
    return std::nullopt;
  // At most two digits keeps the accumulation far from overflow.
  auto number = [&](unsigned &out) {
    size_t digits = 0;
    while (digits < name.size() && digits < 3 && name[digits] >= '0' &&
           name[digits] <= '9')
      out = out * 10 + unsigned(name[digits++] - '0');
    if (digits == 0 || digits > 2 || (digits == 2 && name[0] == '0'))
      return false;
    name.remove_prefix(digits);
    return true;
  };
  if (!number(f.bits))
    return std::nullopt;
  // Float names carry the exponent bits: "float4_e2[_signed]".
  if (f.kind == CodeKind::Float && !(consume("_e") && number(f.exponentBits)))
    return std::nullopt;
  if (f.kind != CodeKind::Int && consume("_signed"))
    f.isSigned = true;
  if (!name.empty() || !isValid(f))
    return std::nullopt;
  return f;
}

uint64_t numCodes(CodeFormat f) { return uint64_t(1) << f.bits; }

DecodedValue decode(CodeFormat f, uint32_t code) {
  assert(isValid(f) && "invalid code format");
  code &= codeMask(f.bits);
  if (f.kind == CodeKind::Int) {
    if (f.isSigned && (code >> (f.bits - 1)))
      return {true, (uint64_t(1) << f.bits) - code, 0};
    return {false, code, 0};
  }
  if (!f.isSigned)
    return decodeMagnitude(f.kind, f.bits, code, f.exponentBits);
  DecodedValue v = decodeMagnitude(f.kind, f.bits - 1, code, f.exponentBits);
  // The negative-zero code decodes to plain 0.
  v.negative = (code >> (f.bits - 1)) && v.mantissa != 0;
  return v;
}

double decodeToDouble(CodeFormat f, uint32_t code) {
  return toDouble(decode(f, code));
}

std::optional<int64_t> decodeToInt64(CodeFormat f, uint32_t code) {
  DecodedValue v = decode(f, code);
  if (v.mantissa == 0)
    return 0;
  if (bitLength(v.mantissa) + v.shift > 64)
    return std::nullopt;
  uint64_t mag = v.mantissa << v.shift;
  uint64_t limit = v.negative ? uint64_t(1) << 63 : (uint64_t(1) << 63) - 1;
  if (mag > limit)
    return std::nullopt;
  // Negate in unsigned arithmetic so that -2^63 does not overflow.
  return v.negative ? static_cast<int64_t>(~mag + 1)
                    : static_cast<int64_t>(mag);
}

unsigned decodedSignedBits(CodeFormat f) {
  return std::max(signedBitsFor(decode(f, maxCode(f))),
                  signedBitsFor(decode(f, minCode(f))));
}

std::vector<double> gridValues(CodeFormat f) {
  assert(isValid(f) && f.bits <= 24 && "grid too large to materialize");
  std::vector<double> grid;
  grid.reserve(numCodes(f));
  if (f.kind == CodeKind::Int) {
    // Every integer of the range is on the grid.
    for (double v = minGridValue(f), hi = maxGridValue(f); v <= hi; v += 1)
      grid.push_back(v);
    return grid;
  }
  for (uint64_t c = 0; c < numCodes(f); ++c)
    grid.push_back(decodeToDouble(f, uint32_t(c)));
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

double maxGridValue(CodeFormat f) { return decodeToDouble(f, maxCode(f)); }

double minGridValue(CodeFormat f) { return decodeToDouble(f, minCode(f)); }

uint32_t encodeNearest(CodeFormat f, double x) {
  assert(isValid(f) && "invalid code format");
  if (std::isnan(x))
    return 0;
  if (f.kind == CodeKind::Int) {
    // Grid bounds are integers, so clamping before rounding equals rounding
    // before clamping, and keeps the int64 conversion in range.
    double clamped = std::clamp(x, minGridValue(f), maxGridValue(f));
    auto v = static_cast<int64_t>(std::round(clamped)); // Half away from 0.
    return static_cast<uint32_t>(uint64_t(v)) & codeMask(f.bits);
  }
  bool negative = x < 0;
  if (negative && !f.isSigned)
    return 0; // Saturate at the unsigned grid's minimum, 0.
  double a = std::fabs(x);
  unsigned b = magnitudeBits(f);
  uint32_t c =
      largestCodeNotAbove(f.kind, b, f.exponentBits,
                          [a](DecodedValue v) { return toDouble(v) <= a; });
  if (c != codeMask(b)) {
    // The midpoint of two grid values is exact in a double; a >= mid sends
    // ties to the larger magnitude, i.e. away from zero.
    double lo = toDouble(decodeMagnitude(f.kind, b, c, f.exponentBits));
    double hi = toDouble(decodeMagnitude(f.kind, b, c + 1, f.exponentBits));
    if (a >= lo + (hi - lo) / 2)
      ++c;
  }
  if (negative && c != 0)
    c |= uint32_t(1) << b;
  return c;
}

std::optional<uint32_t> encodeExact(CodeFormat f, int64_t value) {
  assert(isValid(f) && "invalid code format");
  if (f.kind == CodeKind::Int) {
    int64_t lo = f.isSigned ? -(int64_t(1) << (f.bits - 1)) : 0;
    int64_t hi = f.isSigned ? (int64_t(1) << (f.bits - 1)) - 1
                            : (int64_t(1) << f.bits) - 1;
    if (value < lo || value > hi)
      return std::nullopt;
    return static_cast<uint32_t>(uint64_t(value)) & codeMask(f.bits);
  }
  bool negative = value < 0;
  if (negative && !f.isSigned)
    return std::nullopt;
  // |INT64_MIN| computed in unsigned arithmetic.
  uint64_t u = negative ? ~uint64_t(value) + 1 : uint64_t(value);
  unsigned b = magnitudeBits(f);
  uint32_t c =
      largestCodeNotAbove(f.kind, b, f.exponentBits, [u](DecodedValue v) {
        return compareMagnitude(v, u) <= 0;
      });
  if (compareMagnitude(decodeMagnitude(f.kind, b, c, f.exponentBits), u) != 0)
    return std::nullopt;
  if (negative && c != 0)
    c |= uint32_t(1) << b;
  return c;
}

} // namespace qsparse::numerics

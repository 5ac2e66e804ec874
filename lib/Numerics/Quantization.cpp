//===- Quantization.cpp - per-channel quantization, ANT selection ---------===//
//
// Implements DESIGN 3.1's alpha search and ANT type selection; the rules are
// spelled out in Quantization.h.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/Quantization.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace qsparse::numerics {

double searchAlpha(double maxAbs, int percent) {
  return maxAbs * (static_cast<double>(percent) / 100.0);
}

GridRounder::GridRounder(CodeFormat f) : fmt(f) {
  assert(verifyFormat(f).empty() && "invalid code format");
  if (f.kind == CodeKind::Int) {
    lo = minGridValue(f);
    hi = maxGridValue(f);
    return;
  }
  // Flint/PoT/float are sign-magnitude over a monotone magnitude grid.
  for (double v : gridValues(f))
    if (v >= 0)
      magnitudes.push_back(v);
}

double GridRounder::nearestValue(double x) const {
  if (std::isnan(x))
    return 0;
  if (fmt.kind == CodeKind::Int)
    return std::round(std::clamp(x, lo, hi)); // As encodeNearest.
  bool negative = x < 0;
  if (negative && !fmt.isSigned)
    return 0;
  double a = std::fabs(x);
  // Largest magnitude <= a (magnitudes[0] = 0 <= a), then the same midpoint
  // rule as encodeNearest: a >= mid goes up, i.e. ties away from zero.
  size_t i = size_t(std::upper_bound(magnitudes.begin(), magnitudes.end(), a) -
                    magnitudes.begin()) -
             1;
  if (i + 1 < magnitudes.size()) {
    double l = magnitudes[i], h = magnitudes[i + 1];
    if (a >= l + (h - l) / 2)
      ++i;
  }
  double v = magnitudes[i];
  return negative && v != 0 ? -v : v;
}

namespace {

/// Above this many distinct magnitudes the exact-representation extension is
/// skipped (its cost grows with the grid).
constexpr size_t kMaxExactMagnitudes = 4096;

/// Magnitudes of the non-zero grid values, largest first; empty when the
/// extension is skipped for `f`.
std::vector<double> exactCandidateMagnitudes(CodeFormat f) {
  std::vector<double> mags;
  if (f.kind == CodeKind::Int) {
    double top = std::max(maxGridValue(f), -minGridValue(f));
    if (top > double(kMaxExactMagnitudes))
      return mags;
    for (double g = top; g >= 1; g -= 1)
      mags.push_back(g);
    return mags;
  }
  for (double v : gridValues(f))
    if (v != 0)
      mags.push_back(std::fabs(v));
  std::sort(mags.begin(), mags.end(), std::greater<double>());
  mags.erase(std::unique(mags.begin(), mags.end()), mags.end());
  if (mags.size() > kMaxExactMagnitudes)
    mags.clear();
  return mags;
}

bool usableScale(double s) { return s > 0 && std::isfinite(s); }

/// The channel MSE of scale s: (sum in index order of (w - q)^2) / n.
double channelMse(const double *w, int64_t n, const GridRounder &rounder,
                  double s) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = w[i] - rounder.nearestValue(w[i] / s) * s;
    sum += d * d;
  }
  return sum / double(n);
}

/// True when value(nearest(w / s)) * s == w for every weight. `first` (the
/// extreme weight) is checked first so that most failures are found at once.
bool reproducesExactly(const double *w, int64_t n, const GridRounder &rounder,
                       double s, int64_t first) {
  auto exact = [&](int64_t i) {
    return rounder.nearestValue(w[i] / s) * s == w[i];
  };
  if (!exact(first))
    return false;
  for (int64_t i = 0; i < n; ++i)
    if (!exact(i))
      return false;
  return true;
}

/// Quantizes one channel of n weights into codes[0 .. n).
ChannelQuantization quantizeChannel(const double *w, int64_t n,
                                    const GridRounder &rounder,
                                    const std::vector<double> &exactMagnitudes,
                                    uint32_t *codes) {
  CodeFormat f = rounder.format();
  double maxAbs = 0;
  int64_t argMax = 0;
  for (int64_t i = 0; i < n; ++i) {
    assert(std::isfinite(w[i]) && "weights must be finite");
    if (std::fabs(w[i]) > maxAbs) {
      maxAbs = std::fabs(w[i]);
      argMax = i;
    }
  }
  if (maxAbs == 0) {
    std::fill(codes, codes + n, 0u); // The +0 code of every format.
    return {1.0, 0.0, 0};
  }

  // DESIGN 3.1: alpha over {i/100 * max|w| : i = 75 .. 149}; strict < keeps
  // the smallest i on ties.
  double maxGrid = maxGridValue(f);
  ChannelQuantization best{1.0, std::numeric_limits<double>::infinity(), 0};
  for (int p = kAlphaPercentMin; p <= kAlphaPercentMax; ++p) {
    double s = searchAlpha(maxAbs, p) / maxGrid;
    if (!usableScale(s))
      continue;
    double mse = channelMse(w, n, rounder, s);
    if (mse < best.mse)
      best = {s, mse, p};
  }

  // Extension: exactly representable channels come back exactly.
  if (!reproducesExactly(w, n, rounder, best.scale, argMax)) {
    bool found = false;
    for (double g : exactMagnitudes) {
      double s0 = maxAbs / g;
      double below = s0, above = s0;
      for (int step = 0; step <= 4 && !found; ++step) {
        if (step > 0) {
          below = std::nextafter(below, 0.0);
          above =
              std::nextafter(above, std::numeric_limits<double>::infinity());
        }
        for (double s : {above, below}) {
          if (usableScale(s) && reproducesExactly(w, n, rounder, s, argMax)) {
            best = {s, 0.0, 0};
            found = true;
            break;
          }
        }
      }
      if (found)
        break;
    }
  }

  // The codes are encodeNearest's by definition; the reported MSE is
  // recomputed from them (GridRounder is exact, so it equals the search's).
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    codes[i] = encodeNearest(f, w[i] / best.scale);
    double d = w[i] - decodeToDouble(f, codes[i]) * best.scale;
    sum += d * d;
  }
  best.mse = sum / double(n);
  return best;
}

} // namespace

TensorQuantization quantizePerChannel(const double *w, int64_t channels,
                                      int64_t perChannel, CodeFormat f) {
  assert(verifyFormat(f).empty() && "invalid code format");
  assert(channels >= 0 && perChannel >= 0);
  GridRounder rounder(f);
  std::vector<double> exactMagnitudes = exactCandidateMagnitudes(f);
  TensorQuantization q{
      f, std::vector<uint32_t>(size_t(channels * perChannel)), {}, 0.0};
  q.channels.reserve(size_t(channels));
  for (int64_t c = 0; c < channels; ++c) {
    q.channels.push_back(quantizeChannel(w + c * perChannel, perChannel,
                                         rounder, exactMagnitudes,
                                         q.codes.data() + c * perChannel));
    q.mse += q.channels.back().mse;
  }
  return q;
}

TensorQuantization quantizePerTensor(const double *w, int64_t n, CodeFormat f) {
  return quantizePerChannel(w, 1, n, f);
}

std::vector<double> dequantize(const TensorQuantization &q,
                               int64_t perChannel) {
  std::vector<double> out(q.codes.size());
  if (out.empty())
    return out;
  assert(!q.channels.empty() && (q.channels.size() == 1 || perChannel > 0));
  for (size_t i = 0; i < out.size(); ++i) {
    size_t c = q.channels.size() == 1 ? 0 : i / size_t(perChannel);
    assert(c < q.channels.size() && "codes and channels disagree");
    out[i] = decodeToDouble(q.format, q.codes[i]) * q.channels[c].scale;
  }
  return out;
}

Selection selectNumericType(const double *w, int64_t channels,
                            int64_t perChannel,
                            const std::vector<CodeFormat> &candidates,
                            bool perChannelScales) {
  assert(!candidates.empty() && "no candidate types");
  Selection sel{0, {}};
  sel.results.reserve(candidates.size());
  for (CodeFormat f : candidates) {
    sel.results.push_back(perChannelScales
                              ? quantizePerChannel(w, channels, perChannel, f)
                              : quantizePerTensor(w, channels * perChannel, f));
    // Strict <: ties go to the earlier candidate.
    if (sel.results.back().mse < sel.results[sel.best].mse)
      sel.best = sel.results.size() - 1;
  }
  return sel;
}

unsigned defaultFloatExponentBits(unsigned bits, bool isSigned) {
  unsigned valueBits = isSigned ? (bits > 0 ? bits - 1 : 0) : bits;
  return std::min(3u, valueBits);
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// One candidate name; nullopt with `error` set on failure.
std::optional<CodeFormat> parseCandidate(std::string_view name, unsigned bits,
                                         bool isSigned, std::string &error) {
  std::string got = ", got " + std::to_string(bits);
  if (name == "int") {
    if (bits < 1 || bits > 32) {
      error = "int needs 1..32 bits" + got;
      return std::nullopt;
    }
    return CodeFormat{CodeKind::Int, bits, isSigned};
  }
  if (name == "pot") {
    if (bits < 2 || bits > 8) {
      error = "pot needs 2..8 bits" + got;
      return std::nullopt;
    }
    return CodeFormat{CodeKind::PoT, bits, isSigned};
  }
  if (name == "flint") {
    unsigned lo = isSigned ? 3 : 2;
    if (bits < lo || bits > 8) {
      error = "flint needs " + std::to_string(lo) + "..8 bits when " +
              (isSigned ? "signed" : "unsigned") + got;
      return std::nullopt;
    }
    return CodeFormat{CodeKind::Flint, bits, isSigned};
  }
  // float (ANT's default exponent bits) or float_e<K>, K one or two digits
  // without a leading zero.
  std::optional<unsigned> e;
  if (name == "float") {
    e = defaultFloatExponentBits(bits, isSigned);
  } else if (name.substr(0, 7) == "float_e" && name.size() >= 8 &&
             name.size() <= 9 && name[7] != '0' &&
             std::all_of(name.begin() + 7, name.end(),
                         [](char ch) { return ch >= '0' && ch <= '9'; })) {
    e = 0;
    for (char ch : name.substr(7))
      *e = *e * 10 + unsigned(ch - '0');
  }
  if (e) {
    if (bits < 2 || bits > 8) {
      error = "float needs 2..8 bits" + got;
      return std::nullopt;
    }
    CodeFormat f{CodeKind::Float, bits, isSigned, *e};
    if (std::string why = verifyFormat(f); !why.empty()) {
      error = std::string(name) + ": " + why;
      return std::nullopt;
    }
    return f;
  }
  error = "unknown candidate '" + std::string(name) +
          "'; expected int, pot, flint or float";
  return std::nullopt;
}

} // namespace

std::optional<std::vector<CodeFormat>> parseCandidates(std::string_view list,
                                                       unsigned bits,
                                                       bool isSigned,
                                                       std::string &error) {
  if (trim(list).empty()) {
    error = "empty candidate list";
    return std::nullopt;
  }
  std::vector<CodeFormat> formats;
  std::string_view rest = list;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view name = trim(rest.substr(0, comma));
    if (name.empty()) {
      error = "empty candidate in '" + std::string(list) + "'";
      return std::nullopt;
    }
    std::optional<CodeFormat> f = parseCandidate(name, bits, isSigned, error);
    if (!f)
      return std::nullopt;
    if (std::find(formats.begin(), formats.end(), *f) != formats.end()) {
      error = "duplicate candidate '" + std::string(name) + "'";
      return std::nullopt;
    }
    formats.push_back(*f);
    if (comma == std::string_view::npos)
      break;
    rest.remove_prefix(comma + 1);
  }
  return formats;
}

} // namespace qsparse::numerics

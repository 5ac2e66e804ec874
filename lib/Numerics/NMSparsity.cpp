//===- NMSparsity.cpp - Host-side N:M structured sparsity helpers ---------===//
//
// Implements DESIGN 3.3 "N:M structured sparsity": magnitude pruning, exact
// and greedy transposable masks, mask diversity, and metadata packing.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Numerics/NMSparsity.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>

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

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

namespace {

/// The DESIGN 3.3 magnitude order as one double: NaN -> -1 ranks below every
/// |w| (all >= 0), +-inf -> +inf above every finite number.
double magnitudeKey(double x) { return std::isnan(x) ? -1.0 : std::fabs(x); }

/// Shape checks shared by the whole-matrix builders; tiles additionally need
/// F % m == 0.
bool validShape(int64_t K, int64_t F, unsigned n, unsigned m, bool tiles) {
  if (!verifyNM(n, m).empty() || K < 0 || F < 0 || K % m != 0)
    return false;
  return !tiles || F % m == 0;
}

/// ceil(log2 m): the exact log2 for the power-of-two M that verifyNM admits.
unsigned log2Ceil(unsigned m) {
  unsigned b = 0;
  while ((1u << b) < m)
    ++b;
  return b;
}

/// Min-cost-flow cost, compared lexicographically so that inf and NaN follow
/// the magnitude order: more kept infinities, then more kept (quantized)
/// finite mass, then fewer kept NaNs. Integers keep Bellman-Ford exact, so
/// the residual graph never gets a rounding-induced negative cycle.
struct FlowCost {
  int64_t inf = 0;
  int64_t mass = 0;
  int64_t nan = 0;
};

FlowCost operator+(FlowCost a, FlowCost b) {
  return {a.inf + b.inf, a.mass + b.mass, a.nan + b.nan};
}
FlowCost operator-(FlowCost a) { return {-a.inf, -a.mass, -a.nan}; }
bool operator<(FlowCost a, FlowCost b) {
  if (a.inf != b.inf)
    return a.inf < b.inf;
  if (a.mass != b.mass)
    return a.mass < b.mass;
  return a.nan < b.nan;
}

struct FlowEdge {
  unsigned to;
  int64_t cap;
  FlowCost cost;
};

/// Exact transposable mask of one m x m tile (tile[r * m + c]); returns the
/// m x m keep mask. DESIGN 3.3: b-matching as min-cost flow (s -> row cap n,
/// row -> col cap 1 cost -|w|, col -> t cap n, demand m * n), solved by
/// successive shortest paths (each path carries one unit because row -> col
/// capacities are 1). Bipartite b-matching is totally unimodular, so the
/// integral flow is optimal. `atMost`: stop once the next path would lower
/// the kept mass (min-cost flow is convex in the flow value, so this is the
/// optimum over masks with at most n per line); zero-cost paths still run, so
/// lines fill up to n whenever that costs nothing.
std::vector<uint8_t> exactTile(const double *tile, unsigned n, unsigned m,
                               bool atMost) {
  // Quantize finite magnitudes to integers with a power-of-two scale so that
  // a path of <= 2m + 1 edges cannot overflow int64 (|dist| < 2^62).
  double maxFinite = 0;
  for (unsigned i = 0; i < m * m; ++i)
    if (std::isfinite(tile[i]))
      maxFinite = std::max(maxFinite, std::fabs(tile[i]));
  const int precision = 62 - static_cast<int>(log2Ceil(2 * m + 2) + 1);
  const int shift = maxFinite > 0 ? precision - 1 - std::ilogb(maxFinite) : 0;
  auto entryCost = [&](double x) -> FlowCost {
    if (std::isnan(x))
      return {0, 0, 1};
    if (std::isinf(x))
      return {-1, 0, 0};
    int64_t q = std::llround(std::ldexp(std::fabs(x), shift));
    return {0, -q, 0};
  };

  const unsigned source = 0, sink = 2 * m + 1, nodes = 2 * m + 2;
  std::vector<FlowEdge> edges;
  std::vector<std::vector<unsigned>> adj(nodes);
  auto addEdge = [&](unsigned from, unsigned to, int64_t cap, FlowCost cost) {
    adj[from].push_back(static_cast<unsigned>(edges.size()));
    edges.push_back({to, cap, cost});
    adj[to].push_back(static_cast<unsigned>(edges.size()));
    edges.push_back({from, 0, -cost});
  };
  for (unsigned r = 0; r < m; ++r)
    addEdge(source, 1 + r, n, {});
  std::vector<unsigned> cellEdge(m * m);
  for (unsigned r = 0; r < m; ++r)
    for (unsigned c = 0; c < m; ++c) {
      cellEdge[r * m + c] = static_cast<unsigned>(edges.size());
      addEdge(1 + r, 1 + m + c, 1, entryCost(tile[r * m + c]));
    }
  for (unsigned c = 0; c < m; ++c)
    addEdge(1 + m + c, sink, n, {});

  std::vector<FlowCost> dist(nodes);
  std::vector<bool> reached(nodes);
  std::vector<unsigned> parentEdge(nodes);
  for (unsigned unit = 0; unit < m * n; ++unit) {
    // Bellman-Ford over the residual graph; no negative cycle exists (SSP
    // invariant), so at most nodes - 1 rounds are needed.
    std::fill(reached.begin(), reached.end(), false);
    dist[source] = {};
    reached[source] = true;
    for (unsigned round = 0; round + 1 < nodes; ++round) {
      bool changed = false;
      for (unsigned u = 0; u < nodes; ++u) {
        if (!reached[u])
          continue;
        for (unsigned e : adj[u]) {
          const FlowEdge &edge = edges[e];
          if (edge.cap == 0)
            continue;
          FlowCost d = dist[u] + edge.cost;
          if (!reached[edge.to] || d < dist[edge.to]) {
            dist[edge.to] = d;
            reached[edge.to] = true;
            parentEdge[edge.to] = e;
            changed = true;
          }
        }
      }
      if (!changed)
        break;
    }
    if (!reached[sink])
      break; // Unreachable: the complete bipartite graph always has a path.
    if (atMost && FlowCost{} < dist[sink])
      break;
    for (unsigned v = sink, steps = 0; v != source && steps < nodes; ++steps) {
      unsigned e = parentEdge[v];
      edges[e].cap -= 1;
      edges[e ^ 1].cap += 1;
      v = edges[e ^ 1].to;
    }
  }
  std::vector<uint8_t> keep(m * m);
  for (unsigned i = 0; i < m * m; ++i)
    keep[i] = edges[cellEdge[i]].cap == 0;
  return keep;
}

/// Greedy transposable mask of one m x m tile (DESIGN 3.3 "Fast"; the
/// dynamic_TNM update_mask_approx2 / apex mn_2d_greedy rule).
std::vector<uint8_t> greedyTile(const double *tile, unsigned n, unsigned m) {
  std::vector<unsigned> order(m * m);
  for (unsigned i = 0; i < m * m; ++i)
    order[i] = i;
  // Stable: equal magnitudes stay in row-major order.
  std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) {
    return magnitudeKey(tile[a]) > magnitudeKey(tile[b]);
  });
  std::vector<unsigned> rowCount(m), colCount(m);
  std::vector<uint8_t> keep(m * m);
  for (unsigned i : order) {
    unsigned r = i / m, c = i % m;
    if (rowCount[r] < n && colCount[c] < n) {
      keep[i] = 1;
      ++rowCount[r];
      ++colCount[c];
    }
  }
  return keep;
}

/// Applies `solve` to every m x m tile of the [K][F] matrix.
template <typename TileSolver>
std::vector<uint8_t> forEachTile(const double *w, int64_t K, int64_t F,
                                 unsigned n, unsigned m, TileSolver solve) {
  if (!validShape(K, F, n, m, /*tiles=*/true))
    return {};
  std::vector<uint8_t> mask(static_cast<size_t>(K * F));
  std::vector<double> tile(m * m);
  for (int64_t k0 = 0; k0 < K; k0 += m)
    for (int64_t f0 = 0; f0 < F; f0 += m) {
      for (unsigned r = 0; r < m; ++r)
        for (unsigned c = 0; c < m; ++c)
          tile[r * m + c] = w[(k0 + r) * F + f0 + c];
      std::vector<uint8_t> keep = solve(tile.data(), n, m);
      for (unsigned r = 0; r < m; ++r)
        for (unsigned c = 0; c < m; ++c)
          mask[(k0 + r) * F + f0 + c] = keep[r * m + c];
    }
  return mask;
}

/// Overflow-tracking uint64 for the exact tile count.
struct CheckedU64 {
  uint64_t value = 0;
  bool overflow = false;
};

CheckedU64 mulCount(CheckedU64 a, uint64_t b) {
  if (a.overflow || (b != 0 && a.value > UINT64_MAX / b))
    return {0, true};
  return {a.value * b, false};
}
CheckedU64 addCount(CheckedU64 a, CheckedU64 b) {
  if (a.overflow || b.overflow || a.value > UINT64_MAX - b.value)
    return {0, true};
  return {a.value + b.value, false};
}
double mulCount(double a, uint64_t b) { return a * static_cast<double>(b); }
double addCount(double a, double b) { return a + b; }

/// c(m, n) by DP over rows. The state is the multiset of column sums, stored
/// as counts[j] = number of columns holding j ones (columns are
/// interchangeable). A row picks b[j] columns from each class, weighted by
/// prod C(counts[j], b[j]) with sum b = n.
template <typename Count> Count countTiles(unsigned n, unsigned m, Count one) {
  using State = std::vector<uint8_t>;
  uint64_t binom[kMaxTransposableCountM + 1][kMaxTransposableCountM + 1] = {};
  for (unsigned a = 0; a <= m; ++a) {
    binom[a][0] = 1;
    for (unsigned b = 1; b <= a; ++b)
      binom[a][b] = binom[a - 1][b - 1] + (b < a ? binom[a - 1][b] : 0);
  }
  State start(n + 1, 0);
  start[0] = static_cast<uint8_t>(m);
  std::map<State, Count> layer{{start, one}};
  std::vector<unsigned> pick(n + 1);
  for (unsigned row = 0; row < m; ++row) {
    const unsigned rowsLeft = m - row - 1; // After this row.
    std::map<State, Count> next;
    for (const auto &entry : layer) {
      // Named copies: C++17 lambdas cannot capture structured bindings.
      const State &state = entry.first;
      const Count &count = entry.second;
      // Depth-first over pick[0..n-1]; columns already at n cannot take more.
      auto recurse = [&](auto &self, unsigned j, unsigned left,
                         Count weight) -> void {
        if (j == n) {
          if (left != 0)
            return;
          // Sized from `state` (n + 1 entries): GCC's -Wstringop-overflow
          // cannot see that n + 1 > 0 here.
          State to(state);
          for (size_t i = 0; i < to.size(); ++i)
            to[i] = static_cast<uint8_t>(state[i] - (i < n ? pick[i] : 0) +
                                         (i > 0 ? pick[i - 1] : 0));
          // Prune: a column with i ones needs n - i more from rowsLeft rows.
          for (unsigned i = 0; i < n; ++i)
            if (to[i] != 0 && n - i > rowsLeft)
              return;
          auto it = next.find(to);
          if (it == next.end())
            next.emplace(std::move(to), weight);
          else
            it->second = addCount(it->second, weight);
          return;
        }
        for (unsigned b = 0; b <= std::min<unsigned>(state[j], left); ++b) {
          pick[j] = b;
          self(self, j + 1, left - b, mulCount(weight, binom[state[j]][b]));
        }
      };
      recurse(recurse, 0, n, count);
    }
    layer = std::move(next);
  }
  State done(n + 1, 0);
  done[n] = static_cast<uint8_t>(m);
  auto it = layer.find(done);
  return it == layer.end() ? Count{} : it->second;
}

/// log10 C(m, n) as a sum of logs (no overflow for m up to 256).
double log10Binomial(unsigned m, unsigned n) {
  double sum = 0;
  for (unsigned i = 1; i <= n; ++i)
    sum += std::log10(static_cast<double>(m - n + i)) -
           std::log10(static_cast<double>(i));
  return sum;
}

} // namespace

//===----------------------------------------------------------------------===//
// Whole-matrix masks
//===----------------------------------------------------------------------===//

std::vector<uint8_t> nmMagnitudeMask(const double *w, int64_t K, int64_t F,
                                     unsigned n, unsigned m) {
  if (!validShape(K, F, n, m, /*tiles=*/false))
    return {};
  std::vector<uint8_t> mask(static_cast<size_t>(K * F));
  std::vector<double> group(m);
  for (int64_t k0 = 0; k0 < K; k0 += m)
    for (int64_t f = 0; f < F; ++f) {
      for (unsigned i = 0; i < m; ++i)
        group[i] = w[(k0 + i) * F + f];
      for (uint8_t i : magnitudeGroupMask(group.data(), n, m))
        mask[(k0 + i) * F + f] = 1;
    }
  return mask;
}

std::vector<uint8_t> transposableMaskExact(const double *w, int64_t K,
                                           int64_t F, unsigned n, unsigned m) {
  return forEachTile(w, K, F, n, m,
                     [](const double *tile, unsigned tn, unsigned tm) {
                       return exactTile(tile, tn, tm, /*atMost=*/false);
                     });
}

std::vector<uint8_t> transposableMaskExactAtMost(const double *w, int64_t K,
                                                 int64_t F, unsigned n,
                                                 unsigned m) {
  return forEachTile(w, K, F, n, m,
                     [](const double *tile, unsigned tn, unsigned tm) {
                       return exactTile(tile, tn, tm, /*atMost=*/true);
                     });
}

std::vector<uint8_t> transposableMaskGreedy(const double *w, int64_t K,
                                            int64_t F, unsigned n, unsigned m) {
  return forEachTile(w, K, F, n, m, greedyTile);
}

double keptL1Fraction(const double *w, const std::vector<uint8_t> &mask) {
  double kept = 0, total = 0;
  for (size_t i = 0; i < mask.size(); ++i) {
    double a = std::fabs(w[i]);
    total += a;
    if (mask[i])
      kept += a;
  }
  if (total == 0)
    return 1.0;
  return kept / total;
}

bool maskSatisfies(const std::vector<uint8_t> &mask, int64_t K, int64_t F,
                   unsigned n, unsigned m, bool transposable) {
  if (!validShape(K, F, n, m, transposable) ||
      mask.size() != static_cast<uint64_t>(K) * static_cast<uint64_t>(F))
    return false;
  // Columns of a tile are N:M groups, so the group check covers them; tile
  // rows are the extra constraint of transposable N:M.
  for (int64_t k0 = 0; k0 < K; k0 += m)
    for (int64_t f = 0; f < F; ++f) {
      unsigned kept = 0;
      for (unsigned i = 0; i < m; ++i)
        kept += mask[(k0 + i) * F + f] != 0;
      if (kept > n)
        return false;
    }
  if (transposable)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t f0 = 0; f0 < F; f0 += m) {
        unsigned kept = 0;
        for (unsigned c = 0; c < m; ++c)
          kept += mask[k * F + f0 + c] != 0;
        if (kept > n)
          return false;
      }
  return true;
}

//===----------------------------------------------------------------------===//
// Mask diversity
//===----------------------------------------------------------------------===//

double transposableTileCount(unsigned n, unsigned m) {
  if (m > kMaxTransposableCountM)
    return std::nan("");
  if (n > m && m > 0) // The empty 0 x 0 matrix satisfies every n.
    return 0.0;
  // Complementing a tile maps row/column sums n to m - n; the DP is cheaper
  // for the smaller sum.
  return countTiles<double>(std::min(n, m - std::min(n, m)), m, 1.0);
}

std::optional<uint64_t> transposableTileCountU64(unsigned n, unsigned m) {
  if (m > kMaxTransposableCountM)
    return std::nullopt;
  if (n > m && m > 0) // The empty 0 x 0 matrix satisfies every n.
    return 0;
  CheckedU64 count = countTiles<CheckedU64>(std::min(n, m - std::min(n, m)), m,
                                            CheckedU64{1, false});
  if (count.overflow)
    return std::nullopt;
  return count.value;
}

double maskDiversityLog10(int64_t elements, unsigned n, unsigned m,
                          bool transposable) {
  if (!verifyNM(n, m).empty() || elements < 0)
    return std::nan("");
  const double t = static_cast<double>(elements);
  if (!transposable)
    return t / m * log10Binomial(m, n);
  // log10 of the double count: c(M, N) <= 2^(M*M) stays finite for M <= 16.
  return t / (static_cast<double>(m) * m) *
         std::log10(transposableTileCount(n, m));
}

//===----------------------------------------------------------------------===//
// Compressed-storage metadata
//===----------------------------------------------------------------------===//

std::vector<uint8_t> nmGroupPositions(const uint8_t *groupMask, unsigned n,
                                      unsigned m) {
  if (!verifyNM(n, m).empty())
    return {};
  unsigned kept = 0;
  for (unsigned i = 0; i < m; ++i)
    kept += groupMask[i] != 0;
  if (kept > n)
    return {};
  // Pad with the lowest unused positions (DESIGN 3.3 compressed storage keeps
  // exactly N per group; mma.sp needs two distinct indices).
  unsigned padding = n - kept;
  std::vector<uint8_t> positions;
  positions.reserve(n);
  for (unsigned i = 0; i < m; ++i) {
    if (groupMask[i] != 0) {
      positions.push_back(static_cast<uint8_t>(i));
    } else if (padding > 0) {
      positions.push_back(static_cast<uint8_t>(i));
      --padding;
    }
  }
  return positions;
}

std::vector<uint8_t> nmMetadataPositions(const std::vector<uint8_t> &mask,
                                         int64_t K, int64_t F, unsigned n,
                                         unsigned m) {
  if (!validShape(K, F, n, m, /*tiles=*/false) ||
      mask.size() != static_cast<uint64_t>(K) * static_cast<uint64_t>(F))
    return {};
  std::vector<uint8_t> positions;
  positions.reserve(static_cast<size_t>(K / m * F * n));
  std::vector<uint8_t> group(m);
  for (int64_t k0 = 0; k0 < K; k0 += m)
    for (int64_t f = 0; f < F; ++f) {
      for (unsigned i = 0; i < m; ++i)
        group[i] = mask[(k0 + i) * F + f];
      std::vector<uint8_t> p = nmGroupPositions(group.data(), n, m);
      if (p.empty())
        return {};
      positions.insert(positions.end(), p.begin(), p.end());
    }
  return positions;
}

namespace {

/// Every group of n positions strictly ascending within [0, m).
bool canonicalGroups(const std::vector<uint8_t> &positions, unsigned n,
                     unsigned m) {
  for (size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] >= m)
      return false;
    if (i % n != 0 && positions[i] <= positions[i - 1])
      return false;
  }
  return true;
}

} // namespace

std::vector<uint8_t> packCpuMetadata(const std::vector<uint8_t> &positions,
                                     unsigned n, unsigned m) {
  if (!verifyNM(n, m).empty() || positions.size() % n != 0 ||
      !canonicalGroups(positions, n, m))
    return {};
  const unsigned bits = log2Ceil(m);
  std::vector<uint8_t> packed((positions.size() * bits + 7) / 8);
  for (size_t e = 0; e < positions.size(); ++e)
    for (unsigned b = 0; b < bits; ++b)
      if ((positions[e] >> b) & 1u) {
        size_t bit = e * bits + b;
        packed[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
      }
  return packed;
}

std::vector<uint8_t> unpackCpuMetadata(const std::vector<uint8_t> &packed,
                                       int64_t groups, unsigned n, unsigned m) {
  if (!verifyNM(n, m).empty() || groups < 0 ||
      static_cast<uint64_t>(groups) > (uint64_t(1) << 40))
    return {};
  const unsigned bits = log2Ceil(m);
  const size_t entries = static_cast<size_t>(groups) * n;
  if (packed.size() != (entries * bits + 7) / 8)
    return {};
  std::vector<uint8_t> positions(entries);
  for (size_t e = 0; e < entries; ++e) {
    unsigned value = 0;
    for (unsigned b = 0; b < bits; ++b) {
      size_t bit = e * bits + b;
      value |= ((packed[bit / 8] >> (bit % 8)) & 1u) << b;
    }
    positions[e] = static_cast<uint8_t>(value);
  }
  if (!canonicalGroups(positions, n, m))
    return {};
  return positions;
}

uint8_t mmaSpNibble(uint8_t idx0, uint8_t idx1) {
  if (idx0 >= idx1 || idx1 > 3)
    return 0; // Invalid nibble: flags the broken precondition.
  return static_cast<uint8_t>(idx0 | idx1 << 2);
}

bool isValidMmaSpNibble(uint8_t nibble) {
  // PTX ISA "Sparse matrix storage": equal indices are undefined behaviour.
  return nibble <= 0xF && (nibble & 3u) != (nibble >> 2);
}

namespace {

/// Packs `perWord` nibbles per Word, least-significant first.
template <typename Word>
std::vector<Word> packMmaSp(const std::vector<uint8_t> &pairs,
                            unsigned perWord) {
  if (pairs.size() % (2 * perWord) != 0)
    return {};
  std::vector<Word> words(pairs.size() / (2 * perWord));
  for (size_t g = 0; g < pairs.size() / 2; ++g) {
    uint8_t nibble = mmaSpNibble(pairs[2 * g], pairs[2 * g + 1]);
    if (!isValidMmaSpNibble(nibble))
      return {};
    words[g / perWord] |=
        static_cast<Word>(Word(nibble) << (4 * (g % perWord)));
  }
  return words;
}

} // namespace

std::vector<uint16_t> packMmaSpMetadataF16(const std::vector<uint8_t> &pairs) {
  return packMmaSp<uint16_t>(pairs, 4);
}

std::vector<uint32_t> packMmaSpMetadataI8(const std::vector<uint8_t> &pairs) {
  return packMmaSp<uint32_t>(pairs, 8);
}

} // namespace qsparse::numerics

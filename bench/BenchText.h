//===- BenchText.h - MLIR program text for the benchmarks -------*- C++ -*-===//
//
// Shared by qsparse-bench (CPU, against oneDNN) and qsparse-gpu-bench (GPU,
// against cuBLASLt): random operands and the pieces of the programs' text.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_BENCH_BENCHTEXT_H
#define QSPARSE_BENCH_BENCHTEXT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace qsparse {
namespace bench {

using Rng = std::mt19937_64;

template <typename T>
std::vector<T> randomInts(Rng &rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(n);
  for (T &x : v)
    x = T(dist(rng));
  return v;
}

/// "tensor<2x3xi8>".
inline std::string tensorType(llvm::ArrayRef<int64_t> shape,
                              llvm::StringRef elem) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + elem.str() + ">";
}

/// The hex form of a dense<...> attribute of bytes.
inline std::string hexDense(const std::vector<int8_t> &values) {
  std::string s = "\"0x";
  static const char digits[] = "0123456789ABCDEF";
  for (int8_t v : values) {
    s += digits[uint8_t(v) >> 4];
    s += digits[uint8_t(v) & 15];
  }
  return s + "\"";
}

} // namespace bench
} // namespace qsparse

#endif // QSPARSE_BENCH_BENCHTEXT_H

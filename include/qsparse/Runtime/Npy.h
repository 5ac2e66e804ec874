//===- Npy.h - NumPy .npy file reader and writer ----------------*- C++ -*-===//
//
// Part of the qsparse project.
//
//===----------------------------------------------------------------------===//
//
// Reading and writing of NumPy's .npy array files (format versions 1.0, 2.0
// and 3.0), as used by `qsparse-run` to feed tensors into JIT-compiled MLIR
// functions and to store their results.
//
// Only C-order arrays of the plain numeric dtypes in `DType` are supported.
// Array data is always held in little-endian byte order; big-endian files of
// multi-byte dtypes are rejected rather than byte-swapped.
//
// The writer produces byte-for-byte the same files as `numpy.save` (NumPy
// 1.x) for the same array.
//
//===----------------------------------------------------------------------===//

#ifndef QSPARSE_RUNTIME_NPY_H
#define QSPARSE_RUNTIME_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qsparse {
namespace runtime {

/// Element types that can be stored in a .npy file handled by this library.
enum class DType { Bool, I8, U8, I16, U16, I32, U32, I64, U64, F16, F32, F64 };

/// Returns the NumPy name of `dtype`: "bool", "int8", "uint8", "int16",
/// "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32" or
/// "float64".
llvm::StringRef dtypeName(DType dtype);

/// Returns the DType whose NumPy name (see `dtypeName`) is `name`, or
/// std::nullopt if there is none.
std::optional<DType> dtypeFromName(llvm::StringRef name);

/// Returns the size in bytes of one element of `dtype`.
unsigned dtypeSize(DType dtype);

/// Returns the array-protocol type string that NumPy writes into the header
/// for `dtype`, e.g. "<f4", "|b1" or "|u1".
llvm::StringRef dtypeDescr(DType dtype);

/// An n-dimensional array as stored in a .npy file.
struct NpyArray {
  DType dtype = DType::F32;
  /// Dimensions, outermost first. Empty for a 0-d (scalar) array.
  std::vector<int64_t> shape;
  /// Raw element data in C (row-major) order and little-endian byte order;
  /// its size is numElements() * dtypeSize(dtype).
  std::vector<char> data;

  /// Returns the product of the dimensions (1 for a 0-d array, 0 if any
  /// dimension is 0). The shape must not overflow; arrays produced by
  /// parseNpy never do.
  int64_t numElements() const;
};

/// Parses the contents of a .npy file. `nameForErrors` (usually the file
/// name) prefixes every error message, as in "x.npy: unsupported dtype
/// '<c8'". Never reads outside `bytes`; any malformed, truncated or
/// unsupported input yields an error, as does data after the array.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes,
                                  llvm::StringRef nameForErrors);

/// Reads and parses the .npy file at `path`.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Checks that `array` can be serialized: no negative dimensions, an element
/// count that fits in int64_t, and data of exactly the right size. Messages
/// are prefixed with `nameForErrors`.
llvm::Error verifyNpyArray(const NpyArray &array,
                           llvm::StringRef nameForErrors);

/// Returns the .npy file contents for `array` exactly as `numpy.save` writes
/// them: format version 1.0 if the header fits its 16-bit length field, 2.0
/// otherwise. `array` must satisfy verifyNpyArray.
std::string serializeNpy(const NpyArray &array);

/// Writes `array` to the .npy file at `path`, replacing any existing file.
/// Fails if `array` does not satisfy verifyNpyArray or on I/O errors.
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);

/// Converts an IEEE 754 binary16 value, given by its bit pattern, to float.
/// Exact for every input; NaN payloads are preserved.
float halfToFloat(uint16_t bits);

/// Converts `value` to the bit pattern of the nearest IEEE 754 binary16
/// value, rounding ties to even. Values too large for binary16 become
/// infinities and NaNs stay NaNs (payload truncated, but kept non-zero).
uint16_t floatToHalf(float value);

} // namespace runtime
} // namespace qsparse

#endif // QSPARSE_RUNTIME_NPY_H

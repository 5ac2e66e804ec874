//===- NpyTest.cpp - Tests for the .npy reader and writer -----------------===//
//
// Part of the qsparse project.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Runtime/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace qsparse::runtime;

namespace {

//===----------------------------------------------------------------------===//
// Files written by NumPy 1.24.2 (`f` is an io.BytesIO).
//===----------------------------------------------------------------------===//

// np.save(f, np.arange(3) % 2 == 1)
static const char kNumpyArange3_bool[] =
    "\223NUMPY\001\000v\000{'descr': '|b1', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\001\000";

// np.save(f, np.arange(3).astype(np.int8))
static const char kNumpyArange3_int8[] =
    "\223NUMPY\001\000v\000{'descr': '|i1', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\001\002";

// np.save(f, np.arange(3).astype(np.uint8))
static const char kNumpyArange3_uint8[] =
    "\223NUMPY\001\000v\000{'descr': '|u1', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\001\002";

// np.save(f, np.arange(3).astype(np.int16))
static const char kNumpyArange3_int16[] =
    "\223NUMPY\001\000v\000{'descr': '<i2', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\001\000\002\000";

// np.save(f, np.arange(3).astype(np.uint16))
static const char kNumpyArange3_uint16[] =
    "\223NUMPY\001\000v\000{'descr': '<u2', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\001\000\002\000";

// np.save(f, np.arange(3).astype(np.int32))
static const char kNumpyArange3_int32[] =
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000\000\001\000\000\000\002\000\000\000";

// np.save(f, np.arange(3).astype(np.uint32))
static const char kNumpyArange3_uint32[] =
    "\223NUMPY\001\000v\000{'descr': '<u4', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000\000\001\000\000\000\002\000\000\000";

// np.save(f, np.arange(3).astype(np.int64))
static const char kNumpyArange3_int64[] =
    "\223NUMPY\001\000v\000{'descr': '<i8', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\002\000"
    "\000\000\000\000\000\000";

// np.save(f, np.arange(3).astype(np.uint64))
static const char kNumpyArange3_uint64[] =
    "\223NUMPY\001\000v\000{'descr': '<u8', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\002\000"
    "\000\000\000\000\000\000";

// np.save(f, np.arange(3).astype(np.float16))
static const char kNumpyArange3_float16[] =
    "\223NUMPY\001\000v\000{'descr': '<f2', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000<\000@";

// np.save(f, np.arange(3).astype(np.float32))
static const char kNumpyArange3_float32[] =
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000\000\000\000\200\077\000\000\000@";

// np.save(f, np.arange(3).astype(np.float64))
static const char kNumpyArange3_float64[] =
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, 'shape'"
    ": (3,), }                                                            \012"
    "\000\000\000\000\000\000\000\000\000\000\000\000\000\000\360\077\000\000"
    "\000\000\000\000\000@";

// np.save(f, np.arange(6, dtype=np.int32).reshape(2, 3))
static const char kNumpyInt32_2x3[] =
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': False, 'shape'"
    ": (2, 3), }                                                          \012"
    "\000\000\000\000\001\000\000\000\002\000\000\000\003\000\000\000\004\000"
    "\000\000\005\000\000\000";

// np.save(f, np.array([1.5, -2.0, np.inf, np.nan], dtype=np.float32))
static const char kNumpyFloat32Special[] =
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape'"
    ": (4,), }                                                            \012"
    "\000\000\300\077\000\000\000\300\000\000\200\177\000\000\300\177";

// np.save(f, np.array([[1.0, -0.5], [65504, 2**-24]], dtype=np.float16))
static const char kNumpyFloat16_2x2[] =
    "\223NUMPY\001\000v\000{'descr': '<f2', 'fortran_order': False, 'shape'"
    ": (2, 2), }                                                          \012"
    "\000<\000\270\377{\001\000";

// np.save(f, np.uint8(200))
static const char kNumpyUInt8Scalar[] =
    "\223NUMPY\001\000v\000{'descr': '|u1', 'fortran_order': False, 'shape'"
    ": (), }                                                              \012"
    "\310";

// np.save(f, np.array([[-1], [2**40]], dtype=np.int64))
static const char kNumpyInt64_2x1[] =
    "\223NUMPY\001\000v\000{'descr': '<i8', 'fortran_order': False, 'shape'"
    ": (2, 1), }                                                          \012"
    "\377\377\377\377\377\377\377\377\000\000\000\000\000\001\000\000";

// np.save(f, np.zeros((0, 3)))
static const char kNumpyFloat64Empty_0x3[] =
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, 'shape'"
    ": (0, 3), }                                                          \012";

// np.lib.format.write_array(f, np.array([1, -2], dtype=np.int16), version=(2,
// 0))
static const char kNumpyInt16V2[] =
    "\223NUMPY\002\000t\000\000\000{'descr': '<i2', 'fortran_order': False,"
    " 'shape': (2,), }                                                     "
    "     \012"
    "\001\000\376\377";

// np.lib.format.write_array(f, np.array([1, -2], dtype=np.int16), version=(3,
// 0))
static const char kNumpyInt16V3[] =
    "\223NUMPY\003\000t\000\000\000{'descr': '<i2', 'fortran_order': False,"
    " 'shape': (2,), }                                                     "
    "     \012"
    "\001\000\376\377";

// np.save(f, np.array([1, 2], dtype='>i4'))
static const char kNumpyBigEndianInt32[] =
    "\223NUMPY\001\000v\000{'descr': '>i4', 'fortran_order': False, 'shape'"
    ": (2,), }                                                            \012"
    "\000\000\000\001\000\000\000\002";

// np.save(f, np.array([7, 8], dtype='>u1'))
static const char kNumpyBigEndianUInt8[] =
    "\223NUMPY\001\000v\000{'descr': '|u1', 'fortran_order': False, 'shape'"
    ": (2,), }                                                            \012"
    "\007\010";

// np.save(f, np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))
static const char kNumpyFortranOrder[] =
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': True, 'shape':"
    " (2, 3), }                                                           \012"
    "\000\000\000\000\003\000\000\000\001\000\000\000\004\000\000\000\002\000"
    "\000\000\005\000\000\000";

// np.save(f, np.array([1+2j], dtype=np.complex64))
static const char kNumpyComplex64[] =
    "\223NUMPY\001\000v\000{'descr': '<c8', 'fortran_order': False, 'shape'"
    ": (1,), }                                                            \012"
    "\000\000\200\077\000\000\000@";

// np.save(f, np.zeros(2, dtype=[('x', '<i4'), ('y', '<f4')]))
static const char kNumpyStructured[] =
    "\223NUMPY\001\000v\000{'descr': [('x', '<i4'), ('y', '<f4')], 'fortran"
    "_order': False, 'shape': (2,), }                                     \012"
    "\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000";

template <size_t N> std::string bytesOf(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

const DType kAllDTypes[] = {DType::Bool, DType::I8,  DType::U8,  DType::I16,
                            DType::U16,  DType::I32, DType::U32, DType::I64,
                            DType::U64,  DType::F16, DType::F32, DType::F64};

/// Builds a .npy file around an arbitrary header dict (without alignment
/// padding, which readers must not require).
std::string makeNpy(llvm::StringRef dict, llvm::StringRef data = "",
                    unsigned major = 1) {
  std::string header = dict.str() + "\n";
  std::string result = "\x93NUMPY";
  result += static_cast<char>(major);
  result += '\0';
  unsigned lengthBytes = major == 1 ? 2 : 4;
  for (unsigned i = 0; i < lengthBytes; ++i)
    result += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return result + header + data.str();
}

std::string dictFor(llvm::StringRef descr, llvm::StringRef shape) {
  return ("{'descr': '" + descr +
          "', 'fortran_order': False, 'shape': " + shape + ", }")
      .str();
}

/// Parses `bytes` from an exactly sized heap buffer, so that sanitizers
/// catch any read past its end.
llvm::Expected<NpyArray> parseCopy(llvm::StringRef bytes,
                                   llvm::StringRef name = "x.npy") {
  std::unique_ptr<char[]> copy(new char[bytes.size() + 1]);
  std::memcpy(copy.get(), bytes.data(), bytes.size());
  return parseNpy(llvm::StringRef(copy.get(), bytes.size()), name);
}

/// Checks that an error message is a single line starting with `name`.
void checkMessageShape(const std::string &message, llvm::StringRef name) {
  EXPECT_EQ(message.rfind((name + ": ").str(), 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

/// Parses `bytes` as "x.npy" and returns the error message, or "<no error>".
std::string parseError(llvm::StringRef bytes) {
  llvm::Expected<NpyArray> array = parseCopy(bytes);
  if (array)
    return "<no error>";
  std::string message = llvm::toString(array.takeError());
  checkMessageShape(message, "x.npy");
  return message;
}

#define EXPECT_PARSE_ERROR(bytes, substring)                                   \
  EXPECT_NE(parseError(bytes).find(substring), std::string::npos)              \
      << "expected '" << (substring) << "' in: " << parseError(bytes)

/// Parses `bytes`, failing the test on error.
NpyArray parseOk(llvm::StringRef bytes) {
  llvm::Expected<NpyArray> array = parseCopy(bytes);
  if (!array) {
    ADD_FAILURE() << llvm::toString(array.takeError());
    return NpyArray();
  }
  return std::move(*array);
}

template <typename T> std::vector<T> valuesOf(const NpyArray &array) {
  EXPECT_EQ(array.data.size() % sizeof(T), 0u);
  std::vector<T> values(array.data.size() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), array.data.data(), array.data.size());
  return values;
}

std::vector<float> halfValuesOf(const NpyArray &array) {
  std::vector<float> values;
  for (uint16_t bits : valuesOf<uint16_t>(array))
    values.push_back(halfToFloat(bits));
  return values;
}

/// Returns an array of the given type and shape with arbitrary contents.
NpyArray makeArray(DType dtype, std::vector<int64_t> shape, unsigned seed) {
  NpyArray array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  array.data.resize(array.numElements() * dtypeSize(dtype));
  std::mt19937 rng(seed);
  for (char &byte : array.data)
    byte = static_cast<char>(dtype == DType::Bool ? rng() % 2 : rng());
  return array;
}

void expectSameArray(const NpyArray &actual, const NpyArray &expected) {
  EXPECT_EQ(actual.dtype, expected.dtype);
  EXPECT_EQ(actual.shape, expected.shape);
  EXPECT_EQ(actual.data, expected.data);
}

//===----------------------------------------------------------------------===//
// DType and NpyArray
//===----------------------------------------------------------------------===//

TEST(NpyDTypeTest, NamesSizesAndDescrs) {
  const char *names[] = {"bool",   "int8",    "uint8",   "int16",
                         "uint16", "int32",   "uint32",  "int64",
                         "uint64", "float16", "float32", "float64"};
  const unsigned sizes[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8};
  const char *descrs[] = {"|b1", "|i1", "|u1", "<i2", "<u2", "<i4",
                          "<u4", "<i8", "<u8", "<f2", "<f4", "<f8"};
  for (size_t i = 0; i < std::size(kAllDTypes); ++i) {
    DType dtype = kAllDTypes[i];
    EXPECT_EQ(dtypeName(dtype), names[i]);
    EXPECT_EQ(dtypeSize(dtype), sizes[i]) << names[i];
    EXPECT_EQ(dtypeDescr(dtype), descrs[i]) << names[i];
    EXPECT_EQ(dtypeFromName(names[i]), dtype) << names[i];
  }
  EXPECT_EQ(dtypeFromName("complex64"), std::nullopt);
  EXPECT_EQ(dtypeFromName(""), std::nullopt);
  EXPECT_EQ(dtypeFromName("<f4"), std::nullopt);
}

TEST(NpyArrayTest, NumElements) {
  NpyArray array;
  EXPECT_EQ(array.numElements(), 1);
  array.shape = {0};
  EXPECT_EQ(array.numElements(), 0);
  array.shape = {5};
  EXPECT_EQ(array.numElements(), 5);
  array.shape = {2, 3, 4};
  EXPECT_EQ(array.numElements(), 24);
  int64_t big = std::numeric_limits<int64_t>::max();
  array.shape = {big, big, 0};
  EXPECT_EQ(array.numElements(), 0);
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

TEST(NpyWriterTest, RoundTripsEveryDTypeAndShape) {
  const std::vector<std::vector<int64_t>> shapes = {{}, {0}, {5}, {2, 3, 4}};
  unsigned seed = 0;
  for (DType dtype : kAllDTypes) {
    for (const std::vector<int64_t> &shape : shapes) {
      SCOPED_TRACE(dtypeName(dtype).str() + " with " +
                   std::to_string(shape.size()) + " dims");
      NpyArray array = makeArray(dtype, shape, ++seed);
      std::string bytes = serializeNpy(array);
      // The data starts 64-byte aligned, right after the header.
      EXPECT_EQ((bytes.size() - array.data.size()) % 64, 0u);
      EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
      expectSameArray(parseOk(bytes), array);
    }
  }
}

TEST(NpyWriterTest, HeaderIsByteExactWithNumpy) {
  // np.arange(6, dtype=np.int32).reshape(2, 3)
  NpyArray array;
  array.dtype = DType::I32;
  array.shape = {2, 3};
  for (int32_t i = 0; i < 6; ++i) {
    char bytes[4];
    std::memcpy(bytes, &i, 4);
    array.data.insert(array.data.end(), bytes, bytes + 4);
  }
  std::string serialized = serializeNpy(array);
  ASSERT_EQ(serialized.size(), 128u + 24u);

  std::string dict = "{'descr': '<i4', 'fortran_order': False, "
                     "'shape': (2, 3), }";
  std::string header = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict;
  header.append(127 - header.size(), ' ');
  header += '\n';
  ASSERT_EQ(header.size(), 128u);
  EXPECT_EQ(serialized.substr(0, 128), header);
  EXPECT_EQ(serialized, bytesOf(kNumpyInt32_2x3));
}

TEST(NpyWriterTest, MatchesNumpyForEveryDType) {
  const std::string files[] = {
      bytesOf(kNumpyArange3_bool),    bytesOf(kNumpyArange3_int8),
      bytesOf(kNumpyArange3_uint8),   bytesOf(kNumpyArange3_int16),
      bytesOf(kNumpyArange3_uint16),  bytesOf(kNumpyArange3_int32),
      bytesOf(kNumpyArange3_uint32),  bytesOf(kNumpyArange3_int64),
      bytesOf(kNumpyArange3_uint64),  bytesOf(kNumpyArange3_float16),
      bytesOf(kNumpyArange3_float32), bytesOf(kNumpyArange3_float64)};
  for (size_t i = 0; i < std::size(files); ++i) {
    DType dtype = kAllDTypes[i];
    SCOPED_TRACE(dtypeName(dtype).str());
    NpyArray array = parseOk(files[i]);
    EXPECT_EQ(array.dtype, dtype);
    EXPECT_EQ(array.shape, std::vector<int64_t>{3});
    EXPECT_EQ(serializeNpy(array), files[i]);

    std::vector<double> values;
    switch (dtype) {
    case DType::Bool:
      for (uint8_t v : valuesOf<uint8_t>(array))
        values.push_back(v);
      break;
    case DType::I8:
      for (int8_t v : valuesOf<int8_t>(array))
        values.push_back(v);
      break;
    case DType::U8:
      for (uint8_t v : valuesOf<uint8_t>(array))
        values.push_back(v);
      break;
    case DType::I16:
      for (int16_t v : valuesOf<int16_t>(array))
        values.push_back(v);
      break;
    case DType::U16:
      for (uint16_t v : valuesOf<uint16_t>(array))
        values.push_back(v);
      break;
    case DType::I32:
      for (int32_t v : valuesOf<int32_t>(array))
        values.push_back(v);
      break;
    case DType::U32:
      for (uint32_t v : valuesOf<uint32_t>(array))
        values.push_back(v);
      break;
    case DType::I64:
      for (int64_t v : valuesOf<int64_t>(array))
        values.push_back(static_cast<double>(v));
      break;
    case DType::U64:
      for (uint64_t v : valuesOf<uint64_t>(array))
        values.push_back(static_cast<double>(v));
      break;
    case DType::F16:
      for (float v : halfValuesOf(array))
        values.push_back(v);
      break;
    case DType::F32:
      for (float v : valuesOf<float>(array))
        values.push_back(v);
      break;
    case DType::F64:
      values = valuesOf<double>(array);
      break;
    }
    if (dtype == DType::Bool)
      EXPECT_EQ(values, (std::vector<double>{0, 1, 0}));
    else
      EXPECT_EQ(values, (std::vector<double>{0, 1, 2}));
  }
}

TEST(NpyWriterTest, UsesVersion2OnlyWhenHeaderDoesNotFit) {
  // NumPy (checked with 1.24.2 and numpy.lib.format._write_array_header)
  // switches to version 2.0 between 21817 and 21818 dimensions of size 1.
  for (auto [rank, major] :
       {std::pair<size_t, char>(21817, 1), std::pair<size_t, char>(21818, 2),
        std::pair<size_t, char>(30000, 2)}) {
    SCOPED_TRACE(rank);
    NpyArray array = makeArray(DType::F32, std::vector<int64_t>(rank, 1), 7);
    std::string bytes = serializeNpy(array);
    EXPECT_EQ(bytes[6], major);
    EXPECT_EQ(bytes[7], '\0');
    size_t headerStart = major == 1 ? 10 : 12;
    size_t headerLength = 0;
    for (size_t i = headerStart; i-- > 8;)
      headerLength = headerLength << 8 | static_cast<unsigned char>(bytes[i]);
    EXPECT_EQ(headerStart + headerLength + 4, bytes.size());
    EXPECT_EQ((headerStart + headerLength) % 64, 0u);
    expectSameArray(parseOk(bytes), array);
  }
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

TEST(NpyReaderTest, ReadsNumpyFiles) {
  NpyArray i32 = parseOk(bytesOf(kNumpyInt32_2x3));
  EXPECT_EQ(i32.dtype, DType::I32);
  EXPECT_EQ(i32.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<int32_t>(i32), (std::vector<int32_t>{0, 1, 2, 3, 4, 5}));

  NpyArray f32 = parseOk(bytesOf(kNumpyFloat32Special));
  EXPECT_EQ(f32.dtype, DType::F32);
  EXPECT_EQ(f32.shape, std::vector<int64_t>{4});
  std::vector<float> floats = valuesOf<float>(f32);
  ASSERT_EQ(floats.size(), 4u);
  EXPECT_EQ(floats[0], 1.5f);
  EXPECT_EQ(floats[1], -2.0f);
  EXPECT_EQ(floats[2], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(floats[3]));

  NpyArray f16 = parseOk(bytesOf(kNumpyFloat16_2x2));
  EXPECT_EQ(f16.dtype, DType::F16);
  EXPECT_EQ(f16.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(halfValuesOf(f16),
            (std::vector<float>{1.0f, -0.5f, 65504.0f, std::ldexp(1.0f, -24)}));

  NpyArray u8 = parseOk(bytesOf(kNumpyUInt8Scalar));
  EXPECT_EQ(u8.dtype, DType::U8);
  EXPECT_TRUE(u8.shape.empty());
  EXPECT_EQ(u8.numElements(), 1);
  EXPECT_EQ(valuesOf<uint8_t>(u8), std::vector<uint8_t>{200});
  EXPECT_EQ(serializeNpy(u8), bytesOf(kNumpyUInt8Scalar));

  NpyArray i64 = parseOk(bytesOf(kNumpyInt64_2x1));
  EXPECT_EQ(i64.dtype, DType::I64);
  EXPECT_EQ(i64.shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(valuesOf<int64_t>(i64),
            (std::vector<int64_t>{-1, int64_t(1) << 40}));

  NpyArray empty = parseOk(bytesOf(kNumpyFloat64Empty_0x3));
  EXPECT_EQ(empty.dtype, DType::F64);
  EXPECT_EQ(empty.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty.data.empty());
  EXPECT_EQ(serializeNpy(empty), bytesOf(kNumpyFloat64Empty_0x3));

  // Single-byte types have no byte order, so '>' is harmless.
  NpyArray bigEndianBytes = parseOk(bytesOf(kNumpyBigEndianUInt8));
  EXPECT_EQ(bigEndianBytes.dtype, DType::U8);
  EXPECT_EQ(valuesOf<uint8_t>(bigEndianBytes), (std::vector<uint8_t>{7, 8}));
}

TEST(NpyReaderTest, ReadsFormatVersions2And3) {
  for (const std::string &bytes :
       {bytesOf(kNumpyInt16V2), bytesOf(kNumpyInt16V3)}) {
    NpyArray array = parseOk(bytes);
    EXPECT_EQ(array.dtype, DType::I16);
    EXPECT_EQ(array.shape, std::vector<int64_t>{2});
    EXPECT_EQ(valuesOf<int16_t>(array), (std::vector<int16_t>{1, -2}));
  }
  // A version 2.0 file built by hand, with a header that is not padded.
  NpyArray array = parseOk(makeNpy(dictFor("<u2", "(1,)"), "\x34\x12", 2));
  EXPECT_EQ(valuesOf<uint16_t>(array), std::vector<uint16_t>{0x1234});
}

TEST(NpyReaderTest, AcceptsHeaderVariants) {
  std::string data6(6 * 4, '\0');
  const char *dicts[] = {
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
      "{'fortran_order': False, 'descr': '<f4', 'shape': (2, 3), }",
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",
      "{'descr':'<f4','fortran_order':False,'shape':(2,3,)}",
      ("  {\n 'descr' : '<f4' ,\n\t'fortran_order' : False ,\r\n"
       " 'shape' : ( 2 , 3 ) , }  \n\n"),
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
      "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': '|f4', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3), }",
  };
  for (const char *dict : dicts) {
    SCOPED_TRACE(dict);
    NpyArray array = parseOk(makeNpy(dict, data6));
    EXPECT_EQ(array.dtype, DType::F32);
    EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(array.data.size(), 24u);
  }

  const std::pair<const char *, std::vector<int64_t>> shapes[] = {
      {"()", {}},         {"( )", {}},
      {"(3,)", {3}},      {"(3)", {3}},
      {"(2, 3)", {2, 3}}, {"(1, 1, 1, 3)", {1, 1, 1, 3}},
      {"(0,)", {0}},      {"(3, 0, 5)", {3, 0, 5}},
      {"(+3,)", {3}}};
  for (const auto &[text, shape] : shapes) {
    SCOPED_TRACE(text);
    NpyArray probe;
    probe.shape = shape;
    std::string data(probe.numElements(), '\x01');
    NpyArray array = parseOk(makeNpy(dictFor("|u1", text), data));
    EXPECT_EQ(array.shape, shape);
    EXPECT_EQ(array.data.size(), data.size());
  }

  const std::pair<const char *, DType> descrs[] = {
      {"|b1", DType::Bool}, {"<b1", DType::Bool}, {">b1", DType::Bool},
      {"|i1", DType::I8},   {">i1", DType::I8},   {"|u1", DType::U8},
      {"<i2", DType::I16},  {"=u2", DType::U16},  {"<i4", DType::I32},
      {"<u4", DType::U32},  {"<i8", DType::I64},  {"<u8", DType::U64},
      {"<f2", DType::F16},  {"<f4", DType::F32},  {"<f8", DType::F64}};
  for (const auto &[descr, dtype] : descrs) {
    SCOPED_TRACE(descr);
    std::string data(dtypeSize(dtype), '\0');
    NpyArray array = parseOk(makeNpy(dictFor(descr, "()"), data));
    EXPECT_EQ(array.dtype, dtype);
  }

  // Dimensions of empty arrays may be huge; the element count is still 0.
  NpyArray empty = parseOk(
      makeNpy(dictFor("<f8", "(0, 4611686018427387904, 4611686018427387904)")));
  EXPECT_EQ(empty.numElements(), 0);
  EXPECT_TRUE(empty.data.empty());
}

TEST(NpyReaderTest, RejectsBadMagic) {
  EXPECT_PARSE_ERROR("", "not a .npy file (bad magic string)");
  EXPECT_PARSE_ERROR("hello, world", "bad magic");
  EXPECT_PARSE_ERROR("\x89PNG\r\n\x1a\n0000000000", "bad magic");
  EXPECT_PARSE_ERROR(std::string("\x93NUMPX\x01\x00\x00\x00", 10), "bad magic");
  EXPECT_PARSE_ERROR("NUMPY", "bad magic");
}

TEST(NpyReaderTest, RejectsTruncatedHeader) {
  EXPECT_PARSE_ERROR("\x93", "truncated header: file has only 1 bytes");
  EXPECT_PARSE_ERROR("\x93NUMPY", "truncated header");
  EXPECT_PARSE_ERROR(std::string("\x93NUMPY\x01\x00\x10", 9),
                     "truncated header: file has only 9 bytes");
  EXPECT_PARSE_ERROR(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11),
                     "truncated header: file has only 11 bytes");
}

TEST(NpyReaderTest, RejectsUnsupportedVersion) {
  std::string file = makeNpy(dictFor("<f4", "()"), std::string(4, '\0'));
  file[6] = 4;
  EXPECT_PARSE_ERROR(file, "unsupported .npy format version 4.0");
  file[6] = 1;
  file[7] = 1;
  EXPECT_PARSE_ERROR(file, "unsupported .npy format version 1.1");
}

TEST(NpyReaderTest, RejectsHeaderLengthBeyondFile) {
  std::string file = bytesOf(kNumpyInt32_2x3).substr(0, 100);
  EXPECT_PARSE_ERROR(file, "header length 118 exceeds the remaining file "
                           "size 90");
  std::string v2 = makeNpy(dictFor("<f4", "()"), "", 2);
  v2.replace(8, 4, std::string("\x00\x00\x00\x80", 4));
  EXPECT_PARSE_ERROR(v2, "header length 2147483648 exceeds");
}

TEST(NpyReaderTest, RejectsMalformedDict) {
  const std::pair<const char *, const char *> cases[] = {
      {"", "malformed header: expected '{' but found end of header"},
      {"[]", "malformed header: expected '{' but found '['"},
      {"{", "expected a string but found end of header"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)",
       "expected ',' or '}' but found end of header"},
      {"{'descr' '<f4'}", "expected ':' but found '''"},
      {"{'descr': <f4}", "expected a string but found '<'"},
      {"{'descr': '<f4}", "expected closing ' but found byte 0x0a"},
      {"{'descr': 'a\\'b'}", "expected a simple string literal"},
      {"{descr: '<f4'}", "expected a string but found 'd'"},
      {"{'shape': (2,, 3)}", "expected an integer but found ','"},
      {"{'shape': (2 3)}", "expected ',' or ')' in shape but found '3'"},
      {"{'shape': (2.5,)}", "expected ',' or ')' in shape but found '.'"},
      {"{'shape': (2x,)}", "expected an integer but found 'x'"},
      {"{'shape': [2, 3]}", "expected '(' but found '['"},
      {"{'shape': 6}", "expected '(' but found '6'"},
      {"{'shape': (2, 3}", "expected ',' or ')' in shape but found '}'"},
      {"{'fortran_order': false}", "expected True or False but found 'f'"},
      {"{'fortran_order': Falsey}", "expected True or False"},
      {"{'fortran_order': 0}", "expected True or False"},
      {"{'descr': '<f4',, }", "expected a string but found ','"},
      {"{'descr': '<f4' 'shape': ()}", "expected ',' or '}' but found '''"},
      {"{} {}", "expected end of header after '}' but found '{' at header "
                "offset 3"},
      {"{'descr': '<f4'}\x01", "but found byte 0x01"},
      {"{\xff}", "expected a string but found byte 0xff"},
      {"{'shape': (99999999999999999999,)}",
       "shape dimension does not fit in 64 bits"},
  };
  for (const auto &[dict, message] : cases) {
    SCOPED_TRACE(dict);
    EXPECT_PARSE_ERROR(makeNpy(dict), message);
  }
  // A NUL inside the header.
  EXPECT_PARSE_ERROR(makeNpy(llvm::StringRef("{\0}", 3)),
                     "expected a string but found byte 0x00");
}

TEST(NpyReaderTest, RejectsMissingUnexpectedAndDuplicateKeys) {
  EXPECT_PARSE_ERROR(makeNpy("{}"), "x.npy: missing key 'descr' in header");
  EXPECT_PARSE_ERROR(makeNpy("{'descr': '<f4', 'shape': ()}"),
                     "missing key 'fortran_order' in header");
  EXPECT_PARSE_ERROR(makeNpy("{'descr': '<f4', 'fortran_order': False}"),
                     "missing key 'shape' in header");
  EXPECT_PARSE_ERROR(
      makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), "
              "'extra': 1}"),
      "unexpected key 'extra' in header");
  EXPECT_PARSE_ERROR(
      makeNpy("{'descr': '<f4', 'fortran_order': False, 'descr': '<f4'}"),
      "duplicate key 'descr' in header");
  EXPECT_PARSE_ERROR(makeNpy("{'shape': (), 'shape': ()}"),
                     "duplicate key 'shape' in header");
}

TEST(NpyReaderTest, RejectsUnsupportedDTypes) {
  EXPECT_PARSE_ERROR(bytesOf(kNumpyComplex64),
                     "x.npy: unsupported dtype '<c8'");
  EXPECT_PARSE_ERROR(bytesOf(kNumpyStructured),
                     "unsupported dtype: structured arrays are not supported");
  const std::pair<const char *, const char *> cases[] = {
      {"<U3", "unsupported dtype '<U3'"},
      {"|O", "unsupported dtype '|O'"},
      {"<f16", "unsupported dtype '<f16'"},
      {"<i3", "unsupported dtype '<i3'"},
      {"", "unsupported dtype ''"},
      {"<", "unsupported dtype '<'"},
      {"<f4 ", "unsupported dtype '<f4 '"},
      {"\x01\x02", "unsupported dtype '\\01\\02'"},
      {"<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "unsupported dtype '<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
  };
  for (const auto &[descr, message] : cases) {
    SCOPED_TRACE(descr);
    EXPECT_PARSE_ERROR(makeNpy(dictFor(descr, "()"), std::string(8, '\0')),
                       message);
  }
}

TEST(NpyReaderTest, RejectsBigEndianMultiByteData) {
  EXPECT_PARSE_ERROR(bytesOf(kNumpyBigEndianInt32),
                     "x.npy: big-endian data is not supported (dtype '>i4')");
  for (const char *descr :
       {">i2", ">u2", ">u4", ">i8", ">u8", ">f2", ">f4", ">f8"})
    EXPECT_PARSE_ERROR(makeNpy(dictFor(descr, "()"), std::string(8, '\0')),
                       "big-endian data is not supported");
}

TEST(NpyReaderTest, RejectsFortranOrder) {
  EXPECT_EQ(parseError(bytesOf(kNumpyFortranOrder)),
            "x.npy: Fortran-order arrays are not supported; save with C "
            "order");
  EXPECT_PARSE_ERROR(
      makeNpy("{'descr': '<i4', 'fortran_order': True, 'shape': ()}",
              std::string(4, '\0')),
      "Fortran-order arrays are not supported");
}

TEST(NpyReaderTest, RejectsBadShapes) {
  EXPECT_EQ(parseError(makeNpy(dictFor("<f4", "(2, -3)"))),
            "x.npy: negative dimension -3 in shape (2, -3)");
  EXPECT_PARSE_ERROR(makeNpy(dictFor("<f4", "(-1,)")),
                     "negative dimension -1 in shape (-1,)");
  EXPECT_PARSE_ERROR(makeNpy(dictFor("|u1", "(4294967296, 4294967296)")),
                     "element count overflow for shape (4294967296, "
                     "4294967296)");
  EXPECT_PARSE_ERROR(makeNpy(dictFor("|u1", "(9223372036854775807, 2)")),
                     "element count overflow");
  EXPECT_PARSE_ERROR(makeNpy(dictFor("<f8", "(2305843009213693952, 2)")),
                     "data size overflow for shape (2305843009213693952, 2) "
                     "of float64");
  // Large but representable sizes fail cleanly on the missing data.
  EXPECT_PARSE_ERROR(makeNpy(dictFor("<f8", "(1152921504606846975,)")),
                     "truncated data: expected 9223372036854775800 bytes, "
                     "found 0");
}

TEST(NpyReaderTest, RejectsTruncatedAndTrailingData) {
  std::string file = bytesOf(kNumpyInt32_2x3);
  EXPECT_EQ(parseError(file.substr(0, file.size() - 4)),
            "x.npy: truncated data: expected 24 bytes, found 20");
  EXPECT_EQ(parseError(file.substr(0, 128)),
            "x.npy: truncated data: expected 24 bytes, found 0");
  EXPECT_EQ(parseError(file + "!"),
            "x.npy: trailing data: expected 24 bytes, found 25");
  EXPECT_EQ(parseError(makeNpy(dictFor("<f4", "(0,)"), "abcd")),
            "x.npy: trailing data: expected 0 bytes, found 4");
  EXPECT_EQ(parseError(makeNpy(dictFor("<f2", "()"), "a")),
            "x.npy: truncated data: expected 2 bytes, found 1");
}

TEST(NpyReaderTest, UsesNameInMessages) {
  llvm::Expected<NpyArray> array = parseNpy("junk", "dir/input 1.npy");
  ASSERT_FALSE(static_cast<bool>(array));
  EXPECT_EQ(llvm::toString(array.takeError()),
            "dir/input 1.npy: not a .npy file (bad magic string)");
}

//===----------------------------------------------------------------------===//
// Robustness
//===----------------------------------------------------------------------===//

std::vector<std::string> fuzzSeeds() {
  std::vector<std::string> seeds = {
      bytesOf(kNumpyInt32_2x3),
      bytesOf(kNumpyFloat16_2x2),
      bytesOf(kNumpyUInt8Scalar),
      bytesOf(kNumpyFloat64Empty_0x3),
      bytesOf(kNumpyInt16V2),
      bytesOf(kNumpyInt16V3),
      bytesOf(kNumpyArange3_bool),
      bytesOf(kNumpyArange3_uint64),
      bytesOf(kNumpyFortranOrder),
      bytesOf(kNumpyStructured),
      makeNpy(dictFor("|u1", "(2L, 3L)"), "abcdef")};
  seeds.push_back(serializeNpy(makeArray(DType::F64, {2, 3, 4}, 1)));
  return seeds;
}

/// Checks that the result of parsing arbitrary bytes is a consistent array
/// or a well-formed error.
void checkParseResult(llvm::StringRef bytes) {
  llvm::Expected<NpyArray> array = parseCopy(bytes);
  if (!array) {
    checkMessageShape(llvm::toString(array.takeError()), "x.npy");
    return;
  }
  for (int64_t dim : array->shape)
    EXPECT_GE(dim, 0);
  EXPECT_EQ(array->data.size(), static_cast<uint64_t>(array->numElements()) *
                                    dtypeSize(array->dtype));
  EXPECT_LE(array->data.size(), bytes.size());
}

TEST(NpyFuzzTest, EveryTruncationIsAnError) {
  for (const std::string &seed : fuzzSeeds()) {
    for (size_t length = 0; length < seed.size(); ++length) {
      SCOPED_TRACE(length);
      llvm::Expected<NpyArray> array = parseCopy(seed.substr(0, length));
      ASSERT_FALSE(static_cast<bool>(array));
      checkMessageShape(llvm::toString(array.takeError()), "x.npy");
    }
  }
}

TEST(NpyFuzzTest, RandomMutationsNeverCrash) {
  std::vector<std::string> seeds = fuzzSeeds();
  std::mt19937 rng(12345);
  const char interesting[] = "{}()[],:'\" -0123456789LTrueFals<>|=bifu\n\0\xff";
  int parsed = 0;
  for (int iteration = 0; iteration < 30000; ++iteration) {
    std::string bytes = seeds[rng() % seeds.size()];
    unsigned numMutations = 1 + rng() % 4;
    for (unsigned m = 0; m < numMutations && !bytes.empty(); ++m) {
      // Mostly mutate the header, where the parsing happens.
      size_t limit =
          rng() % 4 ? std::min<size_t>(bytes.size(), 140) : bytes.size();
      size_t pos = rng() % limit;
      switch (rng() % 5) {
      case 0:
        bytes[pos] = static_cast<char>(rng());
        break;
      case 1:
        bytes[pos] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 2:
        bytes[pos] = interesting[rng() % (sizeof(interesting) - 1)];
        break;
      case 3:
        bytes.erase(pos, 1 + rng() % 8);
        break;
      case 4:
        bytes.insert(pos, 1 + rng() % 8,
                     interesting[rng() % (sizeof(interesting) - 1)]);
        break;
      }
    }
    checkParseResult(bytes);
    if (HasFailure()) {
      ADD_FAILURE() << "iteration " << iteration;
      return;
    }
    llvm::Expected<NpyArray> array = parseCopy(bytes);
    if (array)
      ++parsed;
    else
      llvm::consumeError(array.takeError());
  }
  // Some mutations (e.g. of data bytes or padding) leave valid files.
  EXPECT_GT(parsed, 0);
}

TEST(NpyFuzzTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(54321);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string bytes(rng() % 200, '\0');
    for (char &byte : bytes)
      byte = static_cast<char>(rng());
    // Often start with a valid preamble so that the header parser runs.
    if (rng() % 2 && bytes.size() >= 10) {
      std::memcpy(&bytes[0], "\x93NUMPY\x01\x00", 8);
      size_t length = rng() % (bytes.size() - 9);
      bytes[8] = static_cast<char>(length & 0xff);
      bytes[9] = '\0';
    }
    checkParseResult(bytes);
  }
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

TEST(NpyFileTest, WritesAndReadsFiles) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("npytest", "npy", path));
  NpyArray array = makeArray(DType::F16, {3, 4}, 99);
  llvm::Error writeError = writeNpy(path, array);
  ASSERT_FALSE(static_cast<bool>(writeError))
      << llvm::toString(std::move(writeError));
  llvm::Expected<NpyArray> read = readNpy(path);
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  expectSameArray(*read, array);

  // Overwriting replaces the old contents completely.
  NpyArray scalar = makeArray(DType::Bool, {}, 3);
  ASSERT_FALSE(static_cast<bool>(writeNpy(path, scalar)));
  read = readNpy(path);
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  expectSameArray(*read, scalar);
  llvm::sys::fs::remove(path);
}

TEST(NpyFileTest, ReportsFileErrors) {
  std::string missing = "/nonexistent-qsparse-dir/in.npy";
  llvm::Expected<NpyArray> read = readNpy(missing);
  ASSERT_FALSE(static_cast<bool>(read));
  std::string message = llvm::toString(read.takeError());
  checkMessageShape(message, missing);
  EXPECT_NE(message.find("cannot read file"), std::string::npos) << message;

  llvm::Error writeError = writeNpy(missing, makeArray(DType::I32, {2}, 1));
  ASSERT_TRUE(static_cast<bool>(writeError));
  message = llvm::toString(std::move(writeError));
  checkMessageShape(message, missing);
  EXPECT_NE(message.find("cannot open file for writing"), std::string::npos)
      << message;
}

TEST(NpyFileTest, RejectsInconsistentArrays) {
  NpyArray array = makeArray(DType::I32, {2}, 1);
  array.data.pop_back();
  EXPECT_EQ(llvm::toString(verifyNpyArray(array, "out.npy")),
            "out.npy: data size 7 does not match shape (2,) of int32 "
            "(expected 8 bytes)");
  // Nothing is written for an invalid array.
  std::string path = "/nonexistent-qsparse-dir/out.npy";
  EXPECT_EQ(llvm::toString(writeNpy(path, array)),
            path + ": data size 7 does not match shape (2,) of int32 "
                   "(expected 8 bytes)");

  array.shape = {-2};
  EXPECT_EQ(llvm::toString(verifyNpyArray(array, "out.npy")),
            "out.npy: negative dimension -2 in shape (-2,)");
  array.shape = {int64_t(1) << 62, 4};
  EXPECT_EQ(llvm::toString(verifyNpyArray(array, "out.npy")),
            "out.npy: element count overflow for shape (4611686018427387904, "
            "4)");
  EXPECT_FALSE(static_cast<bool>(
      verifyNpyArray(makeArray(DType::U64, {2, 0, 3}, 1), "out.npy")));
}

//===----------------------------------------------------------------------===//
// Float16
//===----------------------------------------------------------------------===//

uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float floatFromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

TEST(NpyHalfTest, KnownValues) {
  EXPECT_EQ(halfToFloat(0x0000), 0.0f);
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(halfToFloat(0xc000), -2.0f);
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(halfToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7c01)));
  EXPECT_TRUE(std::isnan(halfToFloat(0xffff)));

  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(1.0f / 3.0f), 0x3555);
  EXPECT_EQ(floatToHalf(0.1f), 0x2e66);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.99f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(floatToHalf(-1e10f), 0xfc00);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::max()), 0x7c00);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(floatToHalf(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(floatToHalf(-std::ldexp(1.0f, -30)), 0x8000);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(floatToHalf(std::nextafter(std::ldexp(1.0f, -14), 0.0f)), 0x0400);
  // Ties that round up into the next binade.
  EXPECT_EQ(floatToHalf(1.0f - std::ldexp(1.0f, -12)), 0x3c00);
  EXPECT_EQ(floatToHalf(2.0f - std::ldexp(1.0f, -11)), 0x4000);
  EXPECT_EQ(floatToHalf(std::nanf("")) & 0x7fff, 0x7e00);
  // NaNs whose payload lies entirely in the low float bits stay NaN.
  uint16_t nan = floatToHalf(floatFromBits(0xff800001));
  EXPECT_TRUE(std::isnan(halfToFloat(nan)));
  EXPECT_EQ(nan & 0x8000, 0x8000);
}

TEST(NpyHalfTest, ExhaustiveRoundTrip) {
  for (uint32_t i = 0; i <= 0xffff; ++i) {
    uint16_t bits = static_cast<uint16_t>(i);
    float value = halfToFloat(bits);
    bool isNaN = (bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0;
    ASSERT_EQ(std::isnan(value), isNaN) << std::hex << i;
    ASSERT_EQ(std::signbit(value), (bits & 0x8000) != 0) << std::hex << i;
    // Every half is exactly representable, so conversion back is exact;
    // NaNs keep their payload.
    ASSERT_EQ(floatToHalf(value), bits) << std::hex << i;
    if (isNaN) {
      ASSERT_TRUE(std::isnan(halfToFloat(floatToHalf(value))));
    }
  }
}

TEST(NpyHalfTest, RoundsToNearestEvenEverywhere) {
  // For each pair of adjacent finite halves, the midpoint rounds to the even
  // one and anything off the midpoint to the nearer one.
  for (uint16_t low = 0; low < 0x7bff; ++low) {
    uint16_t high = low + 1;
    float lowValue = halfToFloat(low);
    float highValue = halfToFloat(high);
    float mid = (lowValue + highValue) / 2; // Exact in float.
    uint16_t even = (low & 1) ? high : low;
    for (float sign : {1.0f, -1.0f}) {
      uint16_t signBit = sign < 0 ? 0x8000 : 0;
      ASSERT_EQ(floatToHalf(sign * mid), even | signBit) << std::hex << low;
      ASSERT_EQ(floatToHalf(sign * std::nextafter(mid, 0.0f)), low | signBit)
          << std::hex << low;
      ASSERT_EQ(floatToHalf(sign * std::nextafter(mid, 1e30f)), high | signBit)
          << std::hex << low;
      ASSERT_EQ(floatToHalf(sign * lowValue), low | signBit) << low;
    }
  }
  // Above the largest finite half.
  float maxHalf = halfToFloat(0x7bff);
  float overflowMid = maxHalf + 16;
  EXPECT_EQ(floatToHalf(overflowMid), 0x7c00);
  EXPECT_EQ(floatToHalf(std::nextafter(overflowMid, 0.0f)), 0x7bff);
  EXPECT_EQ(floatBits(halfToFloat(floatToHalf(overflowMid))),
            floatBits(std::numeric_limits<float>::infinity()));
}

} // namespace

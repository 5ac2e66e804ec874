//===- Npy.cpp - NumPy .npy file reader and writer ------------------------===//
//
// Part of the qsparse project.
//
//===----------------------------------------------------------------------===//
//
// The .npy format (see numpy/lib/format.py) is:
//
//   "\x93NUMPY" major minor header-length header data
//
// where header-length is a little-endian uint16 for version 1.0 and a uint32
// for versions 2.0 and 3.0, and the header is the repr of a Python dict with
// the keys 'descr', 'fortran_order' and 'shape', padded with spaces and
// terminated by a newline so that the data starts 64-byte aligned.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Runtime/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <limits>

using namespace llvm;

namespace qsparse {
namespace runtime {

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

static constexpr DType kAllDTypes[] = {
    DType::Bool, DType::I8,  DType::U8,  DType::I16, DType::U16, DType::I32,
    DType::U32,  DType::I64, DType::U64, DType::F16, DType::F32, DType::F64};

StringRef dtypeName(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "bool";
  case DType::I8:
    return "int8";
  case DType::U8:
    return "uint8";
  case DType::I16:
    return "int16";
  case DType::U16:
    return "uint16";
  case DType::I32:
    return "int32";
  case DType::U32:
    return "uint32";
  case DType::I64:
    return "int64";
  case DType::U64:
    return "uint64";
  case DType::F16:
    return "float16";
  case DType::F32:
    return "float32";
  case DType::F64:
    return "float64";
  }
  llvm_unreachable("invalid DType");
}

std::optional<DType> dtypeFromName(StringRef name) {
  for (DType dtype : kAllDTypes)
    if (dtypeName(dtype) == name)
      return dtype;
  return std::nullopt;
}

unsigned dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::Bool:
  case DType::I8:
  case DType::U8:
    return 1;
  case DType::I16:
  case DType::U16:
  case DType::F16:
    return 2;
  case DType::I32:
  case DType::U32:
  case DType::F32:
    return 4;
  case DType::I64:
  case DType::U64:
  case DType::F64:
    return 8;
  }
  llvm_unreachable("invalid DType");
}

StringRef dtypeDescr(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "|b1";
  case DType::I8:
    return "|i1";
  case DType::U8:
    return "|u1";
  case DType::I16:
    return "<i2";
  case DType::U16:
    return "<u2";
  case DType::I32:
    return "<i4";
  case DType::U32:
    return "<u4";
  case DType::I64:
    return "<i8";
  case DType::U64:
    return "<u8";
  case DType::F16:
    return "<f2";
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  }
  llvm_unreachable("invalid DType");
}

/// Maps a type code without byte-order character ("f4", "b1", ...) to a DType.
static std::optional<DType> dtypeFromTypeCode(StringRef code) {
  for (DType dtype : kAllDTypes)
    if (dtypeDescr(dtype).drop_front() == code)
      return dtype;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// NpyArray
//===----------------------------------------------------------------------===//

int64_t NpyArray::numElements() const {
  if (is_contained(shape, 0))
    return 0;
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static Error makeError(StringRef name, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), name + ": " + msg);
}

/// Quotes untrusted text from a file for an error message: escapes
/// non-printable characters (keeping the message on one line) and truncates
/// long strings.
static std::string quoteForMessage(StringRef text) {
  constexpr size_t kMaxLength = 40;
  std::string result;
  raw_string_ostream os(result);
  os << '\'';
  printEscapedString(text.take_front(kMaxLength), os);
  if (text.size() > kMaxLength)
    os << "...";
  os << '\'';
  return result;
}

/// Formats a shape the way Python prints a tuple: "()", "(5,)", "(2, 3)".
static std::string shapeRepr(ArrayRef<int64_t> shape) {
  std::string result = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i != 0)
      result += ", ";
    result += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    result += ',';
  result += ')';
  return result;
}

/// Computes the number of elements and the number of data bytes of an array,
/// or fails with a message prefixed with `name`.
static Error computeSizes(StringRef name, ArrayRef<int64_t> shape, DType dtype,
                          int64_t &numElements, int64_t &numBytes) {
  for (int64_t dim : shape)
    if (dim < 0)
      return makeError(name, "negative dimension " + Twine(dim) + " in shape " +
                                 shapeRepr(shape));
  numElements = 1;
  if (is_contained(shape, 0)) {
    numElements = 0;
  } else {
    for (int64_t dim : shape)
      if (MulOverflow(numElements, dim, numElements))
        return makeError(name, "element count overflow for shape " +
                                   shapeRepr(shape));
  }
  if (MulOverflow(numElements, static_cast<int64_t>(dtypeSize(dtype)),
                  numBytes) ||
      static_cast<uint64_t>(numBytes) > std::numeric_limits<size_t>::max())
    return makeError(name, "data size overflow for shape " + shapeRepr(shape) +
                               " of " + dtypeName(dtype));
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Header parsing
//===----------------------------------------------------------------------===//

namespace {

/// The contents of a .npy header dict. Fields are unset until their key has
/// been seen.
struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortranOrder;
  std::optional<std::vector<int64_t>> shape;
};

/// A parser for the small subset of Python literal syntax that appears in
/// .npy headers: a dict with string keys whose values are strings, booleans
/// or tuples of integers. On failure, `error` holds a one-line message.
class HeaderParser {
public:
  explicit HeaderParser(StringRef text) : text(text) {}

  bool parse(NpyHeader &header);
  const std::string &getError() const { return error; }

private:
  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }
  static bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
  }
  static bool isIdentifierChar(char c) { return isAlnum(c) || c == '_'; }
  void skipSpace() {
    while (!atEnd() && isSpace(text[pos]))
      ++pos;
  }

  /// Describes the next character for error messages.
  std::string describeNext() const;
  /// Records a syntax error at the current position; always returns false.
  bool failSyntax(const Twine &expected);
  /// Records an error with the given message; always returns false.
  bool fail(const Twine &msg);

  bool expect(char c);
  bool parseString(std::string &result);
  bool parseBool(bool &result);
  bool parseInt(int64_t &result);
  bool parseShape(std::vector<int64_t> &result);
  bool parseEntry(NpyHeader &header);

  StringRef text;
  size_t pos = 0;
  std::string error;
};

} // namespace

std::string HeaderParser::describeNext() const {
  if (atEnd())
    return "end of header";
  char c = text[pos];
  if (isPrint(c))
    return (Twine("'") + Twine(c) + "'").str();
  return "byte 0x" + utohexstr(static_cast<unsigned char>(c),
                               /*LowerCase=*/true,
                               /*Width=*/2);
}

bool HeaderParser::failSyntax(const Twine &expected) {
  return fail("malformed header: expected " + expected + " but found " +
              describeNext() + " at header offset " + Twine(pos));
}

bool HeaderParser::fail(const Twine &msg) {
  if (error.empty())
    error = msg.str();
  return false;
}

bool HeaderParser::expect(char c) {
  skipSpace();
  if (peek() != c || atEnd())
    return failSyntax(Twine("'") + Twine(c) + "'");
  ++pos;
  return true;
}

bool HeaderParser::parseString(std::string &result) {
  skipSpace();
  char quote = peek();
  if (atEnd() || (quote != '\'' && quote != '"'))
    return failSyntax("a string");
  size_t start = ++pos;
  while (!atEnd() && text[pos] != quote) {
    // Escapes never occur in the strings of valid headers, and Python string
    // literals cannot span lines.
    if (text[pos] == '\\')
      return failSyntax("a simple string literal");
    if (text[pos] == '\n' || text[pos] == '\r')
      break;
    ++pos;
  }
  if (atEnd() || text[pos] != quote)
    return failSyntax(Twine("closing ") + Twine(quote));
  result = text.slice(start, pos).str();
  ++pos;
  return true;
}

bool HeaderParser::parseBool(bool &result) {
  skipSpace();
  StringRef rest = text.substr(pos);
  for (auto [word, value] : {std::pair<StringRef, bool>("True", true),
                             std::pair<StringRef, bool>("False", false)}) {
    if (rest.starts_with(word) &&
        (rest.size() == word.size() || !isIdentifierChar(rest[word.size()]))) {
      pos += word.size();
      result = value;
      return true;
    }
  }
  return failSyntax("True or False");
}

bool HeaderParser::parseInt(int64_t &result) {
  skipSpace();
  bool negative = false;
  if (peek() == '-' || peek() == '+') {
    negative = peek() == '-';
    ++pos;
    skipSpace();
  }
  if (!isDigit(peek()))
    return failSyntax("an integer");
  uint64_t magnitude = 0;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  while (isDigit(peek())) {
    uint64_t digit = peek() - '0';
    if (magnitude > (kMax - digit) / 10)
      return fail("shape dimension does not fit in 64 bits");
    magnitude = magnitude * 10 + digit;
    ++pos;
  }
  // Python 2 versions of NumPy wrote long integers as e.g. "3L".
  if (peek() == 'L' || peek() == 'l')
    ++pos;
  if (isIdentifierChar(peek()))
    return failSyntax("an integer");
  result = negative ? -static_cast<int64_t>(magnitude)
                    : static_cast<int64_t>(magnitude);
  return true;
}

bool HeaderParser::parseShape(std::vector<int64_t> &result) {
  result.clear();
  if (!expect('('))
    return false;
  skipSpace();
  if (peek() == ')') {
    ++pos;
    return true;
  }
  while (true) {
    int64_t dim = 0;
    if (!parseInt(dim))
      return false;
    result.push_back(dim);
    skipSpace();
    if (peek() == ',') {
      ++pos;
      skipSpace();
      if (peek() == ')') {
        ++pos;
        return true;
      }
      continue;
    }
    if (peek() == ')') {
      ++pos;
      return true;
    }
    return failSyntax("',' or ')' in shape");
  }
}

bool HeaderParser::parseEntry(NpyHeader &header) {
  std::string key;
  if (!parseString(key))
    return false;
  if (!expect(':'))
    return false;
  auto duplicate = [&] {
    return fail("duplicate key " + quoteForMessage(key) + " in header");
  };
  if (key == "descr") {
    if (header.descr)
      return duplicate();
    skipSpace();
    if (peek() == '[')
      return fail("unsupported dtype: structured arrays are not supported");
    std::string descr;
    if (!parseString(descr))
      return false;
    header.descr = std::move(descr);
    return true;
  }
  if (key == "fortran_order") {
    if (header.fortranOrder)
      return duplicate();
    bool fortranOrder = false;
    if (!parseBool(fortranOrder))
      return false;
    header.fortranOrder = fortranOrder;
    return true;
  }
  if (key == "shape") {
    if (header.shape)
      return duplicate();
    std::vector<int64_t> shape;
    if (!parseShape(shape))
      return false;
    header.shape = std::move(shape);
    return true;
  }
  return fail("unexpected key " + quoteForMessage(key) + " in header");
}

bool HeaderParser::parse(NpyHeader &header) {
  if (!expect('{'))
    return false;
  skipSpace();
  if (peek() != '}') {
    while (true) {
      if (!parseEntry(header))
        return false;
      skipSpace();
      if (peek() == ',') {
        ++pos;
        skipSpace();
        if (peek() == '}')
          break;
        continue;
      }
      if (peek() == '}')
        break;
      return failSyntax("',' or '}'");
    }
  }
  ++pos; // The closing '}'.
  skipSpace();
  if (!atEnd())
    return failSyntax("end of header after '}'");
  return true;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

static constexpr char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicSize = sizeof(kMagic) - 1;
static constexpr size_t kArrayAlign = 64;
/// Extra header space NumPy reserves for growing the first dimension.
static constexpr size_t kGrowthAxisMaxDigits = 21;

static uint32_t readLittleEndian(StringRef bytes) {
  uint32_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

Expected<NpyArray> parseNpy(StringRef bytes, StringRef nameForErrors) {
  StringRef name = nameForErrors;
  StringRef magic(kMagic, kMagicSize);
  if (bytes.empty() || !bytes.starts_with(magic.take_front(bytes.size())))
    return makeError(name, "not a .npy file (bad magic string)");
  if (bytes.size() < kMagicSize + 2)
    return makeError(name, "truncated header: file has only " +
                               Twine(bytes.size()) + " bytes");

  unsigned major = static_cast<unsigned char>(bytes[kMagicSize]);
  unsigned minor = static_cast<unsigned char>(bytes[kMagicSize + 1]);
  size_t lengthFieldSize;
  if (major == 1 && minor == 0)
    lengthFieldSize = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lengthFieldSize = 4;
  else
    return makeError(name, "unsupported .npy format version " + Twine(major) +
                               "." + Twine(minor));
  size_t headerStart = kMagicSize + 2 + lengthFieldSize;
  if (bytes.size() < headerStart)
    return makeError(name, "truncated header: file has only " +
                               Twine(bytes.size()) + " bytes");
  uint64_t headerLength =
      readLittleEndian(bytes.slice(kMagicSize + 2, headerStart));
  if (headerLength > bytes.size() - headerStart)
    return makeError(name, "truncated header: header length " +
                               Twine(headerLength) +
                               " exceeds the remaining file size " +
                               Twine(bytes.size() - headerStart));

  NpyHeader header;
  HeaderParser parser(bytes.substr(headerStart, headerLength));
  if (!parser.parse(header))
    return makeError(name, parser.getError());
  for (auto [present, key] :
       {std::pair<bool, StringRef>(header.descr.has_value(), "descr"),
        std::pair<bool, StringRef>(header.fortranOrder.has_value(),
                                   "fortran_order"),
        std::pair<bool, StringRef>(header.shape.has_value(), "shape")})
    if (!present)
      return makeError(name, "missing key '" + key + "' in header");

  // Decode the dtype. NumPy always writes a byte-order character, but
  // np.dtype() also accepts type strings without one.
  StringRef descr = *header.descr;
  StringRef typeCode = descr;
  char byteOrder = '=';
  if (!typeCode.empty() && StringRef("<>|=").contains(typeCode.front())) {
    byteOrder = typeCode.front();
    typeCode = typeCode.drop_front();
  }
  std::optional<DType> dtype = dtypeFromTypeCode(typeCode);
  if (!dtype)
    return makeError(name, "unsupported dtype " + quoteForMessage(descr));
  if (byteOrder == '>' && dtypeSize(*dtype) > 1)
    return makeError(name, "big-endian data is not supported (dtype " +
                               quoteForMessage(descr) + ")");
  static_assert(llvm::endianness::native == llvm::endianness::little,
                "'=' byte order is only little-endian on little-endian hosts");

  if (*header.fortranOrder)
    return makeError(
        name, "Fortran-order arrays are not supported; save with C order");

  NpyArray array;
  array.dtype = *dtype;
  array.shape = std::move(*header.shape);
  int64_t numElements, numBytes;
  if (Error err =
          computeSizes(name, array.shape, array.dtype, numElements, numBytes))
    return err;

  StringRef data = bytes.substr(headerStart + headerLength);
  uint64_t expected = static_cast<uint64_t>(numBytes);
  if (data.size() < expected)
    return makeError(name, "truncated data: expected " + Twine(expected) +
                               " bytes, found " + Twine(data.size()));
  if (data.size() > expected)
    return makeError(name, "trailing data: expected " + Twine(expected) +
                               " bytes, found " + Twine(data.size()));
  array.data.assign(data.begin(), data.end());
  return array;
}

Expected<NpyArray> readNpy(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(path, "cannot read file: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

Error verifyNpyArray(const NpyArray &array, StringRef nameForErrors) {
  int64_t numElements, numBytes;
  if (Error err = computeSizes(nameForErrors, array.shape, array.dtype,
                               numElements, numBytes))
    return err;
  if (array.data.size() != static_cast<uint64_t>(numBytes))
    return makeError(nameForErrors, "data size " + Twine(array.data.size()) +
                                        " does not match shape " +
                                        shapeRepr(array.shape) + " of " +
                                        dtypeName(array.dtype) + " (expected " +
                                        Twine(numBytes) + " bytes)");
  return Error::success();
}

/// Returns everything before the data: magic string, version, header length
/// and padded header, exactly as numpy.lib.format._write_array_header does.
static std::string serializeHeader(const NpyArray &array) {
  std::string dict =
      "{'descr': '" + dtypeDescr(array.dtype).str() +
      "', 'fortran_order': False, 'shape': " + shapeRepr(array.shape) + ", }";
  // Spare space so that the first dimension can grow in place.
  if (!array.shape.empty()) {
    size_t digits = std::to_string(array.shape.front()).size();
    if (digits < kGrowthAxisMaxDigits)
      dict.append(kGrowthAxisMaxDigits - digits, ' ');
  }

  // The dict is followed by padding spaces and a newline such that the data
  // starts aligned; NumPy always adds at least one space.
  size_t unpadded = dict.size() + 1;
  auto paddedLength = [&](size_t lengthFieldSize) {
    size_t prefix = kMagicSize + 2 + lengthFieldSize;
    return unpadded + kArrayAlign - (prefix + unpadded) % kArrayAlign;
  };
  unsigned major = 1;
  size_t lengthFieldSize = 2;
  size_t headerLength = paddedLength(2);
  if (headerLength > std::numeric_limits<uint16_t>::max()) {
    major = 2;
    lengthFieldSize = 4;
    headerLength = paddedLength(4);
    assert(headerLength <= std::numeric_limits<uint32_t>::max() &&
           "header too long for .npy format 2.0");
  }

  std::string result(kMagic, kMagicSize);
  result += static_cast<char>(major);
  result += '\0';
  for (size_t i = 0; i < lengthFieldSize; ++i)
    result += static_cast<char>((headerLength >> (8 * i)) & 0xff);
  result += dict;
  result.append(headerLength - unpadded, ' ');
  result += '\n';
  assert(result.size() % kArrayAlign == 0 && "misaligned .npy header");
  return result;
}

std::string serializeNpy(const NpyArray &array) {
  assert(!errorToBool(verifyNpyArray(array, "<array>")) &&
         "serializeNpy requires an array that passes verifyNpyArray");
  std::string result = serializeHeader(array);
  result.append(array.data.begin(), array.data.end());
  return result;
}

Error writeNpy(StringRef path, const NpyArray &array) {
  if (Error err = verifyNpyArray(array, path))
    return err;
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return makeError(path, "cannot open file for writing: " + ec.message());
  os << serializeHeader(array);
  os.write(array.data.data(), array.data.size());
  os.close();
  if (os.has_error()) {
    ec = os.error();
    os.clear_error();
    return makeError(path, "cannot write file: " + ec.message());
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Float16
//===----------------------------------------------------------------------===//

float halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  uint32_t result;
  if (exponent == 0x1f) {
    // Infinity or NaN; the payload is kept in the top mantissa bits.
    result = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    // Normal: rebias the exponent from 15 to 127.
    result = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    result = sign; // Signed zero.
  } else {
    // Subnormal half (mantissa * 2^-24): normalize, as it is a normal float.
    int32_t e = 1;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --e;
    }
    mantissa &= 0x3ff;
    result = sign | (static_cast<uint32_t>(e + 112) << 23) | (mantissa << 13);
  }
  return bit_cast<float>(result);
}

uint16_t floatToHalf(float value) {
  uint32_t bits = bit_cast<uint32_t>(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffff;

  if (magnitude > 0x7f800000) {
    // NaN: keep the top of the payload, but never turn it into infinity.
    uint16_t payload = static_cast<uint16_t>((magnitude >> 13) & 0x3ff);
    return sign | 0x7c00 | (payload ? payload : 0x200);
  }
  // 65520 = 65504 + half an ulp and anything larger (including infinity)
  // rounds to infinity.
  if (magnitude >= 0x477ff000)
    return sign | 0x7c00;

  if (magnitude < 0x38800000) {
    // Below the smallest normal half (2^-14): zero or subnormal, in units of
    // 2^-24. Anything up to 2^-25 (a tie between 0 and 2^-24) becomes 0.
    uint32_t exponent = magnitude >> 23;
    if (exponent < 102)
      return sign;
    // value = m * 2^(exponent - 150) = (m >> shift) * 2^-24 + remainder.
    uint32_t m = (magnitude & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - exponent; // In [14, 24].
    uint32_t result = m >> shift;
    uint32_t remainder = m & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (result & 1)))
      ++result; // May carry into the smallest normal, which is correct.
    return sign | static_cast<uint16_t>(result);
  }

  // Normal half: rebias the exponent and round off 13 mantissa bits. A carry
  // out of the mantissa correctly increments the exponent.
  uint32_t result = (magnitude - (112u << 23)) >> 13;
  uint32_t remainder = magnitude & 0x1fff;
  if (remainder > 0x1000 || (remainder == 0x1000 && (result & 1)))
    ++result;
  return sign | static_cast<uint16_t>(result);
}

} // namespace runtime
} // namespace qsparse

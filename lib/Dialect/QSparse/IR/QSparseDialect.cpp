//===- QSparseDialect.cpp - qsparse dialect, types and attributes ---------===//

#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Numerics/AccumulatorBounds.h"
#include "qsparse/Numerics/NMSparsity.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace qsparse;

#include "qsparse/Dialect/QSparse/IR/QSparseDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "qsparse/Dialect/QSparse/IR/QSparseTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qsparse/Dialect/QSparse/IR/QSparseAttrs.cpp.inc"

void QSparseDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "qsparse/Dialect/QSparse/IR/QSparseTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qsparse/Dialect/QSparse/IR/QSparseAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "qsparse/Dialect/QSparse/IR/QSparseOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Code types: `<B>` or `<B, signed>`
//===----------------------------------------------------------------------===//

static LogicalResult parseCodeParams(AsmParser &parser, unsigned &bits,
                                     bool &isSigned) {
  isSigned = false;
  if (parser.parseLess() || parser.parseInteger(bits))
    return failure();
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("signed"))
      return failure();
    isSigned = true;
  }
  return parser.parseGreater();
}

static void printCodeParams(AsmPrinter &printer, unsigned bits, bool isSigned) {
  printer << "<" << bits;
  if (isSigned)
    printer << ", signed";
  printer << ">";
}

static LogicalResult verifyCodeFormat(function_ref<InFlightDiagnostic()> emit,
                                      numerics::CodeFormat format) {
  std::string why = numerics::verifyFormat(format);
  if (!why.empty())
    return emit() << why;
  return success();
}

Type FlintType::parse(AsmParser &parser) {
  unsigned bits;
  bool isSigned;
  if (failed(parseCodeParams(parser, bits, isSigned)))
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), bits, isSigned);
}

void FlintType::print(AsmPrinter &printer) const {
  printCodeParams(printer, getBits(), getIsSigned());
}

LogicalResult FlintType::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned bits, bool isSigned) {
  return verifyCodeFormat(emitError,
                          {numerics::CodeKind::Flint, bits, isSigned});
}

Type PoTType::parse(AsmParser &parser) {
  unsigned bits;
  bool isSigned;
  if (failed(parseCodeParams(parser, bits, isSigned)))
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), bits, isSigned);
}

void PoTType::print(AsmPrinter &printer) const {
  printCodeParams(printer, getBits(), getIsSigned());
}

LogicalResult PoTType::verify(function_ref<InFlightDiagnostic()> emitError,
                              unsigned bits, bool isSigned) {
  return verifyCodeFormat(emitError, {numerics::CodeKind::PoT, bits, isSigned});
}

/// `<B, eE>` or `<B, eE, signed>`.
Type FloatCodeType::parse(AsmParser &parser) {
  unsigned bits, exponentBits;
  bool isSigned = false;
  StringRef exponent;
  if (parser.parseLess() || parser.parseInteger(bits) || parser.parseComma() ||
      parser.parseKeyword(&exponent))
    return {};
  if (!exponent.consume_front("e") || exponent.getAsInteger(10, exponentBits)) {
    parser.emitError(parser.getCurrentLocation(),
                     "expected the exponent width as eN, e.g. e2");
    return {};
  }
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("signed"))
      return {};
    isSigned = true;
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), bits, exponentBits, isSigned);
}

void FloatCodeType::print(AsmPrinter &printer) const {
  printer << "<" << getBits() << ", e" << getExponentBits();
  if (getIsSigned())
    printer << ", signed";
  printer << ">";
}

LogicalResult
FloatCodeType::verify(function_ref<InFlightDiagnostic()> emitError,
                      unsigned bits, unsigned exponentBits, bool isSigned) {
  numerics::CodeFormat format{numerics::CodeKind::Float, bits, isSigned};
  format.exponentBits = exponentBits;
  return verifyCodeFormat(emitError, format);
}

bool qsparse::isDialectCodeType(Type type) {
  return isa<FlintType, PoTType, FloatCodeType>(type);
}

std::optional<numerics::CodeFormat> qsparse::getCodeFormat(Type type) {
  if (auto f = dyn_cast<FloatCodeType>(type))
    return f.getFormat();
  if (auto flint = dyn_cast<FlintType>(type))
    return flint.getFormat();
  if (auto pot = dyn_cast<PoTType>(type))
    return pot.getFormat();
  if (auto integer = dyn_cast<IntegerType>(type))
    return numerics::CodeFormat{numerics::CodeKind::Int, integer.getWidth(),
                                !integer.isUnsigned()};
  return std::nullopt;
}

IntegerType qsparse::getCodeStorageType(Type type) {
  if (auto integer = dyn_cast<IntegerType>(type))
    return IntegerType::get(type.getContext(), integer.getWidth());
  return IntegerType::get(type.getContext(), 8);
}

//===----------------------------------------------------------------------===//
// #qsparse.nm<N:M[, transposable]>
//===----------------------------------------------------------------------===//

Attribute NMAttr::parse(AsmParser &parser, Type) {
  unsigned n, m;
  bool transposable = false;
  if (parser.parseLess() || parser.parseInteger(n) || parser.parseColon() ||
      parser.parseInteger(m))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("transposable"))
      return {};
    transposable = true;
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), n, m, transposable);
}

void NMAttr::print(AsmPrinter &printer) const {
  printer << "<" << getN() << ":" << getM();
  if (getTransposable())
    printer << ", transposable";
  printer << ">";
}

LogicalResult NMAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             unsigned n, unsigned m, bool transposable) {
  std::string why = numerics::verifyNM(n, m);
  if (!why.empty())
    return emitError() << why;
  return success();
}

//===----------------------------------------------------------------------===//
// #qsparse.acc_bound<lo = L, hi = H>
//===----------------------------------------------------------------------===//

LogicalResult AccBoundAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t lo, int64_t hi) {
  if (lo > hi)
    return emitError() << "accumulator bound is empty: lo = " << lo
                       << " > hi = " << hi;
  return success();
}

unsigned AccBoundAttr::getRequiredBits() const {
  return numerics::signedBitsForRange(getLo(), getHi());
}

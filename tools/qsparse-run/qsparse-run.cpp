//===- qsparse-run.cpp - compile and run a function on the host -----------===//
//
// qsparse-run FILE.mlir -e FUNC [--input=a.npy ...| --random-inputs=SEED]
//             [--output=r.npy ...] [--pipeline=cpu|reference] [--check]
//             [--bench=N] [--print-decisions] [--target=host|emulator|cuda]
//             [--profile [--profile-rows=N]]
//
// Exit codes (DESIGN 4): 0 success, 1 --check found a difference, 2 bad input
// (one line on stderr), 3 a runtime check in the program stopped it.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Conversion/Passes.h"
#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/InitAll.h"
#include "qsparse/Numerics/Tolerance.h"
#include "qsparse/Pipelines/Pipelines.h"
#include "qsparse/Runtime/Cuda.h"
#include "qsparse/Runtime/GpuEmulator.h"
#include "qsparse/Runtime/Jit.h"
#include "qsparse/Runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>
#include <unistd.h>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::runtime;
namespace cl = llvm::cl;

static cl::OptionCategory category("qsparse-run options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> entry("e", cl::desc("Function to run"),
                                  cl::value_desc("name"), cl::Required,
                                  cl::cat(category));
static cl::list<std::string> inputs("input",
                                    cl::desc("A .npy file per argument"),
                                    cl::value_desc("file.npy"),
                                    cl::cat(category));
static cl::opt<std::string>
    randomInputs("random-inputs",
                 cl::desc("Fill every argument with seeded random values"),
                 cl::value_desc("seed"), cl::cat(category));
static cl::list<std::string> outputs("output",
                                     cl::desc("A .npy file per result"),
                                     cl::value_desc("file.npy"),
                                     cl::cat(category));
static cl::opt<PipelineKind>
    pipeline("pipeline", cl::desc("Pipeline to compile with"),
             cl::values(clEnumValN(PipelineKind::CPU, "cpu",
                                   "--qsparse-cpu-pipeline (default)"),
                        clEnumValN(PipelineKind::Reference, "reference",
                                   "--qsparse-reference-pipeline")),
             cl::init(PipelineKind::CPU), cl::cat(category));
static cl::opt<std::string>
    target("target",
           cl::desc("Where to run: host (JIT, default), emulator (the GPU "
                    "pipeline's kernels interpreted on the host with the PTX "
                    "semantics of ldmatrix/mma: slow, for checking kernels) "
                    "or cuda (an NVIDIA GPU through the CUDA driver, "
                    "libcuda.so.1 or the library the environment variable "
                    "QSPARSE_CUDA_DRIVER names, opened at run time)"),
           cl::init("host"), cl::cat(category));
static cl::opt<std::string> gpuOptions(
    "gpu-pipeline-options",
    cl::desc("--target=emulator|cuda: options of --qsparse-gpu-pipeline, "
             "e.g. \"tile-m=64 tile-n=64 stages=2\""),
    cl::init(""), cl::cat(category));
static cl::opt<std::string>
    gpuChip("gpu-chip",
            cl::desc("--target=cuda: chip of the GPU pipeline, sm_80 or sm_90"),
            cl::init("sm_80"), cl::cat(category));
static cl::opt<bool>
    check("check",
          cl::desc("Also run the reference pipeline and fail (exit 1) on any "
                   "difference: exact for integers, |a-b| <= atol + rtol*|b| "
                   "for floats (f32/f64: rtol 1e-4, atol 1e-5 * (1 + "
                   "max|reference|); f16, and f32 from a GPU pipeline with "
                   "f32-mma=tf32: 1e-2, 1e-3 * (1 + max|reference|))"),
          cl::cat(category));
static cl::opt<unsigned>
    bench("bench",
          cl::desc("Run N timed iterations after one warm-up; the last line is "
                   "'bench: median_ms=<ms> gops=<gops>'"),
          cl::value_desc("N"), cl::init(0), cl::cat(category));
static cl::opt<unsigned> cpuVectorBits(
    "cpu-vector-bits",
    cl::desc("CPU pipeline vector width: 0 (host), 128, 256 or 512"),
    cl::init(0), cl::cat(category));
static cl::opt<std::string>
    cpuVnni("cpu-vnni",
            cl::desc("CPU pipeline AVX-512 VNNI use: auto (host), on, off"),
            cl::init("auto"), cl::cat(category));
static cl::opt<unsigned>
    cpuThreads("cpu-threads",
               cl::desc("CPU pipeline threads for the micro-kernels' row tiles "
                        "(OpenMP), 1 to 256"),
               cl::init(1), cl::cat(category));
static cl::opt<bool> profile(
    "profile",
    cl::desc("CPU pipeline: time each run of top-level ops of one source "
             "location (--qsparse-profile) and print the table, per call of "
             "the function, before the bench line (over the timed runs with "
             "--bench, else over the one run)"),
    cl::cat(category));
static cl::opt<unsigned>
    profileRows("profile-rows",
                cl::desc("Rows of the --profile table by op (default 30, 0: "
                         "all)"),
                cl::init(30), cl::cat(category));
static cl::opt<bool> printDecisions(
    "print-decisions",
    cl::desc("Print the numeric types, accumulator bounds and sparsity masks "
             "the program carries"),
    cl::cat(category));
static cl::opt<unsigned>
    printLimit("print-limit",
               cl::desc("Values printed per result (default 16)"), cl::init(16),
               cl::cat(category));

namespace {

/// The --profile report: per call of the entry function, the regions by
/// time (the same kind and location summed), then by kind.
void printProfile(llvm::raw_ostream &os, const CompiledFunction &fn) {
  std::vector<ProfileEntry> entries = fn.getProfile();
  std::string self = "func @" + entry;
  auto whole = llvm::find_if(
      entries, [&](const ProfileEntry &e) { return e.kind == self; });
  if (whole == entries.end() || whole->calls == 0) {
    os << "profile: @" << entry << " was not called\n";
    return;
  }
  double calls = double(whole->calls);
  double perCall = whole->seconds / calls * 1e3;
  struct Row {
    std::string what, where;
    double ms = 0;
  };
  auto addTo = [](SmallVectorImpl<Row> &rows, StringRef what, StringRef where,
                  double ms) {
    auto it = llvm::find_if(
        rows, [&](const Row &r) { return r.what == what && r.where == where; });
    if (it == rows.end())
      rows.push_back({what.str(), where.str(), ms});
    else
      it->ms += ms;
  };
  SmallVector<Row> byOp, byKind;
  double covered = 0;
  for (const ProfileEntry &e : entries) {
    if (StringRef(e.kind).starts_with("func @"))
      continue;
    double ms = e.seconds / calls * 1e3;
    covered += ms;
    addTo(byOp, e.type.empty() ? e.kind : e.kind + " " + e.type, e.location,
          ms);
    addTo(byKind, e.kind, "", ms);
  }
  auto byTime = [](const Row &a, const Row &b) { return a.ms > b.ms; };
  llvm::stable_sort(byOp, byTime);
  llvm::stable_sort(byKind, byTime);
  auto percent = [&](double ms) {
    return perCall > 0 ? 100 * ms / perCall : 0;
  };
  os << llvm::format("profile: @%s, %lld call%s, %.4f ms per call; the ops "
                     "below %.4f ms (%.1f%%)\n",
                     entry.c_str(), (long long)whole->calls,
                     whole->calls == 1 ? "" : "s", perCall, covered,
                     percent(covered));
  os << "profile:   ms/call      %  op (kind, location)\n";
  size_t shown = profileRows == 0 ? byOp.size()
                                  : std::min<size_t>(profileRows, byOp.size());
  for (const Row &r : ArrayRef(byOp).take_front(shown))
    os << llvm::format("profile: %9.4f %5.1f%%  ", r.ms, percent(r.ms))
       << r.what << "  " << r.where << "\n";
  if (shown < byOp.size()) {
    double rest = 0;
    for (const Row &r : ArrayRef(byOp).drop_front(shown))
      rest += r.ms;
    size_t more = byOp.size() - shown;
    os << llvm::format("profile: %9.4f %5.1f%%  (%zu more op%s)\n", rest,
                       percent(rest), more, more == 1 ? "" : "s");
  }
  os << "profile:   ms/call      %  kind\n";
  for (const Row &r : byKind)
    os << llvm::format("profile: %9.4f %5.1f%%  ", r.ms, percent(r.ms))
       << r.what << "\n";
}

/// A runtime check in the compiled program (cf.assert, e.g. from
/// --qsparse-instrument-overflow) printed its message and called abort():
/// flush that message and exit with code 3 instead of a crash report.
extern "C" void onProgramAbort(int) {
  std::fflush(stdout);
  static const char message[] =
      "qsparse-run: error: the program stopped: a runtime check failed (its "
      "message is above)\n";
  ssize_t ignored = write(2, message, sizeof(message) - 1);
  (void)ignored;
  _exit(3);
}

/// Bad input: one line on stderr, exit code 2.
[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "qsparse-run: error: " << message << "\n";
  std::exit(2);
}

void failOn(llvm::Error error) {
  if (error)
    fail(llvm::toString(std::move(error)));
}

std::string str(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// The npy dtypes an element type accepts (the first is what outputs use).
SmallVector<DType> acceptedDTypes(Type element) {
  if (isDialectCodeType(element))
    return {DType::U8, DType::I8};
  if (element.isF16())
    return {DType::F16};
  if (element.isF32())
    return {DType::F32};
  if (element.isF64())
    return {DType::F64};
  auto integer = cast<IntegerType>(element);
  bool isUnsigned = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 1:
    return {DType::Bool};
  case 8:
    return isUnsigned           ? SmallVector<DType>{DType::U8}
           : integer.isSigned() ? SmallVector<DType>{DType::I8}
                                : SmallVector<DType>{DType::I8, DType::U8};
  case 16:
    return isUnsigned           ? SmallVector<DType>{DType::U16}
           : integer.isSigned() ? SmallVector<DType>{DType::I16}
                                : SmallVector<DType>{DType::I16, DType::U16};
  case 32:
    return isUnsigned           ? SmallVector<DType>{DType::U32}
           : integer.isSigned() ? SmallVector<DType>{DType::I32}
                                : SmallVector<DType>{DType::I32, DType::U32};
  default:
    return isUnsigned           ? SmallVector<DType>{DType::U64}
           : integer.isSigned() ? SmallVector<DType>{DType::I64}
                                : SmallVector<DType>{DType::I64, DType::U64};
  }
}

NpyArray zeroArray(RankedTensorType type) {
  NpyArray array;
  array.dtype = acceptedDTypes(type.getElementType()).front();
  array.shape.assign(type.getShape().begin(), type.getShape().end());
  array.data.assign(type.getNumElements() * dtypeSize(array.dtype), 0);
  return array;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + (shape.size() == 1 ? ",)" : ")");
}

NpyArray loadInput(StringRef path, unsigned index, RankedTensorType type) {
  auto array = readNpy(path);
  if (!array)
    fail(llvm::toString(array.takeError()));
  SmallVector<DType> accepted = acceptedDTypes(type.getElementType());
  if (!llvm::is_contained(accepted, array->dtype)) {
    std::string names;
    for (DType d : accepted)
      names += (names.empty() ? "" : " or ") + dtypeName(d).str();
    fail(path + ": argument " + llvm::Twine(index) + " of type " + str(type) +
         " needs dtype " + names + ", got " + dtypeName(array->dtype));
  }
  if (ArrayRef<int64_t>(array->shape) != type.getShape())
    fail(path + ": argument " + llvm::Twine(index) + " of type " + str(type) +
         " needs shape " + shapeString(type.getShape()) + ", got " +
         shapeString(array->shape));
  return std::move(*array);
}

/// Deterministic on every platform: a fixed engine and plain modular
/// reduction (std distributions are implementation-defined).
NpyArray randomArray(RankedTensorType type, uint64_t seed) {
  NpyArray array = zeroArray(type);
  std::mt19937_64 rng(seed);
  Type element = type.getElementType();
  int64_t n = type.getNumElements();
  auto next = [&](int64_t lo, int64_t hi) {
    return lo + int64_t(rng() % uint64_t(hi - lo + 1));
  };
  char *data = array.data.data();
  for (int64_t i = 0; i < n; ++i) {
    if (auto format = getCodeFormat(element);
        format && !isa<IntegerType>(element)) {
      data[i] = char(next(0, (int64_t(1) << format->bits) - 1));
    } else if (element.isF16() || element.isF32() || element.isF64()) {
      double v = double(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
      if (element.isF16()) {
        uint16_t h = floatToHalf(float(v));
        std::memcpy(data + 2 * i, &h, 2);
      } else if (element.isF32()) {
        float f = float(v);
        std::memcpy(data + 4 * i, &f, 4);
      } else {
        std::memcpy(data + 8 * i, &v, 8);
      }
    } else {
      auto integer = cast<IntegerType>(element);
      unsigned width = integer.getWidth();
      int64_t v;
      if (width == 1)
        v = next(0, 1);
      else if (width <= 16)
        v = integer.isUnsigned() ? next(0, (int64_t(1) << width) - 1)
                                 : next(-(int64_t(1) << (width - 1)),
                                        (int64_t(1) << (width - 1)) - 1);
      else // Wide integers: a range whose products do not overflow.
        v = integer.isUnsigned() ? next(0, 1000) : next(-1000, 1000);
      unsigned bytes = dtypeSize(array.dtype);
      std::memcpy(data + bytes * i, &v, bytes); // little-endian low bytes
    }
  }
  return array;
}

double elementAsDouble(const NpyArray &a, int64_t i) {
  const char *p = a.data.data() + i * dtypeSize(a.dtype);
  switch (a.dtype) {
#define CASE(D, T)                                                             \
  case DType::D: {                                                             \
    T v;                                                                       \
    std::memcpy(&v, p, sizeof(T));                                             \
    return double(v);                                                          \
  }
    CASE(Bool, uint8_t)
    CASE(I8, int8_t)
    CASE(U8, uint8_t)
    CASE(I16, int16_t)
    CASE(U16, uint16_t)
    CASE(I32, int32_t)
    CASE(U32, uint32_t)
    CASE(I64, int64_t)
    CASE(U64, uint64_t)
    CASE(F32, float)
    CASE(F64, double)
#undef CASE
  case DType::F16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h);
  }
  }
  return 0;
}

/// Integers print exactly (a double loses bits above 2^53).
void printElement(llvm::raw_ostream &os, const NpyArray &a, int64_t i) {
  const char *p = a.data.data() + i * dtypeSize(a.dtype);
  if (a.dtype == DType::U64) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    os << v;
  } else if (a.dtype == DType::I64) {
    int64_t v;
    std::memcpy(&v, p, 8);
    os << v;
  } else if (a.dtype == DType::F16 || a.dtype == DType::F32 ||
             a.dtype == DType::F64) {
    os << llvm::format("%g", elementAsDouble(a, i));
  } else {
    os << int64_t(elementAsDouble(a, i));
  }
}

bool isFloat(DType d) {
  return d == DType::F16 || d == DType::F32 || d == DType::F64;
}

void printArray(llvm::raw_ostream &os, unsigned index, RankedTensorType type,
                const NpyArray &a) {
  os << "result " << index << ": " << type << " = [";
  int64_t n = a.numElements();
  int64_t shown = std::min<int64_t>(n, printLimit);
  for (int64_t i = 0; i < shown; ++i) {
    if (i)
      os << ", ";
    printElement(os, a, i);
  }
  if (shown < n)
    os << ", ... (" << n << " values)";
  os << "]\n";
}

/// Number of mismatching elements; prints the first few. `halfPrecision`:
/// f32 results were computed from operands with f16's 10-bit mantissas
/// (tf32 tensor cores), so they get f16's tolerance.
int64_t compare(unsigned index, const NpyArray &got, const NpyArray &want,
                bool halfPrecision) {
  int64_t n = got.numElements(), bad = 0;
  bool floating = isFloat(got.dtype);
  bool coarse =
      got.dtype == DType::F16 || (halfPrecision && got.dtype == DType::F32);
  qsparse::numerics::FloatTolerance tolerance;
  if (floating) {
    double scale = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = std::fabs(elementAsDouble(want, i));
      if (std::isfinite(v))
        scale = std::max(scale, v);
    }
    tolerance = qsparse::numerics::FloatTolerance::forResults(scale, coarse);
  }
  unsigned bytes = dtypeSize(got.dtype);
  for (int64_t i = 0; i < n; ++i) {
    bool same;
    if (floating) {
      same =
          tolerance.accepts(elementAsDouble(got, i), elementAsDouble(want, i));
    } else {
      same = std::memcmp(got.data.data() + i * bytes,
                         want.data.data() + i * bytes, bytes) == 0;
    }
    if (same)
      continue;
    if (bad++ < 5) {
      llvm::errs() << "check: result " << index << " element " << i << ": got ";
      printElement(llvm::errs(), got, i);
      llvm::errs() << ", reference ";
      printElement(llvm::errs(), want, i);
      llvm::errs() << "\n";
    }
  }
  return bad;
}

/// Runs a compiled (or emulated) function once on `args`.
template <typename Function>
SmallVector<NpyArray> run(Function &fn, SmallVector<NpyArray> &args) {
  SmallVector<void *> argPtrs, resultPtrs;
  for (NpyArray &a : args)
    argPtrs.push_back(a.data.data());
  SmallVector<NpyArray> results;
  for (RankedTensorType type : fn.getSignature().results)
    results.push_back(zeroArray(type));
  for (NpyArray &r : results)
    resultPtrs.push_back(r.data.data());
  failOn(fn.invoke(argPtrs, resultPtrs));
  return results;
}

void printDecisionSummary(func::FuncOp func) {
  llvm::outs() << "decisions in @" << func.getName() << ":\n";
  unsigned count = 0;
  func.walk([&](Operation *op) {
    std::string line;
    llvm::raw_string_ostream os(line);
    auto describe = [&](auto contraction) {
      auto acc = contraction.getResult().getType().getElementType();
      os << "  " << op->getName() << " at " << formatLocation(op->getLoc())
         << ": K = " << contraction.getReductionSize() << ", accumulator "
         << acc;
      if (auto bound = contraction.getAccBoundAttr())
        os << ", proven range [" << bound.getLo() << ", " << bound.getHi()
           << "] needs " << bound.getRequiredBits() << " bits";
      else
        os << ", no proven bound";
      if (auto nm = contraction.getWeightSparsityAttr())
        os << ", weight sparsity " << nm;
      else
        os << ", dense weight";
    };
    if (auto m = dyn_cast<MatmulOp>(op))
      describe(m);
    else if (auto c = dyn_cast<Conv2DOp>(op))
      describe(c);
    else if (auto d = dyn_cast<DecodeOp>(op))
      os << "  " << op->getName() << " at " << formatLocation(op->getLoc())
         << ": weights " << d.getInput().getType().getElementType() << " ("
         << numerics::formatName(
                *getCodeFormat(d.getInput().getType().getElementType()))
         << ") decoded to " << d.getType().getElementType();
    else if (auto c = dyn_cast<NMCompressOp>(op))
      os << "  " << op->getName() << " at " << formatLocation(op->getLoc())
         << ": " << c.getSparsity() << " along axis " << c.getAxis();
    else
      return;
    llvm::outs() << line << "\n";
    ++count;
  });
  if (!count)
    llvm::outs() << "  (no qsparse decisions: a plain program)\n";
}

/// The GPU pipeline options of --gpu-pipeline-options and --gpu-chip.
std::unique_ptr<GPUPipelineOptions> parseGPUOptions() {
  auto options = std::make_unique<GPUPipelineOptions>();
  std::string why;
  llvm::raw_string_ostream os(why);
  if (failed(options->parseFromString(gpuOptions, os))) {
    // The parser's message, on one line.
    std::string message = llvm::StringRef(why).trim().str();
    std::replace(message.begin(), message.end(), '\n', ' ');
    fail("--gpu-pipeline-options: " + message);
  }
  if (gpuChip.getNumOccurrences())
    options->chip = gpuChip;
  if (std::string why = checkGPUPipelineOptions(*options); !why.empty())
    fail(why);
  return options;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "qsparse-run: compile a function with a qsparse pipeline and run it on "
      "the host (JIT)\n");

  DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  qsparse::registerAllDialects(registry);
  // The GPU pipeline (--target=cuda) translates GPU modules to LLVM IR.
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  // Parse and verify: the first error becomes the one line we print.
  std::string firstError;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
      firstError = formatDiagnostic(diag);
    return success();
  });
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile);
  if (!buffer)
    fail("cannot read '" + inputFile + "': " + buffer.getError().message());
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    fail(firstError.empty() ? "cannot parse '" + inputFile + "'" : firstError);

  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func)
    fail("no function named '" + entry + "' in " + inputFile);
  auto signature = getRunnableSignature(func);
  if (!signature)
    fail("@" + entry + ": " + llvm::toString(signature.takeError()));

  // Arguments.
  size_t numArgs = signature->arguments.size();
  SmallVector<NpyArray> args;
  if (!inputs.empty() && !randomInputs.empty())
    fail("give either --input files or --random-inputs, not both");
  if (!randomInputs.empty()) {
    uint64_t seed;
    if (!llvm::to_integer(StringRef(randomInputs), seed, 10))
      fail("--random-inputs needs an unsigned integer seed, got '" +
           randomInputs + "'");
    for (auto [i, type] : llvm::enumerate(signature->arguments))
      args.push_back(randomArray(type, seed + i));
  } else {
    if (inputs.size() != numArgs)
      fail("@" + entry + " takes " + llvm::Twine(numArgs) + " arguments but " +
           llvm::Twine(inputs.size()) +
           " --input files were given (or use --random-inputs=SEED)");
    for (auto [i, path] : llvm::enumerate(inputs))
      args.push_back(loadInput(path, i, signature->arguments[i]));
  }
  if (!outputs.empty() && outputs.size() != signature->results.size())
    fail("@" + entry + " returns " + llvm::Twine(signature->results.size()) +
         " results but " + llvm::Twine(outputs.size()) +
         " --output files were given");

  if (printDecisions)
    printDecisionSummary(func);

  if (cpuVectorBits != 0 && cpuVectorBits != 128 && cpuVectorBits != 256 &&
      cpuVectorBits != 512)
    fail("--cpu-vector-bits must be 0, 128, 256 or 512, got " +
         llvm::Twine(cpuVectorBits));
  if (cpuVnni != "auto" && cpuVnni != "on" && cpuVnni != "off")
    fail("--cpu-vnni must be auto, on or off, got '" + cpuVnni + "'");
  if (cpuVnni == "on") {
    // Forcing the VNNI kernel on a host without it would run illegal
    // instructions.
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    if (!features.lookup("avx512vnni") || !features.lookup("avx512bw") ||
        !features.lookup("avx512f"))
      fail("--cpu-vnni=on needs a host with AVX-512 VNNI (this one has "
           "none); use auto or off");
  }
  if (cpuThreads < 1 || cpuThreads > 256)
    fail("--cpu-threads must be in [1, 256], got " + llvm::Twine(cpuThreads));
  if (target != "host" && target != "emulator" && target != "cuda")
    fail("--target must be host, emulator or cuda, got '" + target + "'");
  if (target == "emulator" && bench > 0)
    fail("--bench measures nothing on --target=emulator (an interpreter)");
  if (profile && (target != "host" || pipeline != PipelineKind::CPU))
    fail("--profile times the CPU pipeline on the host (--target=host "
         "--pipeline=cpu)");
  std::unique_ptr<CompiledFunction> hostFunction;
  std::unique_ptr<EmulatedGPUFunction> emulated;
  std::unique_ptr<CudaFunction> cuda;
  SmallVector<NpyArray> results;
  // Whether f32 contractions ran on single tf32 mma (compared with f16's
  // tolerance).
  bool tf32Operands = false;
  if (target == "cuda") {
    // Compiled first, so that its errors come before the driver's.
    std::unique_ptr<GPUPipelineOptions> options = parseGPUOptions();
    tf32Operands = parseF32Mma(options->f32Mma) == qsparse::F32Mma::Tf32;
    auto compiled = CudaFunction::compile(*module, entry, *options);
    if (!compiled)
      fail(llvm::toString(compiled.takeError()));
    if (llvm::Error e = openCudaDevice(options->chip))
      fail("--target=cuda: " + llvm::toString(std::move(e)));
    llvm::outs() << "cuda: device 0, " << cudaDeviceDescription() << "\n";
    cuda = std::move(*compiled);
    failOn(cuda->load());
    results = run(*cuda, args);
  } else if (target == "emulator") {
    std::unique_ptr<GPUPipelineOptions> options = parseGPUOptions();
    tf32Operands = parseF32Mma(options->f32Mma) == qsparse::F32Mma::Tf32;
    auto compiled = EmulatedGPUFunction::compile(*module, entry, *options);
    if (!compiled)
      fail(llvm::toString(compiled.takeError()));
    emulated = std::move(*compiled);
    results = run(*emulated, args);
  } else {
    CPUPipelineOptions cpuOptions;
    cpuOptions.vectorBits = cpuVectorBits;
    cpuOptions.vnni = cpuVnni;
    cpuOptions.threads = cpuThreads;
    cpuOptions.profile = profile;
    auto compiled =
        CompiledFunction::compile(*module, entry, pipeline, cpuOptions);
    if (!compiled)
      fail(llvm::toString(compiled.takeError()));
    hostFunction = std::move(*compiled);
    struct sigaction action = {};
    action.sa_handler = onProgramAbort;
    sigaction(SIGABRT, &action, nullptr);
    results = run(*hostFunction, args);
  }

  for (auto [i, r] : llvm::enumerate(results)) {
    printArray(llvm::outs(), i, signature->results[i], r);
    if (!outputs.empty())
      failOn(writeNpy(outputs[i], r));
  }

  int exitCode = 0;
  if (check) {
    auto reference =
        CompiledFunction::compile(*module, entry, PipelineKind::Reference);
    if (!reference)
      fail(llvm::toString(reference.takeError()));
    SmallVector<NpyArray> expected = run(**reference, args);
    int64_t bad = 0, total = 0;
    for (auto [i, pair] : llvm::enumerate(llvm::zip(results, expected))) {
      bad += compare(i, std::get<0>(pair), std::get<1>(pair), tf32Operands);
      total += std::get<0>(pair).numElements();
    }
    if (bad) {
      llvm::outs() << "check: FAILED, " << bad << " of " << total
                   << " values differ from the reference pipeline\n";
      exitCode = 1;
    } else {
      llvm::outs() << "check: OK, " << total
                   << " values match the reference pipeline\n";
    }
  }

  if (profile && bench == 0)
    printProfile(llvm::outs(), *hostFunction);
  if (bench > 0) {
    SmallVector<void *> argPtrs, resultPtrs;
    for (NpyArray &a : args)
      argPtrs.push_back(a.data.data());
    for (NpyArray &r : results)
      resultPtrs.push_back(r.data.data());
    std::vector<double> times;
    if (cuda) {
      // On device-resident copies of the arguments: launches and the wait
      // for them, not the copies.
      auto timed = cuda->time(argPtrs, bench);
      if (!timed)
        fail(llvm::toString(timed.takeError()));
      times = std::move(*timed);
    } else {
      CompiledFunction &fn = *hostFunction;
      failOn(fn.invoke(argPtrs, resultPtrs)); // warm-up
      fn.resetProfile();
      for (unsigned i = 0; i < bench; ++i) {
        auto start = std::chrono::steady_clock::now();
        failOn(fn.invoke(argPtrs, resultPtrs));
        auto stop = std::chrono::steady_clock::now();
        times.push_back(
            std::chrono::duration<double, std::milli>(stop - start).count());
      }
    }
    if (profile)
      printProfile(llvm::outs(), *hostFunction);
    std::sort(times.begin(), times.end());
    double median =
        times.size() % 2
            ? times[times.size() / 2]
            : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
    int64_t ops = countContractionOps(func);
    double gops = median > 0 ? double(ops) / (median * 1e6) : 0.0;
    llvm::outs() << llvm::format("bench: median_ms=%.4f gops=%.3f\n", median,
                                 gops);
  }
  return exitCode;
}

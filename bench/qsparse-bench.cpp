//===- qsparse-bench.cpp - the CPU pipeline side by side with its peers ---===//
//
// Every case is built as MLIR text, compiled with the qsparse CPU pipeline
// (in-process JIT, PipelineKind::CPU, host-detected options) and run on the
// same random data as its peer: oneDNN (single thread) for the dense GEMMs and
// convolutions, qsparse's own dense int8 GEMM for the 2:4-sparse and
// flint4-weight GEMMs, and the same block split into separately compiled
// functions for the fused conv + bias + requantize + ReLU block. Each case is
// checked once (integers exact, f32 within rtol 1e-3) and then timed with the
// contenders alternating round by round, so drift in clock speed or machine
// load hits all of them alike. The report (Markdown) has the medians, GOPS,
// ratios against the targets of DESIGN 5/6 and the host's CPU flags.
//
//===----------------------------------------------------------------------===//

#include "BenchText.h"
#include "qsparse/InitAll.h"
#include "qsparse/Numerics/Codecs.h"
#include "qsparse/Pipelines/Pipelines.h"
#include "qsparse/Runtime/Jit.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <dlfcn.h>
#include <fstream>
#include <functional>
#include <immintrin.h>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace mlir;
using qsparse::runtime::CompiledFunction;
using qsparse::runtime::PipelineKind;

namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("qsparse-bench options");
cl::opt<bool> quick("quick",
                    cl::desc("Small shapes and few repetitions (a smoke run)"),
                    cl::cat(category));
cl::opt<std::string>
    outFile("out",
            cl::desc("Write the Markdown report to this file (default: "
                     "standard output)"),
            cl::value_desc("path"), cl::cat(category));
cl::opt<double> budgetOpt(
    "budget",
    cl::desc("Seconds of timed runs per contender and case (default 2, 0.1 "
             "with --quick); at least 3 runs each"),
    cl::init(0), cl::cat(category));
cl::opt<double> skipAfter(
    "skip-slower-than",
    cl::desc("Skip a case whose single qsparse run takes (or, from the "
             "previous shape of its group, would take) longer than this many "
             "seconds"),
    cl::init(20), cl::cat(category));
cl::opt<std::string>
    filterOpt("filter",
              cl::desc("Run only the groups whose key (int8-gemm, f32-gemm, "
                       "int8-conv, sparse-gemm, sparse-conv, flint-gemm, "
                       "fused-block) "
                       "contains this text"),
              cl::cat(category));
cl::opt<unsigned> seedOpt("seed", cl::desc("Seed of the random data"),
                          cl::init(1), cl::cat(category));

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

double wallNow() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// CPU time of the whole process (all threads): CPU/wall near 1 while one
/// contender runs shows that it ran on one thread.
double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double median(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

struct Contender {
  std::string name;
  std::function<void()> run;
  std::vector<std::vector<double>> rounds; // ms of each timed run, by round
  double cpuSec = 0, wallSec = 0;

  std::vector<double> all() const {
    std::vector<double> ms;
    for (const std::vector<double> &r : rounds)
      ms.insert(ms.end(), r.begin(), r.end());
    return ms;
  }
  double median() const { return ::median(all()); }
  size_t runs() const { return all().size(); }
  double cpuPerWall() const { return wallSec > 0 ? cpuSec / wallSec : 0; }
};

struct Budget {
  double perSideSec;
  int minSamples, maxSamples, rounds;
};

/// One warm-up per contender (two when fast), then `rounds` rounds in which
/// every contender runs its share of samples in turn. Each contender gets
/// about `perSideSec` of timed runs, at least `minSamples`.
void timeAlternately(llvm::ArrayRef<Contender *> contenders,
                     const Budget &budget) {
  std::vector<int> samples;
  for (Contender *c : contenders) {
    double start = wallNow();
    c->run();
    double once = wallNow() - start;
    if (once < 0.5) {
      start = wallNow();
      c->run();
      once = wallNow() - start;
    }
    int n = int(std::min(budget.perSideSec / std::max(once, 1e-7),
                         double(budget.maxSamples)));
    samples.push_back(std::max(n, budget.minSamples));
  }
  int rounds = std::min(budget.rounds,
                        *std::min_element(samples.begin(), samples.end()));
  for (int r = 0; r < rounds; ++r) {
    for (auto [c, n] : llvm::zip(contenders, samples)) {
      int reps = (n + rounds - 1) / rounds;
      std::vector<double> &ms = c->rounds.emplace_back();
      double cpuStart = cpuNow();
      for (int i = 0; i < reps; ++i) {
        double start = wallNow();
        c->run();
        double t = wallNow() - start;
        ms.push_back(t * 1e3);
        c->wallSec += t;
      }
      c->cpuSec += cpuNow() - cpuStart;
    }
  }
}

//===----------------------------------------------------------------------===//
// Data and checks
//===----------------------------------------------------------------------===//

using qsparse::bench::hexDense;
using qsparse::bench::randomInts;
using qsparse::bench::Rng;
using qsparse::bench::tensorType;

std::vector<float> randomFloats(Rng &rng, size_t n) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Empty when equal, else how many differ and the first difference.
template <typename T>
std::string compareExact(const std::vector<T> &got, const std::vector<T> &want,
                         llvm::StringRef gotName, llvm::StringRef wantName) {
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i] && bad++ == 0)
      first = i;
  if (!bad)
    return "";
  return llvm::formatv("{0} of {1} values differ; first at flat index {2}: "
                       "{3} {4}, {5} {6}",
                       bad, got.size(), first, gotName, int64_t(got[first]),
                       wantName, int64_t(want[first]))
      .str();
}

/// |got - want| <= rtol * (|want| + 1): relative, with a floor for sums that
/// cancel to nearly zero (the two sides add in different orders).
std::string compareF32(const std::vector<float> &got,
                       const std::vector<float> &want, llvm::StringRef gotName,
                       llvm::StringRef wantName, double rtol = 1e-3) {
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(double(got[i]) - want[i]) <=
          rtol * (std::fabs(double(want[i])) + 1.0)) &&
        bad++ == 0)
      first = i;
  if (!bad)
    return "";
  return llvm::formatv("{0} of {1} values differ beyond rtol {2}; first at "
                       "flat index {3}: {4} {5}, {6} {7}",
                       bad, got.size(), rtol, first, gotName, got[first],
                       wantName, want[first])
      .str();
}

/// qsparse.requantize (round half away from zero, exact) then ReLU, written
/// independently of the pipeline as the oracle of the fused block.
int8_t requantizeRelu(int64_t acc, int32_t multiplier, unsigned shift) {
  __int128 p = (__int128)acc * multiplier;
  __int128 q = p;
  if (shift > 0) {
    __int128 half = (__int128)1 << (shift - 1);
    q = p >= 0 ? (p + half) >> shift : -((-p + half) >> shift);
  }
  q = std::clamp<__int128>(q, -128, 127);
  return int8_t(std::max<__int128>(q, 0));
}

std::string fmtMs(double ms) {
  return llvm::formatv(ms < 1     ? "{0:f4}"
                       : ms < 100 ? "{0:f3}"
                                  : "{0:f1}",
                       ms)
      .str();
}

//===----------------------------------------------------------------------===//
// Compiling with the CPU pipeline
//===----------------------------------------------------------------------===//

/// What the CPU pipeline made of a function: the evidence the report's
/// explanations rest on.
struct Codegen {
  bool known = false;
  int64_t vectorOps = 0; // LLVM-dialect ops producing vectors
  int64_t vnniCalls = 0; // vpdpbusd (AVX-512 VNNI u8 x s8 dot products)
  int64_t permutes = 0;  // vpermb (the 2:4 kernel's activation gathers)
  int64_t allocs = 0;    // heap buffers the function allocates

  std::string str() const {
    if (!known)
      return "?";
    if (vectorOps == 0)
      return "scalar loops";
    std::string s = std::to_string(vectorOps) + " vector ops";
    if (vnniCalls)
      s += ", " + std::to_string(vnniCalls) + " VNNI";
    if (permutes)
      s += ", " + std::to_string(permutes) + " vpermb";
    return s;
  }
};

struct Compiled {
  std::unique_ptr<CompiledFunction> fn;
  Codegen codegen;
  std::string error;
};

class Compiler {
public:
  explicit Compiler(MLIRContext &ctx) : ctx(ctx) {}

  Compiled compile(const std::string &text, llvm::StringRef name) {
    Compiled result;
    std::string firstError;
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
        firstError = qsparse::runtime::formatDiagnostic(diag);
      return success();
    });
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(text, ParserConfig(&ctx));
    if (!module) {
      result.error = "the generated program does not parse: " + firstError;
      return result;
    }
    auto compiled = CompiledFunction::compile(*module, name, PipelineKind::CPU);
    if (!compiled) {
      result.error = llvm::toString(compiled.takeError());
      return result;
    }
    result.fn = std::move(*compiled);
    result.codegen = inspect(*module, name);
    return result;
  }

private:
  /// Lowers a copy of `module` with the same pipeline and counts what the
  /// code is made of (CompiledFunction does not expose its LLVM module).
  Codegen inspect(ModuleOp module, llvm::StringRef name) {
    Codegen codegen;
    OwningOpRef<ModuleOp> clone = module.clone();
    for (bool erased = true; erased;) {
      erased = false;
      for (auto func :
           llvm::make_early_inc_range(clone->getOps<func::FuncOp>()))
        if (func.getName() != name &&
            SymbolTable::symbolKnownUseEmpty(func, *clone)) {
          func.erase();
          erased = true;
        }
    }
    PassManager pm(&ctx);
    qsparse::buildCPUPipeline(pm);
    if (failed(pm.run(*clone)))
      return codegen;
    codegen.known = true;
    clone->walk([&](Operation *op) {
      if (llvm::any_of(op->getResultTypes(),
                       [](Type t) { return isa<VectorType>(t); }))
        ++codegen.vectorOps;
      llvm::StringRef opName = op->getName().getStringRef();
      bool vnni = opName.contains("vpdpbusd"), permute = false;
      for (NamedAttribute attr : op->getAttrs())
        if (auto s = dyn_cast<StringAttr>(attr.getValue())) {
          vnni |= s.getValue().contains("vpdpbusd");
          permute |= s.getValue().contains("permvar.qi");
        }
      codegen.vnniCalls += vnni;
      codegen.permutes += permute;
      if (opName == "llvm.call")
        if (auto callee = op->getAttrOfType<FlatSymbolRefAttr>("callee"))
          codegen.allocs += callee.getValue().contains("malloc") ||
                            callee.getValue().contains("aligned_alloc");
    });
    return codegen;
  }

  MLIRContext &ctx;
};

void invoke(CompiledFunction &fn, llvm::ArrayRef<void *> args,
            llvm::ArrayRef<void *> results) {
  if (llvm::Error err = fn.invoke(args, results)) {
    llvm::errs() << "qsparse-bench: error: invoking a compiled function: "
                 << llvm::toString(std::move(err)) << "\n";
    std::exit(2);
  }
}

//===----------------------------------------------------------------------===//
// oneDNN
//===----------------------------------------------------------------------===//

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct Dnnl {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

/// dnnl::matmul on plain row-major (`ab`) buffers.
struct DnnlMatmul {
  dnnl::matmul prim;
  dnnl::memory a, b, c;
  std::string impl;
  Dnnl &d;

  DnnlMatmul(Dnnl &d, int64_t m, int64_t n, int64_t k, dt ta, dt tb, dt tc,
             void *pa, void *pb, void *pc)
      : d(d) {
    dnnl::memory::desc da({m, k}, ta, tag::ab), db({k, n}, tb, tag::ab),
        dc({m, n}, tc, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(da, db, dc), d.engine);
    impl = pd.impl_info_str();
    prim = dnnl::matmul(pd);
    a = dnnl::memory(da, d.engine, pa);
    b = dnnl::memory(db, d.engine, pb);
    c = dnnl::memory(dc, d.engine, pc);
  }
  void run() {
    prim.execute(d.stream,
                 {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    d.stream.wait();
  }
};

void checkStatus(dnnl::status s, const char *what) {
  if (s != dnnl::status::success) {
    llvm::errs() << "qsparse-bench: error: oneDNN " << what << " failed\n";
    std::exit(2);
  }
}

struct ConvShape {
  std::string label;
  int64_t n, h, w, c, f, kh, kw, stride, pad;
  int64_t oh() const { return (h + 2 * pad - kh) / stride + 1; }
  int64_t ow() const { return (w + 2 * pad - kw) / stride + 1; }
  int64_t ops() const { return 2 * n * oh() * ow() * f * kh * kw * c; }
  std::string str() const {
    return llvm::formatv("{0}: {1}x{2}x{3} -> {4}, {5}x{6}/{7} pad {8}", label,
                         h, w, c, f, kh, kw, stride, pad)
        .str();
  }
};

/// u8 NHWC x s8 -> s32 NHWC convolution. Weights are either read in place
/// as HWIO (the same buffer qsparse gets as HWCF) or reordered once, outside
/// the timing, into the layout oneDNN prefers (`any`), as an inference
/// deployment with constant weights would do.
struct DnnlConv {
  dnnl::convolution_forward prim;
  dnnl::memory src, weights, dst;
  std::string impl;
  Dnnl &d;

  DnnlConv(Dnnl &d, const ConvShape &s, bool plainWeights, void *x, void *w,
           void *y)
      : d(d) {
    dnnl::memory::desc srcMd({s.n, s.c, s.h, s.w}, dt::u8, tag::nhwc);
    dnnl::memory::desc userWeightsMd({s.f, s.c, s.kh, s.kw}, dt::s8, tag::hwio);
    dnnl::memory::desc weightsMd({s.f, s.c, s.kh, s.kw}, dt::s8,
                                 plainWeights ? tag::hwio : tag::any);
    dnnl::memory::desc dstMd({s.n, s.f, s.oh(), s.ow()}, dt::s32, tag::nhwc);
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        srcMd, weightsMd, dstMd, {s.stride, s.stride}, {s.pad, s.pad},
        {s.pad, s.pad});
    dnnl::convolution_forward::primitive_desc pd(desc, d.engine);
    impl = pd.impl_info_str();
    prim = dnnl::convolution_forward(pd);
    src = dnnl::memory(srcMd, d.engine, x);
    dst = dnnl::memory(dstMd, d.engine, y);
    dnnl::memory user(userWeightsMd, d.engine, w);
    if (pd.weights_desc() == userWeightsMd) {
      weights = user;
    } else {
      weights = dnnl::memory(pd.weights_desc(), d.engine);
      dnnl::reorder(user, weights).execute(d.stream, user, weights);
      d.stream.wait();
    }
  }
  void run() {
    prim.execute(d.stream, {{DNNL_ARG_SRC, src},
                            {DNNL_ARG_WEIGHTS, weights},
                            {DNNL_ARG_DST, dst}});
    d.stream.wait();
  }
};

/// oneDNN 2.x with the OpenMP runtime takes its thread count from OpenMP:
/// set it to 1 through libgomp (loaded as libdnnl's dependency) so that
/// nothing has to be linked against OpenMP here. Returns OpenMP's max threads
/// afterwards, or -1 when no OpenMP runtime is loaded.
int useOneThread() {
  setenv("OMP_NUM_THREADS", "1", /*overwrite=*/1);
  using SetFn = void (*)(int);
  using GetFn = int (*)();
  if (auto set =
          reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads")))
    set(1);
  if (auto get =
          reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "omp_get_max_threads")))
    return get();
  return -1;
}

std::string isaName(dnnl::cpu_isa isa) {
  switch (isa) {
  case dnnl::cpu_isa::all:
    return "all";
  case dnnl::cpu_isa::sse41:
    return "sse41";
  case dnnl::cpu_isa::avx:
    return "avx";
  case dnnl::cpu_isa::avx2:
    return "avx2";
  case dnnl::cpu_isa::avx2_vnni:
    return "avx2_vnni";
  case dnnl::cpu_isa::avx512_mic:
    return "avx512_mic";
  case dnnl::cpu_isa::avx512_mic_4ops:
    return "avx512_mic_4ops";
  case dnnl::cpu_isa::avx512_core:
    return "avx512_core";
  case dnnl::cpu_isa::avx512_core_vnni:
    return "avx512_core_vnni";
  case dnnl::cpu_isa::avx512_core_bf16:
    return "avx512_core_bf16";
  case dnnl::cpu_isa::avx512_core_amx:
    return "avx512_core_amx";
  }
  return "unknown (" + std::to_string(int(isa)) + ")";
}

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

struct Row {
  std::string shape;
  int64_t ops = 0;
  std::string status; // set when the row has no timing: error/wrong/skipped
  bool wrong = false, error = false, skipped = false;
  double subjectMs = 0, peerMs = 0;
  size_t subjectRuns = 0, peerRuns = 0;
  double subjectCpu = 0, peerCpu = 0; // CPU time / wall time while timed
  std::string peerName;               // the fastest peer
  std::string peerDetail;             // the other peers' medians
  std::vector<std::pair<std::string, double>> otherPeers; // name, ms
  double ratioLo = 0, ratioHi = 0; // per-round ratios against that peer
  Codegen codegen;                 // of the qsparse subject
  Codegen peerCodegen;             // of a qsparse peer
  std::string asGemm;              // a 1x1 stride-1 convolution's GEMM shape

  bool measured() const { return status.empty(); }
  double ratio() const { return peerMs / subjectMs; }
  double gops(double ms) const { return double(ops) / (ms * 1e6); }
};

struct Group {
  std::string key, title;
  std::string subject, peer; // column names
  std::string about;         // what is compared and how
  std::string opsNote;       // what the GOPS count
  double target = 1.0;
  bool strict = false; // "> target" instead of ">= target"
  std::vector<Row> rows;
  std::vector<std::string> notes; // peer implementations and the like
  double lastSubjectGops = 0;     // for estimating the next shape's time

  bool met(const Row &r) const {
    return strict ? r.ratio() > target : r.ratio() >= target;
  }
  std::string targetText() const {
    return llvm::formatv("{0} {1:f1}x", strict ? ">" : ">=", target).str();
  }
};

struct Gemm {
  int64_t m, n, k;
  int64_t ops() const { return 2 * m * n * k; }
  std::string str() const {
    if (m == n && n == k)
      return llvm::formatv("M=N=K={0}", m).str();
    return llvm::formatv("M={0} N={1} K={2}", m, n, k).str();
  }
};

//===----------------------------------------------------------------------===//
// The harness
//===----------------------------------------------------------------------===//

class Harness {
public:
  Harness(MLIRContext &ctx, Budget budget)
      : compiler(ctx), budget(budget), rng(seedOpt) {}

  bool anyWrong = false, anyError = false;
  double maxSubjectCpu = 0, maxPeerCpu = 0;

  Group int8Gemm(llvm::ArrayRef<Gemm> shapes);
  Group f32Gemm(llvm::ArrayRef<Gemm> shapes);
  Group int8Conv(llvm::ArrayRef<ConvShape> shapes);
  Group sparseGemm(llvm::ArrayRef<Gemm> shapes);
  Group sparseConv(llvm::ArrayRef<ConvShape> shapes);
  Group flintGemm(llvm::ArrayRef<Gemm> shapes);
  Group fusedBlock(const ConvShape &shape);

private:
  /// False (and the row marked) when one qsparse run of the row would take
  /// longer than --skip-slower-than, judged from the previous shape.
  bool affordable(Group &g, Row &row) {
    if (g.lastSubjectGops <= 0)
      return true;
    double estimate = double(row.ops) / (g.lastSubjectGops * 1e9);
    if (estimate <= skipAfter)
      return true;
    skip(g, row,
         llvm::formatv("skipped: one qsparse run would take about {0:f0} s "
                       "with the current pipeline ({1:f2} GOPS on the "
                       "previous shape)",
                       estimate, g.lastSubjectGops));
    return false;
  }

  /// Runs `subject` once, timing it; false (and the row marked) when that
  /// took longer than --skip-slower-than.
  bool firstRun(Group &g, Row &row, Contender &subject) {
    double start = wallNow();
    subject.run();
    double once = wallNow() - start;
    g.lastSubjectGops = double(row.ops) / (once * 1e9);
    if (once <= skipAfter)
      return true;
    skip(g, row,
         llvm::formatv("skipped: one qsparse run took {0:f0} s with the "
                       "current pipeline",
                       once));
    return false;
  }

  void skip(Group &g, Row &row, std::string status) {
    row.skipped = true;
    row.status = std::move(status);
    llvm::errs() << "  " << g.key << " " << row.shape << ": " << row.status
                 << "\n";
    g.rows.push_back(row);
  }

  bool compiled(Group &g, Row &row, Compiled &c, llvm::StringRef what) {
    if (c.fn)
      return true;
    row.error = true;
    row.status = "ERROR: " + what.str() + ": " + c.error;
    anyError = true;
    llvm::errs() << "qsparse-bench: *** ERROR *** " << g.title << ", "
                 << row.shape << ": " << what << ": " << c.error << "\n";
    g.rows.push_back(row);
    return false;
  }

  /// Records a failed check loudly; the row keeps no timing.
  bool verified(Group &g, Row &row, llvm::ArrayRef<std::string> mismatches) {
    std::string all;
    for (const std::string &m : mismatches)
      if (!m.empty())
        all += (all.empty() ? "" : "; ") + m;
    if (all.empty())
      return true;
    row.wrong = true;
    row.status = "WRONG RESULT: " + all;
    anyWrong = true;
    llvm::errs() << "qsparse-bench: *** WRONG RESULT *** " << g.title << ", "
                 << row.shape << ": " << all << "\n";
    g.rows.push_back(row);
    return false;
  }

  /// Times the subject, its peers and `beside` (reported with the peers but
  /// never the peer the target is measured against) alternately.
  void measure(Group &g, Row &row, Contender &subject,
               std::vector<Contender> &peers,
               std::vector<Contender> &&beside = {}) {
    std::vector<Contender *> all = {&subject};
    for (Contender &p : peers)
      all.push_back(&p);
    for (Contender &b : beside)
      all.push_back(&b);
    timeAlternately(all, budget);
    row.subjectMs = subject.median();
    row.subjectRuns = subject.runs();
    row.subjectCpu = subject.cpuPerWall();
    const Contender *best = &peers.front();
    for (const Contender &p : peers) {
      if (p.median() < best->median())
        best = &p;
      maxPeerCpu = std::max(maxPeerCpu, p.cpuPerWall());
    }
    for (const Contender &p : peers)
      if (&p != best)
        row.otherPeers.emplace_back(p.name, p.median());
    for (const Contender &p : peers)
      if (&p != best)
        row.peerDetail +=
            llvm::formatv("{0}{1}: {2} ms", row.peerDetail.empty() ? "" : "; ",
                          p.name, fmtMs(p.median()))
                .str();
    for (const Contender &b : beside) {
      row.peerDetail +=
          llvm::formatv(
              "{0}measured beside, {1}: {2} ms, {3:f2}x the time of qsparse",
              row.peerDetail.empty() ? "" : "; ", b.name, fmtMs(b.median()),
              b.median() / row.subjectMs)
              .str();
    }
    row.peerMs = best->median();
    row.peerRuns = best->runs();
    row.peerCpu = best->cpuPerWall();
    row.peerName = best->name;
    row.ratioLo = INFINITY;
    row.ratioHi = 0;
    for (auto [mine, theirs] : llvm::zip(subject.rounds, best->rounds)) {
      double ratio = ::median(theirs) / ::median(mine);
      row.ratioLo = std::min(row.ratioLo, ratio);
      row.ratioHi = std::max(row.ratioHi, ratio);
    }
    maxSubjectCpu = std::max(maxSubjectCpu, row.subjectCpu);
    g.lastSubjectGops = row.gops(row.subjectMs);
    report(g, row);
    g.rows.push_back(row);
  }

  void report(const Group &g, const Row &row) {
    llvm::errs() << llvm::formatv(
        "  {0} {1}: {2} {3:f3} ms ({4:f1} GOPS), {5} {6:f3} ms ({7:f1} GOPS), "
        "ratio {8:f2}x (rounds {9:f2}-{10:f2}; target {11})\n",
        g.key, row.shape, g.subject, row.subjectMs, row.gops(row.subjectMs),
        row.peerName, row.peerMs, row.gops(row.peerMs), row.ratio(),
        row.ratioLo, row.ratioHi, g.targetText());
  }

  Rng caseRng() { return Rng(rng()); }

  Compiler compiler;
  Budget budget;
  Rng rng;
  Dnnl dnnl;
};

/// u8 [M, K] x a constant s8 [K, N] weight -> s32, as a deployed model
/// holds its weights.
std::string constantWeightGemmProgram(const Gemm &g, llvm::StringRef name,
                                      const std::vector<int8_t> &weight) {
  std::string x = tensorType({g.m, g.k}, "i8"),
              w = tensorType({g.k, g.n}, "i8"),
              y = tensorType({g.m, g.n}, "i32");
  return "func.func @" + name.str() + "(%x: " + x + ") -> " + y +
         " {\n  %w = arith.constant dense<" + hexDense(weight) + "> : " + w +
         "\n  %y = qsparse.matmul %x, %w {input_unsigned} : " + x + ", " + w +
         " -> " + y + "\n  return %y : " + y + "\n}\n";
}

std::string int8GemmProgram(const Gemm &g, llvm::StringRef name) {
  std::string x = tensorType({g.m, g.k}, "i8"),
              w = tensorType({g.k, g.n}, "i8"),
              y = tensorType({g.m, g.n}, "i32");
  return "func.func @" + name.str() + "(%x: " + x + ", %w: " + w + ") -> " + y +
         " {\n  %y = qsparse.matmul %x, %w {input_unsigned} : " + x + ", " + w +
         " -> " + y + "\n  return %y : " + y + "\n}\n";
}

Group Harness::int8Gemm(llvm::ArrayRef<Gemm> shapes) {
  Group g;
  g.key = "int8-gemm";
  g.title = "int8 GEMM (u8 x s8 -> s32)";
  g.subject = "qsparse";
  g.peer = "oneDNN";
  g.target = 1.0;
  g.about = "`qsparse.matmul {input_unsigned}` (u8 activations [M, K] x s8 "
            "weights [K, N] -> s32, both function arguments, row-major) "
            "against oneDNN on the same buffers: the faster of `dnnl::matmul` "
            "(plain `ab` layouts) and `dnnl::gemm_u8s8s32`, per shape.";
  g.opsNote = "2*M*N*K";
  for (const Gemm &s : shapes) {
    Row row;
    row.shape = s.str();
    row.ops = s.ops();
    if (!affordable(g, row))
      continue;
    Rng r = caseRng();
    auto x = randomInts<uint8_t>(r, s.m * s.k, 0, 255);
    auto w = randomInts<int8_t>(r, s.k * s.n, -128, 127);
    std::vector<int32_t> ours(s.m * s.n), viaMatmul(s.m * s.n),
        viaGemm(s.m * s.n);
    Compiled c = compiler.compile(int8GemmProgram(s, "gemm"), "gemm");
    if (!compiled(g, row, c, "qsparse"))
      continue;
    row.codegen = c.codegen;
    DnnlMatmul mm(dnnl, s.m, s.n, s.k, dt::u8, dt::s8, dt::s32, x.data(),
                  w.data(), viaMatmul.data());
    int32_t co = 0;
    auto gemm = [&] {
      checkStatus(dnnl::gemm_u8s8s32('N', 'N', 'F', s.m, s.n, s.k, 1.0f,
                                     x.data(), s.k, 0, w.data(), s.n, 0, 0.0f,
                                     viaGemm.data(), s.n, &co),
                  "gemm_u8s8s32");
    };
    Contender subject{"qsparse",
                      [&] {
                        invoke(*c.fn, {x.data(), w.data()}, {ours.data()});
                      },
                      {}};
    std::vector<Contender> peers = {
        {"dnnl::matmul (" + mm.impl + ")", [&] { mm.run(); }, {}},
        {"dnnl::gemm_u8s8s32", gemm, {}}};
    if (!firstRun(g, row, subject))
      continue;
    mm.run();
    gemm();
    if (!verified(g, row,
                  {compareExact(ours, viaMatmul, "qsparse", "oneDNN matmul"),
                   compareExact(viaGemm, viaMatmul, "oneDNN gemm_u8s8s32",
                                "oneDNN matmul")}))
      continue;
    measure(g, row, subject, peers);
  }
  return g;
}

Group Harness::f32Gemm(llvm::ArrayRef<Gemm> shapes) {
  Group g;
  g.key = "f32-gemm";
  g.title = "f32 GEMM";
  g.subject = "qsparse";
  g.peer = "oneDNN";
  g.target = 0.9;
  g.about = "`linalg.matmul` on f32 with a `linalg.fill` 0 init (A [M, K] x "
            "B [K, N], row-major arguments) against oneDNN on the same "
            "buffers: the faster of `dnnl::sgemm` and `dnnl::matmul` (plain "
            "`ab`), per shape. Checked to rtol 1e-3 (|a - b| <= 1e-3 * (|b| + "
            "1)).";
  g.opsNote = "2*M*N*K";
  for (const Gemm &s : shapes) {
    Row row;
    row.shape = s.str();
    row.ops = s.ops();
    if (!affordable(g, row))
      continue;
    Rng r = caseRng();
    auto a = randomFloats(r, s.m * s.k);
    auto b = randomFloats(r, s.k * s.n);
    std::vector<float> ours(s.m * s.n), viaSgemm(s.m * s.n),
        viaMatmul(s.m * s.n);
    std::string ta = tensorType({s.m, s.k}, "f32"),
                tb = tensorType({s.k, s.n}, "f32"),
                tc = tensorType({s.m, s.n}, "f32");
    std::string text =
        "func.func @sgemm(%a: " + ta + ", %b: " + tb + ") -> " + tc +
        " {\n  %z = arith.constant 0.0 : f32\n  %e = tensor.empty() : " + tc +
        "\n  %f = linalg.fill ins(%z : f32) outs(%e : " + tc + ") -> " + tc +
        "\n  %y = linalg.matmul ins(%a, %b : " + ta + ", " + tb +
        ") outs(%f : " + tc + ") -> " + tc + "\n  return %y : " + tc + "\n}\n";
    Compiled c = compiler.compile(text, "sgemm");
    if (!compiled(g, row, c, "qsparse"))
      continue;
    row.codegen = c.codegen;
    DnnlMatmul mm(dnnl, s.m, s.n, s.k, dt::f32, dt::f32, dt::f32, a.data(),
                  b.data(), viaMatmul.data());
    auto sgemm = [&] {
      checkStatus(dnnl::sgemm('N', 'N', s.m, s.n, s.k, 1.0f, a.data(), s.k,
                              b.data(), s.n, 0.0f, viaSgemm.data(), s.n),
                  "sgemm");
    };
    Contender subject{"qsparse",
                      [&] {
                        invoke(*c.fn, {a.data(), b.data()}, {ours.data()});
                      },
                      {}};
    std::vector<Contender> peers = {
        {"dnnl::sgemm", sgemm, {}},
        {"dnnl::matmul (" + mm.impl + ")", [&] { mm.run(); }, {}}};
    if (!firstRun(g, row, subject))
      continue;
    sgemm();
    mm.run();
    if (!verified(
            g, row,
            {compareF32(ours, viaSgemm, "qsparse", "oneDNN sgemm"),
             compareF32(viaMatmul, viaSgemm, "oneDNN matmul", "oneDNN sgemm")}))
      continue;
    measure(g, row, subject, peers);
  }
  return g;
}

/// The convolution as a function of the image and the weight, or, when
/// `weightDef` (text defining %w in the body) is given, of the image only;
/// `extraAttrs` are appended to the conv's attributes.
std::string convProgram(const ConvShape &s, llvm::StringRef name,
                        llvm::StringRef weightDef = "",
                        llvm::StringRef extraAttrs = "") {
  std::string x = tensorType({s.n, s.h, s.w, s.c}, "i8"),
              w = tensorType({s.kh, s.kw, s.c, s.f}, "i8"),
              y = tensorType({s.n, s.oh(), s.ow(), s.f}, "i32");
  std::string attrs = llvm::formatv("{{input_unsigned, strides = array<i64: "
                                    "{0}, {0}>, padding = array<i64: {1}, {1}, "
                                    "{1}, {1}>{2}}",
                                    s.stride, s.pad, extraAttrs)
                          .str();
  std::string args = "%x: " + x;
  if (weightDef.empty())
    args += ", %w: " + w;
  return "func.func @" + name.str() + "(" + args + ") -> " + y + " {\n" +
         weightDef.str() + "  %y = qsparse.conv2d %x, %w " + attrs + " : " + x +
         ", " + w + " -> " + y + "\n  return %y : " + y + "\n}\n";
}

/// A random weight that is 2:4 sparse along its middle dimension of a
/// [outer][4*groups][inner] layout ([K][N] for a matmul, [KH*KW][C][F]
/// for an HWCF filter): per group of 4 and inner index, two ascending
/// positions with nonzero values. `values` and `meta` are the
/// `qsparse.nm_compress` form ([outer][2*groups][inner]), `dense` the
/// expanded weight.
struct Sparse24Weight {
  std::vector<int8_t> values, meta, dense;
  Sparse24Weight(Rng &r, int64_t outer, int64_t groups, int64_t inner)
      : values(outer * groups * 2 * inner), meta(values.size()),
        dense(outer * groups * 4 * inner, 0) {
    static const int8_t pairs[6][2] = {{0, 1}, {0, 2}, {0, 3},
                                       {1, 2}, {1, 3}, {2, 3}};
    std::uniform_int_distribution<int> pick(0, 5), value(-127, 126);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t grp = 0; grp < groups; ++grp)
        for (int64_t n = 0; n < inner; ++n) {
          const int8_t *p = pairs[pick(r)];
          for (int j = 0; j < 2; ++j) {
            int v = value(r);
            int8_t kept = int8_t(v >= 0 ? v + 1 : v); // nonzero
            values[((o * groups + grp) * 2 + j) * inner + n] = kept;
            meta[((o * groups + grp) * 2 + j) * inner + n] = p[j];
            dense[((o * groups + grp) * 4 + p[j]) * inner + n] = kept;
          }
        }
  }
};

/// The explicit-im2col route (what upstream convert_conv2d_to_img2col
/// builds): the padded image copied into an [N*OH*OW][KH*KW*C] matrix, then
/// a GEMM with the [K][F] filter.
std::string explicitIm2colProgram(const ConvShape &s, llvm::StringRef name) {
  int64_t m = s.n * s.oh() * s.ow(), k = s.kh * s.kw * s.c;
  int64_t hp = s.h + 2 * s.pad, wp = s.w + 2 * s.pad;
  std::string x = tensorType({s.n, s.h, s.w, s.c}, "i8"),
              xp = tensorType({s.n, hp, wp, s.c}, "i8"),
              w = tensorType({s.kh, s.kw, s.c, s.f}, "i8"),
              cols = tensorType({m, k}, "i8"), w2 = tensorType({k, s.f}, "i8"),
              y2 = tensorType({m, s.f}, "i32"),
              y = tensorType({s.n, s.oh(), s.ow(), s.f}, "i32");
  std::string text = "func.func @" + name.str() + "(%x: " + x + ", %w: " + w +
                     ") -> " + y + " {\n";
  std::string image = "%x";
  if (s.pad > 0) {
    text += llvm::formatv("  %c0 = arith.constant 0 : i8\n"
                          "  %p = tensor.pad %x low[0, {0}, {0}, 0] high[0, "
                          "{0}, {0}, 0] {{\n  ^bb0(%i: index, %j: index, %k: "
                          "index, %l: index):\n    tensor.yield %c0 : i8\n  "
                          "} : {1} to {2}\n",
                          s.pad, x, xp)
                .str();
    image = "%p";
  }
  // cols[m][k] = image[n, oh*s + kh, ow*s + kw, c] for m = (n, oh, ow) and
  // k = (kh, kw, c).
  std::string map = llvm::formatv(
      "affine_map<(m, k) -> (m floordiv {0}, ((m mod {0}) floordiv {1}) * {2} "
      "+ k floordiv {3}, (m mod {1}) * {2} + (k mod {3}) floordiv {4}, k mod "
      "{4})>",
      s.oh() * s.ow(), s.ow(), s.stride, s.kw * s.c, s.c);
  text += "  %e = tensor.empty() : " + cols + "\n";
  text += "  %cols = linalg.generic {indexing_maps = [" + map +
          ", affine_map<(m, k) -> (m, k)>], iterator_types = [\"parallel\", "
          "\"parallel\"]} ins(" +
          image + " : " + (s.pad > 0 ? xp : x) + ") outs(%e : " + cols +
          ") {\n  ^bb0(%v: i8, %o: i8):\n    linalg.yield %v : i8\n  } -> " +
          cols + "\n";
  text += "  %w2 = tensor.collapse_shape %w [[0, 1, 2], [3]] : " + w +
          " into " + w2 + "\n";
  text += "  %y2 = qsparse.matmul %cols, %w2 {input_unsigned} : " + cols +
          ", " + w2 + " -> " + y2 + "\n";
  text += llvm::formatv("  %y = tensor.expand_shape %y2 [[0, 1, 2], [3]] "
                        "output_shape [{0}, {1}, {2}, {3}] : {4} into {5}\n",
                        s.n, s.oh(), s.ow(), s.f, y2, y)
              .str();
  return text + "  return %y : " + y + "\n}\n";
}

Group Harness::int8Conv(llvm::ArrayRef<ConvShape> shapes) {
  Group g;
  g.key = "int8-conv";
  g.title = "int8 convolution (ResNet-50 layers, batch 1)";
  g.subject = "qsparse";
  g.peer = "oneDNN";
  g.target = 0.9;
  g.about = "`qsparse.conv2d {input_unsigned}` (u8 NHWC activations x s8 HWCF "
            "weights -> s32 NHWC, zero padding) against "
            "`dnnl::convolution_forward` (u8 `nhwc` src, s8 weights, s32 "
            "`nhwc` dst) on the same buffers. oneDNN runs twice per shape: "
            "reading the weights in place as `hwio`, and with the weights "
            "reordered once (untimed) into its preferred layout (`any`), as a "
            "deployment with constant weights would; the faster is the peer. "
            "Measured beside them (not a peer): the explicit-im2col route "
            "through the same qsparse CPU pipeline, the [N*OH*OW][KH*KW*C] "
            "matrix materialized as upstream `convert_conv2d_to_img2col` "
            "does, then the GEMM micro-kernel; qsparse's own route "
            "(`--qsparse-implicit-im2col`) has no such buffer. qsparse's "
            "weights are a constant of the program, packed for the kernel "
            "at compile time, as oneDNN's reordered ones are packed untimed; "
            "measured beside: the same convolution with the weights as an "
            "argument, packed on every call.";
  g.opsNote = "2*N*OH*OW*F*KH*KW*C";
  for (const ConvShape &s : shapes) {
    Row row;
    row.shape = s.str();
    row.ops = s.ops();
    if (s.kh == 1 && s.kw == 1 && s.stride == 1 && s.pad == 0)
      row.asGemm = Gemm{s.n * s.h * s.w, s.f, s.c}.str();
    if (!affordable(g, row))
      continue;
    Rng r = caseRng();
    auto x = randomInts<uint8_t>(r, s.n * s.h * s.w * s.c, 0, 255);
    auto w = randomInts<int8_t>(r, s.kh * s.kw * s.c * s.f, -128, 127);
    size_t outSize = s.n * s.oh() * s.ow() * s.f;
    std::vector<int32_t> ours(outSize), viaPlain(outSize), viaBlocked(outSize);
    std::string weightDef = "  %w = arith.constant dense<" + hexDense(w) +
                            "> : " + tensorType({s.kh, s.kw, s.c, s.f}, "i8") +
                            "\n";
    Compiled c = compiler.compile(convProgram(s, "conv", weightDef), "conv");
    if (!compiled(g, row, c, "qsparse"))
      continue;
    row.codegen = c.codegen;
    Compiled a = compiler.compile(convProgram(s, "conv"), "conv");
    if (!compiled(g, row, a, "qsparse weights as an argument"))
      continue;
    std::vector<int32_t> viaArgument(outSize);
    Compiled e =
        compiler.compile(explicitIm2colProgram(s, "explicit"), "explicit");
    if (!compiled(g, row, e, "qsparse explicit im2col"))
      continue;
    std::vector<int32_t> viaExplicit(outSize);
    DnnlConv plain(dnnl, s, /*plainWeights=*/true, x.data(), w.data(),
                   viaPlain.data());
    DnnlConv blocked(dnnl, s, /*plainWeights=*/false, x.data(), w.data(),
                     viaBlocked.data());
    Contender subject{
        "qsparse", [&] { invoke(*c.fn, {x.data()}, {ours.data()}); }, {}};
    std::vector<Contender> peers = {
        {"oneDNN hwio weights (" + plain.impl + ")", [&] { plain.run(); }, {}},
        {"oneDNN reordered weights (" + blocked.impl + ")",
         [&] { blocked.run(); },
         {}}};
    std::vector<Contender> beside = {
        {"qsparse, weights as an argument (packed per call)",
         [&] {
           invoke(*a.fn, {x.data(), w.data()}, {viaArgument.data()});
         },
         {}},
        {"qsparse explicit im2col",
         [&] {
           invoke(*e.fn, {x.data(), w.data()}, {viaExplicit.data()});
         },
         {}}};
    if (!firstRun(g, row, subject))
      continue;
    plain.run();
    blocked.run();
    for (Contender &other : beside)
      other.run();
    if (!verified(g, row,
                  {compareExact(ours, viaPlain, "qsparse", "oneDNN"),
                   compareExact(viaArgument, viaPlain,
                                "qsparse (weights as an argument)", "oneDNN"),
                   compareExact(viaBlocked, viaPlain,
                                "oneDNN (reordered weights)", "oneDNN (hwio)"),
                   compareExact(viaExplicit, viaPlain,
                                "qsparse explicit im2col", "oneDNN")}))
      continue;
    measure(g, row, subject, peers, std::move(beside));
  }
  return g;
}

Group Harness::sparseGemm(llvm::ArrayRef<Gemm> shapes) {
  Group g;
  g.key = "sparse-gemm";
  g.title = "2:4-sparse int8 GEMM";
  g.subject = "qsparse 2:4";
  g.peer = "qsparse dense";
  g.target = 1.6;
  g.about = "Weights are constants, as in a deployed model: compressed "
            "values [K/2, N] + in-group positions [K/2, N] (canonical "
            "`qsparse.nm_compress` form) through `qsparse.nm_decompress` into "
            "`qsparse.matmul {input_unsigned, weight_sparsity = "
            "#qsparse.nm<2:4>}`. The compiler scatters them at compile time "
            "and, on hosts with AVX-512 VBMI, runs the 2:4 kernel: half the "
            "VNNI dot products, each lane fed by a `vpermb` gather of the "
            "activation bytes. The peer is qsparse's dense int8 GEMM at the "
            "same shape with a constant full-range weight. Measured beside: "
            "the compressed weights as function arguments, packed for the "
            "2:4 kernel on every call (the expanded weight is not built). "
            "All are checked against oneDNN.";
  g.opsNote = "2*M*N*K of the dense shape, for both";
  for (const Gemm &s : shapes) {
    Row row;
    row.shape = s.str();
    row.ops = s.ops();
    if (!affordable(g, row))
      continue;
    Rng r = caseRng();
    auto x = randomInts<uint8_t>(r, s.m * s.k, 0, 255);
    // 2:4 along K.
    Sparse24Weight sw(r, 1, s.k / 4, s.n);
    std::vector<int8_t> &values = sw.values, &meta = sw.meta, &dense = sw.dense;
    std::vector<int32_t> ours(s.m * s.n), oursDense(s.m * s.n),
        viaDnnl(s.m * s.n);
    std::string tx = tensorType({s.m, s.k}, "i8"),
                tv = tensorType({s.k / 2, s.n}, "i8"),
                tw = tensorType({s.k, s.n}, "i8"),
                ty = tensorType({s.m, s.n}, "i32");
    auto body = "\n  %w = qsparse.nm_decompress %v, %m {sparsity = "
                "#qsparse.nm<2:4>, axis = 0 : i64} : " +
                tv + ", " + tv + " -> " + tw +
                "\n  %y = qsparse.matmul %x, %w {input_unsigned, "
                "weight_sparsity = #qsparse.nm<2:4>} : " +
                tx + ", " + tw + " -> " + ty + "\n  return %y : " + ty +
                "\n}\n";
    std::string text = "func.func @sparse(%x: " + tx + ") -> " + ty +
                       " {\n  %v = arith.constant dense<" + hexDense(values) +
                       "> : " + tv + "\n  %m = arith.constant dense<" +
                       hexDense(meta) + "> : " + tv + body;
    std::string argText = "func.func @sparse_arg(%x: " + tx + ", %v: " + tv +
                          ", %m: " + tv + ") -> " + ty + " {" + body;
    auto full = randomInts<int8_t>(r, s.k * s.n, -128, 127);
    std::string denseText = constantWeightGemmProgram(s, "dense", full);
    Compiled c = compiler.compile(text, "sparse");
    if (!compiled(g, row, c, "qsparse 2:4"))
      continue;
    row.codegen = c.codegen;
    Compiled d = compiler.compile(denseText, "dense");
    if (!compiled(g, row, d, "qsparse dense"))
      continue;
    row.peerCodegen = d.codegen;
    Compiled a = compiler.compile(argText, "sparse_arg");
    if (!compiled(g, row, a, "qsparse 2:4 (compressed arguments)"))
      continue;
    std::vector<int32_t> oursArg(s.m * s.n), fullViaDnnl(s.m * s.n);
    DnnlMatmul mm(dnnl, s.m, s.n, s.k, dt::u8, dt::s8, dt::s32, x.data(),
                  dense.data(), viaDnnl.data());
    DnnlMatmul mmFull(dnnl, s.m, s.n, s.k, dt::u8, dt::s8, dt::s32, x.data(),
                      full.data(), fullViaDnnl.data());
    Contender subject{
        "qsparse 2:4", [&] { invoke(*c.fn, {x.data()}, {ours.data()}); }, {}};
    std::vector<Contender> peers = {
        {"qsparse dense int8",
         [&] { invoke(*d.fn, {x.data()}, {oursDense.data()}); },
         {}}};
    std::vector<Contender> beside = {
        {"qsparse 2:4, compressed weights as arguments",
         [&] {
           invoke(*a.fn, {x.data(), values.data(), meta.data()},
                  {oursArg.data()});
         },
         {}}};
    if (!firstRun(g, row, subject))
      continue;
    peers[0].run();
    beside[0].run();
    mm.run();
    mmFull.run();
    if (!verified(
            g, row,
            {compareExact(ours, viaDnnl, "qsparse 2:4", "oneDNN"),
             compareExact(oursArg, viaDnnl, "qsparse 2:4 (arguments)",
                          "oneDNN"),
             compareExact(oursDense, fullViaDnnl, "qsparse dense", "oneDNN")}))
      continue;
    measure(g, row, subject, peers, std::move(beside));
  }
  return g;
}

Group Harness::sparseConv(llvm::ArrayRef<ConvShape> shapes) {
  Group g;
  g.key = "sparse-conv";
  g.title = "2:4-sparse int8 convolution (ResNet-50 layers, batch 1)";
  g.subject = "qsparse 2:4";
  g.peer = "qsparse dense";
  g.target = 1.6;
  g.about = "The filter is a constant, 2:4 sparse along C as "
            "`--qsparse-sparsify` leaves a convolution weight: compressed "
            "values + in-group positions [KH, KW, C/2, F] through "
            "`qsparse.nm_decompress {axis = 2}` into `qsparse.conv2d "
            "{input_unsigned, weight_sparsity = #qsparse.nm<2:4>}`. With C % "
            "8 == 0, on hosts with AVX-512 VBMI, the implicit-GEMM kernel "
            "runs half the VNNI dot products, each fed by a `vpermb` gather "
            "of a pixel's 8 channel bytes. The peer is qsparse's dense int8 "
            "convolution at the same shape with a constant full-range "
            "filter. Both are checked against oneDNN.";
  g.opsNote = "2*N*OH*OW*F*KH*KW*C of the dense shape, for both";
  for (const ConvShape &s : shapes) {
    Row row;
    row.shape = s.str();
    row.ops = s.ops();
    if (!affordable(g, row))
      continue;
    Rng r = caseRng();
    auto x = randomInts<uint8_t>(r, s.n * s.h * s.w * s.c, 0, 255);
    Sparse24Weight sw(r, s.kh * s.kw, s.c / 4, s.f);
    auto full = randomInts<int8_t>(r, s.kh * s.kw * s.c * s.f, -128, 127);
    std::string tv = tensorType({s.kh, s.kw, s.c / 2, s.f}, "i8"),
                tw = tensorType({s.kh, s.kw, s.c, s.f}, "i8");
    std::string sparseDef =
        "  %v = arith.constant dense<" + hexDense(sw.values) + "> : " + tv +
        "\n  %m = arith.constant dense<" + hexDense(sw.meta) + "> : " + tv +
        "\n  %w = qsparse.nm_decompress %v, %m {sparsity = "
        "#qsparse.nm<2:4>, axis = 2 : i64} : " +
        tv + ", " + tv + " -> " + tw + "\n";
    std::string denseDef =
        "  %w = arith.constant dense<" + hexDense(full) + "> : " + tw + "\n";
    Compiled c =
        compiler.compile(convProgram(s, "sparse", sparseDef,
                                     ", weight_sparsity = #qsparse.nm<2:4>"),
                         "sparse");
    if (!compiled(g, row, c, "qsparse 2:4"))
      continue;
    row.codegen = c.codegen;
    Compiled d = compiler.compile(convProgram(s, "dense", denseDef), "dense");
    if (!compiled(g, row, d, "qsparse dense"))
      continue;
    row.peerCodegen = d.codegen;
    size_t outSize = s.n * s.oh() * s.ow() * s.f;
    std::vector<int32_t> ours(outSize), oursDense(outSize), viaDnnl(outSize),
        denseViaDnnl(outSize);
    DnnlConv sparseRef(dnnl, s, /*plainWeights=*/true, x.data(),
                       sw.dense.data(), viaDnnl.data());
    DnnlConv denseRef(dnnl, s, /*plainWeights=*/true, x.data(), full.data(),
                      denseViaDnnl.data());
    Contender subject{
        "qsparse 2:4", [&] { invoke(*c.fn, {x.data()}, {ours.data()}); }, {}};
    std::vector<Contender> peers = {
        {"qsparse dense int8",
         [&] { invoke(*d.fn, {x.data()}, {oursDense.data()}); },
         {}}};
    if (!firstRun(g, row, subject))
      continue;
    peers[0].run();
    sparseRef.run();
    denseRef.run();
    if (!verified(
            g, row,
            {compareExact(ours, viaDnnl, "qsparse 2:4", "oneDNN"),
             compareExact(oursDense, denseViaDnnl, "qsparse dense", "oneDNN")}))
      continue;
    measure(g, row, subject, peers, {});
  }
  return g;
}

Group Harness::flintGemm(llvm::ArrayRef<Gemm> shapes) {
  Group g;
  g.key = "flint-gemm";
  g.title = "flint4-weight GEMM";
  g.subject = "qsparse flint4";
  g.peer = "qsparse int8";
  g.target = 0.9;
  g.about =
      "Weights are constants, as in a deployed model. The flint4 "
      "program holds `!qsparse.flint<4, signed>` codes (`qsparse.bitcast` "
      "of a constant, `qsparse.decode` to i8, `qsparse.matmul "
      "{input_unsigned}`); the codes are decoded at compile time and, "
      "having at most 16 distinct values (+-{0,1,2,3,4,6,8,16}), stored "
      "for the VNNI kernel as 4-bit table indices: K*N/2 bytes, decoded "
      "in registers by `vpshufb`. The peer is qsparse's dense int8 GEMM "
      "with a constant full-range int8 weight, packed at compile time "
      "(K*N bytes). Measured beside: the flint4 codes as a function "
      "argument (one code per byte), decoded and packed on every call. "
      "All are checked against oneDNN.";
  g.opsNote = "2*M*N*K";
  namespace num = qsparse::numerics;
  num::CodeFormat flint4{num::CodeKind::Flint, 4, /*isSigned=*/true};
  int8_t decoded[16];
  for (uint32_t code = 0; code < 16; ++code)
    decoded[code] = int8_t(*num::decodeToInt64(flint4, code));
  for (const Gemm &s : shapes) {
    Row row;
    row.shape = s.str();
    row.ops = s.ops();
    if (!affordable(g, row))
      continue;
    Rng r = caseRng();
    auto x = randomInts<uint8_t>(r, s.m * s.k, 0, 255);
    auto codes = randomInts<int8_t>(r, s.k * s.n, 0, 15);
    std::vector<int8_t> w(codes.size());
    for (size_t i = 0; i < codes.size(); ++i)
      w[i] = decoded[codes[i]];
    auto dense = randomInts<int8_t>(r, s.k * s.n, -128, 127);
    std::vector<int32_t> ours(s.m * s.n), oursDense(s.m * s.n),
        oursArg(s.m * s.n), viaDnnl(s.m * s.n), denseViaDnnl(s.m * s.n);
    std::string tx = tensorType({s.m, s.k}, "i8"),
                tw = tensorType({s.k, s.n}, "i8"),
                tf = tensorType({s.k, s.n}, "!qsparse.flint<4, signed>"),
                ty = tensorType({s.m, s.n}, "i32");
    // flint4: %x -> codes held as a constant.
    auto flintBody = [&](const std::string &codesValue) {
      return "\n  %f = qsparse.bitcast " + codesValue + " : " + tw + " -> " +
             tf + "\n  %w = qsparse.decode %f : " + tf + " -> " + tw +
             "\n  %y = qsparse.matmul %x, %w {input_unsigned} : " + tx + ", " +
             tw + " -> " + ty + "\n  return %y : " + ty + "\n}\n";
    };
    std::string text = "func.func @flint(%x: " + tx + ") -> " + ty +
                       " {\n  %c = arith.constant dense<" + hexDense(codes) +
                       "> : " + tw + flintBody("%c");
    std::string argText = "func.func @flint_arg(%x: " + tx + ", %c: " + tw +
                          ") -> " + ty + " {" + flintBody("%c");
    std::string denseText = constantWeightGemmProgram(s, "dense", dense);
    Compiled c = compiler.compile(text, "flint");
    if (!compiled(g, row, c, "qsparse flint4"))
      continue;
    row.codegen = c.codegen;
    Compiled d = compiler.compile(denseText, "dense");
    if (!compiled(g, row, d, "qsparse int8"))
      continue;
    row.peerCodegen = d.codegen;
    Compiled a = compiler.compile(argText, "flint_arg");
    if (!compiled(g, row, a, "qsparse flint4 (codes as an argument)"))
      continue;
    DnnlMatmul mm(dnnl, s.m, s.n, s.k, dt::u8, dt::s8, dt::s32, x.data(),
                  w.data(), viaDnnl.data());
    DnnlMatmul mmDense(dnnl, s.m, s.n, s.k, dt::u8, dt::s8, dt::s32, x.data(),
                       dense.data(), denseViaDnnl.data());
    Contender subject{"qsparse flint4",
                      [&] { invoke(*c.fn, {x.data()}, {ours.data()}); },
                      {}};
    std::vector<Contender> peers = {
        {"qsparse dense int8",
         [&] { invoke(*d.fn, {x.data()}, {oursDense.data()}); },
         {}}};
    std::vector<Contender> beside = {
        {"qsparse flint4, codes as an argument",
         [&] {
           invoke(*a.fn, {x.data(), codes.data()}, {oursArg.data()});
         },
         {}}};
    if (!firstRun(g, row, subject))
      continue;
    peers[0].run();
    beside[0].run();
    mm.run();
    mmDense.run();
    if (!verified(
            g, row,
            {compareExact(ours, viaDnnl, "qsparse flint4", "oneDNN"),
             compareExact(oursArg, viaDnnl, "qsparse flint4 (argument)",
                          "oneDNN"),
             compareExact(oursDense, denseViaDnnl, "qsparse int8", "oneDNN")}))
      continue;
    measure(g, row, subject, peers, std::move(beside));
  }
  return g;
}

Group Harness::fusedBlock(const ConvShape &s) {
  Group g;
  g.key = "fused-block";
  g.title = "Fused conv + bias + requantize + ReLU";
  g.subject = "qsparse fused";
  g.peer = "qsparse unfused";
  g.target = 1.0;
  g.strict = true;
  const int32_t multiplier = 1518500250; // 2^30.5: scale 2^-12.5 with shift 43
  const unsigned shift = 43;
  g.about = llvm::formatv(
                "One function holds `qsparse.conv2d {{input_unsigned}` -> "
                "per-channel i32 bias add (`linalg.generic`) -> "
                "`qsparse.requantize` (multiplier {0}, shift {1}, to i8) -> "
                "ReLU (`arith.maxsi` with 0 in a `linalg.generic`); the peer "
                "is the same four ops as four separately compiled functions "
                "called one after another through caller-allocated "
                "intermediate buffers. In the fused function `--qsparse-fuse` "
                "merges bias, requantize and ReLU into one elementwise op and "
                "marks it the convolution's epilogue, which the micro-kernel "
                "applies to the accumulator registers before the store. Both "
                "are checked against oneDNN's convolution followed by an "
                "independent C++ epilogue.",
                multiplier, shift)
                .str();
  g.opsNote = "2*N*OH*OW*F*KH*KW*C of the convolution";
  Row row;
  row.shape = s.str();
  row.ops = s.ops();
  Rng r = caseRng();
  auto x = randomInts<uint8_t>(r, s.n * s.h * s.w * s.c, 0, 255);
  auto w = randomInts<int8_t>(r, s.kh * s.kw * s.c * s.f, -128, 127);
  auto bias = randomInts<int32_t>(r, s.f, -50000, 50000);
  size_t outSize = s.n * s.oh() * s.ow() * s.f;
  std::vector<int8_t> fused(outSize), quantized(outSize), unfused(outSize),
      expected(outSize);
  std::vector<int32_t> acc(outSize), biased(outSize), viaDnnl(outSize);

  std::string tx = tensorType({s.n, s.h, s.w, s.c}, "i8"),
              tw = tensorType({s.kh, s.kw, s.c, s.f}, "i8"),
              tb = tensorType({s.f}, "i32"),
              ta = tensorType({s.n, s.oh(), s.ow(), s.f}, "i32"),
              tq = tensorType({s.n, s.oh(), s.ow(), s.f}, "i8");
  std::string maps = "#id = affine_map<(n, h, w, c) -> (n, h, w, c)>\n"
                     "#ch = affine_map<(n, h, w, c) -> (c)>\n";
  std::string par = "iterator_types = [\"parallel\", \"parallel\", "
                    "\"parallel\", \"parallel\"]";
  std::string conv = llvm::formatv("qsparse.conv2d %x, %w {{input_unsigned, "
                                   "strides = array<i64: {0}, {0}>, padding = "
                                   "array<i64: {1}, {1}, {1}, {1}>} : ",
                                   s.stride, s.pad)
                         .str() +
                     tx + ", " + tw + " -> " + ta;
  auto biasOp = [&](llvm::StringRef in) {
    return "%be = tensor.empty() : " + ta +
           "\n  %b1 = linalg.generic {indexing_maps = [#id, #ch, #id], " + par +
           "} ins(" + in.str() + ", %b : " + ta + ", " + tb +
           ") outs(%be : " + ta +
           ") {\n  ^bb0(%a0: i32, %a1: i32, %o: i32):\n    %s = arith.addi "
           "%a0, %a1 : i32\n    linalg.yield %s : i32\n  } -> " +
           ta;
  };
  std::string requant =
      llvm::formatv("{{multiplier = array<i32: {0}>, shift = array<i32: {1}>}",
                    multiplier, shift)
          .str();
  auto reluOp = [&](llvm::StringRef in) {
    return "%re = tensor.empty() : " + tq +
           "\n  %r = linalg.generic {indexing_maps = [#id, #id], " + par +
           "} ins(" + in.str() + " : " + tq + ") outs(%re : " + tq +
           ") {\n  ^bb0(%v: i8, %o: i8):\n    %z = arith.constant 0 : i8\n    "
           "%m = arith.maxsi %v, %z : i8\n    linalg.yield %m : i8\n  } -> " +
           tq;
  };
  std::string fusedText =
      maps + "func.func @block(%x: " + tx + ", %w: " + tw + ", %b: " + tb +
      ") -> " + tq + " {\n  %acc = " + conv + "\n  " + biasOp("%acc") +
      "\n  %q = qsparse.requantize %b1 " + requant + " : " + ta + " -> " + tq +
      "\n  " + reluOp("%q") + "\n  return %r : " + tq + "\n}\n";
  std::string convText = "func.func @conv(%x: " + tx + ", %w: " + tw + ") -> " +
                         ta + " {\n  %acc = " + conv +
                         "\n  return %acc : " + ta + "\n}\n";
  std::string biasText = maps + "func.func @bias(%acc: " + ta + ", %b: " + tb +
                         ") -> " + ta + " {\n  " + biasOp("%acc") +
                         "\n  return %b1 : " + ta + "\n}\n";
  std::string requantText = "func.func @requantize(%b1: " + ta + ") -> " + tq +
                            " {\n  %q = qsparse.requantize %b1 " + requant +
                            " : " + ta + " -> " + tq + "\n  return %q : " + tq +
                            "\n}\n";
  std::string reluText = maps + "func.func @relu(%q: " + tq + ") -> " + tq +
                         " {\n  " + reluOp("%q") + "\n  return %r : " + tq +
                         "\n}\n";

  Compiled cf = compiler.compile(fusedText, "block");
  if (!compiled(g, row, cf, "qsparse fused block"))
    return g;
  row.codegen = cf.codegen;
  Compiled cc = compiler.compile(convText, "conv");
  Compiled cb = compiler.compile(biasText, "bias");
  Compiled cq = compiler.compile(requantText, "requantize");
  Compiled cr = compiler.compile(reluText, "relu");
  if (!compiled(g, row, cc, "unfused conv") ||
      !compiled(g, row, cb, "unfused bias") ||
      !compiled(g, row, cq, "unfused requantize") ||
      !compiled(g, row, cr, "unfused relu"))
    return g;
  row.peerCodegen = cc.codegen;

  DnnlConv oracle(dnnl, s, /*plainWeights=*/true, x.data(), w.data(),
                  viaDnnl.data());
  oracle.run();
  for (size_t i = 0; i < outSize; ++i)
    expected[i] =
        requantizeRelu(int64_t(viaDnnl[i]) + bias[i % s.f], multiplier, shift);

  Contender subject{
      "qsparse fused",
      [&] {
        invoke(*cf.fn, {x.data(), w.data(), bias.data()}, {fused.data()});
      },
      {}};
  std::vector<Contender> peers = {
      {"qsparse unfused (4 functions)",
       [&] {
         invoke(*cc.fn, {x.data(), w.data()}, {acc.data()});
         invoke(*cb.fn, {acc.data(), bias.data()}, {biased.data()});
         invoke(*cq.fn, {biased.data()}, {quantized.data()});
         invoke(*cr.fn, {quantized.data()}, {unfused.data()});
       },
       {}}};
  if (!firstRun(g, row, subject))
    return g;
  peers[0].run();
  if (!verified(g, row,
                {compareExact(acc, viaDnnl, "qsparse conv", "oneDNN conv"),
                 compareExact(fused, expected, "qsparse fused", "oracle"),
                 compareExact(unfused, expected, "qsparse unfused", "oracle")}))
    return g;
  measure(g, row, subject, peers);
  return g;
}

//===----------------------------------------------------------------------===//
// Why a target is missed
//===----------------------------------------------------------------------===//

/// GOPS (2 per multiply-add) of 512-bit `vpdpbusd` issued back to back on
/// independent registers, nothing loaded: the host's int8 issue limit that
/// any GEMM kernel built on it stays under. 0 without AVX-512 VNNI.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static double
vnniPeakLoop() {
  // Twelve independent accumulators (more than the instruction's latency
  // in cycles), in one asm block so that no compiler spills or reorders.
  __m512i c0 = _mm512_set1_epi32(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0,
          c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x01010101);
  const long iters = 8000000;
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (long it = 0; it < iters; ++it)
      asm volatile(
          "vpdpbusd %[b], %[a], %[c0]\n\t"
          "vpdpbusd %[b], %[a], %[c1]\n\t"
          "vpdpbusd %[b], %[a], %[c2]\n\t"
          "vpdpbusd %[b], %[a], %[c3]\n\t"
          "vpdpbusd %[b], %[a], %[c4]\n\t"
          "vpdpbusd %[b], %[a], %[c5]\n\t"
          "vpdpbusd %[b], %[a], %[c6]\n\t"
          "vpdpbusd %[b], %[a], %[c7]\n\t"
          "vpdpbusd %[b], %[a], %[c8]\n\t"
          "vpdpbusd %[b], %[a], %[c9]\n\t"
          "vpdpbusd %[b], %[a], %[c10]\n\t"
          "vpdpbusd %[b], %[a], %[c11]"
          : [c0] "+v"(c0), [c1] "+v"(c1), [c2] "+v"(c2), [c3] "+v"(c3),
            [c4] "+v"(c4), [c5] "+v"(c5), [c6] "+v"(c6), [c7] "+v"(c7),
            [c8] "+v"(c8), [c9] "+v"(c9), [c10] "+v"(c10), [c11] "+v"(c11)
          : [a] "v"(a), [b] "v"(b));
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count());
  }
  return 12.0 * iters * 64 * 2 / best / 1e9;
}

double vnniPeakGops() {
  static double peak = [] {
    llvm::StringMap<bool> f = llvm::sys::getHostCPUFeatures();
    return f.lookup("avx512f") && f.lookup("avx512bw") && f.lookup("avx512vnni")
               ? vnniPeakLoop()
               : 0.0;
  }();
  return peak;
}

/// The explanation paragraph for a group with missed targets. It rests on
/// what this run can see (ratios, the lowered code's vector ops and VNNI dot
/// products, the peers' variants) so that it stays true as the pipeline
/// improves; revisit the wording here when a new kind of kernel lands.
std::string explainMisses(const Group &g, llvm::ArrayRef<Group> all) {
  std::vector<const Row *> missed;
  for (const Row &r : g.rows)
    if (r.measured() && !g.met(r))
      missed.push_back(&r);
  if (missed.empty())
    return "";
  double worst = missed.front()->ratio(), best = worst, topGops = 0;
  for (const Row &r : g.rows)
    if (r.measured())
      topGops = std::max(topGops, r.gops(r.subjectMs));
  std::vector<std::string> scalar, vectorNoVnni, slowOutliers;
  bool anyVector = false, anyVnni = false, sameKernelAsPeer = true;
  for (const Row *r : missed) {
    worst = std::min(worst, r->ratio());
    best = std::max(best, r->ratio());
    if (r->codegen.known && r->codegen.vectorOps == 0)
      scalar.push_back(r->shape);
    if (r->codegen.vectorOps > 0 && r->codegen.vnniCalls == 0)
      vectorNoVnni.push_back(r->shape);
    if (r->gops(r->subjectMs) < 0.5 * topGops)
      slowOutliers.push_back(r->shape);
    anyVector |= r->codegen.vectorOps > 0;
    anyVnni |= r->codegen.vnniCalls > 0;
    sameKernelAsPeer &= r->codegen.vnniCalls > 0 &&
                        r->codegen.vnniCalls == r->peerCodegen.vnniCalls &&
                        r->codegen.permutes == r->peerCodegen.permutes;
  }
  auto list = [](const std::vector<std::string> &shapes) {
    std::string out;
    for (const std::string &shape : shapes)
      out += (out.empty() ? "" : ", ") + shape;
    return out;
  };
  const Row *worstRow = missed.front();
  for (const Row *r : missed)
    if (r->ratio() < worstRow->ratio())
      worstRow = r;
  std::string s =
      missed.size() == 1
          ? llvm::formatv("{0} of {1} measured shapes misses {2} (ratio "
                          "{3:f2}x: qsparse needs {4:f2}x more speed). ",
                          missed.size(), g.rows.size(), g.targetText(), worst,
                          g.target / worst)
                .str()
          : llvm::formatv("{0} of {1} measured shapes miss {2} (ratios "
                          "{3:f2}x to {4:f2}x: qsparse needs {5:f2}x to "
                          "{6:f2}x more speed; the largest gap is at {7}). ",
                          missed.size(), g.rows.size(), g.targetText(), worst,
                          best, g.target / best, g.target / worst,
                          worstRow->shape)
                .str();
  if (!scalar.empty())
    s += "No vector code was generated for " + list(scalar) +
         ": the CPU pipeline leaves it to the reference lowering's plain "
         "loops. ";

  if (g.key == "int8-gemm" || g.key == "f32-gemm") {
    if (anyVector)
      s += std::string("The lowered code uses the CPU pipeline's "
                       "register-tiled vector micro-kernels") +
           (anyVnni ? " (AVX-512 VNNI `vpdpbusd` for u8 x s8)" : "") +
           ", so what remains is how the kernel is fed and scheduled: "
           "oneDNN generates its GEMM kernels per shape and ISA at run time "
           "(brgemm), with cache blocking of M, N and K, packed operands, "
           "software prefetch and masked tails. ";
    if (g.key == "int8-gemm" && anyVnni && vnniPeakGops() > 0) {
      double lo = 1e9, hi = 0, peerLo = 1e9, peerHi = 0;
      std::string lowest;
      for (const Row &r : g.rows) {
        if (!r.measured())
          continue;
        double ours = r.gops(r.subjectMs) / vnniPeakGops(),
               theirs = r.gops(r.peerMs) / vnniPeakGops();
        if (ours < lo)
          lowest = r.shape;
        lo = std::min(lo, ours), hi = std::max(hi, ours);
        peerLo = std::min(peerLo, theirs), peerHi = std::max(peerHi, theirs);
      }
      s += llvm::formatv(
               "Both sides run close to the host's limit: 512-bit `vpdpbusd` "
               "issued back to back on registers, nothing loaded "
               "(`vnniPeakLoop` in this harness), peaks at {0:f0} GOPS here; "
               "qsparse reaches {1:f0}-{2:f0}% of it (lowest at {5}) and "
               "oneDNN {3:f0}-{4:f0}%. What separates a kernel from that "
               "limit is feeding it; docs/CPUCodegen.md records, for f32 at "
               "M=128 N=768 K=3072, that a build whose tiles never read B "
               "reaches oneDNN's time. ",
               vnniPeakGops(), 100 * lo, 100 * hi, 100 * peerLo, 100 * peerHi,
               lowest)
               .str();
    } else {
      s += "This harness does not measure which of these accounts for the "
           "gap. ";
    }
    if (!slowOutliers.empty())
      s += "Below half the group's best qsparse GOPS: " + list(slowOutliers) +
           ". Rows or columns that do not fill a register tile are a likely "
           "cause: when this harness was written the micro-kernels left the "
           "columns beyond the last full tile to plain loops "
           "(`lib/Conversion/QSparseToCPU/MatmulKernels.cpp`). ";
  } else if (g.key == "int8-conv") {
    if (anyVector) {
      s += "qsparse's convolution is lowered to vector code";
      if (anyVnni)
        s += " with VNNI dot products";
      if (!vectorNoVnni.empty())
        s += " (no VNNI for " + list(vectorNoVnni) +
             ", whose reduction does not suit the VNNI kernel)";
      s += ". ";
    }
    double lo = INFINITY, hi = 0;
    for (const Row *r : missed)
      for (const auto &[name, ms] : r->otherPeers) {
        lo = std::min(lo, ms / r->peerMs);
        hi = std::max(hi, ms / r->peerMs);
      }
    s += "oneDNN is at its best with its weights reordered once into a "
         "blocked VNNI layout (`brgconv`): the implicit-GEMM kernel with "
         "weights packed for it, blocked over output channels and pixels, "
         "that DESIGN 5 describes for qsparse (convolution as implicit "
         "GEMM, packed operands). "
         "Both sides skip the taps that read only zero padding (GOPS "
         "count them anyway, so a padded shape's GOPS can pass the "
         "host's VNNI peak). qsparse's weights are packed at compile time, as "
         "oneDNN's are reordered untimed; the same convolution with the "
         "weights as an argument, packed on every call, is measured beside "
         "(a large filter's packing costs up to a fifth of the time, "
         "docs/CPUCodegen.md). ";
    for (const Row *r : missed)
      if (!r->asGemm.empty()) {
        double gemmGops = 0;
        for (const Group &other : all)
          if (other.key == "int8-gemm")
            for (const Row &gr : other.rows)
              if (gr.measured())
                gemmGops = std::max(gemmGops, gr.gops(gr.subjectMs));
        if (gemmGops > 0)
          s += llvm::formatv("The {0} convolution is a GEMM ({1}) over the "
                             "same buffers, yet runs at {2:f0} GOPS where "
                             "qsparse's int8 GEMM reaches up to {3:f0} GOPS "
                             "in this run: the convolution path does not get "
                             "the GEMM kernels' efficiency. ",
                             r->shape.substr(0, r->shape.find(':')), r->asGemm,
                             r->gops(r->subjectMs), gemmGops)
                   .str();
      }
    if (hi > 0)
      s += llvm::formatv("The same oneDNN reading the `hwio` weights in "
                         "place is {0:f1}x to {1:f1}x slower (see the peer "
                         "column), which shows how much of the gap is "
                         "weight layout and blocking rather than "
                         "arithmetic. ",
                         lo, hi)
               .str();
  } else if (g.key == "sparse-gemm" || g.key == "sparse-conv") {
    s += "A 2:4 weight pays only when the kernel consumes values + metadata "
         "and skips the pruned half of the multiply-adds (DESIGN 5). ";
    if (sameKernelAsPeer)
      s += "The lowered 2:4 program contains the same dense micro-kernel as "
           "the dense GEMM (as many VNNI dot products), i.e. "
           "`qsparse.nm_decompress` expands the weight into a dense [K, N] "
           "buffer first: all the dense multiply-adds plus the expansion. ";
    else if (best <= 1.05)
      s += "The 2:4 program is no faster than the dense one, so no "
           "multiply-adds are being skipped. ";
    else
      s += "The 2:4 kernel does half the VNNI dot products, but each needs a "
           "`vpermb` to gather its activation bytes: per 8 rows of K and 16 "
           "columns it issues one `vpermb` and one dot product where the "
           "dense kernel issues two dot products (for a convolution, 8 rows "
           "of K are 8 channels of one tap), so its gain comes from the "
           "halved activation broadcasts and weight loads, not from fewer "
           "vector instructions. Putting rows in the lanes instead (36 "
           "shared gathers per 16 rows and 8 K, one table load per dot "
           "product) was prototyped and measured slower than dense, bound "
           "by those loads (docs/CPUCodegen.md). Sharing each gather "
           "between more columns (the same positions for 2 x 16 columns, "
           "as transposable or block-shared masks allow) is the next step. ";
  } else if (g.key == "flint-gemm") {
    s += "DESIGN 5 asks that flint weights stay 4-bit in memory and be "
         "decoded in registers (a 16-entry table lookup) inside the GEMM "
         "kernel. ";
    if (sameKernelAsPeer)
      s += "The lowered flint program runs the same dense micro-kernel as "
           "the int8 GEMM (as many VNNI dot products) after `qsparse.decode` "
           "has written a decoded i8 [K, N] weight, so it pays that extra "
           "pass over the weight, which weighs most when M is small. ";
  } else if (g.key == "fused-block") {
    s += "Fusion pays when the bias, requantize and ReLU run in the "
         "convolution's epilogue on accumulators still in registers "
         "(DESIGN 5); a fused function that runs the same loops one after "
         "another writes and reads the same intermediates as the unfused "
         "chain and gains only the calls. ";
    for (const Row *r : missed)
      if (r->codegen.known && r->peerCodegen.known)
        s += llvm::formatv("The lowered fused function makes {0} heap "
                           "allocations per call (the unfused convolution "
                           "alone: {1}). ",
                           r->codegen.allocs, r->peerCodegen.allocs)
                 .str();
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

std::string cpuInfoField(const std::string &key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos)
        return llvm::StringRef(line).substr(colon + 1).trim().str();
    }
  return "";
}

/// The 1, 5 and 15 minute load averages.
std::string readLoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(in >> one >> five >> fifteen))
    return "unknown";
  return one + " " + five + " " + fifteen;
}

std::string commandOutput(const char *command) {
  std::string out;
  if (FILE *p = popen(command, "r")) {
    char buf[256];
    while (fgets(buf, sizeof(buf), p))
      out += buf;
    pclose(p);
  }
  return llvm::StringRef(out).trim().str();
}

std::string verdict(const Group &g, const Row &r) {
  if (!r.measured())
    return r.status;
  // A target inside the round-to-round range is not a clear verdict.
  std::string close = r.ratioLo <= g.target && g.target <= r.ratioHi
                          ? " (target within the rounds' range)"
                          : "";
  if (g.met(r))
    return "met" + close;
  double needed = g.target / r.ratio();
  return llvm::formatv("**missed** by {0:f1}% (needs {1:f2}x faster){2}",
                       (1 - r.ratio() / g.target) * 100, needed, close)
      .str();
}

void writeReport(llvm::raw_ostream &os, llvm::ArrayRef<Group> groups,
                 const Budget &budget, int ompThreads, double totalSec,
                 const Harness &h, const std::string &loadBefore,
                 const std::string &loadAfter) {
  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));

  os << "# Benchmarks\n\n"
     << "Generated by `build/bin/qsparse-bench` (`bench/qsparse-bench.cpp`, "
        "run by `scripts/bench.sh`) on "
     << date
     << ". Do not edit by hand: rerun `scripts/bench.sh`. Every case runs "
        "through the qsparse CPU pipeline and its peer in the same process "
        "on the same random data, is checked once (integers exact, f32 "
        "within rtol 1e-3), then timed with the contenders alternating "
        "round by round (DESIGN 6).\n\n";
  if (quick)
    os << "**This is a `--quick` smoke run: small shapes and few "
          "repetitions; its numbers are not the benchmark.**\n\n";

  // Machine.
  std::string model = cpuInfoField("model name");
  std::string flags = " " + cpuInfoField("flags") + " ";
  const char *interesting[] = {
      "sse4_2",      "avx",         "avx2",        "fma",        "f16c",
      "avx_vnni",    "avx512f",     "avx512dq",    "avx512bw",   "avx512vl",
      "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx512vbmi", "amx_tile",
      "amx_int8",    "amx_bf16"};
  std::string present, absent;
  for (const char *f : interesting) {
    bool has = flags.find(" " + std::string(f) + " ") != std::string::npos;
    (has ? present : absent) += "`" + std::string(f) + "` ";
  }
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  dnnl_version_t v = *dnnl::version();
  std::string revision = commandOutput(
      "git -C '" QSPARSE_SOURCE_DIR "' describe --always --dirty 2>/dev/null");

  os << "## Machine and setup\n\n"
     << "| | |\n|---|---|\n"
     << "| CPU | " << (model.empty() ? "unknown" : model) << " ("
     << std::thread::hardware_concurrency() << " logical CPUs) |\n"
     << "| CPU flags present | " << present << "|\n"
     << "| CPU flags absent | " << absent << "|\n"
     << "| LLVM host CPU | `" << llvm::sys::getHostCPUName() << "` (avx512f "
     << (features.lookup("avx512f") ? "yes" : "no") << ", avx512vnni "
     << (features.lookup("avx512vnni") ? "yes" : "no") << ") |\n"
     << "| qsparse | " << (revision.empty() ? "unknown revision" : revision)
     << "; `PipelineKind::CPU` (`--qsparse-cpu-pipeline`) with default "
        "options: vector width and VNNI detected from the host; JIT at -O3 "
        "|\n"
     << "| oneDNN | " << v.major << "." << v.minor << "." << v.patch
     << (llvm::StringRef(v.hash) == "N/A" ? std::string()
                                          : " (" + std::string(v.hash) + ")")
     << ", CPU runtime "
     << (v.cpu_runtime == DNNL_RUNTIME_OMP   ? "OpenMP"
         : v.cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential"
                                             : std::to_string(v.cpu_runtime))
     << ", effective ISA `" << isaName(dnnl::get_effective_cpu_isa()) << "` |\n"
     << "| threads | one: OpenMP max threads set to " << ompThreads
     << " for oneDNN; qsparse's JIT code runs on the calling thread. "
        "Highest CPU time / wall time while timed: qsparse "
     << llvm::formatv("{0:f2}", h.maxSubjectCpu) << ", peers "
     << llvm::formatv("{0:f2}", h.maxPeerCpu) << " (1.00 = one busy thread) |\n"
     << "| timing | per contender and case: warm-up, then about "
     << llvm::formatv("{0}", budget.perSideSec) << " s of timed runs (at least "
     << budget.minSamples << ", at most " << budget.maxSamples << ") in up to "
     << budget.rounds
     << " rounds in which the contenders take turns; the median of all runs "
        "is reported. A case is skipped when one qsparse run takes (or would "
        "take) more than "
     << llvm::formatv("{0}", double(skipAfter))
     << " s. Whole run: " << llvm::formatv("{0:f0}", totalSec) << " s |\n"
     << "| load | `/proc/loadavg` before: " << loadBefore
     << "; after: " << loadAfter
     << " (other work on the machine slows both sides of a round alike, "
        "but widens the rounds' range) |\n\n"
     << "Ratio = peer time / qsparse time, so above 1 means qsparse is faster; "
        "in brackets the lowest and highest ratio of the individual rounds. "
        "GOPS = operations / median time. The \"qsparse lowered code\" column "
        "counts the vector operations and VNNI dot products in the "
        "LLVM-dialect output of the CPU pipeline for the qsparse side.\n\n";

  // Summary.
  os << "## Summary\n\n| group | target | met | missed | wrong result or "
        "error | skipped |\n|---|---|---:|---:|---:|---:|\n";
  for (const Group &g : groups) {
    int met = 0, missed = 0, broken = 0, skipped = 0;
    for (const Row &r : g.rows)
      (r.measured() ? (g.met(r) ? met : missed)
       : r.skipped  ? skipped
                    : broken)++;
    os << "| [" << g.title << "](#" << g.key << ") | " << g.subject << " "
       << g.targetText() << " " << g.peer << " | " << met << " | " << missed
       << " | " << (broken ? "**" + std::to_string(broken) + "**" : "0")
       << " | " << skipped << " |\n";
  }
  os << "\n";

  for (const Group &g : groups) {
    os << "<a id=\"" << g.key << "\"></a>\n\n## " << g.title << "\n\n"
       << g.about << " GOPS count " << g.opsNote << ". Target: " << g.subject
       << " " << g.targetText() << " " << g.peer << ".\n\n"
       << "| shape | " << g.subject << " ms | " << g.peer << " ms | "
       << g.subject << " GOPS | " << g.peer << " GOPS | ratio | target | "
       << "result | runs (" << g.subject << "/" << g.peer
       << ") | qsparse lowered code | peer |\n"
       << "|---|---:|---:|---:|---:|---:|---|---|---:|---|---|\n";
    for (const Row &r : g.rows) {
      if (!r.measured()) {
        std::string loud = r.skipped ? "" : "**";
        os << "| " << r.shape << " | | | | | | " << g.targetText() << " | "
           << loud << r.status << loud << " | | " << r.codegen.str()
           << " | |\n";
        continue;
      }
      os << "| " << r.shape << " | " << fmtMs(r.subjectMs) << " | "
         << fmtMs(r.peerMs) << " | "
         << llvm::formatv("{0:f1}", r.gops(r.subjectMs)) << " | "
         << llvm::formatv("{0:f1}", r.gops(r.peerMs)) << " | "
         << llvm::formatv("{0:f2}x ({1:f2}-{2:f2})", r.ratio(), r.ratioLo,
                          r.ratioHi)
         << " | " << g.targetText() << " | " << verdict(g, r) << " | "
         << r.subjectRuns << "/" << r.peerRuns << " | " << r.codegen.str()
         << " | " << r.peerName
         << (r.peerDetail.empty() ? "" : " (" + r.peerDetail + ")") << " |\n";
    }
    std::string why = explainMisses(g, groups);
    if (!why.empty())
      os << "\n**Why missed.** " << why << "\n";
    os << "\n";
  }
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "qsparse-bench: the qsparse CPU pipeline against oneDNN (single "
      "thread) and against its own dense int8, alternately in one run\n");
  double start = wallNow();
  std::string loadBefore = readLoadAverage();
  int ompThreads = useOneThread();

  DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  qsparse::registerAllDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading();
  context.loadAllAvailableDialects();

  Budget budget = quick ? Budget{0.1, 3, 50, 3} : Budget{2.0, 3, 5000, 5};
  if (budgetOpt > 0)
    budget.perSideSec = budgetOpt;
  Harness h(context, budget);

  std::vector<Gemm> gemms, sparseGemms;
  std::vector<ConvShape> convs;
  ConvShape block;
  if (quick) {
    gemms = {{64, 64, 64}, {128, 128, 128}, {32, 96, 384}};
    sparseGemms = {{64, 64, 512}, {32, 96, 768}};
    convs = {{"stem", 1, 32, 32, 3, 64, 7, 7, 2, 3},
             {"3x3", 1, 14, 14, 64, 64, 3, 3, 1, 1},
             {"3x3/2", 1, 14, 14, 128, 128, 3, 3, 2, 1},
             {"1x1", 1, 7, 7, 256, 64, 1, 1, 1, 0}};
    block = {"3x3 block", 1, 14, 14, 64, 64, 3, 3, 1, 1};
  } else {
    gemms = {
        {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {128, 768, 3072}};
    sparseGemms = {{512, 512, 512}, {1024, 1024, 1024}, {128, 768, 3072}};
    convs = {{"stem", 1, 224, 224, 3, 64, 7, 7, 2, 3},
             {"3x3", 1, 56, 56, 64, 64, 3, 3, 1, 1},
             {"3x3/2", 1, 56, 56, 128, 128, 3, 3, 2, 1},
             {"1x1", 1, 14, 14, 1024, 256, 1, 1, 1, 0},
             {"3x3", 1, 7, 7, 512, 512, 3, 3, 1, 1}};
    block = {"3x3 block", 1, 56, 56, 64, 64, 3, 3, 1, 1};
  }

  auto wanted = [&](llvm::StringRef key) {
    return filterOpt.empty() || key.contains(filterOpt);
  };
  std::vector<Group> groups;
  auto run = [&](llvm::StringRef key, llvm::StringRef title, auto fn) {
    if (!wanted(key))
      return;
    llvm::errs() << "qsparse-bench: " << title << "\n";
    groups.push_back(fn());
  };
  run("int8-gemm", "int8 GEMM", [&] { return h.int8Gemm(gemms); });
  run("f32-gemm", "f32 GEMM", [&] { return h.f32Gemm(gemms); });
  run("int8-conv", "int8 convolution", [&] { return h.int8Conv(convs); });
  run("sparse-gemm", "2:4-sparse int8 GEMM",
      [&] { return h.sparseGemm(sparseGemms); });
  run("sparse-conv", "2:4-sparse int8 convolution", [&] {
    // The stem (C = 3) has no groups of 4 channels to prune.
    std::vector<ConvShape> sparseConvs;
    for (const ConvShape &s : convs)
      if (s.c % 8 == 0)
        sparseConvs.push_back(s);
    return h.sparseConv(sparseConvs);
  });
  run("flint-gemm", "flint4-weight GEMM", [&] { return h.flintGemm(gemms); });
  run("fused-block", "fused conv block", [&] { return h.fusedBlock(block); });

  double total = wallNow() - start;
  std::string report;
  llvm::raw_string_ostream os(report);
  writeReport(os, groups, budget, ompThreads, total, h, loadBefore,
              readLoadAverage());
  if (outFile.empty()) {
    llvm::outs() << report;
  } else {
    std::error_code ec;
    llvm::raw_fd_ostream out(outFile, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      llvm::errs() << "qsparse-bench: error: cannot write '" << outFile
                   << "': " << ec.message() << "\n";
      return 2;
    }
    out << report;
    llvm::errs() << "qsparse-bench: wrote " << outFile << "\n";
  }
  llvm::errs() << llvm::formatv("qsparse-bench: done in {0:f0} s\n", total);
  if (h.maxSubjectCpu > 1.2 || h.maxPeerCpu > 1.2)
    llvm::errs() << "qsparse-bench: warning: a contender used more than one "
                    "CPU while timed (CPU/wall qsparse "
                 << llvm::formatv("{0:f2}", h.maxSubjectCpu) << ", peers "
                 << llvm::formatv("{0:f2}", h.maxPeerCpu) << ")\n";
  if (h.anyWrong)
    llvm::errs() << "qsparse-bench: *** some results were WRONG: those rows "
                    "carry no timing ***\n";
  if (h.anyError)
    llvm::errs() << "qsparse-bench: *** some cases failed to compile ***\n";
  return h.anyWrong || h.anyError ? 1 : 0;
}

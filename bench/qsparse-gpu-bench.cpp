//===- qsparse-gpu-bench.cpp - the GPU pipeline beside cuBLASLt -----------===//
//
// qsparse-gpu-bench [--runs=N] [--smoke] [-o FILE.md]
//
// Runs each case through the GPU pipeline on device 0 (qsparse-run's
// --target=cuda path: qsparse::runtime::CudaFunction) and, when cuBLASLt is
// present (libcublasLt.so.13/12/11, or the library QSPARSE_CUBLASLT
// names), the cuBLASLt GEMM of the same shape and precision (s8 x s8 ->
// s32; f32 with CUBLAS_COMPUTE_32F beside 3xtf32 and _FAST_TF32 beside
// tf32), alternately in one process, and writes a markdown table with TOPS
// and the ratio. Cases: dense int8 GEMMs (runtime operands), 2:4-sparse and
// flint4 constant weights, f32 GEMMs (3xtf32 and tf32), and ResNet-50 int8
// convolutions (batch 32; the peer is cuBLASLt on the implicit GEMM's shape
// with no im2col, a lower bound on what an im2col convolution costs).
//
// Every qsparse result is first checked against the CPU pipeline on the
// same data (integers exactly, floats within qsparse-run --check's
// tolerance for the precision), and every cuBLASLt GEMM against the
// qsparse GEMM; a mismatch is reported in the table. --smoke (small shapes, no
// checks) exercises the program against the stand-in driver of the tests, which
// does not run kernels. Exit codes: 0, 1 (a check failed), 2 (no GPU, bad
// options).
//
//===----------------------------------------------------------------------===//

#include "BenchText.h"
#include "qsparse/InitAll.h"
#include "qsparse/Numerics/Codecs.h"
#include "qsparse/Numerics/Tolerance.h"
#include "qsparse/Pipelines/Pipelines.h"
#include "qsparse/Runtime/Cuda.h"
#include "qsparse/Runtime/Jit.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>

using namespace mlir;
using namespace qsparse::bench;
using qsparse::runtime::CompiledFunction;
using qsparse::runtime::CudaFunction;
namespace cl = llvm::cl;

namespace {

cl::opt<unsigned> runs("runs", cl::desc("Timed runs per contender"),
                       cl::init(50));
cl::opt<bool> smoke("smoke",
                    cl::desc("Small shapes, no result checks (for testing "
                             "the program without a GPU)"),
                    cl::init(false));
cl::opt<std::string> output("o",
                            cl::desc("Write the table here (default "
                                     "standard output)"),
                            cl::init("-"));

[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "qsparse-gpu-bench: error: " << message << "\n";
  std::exit(2);
}

double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  return n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
}

/// The element and compute types of a cuBLASLt GEMM (cudaDataType_t and
/// cublasComputeType_t values).
struct GemmTypes {
  const char *name;
  int compute, scale, ab, c;
  int64_t abBytes;
};
constexpr GemmTypes kInt8{"s8 x s8 -> s32",
                          72 /*CUBLAS_COMPUTE_32I*/,
                          10 /*CUDA_R_32I*/,
                          3 /*CUDA_R_8I*/,
                          10,
                          1};
constexpr GemmTypes kF32{
    "f32 (CUBLAS_COMPUTE_32F)", 68, 0 /*CUDA_R_32F*/, 0, 0, 4};
constexpr GemmTypes kTf32{"f32 (CUBLAS_COMPUTE_32F_FAST_TF32)", 77, 0, 0, 0, 4};

/// cuBLASLt, opened at run time: a GEMM of a given shape and types.
class CublasLt {
public:
  std::string why; // why it is unavailable

  bool open() {
    const char *env = std::getenv("QSPARSE_CUBLASLT");
    for (const char *path :
         {env, "libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"}) {
      if (!path || !*path)
        continue;
      library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (library || (env && *env))
        break; // a library named by the environment has no fallback
    }
    if (!library) {
      why = std::string("not found (") + dlerror() + ")";
      return false;
    }
    bool all = true;
    auto get = [&](auto &fn, const char *symbol) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          dlsym(library, symbol));
      all = all && fn;
    };
    get(create, "cublasLtCreate");
    get(descCreate, "cublasLtMatmulDescCreate");
    get(descSet, "cublasLtMatmulDescSetAttribute");
    get(descDestroy, "cublasLtMatmulDescDestroy");
    get(layoutCreate, "cublasLtMatrixLayoutCreate");
    get(layoutDestroy, "cublasLtMatrixLayoutDestroy");
    get(prefCreate, "cublasLtMatmulPreferenceCreate");
    get(prefSet, "cublasLtMatmulPreferenceSetAttribute");
    get(prefDestroy, "cublasLtMatmulPreferenceDestroy");
    get(heuristic, "cublasLtMatmulAlgoGetHeuristic");
    get(matmul, "cublasLtMatmul");
    if (!all) {
      why = "the library lacks cublasLt entry points";
      return false;
    }
    if (int status = create(&handle)) {
      why = "cublasLtCreate returned " + std::to_string(status);
      return false;
    }
    return true;
  }

  /// C[m][n] = A[m][k] * B[k][n] with `types` (C's elements are 4 bytes),
  /// given B transposed ([n][k]: cuBLASLt's int8 kernels take the "TN"
  /// form, and f32 uses it too). Returns the median ms.
  llvm::Expected<double> gemm(const GemmTypes &types, int64_t m, int64_t n,
                              int64_t k, const int8_t *a, const int8_t *bt,
                              int32_t *c) {
    using namespace qsparse::runtime;
    std::vector<void *> buffers;
    auto cleanup = [&] {
      for (void *p : buffers)
        deviceFree(p);
    };
    const size_t workspaceBytes = 32 << 20;
    const int64_t eb = types.abBytes;
    for (size_t bytes : {size_t(eb * m * k), size_t(eb * n * k),
                         size_t(4 * m * n), workspaceBytes}) {
      auto p = deviceAllocate(bytes);
      if (!p) {
        cleanup();
        return p.takeError();
      }
      buffers.push_back(*p);
    }
    void *dA = buffers[0], *dB = buffers[1], *dC = buffers[2],
         *workspace = buffers[3];
    llvm::Error copied = copyToDevice(dA, a, eb * m * k);
    if (!copied)
      copied = copyToDevice(dB, bt, eb * n * k);
    if (copied) {
      cleanup();
      return std::move(copied);
    }
    // Column-major view: C^T (n x m) = op_T(Bt as k x n) * A^T (k x m).
    constexpr int opT = 1, transA = 3, maxWorkspace = 1;
    void *desc = nullptr, *la = nullptr, *lb = nullptr, *lc = nullptr,
         *pref = nullptr;
    std::string error;
    auto ok = [&](int status, const char *call) {
      if (status != 0 && error.empty())
        error = std::string(call) + " returned " + std::to_string(status);
      return status == 0;
    };
    struct {
      uint64_t algo[8];
      size_t workspaceSize;
      int state;
      float waves;
      int reserved[4];
    } result = {};
    int found = 0;
    if (ok(descCreate(&desc, types.compute, types.scale),
           "cublasLtMatmulDescCreate") &&
        ok(descSet(desc, transA, &opT, sizeof(opT)),
           "cublasLtMatmulDescSetAttribute") &&
        ok(layoutCreate(&la, types.ab, k, n, k),
           "cublasLtMatrixLayoutCreate") &&
        ok(layoutCreate(&lb, types.ab, k, m, k),
           "cublasLtMatrixLayoutCreate") &&
        ok(layoutCreate(&lc, types.c, n, m, n), "cublasLtMatrixLayoutCreate") &&
        ok(prefCreate(&pref), "cublasLtMatmulPreferenceCreate") &&
        ok(prefSet(pref, maxWorkspace, &workspaceBytes, sizeof(size_t)),
           "cublasLtMatmulPreferenceSetAttribute") &&
        ok(heuristic(handle, desc, la, lb, lc, lc, pref, 1, &result, &found),
           "cublasLtMatmulAlgoGetHeuristic") &&
        found == 0)
      error = std::string("no cuBLASLt algorithm for ") + types.name;
    std::vector<double> times;
    // The scale type's 1 and 0.
    int32_t oneI = 1, zeroI = 0;
    float oneF = 1, zeroF = 0;
    bool intScale = types.scale == kInt8.scale;
    const void *alpha = intScale ? (const void *)&oneI : &oneF,
               *beta = intScale ? (const void *)&zeroI : &zeroF;
    auto once = [&]() -> llvm::Error {
      if (!ok(matmul(handle, desc, alpha, dB, la, dA, lb, beta, dC, lc, dC, lc,
                     result.algo, workspace, workspaceBytes, nullptr),
              "cublasLtMatmul"))
        return llvm::createStringError(error);
      return deviceSynchronize();
    };
    llvm::Error e = error.empty() ? once() : llvm::createStringError(error);
    for (unsigned i = 0; i < runs && !e; ++i) {
      auto start = std::chrono::steady_clock::now();
      e = once();
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    }
    if (!e)
      e = copyToHost(c, dC, 4 * m * n);
    if (desc)
      descDestroy(desc);
    for (void *l : {la, lb, lc})
      if (l)
        layoutDestroy(l);
    if (pref)
      prefDestroy(pref);
    cleanup();
    if (e)
      return std::move(e);
    return median(times);
  }

private:
  void *library = nullptr, *handle = nullptr;
  int (*create)(void **);
  int (*descCreate)(void **, int, int);
  int (*descSet)(void *, int, const void *, size_t);
  int (*descDestroy)(void *);
  int (*layoutCreate)(void **, int, uint64_t, uint64_t, int64_t);
  int (*layoutDestroy)(void *);
  int (*prefCreate)(void **);
  int (*prefSet)(void *, int, const void *, size_t);
  int (*prefDestroy)(void *);
  int (*heuristic)(void *, void *, void *, void *, void *, void *, void *, int,
                   void *, int *);
  int (*matmul)(void *, void *, const void *, const void *, void *,
                const void *, void *, const void *, const void *, void *,
                void *, void *, const void *, void *, size_t, void *);
};

/// One case: a function of int8 (or f32) operands -> [m][n] (or NHWC) i32
/// (or f32). Operands are held as bytes.
struct Case {
  std::string group, shape, entry, program;
  std::vector<std::vector<int8_t>> args;
  int64_t m, n, k; // the GEMM (or implicit GEMM) shape
  /// For the cuBLASLt peer: A [m][k] and B^T [n][k]; `sameResult` when its
  /// product is the case's result (GEMMs; not convolutions).
  std::vector<int8_t> peerA, peerBt;
  bool sameResult = true;
  const GemmTypes *peer = &kInt8;
  /// The GPU pipeline's f32-mma for an f32 case (empty for int8).
  std::string f32Mma;
};

/// The [n][k] transpose of a [k][n] matrix of `eb`-byte elements.
std::vector<int8_t> transpose(const std::vector<int8_t> &b, int64_t k,
                              int64_t n, int64_t eb = 1) {
  std::vector<int8_t> t(b.size());
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      std::copy_n(&b[(i * n + j) * eb], eb, &t[(j * k + i) * eb]);
  return t;
}

/// `count` floats uniform in [-1, 1), as bytes.
std::vector<int8_t> randomFloats(Rng &r, int64_t count) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<int8_t> bytes(4 * count);
  for (int64_t i = 0; i < count; ++i) {
    float v = dist(r);
    std::memcpy(&bytes[4 * i], &v, 4);
  }
  return bytes;
}

/// Whether every f32 of `got` is within qsparse-run --check's tolerance of
/// `want` (qsparse/Numerics/Tolerance.h; `coarse` for single tf32 products
/// on either side).
bool closeF32(const std::vector<int32_t> &got, const std::vector<int32_t> &want,
              bool coarse) {
  auto at = [](const std::vector<int32_t> &v, size_t i) {
    float f;
    std::memcpy(&f, &v[i], 4);
    return double(f);
  };
  double scale = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (std::isfinite(at(want, i)))
      scale = std::max(scale, std::fabs(at(want, i)));
  auto tolerance = qsparse::numerics::FloatTolerance::forResults(scale, coarse);
  for (size_t i = 0; i < got.size(); ++i)
    if (!tolerance.accepts(at(got, i), at(want, i)))
      return false;
  return true;
}

std::string gemmSignature(const std::string &entry, int64_t m, int64_t n,
                          int64_t k, bool weightArg) {
  return "func.func @" + entry + "(%x: " + tensorType({m, k}, "i8") +
         (weightArg ? ", %w: " + tensorType({k, n}, "i8") : "") + ") -> " +
         tensorType({m, n}, "i32") + " {\n";
}

std::string gemmTail(int64_t m, int64_t n, int64_t k,
                     llvm::StringRef attrs = "") {
  std::string tx = tensorType({m, k}, "i8"), tw = tensorType({k, n}, "i8"),
              ty = tensorType({m, n}, "i32");
  return "  %y = qsparse.matmul %x, %w " + attrs.str() + ": " + tx + ", " + tw +
         " -> " + ty + "\n  return %y : " + ty + "\n}\n";
}

Case denseGemm(Rng &r, int64_t m, int64_t n, int64_t k) {
  Case c{"int8 GEMM",
         llvm::formatv("{0}x{1}x{2}", m, n, k).str(),
         "gemm",
         gemmSignature("gemm", m, n, k, true) + gemmTail(m, n, k),
         {randomInts<int8_t>(r, m * k, -128, 127),
          randomInts<int8_t>(r, k * n, -128, 127)},
         m,
         n,
         k};
  c.peerA = c.args[0];
  c.peerBt = transpose(c.args[1], k, n);
  return c;
}

Case sparseGemm(Rng &r, int64_t m, int64_t n, int64_t k) {
  static const int8_t pairs[6][2] = {{0, 1}, {0, 2}, {0, 3},
                                     {1, 2}, {1, 3}, {2, 3}};
  std::uniform_int_distribution<int> pick(0, 5), value(1, 127);
  std::vector<int8_t> values(k / 2 * n), meta(k / 2 * n), dense(k * n, 0);
  for (int64_t grp = 0; grp < k / 4; ++grp)
    for (int64_t j = 0; j < n; ++j) {
      const int8_t *p = pairs[pick(r)];
      for (int s = 0; s < 2; ++s) {
        int8_t v = int8_t(value(r) * (pick(r) % 2 ? 1 : -1));
        values[(2 * grp + s) * n + j] = v;
        meta[(2 * grp + s) * n + j] = p[s];
        dense[(4 * grp + p[s]) * n + j] = v;
      }
    }
  std::string tv = tensorType({k / 2, n}, "i8");
  Case c{"2:4 int8 GEMM (constant weight)",
         llvm::formatv("{0}x{1}x{2}", m, n, k).str(),
         "sparse",
         gemmSignature("sparse", m, n, k, false) +
             "  %v = arith.constant dense<" + hexDense(values) + "> : " + tv +
             "\n  %m = arith.constant dense<" + hexDense(meta) + "> : " + tv +
             "\n  %w = qsparse.nm_decompress %v, %m {sparsity = "
             "#qsparse.nm<2:4>, axis = 0 : i64} : " +
             tv + ", " + tv + " -> " + tensorType({k, n}, "i8") + "\n" +
             gemmTail(m, n, k, "{weight_sparsity = #qsparse.nm<2:4>} "),
         {randomInts<int8_t>(r, m * k, -128, 127)},
         m,
         n,
         k};
  c.peerA = c.args[0];
  c.peerBt = transpose(dense, k, n);
  return c;
}

Case flintGemm(Rng &r, int64_t m, int64_t n, int64_t k) {
  namespace num = qsparse::numerics;
  num::CodeFormat flint4{num::CodeKind::Flint, 4, /*isSigned=*/true};
  auto codes = randomInts<int8_t>(r, k * n, 0, 15);
  std::vector<int8_t> w(codes.size());
  for (size_t i = 0; i < codes.size(); ++i)
    w[i] = int8_t(*num::decodeToInt64(flint4, codes[i]));
  std::string tw = tensorType({k, n}, "i8"),
              tf = tensorType({k, n}, "!qsparse.flint<4, signed>");
  Case c{"flint4 GEMM (constant weight)",
         llvm::formatv("{0}x{1}x{2}", m, n, k).str(),
         "flint",
         gemmSignature("flint", m, n, k, false) +
             "  %c = arith.constant dense<" + hexDense(codes) + "> : " + tw +
             "\n  %f = qsparse.bitcast %c : " + tw + " -> " + tf +
             "\n  %w = qsparse.decode %f : " + tf + " -> " + tw + "\n" +
             gemmTail(m, n, k),
         {randomInts<int8_t>(r, m * k, -128, 127)},
         m,
         n,
         k};
  c.peerA = c.args[0];
  c.peerBt = transpose(w, k, n);
  return c;
}

/// An f32 GEMM with runtime operands on the tf32 tensor cores (`mode`:
/// 3xtf32 or tf32), beside cuBLASLt at the matching precision.
Case f32Gemm(Rng &r, int64_t m, int64_t n, int64_t k, const std::string &mode) {
  std::string tx = tensorType({m, k}, "f32"), tw = tensorType({k, n}, "f32"),
              ty = tensorType({m, n}, "f32");
  Case c{"f32 GEMM (" + mode + ")",
         llvm::formatv("{0}x{1}x{2}", m, n, k).str(),
         "sgemm",
         "func.func @sgemm(%x: " + tx + ", %w: " + tw + ") -> " + ty +
             " {\n  %z = arith.constant 0.0 : f32\n  %e = tensor.empty() : " +
             ty + "\n  %f = linalg.fill ins(%z : f32) outs(%e : " + ty +
             ") -> " + ty + "\n  %y = linalg.matmul ins(%x, %w : " + tx + ", " +
             tw + ") outs(%f : " + ty + ") -> " + ty + "\n  return %y : " + ty +
             "\n}\n",
         {randomFloats(r, m * k), randomFloats(r, k * n)},
         m,
         n,
         k};
  c.peerA = c.args[0];
  c.peerBt = transpose(c.args[1], k, n, 4);
  c.peer = mode == "tf32" ? &kTf32 : &kF32;
  c.f32Mma = mode;
  return c;
}

Case conv(Rng &r, const std::string &name, int64_t batch, int64_t hw,
          int64_t ch, int64_t f, int64_t kernel, int64_t stride, int64_t pad) {
  int64_t out = (hw + 2 * pad - kernel) / stride + 1;
  std::string x = tensorType({batch, hw, hw, ch}, "i8"),
              w = tensorType({kernel, kernel, ch, f}, "i8"),
              y = tensorType({batch, out, out, f}, "i32");
  Case c{"int8 convolution (" + name + ")",
         llvm::formatv("{0}x{1}x{1}x{2} -> {3}, {4}x{4}/{5}", batch, hw, ch, f,
                       kernel, stride)
             .str(),
         "conv",
         "func.func @conv(%x: " + x + ", %w: " + w + ") -> " + y +
             " {\n  %y = qsparse.conv2d %x, %w {strides = array<i64: " +
             std::to_string(stride) + ", " + std::to_string(stride) +
             ">, padding = array<i64: " + std::to_string(pad) + ", " +
             std::to_string(pad) + ", " + std::to_string(pad) + ", " +
             std::to_string(pad) + ">} : " + x + ", " + w + " -> " + y +
             "\n  return %y : " + y + "\n}\n",
         {randomInts<int8_t>(r, batch * hw * hw * ch, -128, 127),
          randomInts<int8_t>(r, kernel * kernel * ch * f, -128, 127)},
         batch * out * out,
         f,
         kernel * kernel * ch};
  c.peerA = randomInts<int8_t>(r, c.m * c.k, -128, 127);
  c.peerBt = randomInts<int8_t>(r, c.n * c.k, -128, 127);
  c.sameResult = false;
  return c;
}

std::string fixed(double v) { return llvm::formatv("{0:f3}", v).str(); }

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "qsparse-gpu-bench: the GPU pipeline beside "
                              "cuBLASLt on device 0\n");
  if (runs < 1)
    fail("--runs must be at least 1");
  // The chip: the device's, sm_90 for Hopper and newer, else sm_80.
  if (llvm::Error e = qsparse::runtime::openCudaDevice("sm_80"))
    fail("no GPU: " + llvm::toString(std::move(e)));
  std::string device = qsparse::runtime::cudaDeviceDescription();
  std::string chip =
      llvm::errorToBool(qsparse::runtime::openCudaDevice("sm_90")) ? "sm_80"
                                                                   : "sm_90";

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  qsparse::registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  Rng r(2026);
  std::vector<Case> cases;
  if (smoke) {
    cases.push_back(denseGemm(r, 64, 64, 64));
    cases.push_back(sparseGemm(r, 64, 64, 64));
    cases.push_back(flintGemm(r, 64, 64, 64));
    cases.push_back(f32Gemm(r, 64, 64, 64, "3xtf32"));
    cases.push_back(f32Gemm(r, 64, 64, 64, "tf32"));
    cases.push_back(conv(r, "3x3", 1, 8, 16, 16, 3, 1, 1));
  } else {
    for (int64_t s : {1024, 4096, 8192})
      cases.push_back(denseGemm(r, s, s, s));
    cases.push_back(denseGemm(r, 128, 768, 3072));
    cases.push_back(sparseGemm(r, 2048, 2048, 2048));
    cases.push_back(flintGemm(r, 2048, 2048, 2048));
    cases.push_back(f32Gemm(r, 4096, 4096, 4096, "3xtf32"));
    cases.push_back(f32Gemm(r, 4096, 4096, 4096, "tf32"));
    cases.push_back(conv(r, "3x3 at 56x56x64", 32, 56, 64, 64, 3, 1, 1));
    cases.push_back(conv(r, "1x1 at 14x14x1024", 32, 14, 1024, 256, 1, 1, 0));
  }

  CublasLt cublas;
  bool haveCublas = cublas.open();
  int exitCode = 0;
  std::string table =
      "| case | shape (M x N x K or image -> F) | qsparse ms | qsparse TOPS "
      "| cuBLASLt ms | cuBLASLt TOPS | ratio (cuBLASLt ms / qsparse ms) | "
      "check |\n|---|---|---:|---:|---:|---:|---:|---|\n";
  for (Case &c : cases) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(c.program, &context);
    if (!module)
      fail("cannot parse the program of " + c.group);
    qsparse::GPUPipelineOptions options;
    options.chip = chip;
    if (!c.f32Mma.empty())
      options.f32Mma = c.f32Mma;
    auto gpu = CudaFunction::compile(*module, c.entry, options);
    if (!gpu)
      fail(c.group + ": " + llvm::toString(gpu.takeError()));
    std::vector<void *> args;
    for (auto &a : c.args)
      args.push_back(a.data());
    std::vector<int32_t> ours(c.m * c.n), cpu(c.m * c.n), peer(c.m * c.n);
    std::string check = "not checked (--smoke)";
    if (llvm::Error e = (*gpu)->invoke(args, {ours.data()}))
      fail(c.group + ": " + llvm::toString(std::move(e)));
    if (!smoke) {
      auto host = CompiledFunction::compile(
          *module, c.entry, qsparse::runtime::PipelineKind::CPU);
      if (!host)
        fail(c.group + ": " + llvm::toString(host.takeError()));
      if (llvm::Error e = (*host)->invoke(args, {cpu.data()}))
        fail(c.group + ": " + llvm::toString(std::move(e)));
      bool same = c.f32Mma.empty()
                      ? ours == cpu
                      : closeF32(ours, cpu, /*coarse=*/c.f32Mma == "tf32");
      check = same ? (c.f32Mma.empty() ? "exact vs CPU" : "close to CPU")
                   : "**differs from CPU**";
      if (!same)
        exitCode = 1;
    }
    auto times = (*gpu)->time(args, runs);
    if (!times)
      fail(c.group + ": " + llvm::toString(times.takeError()));
    double ms = median(*times), ops = 2.0 * c.m * c.n * c.k;
    std::string peerMs = "-", peerTops = "-", ratio = "-";
    if (haveCublas) {
      auto t = cublas.gemm(*c.peer, c.m, c.n, c.k, c.peerA.data(),
                           c.peerBt.data(), peer.data());
      if (!t) {
        peerMs = "failed: " + llvm::toString(t.takeError());
      } else {
        peerMs = fixed(*t);
        peerTops = fixed(ops / (*t * 1e9));
        ratio = llvm::formatv("{0:f2}x", *t / ms).str();
        if (!smoke && c.sameResult) {
          bool same = c.f32Mma.empty()
                          ? peer == ours
                          : closeF32(peer, ours, c.f32Mma == "tf32");
          check += same ? (c.f32Mma.empty() ? ", cuBLASLt equal"
                                            : ", cuBLASLt close")
                        : ", **cuBLASLt differs**";
          if (!same)
            exitCode = 1;
        }
      }
    }
    table += "| " + c.group + " | " + c.shape + " | " + fixed(ms) + " | " +
             fixed(ops / (ms * 1e9)) + " | " + peerMs + " | " + peerTops +
             " | " + ratio + " | " + check + " |\n";
  }

  std::string report =
      "# GPU benchmark\n\nGenerated by `build/bin/qsparse-gpu-bench` "
      "(`bench/qsparse-gpu-bench.cpp`). Device: " +
      device + "; GPU pipeline with chip=" + chip +
      " and default tiles; median of " + std::to_string(unsigned(runs)) +
      " runs, each a launch of the lowered function and the wait for it "
      "(arguments already on the device). Peer: " +
      (haveCublas ? std::string("cuBLASLt (TN form, heuristic algorithm, 32 "
                                "MB workspace) on the same GEMM shape: s8 x "
                                "s8 -> s32, f32 with CUBLAS_COMPUTE_32F "
                                "beside 3xtf32 and _FAST_TF32 beside tf32; "
                                "for convolutions the implicit GEMM's "
                                "shape, without im2col")
                  : "none, cuBLASLt is unavailable: " + cublas.why) +
      ". TOPS count 2*M*N*K.\n\n" + table;
  std::error_code ec;
  llvm::raw_fd_ostream out(output, ec);
  if (ec)
    fail("cannot write " + output + ": " + ec.message());
  out << report;
  return exitCode;
}

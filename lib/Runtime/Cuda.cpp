//===- Cuda.cpp - run the GPU pipeline's output on an NVIDIA GPU ----------===//
//
// The CUDA driver API is declared here (the handful of types and functions
// used), opened with dlopen and bound by name, so that neither the build
// nor a machine without a GPU needs CUDA. The mgpu* functions are the
// runtime the upstream gpu-to-llvm lowering and the gpu.binary translation
// call (the signatures of MLIR 22's CUDA runtime wrappers); a failing
// driver call records the first error, which the call into the function
// then returns.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Runtime/Cuda.h"
#include "Engine.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <chrono>
#include <cstdlib>
#include <dlfcn.h>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::runtime;

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using Handle = void *; // CUcontext, CUmodule, CUfunction, CUstream, CUevent

// Enumerators of cuda.h.
constexpr int kComputeCapabilityMajor = 75, kComputeCapabilityMinor = 76,
              kMemoryPoolsSupported = 115;
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6,
              kJitOptimizationLevel = 7;
constexpr int kMaxDynamicSharedBytes = 8;
constexpr unsigned kStreamNonBlocking = 1, kEventDisableTiming = 2;
constexpr int kMemPoolReleaseThreshold = 4;

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The driver entry points used, bound by dlsym.
struct Driver {
  void *library = nullptr;
  std::string openError; // why the device cannot be used; empty once open
  bool opened = false;
  CUdevice device = 0;
  Handle context = nullptr;
  int capability = 0; // 10 * major + minor
  std::string name;
  /// The first error of the mgpu* calls since the last takeError().
  std::string firstError;

  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(Handle *, CUdevice);
  CUresult (*cuCtxSetCurrent)(Handle);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuModuleLoadDataEx)(Handle *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleGetFunction)(Handle *, Handle, const char *);
  CUresult (*cuModuleUnload)(Handle);
  CUresult (*cuFuncSetAttribute)(Handle, int, int);
  CUresult (*cuLaunchKernel)(Handle, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, Handle, void **,
                             void **);
  CUresult (*cuStreamCreate)(Handle *, unsigned);
  CUresult (*cuStreamSynchronize)(Handle);
  CUresult (*cuStreamDestroy)(Handle);
  CUresult (*cuStreamWaitEvent)(Handle, Handle, unsigned);
  CUresult (*cuEventCreate)(Handle *, unsigned);
  CUresult (*cuEventRecord)(Handle, Handle);
  CUresult (*cuEventSynchronize)(Handle);
  CUresult (*cuEventDestroy)(Handle);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, Handle);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, Handle);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, Handle);
  // Stream-ordered allocation (CUDA 11.2); without it, allocations are
  // synchronous and a free waits for its stream.
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, Handle) = nullptr;
  CUresult (*cuMemFreeAsync)(CUdeviceptr, Handle) = nullptr;
  CUresult (*cuDeviceGetDefaultMemPool)(Handle *, CUdevice) = nullptr;
  CUresult (*cuMemPoolSetAttribute)(Handle, int, void *) = nullptr;

  std::string errorName(CUresult status) {
    const char *text = nullptr;
    if (cuGetErrorName && cuGetErrorName(status, &text) == 0 && text)
      return text;
    // The toolkit's link stub (lib64/stubs/libcuda.so) has no names.
    switch (status) {
    case 34:
      return "CUDA_ERROR_STUB_LIBRARY: a link stub, not a driver";
    case 100:
      return "CUDA_ERROR_NO_DEVICE";
    default:
      return "CUDA error " + std::to_string(status);
    }
  }

  /// Records the first failing call.
  bool check(CUresult status, const char *call) {
    if (status == 0)
      return true;
    if (firstError.empty())
      firstError = std::string(call) + " failed: " + errorName(status);
    return false;
  }

  llvm::Error takeError() {
    if (firstError.empty())
      return llvm::Error::success();
    std::string message = std::move(firstError);
    firstError.clear();
    return makeError(message);
  }

  /// Binds the entry points; the name of the first one missing, or "".
  std::string bind() {
    std::string missing;
    auto get = [&](auto &fn, const char *symbol, bool required = true) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          dlsym(library, symbol));
      if (!fn && required && missing.empty())
        missing = symbol;
    };
    get(cuInit, "cuInit");
    get(cuDeviceGetCount, "cuDeviceGetCount");
    get(cuDeviceGet, "cuDeviceGet");
    get(cuDeviceGetAttribute, "cuDeviceGetAttribute");
    get(cuDeviceGetName, "cuDeviceGetName");
    get(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
    get(cuCtxSetCurrent, "cuCtxSetCurrent");
    get(cuCtxSynchronize, "cuCtxSynchronize");
    get(cuGetErrorName, "cuGetErrorName");
    get(cuModuleLoadDataEx, "cuModuleLoadDataEx");
    get(cuModuleGetFunction, "cuModuleGetFunction");
    get(cuModuleUnload, "cuModuleUnload");
    get(cuFuncSetAttribute, "cuFuncSetAttribute");
    get(cuLaunchKernel, "cuLaunchKernel");
    get(cuStreamCreate, "cuStreamCreate");
    get(cuStreamSynchronize, "cuStreamSynchronize");
    get(cuStreamDestroy, "cuStreamDestroy_v2");
    get(cuStreamWaitEvent, "cuStreamWaitEvent");
    get(cuEventCreate, "cuEventCreate");
    get(cuEventRecord, "cuEventRecord");
    get(cuEventSynchronize, "cuEventSynchronize");
    get(cuEventDestroy, "cuEventDestroy_v2");
    get(cuMemAlloc, "cuMemAlloc_v2");
    get(cuMemFree, "cuMemFree_v2");
    get(cuMemcpyHtoD, "cuMemcpyHtoD_v2");
    get(cuMemcpyDtoH, "cuMemcpyDtoH_v2");
    get(cuMemcpyAsync, "cuMemcpyAsync");
    get(cuMemsetD32Async, "cuMemsetD32Async");
    get(cuMemsetD16Async, "cuMemsetD16Async");
    get(cuMemAllocAsync, "cuMemAllocAsync", /*required=*/false);
    get(cuMemFreeAsync, "cuMemFreeAsync", /*required=*/false);
    get(cuDeviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool",
        /*required=*/false);
    get(cuMemPoolSetAttribute, "cuMemPoolSetAttribute", /*required=*/false);
    if (!cuMemAllocAsync || !cuMemFreeAsync)
      cuMemAllocAsync = nullptr, cuMemFreeAsync = nullptr;
    return missing;
  }

  /// Opens the library and device 0; sets openError on failure.
  void open() {
    const char *path = std::getenv("QSPARSE_CUDA_DRIVER");
    if (!path || !*path)
      path = "libcuda.so.1";
    library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      openError =
          "no CUDA driver on this machine (" + std::string(dlerror()) + ")";
      return;
    }
    if (std::string missing = bind(); !missing.empty()) {
      openError = "the CUDA driver " + std::string(path) + " lacks " + missing;
      return;
    }
    if (CUresult status = cuInit(0)) {
      openError = "no CUDA device (cuInit returned " + errorName(status) + ")";
      return;
    }
    int count = 0;
    if (cuDeviceGetCount(&count) != 0 || count == 0) {
      openError = "no CUDA device";
      return;
    }
    int major = 0, minor = 0;
    char text[256] = {};
    if (!check(cuDeviceGet(&device, 0), "cuDeviceGet") ||
        !check(cuDeviceGetAttribute(&major, kComputeCapabilityMajor, device),
               "cuDeviceGetAttribute") ||
        !check(cuDeviceGetAttribute(&minor, kComputeCapabilityMinor, device),
               "cuDeviceGetAttribute") ||
        !check(cuDeviceGetName(text, sizeof(text) - 1, device),
               "cuDeviceGetName") ||
        !check(cuDevicePrimaryCtxRetain(&context, device),
               "cuDevicePrimaryCtxRetain") ||
        !check(cuCtxSetCurrent(context), "cuCtxSetCurrent")) {
      openError = "device 0: " + firstError;
      firstError.clear();
      return;
    }
    capability = 10 * major + minor;
    name = text;
    // Stream-ordered allocation needs the device's memory pools.
    int pools = 0;
    if (cuDeviceGetAttribute(&pools, kMemoryPoolsSupported, device) != 0 ||
        !pools)
      cuMemAllocAsync = nullptr, cuMemFreeAsync = nullptr;
    // The pool keeps what is freed (its default release threshold of 0
    // hands memory back at every synchronization, so every call would map
    // its temporaries anew).
    Handle pool = nullptr;
    uint64_t keepAll = ~uint64_t(0);
    if (cuMemAllocAsync && cuDeviceGetDefaultMemPool && cuMemPoolSetAttribute &&
        cuDeviceGetDefaultMemPool(&pool, device) == 0)
      (void)cuMemPoolSetAttribute(pool, kMemPoolReleaseThreshold, &keepAll);
    opened = true;
  }
};

Driver &driver() {
  static Driver d;
  return d;
}

// The mgpu* runtime of MLIR 22's gpu-to-llvm lowering and gpu.binary
// translation, on the driver.

Handle loadModule(const void *data, int optLevel) {
  Driver &d = driver();
  char log[8192] = {};
  int options[3] = {kJitErrorLogBuffer, kJitErrorLogBufferSize,
                    kJitOptimizationLevel};
  void *values[3] = {log, reinterpret_cast<void *>(sizeof(log) - 1),
                     reinterpret_cast<void *>(intptr_t(optLevel))};
  Handle module = nullptr;
  bool first = d.firstError.empty();
  if (!d.check(d.cuModuleLoadDataEx(&module, data, optLevel < 0 ? 2 : 3,
                                    options, values),
               "cuModuleLoadDataEx (loading the kernels)") &&
      first && log[0])
    d.firstError += std::string(": ") + llvm::StringRef(log).trim().str();
  return module;
}

Handle mgpuModuleLoad(void *data, size_t) { return loadModule(data, -1); }

Handle mgpuModuleLoadJIT(void *data, int optLevel) {
  return loadModule(data, std::min(std::max(optLevel, 0), 4));
}

void mgpuModuleUnload(Handle module) {
  if (module)
    driver().check(driver().cuModuleUnload(module), "cuModuleUnload");
}

Handle mgpuModuleGetFunction(Handle module, const char *name) {
  Handle function = nullptr;
  if (!module)
    driver().check(/*CUDA_ERROR_INVALID_HANDLE*/ 400,
                   "mgpuModuleGetFunction (its module did not load)");
  else
    driver().check(driver().cuModuleGetFunction(&function, module, name),
                   "cuModuleGetFunction");
  return function;
}

void mgpuLaunchKernel(Handle function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, Handle stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Driver &d = driver();
  if (!function) {
    d.check(/*CUDA_ERROR_INVALID_HANDLE*/ 400,
            "mgpuLaunchKernel (its kernel was not found)");
    return;
  }
  // Dynamic shared memory above the default 48 KB must be opted into.
  if (sharedBytes > 48 * 1024 &&
      !d.check(
          d.cuFuncSetAttribute(function, kMaxDynamicSharedBytes, sharedBytes),
          "cuFuncSetAttribute"))
    return;
  d.check(d.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                           blockZ, sharedBytes, stream, params, extra),
          "cuLaunchKernel");
}

/// Calls a driver entry point, recording its failure.
template <typename... Params, typename... Args>
bool call(CUresult (*Driver::*entry)(Params...), const char *name,
          Args... args) {
  Driver &d = driver();
  return d.check((d.*entry)(args...), name);
}

Handle mgpuStreamCreate() {
  Handle stream = nullptr;
  call(&Driver::cuStreamCreate, "cuStreamCreate", &stream, kStreamNonBlocking);
  return stream;
}
void mgpuStreamDestroy(Handle stream) {
  call(&Driver::cuStreamDestroy, "cuStreamDestroy", stream);
}
void mgpuStreamSynchronize(Handle stream) {
  call(&Driver::cuStreamSynchronize, "cuStreamSynchronize", stream);
}
void mgpuStreamWaitEvent(Handle stream, Handle event) {
  call(&Driver::cuStreamWaitEvent, "cuStreamWaitEvent", stream, event, 0u);
}
Handle mgpuEventCreate() {
  Handle event = nullptr;
  call(&Driver::cuEventCreate, "cuEventCreate", &event, kEventDisableTiming);
  return event;
}
void mgpuEventDestroy(Handle event) {
  call(&Driver::cuEventDestroy, "cuEventDestroy", event);
}
void mgpuEventSynchronize(Handle event) {
  call(&Driver::cuEventSynchronize, "cuEventSynchronize", event);
}
void mgpuEventRecord(Handle event, Handle stream) {
  call(&Driver::cuEventRecord, "cuEventRecord", event, stream);
}

void *mgpuMemAlloc(uint64_t bytes, Handle stream, bool hostShared) {
  Driver &d = driver();
  if (hostShared) {
    d.check(/*CUDA_ERROR_NOT_SUPPORTED*/ 801,
            "gpu.alloc host_shared (not supported by qsparse-run)");
    return nullptr;
  }
  CUdeviceptr ptr = 0;
  if (bytes == 0)
    return nullptr;
  if (d.cuMemAllocAsync)
    d.check(d.cuMemAllocAsync(&ptr, bytes, stream), "cuMemAllocAsync");
  else
    d.check(d.cuMemAlloc(&ptr, bytes), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, Handle stream) {
  Driver &d = driver();
  if (!ptr)
    return;
  auto device = reinterpret_cast<CUdeviceptr>(ptr);
  if (d.cuMemFreeAsync) {
    d.check(d.cuMemFreeAsync(device, stream), "cuMemFreeAsync");
    return;
  }
  // The stream's kernels may still use the buffer.
  if (d.check(d.cuStreamSynchronize(stream), "cuStreamSynchronize"))
    d.check(d.cuMemFree(device), "cuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, Handle stream) {
  driver().check(driver().cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                        reinterpret_cast<CUdeviceptr>(src),
                                        bytes, stream),
                 "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, uint32_t value, size_t count, Handle stream) {
  driver().check(driver().cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst),
                                           value, count, stream),
                 "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, uint16_t value, size_t count, Handle stream) {
  driver().check(driver().cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst),
                                           value, count, stream),
                 "cuMemsetD16Async");
}

void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0)
    driver().check(/*CUDA_ERROR_INVALID_DEVICE*/ 101,
                   "mgpuSetDefaultDevice (qsparse-run uses device 0)");
}

int64_t bufferBytes(RankedTensorType type) {
  return type.getNumElements() * storageBytes(type.getElementType());
}

} // namespace

llvm::Error runtime::openCudaDevice(StringRef chip) {
  Driver &d = driver();
  static bool tried = false;
  if (!tried) {
    tried = true;
    d.open();
  }
  if (!d.opened)
    return makeError(d.openError);
  unsigned wanted = 0;
  if (!chip.consume_front("sm_") || chip.getAsInteger(10, wanted))
    return makeError("unknown GPU chip '" + chip + "'");
  if (unsigned(d.capability) < wanted)
    return makeError("the GPU (" + cudaDeviceDescription() +
                     ") is older than the chip the module is compiled for, "
                     "sm_" +
                     llvm::Twine(wanted));
  return llvm::Error::success();
}

std::string runtime::cudaDeviceDescription() {
  Driver &d = driver();
  return d.name + " (sm_" + std::to_string(d.capability) + ")";
}

llvm::Expected<void *> runtime::deviceAllocate(size_t bytes) {
  Driver &d = driver();
  if (!d.opened)
    return makeError("no CUDA device is open");
  CUdeviceptr ptr = 0;
  // A zero-sized buffer still gets a distinct address.
  if (!d.check(d.cuMemAlloc(&ptr, std::max<size_t>(bytes, 1)), "cuMemAlloc"))
    return d.takeError();
  return reinterpret_cast<void *>(ptr);
}

void runtime::deviceFree(void *device) {
  if (device)
    call(&Driver::cuMemFree, "cuMemFree",
         reinterpret_cast<CUdeviceptr>(device));
}

llvm::Error runtime::copyToDevice(void *device, const void *host,
                                  size_t bytes) {
  // From pageable memory the copy may return before the data has reached
  // the device; work on other streams must not start before it has.
  if (call(&Driver::cuMemcpyHtoD, "cuMemcpyHtoD",
           reinterpret_cast<CUdeviceptr>(device), host, bytes))
    call(&Driver::cuCtxSynchronize, "cuCtxSynchronize (after a copy)");
  return driver().takeError();
}

llvm::Error runtime::copyToHost(void *host, const void *device, size_t bytes) {
  call(&Driver::cuMemcpyDtoH, "cuMemcpyDtoH", host,
       reinterpret_cast<CUdeviceptr>(device), bytes);
  return driver().takeError();
}

llvm::Error runtime::deviceSynchronize() {
  call(&Driver::cuCtxSynchronize, "cuCtxSynchronize (running the kernels)");
  return driver().takeError();
}

llvm::Expected<std::unique_ptr<CudaFunction>>
CudaFunction::compile(ModuleOp module, StringRef name,
                      const GPUPipelineOptions &options) {
  auto signature = detail::entrySignature(module, name);
  if (!signature)
    return signature.takeError();
  if (std::string why = checkGPUPipelineOptions(options); !why.empty())
    return makeError(why);
  auto engine = detail::lowerAndCompile(
      module, name, [&](OpPassManager &pm) { buildGPUPipeline(pm, options); },
      "GPU", {},
      /*gpuHost=*/true);
  if (!engine)
    return engine.takeError();
  std::unique_ptr<CudaFunction> result(new CudaFunction());
  result->engine = std::move(*engine);
  result->name = name.str();
  result->signature = std::move(*signature);
  return result;
}

CudaFunction::~CudaFunction() {
  // The engine's destructors unload the kernels through mgpuModuleUnload;
  // when they were never loaded, that symbol is not bound either, so the
  // engine is left to the process's exit.
  if (!loaded)
    (void)engine.release();
}

llvm::Error CudaFunction::load() {
  if (loaded)
    return loadError.empty() ? llvm::Error::success() : makeError(loadError);
  if (!driver().opened)
    return makeError("CudaFunction::load: no CUDA device is open");
  engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *symbol, auto *fn) {
      symbols[interner(symbol)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                   llvm::JITSymbolFlags::Exported};
    };
    add("mgpuModuleLoad", &mgpuModuleLoad);
    add("mgpuModuleLoadJIT", &mgpuModuleLoadJIT);
    add("mgpuModuleUnload", &mgpuModuleUnload);
    add("mgpuModuleGetFunction", &mgpuModuleGetFunction);
    add("mgpuLaunchKernel", &mgpuLaunchKernel);
    add("mgpuStreamCreate", &mgpuStreamCreate);
    add("mgpuStreamDestroy", &mgpuStreamDestroy);
    add("mgpuStreamSynchronize", &mgpuStreamSynchronize);
    add("mgpuStreamWaitEvent", &mgpuStreamWaitEvent);
    add("mgpuEventCreate", &mgpuEventCreate);
    add("mgpuEventDestroy", &mgpuEventDestroy);
    add("mgpuEventSynchronize", &mgpuEventSynchronize);
    add("mgpuEventRecord", &mgpuEventRecord);
    add("mgpuMemAlloc", &mgpuMemAlloc);
    add("mgpuMemFree", &mgpuMemFree);
    add("mgpuMemcpy", &mgpuMemcpy);
    add("mgpuMemset32", &mgpuMemset32);
    add("mgpuMemset16", &mgpuMemset16);
    add("mgpuSetDefaultDevice", &mgpuSetDefaultDevice);
    return symbols;
  });
  // The constructors load the kernels (mgpuModuleLoad*), once: a failure
  // is kept and returned by every later call.
  engine->initialize();
  loaded = true;
  if (llvm::Error e = driver().takeError()) {
    loadError = llvm::toString(std::move(e));
    return makeError(loadError);
  }
  return llvm::Error::success();
}

llvm::Expected<SmallVector<void *>> CudaFunction::allocate() {
  SmallVector<void *> buffers;
  SmallVector<RankedTensorType> types(signature.arguments);
  types.append(signature.results.begin(), signature.results.end());
  for (RankedTensorType type : types) {
    auto ptr = deviceAllocate(bufferBytes(type));
    if (!ptr) {
      release(buffers);
      return ptr.takeError();
    }
    buffers.push_back(*ptr);
  }
  return buffers;
}

void CudaFunction::release(ArrayRef<void *> buffers) {
  for (void *ptr : buffers)
    deviceFree(ptr);
}

llvm::Error CudaFunction::run(ArrayRef<void *> deviceBuffers) {
  if (llvm::Error e = driver().takeError())
    return e;
  std::vector<detail::Descriptor> descriptors;
  SmallVector<void *> packed =
      detail::packArguments(signature, deviceBuffers, descriptors);
  if (llvm::Error e = engine->invokePacked(name, packed))
    return e;
  return deviceSynchronize();
}

llvm::Expected<SmallVector<void *>>
CudaFunction::upload(ArrayRef<void *> arguments) {
  assert(arguments.size() == signature.arguments.size());
  if (llvm::Error e = load())
    return std::move(e);
  auto buffers = allocate();
  if (!buffers)
    return buffers.takeError();
  for (auto [i, host] : llvm::enumerate(arguments))
    if (llvm::Error e = copyToDevice((*buffers)[i], host,
                                     bufferBytes(signature.arguments[i]))) {
      release(*buffers);
      return std::move(e);
    }
  return buffers;
}

llvm::Error CudaFunction::invoke(ArrayRef<void *> arguments,
                                 ArrayRef<void *> results) {
  assert(results.size() == signature.results.size());
  auto buffers = upload(arguments);
  if (!buffers)
    return buffers.takeError();
  llvm::Error e = run(*buffers);
  size_t first = arguments.size();
  for (auto [i, host] : llvm::enumerate(results)) {
    if (e)
      break;
    e = copyToHost(host, (*buffers)[first + i],
                   bufferBytes(signature.results[i]));
  }
  release(*buffers);
  return e;
}

llvm::Expected<std::vector<double>>
CudaFunction::time(ArrayRef<void *> arguments, unsigned runs) {
  auto buffers = upload(arguments);
  if (!buffers)
    return buffers.takeError();
  std::vector<double> times;
  llvm::Error e = run(*buffers); // warm-up
  for (unsigned i = 0; i < runs && !e; ++i) {
    auto start = std::chrono::steady_clock::now();
    e = run(*buffers);
    auto stop = std::chrono::steady_clock::now();
    times.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
  }
  release(*buffers);
  if (e)
    return std::move(e);
  return times;
}

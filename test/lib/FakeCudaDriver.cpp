//===- FakeCudaDriver.cpp - a CUDA driver stand-in for the tests ----------===//
//
// libqsparse-fake-cuda.so exports the CUDA driver entry points that
// qsparse-run --target=cuda binds (lib/Runtime/Cuda.cpp) and logs each call
// on stderr ("fake-cuda: ..."), so that a machine without a GPU tests the
// host side of the CUDA path: the JIT-compiled host code's mgpu* calls,
// the PTX handed to the driver, launch shapes, and the argument and result
// copies. Device addresses lie in a reserved range the host cannot touch
// (host code that dereferences one faults, as with a GPU); their contents
// live in host buffers, and every pointer handed back is checked against
// the live allocations. Kernels are not run (results stay zero).
//
// Environment: FAKE_CUDA_SM (compute capability, default 80),
// FAKE_CUDA_FAIL (the name of one entry point that then fails),
// FAKE_CUDA_NO_POOLS (a device without stream-ordered allocation) and
// FAKE_CUDA_LOG (a file for the log instead of stderr).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace {
using CUresult = int;
using Handle = void *;
using CUdeviceptr = unsigned long long;

constexpr CUresult kSuccess = 0, kInvalidValue = 1, kInvalidPtx = 218,
                   kNotFound = 500, kLaunchFailed = 719;

/// Device allocations: addresses in a reserved, inaccessible range (so
/// that host code dereferencing a device pointer faults, as it would with
/// a GPU), their contents kept in host "shadow" buffers.
std::map<uintptr_t, std::vector<char>> &allocations() {
  static std::map<uintptr_t, std::vector<char>> live;
  return live;
}

uintptr_t reserveDeviceAddress(size_t bytes) {
  static const size_t span = size_t(1) << 36;
  static char *base = [] {
    void *p = mmap(nullptr, span, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<char *>(p);
  }();
  static size_t next = 0;
  if (!base || next + bytes > span)
    return 0;
  uintptr_t at = uintptr_t(base + next);
  next += (bytes + 511) / 512 * 512 + 512; // aligned, with a gap
  return at;
}

/// The PTX text of each loaded module.
std::map<Handle, std::string> &modules() {
  static std::map<Handle, std::string> loaded;
  return loaded;
}

/// Function handles: the entry name.
std::map<Handle, std::string> &functions() {
  static std::map<Handle, std::string> found;
  return found;
}

std::FILE *log() {
  static std::FILE *file = [] {
    const char *path = std::getenv("FAKE_CUDA_LOG");
    std::FILE *f = path ? std::fopen(path, "w") : nullptr;
    return f ? f : stderr;
  }();
  return file;
}

bool injected(const char *entry) {
  const char *fail = std::getenv("FAKE_CUDA_FAIL");
  return fail && std::strcmp(fail, entry) == 0;
}

/// The shadow bytes of [ptr, ptr + bytes) if that lies in one live
/// allocation, else null.
char *shadow(CUdeviceptr ptr, size_t bytes) {
  auto &live = allocations();
  auto it = live.upper_bound(uintptr_t(ptr));
  if (it == live.begin())
    return nullptr;
  --it;
  size_t offset = uintptr_t(ptr) - it->first;
  if (offset + bytes > it->second.size())
    return nullptr;
  return it->second.data() + offset;
}

CUresult fail(const char *entry, CUresult status, const char *why) {
  std::fprintf(log(), "fake-cuda: %s: error: %s\n", entry, why);
  std::fflush(log());
  return status;
}
} // namespace

extern "C" {

CUresult cuInit(unsigned) { return kSuccess; }
CUresult cuDeviceGetCount(int *count) {
  *count = 1;
  return kSuccess;
}
CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? kSuccess : kInvalidValue;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int) {
  const char *sm = std::getenv("FAKE_CUDA_SM");
  int capability = sm ? std::atoi(sm) : 80;
  if (attribute == 75)
    *value = capability / 10;
  else if (attribute == 76)
    *value = capability % 10;
  else if (attribute == 115) // memory pools (cuMemAllocAsync)
    *value = !std::getenv("FAKE_CUDA_NO_POOLS");
  else
    return kInvalidValue;
  return kSuccess;
}
CUresult cuDeviceGetName(char *name, int length, int) {
  std::snprintf(name, length, "fake CUDA device (kernels do not run)");
  return kSuccess;
}
CUresult cuDevicePrimaryCtxRetain(Handle *context, int) {
  static int token;
  *context = &token;
  return kSuccess;
}
CUresult cuCtxSetCurrent(Handle) { return kSuccess; }
CUresult cuCtxSynchronize() {
  std::fprintf(log(), "fake-cuda: cuCtxSynchronize\n");
  return kSuccess;
}

CUresult cuGetErrorName(CUresult status, const char **name) {
  switch (status) {
  case kInvalidValue:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return kSuccess;
  case kInvalidPtx:
    *name = "CUDA_ERROR_INVALID_PTX";
    return kSuccess;
  case kNotFound:
    *name = "CUDA_ERROR_NOT_FOUND";
    return kSuccess;
  case kLaunchFailed:
    *name = "CUDA_ERROR_LAUNCH_FAILED";
    return kSuccess;
  default:
    return kInvalidValue;
  }
}

/// The bytes of a module image: PTX text (NUL-terminated), an ELF cubin
/// (its size from the section headers, which come last) or a fatbin (its
/// size from the header); `kind` names which.
std::string imageBytes(const void *image, std::string &kind) {
  const auto *bytes = static_cast<const unsigned char *>(image);
  auto read = [&](size_t at, size_t n) {
    uint64_t v = 0;
    std::memcpy(&v, bytes + at, n);
    return v;
  };
  const char *chars = static_cast<const char *>(image);
  if (std::memcmp(bytes,
                  "\x7f"
                  "ELF",
                  4) == 0) {
    kind = "cubin";
    return std::string(chars, read(0x28, 8) + read(0x3A, 2) * read(0x3C, 2));
  }
  if (read(0, 4) == 0xBA55ED50) {
    kind = "fatbin";
    return std::string(chars, read(6, 2) + read(8, 8));
  }
  kind = "PTX";
  return std::string(chars);
}

CUresult cuModuleLoadDataEx(Handle *module, const void *image,
                            unsigned numOptions, int *options, void **values) {
  std::string kind;
  std::string data = imageBytes(image, kind);
  bool ptx = kind == "PTX";
  size_t target = ptx ? data.find(".target ") : std::string::npos;
  if (ptx) {
    std::string chip =
        target == std::string::npos
            ? "none"
            : data.substr(target + 8, data.find('\n', target) - target - 8);
    int entries = 0;
    for (size_t at = data.find(".entry "); at != std::string::npos;
         at = data.find(".entry ", at + 1))
      ++entries;
    std::fprintf(log(),
                 "fake-cuda: cuModuleLoadDataEx: PTX for %s, %d .entry\n",
                 chip.c_str(), entries);
  } else {
    std::fprintf(log(), "fake-cuda: cuModuleLoadDataEx: %s of %zu bytes\n",
                 kind.c_str(), data.size());
  }
  if (injected("cuModuleLoadDataEx") || (ptx && target == std::string::npos)) {
    // The JIT's log, as the driver fills it.
    for (unsigned i = 0; i + 1 < numOptions; ++i)
      if (options[i] == 5 && options[i + 1] == 6 && values[i])
        std::snprintf(static_cast<char *>(values[i]),
                      reinterpret_cast<uintptr_t>(values[i + 1]),
                      "ptxas fatal   : fake-cuda rejects this module\n");
    return kInvalidPtx;
  }
  auto *copy = new std::string(data);
  *module = copy;
  // A PTX kernel is `.entry NAME(`; a binary's string table holds NAME.
  modules()[copy] = ptx ? data : std::string("\0", 1) + data;
  return kSuccess;
}
CUresult cuModuleGetFunction(Handle *function, Handle module,
                             const char *name) {
  auto it = modules().find(module);
  if (it == modules().end())
    return fail("cuModuleGetFunction", kInvalidValue, "unknown module");
  bool binary = !it->second.empty() && it->second[0] == '\0';
  std::string wanted = binary ? std::string(1, '\0') + name + '\0'
                              : std::string(".entry ") + name + "(";
  if (it->second.find(wanted) == std::string::npos)
    return fail("cuModuleGetFunction", kNotFound, "no such kernel");
  auto *handle = new std::string(name);
  functions()[handle] = name;
  *function = handle;
  return kSuccess;
}
CUresult cuModuleUnload(Handle module) {
  if (!modules().erase(module))
    return fail("cuModuleUnload", kInvalidValue, "unknown module");
  std::fprintf(log(), "fake-cuda: cuModuleUnload\n");
  delete static_cast<std::string *>(module);
  return kSuccess;
}
CUresult cuFuncSetAttribute(Handle, int attribute, int value) {
  std::fprintf(log(), "fake-cuda: cuFuncSetAttribute %d = %d\n", attribute,
               value);
  return kSuccess;
}
CUresult cuLaunchKernel(Handle function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        Handle stream, void **params, void **extra) {
  auto it = functions().find(function);
  if (it == functions().end())
    return fail("cuLaunchKernel", kInvalidValue, "unknown function");
  std::fprintf(log(),
               "fake-cuda: cuLaunchKernel %s grid %ux%ux%u block %ux%ux%u "
               "shared %u%s\n",
               it->second.c_str(), gx, gy, gz, bx, by, bz, shared,
               stream ? "" : " (null stream)");
  if (!params || extra)
    return fail("cuLaunchKernel", kInvalidValue, "parameters not as packed");
  if (bx * by * bz > 1024)
    return fail("cuLaunchKernel", kInvalidValue, "more than 1024 threads");
  // An error that does not lose the context (CUDA_ERROR_LAUNCH_FAILED and
  // the like are sticky on a real driver: every later call fails).
  return injected("cuLaunchKernel") ? kInvalidValue : kSuccess;
}

CUresult cuStreamCreate(Handle *stream, unsigned) {
  static int count;
  *stream = new int(++count);
  std::fprintf(log(), "fake-cuda: cuStreamCreate\n");
  return kSuccess;
}
CUresult cuStreamSynchronize(Handle) {
  std::fprintf(log(), "fake-cuda: cuStreamSynchronize\n");
  return kSuccess;
}
CUresult cuStreamDestroy_v2(Handle stream) {
  delete static_cast<int *>(stream);
  std::fprintf(log(), "fake-cuda: cuStreamDestroy\n");
  return kSuccess;
}
CUresult cuStreamWaitEvent(Handle, Handle, unsigned) { return kSuccess; }
CUresult cuEventCreate(Handle *event, unsigned) {
  *event = new int(0);
  return kSuccess;
}
CUresult cuEventRecord(Handle, Handle) { return kSuccess; }
CUresult cuEventSynchronize(Handle) { return kSuccess; }
CUresult cuEventDestroy_v2(Handle event) {
  delete static_cast<int *>(event);
  return kSuccess;
}

CUresult cuDeviceGetDefaultMemPool(Handle *pool, int) {
  static int token;
  *pool = &token;
  return kSuccess;
}
CUresult cuMemPoolSetAttribute(Handle, int attribute, void *value) {
  std::fprintf(log(), "fake-cuda: cuMemPoolSetAttribute %d = %llu\n", attribute,
               (unsigned long long)*static_cast<uint64_t *>(value));
  return kSuccess;
}

CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
  if (injected("cuMemAlloc"))
    return kInvalidValue;
  uintptr_t at = reserveDeviceAddress(bytes);
  if (!at)
    return fail("cuMemAlloc", kInvalidValue, "out of fake device memory");
  allocations()[at] = std::vector<char>(bytes, 0);
  *ptr = CUdeviceptr(at);
  std::fprintf(log(), "fake-cuda: cuMemAlloc %zu\n", bytes);
  return kSuccess;
}
CUresult cuMemAllocAsync(CUdeviceptr *ptr, size_t bytes, Handle stream) {
  if (!stream)
    return fail("cuMemAllocAsync", kInvalidValue, "null stream");
  std::fprintf(log(), "fake-cuda: cuMemAllocAsync ");
  return cuMemAlloc_v2(ptr, bytes);
}
CUresult cuMemFree_v2(CUdeviceptr ptr) {
  if (!allocations().erase(uintptr_t(ptr)))
    return fail("cuMemFree", kInvalidValue, "not an allocation");
  std::fprintf(log(), "fake-cuda: cuMemFree\n");
  return kSuccess;
}
CUresult cuMemFreeAsync(CUdeviceptr ptr, Handle stream) {
  if (!stream)
    return fail("cuMemFreeAsync", kInvalidValue, "null stream");
  std::fprintf(log(), "fake-cuda: cuMemFreeAsync ");
  return cuMemFree_v2(ptr);
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  char *to = shadow(dst, bytes);
  if (!to)
    return fail("cuMemcpyHtoD", kInvalidValue, "not device memory");
  std::memcpy(to, src, bytes);
  std::fprintf(log(), "fake-cuda: cuMemcpyHtoD %zu\n", bytes);
  return kSuccess;
}
CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  const char *from = shadow(src, bytes);
  if (!from)
    return fail("cuMemcpyDtoH", kInvalidValue, "not device memory");
  std::memcpy(dst, from, bytes);
  std::fprintf(log(), "fake-cuda: cuMemcpyDtoH %zu\n", bytes);
  return kSuccess;
}
CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, Handle) {
  char *to = shadow(dst, bytes), *from = shadow(src, bytes);
  if (!to || !from)
    return fail("cuMemcpyAsync", kInvalidValue, "not device memory");
  std::memmove(to, from, bytes);
  std::fprintf(log(), "fake-cuda: cuMemcpyAsync %zu\n", bytes);
  return kSuccess;
}
CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count,
                          Handle) {
  char *to = shadow(dst, 4 * count);
  if (!to)
    return fail("cuMemsetD32Async", kInvalidValue, "not device memory");
  for (size_t i = 0; i < count; ++i)
    std::memcpy(to + 4 * i, &value, 4);
  return kSuccess;
}
CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t count,
                          Handle) {
  char *to = shadow(dst, 2 * count);
  if (!to)
    return fail("cuMemsetD16Async", kInvalidValue, "not device memory");
  for (size_t i = 0; i < count; ++i)
    std::memcpy(to + 2 * i, &value, 2);
  return kSuccess;
}

} // extern "C"

//===- GpuEmulator.cpp - run GPU-pipeline kernels on the host -------------===//
//
// A lockstep interpreter of the kernels the GPU pipeline builds. Every SSA
// value holds one entry per thread of the block; an op runs for every
// active thread before the next op starts; scf.if narrows the active mask.
// The PTX semantics of ldmatrix and mma here follow the ISA's descriptions:
// the fragment positions come from qsparse/Numerics/PtxIsa.h (the manual's
// formulas), not from MmaLayouts.h (the generator's layouts), so that the
// generator is checked against an independent model.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Runtime/GpuEmulator.h"
#include "Engine.h"
#include "qsparse/Numerics/PtxIsa.h"
#include "qsparse/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <limits>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::runtime;

namespace {

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

/// Bytes of memory; workgroup memory carries a shadow for race detection.
struct Storage {
  uint8_t *base = nullptr;
  int64_t bytes = 0;
  std::vector<uint8_t> owned;
  bool shared = false;
  std::vector<int64_t> writeEpoch, readEpoch;
  std::vector<int32_t> writer, reader; // reader -2: several threads
  std::vector<int32_t> inFlight;       // cp.async copies not landed yet

  static std::shared_ptr<Storage> make(int64_t bytes, uint8_t fill,
                                       bool shared) {
    auto s = std::make_shared<Storage>();
    s->owned.assign(bytes, fill);
    s->base = s->owned.data();
    s->bytes = bytes;
    s->shared = shared;
    if (shared) {
      s->writeEpoch.assign(bytes, -1);
      s->readEpoch.assign(bytes, -1);
      s->writer.assign(bytes, -1);
      s->reader.assign(bytes, -1);
      s->inFlight.assign(bytes, 0);
    }
    return s;
  }
};

struct MemRefDesc {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;
  SmallVector<int64_t> sizes, strides;
  unsigned elemBytes = 1;
};

/// One element: integers canonical (sign-extended from their width, i1 as
/// 0/1), floats as double rounded to their type.
struct Elem {
  int64_t i = 0;
  double f = 0;
};

/// One thread's value: the elements of a scalar or vector (or the members
/// of an LLVM struct), or a memref.
struct Val {
  SmallVector<Elem, 4> e;
  std::shared_ptr<MemRefDesc> m;
};

unsigned widthOf(Type t) {
  if (t.isIndex())
    return 64;
  return t.getIntOrFloatBitWidth();
}

int64_t canon(int64_t x, unsigned w) {
  if (w == 1)
    return x & 1;
  if (w >= 64)
    return x;
  return static_cast<int64_t>(static_cast<uint64_t>(x) << (64 - w)) >> (64 - w);
}

uint64_t zext(int64_t x, unsigned w) {
  if (w == 1)
    return x & 1;
  if (w >= 64)
    return static_cast<uint64_t>(x);
  return static_cast<uint64_t>(x) & ((uint64_t(1) << w) - 1);
}

const llvm::fltSemantics *semanticsOf(Type t) {
  if (t.isF16())
    return &llvm::APFloat::IEEEhalf();
  if (t.isBF16())
    return &llvm::APFloat::BFloat();
  return nullptr;
}

double roundTo(double v, Type t) {
  if (t.isF32())
    return static_cast<double>(static_cast<float>(v));
  if (auto *sem = semanticsOf(t)) {
    llvm::APFloat a(v);
    bool lost;
    a.convert(*sem, llvm::APFloat::rmNearestTiesToEven, &lost);
    a.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
    return a.convertToDouble();
  }
  return v;
}

unsigned storageBytesOf(Type t) {
  if (t.isIndex())
    return 8;
  unsigned bits = t.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

Elem decode(const uint8_t *p, Type t) {
  Elem e;
  unsigned n = storageBytesOf(t);
  uint64_t bits = 0;
  std::memcpy(&bits, p, n);
  if (isa<FloatType>(t)) {
    if (t.isF32()) {
      float f;
      std::memcpy(&f, &bits, 4);
      e.f = f;
    } else if (t.isF64()) {
      std::memcpy(&e.f, &bits, 8);
    } else {
      llvm::APFloat a(*semanticsOf(t), llvm::APInt(16, bits));
      bool lost;
      a.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      e.f = a.convertToDouble();
    }
    return e;
  }
  e.i = canon(static_cast<int64_t>(bits), widthOf(t));
  return e;
}

void encode(uint8_t *p, Type t, const Elem &e) {
  unsigned n = storageBytesOf(t);
  uint64_t bits = 0;
  if (isa<FloatType>(t)) {
    if (t.isF32()) {
      float f = static_cast<float>(e.f);
      std::memcpy(&bits, &f, 4);
    } else if (t.isF64()) {
      std::memcpy(&bits, &e.f, 8);
    } else {
      llvm::APFloat a(e.f);
      bool lost;
      a.convert(*semanticsOf(t), llvm::APFloat::rmNearestTiesToEven, &lost);
      bits = a.bitcastToAPInt().getZExtValue();
    }
  } else {
    bits = static_cast<uint64_t>(e.i);
  }
  std::memcpy(p, &bits, n);
}

Elem fromAttr(Attribute a, Type t) {
  Elem e;
  if (auto i = dyn_cast<IntegerAttr>(a))
    e.i = canon(i.getValue().getSExtValue(), widthOf(t));
  else if (auto f = dyn_cast<FloatAttr>(a))
    e.f = f.getValueAsDouble();
  return e;
}

//===----------------------------------------------------------------------===//
// The interpreter
//===----------------------------------------------------------------------===//

using Mask = std::vector<bool>;

struct PendingCopy {
  std::shared_ptr<Storage> dst;
  int64_t at;
  std::vector<uint8_t> bytes;
};

class Interpreter {
public:
  explicit Interpreter(ModuleOp module) : module(module) {}

  LogicalResult runFunction(func::FuncOp func, ArrayRef<void *> args,
                            ArrayRef<void *> results);
  std::string error;

private:
  ModuleOp module;
  /// Values per thread of the current scope (1 thread on the host).
  struct Env {
    Env *parent = nullptr;
    int threads = 1;
    DenseMap<Value, std::vector<Val>> values;
  };
  Env *env = nullptr;
  // The block being run.
  int64_t epoch = 0;
  std::map<std::string, std::shared_ptr<Storage>> blockShared;
  std::vector<std::vector<PendingCopy>> uncommitted;
  std::vector<std::deque<std::vector<PendingCopy>>> groups;
  std::map<std::string, std::shared_ptr<Storage>> constants;

  LogicalResult fail(Operation *op, const Twine &message) {
    if (error.empty()) {
      std::string where;
      llvm::raw_string_ostream os(where);
      os << op->getLoc();
      error = ("GPU emulator: '" + op->getName().getStringRef() + "' at " +
               where + ": " + message)
                  .str();
    }
    return failure();
  }

  Val &get(Value v, int t) {
    for (Env *e = env; e; e = e->parent) {
      auto it = e->values.find(v);
      if (it != e->values.end())
        return it->second[e->threads == 1 ? 0 : t];
    }
    llvm_unreachable("value used before definition");
  }
  std::vector<Val> &slot(Value v) {
    auto &s = env->values[v];
    s.resize(env->threads);
    return s;
  }

  LogicalResult runBlock(Block &block, const Mask &mask);
  LogicalResult runOp(Operation &op, const Mask &mask);
  LogicalResult runLaunch(gpu::LaunchOp launch);
  LogicalResult runFor(scf::ForOp op, const Mask &mask);
  LogicalResult runIf(scf::IfOp op, const Mask &mask);
  LogicalResult runParallel(scf::ParallelOp op, const Mask &mask);
  LogicalResult runElementwise(Operation &op, const Mask &mask);
  LogicalResult runMemRef(Operation &op, const Mask &mask, bool &handled);
  LogicalResult runVector(Operation &op, const Mask &mask, bool &handled);
  LogicalResult runWarp(Operation &op, const Mask &mask, bool &handled);

  std::shared_ptr<Storage> globalStorage(memref::GlobalOp global,
                                         Operation *user);
  FailureOr<int64_t> address(Operation *op, const MemRefDesc &m,
                             ValueRange indices, int t, int64_t count = 1);
  LogicalResult access(Operation *op, Storage &s, int64_t at, int64_t n, int t,
                       bool write);
  /// The bytes of `count` consecutive elements of `memref` at `indices`
  /// (along the innermost dimension) for thread t, bounds and races checked.
  FailureOr<uint8_t *> locate(Operation *op, Value memref, ValueRange indices,
                              int64_t count, int t, bool write) {
    MemRefDesc &m = *get(memref, t).m;
    if (count > 1 && m.strides.back() != 1)
      return fail(op, "strided innermost dimension");
    auto at = address(op, m, indices, t, count);
    if (failed(at) ||
        failed(access(op, *m.storage, *at, count * m.elemBytes, t, write)))
      return failure();
    return m.storage->base + *at;
  }
  int64_t index(Value v, int t) { return get(v, t).e[0].i; }
  /// Runs f(t) for every active thread, stopping at the first failure.
  template <typename F> LogicalResult forActive(const Mask &mask, F f) {
    for (int t = 0; t < env->threads; ++t)
      if (mask[t] && failed(f(t)))
        return failure();
    return success();
  }
  /// The value of `v` in the active threads, which must all agree (loop
  /// bounds); nullopt-like failure otherwise.
  FailureOr<int64_t> uniform(Operation *op, Value v, const Mask &mask) {
    std::optional<int64_t> value;
    for (int t = 0; t < env->threads; ++t) {
      if (!mask[t])
        continue;
      int64_t x = index(v, t);
      if (value && *value != x)
        return fail(op, "loop bounds differ between threads");
      value = x;
    }
    return value ? *value : int64_t(0);
  }
  static bool anyActive(const Mask &mask) {
    return llvm::is_contained(mask, true);
  }
  int64_t fold(OpFoldResult r, int t) {
    if (auto a = dyn_cast<Attribute>(r))
      return cast<IntegerAttr>(a).getInt();
    return index(cast<Value>(r), t);
  }
};

std::shared_ptr<MemRefDesc> describe(std::shared_ptr<Storage> s,
                                     MemRefType type) {
  auto m = std::make_shared<MemRefDesc>();
  m->storage = std::move(s);
  m->elemBytes = storageBytesOf(type.getElementType());
  m->sizes.assign(type.getShape().begin(), type.getShape().end());
  int64_t offset = 0;
  SmallVector<int64_t> strides;
  if (failed(type.getStridesAndOffset(strides, offset)))
    strides.clear();
  m->strides = strides;
  m->offset = offset;
  return m;
}

std::shared_ptr<Storage> Interpreter::globalStorage(memref::GlobalOp global,
                                                    Operation *user) {
  MemRefType type = global.getType();
  int64_t bytes = type.getNumElements() * storageBytesOf(type.getElementType());
  std::string name = global.getSymName().str();
  bool workgroup = false;
  if (auto space =
          dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace()))
    workgroup = space.getValue() == gpu::AddressSpace::Workgroup;
  if (workgroup) {
    // One buffer per block, uninitialized (a recognizable pattern).
    auto &s = blockShared[name];
    if (!s)
      s = Storage::make(bytes, 0xA5, /*shared=*/true);
    return s;
  }
  auto &s = constants[name];
  if (s)
    return s;
  s = Storage::make(bytes, 0, false);
  Attribute init = global.getInitialValueAttr();
  Type elem = type.getElementType();
  unsigned eb = storageBytesOf(elem);
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(init)) {
    int64_t i = 0;
    if (isa<FloatType>(elem)) {
      for (APFloat v : dense.getValues<APFloat>())
        encode(s->base + eb * i++, elem, Elem{0, v.convertToDouble()});
    } else {
      for (APInt v : dense.getValues<APInt>())
        encode(s->base + eb * i++, elem,
               Elem{canon(v.getSExtValue(), widthOf(elem)), 0});
    }
    if (dense.isSplat())
      for (int64_t j = 1; j < type.getNumElements(); ++j)
        std::memcpy(s->base + eb * j, s->base, eb);
  } else if (auto resource =
                 dyn_cast_or_null<DenseResourceElementsAttr>(init)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> data = blob->getData();
      std::memcpy(s->base, data.data(),
                  std::min<size_t>(data.size(), static_cast<size_t>(bytes)));
    }
  } else if (init && !isa<UnitAttr>(init)) {
    (void)fail(user, "unsupported initial value of global '" + name + "'");
  }
  return s;
}

FailureOr<int64_t> Interpreter::address(Operation *op, const MemRefDesc &m,
                                        ValueRange indices, int t,
                                        int64_t count) {
  if (m.strides.size() != m.sizes.size())
    return fail(op, "memref without a strided layout");
  int64_t element = m.offset;
  for (auto [d, v] : llvm::enumerate(indices)) {
    int64_t i = index(v, t);
    int64_t limit = m.sizes[d] - (d + 1 == indices.size() ? count - 1 : 0);
    if (i < 0 || i >= limit)
      return fail(op, llvm::formatv("index {0} out of bounds in dimension "
                                    "{1} (size {2}), thread {3}",
                                    i, d, m.sizes[d], t)
                          .str());
    element += i * m.strides[d];
  }
  return element * static_cast<int64_t>(m.elemBytes);
}

LogicalResult Interpreter::access(Operation *op, Storage &s, int64_t at,
                                  int64_t n, int t, bool write) {
  if (at < 0 || at + n > s.bytes)
    return fail(op, "access outside its buffer");
  if (!s.shared)
    return success();
  for (int64_t b = at; b < at + n; ++b) {
    if (s.inFlight[b])
      return fail(op, llvm::formatv("thread {0} {1} byte {2} of workgroup "
                                    "memory while a cp.async to it is in "
                                    "flight (not yet waited for)",
                                    t, write ? "writes" : "reads", b)
                          .str());
    bool otherWrote = s.writeEpoch[b] == epoch && s.writer[b] != t;
    bool otherRead = s.readEpoch[b] == epoch && s.reader[b] != t;
    if (otherWrote || (write && otherRead)) {
      int32_t other = otherWrote ? s.writer[b] : s.reader[b];
      std::string who = other == -2 ? std::string("several threads")
                                    : "thread " + std::to_string(other);
      return fail(op, llvm::formatv("race on workgroup memory: thread {0} {1} "
                                    "byte {2} that {3} {4} with no "
                                    "gpu.barrier between",
                                    t, write ? "writes" : "reads", b, who,
                                    otherWrote ? "wrote" : "read")
                          .str());
    }
    if (write) {
      s.writeEpoch[b] = epoch;
      s.writer[b] = t;
    } else {
      s.reader[b] = s.readEpoch[b] == epoch && s.reader[b] != t ? -2 : t;
      s.readEpoch[b] = epoch;
    }
  }
  return success();
}

LogicalResult Interpreter::runBlock(Block &block, const Mask &mask) {
  for (Operation &op : block.without_terminator())
    if (failed(runOp(op, mask)))
      return failure();
  return success();
}

LogicalResult Interpreter::runFunction(func::FuncOp func, ArrayRef<void *> args,
                                       ArrayRef<void *> results) {
  Env host;
  env = &host;
  Block &body = func.getBody().front();
  unsigned numArgs = body.getNumArguments();
  if (numArgs != args.size() + results.size())
    return fail(func, "unexpected number of arguments");
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type)
      return fail(func, "arguments must be memrefs");
    auto s = std::make_shared<Storage>();
    s->base = static_cast<uint8_t *>(
        i < args.size() ? args[i] : results[i - args.size()]);
    s->bytes = type.getNumElements() * storageBytesOf(type.getElementType());
    slot(arg)[0].m = describe(s, type);
  }
  Mask one(1, true);
  LogicalResult result = runBlock(body, one);
  env = nullptr;
  return result;
}

LogicalResult Interpreter::runLaunch(gpu::LaunchOp launch) {
  auto sizes = launch.getGridSizeOperandValues();
  auto blockSizes = launch.getBlockSizeOperandValues();
  int64_t grid[3] = {index(sizes.x, 0), index(sizes.y, 0), index(sizes.z, 0)};
  int64_t bdim[3] = {index(blockSizes.x, 0), index(blockSizes.y, 0),
                     index(blockSizes.z, 0)};
  int threads = static_cast<int>(bdim[0] * bdim[1] * bdim[2]);
  if (threads <= 0 || threads > 1024)
    return fail(launch, "block of " + Twine(threads) + " threads");
  Block &body = launch.getBody().front();
  for (int64_t bz = 0; bz < grid[2]; ++bz)
    for (int64_t by = 0; by < grid[1]; ++by)
      for (int64_t bx = 0; bx < grid[0]; ++bx) {
        Env kernel;
        kernel.parent = env;
        kernel.threads = threads;
        Env *saved = env;
        env = &kernel;
        epoch = 0;
        blockShared.clear();
        uncommitted.assign(threads, {});
        groups.assign(threads, {});
        auto bind = [&](Value v, auto value) {
          auto &s = slot(v);
          for (int t = 0; t < threads; ++t)
            s[t].e = {Elem{value(t), 0}};
        };
        gpu::KernelDim3 ids = launch.getBlockIds(),
                        tids = launch.getThreadIds(), gs = launch.getGridSize(),
                        bs = launch.getBlockSize();
        bind(ids.x, [&](int) { return bx; });
        bind(ids.y, [&](int) { return by; });
        bind(ids.z, [&](int) { return bz; });
        bind(tids.x, [&](int t) { return t % bdim[0]; });
        bind(tids.y, [&](int t) { return (t / bdim[0]) % bdim[1]; });
        bind(tids.z, [&](int t) { return t / (bdim[0] * bdim[1]); });
        bind(gs.x, [&](int) { return grid[0]; });
        bind(gs.y, [&](int) { return grid[1]; });
        bind(gs.z, [&](int) { return grid[2]; });
        bind(bs.x, [&](int) { return bdim[0]; });
        bind(bs.y, [&](int) { return bdim[1]; });
        bind(bs.z, [&](int) { return bdim[2]; });
        Mask all(threads, true);
        LogicalResult r = runBlock(body, all);
        env = saved;
        if (failed(r))
          return failure();
        for (int t = 0; t < threads; ++t)
          if (!uncommitted[t].empty() || !groups[t].empty())
            return fail(launch, "a block exits with cp.async copies not "
                                "waited for (thread " +
                                    Twine(t) + ")");
      }
  return success();
}

LogicalResult Interpreter::runFor(scf::ForOp op, const Mask &mask) {
  if (!anyActive(mask))
    return success();
  auto lb = uniform(op, op.getLowerBound(), mask),
       ub = uniform(op, op.getUpperBound(), mask),
       step = uniform(op, op.getStep(), mask);
  if (failed(lb) || failed(ub) || failed(step))
    return failure();
  if (*step <= 0)
    return fail(op, "non-positive step");
  Block &body = *op.getBody();
  unsigned n = op.getNumRegionIterArgs();
  std::vector<std::vector<Val>> carried(n, std::vector<Val>(env->threads));
  for (unsigned a = 0; a < n; ++a)
    for (int t = 0; t < env->threads; ++t)
      if (mask[t])
        carried[a][t] = get(op.getInitArgs()[a], t);
  auto yield = cast<scf::YieldOp>(body.getTerminator());
  for (int64_t iv = *lb; iv < *ub; iv += *step) {
    auto &ivSlot = slot(op.getInductionVar());
    for (int t = 0; t < env->threads; ++t)
      ivSlot[t].e = {Elem{iv, 0}};
    for (unsigned a = 0; a < n; ++a)
      slot(op.getRegionIterArgs()[a]) = carried[a];
    if (failed(runBlock(body, mask)))
      return failure();
    for (unsigned a = 0; a < n; ++a)
      for (int t = 0; t < env->threads; ++t)
        if (mask[t])
          carried[a][t] = get(yield.getOperand(a), t);
  }
  for (unsigned a = 0; a < n; ++a)
    slot(op.getResult(a)) = carried[a];
  return success();
}

/// A parallel loop inside a kernel runs sequentially in every thread, as
/// the SCF-to-CF lowering of the pipeline makes it.
LogicalResult Interpreter::runParallel(scf::ParallelOp op, const Mask &mask) {
  if (op.getNumResults() != 0)
    return fail(op, "parallel loops with reductions are not emulated");
  if (!anyActive(mask))
    return success();
  size_t rank = op.getNumLoops();
  SmallVector<int64_t> lb, ub, step;
  for (size_t d = 0; d < rank; ++d) {
    auto l = uniform(op, op.getLowerBound()[d], mask),
         u = uniform(op, op.getUpperBound()[d], mask),
         s = uniform(op, op.getStep()[d], mask);
    if (failed(l) || failed(u) || failed(s))
      return failure();
    if (*s <= 0)
      return fail(op, "non-positive step");
    if (*l >= *u)
      return success();
    lb.push_back(*l);
    ub.push_back(*u);
    step.push_back(*s);
  }
  SmallVector<int64_t> iv(lb);
  while (true) {
    for (size_t d = 0; d < rank; ++d) {
      auto &s = slot(op.getInductionVars()[d]);
      for (int t = 0; t < env->threads; ++t)
        s[t].e = {Elem{iv[d], 0}};
    }
    if (failed(runBlock(*op.getBody(), mask)))
      return failure();
    int64_t d = static_cast<int64_t>(rank) - 1;
    for (; d >= 0; --d) {
      iv[d] += step[d];
      if (iv[d] < ub[d])
        break;
      iv[d] = lb[d];
    }
    if (d < 0)
      return success();
  }
}

LogicalResult Interpreter::runIf(scf::IfOp op, const Mask &mask) {
  int threads = env->threads;
  Mask thenMask(threads, false), elseMask(threads, false);
  bool anyThen = false, anyElse = false;
  for (int t = 0; t < threads; ++t)
    if (mask[t]) {
      bool c = get(op.getCondition(), t).e[0].i & 1;
      (c ? thenMask : elseMask)[t] = true;
      (c ? anyThen : anyElse) = true;
    }
  std::vector<std::vector<Val>> results(op.getNumResults(),
                                        std::vector<Val>(threads));
  auto runBranch = [&](Region &region, const Mask &m) -> LogicalResult {
    if (region.empty())
      return success();
    Block &b = region.front();
    if (failed(runBlock(b, m)))
      return failure();
    auto yield = cast<scf::YieldOp>(b.getTerminator());
    for (unsigned r = 0; r < op.getNumResults(); ++r)
      for (int t = 0; t < threads; ++t)
        if (m[t])
          results[r][t] = get(yield.getOperand(r), t);
    return success();
  };
  if (anyThen && failed(runBranch(op.getThenRegion(), thenMask)))
    return failure();
  if (anyElse && failed(runBranch(op.getElseRegion(), elseMask)))
    return failure();
  for (unsigned r = 0; r < op.getNumResults(); ++r)
    slot(op.getResult(r)) = results[r];
  return success();
}

/// Flattened row-major positions of a vector.
int64_t flatPosition(ArrayRef<int64_t> shape, ArrayRef<int64_t> position) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + (d < position.size() ? position[d] : 0);
  return flat;
}

LogicalResult Interpreter::runElementwise(Operation &op, const Mask &mask) {
  if (op.getNumResults() != 1)
    return fail(&op, "not supported by the emulator");
  for (Type t : llvm::concat<Type>(op.getOperandTypes(), op.getResultTypes())) {
    Type e = getElementTypeOrSelf(t);
    if (e.isInteger() && e.getIntOrFloatBitWidth() > 64)
      return fail(&op, "integers wider than 64 bits are not emulated");
  }
  Type resultType = op.getResult(0).getType();
  Type elem = getElementTypeOrSelf(resultType);
  Type operandElem = op.getNumOperands()
                         ? getElementTypeOrSelf(op.getOperand(0).getType())
                         : elem;
  unsigned w = isa<FloatType>(elem) ? 0 : widthOf(elem);
  unsigned wIn = isa<FloatType>(operandElem) ? 0 : widthOf(operandElem);
  using Fn = std::function<Elem(ArrayRef<Elem>)>;
  auto I = [&](auto f) -> Fn {
    return [=](ArrayRef<Elem> x) { return Elem{canon(f(x), w), 0}; };
  };
  auto F = [&](auto f) -> Fn {
    return [=](ArrayRef<Elem> x) { return Elem{0, roundTo(f(x), elem)}; };
  };
  auto U = [&](const Elem &e) { return zext(e.i, wIn); };
  Fn fn =
      llvm::TypeSwitch<Operation *, Fn>(&op)
          .Case([&](arith::AddIOp) {
            return I([](auto x) { return x[0].i + x[1].i; });
          })
          .Case([&](arith::SubIOp) {
            return I([](auto x) { return x[0].i - x[1].i; });
          })
          .Case([&](arith::MulIOp) {
            return I([](auto x) {
              return static_cast<int64_t>(static_cast<uint64_t>(x[0].i) *
                                          static_cast<uint64_t>(x[1].i));
            });
          })
          .Case([&](arith::DivSIOp) {
            return I([](auto x) {
              if (x[1].i == -1)
                return static_cast<int64_t>(0 - static_cast<uint64_t>(x[0].i));
              return x[1].i ? x[0].i / x[1].i : 0;
            });
          })
          .Case([&](arith::RemSIOp) {
            return I([](auto x) { return x[1].i ? x[0].i % x[1].i : 0; });
          })
          .Case([&](arith::DivUIOp) {
            return I([=](auto x) {
              uint64_t b = U(x[1]);
              return b ? static_cast<int64_t>(U(x[0]) / b) : 0;
            });
          })
          .Case([&](arith::RemUIOp) {
            return I([=](auto x) {
              uint64_t b = U(x[1]);
              return b ? static_cast<int64_t>(U(x[0]) % b) : 0;
            });
          })
          .Case([&](arith::FloorDivSIOp) {
            return I([](auto x) {
              int64_t a = x[0].i, b = x[1].i;
              if (!b)
                return int64_t(0);
              int64_t q = a / b;
              return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
            });
          })
          .Case([&](arith::CeilDivSIOp) {
            return I([](auto x) {
              int64_t a = x[0].i, b = x[1].i;
              if (!b)
                return int64_t(0);
              int64_t q = a / b;
              return (a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q;
            });
          })
          .Case([&](arith::MinSIOp) {
            return I([](auto x) { return std::min(x[0].i, x[1].i); });
          })
          .Case([&](arith::MaxSIOp) {
            return I([](auto x) { return std::max(x[0].i, x[1].i); });
          })
          .Case([&](arith::MinUIOp) {
            return I(
                [=](auto x) { return U(x[0]) < U(x[1]) ? x[0].i : x[1].i; });
          })
          .Case([&](arith::MaxUIOp) {
            return I(
                [=](auto x) { return U(x[0]) > U(x[1]) ? x[0].i : x[1].i; });
          })
          .Case([&](arith::AndIOp) {
            return I([](auto x) { return x[0].i & x[1].i; });
          })
          .Case([&](arith::OrIOp) {
            return I([](auto x) { return x[0].i | x[1].i; });
          })
          .Case([&](arith::XOrIOp) {
            return I([](auto x) { return x[0].i ^ x[1].i; });
          })
          .Case([&](arith::ShLIOp) {
            return I([=](auto x) {
              uint64_t s = U(x[1]);
              return s >= wIn ? int64_t(0) : static_cast<int64_t>(U(x[0]) << s);
            });
          })
          .Case([&](arith::ShRUIOp) {
            return I([=](auto x) {
              uint64_t s = U(x[1]);
              return s >= wIn ? int64_t(0) : static_cast<int64_t>(U(x[0]) >> s);
            });
          })
          .Case([&](arith::ShRSIOp) {
            return I([=](auto x) {
              uint64_t s = U(x[1]);
              return x[0].i >> std::min<uint64_t>(s, 63);
            });
          })
          .Case([&](arith::ExtSIOp) {
            return I([=](auto x) { return wIn == 1 ? -(x[0].i & 1) : x[0].i; });
          })
          .Case([&](arith::ExtUIOp) {
            return I([=](auto x) { return static_cast<int64_t>(U(x[0])); });
          })
          .Case(
              [&](arith::TruncIOp) { return I([](auto x) { return x[0].i; }); })
          .Case([&](arith::IndexCastOp) {
            return I([](auto x) { return x[0].i; });
          })
          .Case([&](arith::IndexCastUIOp) {
            return I([=](auto x) { return static_cast<int64_t>(U(x[0])); });
          })
          .Case([&](arith::CmpIOp c) {
            auto p = c.getPredicate();
            return I([=](auto x) -> int64_t {
              int64_t a = x[0].i, b = x[1].i;
              uint64_t ua = U(x[0]), ub = U(x[1]);
              switch (p) {
              case arith::CmpIPredicate::eq:
                return a == b;
              case arith::CmpIPredicate::ne:
                return a != b;
              case arith::CmpIPredicate::slt:
                return a < b;
              case arith::CmpIPredicate::sle:
                return a <= b;
              case arith::CmpIPredicate::sgt:
                return a > b;
              case arith::CmpIPredicate::sge:
                return a >= b;
              case arith::CmpIPredicate::ult:
                return ua < ub;
              case arith::CmpIPredicate::ule:
                return ua <= ub;
              case arith::CmpIPredicate::ugt:
                return ua > ub;
              case arith::CmpIPredicate::uge:
                return ua >= ub;
              }
              return 0;
            });
          })
          .Case([&](arith::SelectOp) -> Fn {
            return [](ArrayRef<Elem> x) { return (x[0].i & 1) ? x[1] : x[2]; };
          })
          .Case([&](arith::AddFOp) {
            return F([](auto x) { return x[0].f + x[1].f; });
          })
          .Case([&](arith::SubFOp) {
            return F([](auto x) { return x[0].f - x[1].f; });
          })
          .Case([&](arith::MulFOp) {
            return F([](auto x) { return x[0].f * x[1].f; });
          })
          .Case([&](arith::DivFOp) {
            return F([](auto x) { return x[0].f / x[1].f; });
          })
          .Case(
              [&](arith::NegFOp) { return F([](auto x) { return -x[0].f; }); })
          .Case([&](arith::MaximumFOp) {
            return F([](auto x) {
              return std::isnan(x[0].f) || std::isnan(x[1].f)
                         ? std::nan("")
                         : std::max(x[0].f, x[1].f);
            });
          })
          .Case([&](arith::MinimumFOp) {
            return F([](auto x) {
              return std::isnan(x[0].f) || std::isnan(x[1].f)
                         ? std::nan("")
                         : std::min(x[0].f, x[1].f);
            });
          })
          .Case([&](arith::MaxNumFOp) {
            return F([](auto x) { return std::fmax(x[0].f, x[1].f); });
          })
          .Case([&](arith::MinNumFOp) {
            return F([](auto x) { return std::fmin(x[0].f, x[1].f); });
          })
          .Case([&](arith::ExtFOp) { return F([](auto x) { return x[0].f; }); })
          .Case(
              [&](arith::TruncFOp) { return F([](auto x) { return x[0].f; }); })
          .Case([&](arith::BitcastOp) -> Fn {
            // f32 <-> i32 only.
            if (elem.isF32() && operandElem.isInteger(32))
              return F([](auto x) {
                return static_cast<double>(
                    llvm::bit_cast<float>(static_cast<uint32_t>(x[0].i)));
              });
            if (elem.isInteger(32) && operandElem.isF32())
              return I([](auto x) {
                return static_cast<int64_t>(
                    llvm::bit_cast<uint32_t>(static_cast<float>(x[0].f)));
              });
            return Fn();
          })
          .Case([&](NVVM::ConvertFloatToTF32Op c) -> Fn {
            if (c.getRnd() != NVVM::FPRoundingMode::RNA ||
                c.getSat() != NVVM::SaturationMode::NONE || c.getRelu())
              return Fn();
            return I([](auto x) {
              return static_cast<int64_t>(qsparse::numerics::ptx::cvtRnaTf32(
                  llvm::bit_cast<uint32_t>(static_cast<float>(x[0].f))));
            });
          })
          .Case([&](arith::SIToFPOp) {
            return F([](auto x) { return static_cast<double>(x[0].i); });
          })
          .Case([&](arith::UIToFPOp) {
            return F([=](auto x) { return static_cast<double>(U(x[0])); });
          })
          .Case([&](arith::FPToSIOp) {
            return I([](auto x) {
              return static_cast<int64_t>(std::trunc(x[0].f));
            });
          })
          .Case([&](arith::FPToUIOp) {
            return I([](auto x) {
              return static_cast<int64_t>(
                  static_cast<uint64_t>(std::trunc(x[0].f)));
            });
          })
          .Case([&](arith::CmpFOp c) {
            auto p = c.getPredicate();
            return I([=](auto x) -> int64_t {
              double a = x[0].f, b = x[1].f;
              bool unordered = std::isnan(a) || std::isnan(b);
              using P = arith::CmpFPredicate;
              switch (p) {
              case P::AlwaysFalse:
                return 0;
              case P::AlwaysTrue:
                return 1;
              case P::OEQ:
                return !unordered && a == b;
              case P::OGT:
                return !unordered && a > b;
              case P::OGE:
                return !unordered && a >= b;
              case P::OLT:
                return !unordered && a < b;
              case P::OLE:
                return !unordered && a <= b;
              case P::ONE:
                return !unordered && a != b;
              case P::ORD:
                return !unordered;
              case P::UEQ:
                return unordered || a == b;
              case P::UGT:
                return unordered || a > b;
              case P::UGE:
                return unordered || a >= b;
              case P::ULT:
                return unordered || a < b;
              case P::ULE:
                return unordered || a <= b;
              case P::UNE:
                return unordered || a != b;
              case P::UNO:
                return unordered;
              }
              return 0;
            });
          })
          .Case([&](math::ExpOp) {
            return F([](auto x) { return std::exp(x[0].f); });
          })
          .Case([&](math::LogOp) {
            return F([](auto x) { return std::log(x[0].f); });
          })
          .Case([&](math::TanhOp) {
            return F([](auto x) { return std::tanh(x[0].f); });
          })
          .Case([&](math::SqrtOp) {
            return F([](auto x) { return std::sqrt(x[0].f); });
          })
          .Case([&](math::RsqrtOp) {
            return F([](auto x) { return 1.0 / std::sqrt(x[0].f); });
          })
          .Case([&](math::AbsFOp) {
            return F([](auto x) { return std::fabs(x[0].f); });
          })
          .Case([&](math::FloorOp) {
            return F([](auto x) { return std::floor(x[0].f); });
          })
          .Case([&](math::CeilOp) {
            return F([](auto x) { return std::ceil(x[0].f); });
          })
          .Case([&](math::RoundOp) {
            return F([](auto x) { return std::round(x[0].f); });
          })
          .Case([&](math::RoundEvenOp) {
            return F([](auto x) { return std::nearbyint(x[0].f); });
          })
          .Case([&](math::ErfOp) {
            return F([](auto x) { return std::erf(x[0].f); });
          })
          .Case([&](math::PowFOp) {
            return F([](auto x) { return std::pow(x[0].f, x[1].f); });
          })
          .Case([&](math::FmaOp) {
            return F([](auto x) { return x[0].f * x[1].f + x[2].f; });
          })
          .Case([&](math::AbsIOp) {
            return I([](auto x) { return x[0].i < 0 ? -x[0].i : x[0].i; });
          })
          .Default([](Operation *) { return Fn(); });
  if (!fn)
    return fail(&op, "not supported by the emulator");
  auto &out = slot(op.getResult(0));
  std::vector<Elem> args(op.getNumOperands());
  for (int t = 0; t < env->threads; ++t) {
    if (!mask[t])
      continue;
    size_t n = 1;
    for (Value v : op.getOperands())
      n = std::max(n, get(v, t).e.size());
    Val r;
    r.e.resize(n);
    for (size_t k = 0; k < n; ++k) {
      for (auto [a, v] : llvm::enumerate(op.getOperands())) {
        Val &x = get(v, t);
        args[a] = x.e[x.e.size() == 1 ? 0 : k];
      }
      r.e[k] = fn(args);
    }
    out[t] = std::move(r);
  }
  return success();
}

LogicalResult Interpreter::runMemRef(Operation &op, const Mask &mask,
                                     bool &handled) {
  handled = true;
  int threads = env->threads;
  auto each = [&](auto f) { return forActive(mask, f); };
  if (auto get_ = dyn_cast<memref::GetGlobalOp>(op)) {
    auto global = module.lookupSymbol<memref::GlobalOp>(get_.getName());
    if (!global)
      return fail(&op, "unknown global");
    auto s = globalStorage(global, &op);
    if (!error.empty())
      return failure();
    auto d = describe(s, get_.getType());
    auto &out = slot(get_.getResult());
    for (int t = 0; t < threads; ++t)
      out[t].m = d;
    return success();
  }
  if (isa<gpu::AllocOp, memref::AllocOp, memref::AllocaOp>(op)) {
    auto type = cast<MemRefType>(op.getResult(0).getType());
    if (!type.hasStaticShape())
      return fail(&op, "dynamic shape");
    int64_t bytes =
        type.getNumElements() * storageBytesOf(type.getElementType());
    auto &out = slot(op.getResult(0));
    return each([&](int t) {
      out[t].m = describe(Storage::make(bytes, 0xA5, false), type);
      return success();
    });
  }
  if (isa<gpu::DeallocOp, memref::DeallocOp>(op))
    return success();
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    auto &out = slot(load.getResult());
    return each([&](int t) -> LogicalResult {
      auto at = locate(&op, load.getMemref(), load.getIndices(), 1, t, false);
      if (failed(at))
        return failure();
      out[t].e = {decode(*at, load.getType())};
      return success();
    });
  }
  if (auto store = dyn_cast<memref::StoreOp>(op)) {
    return each([&](int t) -> LogicalResult {
      auto at = locate(&op, store.getMemref(), store.getIndices(), 1, t, true);
      if (failed(at))
        return failure();
      encode(*at, store.getValueToStore().getType(),
             get(store.getValue(), t).e[0]);
      return success();
    });
  }
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    auto &out = slot(dim.getResult());
    return each([&](int t) {
      out[t].e = {
          Elem{get(dim.getSource(), t).m->sizes[index(dim.getIndex(), t)], 0}};
      return success();
    });
  }
  if (auto sub = dyn_cast<memref::SubViewOp>(op)) {
    auto &out = slot(sub.getResult());
    llvm::SmallBitVector dropped = sub.getDroppedDims();
    return each([&](int t) {
      const MemRefDesc &src = *get(sub.getSource(), t).m;
      auto d = std::make_shared<MemRefDesc>(src);
      d->sizes.clear();
      d->strides.clear();
      auto offsets = sub.getMixedOffsets(), sizes = sub.getMixedSizes(),
           strides = sub.getMixedStrides();
      for (size_t i = 0; i < offsets.size(); ++i) {
        d->offset += fold(offsets[i], t) * src.strides[i];
        if (dropped.test(i))
          continue;
        d->sizes.push_back(fold(sizes[i], t));
        d->strides.push_back(src.strides[i] * fold(strides[i], t));
      }
      out[t].m = d;
      return success();
    });
  }
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(op)) {
    auto &out = slot(collapse.getResult());
    return each([&](int t) {
      const MemRefDesc &src = *get(collapse.getSrc(), t).m;
      auto d = std::make_shared<MemRefDesc>(src);
      d->sizes.clear();
      d->strides.clear();
      for (const ReassociationIndices &group :
           collapse.getReassociationIndices()) {
        int64_t size = 1;
        for (int64_t i : group)
          size *= src.sizes[i];
        d->sizes.push_back(size);
        d->strides.push_back(src.strides[group.back()]);
      }
      out[t].m = d;
      return success();
    });
  }
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(op)) {
    auto &out = slot(expand.getResult());
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    return each([&](int t) {
      const MemRefDesc &src = *get(expand.getSrc(), t).m;
      auto d = std::make_shared<MemRefDesc>(src);
      d->sizes.assign(shape.begin(), shape.end());
      d->strides.assign(shape.size(), 0);
      for (auto [s, group] :
           llvm::enumerate(expand.getReassociationIndices())) {
        int64_t stride = src.strides[s];
        for (int64_t i : llvm::reverse(group)) {
          d->strides[i] = stride;
          stride *= shape[i];
        }
      }
      out[t].m = d;
      return success();
    });
  }
  if (auto cast_ = dyn_cast<memref::CastOp>(op)) {
    auto &out = slot(cast_.getResult());
    return each([&](int t) {
      out[t].m = get(cast_.getSource(), t).m;
      return success();
    });
  }
  if (auto rc = dyn_cast<memref::ReinterpretCastOp>(op)) {
    auto &out = slot(rc.getResult());
    return each([&](int t) {
      auto d = std::make_shared<MemRefDesc>(*get(rc.getSource(), t).m);
      d->offset = fold(rc.getMixedOffsets()[0], t);
      d->sizes.clear();
      d->strides.clear();
      for (OpFoldResult s : rc.getMixedSizes())
        d->sizes.push_back(fold(s, t));
      for (OpFoldResult s : rc.getMixedStrides())
        d->strides.push_back(fold(s, t));
      out[t].m = d;
      return success();
    });
  }
  if (isa<memref::CopyOp, gpu::MemcpyOp>(op)) {
    Value src = isa<memref::CopyOp>(op) ? op.getOperand(0) : op.getOperand(1);
    Value dst = isa<memref::CopyOp>(op) ? op.getOperand(1) : op.getOperand(0);
    return each([&](int t) -> LogicalResult {
      MemRefDesc &s = *get(src, t).m, &d = *get(dst, t).m;
      int64_t count = 1;
      for (int64_t n : s.sizes)
        count *= n;
      SmallVector<int64_t> idx(s.sizes.size(), 0);
      for (int64_t k = 0; k < count; ++k) {
        int64_t so = s.offset, dof = d.offset;
        for (size_t i = 0; i < idx.size(); ++i) {
          so += idx[i] * s.strides[i];
          dof += idx[i] * d.strides[i];
        }
        int64_t sa = so * s.elemBytes, da = dof * d.elemBytes;
        if (failed(access(&op, *s.storage, sa, s.elemBytes, t, false)) ||
            failed(access(&op, *d.storage, da, d.elemBytes, t, true)))
          return failure();
        std::memcpy(d.storage->base + da, s.storage->base + sa, s.elemBytes);
        for (int64_t i = static_cast<int64_t>(idx.size()) - 1; i >= 0; --i) {
          if (++idx[i] < s.sizes[i])
            break;
          idx[i] = 0;
        }
      }
      return success();
    });
  }
  handled = false;
  return success();
}

LogicalResult Interpreter::runVector(Operation &op, const Mask &mask,
                                     bool &handled) {
  handled = true;
  int threads = env->threads;
  auto each = [&](auto f) { return forActive(mask, f); };
  if (isa<vector::LoadOp, vector::StoreOp>(op)) {
    auto load = dyn_cast<vector::LoadOp>(op);
    auto store = dyn_cast<vector::StoreOp>(op);
    VectorType type = load ? load.getVectorType() : store.getVectorType();
    if (type.getRank() != 1)
      return fail(&op, "only 1-D vector loads and stores");
    Value base = load ? load.getBase() : store.getBase();
    ValueRange indices = load ? load.getIndices() : store.getIndices();
    Type elem = type.getElementType();
    unsigned eb = storageBytesOf(elem);
    int64_t n = type.getNumElements();
    std::vector<Val> *out = load ? &slot(load.getResult()) : nullptr;
    return each([&](int t) -> LogicalResult {
      auto at = locate(&op, base, indices, n, t, /*write=*/!load);
      if (failed(at))
        return failure();
      if (load) {
        (*out)[t].e.clear();
        for (int64_t k = 0; k < n; ++k)
          (*out)[t].e.push_back(decode(*at + k * eb, elem));
        return success();
      }
      Val &v = get(store.getValueToStore(), t);
      for (int64_t k = 0; k < n; ++k)
        encode(*at + k * eb, elem, v.e[k]);
      return success();
    });
  }
  auto positionOf = [&](ArrayRef<OpFoldResult> mixed, int t) {
    SmallVector<int64_t> p;
    for (OpFoldResult r : mixed)
      p.push_back(fold(r, t));
    return p;
  };
  if (auto extract = dyn_cast<vector::ExtractOp>(op)) {
    auto &out = slot(extract.getResult());
    auto src = extract.getSourceVectorType();
    Type rt = extract.getResult().getType();
    int64_t n = isa<VectorType>(rt) ? cast<VectorType>(rt).getNumElements() : 1;
    return each([&](int t) {
      int64_t flat = flatPosition(src.getShape(),
                                  positionOf(extract.getMixedPosition(), t));
      Val &v = get(extract.getSource(), t);
      out[t].e.assign(v.e.begin() + flat, v.e.begin() + flat + n);
      return success();
    });
  }
  if (auto insert = dyn_cast<vector::InsertOp>(op)) {
    auto &out = slot(insert.getResult());
    auto dst = insert.getDestVectorType();
    return each([&](int t) {
      int64_t flat = flatPosition(dst.getShape(),
                                  positionOf(insert.getMixedPosition(), t));
      Val r = get(insert.getDest(), t);
      Val &v = get(insert.getValueToStore(), t);
      for (size_t k = 0; k < v.e.size(); ++k)
        r.e[flat + k] = v.e[k];
      out[t] = std::move(r);
      return success();
    });
  }
  if (isa<vector::BroadcastOp, vector::ShapeCastOp>(op)) {
    auto &out = slot(op.getResult(0));
    int64_t n = cast<VectorType>(op.getResult(0).getType()).getNumElements();
    return each([&](int t) {
      Val &v = get(op.getOperand(0), t);
      Val r;
      for (int64_t k = 0; k < n; ++k)
        r.e.push_back(v.e[k % v.e.size()]);
      out[t] = std::move(r);
      return success();
    });
  }
  if (auto from = dyn_cast<vector::FromElementsOp>(op)) {
    auto &out = slot(from.getResult());
    return each([&](int t) {
      Val r;
      for (Value v : from.getElements())
        r.e.push_back(get(v, t).e[0]);
      out[t] = std::move(r);
      return success();
    });
  }
  if (auto to = dyn_cast<vector::ToElementsOp>(op)) {
    for (auto [k, r] : llvm::enumerate(to.getResults())) {
      auto &out = slot(r);
      for (int t = 0; t < threads; ++t)
        if (mask[t])
          out[t].e = {get(to.getSource(), t).e[k]};
    }
    return success();
  }
  if (auto bitcast = dyn_cast<vector::BitCastOp>(op)) {
    auto &out = slot(bitcast.getResult());
    Type from = bitcast.getSourceVectorType().getElementType();
    Type to = bitcast.getResultVectorType().getElementType();
    unsigned fb = storageBytesOf(from), tb = storageBytesOf(to);
    return each([&](int t) {
      Val &v = get(bitcast.getSource(), t);
      std::vector<uint8_t> bytes(v.e.size() * fb);
      for (size_t k = 0; k < v.e.size(); ++k)
        encode(bytes.data() + k * fb, from, v.e[k]);
      Val r;
      for (size_t k = 0; k * tb < bytes.size(); ++k)
        r.e.push_back(decode(bytes.data() + k * tb, to));
      out[t] = std::move(r);
      return success();
    });
  }
  handled = false;
  return success();
}

/// The fragment positions of mma.m16n8k32 with 8-bit operands, per the PTX
/// ISA (PtxIsa.h: the manual's formulas, not the generator's layouts).
using qsparse::numerics::ptx::accumulator;
using Pos = qsparse::numerics::mma::Coord;
Pos isaA(int lane, int i) { return qsparse::numerics::ptx::i8A(lane, i); }
Pos isaB(int lane, int i) { return qsparse::numerics::ptx::i8B(lane, i); }
Pos isaC(int lane, int i) { return accumulator(lane, i); }

LogicalResult Interpreter::runWarp(Operation &op, const Mask &mask,
                                   bool &handled) {
  handled = true;
  int threads = env->threads;
  auto warpsActive = [&]() -> LogicalResult {
    if (threads % 32 != 0)
      return fail(&op, "a warp-level op in a block that is not whole warps");
    for (int t = 0; t < threads; ++t)
      if (!mask[t])
        return fail(&op, "a warp-level op with inactive lanes");
    return success();
  };
  if (auto ld = dyn_cast<nvgpu::LdMatrixOp>(op)) {
    if (failed(warpsActive()))
      return failure();
    if (ld.getTranspose())
      return fail(&op, "ldmatrix .trans is not emulated");
    int tiles = ld.getNumTiles();
    auto type = cast<VectorType>(ld.getRes().getType());
    Type elem = type.getElementType();
    unsigned eb = storageBytesOf(elem);
    auto &out = slot(ld.getRes());
    for (int w = 0; w < threads / 32; ++w) {
      // Lane l (< 8 * tiles) gives the start of row l % 8 of matrix l / 8.
      std::vector<std::array<int64_t, 8>> rows(tiles);
      std::shared_ptr<Storage> storage;
      for (int l = 0; l < 8 * tiles; ++l) {
        int t = 32 * w + l;
        MemRefDesc &m = *get(ld.getSrcMemref(), t).m;
        auto at = address(&op, m, ld.getIndices(), t, 16 / eb);
        if (failed(at))
          return failure();
        if (*at % 16 != 0)
          return fail(&op, "ldmatrix row address not 16-byte aligned");
        rows[l / 8][l % 8] = *at;
        storage = m.storage;
      }
      // Lane l receives bytes 4 * (l % 4) .. + 3 of row l / 4 of each
      // matrix j in register j.
      for (int l = 0; l < 32; ++l) {
        // The bytes are read by the lane that receives them.
        for (int j = 0; j < tiles; ++j)
          if (failed(access(&op, *storage, rows[j][l / 4] + 4 * (l % 4), 4,
                            32 * w + l, false)))
            return failure();
        Val r;
        for (int j = 0; j < tiles; ++j)
          for (unsigned b = 0; b < 4; b += eb)
            r.e.push_back(
                decode(storage->base + rows[j][l / 4] + 4 * (l % 4) + b, elem));
        out[32 * w + l] = std::move(r);
      }
    }
    return success();
  }
  // One warp-wide D = C + A x B of m16n8 x `kDim`: `fragments` gives a
  // lane's A, B and C elements (as T, the type of `zero`), placed by the
  // ISA's position functions `posA` / `posB` (C and D by isaC); `finish`
  // turns a sum into D's element.
  auto mma = [&](auto zero, int kDim, auto posA, auto posB, auto fragments,
                 auto finish, Value result) -> LogicalResult {
    using T = decltype(zero);
    if (failed(warpsActive()))
      return failure();
    auto &out = slot(result);
    for (int w = 0; w < threads / 32; ++w) {
      T A[16][32] = {}, B[32][8] = {}, C[16][8] = {};
      for (int l = 0; l < 32; ++l) {
        SmallVector<T> a, b, c;
        fragments(32 * w + l, a, b, c);
        for (int i = 0; i < int(a.size()); ++i) {
          Pos p = posA(l, i);
          A[p.row][p.col] = a[i];
        }
        for (int i = 0; i < int(b.size()); ++i) {
          Pos p = posB(l, i);
          B[p.row][p.col] = b[i];
        }
        for (int i = 0; i < 4; ++i) {
          Pos p = isaC(l, i);
          C[p.row][p.col] = c[i];
        }
      }
      for (int l = 0; l < 32; ++l) {
        Val r;
        for (int i = 0; i < 4; ++i) {
          Pos p = isaC(l, i);
          T sum = C[p.row][p.col];
          for (int k = 0; k < kDim; ++k)
            sum += A[p.row][k] * B[k][p.col];
          r.e.push_back(finish(sum));
        }
        out[32 * w + l] = std::move(r);
      }
    }
    return success();
  };
  // The 8-bit mma saturates to i32.
  // An f32 accumulator: the exact sum rounded once.
  auto roundF32 = [](double sum) {
    return Elem{0, static_cast<double>(static_cast<float>(sum))};
  };
  auto saturate = [](int64_t sum) {
    return Elem{std::clamp<int64_t>(sum, std::numeric_limits<int32_t>::min(),
                                    std::numeric_limits<int32_t>::max()),
                0};
  };
  auto byteOf = [](int64_t v, bool isUnsigned) {
    return isUnsigned ? int64_t(v & 0xff) : int64_t(int8_t(v));
  };

  // A lane's operands: the bytes of an i8 vector (signed), of i32
  // registers (4 bytes each, low first), and i32 values.
  auto vectorBytes = [&](Value v, int t, SmallVector<int64_t> &dst) {
    for (Elem e : get(v, t).e)
      dst.push_back(byteOf(e.i, false));
  };
  auto registerBytes = [&](ValueRange regs, int t, bool isUnsigned,
                           SmallVector<int64_t> &dst) {
    for (Value r : regs) {
      uint32_t word = static_cast<uint32_t>(get(r, t).e[0].i);
      for (int k = 0; k < 4; ++k)
        dst.push_back(byteOf(word >> (8 * k), isUnsigned));
    }
  };
  auto values = [&](ValueRange vs, int t, SmallVector<int64_t> &dst) {
    for (Value v : vs)
      for (Elem e : get(v, t).e)
        dst.push_back(e.i);
  };
  if (auto sync = dyn_cast<nvgpu::MmaSyncOp>(op)) {
    auto aType = cast<VectorType>(sync.getMatrixA().getType());
    auto shape = sync.getMmaShapeAsArray();
    if (aType.getElementType().isF16() && shape[0] == 16 && shape[1] == 8 &&
        shape[2] == 16)
      // f16 x f16 -> f32: exact products, the sum in double rounded once
      // to f32 (the hardware's order and intermediate precision are not
      // specified beyond f32, so results are compared with a tolerance).
      return mma(
          0.0, 16, qsparse::numerics::ptx::f16A, qsparse::numerics::ptx::f16B,
          [&](int t, SmallVector<double> &a, SmallVector<double> &b,
              SmallVector<double> &c) {
            for (Elem e : get(sync.getMatrixA(), t).e)
              a.push_back(e.f);
            for (Elem e : get(sync.getMatrixB(), t).e)
              b.push_back(e.f);
            for (Elem e : get(sync.getMatrixC(), t).e)
              c.push_back(e.f);
          },
          roundF32, sync.getRes());
    if (aType.getElementType().isF32() && sync.getTf32Enabled() &&
        shape[0] == 16 && shape[1] == 8 && shape[2] == 8) {
      // tf32 x tf32 -> f32: the operands must already be tf32 (the kernel
      // rounds them; what the tensor cores do with the low 13 bits is not
      // specified), their products are exact, the sum rounded once.
      bool unrounded = false;
      auto tf32 = [&](Value v, int t, SmallVector<double> &dst) {
        for (Elem e : get(v, t).e) {
          unrounded |= !qsparse::numerics::ptx::isTf32(
              llvm::bit_cast<uint32_t>(static_cast<float>(e.f)));
          dst.push_back(e.f);
        }
      };
      if (failed(mma(
              0.0, 8, qsparse::numerics::ptx::tf32A,
              qsparse::numerics::ptx::tf32B,
              [&](int t, SmallVector<double> &a, SmallVector<double> &b,
                  SmallVector<double> &c) {
                tf32(sync.getMatrixA(), t, a);
                tf32(sync.getMatrixB(), t, b);
                for (Elem e : get(sync.getMatrixC(), t).e)
                  c.push_back(e.f);
              },
              roundF32, sync.getRes())))
        return failure();
      if (unrounded)
        return fail(&op, "a tf32 mma operand has nonzero low 13 bits (not "
                         "rounded to tf32)");
      return success();
    }
    if (!aType.getElementType().isInteger(8) || shape[0] != 16 ||
        shape[1] != 8 || shape[2] != 32)
      return fail(&op, "only the i8 m16n8k32, f16 m16n8k16 and tf32 m16n8k8 "
                       "mma are emulated");
    return mma(
        int64_t(0), 32, isaA, isaB,
        [&](int t, SmallVector<int64_t> &a, SmallVector<int64_t> &b,
            SmallVector<int64_t> &c) {
          vectorBytes(sync.getMatrixA(), t, a);
          vectorBytes(sync.getMatrixB(), t, b);
          values(sync.getMatrixC(), t, c);
        },
        saturate, sync.getRes());
  }
  if (auto nv = dyn_cast<NVVM::MmaOp>(op)) {
    auto shape = nv.getShapeAttr();
    auto typeA = nv.getMultiplicandAPtxType(),
         typeB = nv.getMultiplicandBPtxType();
    auto is8 = [](std::optional<NVVM::MMATypes> t) {
      return t && (*t == NVVM::MMATypes::s8 || *t == NVVM::MMATypes::u8);
    };
    if (shape.getM() != 16 || shape.getN() != 8 || shape.getK() != 32 ||
        !is8(typeA) || !is8(typeB))
      return fail(&op, "only the 8-bit m16n8k32 mma is emulated");
    return mma(
        int64_t(0), 32, isaA, isaB,
        [&](int t, SmallVector<int64_t> &a, SmallVector<int64_t> &b,
            SmallVector<int64_t> &c) {
          registerBytes(nv.getOperandA(), t, *typeA == NVVM::MMATypes::u8, a);
          registerBytes(nv.getOperandB(), t, *typeB == NVVM::MMATypes::u8, b);
          values(nv.getOperandC(), t, c);
        },
        saturate, nv.getRes());
  }
  // mma.sp with sparsity selector 0 per the ISA model
  // (qsparse::numerics::ptx): `chunks` chunks of 4 columns per row of A
  // (16 for the 8-bit m16n8k64, 8 for the f16 m16n8k32), A compressed to
  // 16 x 2 * chunks, B 4 * chunks x 8; each lane's metadata word places
  // its chunks' two values. `fragments` gives a lane's A and B elements
  // (`chunks` each, in fragment order), its 4 C values and the metadata
  // word; `finish` turns a sum into the result element. The sums are
  // exact (int64_t, or double for f16 products, which `finish` rounds
  // once).
  auto sparseMma = [&](auto zero, int chunks, Pos (*aPos)(int, int),
                       Pos (*bPos)(int, int), Pos (*metaPos)(int, int),
                       auto fragments, auto finish,
                       Value result) -> LogicalResult {
    using T = decltype(zero);
    if (failed(warpsActive()))
      return failure();
    auto &out = slot(result);
    for (int w = 0; w < threads / 32; ++w) {
      T A[16][32] = {}, B[64][8] = {}, C[16][8] = {};
      uint8_t nibble[16][16] = {};
      for (int l = 0; l < 32; ++l) {
        SmallVector<T> a, b, c;
        uint32_t meta = 0;
        fragments(32 * w + l, a, b, c, meta);
        for (int i = 0; i < chunks; ++i) {
          Pos p = aPos(l, i);
          A[p.row][p.col] = a[i];
          Pos q = bPos(l, i);
          B[q.row][q.col] = b[i];
        }
        for (int i = 0; i < 4; ++i) {
          Pos p = isaC(l, i);
          C[p.row][p.col] = c[i];
        }
        for (int j = 0; j < 8; ++j) {
          Pos p = metaPos(l, j);
          // (Lanes whose word the shape does not read have none.)
          if (p.row >= 0)
            nibble[p.row][p.col] = (meta >> (4 * j)) & 0xF;
        }
      }
      // Equal indices are undefined in PTX; descending ones are allowed by
      // .sp but not by .sp::ordered_metadata (which sm_90 recommends), so
      // the kernels must order them.
      for (int r = 0; r < 16; ++r)
        for (int ch = 0; ch < chunks; ++ch)
          if ((nibble[r][ch] & 3) >= (nibble[r][ch] >> 2))
            return fail(&op, llvm::formatv("mma.sp metadata nibble {0:x} for "
                                           "row {1}, chunk {2} does not hold "
                                           "two ascending indices",
                                           nibble[r][ch], r, ch));
      for (int l = 0; l < 32; ++l) {
        Val res;
        for (int i = 0; i < 4; ++i) {
          Pos p = isaC(l, i);
          T sum = C[p.row][p.col];
          for (int ch = 0; ch < chunks; ++ch)
            for (int h = 0; h < 2; ++h)
              sum += A[p.row][2 * ch + h] *
                     B[4 * ch + ((nibble[p.row][ch] >> (2 * h)) & 3)][p.col];
          res.e.push_back(finish(sum));
        }
        out[32 * w + l] = std::move(res);
      }
    }
    return success();
  };
  auto metadataWord = [&](Value metadata, int t) {
    // vector<2xi16>, element 0 in the low half.
    const auto &halves = get(metadata, t).e;
    return uint32_t(halves[0].i & 0xffff) | uint32_t(halves[1].i & 0xffff)
                                                << 16;
  };
  if (auto sp = dyn_cast<nvgpu::MmaSparseSyncOp>(op)) {
    auto shape = sp.getMmaShapeAsArray();
    auto aType = cast<VectorType>(sp.getMatrixA().getType());
    auto cType = cast<VectorType>(sp.getMatrixC().getType());
    if (sp.getSparsitySelector() != 0)
      return fail(&op, "mma.sp is emulated for sparsity selector 0 only");
    if (aType.getElementType().isF16() && cType.getElementType().isF32() &&
        shape[0] == 16 && shape[1] == 8 && shape[2] == 32) {
      // f16 x f16 -> f32, 2:4 A (as the dense f16 mma).
      auto floats = [&](Value v, int t, SmallVector<double> &dst) {
        for (Elem e : get(v, t).e)
          dst.push_back(e.f);
      };
      return sparseMma(
          0.0, 8, qsparse::numerics::ptx::f16A,
          qsparse::numerics::ptx::f16SparseB,
          qsparse::numerics::ptx::f16SparseMetadata,
          [&](int t, SmallVector<double> &a, SmallVector<double> &b,
              SmallVector<double> &c, uint32_t &meta) {
            floats(sp.getMatrixA(), t, a);
            floats(sp.getMatrixB(), t, b);
            floats(sp.getMatrixC(), t, c);
            meta = metadataWord(sp.getSparseMetadata(), t);
          },
          roundF32, sp.getRes());
    }
    if (!aType.getElementType().isInteger(8) || shape[0] != 16 ||
        shape[1] != 8 || shape[2] != 64)
      return fail(&op, "only the i8 m16n8k64 and f16 m16n8k32 (f32 "
                       "accumulators) mma.sp are emulated");
    return sparseMma(
        int64_t(0), 16, isaA, qsparse::numerics::ptx::i8SparseB,
        qsparse::numerics::ptx::i8SparseMetadata,
        [&](int t, SmallVector<int64_t> &a, SmallVector<int64_t> &b,
            SmallVector<int64_t> &c, uint32_t &meta) {
          vectorBytes(sp.getMatrixA(), t, a);
          vectorBytes(sp.getMatrixB(), t, b);
          values(sp.getMatrixC(), t, c);
          meta = metadataWord(sp.getSparseMetadata(), t);
        },
        saturate, sp.getRes());
  }
  if (auto asmOp = dyn_cast<LLVM::InlineAsmOp>(op)) {
    // The kernels' own mma.sp with unsigned operands:
    // mma.sp.sync.aligned.m16n8k64.row.col.satfinite.s32.<a>.<b>.s32 with
    // A, B, C and the metadata as 13 i32 registers, selector 0x0.
    StringRef text = asmOp.getAsmString();
    StringRef prefix = "mma.sp.sync.aligned.m16n8k64.row.col.satfinite.s32.";
    StringRef operands = " {$0,$1,$2,$3},{$4,$5,$6,$7},{$8,$9,$10,$11},"
                         "{$12,$13,$14,$15},$16,0x0;";
    SmallVector<StringRef> parts;
    if (text.starts_with(prefix) && text.ends_with(operands))
      text.drop_front(prefix.size())
          .drop_back(operands.size())
          .split(parts, '.');
    auto is8 = [](StringRef t) { return t == "s8" || t == "u8"; };
    if (parts.size() != 3 || !is8(parts[0]) || !is8(parts[1]) ||
        parts[2] != "s32" ||
        asmOp.getConstraints() != "=r,=r,=r,=r,r,r,r,r,r,r,r,r,r,r,r,r,r" ||
        asmOp.getOperands().size() != 13)
      return fail(&op, "inline assembly other than the 8-bit m16n8k64 "
                       "mma.sp is not emulated");
    bool aU = parts[0] == "u8", bU = parts[1] == "u8";
    ValueRange regs = asmOp.getOperands();
    return sparseMma(
        int64_t(0), 16, isaA, qsparse::numerics::ptx::i8SparseB,
        qsparse::numerics::ptx::i8SparseMetadata,
        [&](int t, SmallVector<int64_t> &a, SmallVector<int64_t> &b,
            SmallVector<int64_t> &c, uint32_t &meta) {
          registerBytes(regs.slice(0, 4), t, aU, a);
          registerBytes(regs.slice(4, 4), t, bU, b);
          values(regs.slice(8, 4), t, c);
          meta = static_cast<uint32_t>(get(regs[12], t).e[0].i);
        },
        saturate, asmOp.getRes());
  }
  if (auto ev = dyn_cast<LLVM::ExtractValueOp>(op)) {
    if (ev.getPosition().size() != 1)
      return fail(&op, "nested struct position");
    auto &out = slot(ev.getRes());
    int64_t p = ev.getPosition()[0];
    for (int t = 0; t < threads; ++t)
      if (mask[t])
        out[t].e = {get(ev.getContainer(), t).e[p]};
    return success();
  }
  if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op)) {
    auto &out = slot(copy.getAsyncToken());
    int64_t n = copy.getDstElements().getZExtValue();
    for (int t = 0; t < threads; ++t) {
      if (!mask[t])
        continue;
      MemRefDesc &src = *get(copy.getSrc(), t).m;
      MemRefDesc &dst = *get(copy.getDst(), t).m;
      int64_t valid =
          copy.getSrcElements() ? index(copy.getSrcElements(), t) : n;
      if (valid < 0 || valid > n)
        return fail(&op, "source element count outside [0, dstElements]");
      auto d = address(&op, dst, copy.getDstIndices(), t, n);
      if (failed(d))
        return failure();
      int64_t bytes = n * dst.elemBytes;
      if (*d % bytes != 0)
        return fail(&op, "destination not aligned to the copy size");
      PendingCopy pending{dst.storage, *d, std::vector<uint8_t>(bytes, 0)};
      // The source address is checked even when no byte is read from it.
      auto sa = address(&op, src, copy.getSrcIndices(), t, n);
      if (failed(sa))
        return failure();
      if (*sa % bytes != 0)
        return fail(&op, "source not aligned to the copy size");
      std::memcpy(pending.bytes.data(), src.storage->base + *sa,
                  valid * src.elemBytes);
      // The data may land at once: overwriting what another thread read
      // in this phase is a race now.
      Storage &ds = *dst.storage;
      for (int64_t b = *d; b < *d + bytes && ds.shared; ++b)
        if ((ds.readEpoch[b] == epoch && ds.reader[b] != t) ||
            (ds.writeEpoch[b] == epoch && ds.writer[b] != t))
          return fail(&op, llvm::formatv("race on workgroup memory: the "
                                         "copy of thread {0} overwrites byte "
                                         "{1} in use by another thread with "
                                         "no gpu.barrier between",
                                         t, b)
                               .str());
      // Until its wait, nobody may touch what the copy will write.
      if (ds.shared)
        for (int64_t b = *d; b < *d + bytes; ++b)
          ++ds.inFlight[b];
      uncommitted[t].push_back(std::move(pending));
      out[t].e.clear();
    }
    return success();
  }
  if (auto group = dyn_cast<nvgpu::DeviceAsyncCreateGroupOp>(op)) {
    slot(group.getAsyncToken());
    for (int t = 0; t < threads; ++t)
      if (mask[t]) {
        groups[t].push_back(std::move(uncommitted[t]));
        uncommitted[t].clear();
      }
    return success();
  }
  if (auto wait = dyn_cast<nvgpu::DeviceAsyncWaitOp>(op)) {
    size_t keep = wait.getNumGroups() ? *wait.getNumGroups() : 0;
    for (int t = 0; t < threads; ++t) {
      if (!mask[t])
        continue;
      while (groups[t].size() > keep) {
        for (PendingCopy &c : groups[t].front()) {
          if (c.dst->shared)
            for (size_t b = 0; b < c.bytes.size(); ++b)
              --c.dst->inFlight[c.at + b];
          if (failed(access(&op, *c.dst, c.at, c.bytes.size(), t, true)))
            return failure();
          std::memcpy(c.dst->base + c.at, c.bytes.data(), c.bytes.size());
        }
        groups[t].pop_front();
      }
    }
    return success();
  }
  handled = false;
  return success();
}

LogicalResult Interpreter::runOp(Operation &op, const Mask &mask) {
  int threads = env->threads;
  if (auto c = dyn_cast<arith::ConstantOp>(op)) {
    Val v;
    Type type = c.getType();
    Type elem = getElementTypeOrSelf(type);
    if (auto dense = dyn_cast<DenseElementsAttr>(c.getValue())) {
      for (Attribute a : dense.getValues<Attribute>())
        v.e.push_back(fromAttr(a, elem));
    } else {
      v.e.push_back(fromAttr(c.getValue(), elem));
    }
    auto &out = slot(c.getResult());
    for (int t = 0; t < threads; ++t)
      out[t] = v;
    return success();
  }
  if (auto launch = dyn_cast<gpu::LaunchOp>(op)) {
    if (env->parent)
      return fail(&op, "nested launch");
    return runLaunch(launch);
  }
  if (auto f = dyn_cast<scf::ForOp>(op))
    return runFor(f, mask);
  if (auto p = dyn_cast<scf::ParallelOp>(op))
    return runParallel(p, mask);
  if (auto i = dyn_cast<scf::IfOp>(op))
    return runIf(i, mask);
  if (isa<gpu::BarrierOp>(op)) {
    for (int t = 0; t < threads; ++t)
      if (!mask[t])
        return fail(&op, "a barrier not reached by every thread");
    ++epoch;
    return success();
  }
  bool handled = false;
  if (failed(runMemRef(op, mask, handled)) || handled)
    return success(handled && error.empty());
  if (failed(runVector(op, mask, handled)) || handled)
    return success(handled && error.empty());
  if (failed(runWarp(op, mask, handled)) || handled)
    return success(handled && error.empty());
  return runElementwise(op, mask);
}

} // namespace

llvm::Expected<std::unique_ptr<EmulatedGPUFunction>>
EmulatedGPUFunction::compile(ModuleOp module, StringRef name,
                             const GPUPipelineOptions &options) {
  auto signature = detail::entrySignature(module, name);
  if (!signature)
    return signature.takeError();
  auto fn = std::unique_ptr<EmulatedGPUFunction>(new EmulatedGPUFunction());
  fn->module = module.clone();
  fn->name = name.str();
  fn->signature = *signature;
  keepOnlyEntry(*fn->module, name);
  PassManager pm(module.getContext());
  buildGPUKernelPipeline(pm, options);
  std::string message;
  {
    ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error && message.empty())
        message = formatDiagnostic(d);
      return success();
    });
    if (failed(pm.run(*fn->module)))
      return llvm::createStringError(
          "GPU pipeline failed: " +
          (message.empty() ? std::string("unknown error") : message));
  }
  return fn;
}

llvm::Error EmulatedGPUFunction::invoke(ArrayRef<void *> arguments,
                                        ArrayRef<void *> results) {
  auto func = module->lookupSymbol<func::FuncOp>(name);
  Interpreter interpreter(*module);
  if (failed(interpreter.runFunction(func, arguments, results)))
    return llvm::createStringError(interpreter.error.empty()
                                       ? std::string("GPU emulator failed")
                                       : interpreter.error);
  return llvm::Error::success();
}

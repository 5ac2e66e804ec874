//===- Jit.cpp - compile a function and run it on the host ----------------===//

#include "qsparse/Runtime/Jit.h"
#include "Engine.h"
#include "qsparse/Dialect/QSparse/IR/QSparse.h"
#include "qsparse/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/TargetSelect.h"

#include <chrono>

using namespace mlir;
using namespace qsparse;
using namespace qsparse::runtime;

namespace {
/// The counters of the profiled function being invoked on this thread.
struct ActiveProfile {
  int64_t size;
  int64_t *start, *total, *calls;
};
thread_local ActiveProfile *activeProfile = nullptr;

int64_t nowNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
} // namespace

// What --qsparse-profile's calls resolve to in the JIT.
extern "C" void qsparse_profile_begin(int64_t id) {
  if (ActiveProfile *p = activeProfile; p && id >= 0 && id < p->size)
    p->start[id] = nowNanoseconds();
}

extern "C" void qsparse_profile_end(int64_t id) {
  if (ActiveProfile *p = activeProfile; p && id >= 0 && id < p->size) {
    p->total[id] += nowNanoseconds() - p->start[id];
    ++p->calls[id];
  }
}

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

static bool isRunnableElement(Type type) {
  if (isDialectCodeType(type))
    return true;
  if (auto integer = dyn_cast<IntegerType>(type))
    return llvm::is_contained({1u, 8u, 16u, 32u, 64u}, integer.getWidth());
  return type.isF16() || type.isF32() || type.isF64();
}

void runtime::keepOnlyEntry(ModuleOp module, StringRef name) {
  for (bool erased = true; erased;) {
    erased = false;
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (func.getName() != name &&
          SymbolTable::symbolKnownUseEmpty(func, module)) {
        func.erase();
        erased = true;
      }
  }
}

unsigned runtime::storageBytes(Type elementType) {
  if (isDialectCodeType(elementType))
    return 1;
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

static llvm::Error checkRunnable(Type type, const llvm::Twine &what,
                                 RankedTensorType &out) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return makeError(what + " has type " + typeString(type) +
                     ": qsparse-run needs ranked tensors");
  if (!tensor.hasStaticShape())
    return makeError(what + " has a dynamic shape (" + typeString(type) +
                     "): qsparse-run needs static shapes");
  if (!isRunnableElement(tensor.getElementType()))
    return makeError(what + " has unsupported element type " +
                     typeString(tensor.getElementType()));
  out = tensor;
  return llvm::Error::success();
}

llvm::Expected<Signature> runtime::getRunnableSignature(Operation *op) {
  auto func = dyn_cast<func::FuncOp>(op);
  if (!func)
    return makeError("the entry point must be a func.func");
  if (func.isExternal())
    return makeError("function '" + func.getName() + "' has no body");
  Signature signature;
  FunctionType type = func.getFunctionType();
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    RankedTensorType tensor;
    if (auto err = checkRunnable(t, "argument " + llvm::Twine(i), tensor))
      return std::move(err);
    signature.arguments.push_back(tensor);
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    RankedTensorType tensor;
    if (auto err = checkRunnable(t, "result " + llvm::Twine(i), tensor))
      return std::move(err);
    signature.results.push_back(tensor);
  }
  return signature;
}

std::string runtime::formatLocation(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn();
  else
    os << loc;
  return text;
}

std::string runtime::formatDiagnostic(Diagnostic &diag) {
  return formatLocation(diag.getLocation()) + ": " + diag.str();
}

/// Collects the first error a pass pipeline reports.
static std::string firstError(MLIRContext *ctx,
                              function_ref<LogicalResult()> fn, bool &failed) {
  std::string message;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && message.empty())
      message = formatDiagnostic(diag);
    return success();
  });
  failed = mlir::failed(fn());
  return message;
}

llvm::Expected<Signature> runtime::detail::entrySignature(ModuleOp module,
                                                          StringRef name) {
  Operation *funcOp = module.lookupSymbol(name);
  if (!funcOp)
    return makeError("no function named '" + name + "'");
  return getRunnableSignature(funcOp);
}

llvm::Expected<std::unique_ptr<ExecutionEngine>>
runtime::detail::lowerAndCompile(
    ModuleOp module, StringRef name,
    function_ref<void(OpPassManager &)> buildPipeline, StringRef pipelineName,
    ArrayRef<StringRef> libPaths, bool gpuHost,
    std::vector<ProfileEntry> *profileTable) {
  OwningOpRef<ModuleOp> clone = module.clone();
  MLIRContext *ctx = module.getContext();
  keepOnlyEntry(*clone, name);
  PassManager pm(ctx);
  buildPipeline(pm);
  bool failed = false;
  std::string message = firstError(
      ctx, [&] { return pm.run(*clone); }, failed);
  if (failed)
    return makeError("lowering failed: " + (message.empty()
                                                ? std::string("unknown error")
                                                : message));

  // Name the first op the pipeline left behind instead of failing in LLVM
  // translation with a cast.
  Operation *leftover = nullptr;
  clone->walk([&](Operation *op) {
    // OpenMP ops (--cpu-threads) are translated to runtime calls; on the
    // GPU pipeline's host side, gpu.binary (the kernels) and
    // gpu.launch_func (mgpu* calls).
    if (isa<ModuleOp>(op) || isa<LLVM::LLVMDialect>(op->getDialect()) ||
        op->getDialect()->getNamespace() == "omp" ||
        isa<UnrealizedConversionCastOp>(op) ||
        (gpuHost && isa<gpu::BinaryOp, gpu::LaunchFuncOp>(op)))
      return WalkResult::advance();
    leftover = op;
    return WalkResult::interrupt();
  });
  if (leftover)
    return makeError(formatLocation(leftover->getLoc()) + ": '" +
                     leftover->getName().getStringRef() +
                     "' is not supported by the " + pipelineName + " pipeline");
  if (auto table = (*clone)->getAttrOfType<ArrayAttr>("qsparse.profile")) {
    for (Attribute entry : table) {
      auto fields = dyn_cast<DictionaryAttr>(entry);
      auto kind = fields ? fields.getAs<StringAttr>("kind") : nullptr;
      auto loc = fields ? fields.getAs<LocationAttr>("loc") : nullptr;
      auto type = fields ? fields.getAs<StringAttr>("type") : nullptr;
      if (!kind || !loc || (fields.get("type") && !type))
        return makeError("malformed 'qsparse.profile' table: expected "
                         "{kind = string, loc = location[, type = string]} "
                         "entries");
      if (profileTable)
        profileTable->push_back({kind.str(), type ? type.str() : "",
                                 formatProfileLocation(loc), 0, 0});
    }
    (*clone)->removeAttr("qsparse.profile");
  }

  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  DialectRegistry registry;
  registerAllToLLVMIRTranslations(registry);
  ctx->appendDialectRegistry(registry);

  ExecutionEngineOptions options;
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3,
                                               /*sizeLevel=*/0, nullptr);
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  options.sharedLibPaths = libPaths;
  std::unique_ptr<ExecutionEngine> engine;
  message = firstError(
      ctx,
      [&] {
        auto created = ExecutionEngine::create(*clone, options);
        if (!created) {
          llvm::consumeError(created.takeError());
          return failure();
        }
        engine = std::move(*created);
        return success();
      },
      failed);
  if (failed)
    return makeError("JIT compilation failed" +
                     (message.empty() ? std::string() : ": " + message));
  engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](StringRef name, void (*fn)(int64_t)) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("qsparse_profile_begin", qsparse_profile_begin);
    add("qsparse_profile_end", qsparse_profile_end);
    return symbols;
  });
  return engine;
}

llvm::Expected<std::unique_ptr<CompiledFunction>>
CompiledFunction::compile(ModuleOp module, StringRef name,
                          PipelineKind pipeline,
                          const CPUPipelineOptions &cpuOptions) {
  auto signature = runtime::detail::entrySignature(module, name);
  if (!signature)
    return signature.takeError();
  if (pipeline == PipelineKind::CPU && cpuOptions.threads > 1 &&
      StringRef(QSPARSE_LIBOMP).empty())
    return makeError("threads > 1 needs the OpenMP runtime, which was not "
                     "found when qsparse was configured (Debian package "
                     "libomp-22-dev)");
  SmallVector<StringRef> libPaths = {QSPARSE_MLIR_C_RUNNER_UTILS};
  if (pipeline == PipelineKind::CPU && cpuOptions.threads > 1)
    libPaths.push_back(QSPARSE_LIBOMP);
  std::unique_ptr<CompiledFunction> result(new CompiledFunction());
  auto engine = runtime::detail::lowerAndCompile(
      module, name,
      [&](OpPassManager &pm) {
        if (pipeline == PipelineKind::Reference)
          buildReferencePipeline(pm);
        else
          buildCPUPipeline(pm, cpuOptions);
      },
      pipeline == PipelineKind::Reference ? "reference" : "cpu", libPaths,
      /*gpuHost=*/false, &result->profileTable);
  if (!engine)
    return engine.takeError();

  result->resetProfile();
  result->engine = std::move(*engine);
  result->name = name.str();
  result->signature = std::move(*signature);
  return result;
}

runtime::detail::Descriptor::Descriptor(void *data, RankedTensorType type)
    : allocated(data), aligned(data), sizes(type.getShape()) {
  strides.resize(sizes.size());
  int64_t stride = 1;
  for (int64_t d = sizes.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= sizes[d];
  }
}

SmallVector<void *>
runtime::detail::packArguments(const Signature &signature,
                               ArrayRef<void *> buffers,
                               std::vector<Descriptor> &descriptors) {
  assert(buffers.size() ==
         signature.arguments.size() + signature.results.size());
  // Results are out-parameters after the arguments (buffer-results-to-out-
  // params in the pipelines).
  descriptors.clear();
  descriptors.reserve(buffers.size());
  for (auto [i, data] : llvm::enumerate(buffers))
    descriptors.emplace_back(
        data, i < signature.arguments.size()
                  ? signature.arguments[i]
                  : signature.results[i - signature.arguments.size()]);
  SmallVector<void *> packed;
  for (Descriptor &d : descriptors) {
    packed.push_back(&d.allocated);
    packed.push_back(&d.aligned);
    packed.push_back(&d.offset);
    for (int64_t &s : d.sizes)
      packed.push_back(&s);
    for (int64_t &s : d.strides)
      packed.push_back(&s);
  }
  return packed;
}

llvm::Error CompiledFunction::invoke(ArrayRef<void *> arguments,
                                     ArrayRef<void *> results) {
  assert(arguments.size() == signature.arguments.size() &&
         results.size() == signature.results.size());
  SmallVector<void *> buffers(arguments);
  buffers.append(results.begin(), results.end());
  std::vector<runtime::detail::Descriptor> descriptors;
  SmallVector<void *> packed =
      runtime::detail::packArguments(signature, buffers, descriptors);
  if (!isProfiled())
    return engine->invokePacked(name, packed);
  ActiveProfile counters{int64_t(profileTable.size()), profileStart.data(),
                         profileTotal.data(), profileCalls.data()};
  ActiveProfile *outer = activeProfile;
  activeProfile = &counters;
  llvm::Error error = engine->invokePacked(name, packed);
  activeProfile = outer;
  return error;
}

std::vector<ProfileEntry> CompiledFunction::getProfile() const {
  std::vector<ProfileEntry> entries = profileTable;
  for (auto [i, entry] : llvm::enumerate(entries)) {
    entry.seconds = double(profileTotal[i]) * 1e-9;
    entry.calls = profileCalls[i];
  }
  return entries;
}

void CompiledFunction::resetProfile() {
  profileStart.assign(profileTable.size(), 0);
  profileTotal.assign(profileTable.size(), 0);
  profileCalls.assign(profileTable.size(), 0);
}

std::string runtime::formatProfileLocation(Location loc) {
  SmallVector<std::string> names;
  std::string file;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      if (!llvm::is_contained(names, named.getName().str()))
        names.push_back(named.getName().str());
    } else if (auto fileLoc = dyn_cast<FileLineColLoc>(inner)) {
      if (file.empty())
        file = formatLocation(fileLoc);
    }
    return WalkResult::advance();
  });
  std::string text = llvm::join(names, ",");
  if (!file.empty())
    text += (text.empty() ? "" : " ") + file;
  return text.empty() ? formatLocation(loc) : text;
}

int64_t runtime::countContractionOps(Operation *func) {
  int64_t ops = 0;
  func->walk([&](Operation *op) {
    if (auto matmul = dyn_cast<MatmulOp>(op)) {
      ops += 2 * matmul.getMultiplyAdds();
    } else if (auto conv = dyn_cast<Conv2DOp>(op)) {
      ops += 2 * conv.getMultiplyAdds();
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (!linalg::isaContractionOpInterface(linalgOp) &&
          !linalg::isaConvolutionOpInterface(linalgOp))
        return;
      int64_t product = 1;
      for (int64_t range : linalgOp.getStaticLoopRanges()) {
        if (ShapedType::isDynamic(range))
          return;
        product *= range;
      }
      ops += 2 * product;
    }
  });
  return ops;
}

//===- CudaTest.cpp - CudaFunction on the stand-in CUDA driver ------------===//
//
// Part of the qsparse project. The library side of --target=cuda against
// test/lib/FakeCudaDriver.cpp (device addresses unreadable to the host, kernels
// do not run): the device-memory helpers, and which driver errors persist. A
// module that failed to load must fail every later call (not launch
// nothing and succeed); a launch that failed with an error that keeps the
// context (not a sticky one, which loses it) must not fail the next call.
//
//===----------------------------------------------------------------------===//

#include "qsparse/Runtime/Cuda.h"
#include "qsparse/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/Error.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <numeric>
#include <vector>

using namespace qsparse::runtime;

namespace {

class CudaOnFakeDriver : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    setenv("QSPARSE_CUDA_DRIVER", QSPARSE_FAKE_CUDA, 1);
    setenv("FAKE_CUDA_LOG", "/dev/null", 1);
  }

  void SetUp() override {
    mlir::DialectRegistry registry;
    mlir::registerAllDialects(registry);
    mlir::registerAllExtensions(registry);
    qsparse::registerAllDialects(registry);
    mlir::registerAllGPUToLLVMIRTranslations(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    context->loadAllAvailableDialects();
    module = mlir::parseSourceString<mlir::ModuleOp>(
        "func.func @mm(%x: tensor<2x8xi8>, %w: tensor<8x3xi8>) -> "
        "tensor<2x3xi32> {\n"
        "  %0 = qsparse.matmul %x, %w : tensor<2x8xi8>, tensor<8x3xi8> -> "
        "tensor<2x3xi32>\n"
        "  return %0 : tensor<2x3xi32>\n}\n",
        context.get());
    ASSERT_TRUE(module);
    ASSERT_FALSE(llvm::errorToBool(openCudaDevice("sm_80")));
  }

  void TearDown() override { unsetenv("FAKE_CUDA_FAIL"); }

  std::unique_ptr<CudaFunction> compile() {
    auto compiled = CudaFunction::compile(*module, "mm");
    EXPECT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
    return compiled ? std::move(*compiled) : nullptr;
  }

  /// invoke() on fresh buffers; the error text, "" on success.
  std::string invoke(CudaFunction &fn) {
    std::vector<int8_t> x(16, 1), w(24, 2);
    std::vector<int32_t> y(6, -1);
    llvm::Error e = fn.invoke({x.data(), w.data()}, {y.data()});
    return e ? llvm::toString(std::move(e)) : std::string();
  }

  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

TEST_F(CudaOnFakeDriver, DescribesTheDevice) {
  EXPECT_EQ(cudaDeviceDescription(),
            "fake CUDA device (kernels do not run) (sm_80)");
  // An sm_80 device cannot run sm_90 code.
  llvm::Error older = openCudaDevice("sm_90");
  ASSERT_TRUE(bool(older));
  EXPECT_NE(llvm::toString(std::move(older)).find("older than"),
            std::string::npos);
}

TEST_F(CudaOnFakeDriver, DeviceMemoryRoundTrip) {
  std::vector<int32_t> in(1000), out(1000, 0);
  std::iota(in.begin(), in.end(), -500);
  auto device = deviceAllocate(in.size() * sizeof(int32_t));
  ASSERT_TRUE(bool(device)) << llvm::toString(device.takeError());
  ASSERT_FALSE(llvm::errorToBool(
      copyToDevice(*device, in.data(), in.size() * sizeof(int32_t))));
  ASSERT_FALSE(llvm::errorToBool(
      copyToHost(out.data(), *device, out.size() * sizeof(int32_t))));
  EXPECT_EQ(in, out);
  EXPECT_FALSE(llvm::errorToBool(deviceSynchronize()));
  deviceFree(*device);
}

TEST_F(CudaOnFakeDriver, RunsAndCopiesTheResultBack) {
  auto fn = compile();
  ASSERT_TRUE(fn);
  std::vector<int8_t> x(16, 1), w(24, 2);
  std::vector<int32_t> y(6, -1);
  llvm::Error e = fn->invoke({x.data(), w.data()}, {y.data()});
  ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
  // The stand-in runs no kernels: the result is its zeroed allocation,
  // copied back over the -1s.
  EXPECT_EQ(y, std::vector<int32_t>(6, 0));
  auto times = fn->time({x.data(), w.data()}, 3);
  ASSERT_TRUE(bool(times)) << llvm::toString(times.takeError());
  EXPECT_EQ(times->size(), 3u);
}

TEST_F(CudaOnFakeDriver, AFailedLoadFailsEveryCall) {
  auto fn = compile();
  ASSERT_TRUE(fn);
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadDataEx", 1);
  std::string first = invoke(*fn);
  EXPECT_NE(first.find("cuModuleLoadDataEx (loading the kernels) failed: "
                       "CUDA_ERROR_INVALID_PTX"),
            std::string::npos)
      << first;
  unsetenv("FAKE_CUDA_FAIL");
  // The kernels are still not loaded.
  EXPECT_EQ(invoke(*fn), first);
}

TEST_F(CudaOnFakeDriver, AFailedLaunchFailsThatCallOnly) {
  auto fn = compile();
  ASSERT_TRUE(fn);
  setenv("FAKE_CUDA_FAIL", "cuLaunchKernel", 1);
  EXPECT_EQ(invoke(*fn), "cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE");
  unsetenv("FAKE_CUDA_FAIL");
  EXPECT_EQ(invoke(*fn), "");
}

} // namespace

//===- qsparse-translate.cpp - import ONNX models -------------------------===//
//
// qsparse-translate --import-onnx model.onnx [-o model.mlir]
//                   [--entry-name=NAME] [--constant-input=NAME=FILE.pb ...]
//                   [--resource-threshold=BYTES] [--qdq-weights=int8|flint4]
// qsparse-translate --list-onnx-operators
//
// Exit codes (DESIGN 4): 0 success, 2 bad input (one clear error line per
// problem on stderr).
//
//===----------------------------------------------------------------------===//

#include "qsparse/Target/ONNX/ImportONNX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("qsparse-translate options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::init("-"), cl::cat(category));
static cl::opt<bool> importOnnx("import-onnx",
                                cl::desc("Import an ONNX model (ModelProto) "
                                         "as a func.func of linalg, tensor, "
                                         "arith and math ops"),
                                cl::cat(category));
static cl::opt<bool>
    listOperators("list-onnx-operators",
                  cl::desc("Print the supported ONNX operators and exit"),
                  cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file.mlir"),
                                       cl::init("-"), cl::cat(category));
static cl::opt<std::string> entryName("entry-name",
                                      cl::desc("Name of the imported function"),
                                      cl::value_desc("name"), cl::init("main"),
                                      cl::cat(category));
static cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("Fix graph input NAME to the TensorProto in FILE.pb at import "
             "time (it becomes a constant and leaves the argument list); "
             "needed where a shape comes from an input, e.g. Reshape's"),
    cl::value_desc("NAME=FILE.pb"), cl::cat(category));
static cl::opt<int64_t> resourceThreshold(
    "resource-threshold",
    cl::desc("Initializers of at least this many bytes become "
             "dense_resource blobs instead of inline constants (-1: never)"),
    cl::value_desc("bytes"), cl::init(4096), cl::cat(category));

static cl::opt<std::string> qdqWeights(
    "qdq-weights",
    cl::desc("Weights of QDQ-quantized Conv/Gemm/MatMul: 'int8' (as in the "
             "model) or 'flint4' (re-encoded as signed flint4 codes, "
             "per-channel scales)"),
    cl::value_desc("int8|flint4"), cl::init("int8"), cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "qsparse-translate: error: " << message << "\n";
  return 2;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "qsparse-translate: import ONNX models\n");

  if (listOperators) {
    for (const std::string &op : qsparse::onnx_import::supportedOperators())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (!importOnnx)
    return fail("choose a translation: --import-onnx");

  qsparse::onnx_import::ImportOptions options;
  options.entryName = entryName;
  if (options.entryName.empty())
    return fail("--entry-name must not be empty");
  options.resourceThresholdBytes = resourceThreshold;
  using QdqWeights = qsparse::onnx_import::ImportOptions::QdqWeights;
  if (qdqWeights == "flint4")
    options.qdqWeights = QdqWeights::Flint4;
  else if (qdqWeights != "int8")
    return fail("--qdq-weights must be int8 or flint4, got '" + qdqWeights +
                "'");
  for (const std::string &spec : constantInputs) {
    auto [name, path] = llvm::StringRef(spec).split('=');
    if (name.empty() || path.empty())
      return fail("--constant-input expects NAME=FILE.pb, got '" + spec + "'");
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
    if (!buffer)
      return fail("cannot read '" + path + "': " + buffer.getError().message());
    options.constantInputs[name] = (*buffer)->getBuffer().str();
  }

  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile, /*IsText=*/false);
  if (!buffer)
    return fail("cannot read '" + inputFile +
                "': " + buffer.getError().message());

  MLIRContext context;
  DialectRegistry registry;
  qsparse::onnx_import::registerImportDialects(registry);
  context.appendDialectRegistry(registry);
  // One line per error: "file: error: message".
  bool failedAny = false;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return success();
    failedAny = true;
    // Names in a corrupt model may hold control characters: escape them so
    // the error stays one line.
    llvm::errs() << "qsparse-translate: error: " << inputFile << ": ";
    for (char c : diag.str()) {
      if ((unsigned char)c < 0x20 || c == 0x7f)
        llvm::errs() << "\\x" << llvm::hexdigit((c >> 4) & 0xf)
                     << llvm::hexdigit(c & 0xf);
      else
        llvm::errs() << c;
    }
    llvm::errs() << "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = qsparse::onnx_import::importModel(
      (*buffer)->getBuffer(), inputFile, &context, options);
  if (!module) {
    if (!failedAny)
      return fail(inputFile + ": import failed");
    return 2;
  }

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  module->print(output->os());
  output->os() << "\n";
  output->keep();
  return 0;
}

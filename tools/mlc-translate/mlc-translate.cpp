//===- mlc-translate.cpp - Mithril's translation driver -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Between formats: `--import-model` (model file -> mithril IR),
// `--import-onnx` (ONNX -> mithril IR; with `--list-unsupported`, only the
// summary of the ops it does not support, exit status 0),
// `--export-model` (mithril IR -> model file), and MLIR's own translations
// (`--mlir-to-llvmir`, ...). Exit status: 0 on success, 1 on a usage error,
// 2 on a rejected input. The output is written to a temporary file and
// renamed, so a failed run leaves no partial file.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/ModelExporter.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/Frontend/OnnxImporter.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/Version.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllTranslations.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {
llvm::cl::OptionCategory importCategory("Model import options");
llvm::cl::opt<std::string>
    weightsPath("weights",
                llvm::cl::desc("Safetensors weights (overrides the model "
                               "file's `weights`)"),
                llvm::cl::value_desc("file"), llvm::cl::cat(importCategory));
llvm::cl::opt<std::string>
    init("init",
         llvm::cl::desc("`random`: PyTorch's default initialisers instead "
                        "of weights"),
         llvm::cl::cat(importCategory));
llvm::cl::opt<uint64_t> seed("seed", llvm::cl::desc("Seed of --init=random"),
                             llvm::cl::init(0), llvm::cl::cat(importCategory));
llvm::cl::opt<bool> listUnsupported(
    "list-unsupported",
    llvm::cl::desc("With --import-onnx: print the ops of the model that are "
                   "not supported, a line each with its node count, and exit"),
    llvm::cl::cat(importCategory));

constexpr llvm::StringLiteral kImportOnnxDescription =
    "ONNX model (.onnx) to mithril IR";

void registerModelTranslations() {
  static TranslateToMLIRRegistration importModel(
      "import-model", "model file (.json) to mithril IR",
      [](llvm::SourceMgr &sourceMgr, MLIRContext *context) {
        ModelImportOptions options;
        options.weightsPath = weightsPath;
        options.randomInit = init == "random";
        options.seed = seed;
        return OwningOpRef<Operation *>(
            importModelFile(sourceMgr, context, options).release());
      },
      [](DialectRegistry &registry) { registerImportedDialects(registry); });
  static TranslateToMLIRRegistration importOnnx(
      "import-onnx", kImportOnnxDescription,
      [](llvm::SourceMgr &sourceMgr, MLIRContext *context) {
        return OwningOpRef<Operation *>(
            importOnnxFile(sourceMgr, context).release());
      },
      [](DialectRegistry &registry) { registerImportedDialects(registry); });
  static TranslateFromMLIRRegistration exportModel(
      "export-model", "mithril IR to a model file (.json)",
      [](ModuleOp module, llvm::raw_ostream &os) {
        return exportModelFile(module, os);
      },
      [](DialectRegistry &registry) { registerImportedDialects(registry); });
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllTranslations();
  registerModelTranslations();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();

  llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                           llvm::cl::desc("<input file>"),
                                           llvm::cl::init("-"));
  llvm::cl::opt<std::string> outputFilename(
      "o", llvm::cl::desc("Output file (default: standard output)"),
      llvm::cl::value_desc("file"), llvm::cl::init("-"));
  llvm::cl::opt<const Translation *, false, TranslationParser> translation(
      llvm::cl::desc("Translation to perform"), llvm::cl::Required);
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "Mithril version " << MITHRIL_VERSION << "\n";
  });
  llvm::cl::ParseCommandLineOptions(argc, argv, "Mithril translation driver\n");
  if (!init.empty() && init != "random") {
    llvm::errs() << "mlc-translate: --init takes only 'random'\n";
    return 1;
  }

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << "mlc-translate: " << errorMessage << "\n";
    return 2;
  }
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(input), llvm::SMLoc());

  MLIRContext context;
  context.allowUnregisteredDialects(false);
  context.printOpOnDiagnostic(false);
  SourceMgrDiagnosticHandler diagnostics(*sourceMgr, &context);

  if (listUnsupported) {
    if (translation->getDescription() != kImportOnnxDescription) {
      llvm::errs() << "mlc-translate: --list-unsupported goes with "
                      "--import-onnx\n";
      return 1;
    }
    DialectRegistry registry;
    registerImportedDialects(registry);
    context.appendDialectRegistry(registry);
    std::vector<std::string> unsupported;
    OwningOpRef<ModuleOp> module =
        importOnnxFile(*sourceMgr, &context, &unsupported);
    if (!module && unsupported.empty())
      return 2;
    for (const std::string &line : unsupported)
      llvm::outs() << line << "\n";
    if (unsupported.empty())
      llvm::outs() << "every op is supported\n";
    return 0;
  }

  std::string result;
  llvm::raw_string_ostream os(result);
  if (failed((*translation)(sourceMgr, os, &context)))
    return 2;
  if (llvm::Error error = llvm::writeToOutput(
          outputFilename, [&](llvm::raw_ostream &out) -> llvm::Error {
            out << result;
            return llvm::Error::success();
          })) {
    llvm::errs() << "mlc-translate: cannot write '" << outputFilename
                 << "': " << llvm::toString(std::move(error)) << "\n";
    return 2;
  }
  return 0;
}

//===- mlc-compile.cpp - Mithril's compiler driver ------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mlc-compile MODEL -o OUT [options]`: reads a model file (.json) or
// mithril IR (.mlir), runs the pipeline up to `--stop-after`, and writes the
// result. Exit status: 0 on success, 1 on a usage error, 2 on a rejected
// input or a failed run. The output is written to a temporary file beside
// OUT and renamed, so a failed run leaves no partial file.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/JsonPathDiagnostics.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/Transforms/Passes.h"
#include "mithril/Version.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mithril;
namespace cl = llvm::cl;

namespace {

enum class Phase { Import, Shapes };

/// mlc-compile's options. Some names (`stop-after`) are also options of
/// LLVM's code generator, registered when libLLVM loads; ours replace them.
struct Options {
  cl::opt<std::string> inputFilename{cl::Positional, cl::Required,
                                     cl::desc("<model.json | model.mlir>")};
  cl::opt<std::string> outputFilename{"o", cl::desc("Output file"),
                                      cl::value_desc("file")};
  cl::opt<std::string> stopAfter{
      "stop-after",
      cl::desc("Stop after this phase and write its IR: import, shapes"),
      cl::value_desc("phase")};
  cl::list<std::string> shapes{
      "shape", cl::desc("Fix an input's dims: NAME=DIMS, e.g. x=8x3x32x32"),
      cl::value_desc("NAME=DIMS")};
  cl::opt<int64_t> batch{"batch", cl::desc("Fix every dim named N"),
                         cl::init(-1)};
  cl::opt<std::string> weights{"weights", cl::desc("Safetensors weights"),
                               cl::value_desc("file")};
  cl::opt<std::string> init{
      "init",
      cl::desc("random: PyTorch's default initialisers instead of weights")};
  cl::opt<uint64_t> seed{"seed", cl::desc("Seed of --init=random"),
                         cl::init(0)};
  cl::opt<bool> printIRAfterAll{"print-ir-after-all",
                                cl::desc("Print the IR after every pass")};
  cl::opt<bool> timing{"timing", cl::desc("Time the passes")};
};

void unregisterOptions(ArrayRef<StringRef> names) {
  auto &registered = cl::getRegisteredOptions();
  for (StringRef name : names)
    if (auto it = registered.find(name); it != registered.end())
      it->second->removeArgument();
}

int usageError(const llvm::Twine &message) {
  llvm::errs() << "mlc-compile: " << message << "\n";
  return 1;
}

OwningOpRef<ModuleOp> readInput(const Options &cli, llvm::SourceMgr &sourceMgr,
                                MLIRContext *context) {
  if (StringRef(cli.inputFilename).ends_with(".json")) {
    ModelImportOptions options;
    options.weightsPath = cli.weights;
    options.randomInit = cli.init == "random";
    options.seed = cli.seed;
    return importModelFile(sourceMgr, context, options);
  }
  return parseSourceFile<ModuleOp>(sourceMgr, context);
}

/// The passes of each phase up to `last`.
void buildPipeline(const Options &cli, PassManager &pm, Phase last) {
  if (last == Phase::Import)
    return;
  // Symbols are bound on the hierarchical model, where block inputs still
  // name them; the flat graph is then refined once more.
  MithrilInferShapesOptions options;
  options.shapes.assign(cli.shapes.begin(), cli.shapes.end());
  options.batch = cli.batch;
  pm.addPass(createMithrilInferShapes(options));
  pm.addPass(createMithrilInlineBlocks());
  pm.addPass(createMithrilInferShapes());
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "Mithril version " << MITHRIL_VERSION << "\n";
  });
  unregisterOptions(
      {"stop-after", "shape", "batch", "weights", "init", "seed"});
  Options cli;
  cl::ParseCommandLineOptions(argc, argv, "Mithril compiler\n");
  const std::string &inputFilename = cli.inputFilename;
  const std::string &outputFilename = cli.outputFilename;
  const std::string &stopAfter = cli.stopAfter;

  // Options.
  if (!cli.init.empty() && cli.init != "random")
    return usageError("--init takes only 'random'");
  if (outputFilename.empty())
    return usageError("give an output file with -o (only .mlir for now)");
  if (!StringRef(outputFilename).ends_with(".mlir"))
    return usageError("cannot write '" + outputFilename +
                      "' yet: this version of mlc-compile emits only .mlir "
                      "(with --stop-after=import or shapes)");
  std::optional<Phase> phase =
      llvm::StringSwitch<std::optional<Phase>>(stopAfter)
          .Case("import", Phase::Import)
          .Cases("shapes", "", Phase::Shapes)
          .Default(std::nullopt);
  if (!phase)
    return usageError("--stop-after=" + stopAfter +
                      " is not available yet: use import or shapes");
  if (StringRef(inputFilename).ends_with(".onnx"))
    return usageError("ONNX input is not available yet");

  // Input.
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << "mlc-compile: " << errorMessage << "\n";
    return 2;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  MLIRContext context;
  context.loadDialect<MithrilDialect>();
  context.printOpOnDiagnostic(false);
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  JsonPathDiagnosticHandler jsonPaths(&context);

  OwningOpRef<ModuleOp> module = readInput(cli, sourceMgr, &context);
  if (!module)
    return 2;

  // Pipeline.
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  if (cli.printIRAfterAll) {
    context.disableMultithreading(); // MLIR prints only single-threaded.
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false);
  }
  if (cli.timing)
    pm.enableTiming();
  buildPipeline(cli, pm, *phase);
  if (failed(pm.run(*module)))
    return 2;

  // Output, written whole or not at all.
  if (llvm::Error error = llvm::writeToOutput(
          outputFilename, [&](llvm::raw_ostream &os) -> llvm::Error {
            module->print(os);
            return llvm::Error::success();
          })) {
    llvm::errs() << "mlc-compile: cannot write '" << outputFilename
                 << "': " << llvm::toString(std::move(error)) << "\n";
    return 2;
  }
  return 0;
}

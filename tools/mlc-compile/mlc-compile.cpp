//===- mlc-compile.cpp - Mithril's compiler driver ------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mlc-compile MODEL -o OUT [options]`: reads a model file (.json) or
// mithril IR (.mlir), runs the phases of the CPU pipeline up to
// `--stop-after` (all of them by default), and writes what OUT's extension
// asks for: `.mlir` (the IR after the last phase), `.ll` (LLVM IR), `.s`
// (assembly) or `.o` (an object file) for `--target`. Exit status: 0 on
// success, 1 on a usage error, 2 on a rejected input or a failed run. The
// output is written to a temporary file beside OUT and renamed, so a failed
// run leaves no partial file.
//
//===----------------------------------------------------------------------===//

#include "mithril/Conversion/Passes.h"
#include "mithril/Frontend/JsonPathDiagnostics.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/Pipelines/Pipelines.h"
#include "mithril/Target/CPU.h"
#include "mithril/Transforms/Passes.h"
#include "mithril/Version.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallString.h"
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

/// mlc-compile's options. Some names (`stop-after`) are also options of
/// LLVM's code generator, registered when libLLVM loads; ours replace them.
struct Options {
  cl::opt<std::string> inputFilename{cl::Positional, cl::Required,
                                     cl::desc("<model.json | model.mlir>")};
  cl::opt<std::string> outputFilename{
      "o", cl::desc("Output file: .mlir, .ll, .s or .o"),
      cl::value_desc("file")};
  cl::opt<std::string> target{
      "target",
      cl::desc("host (default), x86_64, x86_64-avx2, x86_64-avx512, aarch64"),
      cl::init("host")};
  cl::opt<std::string> stopAfter{
      "stop-after",
      cl::desc("Stop after this phase and write its IR (.mlir): import, "
               "shapes, linalg, bufferize, llvm"),
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

/// What the output file's extension asks for.
enum class OutputKind { MLIR, LLVMIR, Assembly, Object };

std::optional<OutputKind> outputKind(StringRef path) {
  return llvm::StringSwitch<std::optional<OutputKind>>(
             llvm::sys::path::extension(path))
      .Case(".mlir", OutputKind::MLIR)
      .Case(".ll", OutputKind::LLVMIR)
      .Case(".s", OutputKind::Assembly)
      .Case(".o", OutputKind::Object)
      .Default(std::nullopt);
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

/// Writes the module (as IR, or as code for `target`) to `path`, whole or
/// not at all.
int writeOutput(ModuleOp module, StringRef path, OutputKind kind,
                const CPUTarget &target) {
  std::string codegenError;
  llvm::Error error =
      llvm::writeToOutput(path, [&](llvm::raw_ostream &os) -> llvm::Error {
        if (kind == OutputKind::MLIR) {
          module.print(os);
          return llvm::Error::success();
        }
        // Object files need a seekable stream: code goes through a buffer.
        SmallString<0> buffer;
        llvm::raw_svector_ostream code(buffer);
        CPUOutput output = kind == OutputKind::LLVMIR     ? CPUOutput::LLVMIR
                           : kind == OutputKind::Assembly ? CPUOutput::Assembly
                                                          : CPUOutput::Object;
        if (failed(emitCPUCode(module, target, output, code, codegenError)))
          return llvm::createStringError(codegenError);
        os << buffer;
        return llvm::Error::success();
      });
  if (error) {
    llvm::errs() << "mlc-compile: cannot write '" << path
                 << "': " << llvm::toString(std::move(error)) << "\n";
    return 2;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // The phases are textual pipelines: every pass in them is registered.
  registerAllPasses();
  registerMithrilPasses();
  registerMithrilConversionPasses();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "Mithril version " << MITHRIL_VERSION << "\n";
  });
  unregisterOptions({"stop-after", "shape", "batch", "weights", "init", "seed",
                     "target", "print-ir-after-all", "timing"});
  Options cli;
  cl::ParseCommandLineOptions(argc, argv, "Mithril compiler\n");

  // Options.
  if (!cli.init.empty() && cli.init != "random")
    return usageError("--init takes only 'random'");
  if (cli.outputFilename.empty())
    return usageError("give an output file with -o (.mlir, .ll, .s or .o)");
  std::optional<OutputKind> kind = outputKind(cli.outputFilename);
  if (!kind)
    return usageError("cannot write '" + cli.outputFilename +
                      "': this version of mlc-compile writes .mlir, .ll, .s "
                      "and .o (shared libraries and headers come next)");
  std::optional<Phase> last = cli.stopAfter.empty()
                                  ? std::optional<Phase>(Phase::LLVM)
                                  : parsePhase(cli.stopAfter);
  if (!last)
    return usageError("unknown phase --stop-after=" + cli.stopAfter +
                      " (import, shapes, linalg, bufferize, llvm)");
  if (*kind != OutputKind::MLIR && *last != Phase::LLVM)
    return usageError("--stop-after writes IR: give a .mlir output");
  std::optional<CPUTarget> target = parseCPUTarget(cli.target);
  if (!target)
    return usageError("unknown or unsupported --target=" + cli.target +
                      " (host, x86_64, x86_64-avx2, x86_64-avx512, aarch64)");
  if (StringRef(cli.inputFilename).ends_with(".onnx"))
    return usageError("ONNX input is not available yet");

  // Input.
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(cli.inputFilename, &errorMessage);
  if (!input) {
    llvm::errs() << "mlc-compile: " << errorMessage << "\n";
    return 2;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<MithrilDialect>();
  MLIRContext context(registry);
  context.loadDialect<MithrilDialect>();
  context.printOpOnDiagnostic(false);
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  JsonPathDiagnosticHandler jsonPaths(&context);

  OwningOpRef<ModuleOp> module = readInput(cli, sourceMgr, &context);
  if (!module)
    return 2;

  // The phases up to `last`.
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
  ShapeOptions shapeOptions{
      std::vector<std::string>(cli.shapes.begin(), cli.shapes.end()),
      cli.batch};
  for (Phase phase :
       {Phase::Shapes, Phase::Linalg, Phase::Bufferize, Phase::LLVM}) {
    if (phase > *last)
      break;
    std::string error;
    if (failed(addPhase(pm, phase, shapeOptions, error))) {
      llvm::errs() << "mlc-compile: " << error << "\n";
      return 2;
    }
  }
  if (failed(pm.run(*module)))
    return 2;
  return writeOutput(*module, cli.outputFilename, *kind, *target);
}

//===- mlc-compile.cpp - Mithril's compiler driver ------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mlc-compile MODEL -o OUT [options]`: reads a model file (.json), an ONNX
// model (.onnx) or mithril IR (.mlir), runs the phases of the CPU pipeline
// up to `--stop-after` (all of them by default), and writes what OUT's
// extension asks for: `.so` (a shared library), `.a` (a static library) or
// `.o`, each with `<name>.h` beside it, `.h` (the header alone), `.s`, `.ll`,
// or `.mlir` (the IR after the last phase). `--depfile` lists the files read,
// for build systems. Exit status: 0 on success, 1 on a usage error, 2 on a
// rejected input or a failed run. Every file is written to a temporary beside
// it and renamed, so a failed run leaves no partial file.
//
//===----------------------------------------------------------------------===//

#include "mithril/Conversion/Passes.h"
#include "mithril/Frontend/JsonPathDiagnostics.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/Frontend/OnnxImporter.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilOps.h"
#include "mithril/Target/CPU/Pipelines.h"
#include "mithril/Target/CPU/CPUTarget.h"
#include "mithril/Target/CPU/LibraryLinker.h"
#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/LibraryStatistics.h"
#include "mithril/Codegen/LibraryWeights.h"
#include "mithril/Codegen/Passes.h"
#include "mithril/Target/CPU/Passes.h"
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
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::mithril;
namespace cl = llvm::cl;

namespace {

/// mlc-compile's options. Some names (`stop-after`) are also options of
/// LLVM's code generator, registered when libLLVM loads; ours replace them.
struct Options {
  cl::opt<std::string> inputFilename{
      cl::Positional, cl::Required,
      cl::desc("<model.json | model.onnx | model.mlir>")};
  cl::opt<std::string> outputFilename{
      "o",
      cl::desc("Output file: .so (default lib<name>.so), .a, .h, .o, .s, "
               ".ll or .mlir"),
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
  cl::opt<std::string> weightsMode{
      "weights-mode",
      cl::desc("embed: weights inside the library (default); external: "
               "<name>.safetensors beside it"),
      cl::init("embed")};
  cl::opt<bool> stats{"stats",
                      cl::desc("Print parameter bytes, FLOPs per call and "
                               "the bytes a call allocates")};
  cl::opt<std::string> name{
      "name",
      cl::desc("The model's C name: header <name>.h, functions <name>_*"),
      cl::value_desc("identifier")};
  cl::opt<std::string> reflection{
      "reflection",
      cl::desc("The reflection symbol mithril_library_v1: exported (a .so, "
               "or an object linked into one) or local (default for .o and "
               ".a: several models link into one program)"),
      cl::value_desc("exported|local")};
  cl::opt<std::string> precision{
      "precision", cl::desc("Compute precision: f32 (f16, bf16 to come)"),
      cl::init("f32")};
  cl::opt<std::string> depfile{
      "depfile",
      cl::desc("Also write the files read (model, weights) as a Makefile "
               "rule for the output"),
      cl::value_desc("file")};
  cl::opt<int> threads{
      "threads",
      cl::desc("Threads a call runs on by default: 0 (default) one per core, "
               "1 sequential code (no OpenMP), N > 1 N threads; the runtime "
               "can change it per instance"),
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

/// A rejected input or a failed run: exit status 2.
int runError(const llvm::Twine &message) {
  llvm::errs() << "mlc-compile: " << message << "\n";
  return 2;
}

/// What the output file's extension asks for.
enum class OutputKind {
  MLIR,
  LLVMIR,
  Assembly,
  Object,
  StaticLibrary,
  SharedLibrary,
  Header
};

std::optional<OutputKind> outputKind(StringRef path) {
  return llvm::StringSwitch<std::optional<OutputKind>>(
             llvm::sys::path::extension(path))
      .Case(".mlir", OutputKind::MLIR)
      .Case(".ll", OutputKind::LLVMIR)
      .Case(".s", OutputKind::Assembly)
      .Case(".o", OutputKind::Object)
      .Case(".a", OutputKind::StaticLibrary)
      .Case(".so", OutputKind::SharedLibrary)
      .Case(".h", OutputKind::Header)
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
  if (StringRef(cli.inputFilename).ends_with(".onnx"))
    return importOnnxFile(sourceMgr, context);
  return parseSourceFile<ModuleOp>(sourceMgr, context);
}

/// Writes `path` whole or not at all; 0, or 2 after a diagnostic.
int writeFile(StringRef path,
              llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write) {
  if (llvm::Error error = llvm::writeToOutput(path, write))
    return runError("cannot write '" + path +
                    "': " + llvm::toString(std::move(error)));
  return 0;
}

/// Gives the top model, the library's first entry, the name `name`.
LogicalResult renameModel(ModuleOp module, StringRef name) {
  ModelOp top = getTopModel(module);
  if (!top)
    return module.emitError() << "--name=" << name << ": no model to name";
  if (top.getSymName() == name)
    return success();
  SymbolTable symbols(module);
  if (Operation *existing = symbols.lookup(name))
    return existing->emitError()
           << "--name=" << name << ": the module already has a '" << name
           << "'";
  return symbols.rename(top, StringAttr::get(module.getContext(), name));
}

/// The files a run reads: the model and its weights.
std::vector<std::string> inputsRead(const Options &cli, ModuleOp module) {
  std::vector<std::string> files{cli.inputFilename};
  if (auto weights = module->getAttrOfType<StringAttr>(kWeightsAttrName))
    files.push_back(weights.str());
  return files;
}

/// `path` written as a word of a Makefile rule.
std::string makeWord(StringRef path) {
  std::string word;
  for (char c : path) {
    if (c == ' ' || c == '#' || c == '\\')
      word += '\\';
    else if (c == '$')
      word += '$';
    word += c;
  }
  return word;
}

/// `output: inputs...`, the depfile that Ninja and Make read.
int writeDepfile(StringRef path, StringRef output,
                 ArrayRef<std::string> inputs) {
  return writeFile(path, [&](llvm::raw_ostream &os) {
    os << makeWord(output) << ":";
    for (const std::string &input : inputs)
      os << " " << makeWord(input);
    os << "\n";
    return llvm::Error::success();
  });
}

/// The compiler's run, phase by phase.
class Compiler {
public:
  Compiler(const Options &cli, MLIRContext &context, ModuleOp module)
      : cli(cli), context(context), module(module) {}

  /// Runs the phases up to `last`; false after a diagnostic.
  bool runPhases(Phase last, const PipelineOptions &options);
  int writeOutput(StringRef path, OutputKind kind, const CPUTarget &target);
  void printStatistics(llvm::raw_ostream &os) const;

  /// The signature, once the linalg phase has recorded it.
  std::optional<LibrarySignature> signature() const {
    return getRecordedSignature(module);
  }

private:
  bool runPhase(Phase phase, const PipelineOptions &options);
  int writeCode(StringRef path, CPUOutput output, const CPUTarget &target);
  int writeLibrary(StringRef path, OutputKind kind, const CPUTarget &target);
  int writeHeader(StringRef path);
  int writeBeside(StringRef path, StringRef name);
  /// The weights the code embeds (empty if none).
  FailureOr<std::string> weightsImage();

  const Options &cli;
  MLIRContext &context;
  ModuleOp module;
  InitRules initRules;
  int64_t flops = -1, allocatedBytes = -1;
  ArenaStatistics arena;
  std::optional<std::string> image;
};

bool Compiler::runPhase(Phase phase, const PipelineOptions &options) {
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return false;
  if (cli.printIRAfterAll) {
    context.disableMultithreading(); // MLIR prints only single-threaded.
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false);
  }
  if (cli.timing)
    pm.enableTiming();
  std::string error;
  if (mlir::failed(addPhase(pm, phase, options, error))) {
    llvm::errs() << "mlc-compile: " << error << "\n";
    return false;
  }
  return mlir::succeeded(pm.run(module));
}

bool Compiler::runPhases(Phase last, const PipelineOptions &options) {
  for (Phase phase :
       {Phase::Shapes, Phase::Linalg, Phase::Bufferize, Phase::LLVM}) {
    if (phase > last)
      break;
    if (!runPhase(phase, options))
      return false;
    // What later phases erase: the catalog ops that say how to initialise
    // a parameter, the linalg ops that say what a call costs.
    if (phase == Phase::Shapes) {
      FailureOr<InitRules> rules = collectInitRules(module);
      if (mlir::failed(rules))
        return false;
      initRules = std::move(*rules);
    }
    if (phase == Phase::Linalg && cli.stats)
      flops = countFlops(module);
    if (phase == Phase::Bufferize && cli.stats) {
      allocatedBytes = countAllocatedBytes(module);
      arena = countArenaBytes(module);
    }
  }
  return true;
}

void Compiler::printStatistics(llvm::raw_ostream &os) const {
  std::optional<LibrarySignature> library = signature();
  if (!library)
    return;
  size_t parameters = 0;
  for (const auto &entry : library->entries)
    parameters += entry.parameters.size();
  os << "model '" << library->name() << "'\n";
  os << "  parameters:        " << parameters << " tensors, "
     << library->parameterBytes() << " bytes\n";
  if (flops >= 0)
    os << "  FLOPs per call:    " << flops << "\n";
  if (allocatedBytes >= 0) {
    os << "  arena:             " << arena.arenaBytes
       << " bytes per instance, for " << arena.buffers << " buffers of "
       << arena.bufferBytes << " bytes without reuse\n";
    os << "  allocated per call: " << allocatedBytes
       << " bytes (buffers with dynamic dims)\n";
  }
  os << "  (dynamic dims counted as 1)\n";
}

FailureOr<std::string> Compiler::weightsImage() {
  if (image)
    return *image;
  std::optional<LibrarySignature> library = signature();
  if (!library || !hasWeightSource(module))
    return std::string();
  FailureOr<std::string> built = buildWeightsImage(module, *library, initRules);
  if (mlir::failed(built))
    return mlir::failure();
  image = std::move(*built);
  return *image;
}

int Compiler::writeCode(StringRef path, CPUOutput output,
                        const CPUTarget &target) {
  FailureOr<std::string> weights =
      cli.weightsMode == "embed" ? weightsImage() : std::string();
  if (mlir::failed(weights))
    return 2;
  std::string codegenError;
  return writeFile(path, [&](llvm::raw_ostream &os) -> llvm::Error {
    // Object files need a seekable stream: code goes through a buffer.
    SmallString<0> buffer;
    llvm::raw_svector_ostream code(buffer);
    if (mlir::failed(
            emitCPUCode(module, target, output, code, codegenError, *weights)))
      return llvm::createStringError(codegenError);
    os << buffer;
    return llvm::Error::success();
  });
}

int Compiler::writeHeader(StringRef path) {
  std::optional<LibrarySignature> library = signature();
  if (!library)
    return runError("the module has no recorded signature");
  return writeFile(path, [&](llvm::raw_ostream &os) {
    writeLibraryHeader(*library, os);
    return llvm::Error::success();
  });
}

/// The folder of libmithril_runtime.so, relative to this executable: the
/// install tree's (MITHRIL_RUNTIME_FROM_BINDIR, e.g. `../lib`), else the
/// build tree's `../lib`.
std::string runtimeDirectory() {
  static int anchor;
  std::string executable = llvm::sys::fs::getMainExecutable(
      "mlc-compile", reinterpret_cast<void *>(&anchor));
  StringRef bindir = llvm::sys::path::parent_path(executable);
  for (StringRef relative : {MITHRIL_RUNTIME_FROM_BINDIR, "../lib"}) {
    SmallString<256> directory(bindir);
    llvm::sys::path::append(directory, relative);
    SmallString<256> library(directory);
    llvm::sys::path::append(library, "libmithril_runtime.so");
    if (llvm::sys::fs::exists(library))
      return std::string(directory);
  }
  SmallString<256> directory(bindir);
  llvm::sys::path::append(directory, MITHRIL_RUNTIME_FROM_BINDIR);
  return std::string(directory);
}

int Compiler::writeLibrary(StringRef path, OutputKind kind,
                           const CPUTarget &target) {
  std::optional<LibrarySignature> library = signature();
  if (kind == OutputKind::Object) {
    if (int status = writeCode(path, CPUOutput::Object, target))
      return status;
    return writeBeside(path, library->name());
  }

  SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("mithril", "o", objectPath))
    return runError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (int status = writeCode(objectPath, CPUOutput::Object, target))
    return status;

  std::string name = library->name();
  if (kind == OutputKind::StaticLibrary) {
    auto object = llvm::MemoryBuffer::getFile(objectPath);
    if (!object)
      return runError("cannot read the object file back");
    std::string error;
    if (int status = writeFile(path, [&](llvm::raw_ostream &os) -> llvm::Error {
          if (mlir::failed(writeStaticLibrary((*object)->getBuffer(),
                                              name + ".o", os, error)))
            return llvm::createStringError(error);
          return llvm::Error::success();
        }))
      return status;
  } else {
    std::string runtime = runtimeDirectory();
    if (llvm::Triple(target.triple).getArch() !=
        llvm::Triple(llvm::sys::getDefaultTargetTriple()).getArch())
      return runError("a shared library for " + target.triple +
                      " needs that target's libmithril_runtime; write a .o "
                      "or .a and link it there");
    SmallString<128> temporary;
    if (std::error_code ec =
            llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", temporary))
      return runError("cannot write '" + path + "': " + ec.message());
    llvm::FileRemover removeTemporary(temporary);
    std::string error;
    if (mlir::failed(linkSharedLibrary(objectPath, temporary, runtime,
                                       llvm::sys::path::filename(path), error)))
      return runError(error);
    if (std::error_code ec = llvm::sys::fs::rename(temporary, path))
      return runError("cannot write '" + path + "': " + ec.message());
  }
  return writeBeside(path, name);
}

/// The header, and with --weights-mode=external the weights, beside `path`.
int Compiler::writeBeside(StringRef path, StringRef name) {
  SmallString<128> beside(llvm::sys::path::parent_path(path));
  llvm::sys::path::append(beside, name + ".h");
  if (int status = writeHeader(beside))
    return status;
  if (cli.weightsMode == "external") {
    FailureOr<std::string> weights = weightsImage();
    if (mlir::failed(weights))
      return 2;
    llvm::sys::path::replace_extension(beside, ".safetensors");
    return writeFile(beside, [&](llvm::raw_ostream &os) {
      os << *weights;
      return llvm::Error::success();
    });
  }
  return 0;
}

int Compiler::writeOutput(StringRef path, OutputKind kind,
                          const CPUTarget &target) {
  switch (kind) {
  case OutputKind::MLIR:
    return writeFile(path, [&](llvm::raw_ostream &os) {
      module.print(os);
      return llvm::Error::success();
    });
  case OutputKind::LLVMIR:
    return writeCode(path, CPUOutput::LLVMIR, target);
  case OutputKind::Assembly:
    return writeCode(path, CPUOutput::Assembly, target);
  case OutputKind::Header:
    return writeHeader(path);
  case OutputKind::Object:
  case OutputKind::StaticLibrary:
  case OutputKind::SharedLibrary:
    return writeLibrary(path, kind, target);
  }
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // The phases are textual pipelines: every pass in them is registered.
  registerAllPasses();
  registerMithrilPasses();
  registerMithrilConversionPasses();
  registerMithrilCodegenPasses();
  registerMithrilCPUPasses();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "Mithril version " << MITHRIL_VERSION << "\n";
  });
  unregisterOptions({"stop-after", "shape", "batch", "weights", "init", "seed",
                     "threads", "target", "print-ir-after-all", "timing",
                     "stats"});
  Options cli;
  cl::ParseCommandLineOptions(argc, argv, "Mithril compiler\n");

  // Options.
  if (!cli.init.empty() && cli.init != "random")
    return usageError("--init takes only 'random'");
  if (cli.weightsMode != "embed" && cli.weightsMode != "external")
    return usageError("--weights-mode takes embed or external");
  if (cli.precision == "f16" || cli.precision == "bf16")
    return usageError("--precision=" + cli.precision +
                      " is not available yet: only f32");
  if (cli.precision != "f32")
    return usageError("--precision takes f32, f16 or bf16");
  if (!cli.reflection.empty() && cli.reflection != "exported" &&
      cli.reflection != "local")
    return usageError("--reflection takes exported or local");
  if (cli.threads < 0)
    return usageError("--threads takes 0 (one per core) or a count");
  if (cli.name.getNumOccurrences() && !isCIdentifier(cli.name))
    return usageError("--name=" + cli.name + ": expected a C identifier");
  std::optional<OutputKind> kind =
      cli.outputFilename.empty() ? std::optional(OutputKind::SharedLibrary)
                                 : outputKind(cli.outputFilename);
  if (!kind)
    return usageError("cannot write '" + cli.outputFilename +
                      "': give an output ending in .so, .a, .h, .o, .s, .ll "
                      "or .mlir");
  std::optional<Phase> last = cli.stopAfter.empty()
                                  ? std::optional<Phase>(Phase::LLVM)
                                  : parsePhase(cli.stopAfter);
  if (!last)
    return usageError("unknown phase --stop-after=" + cli.stopAfter +
                      " (import, shapes, linalg, bufferize, llvm)");
  if (*kind == OutputKind::SharedLibrary && cli.reflection == "local")
    return usageError("a shared library exports its reflection symbol: "
                      "--reflection=local is for .o and .a");
  if (*kind != OutputKind::MLIR && *last != Phase::LLVM)
    return usageError("--stop-after writes IR: give a .mlir output");
  std::optional<CPUTarget> target = parseCPUTarget(cli.target);
  if (!target)
    return usageError("unknown or unsupported --target=" + cli.target +
                      " (host, x86_64, x86_64-avx2, x86_64-avx512, aarch64)");
  // A header needs only the signature.
  if (*kind == OutputKind::Header)
    last = Phase::Linalg;

  // Input.
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(cli.inputFilename, &errorMessage);
  if (!input)
    return runError(errorMessage);
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
  if (cli.name.getNumOccurrences() && failed(renameModel(*module, cli.name)))
    return 2;

  // The phases up to `last`.
  PipelineOptions options{
      std::vector<std::string>(cli.shapes.begin(), cli.shapes.end()), cli.batch,
      "none"};
  if (cli.weightsMode == "external")
    options.weightsMode = "external";
  else if (hasWeightSource(*module))
    options.weightsMode = "embed";
  options.localInfo =
      cli.reflection.empty()
          ? *kind == OutputKind::Object || *kind == OutputKind::StaticLibrary
          : cli.reflection == "local";
  options.vectorBits = target->vectorBits;
  options.parallel = cli.threads != 1;
  options.threads = cli.threads;
  Compiler compiler(cli, context, *module);
  if (!compiler.runPhases(*last, options))
    return 2;
  if (cli.stats)
    compiler.printStatistics(llvm::outs());

  std::string output = cli.outputFilename;
  if (output.empty())
    output = "lib" + compiler.signature()->name() + ".so";
  if (int status = compiler.writeOutput(output, *kind, *target))
    return status;
  if (!cli.depfile.empty())
    return writeDepfile(cli.depfile, output, inputsRead(cli, *module));
  return 0;
}

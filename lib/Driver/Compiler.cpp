//===- Compiler.cpp - One compilation, model in, artefacts out ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Driver/Compiler.h"

#include "Outputs.h"

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/LibraryStatistics.h"
#include "mithril/Frontend/JsonPathDiagnostics.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/Frontend/OnnxImporter.h"
#include "mithril/IR/MithrilOps.h"
#include "mithril/Target/AllTargets.h"
#include "mithril/Target/Target.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

int usageError(const llvm::Twine &message) {
  llvm::errs() << "mlc-compile: " << message << "\n";
  return 1;
}

/// What the checked options ask for, typed.
struct Request {
  std::unique_ptr<Target> target;
  Output output;
  Phase last = Phase::LLVM;
  PipelineOptions pipeline;
};

/// Checks the training flags and fills `train`; a usage error's exit
/// status, or none.
std::optional<int> checkTraining(const TrainingFlags &flags,
                                 TrainOptions &train) {
  bool any = flags.loss || flags.reduction || flags.optimizer || flags.betas ||
             flags.learningRate || flags.momentum || flags.dampening ||
             flags.eps || flags.weightDecay || flags.labelSmoothing ||
             flags.ignoreIndex || flags.nesterov || flags.inputGradients;
  if (!flags.train)
    return any ? std::optional(usageError(
                     "--loss, --optimizer, --lr and the other training "
                     "options need --train"))
               : std::nullopt;
  train.enabled = true;
  train.loss = flags.loss.value_or("cross_entropy");
  if (!llvm::is_contained({"cross_entropy", "mse", "l1", "bce_with_logits"},
                          StringRef(train.loss)))
    return usageError("--loss takes cross_entropy, mse, l1 or "
                      "bce_with_logits");
  train.reduction = flags.reduction.value_or("mean");
  if (train.reduction != "mean" && train.reduction != "sum")
    return usageError("--reduction takes mean or sum");
  if ((flags.labelSmoothing || flags.ignoreIndex) &&
      train.loss != "cross_entropy")
    return usageError("--label-smoothing and --ignore-index apply to "
                      "--loss=cross_entropy");
  train.labelSmoothing = flags.labelSmoothing.value_or(0.0);
  if (!(train.labelSmoothing >= 0 && train.labelSmoothing <= 1))
    return usageError("--label-smoothing takes a value in [0, 1]");
  train.ignoreIndex = flags.ignoreIndex.value_or(-100);

  train.optimizer = flags.optimizer.value_or("adam");
  train.inputGradients = flags.inputGradients;
  bool sgd = train.optimizer == "sgd";
  if (train.optimizer == "none") {
    // The step returns the gradients; no optimizer option applies.
    if (flags.learningRate || flags.momentum || flags.dampening ||
        flags.nesterov || flags.betas || flags.eps || flags.weightDecay)
      return usageError("--optimizer=none takes no optimizer options");
    return std::nullopt;
  }
  if (!sgd && train.optimizer != "adam" && train.optimizer != "adamw")
    return usageError("--optimizer takes sgd, adam, adamw or none");
  if (sgd && !flags.learningRate)
    return usageError("--optimizer=sgd needs --lr (PyTorch's SGD has no "
                      "default learning rate)");
  if (sgd && (flags.betas || flags.eps))
    return usageError("--betas and --eps apply to adam and adamw");
  if (!sgd && (flags.momentum || flags.dampening || flags.nesterov))
    return usageError("--momentum, --dampening and --nesterov apply to sgd");
  train.learningRate = flags.learningRate.value_or(1e-3);
  train.momentum = flags.momentum.value_or(0);
  train.dampening = flags.dampening.value_or(0);
  train.nesterov = flags.nesterov;
  train.eps = flags.eps.value_or(1e-8);
  train.weightDecay =
      flags.weightDecay.value_or(train.optimizer == "adamw" ? 1e-2 : 0);
  if (!(train.learningRate >= 0) || !(train.momentum >= 0) ||
      !(train.eps >= 0) || !(train.weightDecay >= 0) || !(train.dampening >= 0))
    return usageError("--lr, --momentum, --dampening, --eps and "
                      "--weight-decay take values >= 0");
  if (train.nesterov && (train.momentum <= 0 || train.dampening != 0))
    return usageError("--nesterov needs a --momentum and no --dampening");
  if (flags.betas) {
    SmallVector<StringRef> parts;
    StringRef(*flags.betas).split(parts, ',');
    if (parts.size() != 2 || parts[0].trim().getAsDouble(train.beta1) ||
        parts[1].trim().getAsDouble(train.beta2) ||
        !(train.beta1 >= 0 && train.beta1 < 1) ||
        !(train.beta2 >= 0 && train.beta2 < 1))
      return usageError("--betas takes B1,B2, each in [0, 1)");
  }
  return std::nullopt;
}

/// Checks every option; a usage error's exit status, or none.
std::optional<int> checkOptions(const CompilerOptions &options,
                                Request &request) {
  if (!options.init.empty() && options.init != "random")
    return usageError("--init takes only 'random'");
  if (options.weightsMode != "embed" && options.weightsMode != "external")
    return usageError("--weights-mode takes embed or external");
  if (!llvm::is_contained({"f32", "f16", "bf16"}, StringRef(options.precision)))
    return usageError("--precision takes f32, f16 or bf16");
  if (!llvm::is_contained({"model", "f32", "f16", "bf16"},
                          StringRef(options.ioPrecision)))
    return usageError("--io-precision takes model, f32, f16 or bf16");
  if (!llvm::is_contained({"", "int8", "int8-dynamic"},
                          StringRef(options.quantize)))
    return usageError("--quantize takes int8 or int8-dynamic");
  if (!options.quantize.empty() && options.training.train)
    return usageError("--quantize is for inference: a train step updates its "
                      "weights, which int8 cannot hold");
  if (!options.reflection.empty() && options.reflection != "exported" &&
      options.reflection != "local")
    return usageError("--reflection takes exported or local");
  if (options.threads < 0)
    return usageError("--threads takes 0 (one per core) or a count");
  if (options.name && !isCIdentifier(*options.name))
    return usageError("--name=" + *options.name + ": expected a C identifier");

  std::optional<Output> output = parseOutput(options.output);
  if (!output)
    return usageError(
        "cannot write '" + options.output +
        "': give an output ending in .so, .a, .h, .o, .s, .ll, .ptx "
        "or .mlir");
  request.output = *output;
  std::optional<Phase> last = options.stopAfter.empty()
                                  ? std::optional(Phase::LLVM)
                                  : parsePhase(options.stopAfter);
  if (!last)
    return usageError("unknown phase --stop-after=" + options.stopAfter +
                      " (import, shapes, train, precision, linalg, "
                      "bufferize, gpu, llvm)");
  bool archive = output->isArtifact(ArtifactKind::Object) ||
                 output->isArtifact(ArtifactKind::StaticLibrary);
  if (output->isArtifact(ArtifactKind::SharedLibrary) &&
      options.reflection == "local")
    return usageError("a shared library exports its reflection symbol: "
                      "--reflection=local is for .o and .a");
  if (output->kind != OutputKind::MLIR && *last != Phase::LLVM)
    return usageError("--stop-after writes IR: give a .mlir output");
  request.target = lookupTarget(options.target);
  if (!request.target)
    return usageError("unknown or unsupported --target=" + options.target +
                      " (" + getTargetNames() + ")");
  // A header needs only the signature.
  request.last = output->kind == OutputKind::Header ? Phase::Linalg : *last;

  PipelineOptions &pipeline = request.pipeline;
  pipeline.shapes.assign(options.shapes.begin(), options.shapes.end());
  pipeline.batch = options.batch;
  pipeline.localInfo =
      options.reflection.empty() ? archive : options.reflection == "local";
  pipeline.threads = options.threads;
  pipeline.statistics = options.stats;
  pipeline.precision = options.precision;
  pipeline.ioPrecision = options.ioPrecision;
  pipeline.quantize = options.quantize;
  return checkTraining(options.training, pipeline.train);
}

/// The model in `sourceMgr`'s main buffer, by the frontend for its format.
OwningOpRef<ModuleOp> readModel(const CompilerOptions &options,
                                llvm::SourceMgr &sourceMgr,
                                MLIRContext *context) {
  StringRef input = options.input;
  if (input.ends_with(".json")) {
    ModelImportOptions importOptions;
    importOptions.weightsPath = options.weights;
    importOptions.randomInit = options.init == "random";
    importOptions.seed = options.seed;
    return importModelFile(sourceMgr, context, importOptions);
  }
  if (input.ends_with(".onnx"))
    return importOnnxFile(sourceMgr, context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, context);
  // IR names its weights by an attribute, which --weights overrides.
  if (module && !options.weights.empty())
    (*module)->setAttr(MithrilDialect::kWeightsAttrName,
                       StringAttr::get(context, options.weights));
  return module;
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

/// Runs the target's phases up to `request.last`; false after a
/// diagnostic.
bool runPhases(const CompilerOptions &options, const Request &request,
               ModuleOp module) {
  MLIRContext *context = module.getContext();
  for (Phase phase : getAllPhases()) {
    if (phase > request.last)
      break;
    PassManager pm(context);
    if (failed(applyPassManagerCLOptions(pm)))
      return false;
    if (options.printIRAfterAll) {
      context->disableMultithreading(); // MLIR prints only single-threaded.
      pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                          [](Pass *, Operation *) { return true; },
                          /*printModuleScope=*/true,
                          /*printAfterOnlyOnChange=*/false);
    }
    if (options.timing)
      pm.enableTiming();
    request.target->addPhase(pm, phase, request.pipeline);
    if (failed(pm.run(module)))
      return false;
  }
  return true;
}

/// What --stats prints: the signature's parameters and what the phases
/// recorded.
void printStatistics(ModuleOp module, llvm::raw_ostream &os) {
  std::optional<LibrarySignature> library = getRecordedSignature(module);
  if (!library)
    return;
  size_t parameters = 0;
  for (const auto &entry : library->entries)
    parameters += entry.parameters.size();
  LibraryStatistics statistics = getRecordedStatistics(module);
  os << "model '" << library->name() << "'\n";
  os << "  parameters:        " << parameters << " tensors, "
     << library->parameterBytes() << " bytes\n";
  if (statistics.flops)
    os << "  FLOPs per call:    " << *statistics.flops << "\n";
  if (statistics.arenaBytes)
    os << "  arena:             " << *statistics.arenaBytes
       << " bytes per instance, for " << statistics.arenaBuffers.value_or(0)
       << " buffers of " << statistics.arenaBufferBytes.value_or(0)
       << " bytes without reuse\n";
  if (statistics.allocatedBytes)
    os << "  allocated per call: " << *statistics.allocatedBytes
       << " bytes (buffers with dynamic dims)\n";
  os << "  (dynamic dims counted as 1)\n";
}

} // namespace

int mlir::mithril::runCompiler(const CompilerOptions &options) {
  registerAllTargets();
  Request request;
  if (std::optional<int> status = checkOptions(options, request))
    return *status;

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(options.input, &errorMessage);
  if (!input) {
    llvm::errs() << "mlc-compile: " << errorMessage << "\n";
    return 2;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // GPU targets translate their kernels to LLVM IR inside a pass.
  registerAllToLLVMIRTranslations(registry);
  registry.insert<MithrilDialect>();
  MLIRContext context(registry);
  context.loadDialect<MithrilDialect>();
  context.printOpOnDiagnostic(false);
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  JsonPathDiagnosticHandler jsonPaths(&context);

  OwningOpRef<ModuleOp> module = readModel(options, sourceMgr, &context);
  if (!module || (options.name && failed(renameModel(*module, *options.name))))
    return 2;
  request.pipeline.weights = options.weightsMode == "external"
                                 ? WeightsMode::External
                             : hasWeightSource(*module) ? WeightsMode::Embed
                                                        : WeightsMode::None;
  if (!runPhases(options, request, *module))
    return 2;
  if (options.stats)
    printStatistics(*module, llvm::outs());
  return writeOutputs(options, *request.target, request.output, *module);
}

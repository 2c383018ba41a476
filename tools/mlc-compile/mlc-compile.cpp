//===- mlc-compile.cpp - Mithril's compiler driver ------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mlc-compile MODEL -o OUT [options]` (spec/tools.md): the command line of
// one compilation, which mithril/Driver/Compiler.h runs.
//
//===----------------------------------------------------------------------===//

#include "mithril/Driver/Compiler.h"
#include "mithril/Version.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::mithril;
namespace cl = llvm::cl;

namespace {

/// The options of spec/tools.md. Some names (`stop-after`) are also
/// options of LLVM's code generator, registered when libLLVM loads; ours
/// replace them.
struct Options {
  cl::opt<std::string> input{
      cl::Positional, cl::Required,
      cl::desc("<model.json | model.onnx | model.mlir>")};
  cl::opt<std::string> output{
      "o",
      cl::desc("Output file: .so (default lib<name>.so), .a, .h, .o, .s, "
               ".ll, .ptx (--target=cuda) or .mlir"),
      cl::value_desc("file")};
  cl::opt<std::string> target{
      "target",
      cl::desc("host (default), x86_64, x86_64-avx2, x86_64-avx512, aarch64, "
               "cuda[:sm_80|sm_90]"),
      cl::init("host")};
  cl::opt<std::string> stopAfter{
      "stop-after",
      cl::desc("Stop after this phase and write its IR (.mlir): import, "
               "shapes, train, precision, linalg, bufferize, gpu "
               "(--target=cuda), llvm"),
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
      "precision",
      cl::desc("Compute precision: f32 (default), f16 or bf16 (contractions "
               "on f16/bf16 with f32 sums, parameters stored so; "
               "docs/precision.md)"),
      cl::init("f32")};
  cl::opt<std::string> ioPrecision{
      "io-precision",
      cl::desc("The dtype of the library's float inputs and outputs: model "
               "(default: the model's own), f32, f16 or bf16"),
      cl::init("model")};
  cl::opt<std::string> quantize{
      "quantize",
      cl::desc("int8 weights, symmetric, one scale per output channel: int8 "
               "(weights only) or int8-dynamic (activations quantized per "
               "row at run time too; docs/precision.md)"),
      cl::value_desc("int8|int8-dynamic")};
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
  cl::OptionCategory trainingCategory{"Training (docs/training.md)"};
  cl::opt<bool> train{"train",
                      cl::desc("Also emit a train_step entry: inputs and "
                               "target in, loss out, the parameters and "
                               "optimizer state updated in place"),
                      cl::cat(trainingCategory)};
  cl::opt<std::string> loss{
      "loss", cl::desc("cross_entropy (default), mse, l1, bce_with_logits"),
      cl::cat(trainingCategory)};
  cl::opt<std::string> reduction{"reduction",
                                 cl::desc("The loss's reduction: mean "
                                          "(default) or sum"),
                                 cl::cat(trainingCategory)};
  cl::opt<double> labelSmoothing{"label-smoothing",
                                 cl::desc("CrossEntropyLoss's label_smoothing"),
                                 cl::cat(trainingCategory)};
  cl::opt<int64_t> ignoreIndex{"ignore-index",
                               cl::desc("CrossEntropyLoss's ignore_index "
                                        "(default -100)"),
                               cl::cat(trainingCategory)};
  cl::opt<std::string> optimizer{
      "optimizer",
      cl::desc("sgd, adam (default), adamw, or none: train_step returns the "
               "gradients (grad.<parameter>) instead of updating"),
      cl::cat(trainingCategory)};
  cl::opt<double> lr{"lr",
                     cl::desc("The learning rate (adam, adamw: 1e-3 by "
                              "default; sgd needs one)"),
                     cl::cat(trainingCategory)};
  cl::opt<double> momentum{"momentum", cl::desc("SGD's momentum"),
                           cl::cat(trainingCategory)};
  cl::opt<double> dampening{"dampening", cl::desc("SGD's dampening"),
                            cl::cat(trainingCategory)};
  cl::opt<bool> nesterov{"nesterov", cl::desc("SGD's Nesterov momentum"),
                         cl::cat(trainingCategory)};
  cl::opt<std::string> betas{"betas",
                             cl::desc("Adam's B1,B2 (default 0.9,0.999)"),
                             cl::cat(trainingCategory)};
  cl::opt<double> eps{"eps", cl::desc("Adam's eps (default 1e-8)"),
                      cl::cat(trainingCategory)};
  cl::opt<double> weightDecay{"weight-decay",
                              cl::desc("Weight decay (adamw: 0.01 by "
                                       "default, else 0)"),
                              cl::cat(trainingCategory)};
  cl::opt<bool> inputGradients{
      "input-gradients",
      cl::desc("train_step also returns the gradients of the float inputs "
               "(grad.<input>)"),
      cl::cat(trainingCategory)};
  cl::opt<bool> printIRAfterAll{"print-ir-after-all",
                                cl::desc("Print the IR after every pass")};
  cl::opt<bool> timing{"timing", cl::desc("Time the passes")};

  CompilerOptions get(const char *argv0) const {
    CompilerOptions options;
    options.input = input, options.output = output, options.target = target;
    options.stopAfter = stopAfter;
    options.shapes.assign(shapes.begin(), shapes.end());
    options.batch = batch, options.weights = weights, options.init = init;
    options.seed = seed, options.weightsMode = weightsMode;
    if (name.getNumOccurrences())
      options.name = name;
    options.reflection = reflection, options.precision = precision;
    options.ioPrecision = ioPrecision;
    options.quantize = quantize;
    options.depfile = depfile, options.threads = threads;
    options.stats = stats, options.printIRAfterAll = printIRAfterAll;
    options.timing = timing;
    TrainingFlags &training = options.training;
    training.train = train, training.nesterov = nesterov;
    training.inputGradients = inputGradients;
    auto given = [](auto &flag, auto &out) {
      if (flag.getNumOccurrences())
        out = flag.getValue();
    };
    given(loss, training.loss), given(reduction, training.reduction);
    given(optimizer, training.optimizer), given(betas, training.betas);
    given(lr, training.learningRate), given(momentum, training.momentum);
    given(dampening, training.dampening), given(eps, training.eps);
    given(weightDecay, training.weightDecay);
    given(labelSmoothing, training.labelSmoothing);
    given(ignoreIndex, training.ignoreIndex);
    static int anchor;
    options.executable = llvm::sys::fs::getMainExecutable(
        argv0, reinterpret_cast<void *>(&anchor));
    return options;
  }
};

void unregisterOptions(ArrayRef<StringRef> names) {
  auto &registered = cl::getRegisteredOptions();
  for (StringRef name : names)
    if (auto it = registered.find(name); it != registered.end())
      it->second->removeArgument();
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
  unregisterOptions({"stop-after", "shape", "batch", "weights", "init", "seed",
                     "threads", "target", "print-ir-after-all", "timing",
                     "stats"});
  Options options;
  cl::ParseCommandLineOptions(argc, argv, "Mithril compiler\n");
  return runCompiler(options.get(argv[0]));
}

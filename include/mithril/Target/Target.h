//===- Target.h - What a target provides ------------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A target (a CPU today; CUDA and portable C next) is an implementation of
// `Target`: the passes of its phases, built through the C++ pass API with
// typed options, and the artefacts it writes from the lowered module. The
// phases before the target's own (shapes, linalg) are the same for every
// target. Targets register themselves by family (`registerCPUTarget()`), so
// that `mlc-compile --target=NAME` and mlc-opt find them without a switch
// over names.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_TARGET_H
#define MITHRIL_TARGET_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mlir::mithril {

/// The phases of a compilation, in order (`mlc-compile --stop-after`).
/// `gpu` (kernels outlined) is a GPU target's; other targets add nothing.
enum class Phase {
  Import,
  Shapes,
  Train,
  Precision,
  Linalg,
  Bufferize,
  GPU,
  LLVM
};

/// The phase called `name` (`import`, `shapes`, ...), if any.
std::optional<Phase> parsePhase(StringRef name);
/// The name of `phase`.
StringRef getPhaseName(Phase phase);
/// Every phase, in order.
ArrayRef<Phase> getAllPhases();

/// Where instances of a library find their weights.
enum class WeightsMode {
  /// Given when an instance is created.
  None,
  /// Inside the library.
  Embed,
  /// In `<name>.safetensors` beside the library.
  External
};

/// What a compilation asks of the phases.
/// What `--train` asks for: the loss and optimizer of the train step
/// (docs/training.md), with PyTorch's defaults.
struct TrainOptions {
  bool enabled = false;
  std::string loss = "cross_entropy", reduction = "mean";
  double labelSmoothing = 0;
  int64_t ignoreIndex = -100;
  std::string optimizer = "adam";
  double learningRate = 1e-3, momentum = 0, dampening = 0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0;
  /// Also return the gradients of the inputs (`grad.<input>`).
  bool inputGradients = false;
};

struct PipelineOptions {
  /// The dims the shapes phase fixes: `NAME=DIMS` per input (`--shape`).
  SmallVector<std::string> shapes;
  /// The size every dim `N` gets (`--batch`); -1 leaves it.
  int64_t batch = -1;
  WeightsMode weights = WeightsMode::None;
  /// Whether the library's reflection symbol stays local (a static library
  /// or an object, which other models may be linked with).
  bool localInfo = false;
  /// The threads a call runs on by default: 0 one per core, 1 sequential
  /// code (no threads at all), N > 1 that many.
  int threads = 0;
  /// Whether the phases record the numbers of `--stats` in the module
  /// (mithril-count-flops, mithril-count-memory).
  bool statistics = false;
  TrainOptions train;
  /// The compute precision (`--precision`: f32, f16 or bf16) and the dtype
  /// of float inputs and outputs (`--io-precision`: model keeps them).
  std::string precision = "f32", ioPrecision = "model";
  /// The int8 quantization (`--quantize`: int8, int8-dynamic); empty for
  /// none.
  std::string quantize;
};

/// What a target writes from a module lowered through all its phases.
enum class ArtifactKind {
  LLVMIR,
  Assembly,
  Object,
  StaticLibrary,
  SharedLibrary,
  /// A GPU target's kernels as PTX assembly.
  PTX
};

/// What writing an artefact needs besides the module.
struct EmitOptions {
  /// The safetensors image of the weights embedded in the code (empty for
  /// none).
  StringRef weightsImage;
  /// The folder of libmithril_runtime.so, which a shared library links.
  std::string runtimeDirectory;
  /// The library's name (its first entry's): a static library holds the
  /// object as `<name>.o`.
  std::string libraryName;
};

/// A target: its phases' passes and its artefacts.
class Target {
public:
  virtual ~Target();

  /// The name `--target` gave.
  virtual StringRef getName() const = 0;

  /// Adds the passes of `phase` to `pm`: none for `import` (the frontends'
  /// work), the common ones for `shapes` and `linalg`, and the target's own
  /// for the rest.
  void addPhase(OpPassManager &pm, Phase phase,
                const PipelineOptions &options) const;

  /// Writes `kind` of `module` (lowered through every phase) to `path`,
  /// whole or not at all.
  virtual llvm::Error emit(ModuleOp module, ArtifactKind kind, StringRef path,
                           const EmitOptions &options) const = 0;

protected:
  /// Adds the passes of one of the target's own phases (after `linalg`).
  virtual void addTargetPhase(OpPassManager &pm, Phase phase,
                              const PipelineOptions &options) const = 0;
};

/// The phases every target starts with: bind symbols and inline blocks
/// (`shapes`); with `--train`, the train step beside the model (`train`);
/// catalog ops to linalg and models to functions, whose signature is
/// recorded (`linalg`).
void addShapesPhase(OpPassManager &pm, const PipelineOptions &options);
void addTrainPhase(OpPassManager &pm, const PipelineOptions &options);
void addPrecisionPhase(OpPassManager &pm, const PipelineOptions &options);
void addLinalgPhase(OpPassManager &pm, const PipelineOptions &options);

/// A family of targets (the CPUs, the NVIDIA GPUs, portable C): the names
/// `--target` may give it, and how it makes a target of one.
struct TargetFamily {
  /// The names, for messages: "host, x86_64, ...".
  std::string names;
  /// The target `name` names, or null if it is none of this family's.
  std::function<std::unique_ptr<Target>(StringRef name)> create;
};

/// Adds a family to those `lookupTarget` asks.
void registerTargetFamily(TargetFamily family);

/// The target called `name` by a registered family, or null.
std::unique_ptr<Target> lookupTarget(StringRef name);

/// The names every registered family takes, for messages.
std::string getTargetNames();

/// Registers `mithril-shapes-pipeline` and `mithril-linalg-pipeline` for
/// mlc-opt; each family registers its own pipelines.
void registerCommonPipelines();

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_TARGET_H

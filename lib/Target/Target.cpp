//===- Target.cpp - Phases, the common ones, and the target registry ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/Target.h"

#include "mithril/Codegen/Passes.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ManagedStatic.h"

using namespace mlir;
using namespace mlir::mithril;

//===----------------------------------------------------------------------===//
// Phases
//===----------------------------------------------------------------------===//

static constexpr Phase kPhases[] = {
    Phase::Import, Phase::Shapes,    Phase::Train, Phase::Precision,
    Phase::Linalg, Phase::Bufferize, Phase::GPU,   Phase::LLVM};

ArrayRef<Phase> mlir::mithril::getAllPhases() { return kPhases; }

StringRef mlir::mithril::getPhaseName(Phase phase) {
  switch (phase) {
  case Phase::Import:
    return "import";
  case Phase::Shapes:
    return "shapes";
  case Phase::Train:
    return "train";
  case Phase::Precision:
    return "precision";
  case Phase::Linalg:
    return "linalg";
  case Phase::Bufferize:
    return "bufferize";
  case Phase::GPU:
    return "gpu";
  case Phase::LLVM:
    return "llvm";
  }
  return "";
}

std::optional<Phase> mlir::mithril::parsePhase(StringRef name) {
  for (Phase phase : kPhases)
    if (getPhaseName(phase) == name)
      return phase;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The common phases
//===----------------------------------------------------------------------===//

/// Binds symbols on the hierarchical model (where block inputs still name
/// them), flattens it, refines the flat graph once more, and records how
/// random parameters are drawn while the catalog ops still say it.
void mlir::mithril::addShapesPhase(OpPassManager &pm,
                                   const PipelineOptions &options) {
  MithrilInferShapesOptions specialise;
  specialise.shapes.assign(options.shapes.begin(), options.shapes.end());
  specialise.batch = options.batch;
  pm.addPass(createMithrilInferShapes(specialise));
  pm.addPass(createMithrilInlineBlocks());
  pm.addPass(createMithrilInferShapes());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createMithrilRecordInitRules());
}

/// The train step: a clone of the model with its loss, in train mode,
/// differentiated, its gradients turned into the optimizer's updates.
void mlir::mithril::addTrainPhase(OpPassManager &pm,
                                  const PipelineOptions &options) {
  const TrainOptions &train = options.train;
  if (!train.enabled)
    return;
  MithrilBuildTrainStepOptions loss;
  loss.loss = train.loss;
  loss.reduction = train.reduction;
  loss.labelSmoothing = train.labelSmoothing;
  loss.ignoreIndex = train.ignoreIndex;
  pm.addPass(createMithrilBuildTrainStep(loss));
  pm.addPass(createMithrilTrainMode());
  MithrilDifferentiateOptions differentiate;
  differentiate.inputs = train.inputGradients;
  pm.addPass(createMithrilDifferentiate(differentiate));
  // Without an optimizer, the step returns the gradients (grad.<p>).
  if (train.optimizer == "none") {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    return;
  }
  MithrilApplyOptimizerOptions optimizer;
  optimizer.optimizer = train.optimizer;
  optimizer.lr = train.learningRate;
  optimizer.momentum = train.momentum;
  optimizer.dampening = train.dampening;
  optimizer.nesterov = train.nesterov;
  optimizer.beta1 = train.beta1;
  optimizer.beta2 = train.beta2;
  optimizer.eps = train.eps;
  optimizer.weightDecay = train.weightDecay;
  pm.addPass(createMithrilApplyOptimizer(optimizer));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Mixed precision: contractions on f16/bf16, parameters stored so.
void mlir::mithril::addPrecisionPhase(OpPassManager &pm,
                                      const PipelineOptions &options) {
  if (!options.quantize.empty()) {
    MithrilQuantizeWeightsOptions quantize;
    quantize.mode = options.quantize;
    pm.addPass(createMithrilQuantizeWeights(quantize));
  }
  if (options.precision == "f32" && options.ioPrecision == "model") {
    if (!options.quantize.empty())
      pm.addPass(createCanonicalizerPass());
    return;
  }
  MithrilApplyPrecisionOptions precision;
  precision.precision = options.precision;
  precision.ioPrecision = options.ioPrecision;
  pm.addPass(createMithrilApplyPrecision(precision));
  pm.addPass(createCanonicalizerPass());
}

/// Catalog ops to linalg on tensors, models to functions (whose signature
/// is recorded while the types still carry it), then the fusion of
/// elementwise generics.
void mlir::mithril::addLinalgPhase(OpPassManager &pm,
                                   const PipelineOptions &options) {
  pm.addPass(createConvertMithrilToLinalg());
  pm.addPass(createConvertMithrilModelsToFunctions());
  pm.addPass(createRecordLibrarySignature());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseElementwise());
  pm.addPass(createCSEPass());
  if (options.statistics)
    pm.addPass(createCountFlops());
}

Target::~Target() = default;

void Target::addPhase(OpPassManager &pm, Phase phase,
                      const PipelineOptions &options) const {
  switch (phase) {
  case Phase::Import:
    return;
  case Phase::Shapes:
    return addShapesPhase(pm, options);
  case Phase::Train:
    return addTrainPhase(pm, options);
  case Phase::Precision:
    return addPrecisionPhase(pm, options);
  case Phase::Linalg:
    return addLinalgPhase(pm, options);
  default:
    return addTargetPhase(pm, phase, options);
  }
}

//===----------------------------------------------------------------------===//
// The registry
//===----------------------------------------------------------------------===//

static llvm::ManagedStatic<std::vector<TargetFamily>> families;

void mlir::mithril::registerTargetFamily(TargetFamily family) {
  families->push_back(std::move(family));
}

std::unique_ptr<Target> mlir::mithril::lookupTarget(StringRef name) {
  for (const TargetFamily &family : *families)
    if (std::unique_ptr<Target> target = family.create(name))
      return target;
  return nullptr;
}

std::string mlir::mithril::getTargetNames() {
  SmallVector<StringRef> names;
  for (const TargetFamily &family : *families)
    names.push_back(family.names);
  return llvm::join(names, ", ");
}

void mlir::mithril::registerCommonPipelines() {
  PassPipelineRegistration<>(
      "mithril-shapes-pipeline",
      "Bind symbols, inline blocks, refine every type (the shapes phase)",
      [](OpPassManager &pm) { addShapesPhase(pm, {}); });
  PassPipelineRegistration<>(
      "mithril-linalg-pipeline",
      "Lower the catalog ops to linalg and models to functions (the linalg "
      "phase)",
      [](OpPassManager &pm) { addLinalgPhase(pm, {}); });
}

//===- ApplyOptimizer.cpp - The optimizer's update in a train step --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Turns the gradients a train step returns (`mithril.gradient_of`) into the
// new values of the parameters and of the optimizer's state, returned as
// `mithril.updates`, with the formulas of PyTorch 1.13's single-tensor
// SGD, Adam and AdamW. The state lives beside the parameters, as parameters
// that start from a value instead of the weights:
//
//   optimizer.lr                         the learning rate (settable)
//   optimizer.step                       steps taken (a float, as PyTorch's)
//   optimizer.momentum_buffer.<p>        SGD with momentum
//   optimizer.exp_avg.<p>, optimizer.exp_avg_sq.<p>   Adam, AdamW
//
//===----------------------------------------------------------------------===//

#include "TrainingSupport.h"

#include "mithril/IR/GradientBuilder.h"
#include "mithril/Transforms/Passes.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILAPPLYOPTIMIZER
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The hyperparameters, as the pass's options give them.
struct Hyperparameters {
  StringRef optimizer;
  double momentum, dampening, beta1, beta2, eps, weightDecay;
  bool nesterov;
};

/// Builds the updates of one train step.
class UpdateBuilder {
public:
  UpdateBuilder(ModelOp model, const Hyperparameters &hp, double lr)
      : model(model), hp(hp), builder(model.getReturnOp()),
        g(builder, model.getLoc()) {
    auto scalar =
        RankedTensorType::get({}, Float32Type::get(model.getContext()));
    learningRate = getOrAddState(model, "optimizer.lr", scalar, lr);
    step = getOrAddState(model, "optimizer.step", scalar, 0);
    builder.setInsertionPoint(model.getReturnOp());
  }

  /// The new value of `parameter` from its `gradient`.
  void update(ParameterOp parameter, Value gradient);
  /// The step count's update, after every parameter's.
  void finish();
  bool failed() const { return g.failed(); }

private:
  /// A state of `parameter`'s type, starting from zeros.
  Value state(StringRef kind, ParameterOp parameter) {
    std::string name = ("optimizer." + kind + "." + parameter.getName()).str();
    OpBuilder::InsertionGuard guard(builder);
    ParameterOp state = getOrAddState(
        model, name, cast<RankedTensorType>(parameter.getType()), 0);
    return state.getOutput();
  }
  void setNew(Value state, Value value) {
    updates.emplace_back(state.getDefiningOp<ParameterOp>().getName(), value);
  }
  /// Adam's bias corrections 1 - beta^t of step t = step + 1, in
  /// `elementType`: built once, shared by every parameter.
  std::pair<Value, Value> biasCorrections(Type elementType) {
    auto &corrections = biasCorrectionsByType[elementType];
    if (corrections.first)
      return corrections;
    Value t = g.castTo(g.add(step.getOutput(), g.scalar(1, step.getOutput())),
                       elementType);
    corrections = {g.sub(g.scalar(1, t), g.pow(g.scalar(hp.beta1, t), t)),
                   g.sub(g.scalar(1, t), g.pow(g.scalar(hp.beta2, t), t))};
    return corrections;
  }
  void sgd(ParameterOp parameter, Value p, Value gradient);
  void adam(ParameterOp parameter, Value p, Value gradient);

  ModelOp model;
  const Hyperparameters &hp;
  OpBuilder builder;
  GradientBuilder g;
  ParameterOp learningRate, step;
  llvm::DenseMap<Type, std::pair<Value, Value>> biasCorrectionsByType;
  /// Each state's or parameter's new value, in order.
  SmallVector<std::pair<std::string, Value>> updates;
};

void UpdateBuilder::sgd(ParameterOp parameter, Value p, Value gradient) {
  Value lr =
      g.castTo(learningRate.getOutput(), getElementTypeOrSelf(p.getType()));
  Value d = gradient;
  if (hp.weightDecay != 0)
    d = g.add(d, g.mul(p, g.scalar(hp.weightDecay, p)));
  if (hp.momentum != 0) {
    // The first step's buffer is the gradient itself.
    Value buffer = state("momentum_buffer", parameter);
    Value decayed = g.add(g.mul(buffer, g.scalar(hp.momentum, buffer)),
                          g.mul(d, g.scalar(1 - hp.dampening, d)));
    Value first = g.equal(step.getOutput(), g.scalar(0, step.getOutput()));
    Value next = g.where(first, d, decayed);
    setNew(buffer, next);
    d = hp.nesterov ? g.add(d, g.mul(next, g.scalar(hp.momentum, next))) : next;
  }
  setNew(p, g.sub(p, g.mul(lr, d)));
}

void UpdateBuilder::adam(ParameterOp parameter, Value p, Value gradient) {
  Type elementType = getElementTypeOrSelf(p.getType());
  Value lr = g.castTo(learningRate.getOutput(), elementType);
  Value d = gradient;
  Value weights = p;
  if (hp.optimizer == "adamw")
    weights =
        g.mul(p, g.sub(g.scalar(1, p), g.mul(lr, g.scalar(hp.weightDecay, p))));
  else if (hp.weightDecay != 0)
    d = g.add(d, g.mul(p, g.scalar(hp.weightDecay, p)));
  Value m = state("exp_avg", parameter), v = state("exp_avg_sq", parameter);
  Value newM = g.add(g.mul(m, g.scalar(hp.beta1, m)),
                     g.mul(d, g.scalar(1 - hp.beta1, d)));
  Value newV = g.add(g.mul(v, g.scalar(hp.beta2, v)),
                     g.mul(g.mul(d, d), g.scalar(1 - hp.beta2, d)));
  setNew(m, newM);
  setNew(v, newV);
  auto [correction1, correction2] = biasCorrections(elementType);
  Value stepSize = g.div(lr, correction1);
  Value denominator =
      g.add(g.div(g.sqrt(newV), g.sqrt(correction2)), g.scalar(hp.eps, newV));
  setNew(p, g.sub(weights, g.mul(stepSize, g.div(newM, denominator))));
}

void UpdateBuilder::update(ParameterOp parameter, Value gradient) {
  builder.setInsertionPoint(model.getReturnOp());
  if (hp.optimizer == "sgd")
    sgd(parameter, parameter.getOutput(), gradient);
  else
    adam(parameter, parameter.getOutput(), gradient);
}

void UpdateBuilder::finish() {
  builder.setInsertionPoint(model.getReturnOp());
  Value next = g.add(step.getOutput(), g.scalar(1, step.getOutput()));
  updates.emplace_back(step.getName().str(), next);
  if (g.failed())
    return;
  for (auto &[name, value] : updates)
    appendResult(model, value, MithrilDialect::kUpdatesAttrName, name);
}

struct ApplyOptimizer
    : mithril::impl::MithrilApplyOptimizerBase<ApplyOptimizer> {
  using Base::Base;

  LogicalResult checkOptions(ModelOp model) {
    if (!llvm::is_contained({"sgd", "adam", "adamw"}, StringRef(optimizer)))
      return model.emitError() << "unknown optimizer '" << optimizer
                               << "': expected sgd, adam or adamw";
    if (!(lr >= 0))
      return model.emitError() << "invalid learning rate: " << lr;
    if (!(momentum >= 0) || !(weightDecay >= 0) || !(eps >= 0))
      return model.emitError()
             << "invalid momentum, eps or weight decay (each must be >= 0)";
    if (nesterov && (momentum <= 0 || dampening != 0))
      return model.emitError()
             << "Nesterov momentum requires a momentum and zero dampening";
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
      return model.emitError() << "invalid betas (" << beta1 << ", " << beta2
                               << "): each must be in [0, 1)";
    return success();
  }

  LogicalResult runOnModel(ModelOp model) {
    if (failed(checkOptions(model)))
      return failure();
    Hyperparameters hp{optimizer, momentum, dampening,   beta1,
                       beta2,     eps,      weightDecay, nesterov};
    UpdateBuilder updates(model, hp, lr);
    ReturnOp returnOp = model.getReturnOp();
    // The gradients become updates: they leave the results.
    llvm::BitVector gradientResults(model.getNumResults());
    for (unsigned i = 0; i < model.getNumResults(); ++i) {
      auto name = model.getResultAttrOfType<StringAttr>(
          i, MithrilDialect::kGradientOfAttrName);
      if (!name)
        continue;
      ParameterOp parameter = findParameter(model, name.getValue());
      if (!parameter)
        return model.emitError()
               << "result " << i << " is the gradient of no parameter ('"
               << name.getValue() << "')";
      updates.update(parameter, returnOp.getOperand(i));
      gradientResults.set(i);
    }
    updates.finish();
    if (updates.failed())
      return failure();
    // The updates were appended after the gradients.
    gradientResults.resize(model.getNumResults());
    returnOp->eraseOperands(gradientResults);
    (void)model.eraseResults(gradientResults);
    return success();
  }

  void runOnOperation() override {
    for (ModelOp model : getTrainModels(getOperation()))
      if (failed(runOnModel(model)))
        return signalPassFailure();
  }
};

} // namespace

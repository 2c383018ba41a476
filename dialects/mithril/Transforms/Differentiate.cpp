//===- Differentiate.cpp - Reverse-mode gradients of a train step ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// In each model marked `mithril.train`, builds the gradient of the loss (its
// first result, a float scalar) with respect to every float parameter the
// loss depends on, and returns each as a result marked
// `mithril.gradient_of = "<parameter>"`.
//
// Reverse mode over the model's one block: the ops on the path from a
// parameter to the loss are visited from the last to the first, and each
// builds its operands' gradients from its results' (the op's
// DifferentiableOpInterface; the rules live with the ops). Gradients that
// reach one value from several uses are summed. An op on the path without
// a rule, or one that turns a float on the path into an integer (ArgMax, the
// comparisons, casts), is refused at its location.
//
//===----------------------------------------------------------------------===//

#include "TrainingSupport.h"

#include "mithril/IR/GradientBuilder.h"
#include "mithril/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILDIFFERENTIATE
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The ops between the trainable parameters and the loss.
struct GradientPath {
  /// Values that depend on a trainable parameter.
  llvm::DenseSet<Value> fromParameters;
  /// Ops whose results the loss depends on.
  llvm::DenseSet<Operation *> toLoss;

  bool isActive(Value value) const { return fromParameters.contains(value); }
  bool isOnPath(Operation *op) const {
    return toLoss.contains(op) && llvm::any_of(op->getOperands(), [&](Value v) {
             return isActive(v);
           });
  }
};

GradientPath findPath(Block &body, Value loss, ArrayRef<Value> inputs) {
  GradientPath path;
  path.fromParameters.insert(inputs.begin(), inputs.end());
  for (Operation &op : body) {
    if (auto parameter = dyn_cast<ParameterOp>(op)) {
      if (isDifferentiable(parameter.getOutput()) &&
          !parameter->hasAttr(MithrilDialect::kInitialValueAttrName))
        path.fromParameters.insert(parameter.getOutput());
      continue;
    }
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return path.isActive(v); }))
      for (Value result : op.getResults())
        path.fromParameters.insert(result);
  }
  SmallVector<Operation *> worklist;
  if (Operation *def = loss.getDefiningOp())
    worklist.push_back(def);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!path.toLoss.insert(op).second)
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
  }
  return path;
}

/// Refuses an op on the path that has no gradient rule, or whose result
/// on the path is not a float.
LogicalResult checkDifferentiable(Operation *op, const GradientPath &path) {
  for (Value result : op->getResults())
    if (!isDifferentiable(result) &&
        llvm::any_of(result.getUsers(), [&](Operation *user) {
          return path.toLoss.contains(user);
        }))
      return op->emitOpError()
             << "has no gradient: its result is " << result.getType()
             << ", not a float, but the loss depends through it on a "
                "trained parameter";
  if (!isa<DifferentiableOpInterface>(op))
    return op->emitOpError()
           << "has no gradient, but the loss depends through it on a "
              "trained parameter";
  return success();
}

/// The float inputs of `model` but its target, when `enabled`.
SmallVector<Value> differentiatedInputs(ModelOp model, bool enabled) {
  SmallVector<Value> inputs;
  if (!enabled)
    return inputs;
  for (BlockArgument argument : model.getArguments())
    if (isDifferentiable(argument) &&
        model.getInputName(argument.getArgNumber()) != "target")
      inputs.push_back(argument);
  return inputs;
}

struct Differentiate : mithril::impl::MithrilDifferentiateBase<Differentiate> {
  using Base::Base;
  LogicalResult runOnModel(ModelOp model);

  void runOnOperation() override {
    for (ModelOp model : getTrainModels(getOperation()))
      if (failed(runOnModel(model)))
        return signalPassFailure();
  }
};

LogicalResult Differentiate::runOnModel(ModelOp model) {
  ReturnOp returnOp = model.getReturnOp();
  if (returnOp.getNumOperands() == 0)
    return model.emitError() << "a train step returns its loss first";
  Value loss = returnOp.getOperand(0);
  auto lossType = dyn_cast<RankedTensorType>(loss.getType());
  if (!lossType || lossType.getRank() != 0 ||
      !isa<FloatType>(lossType.getElementType()))
    return model.emitError() << "the loss of @" << model.getSymName() << " is "
                             << loss.getType() << ", not a float scalar";
  Block &body = model.getBody().front();
  SmallVector<Value> inputs = differentiatedInputs(model, this->inputs);
  GradientPath path = findPath(body, loss, inputs);

  // Each gradient is built after everything of the forward pass.
  OpBuilder builder(returnOp);
  llvm::DenseMap<Value, Value> gradients;
  GradientBuilder seed(builder, loss.getLoc());
  gradients[loss] = seed.scalar(1, loss);
  if (seed.failed())
    return failure();

  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    if (path.isOnPath(&op))
      ops.push_back(&op);
  if (failed(propagateGradients(
          builder, ops, gradients,
          [&](Operation *op) { return checkDifferentiable(op, path); },
          [&](Value operand) { return path.isActive(operand); })))
    return failure();

  for (ParameterOp parameter : model.getParameters())
    if (Value gradient = gradients.lookup(parameter.getOutput()))
      appendResult(model, gradient, MithrilDialect::kGradientOfAttrName,
                   parameter.getName());
  for (Value input : inputs) {
    Value gradient = gradients.lookup(input);
    builder.setInsertionPoint(returnOp);
    GradientBuilder g(builder, input.getLoc());
    if (!gradient)
      gradient = g.zerosLike(input);
    if (g.failed())
      return failure();
    unsigned number = cast<BlockArgument>(input).getArgNumber();
    appendResult(model, gradient, MithrilDialect::kNameAttrName,
                 ("grad." + model.getInputName(number)).str());
  }
  return success();
}

} // namespace

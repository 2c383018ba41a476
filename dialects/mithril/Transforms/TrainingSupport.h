//===- TrainingSupport.h - What the training passes share -------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Private to the mithril transforms: finding the train step a module holds
// and growing it by results (gradients, a parameter's new value) and by
// state (parameters that start from a value rather than from the weights).
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TRANSFORMS_TRAININGSUPPORT_H
#define MITHRIL_TRANSFORMS_TRAININGSUPPORT_H

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mithril {

/// The models of `module` marked `mithril.train`.
SmallVector<ModelOp> getTrainModels(ModuleOp module);

/// Appends `value` as a result of `model` with the result attribute `name`
/// = `parameter` (kUpdatesAttrName or kGradientOfAttrName).
void appendResult(ModelOp model, Value value, StringRef name,
                  StringRef parameter);

/// A state parameter of `model` named `name` of `type`, starting from
/// `initialValue` (not read from the weights): the one that exists, or a new
/// one after the model's other parameters.
ParameterOp getOrAddState(ModelOp model, StringRef name, RankedTensorType type,
                          double initialValue);

/// The parameter of `model` named `name`, or null.
ParameterOp findParameter(ModelOp model, StringRef name);

} // namespace mlir::mithril

#endif // MITHRIL_TRANSFORMS_TRAININGSUPPORT_H

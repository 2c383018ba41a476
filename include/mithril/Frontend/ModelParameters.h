//===- ModelParameters.h - The parameters of a model, by full name -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_MODELPARAMETERS_H
#define MITHRIL_FRONTEND_MODELPARAMETERS_H

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::mithril {

/// A parameter of the top model: its `state_dict` name (the instance path
/// joined by dots, then the parameter's own name) and the op declaring it.
struct ModelParameter {
  std::string name;
  ParameterOp op;
};

/// Every parameter of the top model, through all its instances, in order.
std::vector<ModelParameter> collectModelParameters(ModuleOp module);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_MODELPARAMETERS_H

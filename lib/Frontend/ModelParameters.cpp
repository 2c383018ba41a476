//===- ModelParameters.cpp - The parameters of a model, by full name ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/ModelParameters.h"

using namespace mlir;
using namespace mlir::mithril;

static void collect(ModelOp model, StringRef prefix, SymbolTable &symbols,
                    std::vector<ModelParameter> &parameters, unsigned depth) {
  // Models cannot instantiate themselves (the verifier checks); the depth
  // bound only keeps malformed IR from recursing forever.
  if (depth > 256)
    return;
  for (Operation &op : model.getBody().front()) {
    if (auto parameter = dyn_cast<ParameterOp>(op)) {
      parameters.push_back({(prefix + parameter.getName()).str(), parameter});
    } else if (auto instance = dyn_cast<InstanceOp>(op)) {
      if (auto callee = symbols.lookup<ModelOp>(instance.getCallee()))
        collect(callee, (prefix + instance.getName() + ".").str(), symbols,
                parameters, depth + 1);
    }
  }
}

std::vector<ModelParameter>
mlir::mithril::collectModelParameters(ModuleOp module) {
  std::vector<ModelParameter> parameters;
  SymbolTable symbols(module);
  if (ModelOp top = getTopModel(module))
    collect(top, "", symbols, parameters, 0);
  return parameters;
}

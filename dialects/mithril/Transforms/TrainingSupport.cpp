//===- TrainingSupport.cpp - What the training passes share ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "TrainingSupport.h"

using namespace mlir;
using namespace mlir::mithril;

SmallVector<ModelOp> mlir::mithril::getTrainModels(ModuleOp module) {
  SmallVector<ModelOp> models;
  for (ModelOp model : module.getOps<ModelOp>())
    if (model->hasAttr(MithrilDialect::kTrainAttrName))
      models.push_back(model);
  return models;
}

void mlir::mithril::appendResult(ModelOp model, Value value, StringRef name,
                                 StringRef parameter) {
  Builder builder(model.getContext());
  ReturnOp returnOp = model.getReturnOp();
  unsigned index = returnOp.getNumOperands();
  returnOp.getOperandsMutable().append(value);
  NamedAttribute attr(builder.getStringAttr(name),
                      builder.getStringAttr(parameter));
  (void)model.insertResult(index, value.getType(),
                           builder.getDictionaryAttr({attr}));
}

ParameterOp mlir::mithril::findParameter(ModelOp model, StringRef name) {
  for (ParameterOp parameter : model.getParameters())
    if (parameter.getName() == name)
      return parameter;
  return nullptr;
}

ParameterOp mlir::mithril::getOrAddState(ModelOp model, StringRef name,
                                         RankedTensorType type,
                                         double initialValue) {
  if (ParameterOp existing = findParameter(model, name))
    return existing;
  Block &body = model.getBody().front();
  OpBuilder builder(model.getContext());
  ParameterOp last;
  for (ParameterOp parameter : model.getParameters())
    last = parameter;
  if (last)
    builder.setInsertionPointAfter(last);
  else
    builder.setInsertionPointToStart(&body);
  auto state = ParameterOp::create(builder, model.getLoc(), type,
                                   builder.getStringAttr(name));
  state->setAttr(MithrilDialect::kInitialValueAttrName,
                 builder.getF64FloatAttr(initialValue));
  return state;
}

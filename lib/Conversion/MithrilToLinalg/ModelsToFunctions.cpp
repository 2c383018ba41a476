//===- ModelsToFunctions.cpp - Flat models to func.func -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_CONVERTMITHRILMODELSTOFUNCTIONS
#include "mithril/Conversion/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// Whether `model` holds only what a function can: upstream ops, its
/// parameters and its return.
LogicalResult checkLowered(ModelOp model) {
  WalkResult walk = model.getBody().walk([&](Operation *op) {
    if (isa<MithrilDialect>(op->getDialect()) &&
        !isa<ParameterOp, ReturnOp>(op)) {
      op->emitOpError() << "is left in @" << model.getSymName()
                        << ": lower the model first (mithril-inline-blocks, "
                           "convert-mithril-to-linalg)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// Replaces `model` by a function taking its inputs, then its parameters.
void convertModel(ModelOp model) {
  OpBuilder builder(model);
  Block &body = model.getBody().front();
  SmallVector<ParameterOp> parameters(body.getOps<ParameterOp>());

  SmallVector<Type> inputs(model.getArgumentTypes());
  for (ParameterOp parameter : parameters)
    inputs.push_back(parameter.getType());
  auto type = builder.getFunctionType(inputs, model.getResultTypes());
  auto function =
      func::FuncOp::create(builder, model.getLoc(), model.getSymName(), type);
  function->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
  for (unsigned i = 0; i < model.getNumArguments(); ++i)
    function.setArgAttrs(i, model.getArgAttrDict(i));
  for (auto [i, parameter] : llvm::enumerate(parameters)) {
    function.setArgAttr(model.getNumArguments() + i,
                        MithrilDialect::kParameterAttrName,
                        parameter.getNameAttr());
    for (StringRef name : {MithrilDialect::kInitialValueAttrName,
                           MithrilDialect::kModelDTypeAttrName,
                           MithrilDialect::kQuantizedAxisAttrName,
                           MithrilDialect::kScaleOfAttrName})
      if (Attribute value = parameter->getAttr(name))
        function.setArgAttr(model.getNumArguments() + i, name, value);
  }
  for (unsigned i = 0; i < model.getNumResults(); ++i)
    function.setResultAttrs(i, model.getResultAttrDict(i));
  // Inputs and weights belong to the caller: bufferization must never
  // write into them in place.
  for (unsigned i = 0; i < function.getNumArguments(); ++i)
    function.setArgAttr(i, "bufferization.writable",
                        builder.getBoolAttr(false));

  // Move the body over; parameters become the trailing arguments.
  function.getBody().takeBody(model.getBody());
  Block &entry = function.getBody().front();
  for (ParameterOp parameter : parameters) {
    BlockArgument argument =
        entry.addArgument(parameter.getType(), parameter.getLoc());
    parameter.replaceAllUsesWith(argument);
    parameter.erase();
  }
  auto returnOp = cast<ReturnOp>(entry.getTerminator());
  builder.setInsertionPoint(returnOp);
  func::ReturnOp::create(builder, returnOp.getLoc(), returnOp.getOperands());
  returnOp.erase();
  model.erase();
}

struct ConvertMithrilModelsToFunctions
    : mithril::impl::ConvertMithrilModelsToFunctionsBase<
          ConvertMithrilModelsToFunctions> {
  void runOnOperation() override {
    SmallVector<ModelOp> models(getOperation().getOps<ModelOp>());
    for (ModelOp model : models)
      if (failed(checkLowered(model)))
        return signalPassFailure();
    for (ModelOp model : models)
      convertModel(model);
  }
};

} // namespace

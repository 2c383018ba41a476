//===- InferShapes.cpp - Refine result types through the graph ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"
#include "mithril/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILINFERSHAPES
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// Sets the results of `op` to their refinement with `types`; fails (with
/// an error at `op`) where they conflict.
LogicalResult refineResults(Operation *op, TypeRange types) {
  if (types.size() != op->getNumResults())
    return op->emitOpError() << "infers " << types.size()
                             << " results, but has " << op->getNumResults();
  for (auto [result, type] : llvm::zip_equal(op->getResults(), types)) {
    Type refined = refineType(result.getType(), type);
    if (!refined)
      return op->emitOpError() << "result type " << result.getType()
                               << " conflicts with the inferred " << type;
    result.setType(refined);
  }
  return success();
}

/// Refines the result types of the ops of `model`, then its output types.
LogicalResult inferModel(ModelOp model, SymbolTableCollection &symbols) {
  WalkResult walk = model.getBody().walk([&](Operation *op) {
    SmallVector<Type> inferred;
    if (auto instance = dyn_cast<InstanceOp>(op)) {
      auto callee = symbols.lookupNearestSymbolFrom<ModelOp>(
          instance, instance.getCalleeAttr());
      if (!callee)
        return WalkResult::advance(); // The verifier reports it.
      llvm::append_range(inferred, callee.getFunctionType().getResults());
    } else if (auto inference = dyn_cast<InferTypeOpInterface>(op)) {
      if (failed(inference.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
              op->getRegions(), inferred)))
        return WalkResult::interrupt();
    } else {
      return WalkResult::advance();
    }
    return failed(refineResults(op, inferred)) ? WalkResult::interrupt()
                                               : WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  SmallVector<Type> outputs;
  FunctionType type = model.getFunctionType();
  ReturnOp returnOp = model.getReturnOp();
  for (auto [i, declared, value] :
       llvm::enumerate(type.getResults(), returnOp.getOperands())) {
    Type refined = refineType(declared, value.getType());
    if (!refined)
      return returnOp.emitOpError()
             << "returns " << value.getType() << " for output " << i
             << ", which @" << model.getSymName() << " declares as "
             << declared;
    outputs.push_back(refined);
  }
  model.setFunctionType(
      FunctionType::get(model.getContext(), type.getInputs(), outputs));
  return success();
}

/// Appends `model` to `order` after the models it instantiates.
void visitInPostOrder(ModelOp model, SymbolTableCollection &symbols,
                      llvm::SetVector<Operation *> &order,
                      llvm::SmallPtrSetImpl<Operation *> &visiting) {
  if (order.contains(model) || !visiting.insert(model).second)
    return; // Done, or a cycle (which the verifier rejects).
  model.walk([&](InstanceOp instance) {
    if (auto callee = symbols.lookupNearestSymbolFrom<ModelOp>(
            instance, instance.getCalleeAttr()))
      visitInPostOrder(callee, symbols, order, visiting);
  });
  order.insert(model);
}

struct MithrilInferShapes
    : mithril::impl::MithrilInferShapesBase<MithrilInferShapes> {
  void runOnOperation() override {
    SymbolTableCollection symbols;
    llvm::SetVector<Operation *> order;
    llvm::SmallPtrSet<Operation *, 8> visiting;
    for (auto model : getOperation().getOps<ModelOp>())
      visitInPostOrder(model, symbols, order, visiting);
    for (Operation *model : order)
      if (failed(inferModel(cast<ModelOp>(model), symbols)))
        return signalPassFailure();
  }
};

} // namespace

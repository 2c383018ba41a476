//===- CreateInferred.cpp - Ops built with the types they infer -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/CreateInferred.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace mlir::mithril;

unsigned mlir::mithril::getFixedResultCount(OperationName name) {
  if (name.hasTrait<OpTrait::OneResult>())
    return 1;
  if (name.hasTrait<OpTrait::ZeroResults>())
    return 0;
  // NResults<N> has no trait to ask for N; such ops get their count from
  // inference, like variadic ones.
  return 0;
}

Operation *mlir::mithril::createInferred(OpBuilder &builder,
                                         OperationState &state) {
  // The op is created first: its properties, which inference reads, exist
  // only once it does.
  state.types.assign(getFixedResultCount(state.name), builder.getNoneType());
  Operation *op = builder.create(state);
  auto inference = dyn_cast<InferTypeOpInterface>(op);
  SmallVector<Type> types;
  if (!inference || failed(inference.inferReturnTypes(
                        op->getContext(), op->getLoc(), op->getOperands(),
                        op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
                        op->getRegions(), types))) {
    if (!inference)
      op->emitError("cannot infer the result types of ") << op->getName();
    op->erase();
    return nullptr;
  }
  if (types.size() == op->getNumResults()) {
    for (auto [result, type] : llvm::zip_equal(op->getResults(), types))
      result.setType(type);
  } else {
    op->erase();
    state.types.assign(types.begin(), types.end());
    op = builder.create(state);
  }
  if (failed(verify(op))) {
    op->erase();
    return nullptr;
  }
  return op;
}

//===- CreateInferred.h - Ops built with the types they infer ---*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The importers build ops from user input, whose types may not fit: ODS's
// type-inferring builders abort the process when inference fails. These
// build an op with ODS's typed builder (or from an OperationState), then
// give it the result types its inference gives and verify it, reporting a
// failure as a diagnostic and returning null instead.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_CREATEINFERRED_H
#define MITHRIL_IR_CREATEINFERRED_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir::mithril {

/// Creates the op `state` describes (its result types left out) with the
/// types its InferTypeOpInterface gives, and verifies it. Null, with the
/// op erased, after a diagnostic of the inference or the verifier.
Operation *createInferred(OpBuilder &builder, OperationState &state);

/// The number of results an op of `name` has where its traits fix it
/// (none for variadic results: inference then decides).
unsigned getFixedResultCount(OperationName name);

/// `OpTy` built by ODS's typed builder from `args` (its operands and
/// attributes, as `OpTy::build(builder, state, resultTypes, args...)` takes
/// them), typed by its inference; null after a diagnostic.
template <typename OpTy, typename... Args>
OpTy createInferred(OpBuilder &builder, Location loc, Args &&...args) {
  OperationState state(loc, OpTy::getOperationName());
  SmallVector<Type> placeholders(getFixedResultCount(state.name),
                                 builder.getNoneType());
  OpTy::build(builder, state, TypeRange(placeholders),
              std::forward<Args>(args)...);
  return cast_or_null<OpTy>(createInferred(builder, state));
}

} // namespace mlir::mithril

#endif // MITHRIL_IR_CREATEINFERRED_H

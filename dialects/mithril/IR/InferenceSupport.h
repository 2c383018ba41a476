//===- InferenceSupport.h - Helpers for the ops' type inference -*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Private to the dialect's IR library: the checks that the ops' type
// inference shares, each reporting an upstream-style diagnostic
// ("'mithril.conv2d' op expected input rank (3) to be 4").
//
// Inference runs both from the verifier (with a location: errors are
// reported) and from builders and passes probing a type (without one: the
// same checks fail silently), so every check goes through `InferenceErrors`.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_INFERENCESUPPORT_H
#define MITHRIL_IR_INFERENCESUPPORT_H

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Diagnostics.h"

namespace mlir::mithril::detail {

/// Reports the errors of one op's type inference as its verifier would.
class InferenceErrors {
public:
  InferenceErrors(std::optional<Location> loc, StringRef opName)
      : loc(loc), opName(opName) {}

  /// Emits `'<op>' op <args...>` when there is a location; always fails.
  template <typename... Args> LogicalResult operator()(Args &&...args) const {
    return emitOptionalError(loc, "'", opName, "' op ",
                             std::forward<Args>(args)...);
  }

  /// Checks that `type`, called `what`, has rank `rank`.
  LogicalResult checkRank(StringRef what, RankedTensorType type,
                          int64_t rank) const;

  /// Checks that `type` has rank at least `rank`.
  LogicalResult checkMinRank(StringRef what, RankedTensorType type,
                             int64_t rank) const;

  /// Checks that `type` has a shape compatible with `shape` (a parameter's
  /// expected shape): "expected weight shape ([10, 32]) to be [10, 64]".
  LogicalResult checkShape(StringRef what, RankedTensorType type,
                           ArrayRef<int64_t> shape) const;

  /// Checks that dim `dim` of `type` is compatible with `expected`, which
  /// the attribute or operand `expectedName` gives.
  LogicalResult checkDim(StringRef what, RankedTensorType type, int64_t dim,
                         int64_t expected, StringRef expectedName) const;

  /// Checks that `type` has the element type `elementType` of `reference`.
  LogicalResult checkElementType(StringRef what, RankedTensorType type,
                                 StringRef reference, Type elementType) const;

  /// Normalises the PyTorch dim `dim` (an attribute called `what`) for a
  /// tensor of rank `rank`, or reports it out of range.
  FailureOr<int64_t> normalize(StringRef what, int64_t dim, int64_t rank) const;

  /// Checks that every entry of `values` (an attribute called `what`) is
  /// positive and that there are `count` of them.
  LogicalResult checkPositive(StringRef what, ArrayRef<int64_t> values,
                              size_t count) const;

private:
  std::optional<Location> loc;
  StringRef opName;
};

/// The ranked tensor type of `value` (operands are verified ranked tensors
/// by the time inference runs, but a builder may pass anything).
inline RankedTensorType tensorTypeOf(Value value) {
  return value ? dyn_cast<RankedTensorType>(value.getType()) : nullptr;
}

/// Appends `RankedTensorType(shape, elementType)` to `types`; succeeds.
inline LogicalResult pushTensor(SmallVectorImpl<Type> &types,
                                ArrayRef<int64_t> shape, Type elementType) {
  types.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

} // namespace mlir::mithril::detail

#endif // MITHRIL_IR_INFERENCESUPPORT_H

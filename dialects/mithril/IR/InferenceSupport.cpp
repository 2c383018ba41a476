//===- InferenceSupport.cpp - Helpers for the ops' type inference ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "InferenceSupport.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::detail;

LogicalResult InferenceErrors::checkRank(StringRef what, RankedTensorType type,
                                         int64_t rank) const {
  if (type.getRank() != rank)
    return (*this)("expected ", what, " rank (", type.getRank(), ") to be ",
                   rank);
  return success();
}

LogicalResult InferenceErrors::checkMinRank(StringRef what,
                                            RankedTensorType type,
                                            int64_t rank) const {
  if (type.getRank() < rank)
    return (*this)("expected ", what, " rank (", type.getRank(),
                   ") to be at least ", rank);
  return success();
}

LogicalResult InferenceErrors::checkShape(StringRef what, RankedTensorType type,
                                          ArrayRef<int64_t> shape) const {
  ArrayRef<int64_t> actual = type.getShape();
  if (actual.size() != shape.size() ||
      !llvm::all_of(llvm::zip_equal(actual, shape), [](auto dims) {
        return areCompatibleDims(std::get<0>(dims), std::get<1>(dims));
      }))
    return (*this)("expected ", what, " shape (", formatShape(actual),
                   ") to be ", formatShape(shape));
  return success();
}

LogicalResult InferenceErrors::checkDim(StringRef what, RankedTensorType type,
                                        int64_t dim, int64_t expected,
                                        StringRef expectedName) const {
  int64_t actual = type.getDimSize(dim);
  if (!areCompatibleDims(actual, expected))
    return (*this)("expected ", what, " dim ", dim, " (", actual, ") to be ",
                   expectedName, " (", expected, ")");
  return success();
}

LogicalResult InferenceErrors::checkElementType(StringRef what,
                                                RankedTensorType type,
                                                StringRef reference,
                                                Type elementType) const {
  if (type.getElementType() != elementType)
    return (*this)("expected ", what, " element type (", type.getElementType(),
                   ") to be ", reference, "'s element type (", elementType,
                   ")");
  return success();
}

FailureOr<int64_t> InferenceErrors::normalize(StringRef what, int64_t dim,
                                              int64_t rank) const {
  if (std::optional<int64_t> normalized = normalizeDim(dim, rank))
    return *normalized;
  if (rank == 0)
    return (*this)("expected ", what, " (", dim,
                   ") to be a dim of the input, which has rank 0");
  return (*this)("expected ", what, " (", dim, ") to be in [", -rank, ", ",
                 rank - 1, "]");
}

LogicalResult InferenceErrors::checkPositive(StringRef what,
                                             ArrayRef<int64_t> values,
                                             size_t count) const {
  if (values.size() != count)
    return (*this)("expected ", what, " to have ", count, " entries, got ",
                   values.size());
  if (llvm::any_of(values, [](int64_t v) { return v <= 0; }))
    return (*this)("expected ", what, " (", formatShape(values),
                   ") to be positive");
  return success();
}

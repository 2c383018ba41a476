//===- ReductionOps.cpp - Reductions, softmax and losses ------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "InferenceSupport.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::detail;

/// The normalised, unique dims of a reduction (all of them when `dims` is
/// absent).
static FailureOr<SmallVector<int64_t>>
reductionDims(const InferenceErrors &error,
              std::optional<ArrayRef<int64_t>> dims, int64_t rank) {
  if (!dims)
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<int64_t> result;
  for (int64_t dim : *dims) {
    // torch reduces a rank-0 tensor over dim 0 or -1.
    FailureOr<int64_t> index =
        error.normalize("dim", dim, std::max<int64_t>(rank, 1));
    if (failed(index))
      return failure();
    if (llvm::is_contained(result, *index))
      return error("expected dim (", formatShape(*dims),
                   ") to name each dim once");
    if (rank > 0)
      result.push_back(*index);
  }
  return result;
}

/// Infers a reduction over `dim` (optional) with `keepdim`, giving
/// `elementType`.
template <typename ReduceOp>
static LogicalResult
inferReduction(std::optional<Location> loc, typename ReduceOp::Adaptor adaptor,
               Type elementType, SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, ReduceOp::getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  auto dims = reductionDims(error, adaptor.getDim(), input.getRank());
  if (failed(dims))
    return failure();
  return pushTensor(types,
                    reduceShape(input.getShape(), *dims, adaptor.getKeepdim()),
                    elementType ? elementType : input.getElementType());
}

LogicalResult SumOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  // As in PyTorch, integers and bools sum to i64.
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  Type elementType = input.getElementType();
  if (!isa<FloatType>(elementType))
    elementType = IntegerType::get(context, 64);
  return inferReduction<SumOp>(loc, adaptor, elementType, types);
}

LogicalResult MeanOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  return inferReduction<MeanOp>(loc, adaptor, nullptr, types);
}

LogicalResult MaxOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferReduction<MaxOp>(loc, adaptor, nullptr, types);
}

LogicalResult MinOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferReduction<MinOp>(loc, adaptor, nullptr, types);
}

LogicalResult VarianceOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  if (adaptor.getCorrection() < 0)
    return InferenceErrors(loc, getOperationName())("expected correction (",
                                                    adaptor.getCorrection(),
                                                    ") to be non-negative");
  return inferReduction<VarianceOp>(loc, adaptor, nullptr, types);
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  // One dim, or none: the index into the flattened input.
  std::optional<int64_t> dim = adaptor.getDim();
  std::optional<ArrayRef<int64_t>> dimList;
  if (dim)
    dimList = ArrayRef<int64_t>(*dim);
  FailureOr<SmallVector<int64_t>> dims =
      reductionDims(error, dimList, input.getRank());
  if (failed(dims))
    return failure();
  return pushTensor(types,
                    reduceShape(input.getShape(), *dims, adaptor.getKeepdim()),
                    IntegerType::get(context, 64));
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

template <typename SoftmaxOp>
static LogicalResult inferSoftmax(std::optional<Location> loc,
                                  typename SoftmaxOp::Adaptor adaptor,
                                  SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, SoftmaxOp::getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input || failed(error.normalize("dim", adaptor.getDim(),
                                       std::max<int64_t>(input.getRank(), 1))))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferSoftmax<SoftmaxOp>(loc, adaptor, types);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferSoftmax<LogSoftmaxOp>(loc, adaptor, types);
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

/// The result of a loss: `perSample` for `reduction = "none"`, a rank-0
/// tensor for "mean" and "sum".
static LogicalResult inferLossResult(const InferenceErrors &error,
                                     StringRef reduction,
                                     ArrayRef<int64_t> perSample,
                                     Type elementType,
                                     SmallVectorImpl<Type> &types) {
  if (reduction == "none")
    return pushTensor(types, perSample, elementType);
  if (reduction == "mean" || reduction == "sum")
    return pushTensor(types, {}, elementType);
  return error("expected reduction (\"", reduction,
               "\") to be \"mean\", \"sum\" or \"none\"");
}

LogicalResult
CrossEntropyLossOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                     Adaptor adaptor,
                                     SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType target = tensorTypeOf(adaptor.getTarget());
  if (!input || !target || failed(error.checkMinRank("input", input, 1)))
    return failure();
  // Per-sample losses: the input without its class dim (dim 1, or dim 0
  // for an unbatched [C] input).
  SmallVector<int64_t> samples(input.getShape());
  samples.erase(samples.begin() + (input.getRank() == 1 ? 0 : 1));

  Type targetType = target.getElementType();
  if (isa<FloatType>(targetType)) {
    // Class probabilities, shaped like the input.
    if (failed(error.checkElementType("target", target, "input",
                                      input.getElementType())) ||
        failed(error.checkShape("target", target, input.getShape())))
      return failure();
  } else if (targetType.isInteger(64) || targetType.isInteger(32)) {
    if (failed(error.checkShape("target", target, samples)))
      return failure();
  } else {
    return error("expected target element type (", targetType,
                 ") to be an index type (i64, i32) or input's (",
                 input.getElementType(), ")");
  }
  return inferLossResult(error, adaptor.getReduction(), samples,
                         input.getElementType(), types);
}

LogicalResult MSELossOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType target = tensorTypeOf(adaptor.getTarget());
  if (!input || !target ||
      failed(error.checkElementType("target", target, "input",
                                    input.getElementType())))
    return failure();
  auto shape = broadcastShapes(input.getShape(), target.getShape());
  if (!shape)
    return error("expected input shape (", formatShape(input.getShape()),
                 ") and target shape (", formatShape(target.getShape()),
                 ") to be broadcast-compatible");
  return inferLossResult(error, adaptor.getReduction(), *shape,
                         input.getElementType(), types);
}

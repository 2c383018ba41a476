//===- GradientOps.cpp - Ops that gradients and training build ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Type inference and verifiers of the ops in MithrilGradientOps.td. Most
// take their result's shape from an operand whose values they do not read.
//
//===----------------------------------------------------------------------===//

#include "GradientBuilder.h"
#include "InferenceSupport.h"
#include "ShapeUtils.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::detail;

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType like = tensorTypeOf(adaptor.getLike());
  if (!input || !like)
    return failure();
  auto shape = broadcastShapes(input.getShape(), like.getShape());
  if (!shape || shape->size() != like.getShape().size())
    return error("expected input shape (", formatShape(input.getShape()),
                 ") to broadcast to ", formatShape(like.getShape()));
  return pushTensor(types, like.getShape(), input.getElementType());
}

LogicalResult ReshapeAsOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType like = tensorTypeOf(adaptor.getLike());
  if (!input || !like)
    return failure();
  if (input.hasStaticShape() && like.hasStaticShape() &&
      input.getNumElements() != like.getNumElements())
    return error("expected input shape (", formatShape(input.getShape()),
                 ") to have as many elements as ",
                 formatShape(like.getShape()));
  return pushTensor(types, like.getShape(), input.getElementType());
}

LogicalResult ReducedSizeOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  if (auto dims = adaptor.getDim())
    for (int64_t dim : *dims)
      if (failed(error.normalize("dim", dim, input.getRank())))
        return failure();
  return pushTensor(types, {}, input.getElementType());
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType target = tensorTypeOf(adaptor.getTarget());
  RankedTensorType like = tensorTypeOf(adaptor.getLike());
  if (!target || !like)
    return failure();
  if (failed(error.checkMinRank("like", like, 1)))
    return failure();
  // The target has the logits' shape without the class dim.
  SmallVector<int64_t> expected(like.getShape());
  expected.erase(expected.begin() + (like.getRank() == 1 ? 0 : 1));
  if (failed(error.checkShape("target", target, expected)))
    return failure();
  return pushTensor(types, like.getShape(), like.getElementType());
}

LogicalResult RandomMaskOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType counter = tensorTypeOf(adaptor.getCounter());
  if (!input || !counter || failed(error.checkRank("counter", counter, 0)))
    return failure();
  double p = adaptor.getP().convertToDouble();
  if (!(p >= 0 && p < 1))
    return error("expected p (", p, ") to be in [0, 1)");
  types.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Adjoints of windowed ops
//===----------------------------------------------------------------------===//

/// The result type of an adjoint: that of the operand it is the gradient
/// of, whose values it does not read.
static LogicalResult typeOfOperand(Value operand,
                                   SmallVectorImpl<Type> &types) {
  RankedTensorType type = tensorTypeOf(operand);
  if (!type)
    return failure();
  types.push_back(type);
  return success();
}

/// Checks the window attributes of a convolution adjoint with `spatial`
/// spatial dims.
static LogicalResult verifyConvGrad(Operation *op, RankedTensorType weight,
                                    ArrayRef<int64_t> stride,
                                    ArrayRef<int64_t> padding,
                                    ArrayRef<int64_t> dilation) {
  int64_t spatial = weight.getRank() - 2;
  if (spatial < 1 || int64_t(stride.size()) != spatial ||
      int64_t(dilation.size()) != spatial ||
      int64_t(padding.size()) != 2 * spatial)
    return op->emitOpError("expected stride and dilation of ")
           << spatial << " entries and padding of " << 2 * spatial;
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t extent = dilation[i] * (weight.getDimSize(2 + i) - 1);
    if (padding[2 * i] > extent || padding[2 * i + 1] > extent)
      return op->emitOpError("expected each padding to be at most ")
             << extent << " (dilation * (kernel - 1))";
  }
  return success();
}

LogicalResult ConvGradInputOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location>,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  return typeOfOperand(adaptor.getInput(), types);
}

LogicalResult ConvGradInputOp::verify() {
  return verifyConvGrad(*this, getWeight().getType(), getStride(), getPadding(),
                        getDilation());
}

LogicalResult ConvGradWeightOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location>,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  return typeOfOperand(adaptor.getWeight(), types);
}

LogicalResult ConvGradWeightOp::verify() {
  return verifyConvGrad(*this, getWeight().getType(), getStride(), getPadding(),
                        getDilation());
}

LogicalResult Pool2dGradOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location>,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return typeOfOperand(adaptor.getInput(), types);
}

LogicalResult Pool2dGradOp::verify() {
  if (getKind() != "max" && getKind() != "avg")
    return emitOpError("expected kind \"max\" or \"avg\", got \"")
           << getKind() << "\"";
  if (getKernelSize().size() != 2 || getStride().size() != 2 ||
      getPadding().size() != 2)
    return emitOpError("expected kernel_size, stride and padding of 2 "
                       "entries");
  return success();
}

LogicalResult SliceGradOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return typeOfOperand(adaptor.getInput(), types);
}

LogicalResult GatherGradOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location>,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return typeOfOperand(adaptor.getInput(), types);
}

LogicalResult EmbeddingGradOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location>,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  return typeOfOperand(adaptor.getWeight(), types);
}

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//
//
// The ops that read only the shape of an operand pass no gradient to it.

FailureOr<SmallVector<Value>>
BroadcastToOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value dx = g.sumToShapeOf(outputGradients[0], getInput());
  if (g.failed())
    return failure();
  return SmallVector<Value>{dx, nullptr};
}

FailureOr<SmallVector<Value>>
ReshapeAsOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value dx = g.reshapeAs(outputGradients[0], getInput());
  if (g.failed())
    return failure();
  return SmallVector<Value>{dx, nullptr};
}

FailureOr<SmallVector<Value>> ReducedSizeOp::buildGradients(OpBuilder &,
                                                            ValueRange) {
  return SmallVector<Value>{nullptr};
}

FailureOr<SmallVector<Value>> OneHotOp::buildGradients(OpBuilder &,
                                                       ValueRange) {
  return SmallVector<Value>{nullptr, nullptr};
}

FailureOr<SmallVector<Value>> RandomMaskOp::buildGradients(OpBuilder &,
                                                           ValueRange) {
  return SmallVector<Value>{nullptr, nullptr};
}

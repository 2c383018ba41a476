//===- ElementwiseOps.cpp - Activations and elementwise ops ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Type inference of the broadcasting ops, verifiers and folders of the
// elementwise ops. (Unary ops infer their input's type in ODS.)
//
//===----------------------------------------------------------------------===//

#include "InferenceSupport.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::detail;

/// The NumPy broadcast of `left` and `right`, which have one element type.
static FailureOr<SmallVector<int64_t>>
broadcastOperands(const InferenceErrors &error, RankedTensorType left,
                  RankedTensorType right) {
  if (failed(error.checkElementType("right", right, "left",
                                    left.getElementType())))
    return failure();
  auto shape = broadcastShapes(left.getShape(), right.getShape());
  if (!shape)
    return error("expected operand shapes (", formatShape(left.getShape()),
                 " and ", formatShape(right.getShape()),
                 ") to be broadcast-compatible");
  return *shape;
}

/// Infers a binary op's result: the broadcast shape, with `elementType`, or
/// the operands' element type when null.
template <typename BinaryOp>
static LogicalResult
inferBinary(std::optional<Location> loc, typename BinaryOp::Adaptor adaptor,
            SmallVectorImpl<Type> &types, Type elementType = nullptr) {
  InferenceErrors error(loc, BinaryOp::getOperationName());
  RankedTensorType left = tensorTypeOf(adaptor.getLeft());
  RankedTensorType right = tensorTypeOf(adaptor.getRight());
  if (!left || !right)
    return failure();
  FailureOr<SmallVector<int64_t>> shape = broadcastOperands(error, left, right);
  if (failed(shape))
    return failure();
  return pushTensor(types, *shape,
                    elementType ? elementType : left.getElementType());
}

// The binary ops differ only in their result's element type: the operands'
// (null) or bool.
#define MITHRIL_BINARY_INFERENCE(Op, elementType)                              \
  LogicalResult Op::inferReturnTypes(                                          \
      MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,      \
      SmallVectorImpl<Type> &types) {                                          \
    return inferBinary<Op>(loc, adaptor, types, elementType);                  \
  }

MITHRIL_BINARY_INFERENCE(AddOp, nullptr)
MITHRIL_BINARY_INFERENCE(SubOp, nullptr)
MITHRIL_BINARY_INFERENCE(MulOp, nullptr)
MITHRIL_BINARY_INFERENCE(PowOp, nullptr)
MITHRIL_BINARY_INFERENCE(MaximumOp, nullptr)
MITHRIL_BINARY_INFERENCE(MinimumOp, nullptr)
MITHRIL_BINARY_INFERENCE(EqualOp, IntegerType::get(context, 1))
MITHRIL_BINARY_INFERENCE(LessOp, IntegerType::get(context, 1))
MITHRIL_BINARY_INFERENCE(GreaterOp, IntegerType::get(context, 1))
#undef MITHRIL_BINARY_INFERENCE

LogicalResult DivOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  // True division: integers divide to f32, as in PyTorch.
  RankedTensorType left = tensorTypeOf(adaptor.getLeft());
  if (!left)
    return failure();
  Type elementType = left.getElementType();
  if (!isa<FloatType>(elementType))
    elementType = Float32Type::get(context);
  return inferBinary<DivOp>(loc, adaptor, types, elementType);
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType condition = tensorTypeOf(adaptor.getCondition());
  RankedTensorType left = tensorTypeOf(adaptor.getLeft());
  RankedTensorType right = tensorTypeOf(adaptor.getRight());
  if (!condition || !left || !right)
    return failure();
  FailureOr<SmallVector<int64_t>> values =
      broadcastOperands(error, left, right);
  if (failed(values))
    return failure();
  auto shape = broadcastShapes(condition.getShape(), *values);
  if (!shape)
    return error(
        "expected condition shape (", formatShape(condition.getShape()),
        ") to broadcast with the values' shape (", formatShape(*values), ")");
  return pushTensor(types, *shape, left.getElementType());
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input || !adaptor.getDtypeAttr())
    return failure();
  return pushTensor(types, input.getShape(), adaptor.getDtype());
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // A float widened exactly and cast back is itself (f16 -> f32 -> f16).
  auto widened = getInput().getDefiningOp<CastOp>();
  if (widened && widened.getInput().getType() == getType() &&
      widensExactly(getDtype(), widened.getDtype()))
    return widened.getInput();
  return {};
}

LogicalResult GELUOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError() << "expected approximate (\"" << getApproximate()
                         << "\") to be \"none\" or \"tanh\"";
  return success();
}

LogicalResult DropoutOp::verify() {
  double p = getP().convertToDouble();
  if (!(p >= 0.0 && p <= 1.0))
    return emitOpError() << "expected p (" << p << ") to be in [0, 1]";
  return success();
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  // Identity at inference. A result type more refined than the input's
  // would change the value's type, so that case stays.
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===- ShapeGradients.cpp - Gradients of the shape ops and matmul ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The vector-Jacobian products of the ops that move elements (the gradient
// moves back the same way) and of matmul.
//
//===----------------------------------------------------------------------===//

#include "GradientBuilder.h"

using namespace mlir;
using namespace mlir::mithril;

/// The gradient of an op that only reshapes its first operand.
static FailureOr<SmallVector<Value>>
reshapeGradient(Operation *op, OpBuilder &builder, ValueRange grads) {
  if (!isDifferentiable(op->getOperand(0)))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, op->getLoc());
  return g.finish({g.reshapeAs(grads[0], op->getOperand(0))});
}

FailureOr<SmallVector<Value>>
ReshapeOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return reshapeGradient(*this, builder, outputGradients);
}
FailureOr<SmallVector<Value>>
FlattenOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return reshapeGradient(*this, builder, outputGradients);
}
FailureOr<SmallVector<Value>>
SqueezeOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return reshapeGradient(*this, builder, outputGradients);
}
FailureOr<SmallVector<Value>>
UnsqueezeOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return reshapeGradient(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
TransposeOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, getLoc());
  return g.finish({g.transpose(outputGradients[0], getDim0(), getDim1())});
}

FailureOr<SmallVector<Value>>
PermuteOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, getLoc());
  int64_t rank = getInput().getType().getRank();
  SmallVector<int64_t> inverse(rank);
  for (auto [i, dim] : llvm::enumerate(getDims()))
    inverse[dim < 0 ? dim + rank : dim] = i;
  return g.finish({g.permute(outputGradients[0], inverse)});
}

FailureOr<SmallVector<Value>>
SliceOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, getLoc());
  Value dx = g.create<SliceGradOp>({outputGradients[0], getInput()},
                                   outputGradients[0], getInput(), getDimAttr(),
                                   getStartAttr(), getEndAttr(), getStepAttr());
  return g.finish({dx});
}

FailureOr<SmallVector<Value>>
PadOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  // Padding by the negated pairs crops what was added (and pads back
  // with zeros what a negative pair cropped).
  SmallVector<int64_t> pairs;
  for (int64_t amount : getPad())
    pairs.push_back(-amount);
  GradientBuilder g(builder, getLoc());
  return g.finish({g.pad(outputGradients[0], pairs)});
}

FailureOr<SmallVector<Value>>
ConcatOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // Each input's gradient is its slice of the output's. Inputs before the
  // one of dynamic size (at most one) are sliced from the front, those
  // after it from the back, so every bound is static.
  auto resultType = cast<RankedTensorType>(getOutput().getType());
  int64_t rank = resultType.getRank();
  int64_t dim = getDim() < 0 ? getDim() + rank : getDim();
  SmallVector<int64_t> sizes;
  int64_t dynamicCount = 0;
  for (Value input : getInputs()) {
    sizes.push_back(cast<RankedTensorType>(input.getType()).getDimSize(dim));
    dynamicCount += ShapedType::isDynamic(sizes.back());
  }
  if (dynamicCount > 1)
    return emitOpError("has no gradient here: at most one input may have a "
                       "dynamic size along dim ")
           << dim;
  // The static sizes from input i to the end (for inputs after the
  // dynamic one).
  auto suffix = [&](size_t i) {
    int64_t sum = 0;
    for (size_t k = i; k < sizes.size(); ++k)
      sum += sizes[k];
    return sum;
  };
  auto endAt = [](int64_t fromBack) {
    return fromBack ? -fromBack : INT64_MAX;
  };
  GradientBuilder g(builder, getLoc());
  Value dz = outputGradients[0];
  SmallVector<Value> grads;
  int64_t prefix = 0;
  bool afterDynamic = false;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    bool dynamicSize = ShapedType::isDynamic(sizes[i]);
    int64_t start, end;
    if (afterDynamic) {
      start = -suffix(i);
      end = endAt(suffix(i + 1));
    } else if (dynamicSize) {
      start = prefix;
      end = endAt(suffix(i + 1));
    } else {
      start = prefix;
      end = prefix + sizes[i];
    }
    afterDynamic |= dynamicSize;
    if (!dynamicSize)
      prefix += sizes[i];
    grads.push_back(isDifferentiable(input)
                        ? g.create<SliceOp>({dz}, dz,
                                            builder.getI64IntegerAttr(dim),
                                            builder.getI64IntegerAttr(start),
                                            builder.getI64IntegerAttr(end),
                                            builder.getI64IntegerAttr(1))
                        : Value());
  }
  return g.finish(grads);
}

FailureOr<SmallVector<Value>>
SplitOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, getLoc());
  SmallVector<Value> pieces;
  for (auto [output, grad] : llvm::zip(getOutputs(), outputGradients))
    pieces.push_back(grad ? grad : g.zerosLike(output));
  if (g.failed())
    return failure();
  auto concat = createInferred<ConcatOp>(builder, getLoc(), pieces,
                                         builder.getI64IntegerAttr(getDim()));
  if (!concat)
    return failure();
  return SmallVector<Value>{concat.getOutput()};
}

FailureOr<SmallVector<Value>>
GatherOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr, nullptr};
  GradientBuilder g(builder, getLoc());
  Value dx = g.create<GatherGradOp>(
      {outputGradients[0], getIndex(), getInput()}, outputGradients[0],
      getIndex(), getInput(), getDimAttr());
  return g.finish({dx, nullptr});
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>>
MatMulOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  Value x = getLeft(), y = getRight();
  if (!isDifferentiable(x) || !isDifferentiable(y))
    return SmallVector<Value>{nullptr, nullptr};
  GradientBuilder g(builder, getLoc());
  // Vectors become matrices ([K] -> [1, K] on the left, [K, 1] on the
  // right), and the gradient gets the dims they dropped back.
  Value left = x, right = y, dz = outputGradients[0];
  bool leftVector = cast<RankedTensorType>(x.getType()).getRank() == 1;
  bool rightVector = cast<RankedTensorType>(y.getType()).getRank() == 1;
  if (leftVector) {
    left = g.unsqueeze(x, 0);
    dz = g.unsqueeze(dz, rightVector ? 0 : -2);
  }
  if (rightVector) {
    right = g.unsqueeze(y, 1);
    dz = g.unsqueeze(dz, -1);
  }
  Value dLeft = g.matmul(dz, g.transpose(right, -1, -2));
  Value dRight = g.matmul(g.transpose(left, -1, -2), dz);
  dLeft = g.sumToShapeOf(dLeft, left);
  dRight = g.sumToShapeOf(dRight, right);
  if (leftVector)
    dLeft = g.reshapeAs(dLeft, x);
  if (rightVector)
    dRight = g.reshapeAs(dRight, y);
  return g.finish({dLeft, dRight});
}

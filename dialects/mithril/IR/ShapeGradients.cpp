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

static FailureOr<SmallVector<Value>> finish(GradientBuilder &g,
                                            SmallVector<Value> grads) {
  if (g.failed())
    return failure();
  return grads;
}

/// The gradient of an op that only reshapes its first operand.
static FailureOr<SmallVector<Value>> reshapeGradient(Operation *op,
                                                     OpBuilder &builder,
                                                     ValueRange grads) {
  if (!isDifferentiable(op->getOperand(0)))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, op->getLoc());
  return finish(g, {g.reshapeAs(grads[0], op->getOperand(0))});
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
  return finish(g, {g.transpose(outputGradients[0], getDim0(), getDim1())});
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
  return finish(g, {g.permute(outputGradients[0], inverse)});
}

/// The F.pad pairs that put back the `before` and `after` elements of dim
/// `dim` (of a rank-`rank` tensor) that a slice or crop removed.
static SmallVector<int64_t> padPairsFor(int64_t rank, int64_t dim,
                                        int64_t before, int64_t after) {
  SmallVector<int64_t> pairs(2 * (rank - dim), 0);
  pairs[pairs.size() - 2] = before;
  pairs[pairs.size() - 1] = after;
  return pairs;
}

FailureOr<SmallVector<Value>>
SliceOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  auto type = getInput().getType();
  int64_t rank = type.getRank();
  int64_t dim = getDim() < 0 ? getDim() + rank : getDim();
  int64_t size = type.getDimSize(dim);
  if (getStep() != 1 || ShapedType::isDynamic(size))
    return emitOpError("has no gradient here: it needs step 1 and a static "
                       "size of dim ")
           << dim;
  // Python's clamping, as the op's inference applies it.
  auto clamp = [&](int64_t index) {
    if (index < 0)
      index += size;
    return std::clamp<int64_t>(index, 0, size);
  };
  int64_t start = clamp(getStart()), end = std::max(start, clamp(getEnd()));
  GradientBuilder g(builder, getLoc());
  Value dx = g.pad(outputGradients[0],
                   padPairsFor(rank, dim, start, size - end));
  return finish(g, {dx});
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
  return finish(g, {g.pad(outputGradients[0], pairs)});
}

FailureOr<SmallVector<Value>>
ConcatOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  auto resultType = getOutput().getType();
  int64_t rank = resultType.getRank();
  int64_t dim = getDim() < 0 ? getDim() + rank : getDim();
  SmallVector<Value> grads;
  int64_t offset = 0;
  for (Value input : getInputs()) {
    int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(dim);
    if (ShapedType::isDynamic(size))
      return emitOpError("has no gradient here: its inputs need static "
                         "sizes along dim ")
             << dim;
    if (!isDifferentiable(input)) {
      grads.push_back(nullptr);
    } else {
      grads.push_back(g.create<SliceOp>(
          {outputGradients[0]}, outputGradients[0],
          builder.getI64IntegerAttr(dim), builder.getI64IntegerAttr(offset),
          builder.getI64IntegerAttr(offset + size),
          builder.getI64IntegerAttr(1)));
    }
    offset += size;
  }
  return finish(g, grads);
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
  return finish(g, {dLeft, dRight});
}

//===- ElementwiseGradients.cpp - Gradients of the elementwise ops --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The vector-Jacobian products of the activations, unary and binary ops,
// `where` and `cast`, with the formulas of PyTorch's derivatives.yaml (the
// same choices at kinks and ties). Binary ops broadcast, so each operand's
// gradient is summed back to its shape.
//
//===----------------------------------------------------------------------===//

#include "GradientBuilder.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// dx from x, y (the op's result) and dy.
using UnaryRule =
    llvm::function_ref<Value(GradientBuilder &, Value x, Value y, Value dy)>;

FailureOr<SmallVector<Value>> unaryGradient(Operation *op, OpBuilder &builder,
                                            ValueRange outputGradients,
                                            UnaryRule rule) {
  GradientBuilder g(builder, op->getLoc());
  Value dx = rule(g, op->getOperand(0), op->getResult(0), outputGradients[0]);
  if (g.failed())
    return failure();
  return SmallVector<Value>{dx};
}

/// The gradients of a binary op's two operands.
using Pair = std::pair<Value, Value>;

/// The gradients of a binary op's operands before the broadcast is undone.
using BinaryRule = llvm::function_ref<Pair(GradientBuilder &, Value x, Value y,
                                           Value z, Value dz)>;

FailureOr<SmallVector<Value>> binaryGradient(Operation *op, OpBuilder &builder,
                                             ValueRange outputGradients,
                                             BinaryRule rule) {
  GradientBuilder g(builder, op->getLoc());
  Value x = op->getOperand(0), y = op->getOperand(1);
  if (!isDifferentiable(x) || !isDifferentiable(y))
    return SmallVector<Value>{nullptr, nullptr};
  auto [dx, dy] = rule(g, x, y, op->getResult(0), outputGradients[0]);
  dx = g.sumToShapeOf(dx, x);
  dy = g.sumToShapeOf(dy, y);
  if (g.failed())
    return failure();
  return SmallVector<Value>{dx, dy};
}

} // namespace

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>>
ReLUOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.where(g.greater(y, g.scalar(0, y)), dy, g.scalar(0, dy));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
LeakyReLUOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    Value scaled =
        g.mul(dy, g.scalar(getNegativeSlope().convertToDouble(), dy));
    return g.where(g.greater(x, g.scalar(0, x)), dy, scaled);
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
SigmoidOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.mul(dy, g.mul(y, g.sub(g.scalar(1, y), y)));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
TanhOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.mul(dy, g.sub(g.scalar(1, y), g.mul(y, y)));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
SiLUOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    // d/dx x s(x) = s (1 + x (1 - s)).
    Value s = g.sigmoid(x);
    Value inner = g.add(g.scalar(1, x), g.mul(x, g.sub(g.scalar(1, s), s)));
    return g.mul(dy, g.mul(s, inner));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
SoftplusOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    // Softplus is linear above PyTorch's threshold of 20.
    return g.where(g.greater(x, g.scalar(20, x)), dy, g.mul(dy, g.sigmoid(x)));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
GELUOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    if (getApproximate() == "tanh") {
      // y = x/2 (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2 / pi).
      const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
      Value x2 = g.mul(x, x);
      Value inner =
          g.mul(g.scalar(k, x), g.add(x, g.mul(g.scalar(c, x), g.mul(x2, x))));
      Value t = g.tanh(inner);
      Value left = g.mul(g.scalar(0.5, x), g.add(g.scalar(1, t), t));
      Value dInner = g.mul(
          g.scalar(k, x), g.add(g.scalar(1, x), g.mul(g.scalar(3 * c, x), x2)));
      Value right = g.mul(g.mul(g.scalar(0.5, x), x),
                          g.mul(g.sub(g.scalar(1, t), g.mul(t, t)), dInner));
      return g.mul(dy, g.add(left, right));
    }
    // Phi(x) + x phi(x).
    Value cdf =
        g.mul(g.scalar(0.5, x),
              g.add(g.scalar(1, x), g.erf(g.mul(x, g.scalar(M_SQRT1_2, x)))));
    Value pdf = g.mul(g.scalar(1 / std::sqrt(2 * M_PI), x),
                      g.exp(g.mul(g.scalar(-0.5, x), g.mul(x, x))));
    return g.mul(dy, g.add(cdf, g.mul(x, pdf)));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
DropoutOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    // Eval semantics (train mode replaces dropout before differentiation).
    return dy;
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

//===----------------------------------------------------------------------===//
// Unary math
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>>
NegOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.neg(dy);
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
AbsOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    // dy * sign(x), with sign(0) = 0.
    Value zero = g.scalar(0, dy);
    return g.where(g.greater(x, g.scalar(0, x)), dy,
                   g.where(g.less(x, g.scalar(0, x)), g.neg(dy), zero));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
ExpOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.mul(dy, y);
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
LogOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.div(dy, x);
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
SqrtOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.div(dy, g.mul(g.scalar(2, y), y));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
RsqrtOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.mul(dy, g.mul(g.scalar(-0.5, y), g.mul(y, g.mul(y, y))));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
SinOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.mul(dy, g.cos(x));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
CosOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.neg(g.mul(dy, g.sin(x)));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
ErfOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [&](GradientBuilder &g, Value x, Value y, Value dy) -> Value {
    return g.mul(
        dy, g.mul(g.scalar(2 / std::sqrt(M_PI), x), g.exp(g.neg(g.mul(x, x)))));
  };
  return unaryGradient(*this, builder, outputGradients, rule);
}
// Piecewise constant: zero almost everywhere, as in PyTorch.
static FailureOr<SmallVector<Value>>
zeroGradient(Operation *op, OpBuilder &builder, ValueRange outputGradients) {
  auto rule = [](GradientBuilder &g, Value x, Value, Value) -> Value {
    return g.zerosLike(x);
  };
  return unaryGradient(op, builder, outputGradients, rule);
}

FailureOr<SmallVector<Value>>
FloorOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return zeroGradient(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
CeilOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return zeroGradient(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
RoundOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return zeroGradient(*this, builder, outputGradients);
}

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

static Pair addGradients(GradientBuilder &g, Value x, Value y, Value z,
                         Value dz) {
  return {dz, dz};
}

FailureOr<SmallVector<Value>>
AddOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, addGradients);
}

static Pair subGradients(GradientBuilder &g, Value x, Value y, Value z,
                         Value dz) {
  return {dz, g.neg(dz)};
}

FailureOr<SmallVector<Value>>
SubOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, subGradients);
}

static Pair mulGradients(GradientBuilder &g, Value x, Value y, Value z,
                         Value dz) {
  return {g.mul(dz, y), g.mul(dz, x)};
}

FailureOr<SmallVector<Value>>
MulOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, mulGradients);
}

static Pair divGradients(GradientBuilder &g, Value x, Value y, Value z,
                         Value dz) {
  Value dx = g.div(dz, y);
  return {dx, g.neg(g.mul(dx, z))};
}

FailureOr<SmallVector<Value>>
DivOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, divGradients);
}

static Pair powGradients(GradientBuilder &g, Value x, Value y, Value z,
                         Value dz) {
  // d/dx = y x^(y-1); d/dy = z log(x), 0 where x = 0 and y >= 0.
  Value dx = g.mul(dz, g.mul(y, g.pow(x, g.sub(y, g.scalar(1, y)))));
  Value dyRaw = g.mul(dz, g.mul(z, g.log(x)));
  Value zeroBase = g.equal(x, g.scalar(0, x));
  Value dy = g.where(zeroBase,
                     g.where(g.less(y, g.scalar(0, y)), dyRaw, g.scalar(0, dz)),
                     dyRaw);
  return {dx, dy};
}

FailureOr<SmallVector<Value>>
PowOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, powGradients);
}

// Ties split the gradient evenly, as in PyTorch.
static Pair maximumGradients(GradientBuilder &g, Value x, Value y, Value z,
                             Value dz) {
  Value shared = g.where(g.equal(x, y), g.mul(dz, g.scalar(0.5, dz)), dz);
  Value zero = g.scalar(0, dz);
  return {g.where(g.less(x, y), zero, shared),
          g.where(g.greater(x, y), zero, shared)};
}

FailureOr<SmallVector<Value>>
MaximumOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, maximumGradients);
}

static Pair minimumGradients(GradientBuilder &g, Value x, Value y, Value z,
                             Value dz) {
  Value shared = g.where(g.equal(x, y), g.mul(dz, g.scalar(0.5, dz)), dz);
  Value zero = g.scalar(0, dz);
  return {g.where(g.greater(x, y), zero, shared),
          g.where(g.less(x, y), zero, shared)};
}

FailureOr<SmallVector<Value>>
MinimumOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return binaryGradient(*this, builder, outputGradients, minimumGradients);
}

FailureOr<SmallVector<Value>>
WhereOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value dz = outputGradients[0];
  SmallVector<Value> grads = {nullptr, nullptr, nullptr};
  if (!isDifferentiable(getLeft()))
    return grads;
  Value zero = g.scalar(0, dz);
  grads[1] = g.sumToShapeOf(g.where(getCondition(), dz, zero), getLeft());
  grads[2] = g.sumToShapeOf(g.where(getCondition(), zero, dz), getRight());
  if (g.failed())
    return failure();
  return grads;
}

FailureOr<SmallVector<Value>>
CastOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // Between float dtypes, the gradient converts back; to or from integers
  // none flows (mithril-differentiate refuses such a cast on the path).
  if (!isDifferentiable(getInput()) || !isDifferentiable(getOutput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, getLoc());
  Value dx =
      g.castTo(outputGradients[0], getElementTypeOrSelf(getInput().getType()));
  if (g.failed())
    return failure();
  return SmallVector<Value>{dx};
}

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

/// The gradients of a binary op's operands before the broadcast is undone.
using BinaryRule = llvm::function_ref<std::pair<Value, Value>(
    GradientBuilder &, Value x, Value y, Value z, Value dz)>;

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

#define MITHRIL_UNARY_GRADIENT(Op, ...)                                        \
  FailureOr<SmallVector<Value>> Op::buildGradients(                            \
      OpBuilder &builder, ValueRange outputGradients) {                        \
    auto rule = [&](GradientBuilder & g, Value x, Value y, Value dy)           \
                    ->Value __VA_ARGS__;                                       \
    return unaryGradient(*this, builder, outputGradients, rule);               \
  }

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

MITHRIL_UNARY_GRADIENT(ReLUOp, {
  return g.where(g.greater(y, g.scalar(0, y)), dy, g.scalar(0, dy));
})

MITHRIL_UNARY_GRADIENT(LeakyReLUOp, {
  Value scaled = g.mul(dy, g.scalar(getNegativeSlope().convertToDouble(), dy));
  return g.where(g.greater(x, g.scalar(0, x)), dy, scaled);
})

MITHRIL_UNARY_GRADIENT(SigmoidOp, {
  return g.mul(dy, g.mul(y, g.sub(g.scalar(1, y), y)));
})

MITHRIL_UNARY_GRADIENT(TanhOp, {
  return g.mul(dy, g.sub(g.scalar(1, y), g.mul(y, y)));
})

MITHRIL_UNARY_GRADIENT(SiLUOp, {
  // d/dx x s(x) = s (1 + x (1 - s)).
  Value s = g.sigmoid(x);
  Value inner = g.add(g.scalar(1, x), g.mul(x, g.sub(g.scalar(1, s), s)));
  return g.mul(dy, g.mul(s, inner));
})

MITHRIL_UNARY_GRADIENT(SoftplusOp, {
  // Softplus is linear above PyTorch's threshold of 20.
  return g.where(g.greater(x, g.scalar(20, x)), dy, g.mul(dy, g.sigmoid(x)));
})

MITHRIL_UNARY_GRADIENT(GELUOp, {
  if (getApproximate() == "tanh") {
    // y = x/2 (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2 / pi).
    const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
    Value x2 = g.mul(x, x);
    Value inner =
        g.mul(g.scalar(k, x), g.add(x, g.mul(g.scalar(c, x), g.mul(x2, x))));
    Value t = g.tanh(inner);
    Value left = g.mul(g.scalar(0.5, x), g.add(g.scalar(1, t), t));
    Value dInner = g.mul(g.scalar(k, x),
                         g.add(g.scalar(1, x), g.mul(g.scalar(3 * c, x), x2)));
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
})

MITHRIL_UNARY_GRADIENT(DropoutOp, {
  // Eval semantics (train mode replaces dropout before differentiation).
  return dy;
})

//===----------------------------------------------------------------------===//
// Unary math
//===----------------------------------------------------------------------===//

MITHRIL_UNARY_GRADIENT(NegOp, { return g.neg(dy); })

MITHRIL_UNARY_GRADIENT(AbsOp, {
  // dy * sign(x), with sign(0) = 0.
  Value zero = g.scalar(0, dy);
  return g.where(g.greater(x, g.scalar(0, x)), dy,
                 g.where(g.less(x, g.scalar(0, x)), g.neg(dy), zero));
})

MITHRIL_UNARY_GRADIENT(ExpOp, { return g.mul(dy, y); })
MITHRIL_UNARY_GRADIENT(LogOp, { return g.div(dy, x); })
MITHRIL_UNARY_GRADIENT(SqrtOp, { return g.div(dy, g.mul(g.scalar(2, y), y)); })
MITHRIL_UNARY_GRADIENT(RsqrtOp, {
  return g.mul(dy, g.mul(g.scalar(-0.5, y), g.mul(y, g.mul(y, y))));
})
MITHRIL_UNARY_GRADIENT(SinOp, { return g.mul(dy, g.cos(x)); })
MITHRIL_UNARY_GRADIENT(CosOp, { return g.neg(g.mul(dy, g.sin(x))); })
MITHRIL_UNARY_GRADIENT(ErfOp, {
  return g.mul(
      dy, g.mul(g.scalar(2 / std::sqrt(M_PI), x), g.exp(g.neg(g.mul(x, x)))));
})
// Piecewise constant: zero almost everywhere, as in PyTorch.
MITHRIL_UNARY_GRADIENT(FloorOp, { return g.zerosLike(x); })
MITHRIL_UNARY_GRADIENT(CeilOp, { return g.zerosLike(x); })
MITHRIL_UNARY_GRADIENT(RoundOp, { return g.zerosLike(x); })

#undef MITHRIL_UNARY_GRADIENT

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

#define MITHRIL_BINARY_GRADIENT(Op, ...)                                       \
  FailureOr<SmallVector<Value>> Op::buildGradients(                            \
      OpBuilder &builder, ValueRange outputGradients) {                        \
    auto rule = [&](GradientBuilder & g, Value x, Value y, Value z, Value dz)  \
                    ->std::pair<Value, Value>                                  \
                        __VA_ARGS__;                                           \
    return binaryGradient(*this, builder, outputGradients, rule);              \
  }

MITHRIL_BINARY_GRADIENT(AddOp, { return {dz, dz}; })
MITHRIL_BINARY_GRADIENT(SubOp, { return {dz, g.neg(dz)}; })
MITHRIL_BINARY_GRADIENT(MulOp, { return {g.mul(dz, y), g.mul(dz, x)}; })
MITHRIL_BINARY_GRADIENT(DivOp, {
  Value dx = g.div(dz, y);
  return {dx, g.neg(g.mul(dx, z))};
})

MITHRIL_BINARY_GRADIENT(PowOp, {
  // d/dx = y x^(y-1); d/dy = z log(x), 0 where x = 0 and y >= 0.
  Value dx = g.mul(dz, g.mul(y, g.pow(x, g.sub(y, g.scalar(1, y)))));
  Value dyRaw = g.mul(dz, g.mul(z, g.log(x)));
  Value zeroBase = g.equal(x, g.scalar(0, x));
  Value dy = g.where(zeroBase,
                     g.where(g.less(y, g.scalar(0, y)), dyRaw, g.scalar(0, dz)),
                     dyRaw);
  return {dx, dy};
})

// Ties split the gradient evenly, as in PyTorch.
MITHRIL_BINARY_GRADIENT(MaximumOp, {
  Value shared = g.where(g.equal(x, y), g.mul(dz, g.scalar(0.5, dz)), dz);
  Value zero = g.scalar(0, dz);
  return {g.where(g.less(x, y), zero, shared),
          g.where(g.greater(x, y), zero, shared)};
})
MITHRIL_BINARY_GRADIENT(MinimumOp, {
  Value shared = g.where(g.equal(x, y), g.mul(dz, g.scalar(0.5, dz)), dz);
  Value zero = g.scalar(0, dz);
  return {g.where(g.greater(x, y), zero, shared),
          g.where(g.less(x, y), zero, shared)};
})

#undef MITHRIL_BINARY_GRADIENT

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

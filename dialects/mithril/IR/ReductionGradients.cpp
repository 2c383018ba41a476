//===- ReductionGradients.cpp - Gradients of reductions and losses --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The vector-Jacobian products of the reductions (the gradient spreads back
// over the reduced dims), softmax and log-softmax, and the catalog's losses.
//
//===----------------------------------------------------------------------===//

#include "GradientBuilder.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The reduced dims of a reduction op and its result gradient with them
/// restored as size 1.
template <typename ReduceOp>
std::pair<SmallVector<int64_t>, Value> keptGradient(GradientBuilder &g,
                                                    ReduceOp op, Value dy) {
  int64_t rank = op.getInput().getType().getRank();
  SmallVector<int64_t> dims = getReducedDims(op.getDim(), rank);
  return {dims, g.restoreReducedDims(dy, op.getInput(), dims, op.getKeepdim())};
}

/// The gradient of an extremum: shared evenly among the elements that
/// reach it (PyTorch's amax/amin).
template <typename ReduceOp>
FailureOr<SmallVector<Value>> extremumGradient(ReduceOp op, OpBuilder &builder,
                                               ValueRange outputGradients) {
  if (!isDifferentiable(op.getInput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, op.getLoc());
  auto [dims, dy] = keptGradient(g, op, outputGradients[0]);
  Value x = op.getInput();
  Value extremum =
      g.restoreReducedDims(op.getOutput(), x, dims, op.getKeepdim());
  Value hits = g.equal(x, extremum);
  Value count = g.sum(g.where(hits, g.scalar(1, x), g.scalar(0, x)), dims,
                      /*keepdim=*/true);
  return g.finish({g.where(hits, g.div(dy, count), g.scalar(0, dy))});
}

} // namespace

FailureOr<SmallVector<Value>>
SumOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  if (!isDifferentiable(getInput()))
    return SmallVector<Value>{nullptr};
  GradientBuilder g(builder, getLoc());
  Value dy = keptGradient(g, *this, outputGradients[0]).second;
  return g.finish({g.broadcastTo(dy, getInput())});
}

FailureOr<SmallVector<Value>>
MeanOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  auto [dims, dy] = keptGradient(g, *this, outputGradients[0]);
  Value count = g.reducedSize(getInput(), dims);
  return g.finish({g.broadcastTo(g.div(dy, count), getInput())});
}

FailureOr<SmallVector<Value>>
MaxOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return extremumGradient(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
MinOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return extremumGradient(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
VarianceOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // d var / dx = 2 (x - mean) / (n - correction).
  GradientBuilder g(builder, getLoc());
  auto [dims, dy] = keptGradient(g, *this, outputGradients[0]);
  Value x = getInput();
  Value centered = g.sub(x, g.mean(x, dims, /*keepdim=*/true));
  Value count =
      g.sub(g.reducedSize(x, dims), g.scalar(double(getCorrection()), x));
  Value scale = g.div(g.mul(dy, g.scalar(2, dy)), count);
  return g.finish({g.mul(scale, centered)});
}

FailureOr<SmallVector<Value>>
SoftmaxOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // y (dy - sum(dy y)).
  GradientBuilder g(builder, getLoc());
  Value y = getOutput(), dy = outputGradients[0];
  int64_t rank = cast<RankedTensorType>(y.getType()).getRank();
  int64_t dim = getDim() < 0 ? getDim() + rank : getDim();
  Value dot = g.sum(g.mul(dy, y), {dim}, /*keepdim=*/true);
  return g.finish({g.mul(y, g.sub(dy, dot))});
}

FailureOr<SmallVector<Value>>
LogSoftmaxOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // dy - exp(y) sum(dy).
  GradientBuilder g(builder, getLoc());
  Value y = getOutput(), dy = outputGradients[0];
  int64_t rank = cast<RankedTensorType>(y.getType()).getRank();
  int64_t dim = getDim() < 0 ? getDim() + rank : getDim();
  Value total = g.sum(dy, {dim}, /*keepdim=*/true);
  return g.finish({g.sub(dy, g.mul(g.exp(y), total))});
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

/// The per-sample loss gradient `dy` of `reduction` (rank 0 for "mean" and
/// "sum", per sample for "none") as a factor of each sample's gradient,
/// broadcastable against `[N, d...]` with the class dim at `classDim`.
static Value perSampleFactor(GradientBuilder &g, StringRef reduction, Value dy,
                             Value samples) {
  if (reduction != "mean")
    return dy;
  return g.div(dy, g.reducedSize(samples, {}));
}

FailureOr<SmallVector<Value>>
CrossEntropyLossOp::buildGradients(OpBuilder &builder,
                                   ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value x = getInput(), target = getTarget(), dy = outputGradients[0];
  int64_t classDim = cast<RankedTensorType>(x.getType()).getRank() == 1 ? 0 : 1;
  Value probabilities = g.softmax(x, classDim);
  // One sample's gradient: softmax(x) sum(q) - q, q the target
  // distribution (one-hot for class indices).
  Value q = isDifferentiable(target)
                ? target
                : g.create<OneHotOp>({target, x}, target, x);
  Value mass = g.sum(q, {classDim}, /*keepdim=*/true);
  Value sample = g.sub(g.mul(probabilities, mass), q);
  // The samples: x without its class dim, as a float tensor to count.
  Value samples = g.sum(x, {classDim}, /*keepdim=*/false);
  Value factor = perSampleFactor(g, getReduction(), dy, samples);
  if (getReduction() == "none" && classDim == 1)
    factor = g.unsqueeze(factor, 1);
  // Class probabilities as the target: d/dt = -log_softmax(x).
  Value dTarget = isDifferentiable(target)
                      ? g.mul(g.neg(g.logSoftmax(x, classDim)), factor)
                      : nullptr;
  return g.finish({g.mul(sample, factor), dTarget});
}

FailureOr<SmallVector<Value>>
MSELossOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value x = getInput(), t = getTarget();
  Value difference = g.sub(x, t);
  Value factor =
      perSampleFactor(g, getReduction(), outputGradients[0], difference);
  Value dDifference = g.mul(g.mul(difference, g.scalar(2, difference)), factor);
  return g.finish(
      {g.sumToShapeOf(dDifference, x), g.sumToShapeOf(g.neg(dDifference), t)});
}

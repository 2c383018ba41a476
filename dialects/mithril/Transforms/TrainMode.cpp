//===- TrainMode.cpp - PyTorch's train() semantics in a train step --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// In the models marked `mithril.train`, replaces the ops whose semantics
// differ in PyTorch's train() mode:
//
// - BatchNorm normalises with the batch's mean and biased variance, and
//   returns the new running statistics as updates of `running_mean` and
//   `running_var`: (1 - momentum) old + momentum new, with the unbiased
//   variance and momentum 0.1.
// - Dropout multiplies by a mask of a counter-based generator
//   (`mithril.random_mask`): the counter is the state `train.rng_counter`,
//   which the step increments, and each dropout draws its own stream.
//
// Both become catalog ops, whose gradients mithril-differentiate knows.
//
//===----------------------------------------------------------------------===//

#include "TrainingSupport.h"

#include "mithril/IR/GradientBuilder.h"
#include "mithril/Transforms/Passes.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILTRAINMODE
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

constexpr double kBatchNormMomentum = 0.1;
constexpr StringLiteral kCounterName = "train.rng_counter";

/// The parameter name of `value`, or "" if it is no parameter.
StringRef parameterNameOf(Value value) {
  auto parameter = value.getDefiningOp<ParameterOp>();
  return parameter ? parameter.getName() : StringRef();
}

/// `running * (1 - m) + batch * m`.
Value runningAverage(GradientBuilder &g, Value running, Value batch) {
  return g.add(g.mul(running, g.scalar(1 - kBatchNormMomentum, running)),
               g.mul(batch, g.scalar(kBatchNormMomentum, batch)));
}

template <typename BatchNormOp>
LogicalResult replaceBatchNorm(ModelOp model, BatchNormOp op) {
  OpBuilder builder(op);
  GradientBuilder g(builder, op.getLoc());
  Value x = op.getInput();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  // The statistics are over every dim but the channels (dim 1).
  SmallVector<int64_t> dims = {0};
  for (int64_t d = 2; d < rank; ++d)
    dims.push_back(d);
  SmallVector<int64_t> channelShape(rank, 1);
  channelShape[1] = op.getNumFeatures();

  Value batchMean = g.mean(x, dims, /*keepdim=*/false);
  Value mean = g.reshape(batchMean, channelShape);
  Value variance = g.variance(x, dims, /*correction=*/0, /*keepdim=*/true);
  Value rstd = g.rsqrt(
      g.add(variance, g.scalar(op.getEps().convertToDouble(), variance)));
  Value normalized = g.mul(g.sub(x, mean), rstd);
  Value y = g.add(g.mul(normalized, g.reshape(op.getWeight(), channelShape)),
                  g.reshape(op.getBias(), channelShape));

  // The running statistics, after the step's last use of the old ones.
  Value unbiased = g.variance(x, dims, /*correction=*/1, /*keepdim=*/false);
  Value newMean = runningAverage(g, op.getRunningMean(), batchMean);
  Value newVariance = runningAverage(g, op.getRunningVar(), unbiased);
  if (g.failed())
    return failure();
  StringRef meanName = parameterNameOf(op.getRunningMean());
  StringRef varianceName = parameterNameOf(op.getRunningVar());
  if (meanName.empty() || varianceName.empty())
    return op.emitOpError("needs parameters as its running statistics to "
                          "train");
  appendResult(model, newMean, MithrilDialect::kUpdatesAttrName, meanName);
  appendResult(model, newVariance, MithrilDialect::kUpdatesAttrName,
               varianceName);
  op.getOutput().replaceAllUsesWith(y);
  op.erase();
  return success();
}

struct TrainMode : mithril::impl::MithrilTrainModeBase<TrainMode> {
  LogicalResult runOnModel(ModelOp model) {
    SmallVector<Operation *> ops;
    model.walk([&](Operation *op) {
      if (isa<BatchNorm1dOp, BatchNorm2dOp, DropoutOp>(op))
        ops.push_back(op);
    });
    Value counter;
    int64_t stream = 0;
    for (Operation *op : ops) {
      if (auto batchNorm = dyn_cast<BatchNorm1dOp>(op)) {
        if (failed(replaceBatchNorm(model, batchNorm)))
          return failure();
        continue;
      }
      if (auto batchNorm = dyn_cast<BatchNorm2dOp>(op)) {
        if (failed(replaceBatchNorm(model, batchNorm)))
          return failure();
        continue;
      }
      auto dropout = cast<DropoutOp>(op);
      double p = dropout.getP().convertToDouble();
      if (p == 0 || !isDifferentiable(dropout.getInput())) {
        dropout.getOutput().replaceAllUsesWith(dropout.getInput());
        dropout.erase();
        continue;
      }
      if (!counter)
        counter = getOrAddState(
            model, kCounterName,
            RankedTensorType::get({}, IntegerType::get(model.getContext(), 64)),
            0);
      OpBuilder builder(dropout);
      GradientBuilder g(builder, dropout.getLoc());
      Value mask = g.create<RandomMaskOp>(
          {dropout.getInput(), counter}, dropout.getInput(), counter,
          builder.getF64FloatAttr(p), builder.getI64IntegerAttr(stream++));
      Value y = g.mul(dropout.getInput(), mask);
      if (g.failed())
        return failure();
      dropout.getOutput().replaceAllUsesWith(y);
      dropout.erase();
    }
    if (counter) {
      OpBuilder builder(model.getReturnOp());
      GradientBuilder g(builder, model.getLoc());
      Value next = g.add(counter, g.index(1));
      if (g.failed())
        return failure();
      appendResult(model, next, MithrilDialect::kUpdatesAttrName, kCounterName);
    }
    return success();
  }

  void runOnOperation() override {
    for (ModelOp model : getTrainModels(getOperation()))
      if (failed(runOnModel(model)))
        return signalPassFailure();
  }
};

} // namespace

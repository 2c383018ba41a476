//===- LayerGradients.cpp - Gradients of layers, norms and pooling --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The vector-Jacobian products of the catalog's layers. Linear and the
// normalisations compose catalog ops; convolution, pooling and embedding
// build their adjoint ops (MithrilGradientOps.td).
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

/// 0, 1, ..., n - 1.
static SmallVector<int64_t> leadingDims(int64_t n) {
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < n; ++d)
    dims.push_back(d);
  return dims;
}

/// The sum of `grad` over every dim but `keep` (the channel dim of a bias).
static Value sumAllBut(GradientBuilder &g, Value grad, int64_t keep) {
  int64_t rank = cast<RankedTensorType>(grad.getType()).getRank();
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < rank; ++d)
    if (d != keep)
      dims.push_back(d);
  return dims.empty() ? grad : g.sum(grad, dims, /*keepdim=*/false);
}

FailureOr<SmallVector<Value>>
LinearOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value dy = outputGradients[0], x = getInput(), w = getWeight();
  // dx = dy W; dW = dy^T x over all leading dims; db = sum of dy.
  Value dx = g.matmul(dy, w);
  Value rows = g.reshape(dy, {-1, getOutFeatures()});
  Value inputs = g.reshape(x, {-1, getInFeatures()});
  Value dw = g.matmul(g.transpose(rows, 0, 1), inputs);
  SmallVector<Value> grads = {dx, dw};
  if (getBias())
    grads.push_back(
        sumAllBut(g, dy, cast<RankedTensorType>(dy.getType()).getRank() - 1));
  return finish(g, grads);
}

/// The gradients of a convolution `op` (Conv1d or Conv2d).
template <typename ConvOp>
static FailureOr<SmallVector<Value>>
convolutionGradients(ConvOp op, OpBuilder &builder, ValueRange grads) {
  GradientBuilder g(builder, op.getLoc());
  SmallVector<int64_t> padding;
  for (auto [before, after] : op.getPaddingPairs()) {
    padding.push_back(before);
    padding.push_back(after);
  }
  Value dy = grads[0];
  auto attrs = [&] {
    return std::make_tuple(builder.getDenseI64ArrayAttr(op.getStride()),
                           builder.getDenseI64ArrayAttr(padding),
                           builder.getDenseI64ArrayAttr(op.getDilation()),
                           builder.getI64IntegerAttr(op.getGroups()));
  };
  auto [stride, pads, dilation, groups] = attrs();
  Value dx = g.create<ConvGradInputOp>({dy, op.getInput(), op.getWeight()}, dy,
                                       op.getInput(), op.getWeight(), stride,
                                       pads, dilation, groups);
  Value dw = g.create<ConvGradWeightOp>({dy, op.getInput(), op.getWeight()},
                                        dy, op.getInput(), op.getWeight(),
                                        stride, pads, dilation, groups);
  SmallVector<Value> result = {dx, dw};
  if (op.getBias()) {
    int64_t rank = op.getInput().getType().getRank();
    bool batched = rank == int64_t(ConvOp::kSpatialRank) + 2;
    result.push_back(sumAllBut(g, dy, batched ? 1 : 0));
  }
  return finish(g, result);
}

FailureOr<SmallVector<Value>>
Conv1dOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return convolutionGradients(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
Conv2dOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return convolutionGradients(*this, builder, outputGradients);
}

FailureOr<SmallVector<Value>>
EmbeddingOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value dw = g.create<EmbeddingGradOp>(
      {outputGradients[0], getInput(), getWeight()}, outputGradients[0],
      getInput(), getWeight());
  return finish(g, {nullptr, dw});
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// The input gradient of a normalisation `xhat = (x - mean) * rstd` over
/// `dims`, given `dxhat`: rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)).
static Value normalizedInputGradient(GradientBuilder &g, Value xhat,
                                     Value rstd, Value dxhat,
                                     ArrayRef<int64_t> dims) {
  Value meanGrad = g.mean(dxhat, dims, /*keepdim=*/true);
  Value projection = g.mean(g.mul(dxhat, xhat), dims, /*keepdim=*/true);
  return g.mul(rstd, g.sub(g.sub(dxhat, meanGrad), g.mul(xhat, projection)));
}

FailureOr<SmallVector<Value>>
LayerNormOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  GradientBuilder g(builder, getLoc());
  Value x = getInput(), dy = outputGradients[0];
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  int64_t normalized = getNormalizedShape().size();
  SmallVector<int64_t> dims;
  for (int64_t d = rank - normalized; d < rank; ++d)
    dims.push_back(d);
  // Recompute the statistics (biased variance, as the forward pass).
  Value mean = g.mean(x, dims, /*keepdim=*/true);
  Value variance = g.variance(x, dims, /*correction=*/0, /*keepdim=*/true);
  Value rstd = g.rsqrt(g.add(variance, g.scalar(getEps().convertToDouble(),
                                                variance)));
  Value xhat = g.mul(g.sub(x, mean), rstd);
  Value dxhat = getWeight() ? g.mul(dy, getWeight()) : dy;
  SmallVector<Value> grads = {
      normalizedInputGradient(g, xhat, rstd, dxhat, dims)};
  SmallVector<int64_t> batchDims = leadingDims(rank - normalized);
  auto sumBatch = [&](Value v) {
    return batchDims.empty() ? v : g.sum(v, batchDims, /*keepdim=*/false);
  };
  if (getWeight())
    grads.push_back(sumBatch(g.mul(dy, xhat)));
  if (getBias())
    grads.push_back(sumBatch(dy));
  return finish(g, grads);
}

FailureOr<SmallVector<Value>>
RMSNormOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // y = x r w, r = rsqrt(mean(x^2) + eps):
  // dx = r (dy w - x r^2 mean(dy w x)); dw = sum(dy x r).
  GradientBuilder g(builder, getLoc());
  Value x = getInput(), w = getWeight(), dy = outputGradients[0];
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  int64_t normalized = getNormalizedShape().size();
  SmallVector<int64_t> dims;
  for (int64_t d = rank - normalized; d < rank; ++d)
    dims.push_back(d);
  Value meanSquare = g.mean(g.mul(x, x), dims, /*keepdim=*/true);
  Value r = g.rsqrt(g.add(meanSquare,
                          g.scalar(getEps().convertToDouble(), meanSquare)));
  Value dyw = g.mul(dy, w);
  Value projection = g.mean(g.mul(dyw, x), dims, /*keepdim=*/true);
  Value dx = g.mul(r, g.sub(dyw, g.mul(g.mul(x, g.mul(r, r)), projection)));
  Value dw = g.mul(dy, g.mul(x, r));
  SmallVector<int64_t> batchDims = leadingDims(rank - normalized);
  if (!batchDims.empty())
    dw = g.sum(dw, batchDims, /*keepdim=*/false);
  return finish(g, {dx, dw});
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// The gradient of a pooling of `kind` with the given window.
static FailureOr<SmallVector<Value>>
poolGradient(Operation *op, OpBuilder &builder, Value dy, StringRef kind,
             ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
             ArrayRef<int64_t> padding) {
  GradientBuilder g(builder, op->getLoc());
  Value x = op->getOperand(0);
  Value dx = g.create<Pool2dGradOp>(
      {dy, x}, dy, x, builder.getStringAttr(kind),
      builder.getDenseI64ArrayAttr(kernel), builder.getDenseI64ArrayAttr(stride),
      builder.getDenseI64ArrayAttr(padding));
  return finish(g, {dx});
}

FailureOr<SmallVector<Value>>
MaxPool2dOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return poolGradient(*this, builder, outputGradients[0], "max",
                      getKernelSize(), getStrideOrKernelSize(), getPadding());
}

FailureOr<SmallVector<Value>>
AvgPool2dOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  return poolGradient(*this, builder, outputGradients[0], "avg",
                      getKernelSize(), getStrideOrKernelSize(), getPadding());
}

FailureOr<SmallVector<Value>>
AdaptiveAvgPool2dOp::buildGradients(OpBuilder &builder,
                                    ValueRange outputGradients) {
  // Bins of equal size are an average pooling with kernel = stride.
  auto type = getInput().getType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> kernel;
  for (int64_t i = 0; i < 2; ++i) {
    int64_t size = type.getDimSize(rank - 2 + i);
    int64_t bins = getOutputSize()[i];
    if (ShapedType::isDynamic(size) || size % bins != 0)
      return emitOpError("has no gradient here: it needs static spatial "
                         "sizes divisible by output_size");
    kernel.push_back(size / bins);
  }
  return poolGradient(*this, builder, outputGradients[0], "avg", kernel, kernel,
                      {0, 0});
}

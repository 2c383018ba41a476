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

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

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
  return g.finish(grads);
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
  Value dw = g.create<ConvGradWeightOp>({dy, op.getInput(), op.getWeight()}, dy,
                                        op.getInput(), op.getWeight(), stride,
                                        pads, dilation, groups);
  SmallVector<Value> result = {dx, dw};
  if (op.getBias()) {
    int64_t rank = op.getInput().getType().getRank();
    bool batched = rank == int64_t(ConvOp::kSpatialRank) + 2;
    result.push_back(sumAllBut(g, dy, batched ? 1 : 0));
  }
  return g.finish(result);
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
  Value dw =
      g.create<EmbeddingGradOp>({outputGradients[0], getInput(), getWeight()},
                                outputGradients[0], getInput(), getWeight());
  return g.finish({nullptr, dw});
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// The input gradient of a normalisation `xhat = (x - mean) * rstd` over
/// `dims`, given `dxhat`: rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)).
static Value normalizedInputGradient(GradientBuilder &g, Value xhat, Value rstd,
                                     Value dxhat, ArrayRef<int64_t> dims) {
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
  Value rstd =
      g.rsqrt(g.add(variance, g.scalar(getEps().convertToDouble(), variance)));
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
  return g.finish(grads);
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
  Value r = g.rsqrt(
      g.add(meanSquare, g.scalar(getEps().convertToDouble(), meanSquare)));
  Value dyw = g.mul(dy, w);
  Value projection = g.mean(g.mul(dyw, x), dims, /*keepdim=*/true);
  Value dx = g.mul(r, g.sub(dyw, g.mul(g.mul(x, g.mul(r, r)), projection)));
  Value dw = g.mul(dy, g.mul(x, r));
  SmallVector<int64_t> batchDims = leadingDims(rank - normalized);
  if (!batchDims.empty())
    dw = g.sum(dw, batchDims, /*keepdim=*/false);
  return g.finish({dx, dw});
}

FailureOr<SmallVector<Value>>
GroupNormOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // The statistics are over each group [C / G, spatial...]: the input
  // viewed as [N, G, rest] is normalised like a layer norm over dim 2.
  auto type = cast<RankedTensorType>(getInput().getType());
  int64_t rank = type.getRank(), groups = getNumGroups();
  int64_t rest = 1;
  for (int64_t d = 1; d < rank; ++d) {
    if (type.isDynamicDim(d))
      return emitOpError("has no gradient here: it needs static channel "
                         "and spatial sizes");
    rest *= type.getDimSize(d);
  }
  rest /= groups;
  GradientBuilder g(builder, getLoc());
  Value x = getInput(), dy = outputGradients[0];
  SmallVector<int64_t> channelShape(rank - 1, 1);
  channelShape[0] = getNumChannels();
  Value weight = g.reshape(getWeight(), channelShape);
  Value grouped = g.reshape(x, {-1, groups, rest});
  Value mean = g.mean(grouped, {2}, /*keepdim=*/true);
  Value variance = g.variance(grouped, {2}, /*correction=*/0, true);
  Value rstd =
      g.rsqrt(g.add(variance, g.scalar(getEps().convertToDouble(), variance)));
  Value xhat = g.mul(g.sub(grouped, mean), rstd);
  Value dxhat = g.reshape(g.mul(dy, weight), {-1, groups, rest});
  Value dx = g.reshapeAs(normalizedInputGradient(g, xhat, rstd, dxhat, {2}), x);
  Value normalized = g.reshapeAs(xhat, x);
  Value dw = sumAllBut(g, g.mul(dy, normalized), 1);
  Value db = sumAllBut(g, dy, 1);
  return g.finish({dx, dw, db});
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
  Value dx = g.create<Pool2dGradOp>({dy, x}, dy, x, builder.getStringAttr(kind),
                                    builder.getDenseI64ArrayAttr(kernel),
                                    builder.getDenseI64ArrayAttr(stride),
                                    builder.getDenseI64ArrayAttr(padding));
  return g.finish({dx});
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

/// The matrix [size, bins] that spreads the gradient of adaptive average
/// pooling over one dim: column i holds 1 / |bin i| on the rows of bin i,
/// [floor(i size / bins), ceil((i + 1) size / bins)).
static DenseElementsAttr spreadMatrix(int64_t size, int64_t bins,
                                      Type elementType) {
  SmallVector<Attribute> values;
  std::vector<double> matrix(size * bins, 0.0);
  for (int64_t i = 0; i < bins; ++i) {
    int64_t begin = (i * size) / bins;
    int64_t end = ((i + 1) * size + bins - 1) / bins;
    for (int64_t row = begin; row < end; ++row)
      matrix[row * bins + i] = 1.0 / double(end - begin);
  }
  for (double value : matrix)
    values.push_back(FloatAttr::get(elementType, value));
  return DenseElementsAttr::get(
      RankedTensorType::get({size, bins}, elementType), values);
}

FailureOr<SmallVector<Value>>
AdaptiveAvgPool2dOp::buildGradients(OpBuilder &builder,
                                    ValueRange outputGradients) {
  // Separable: y = S_h^T x S_w with spread matrices S, so dx = S_h dy S_w^T.
  auto type = cast<RankedTensorType>(getInput().getType());
  int64_t rank = type.getRank();
  int64_t height = type.getDimSize(rank - 2), width = type.getDimSize(rank - 1);
  if (ShapedType::isDynamic(height) || ShapedType::isDynamic(width))
    return emitOpError("has no gradient here: it needs static spatial sizes");
  Type elementType = type.getElementType();
  GradientBuilder g(builder, getLoc());
  Value rows = g.create<ConstantOp>(
      {}, spreadMatrix(height, getOutputSize()[0], elementType));
  Value columns = g.create<ConstantOp>(
      {}, spreadMatrix(width, getOutputSize()[1], elementType));
  Value dx =
      g.matmul(g.matmul(rows, outputGradients[0]), g.transpose(columns, 0, 1));
  return g.finish({dx});
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// An identity matrix [size, size] of `elementType`.
static DenseElementsAttr identity(int64_t size, Type elementType) {
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j)
      values.push_back(FloatAttr::get(elementType, i == j ? 1.0 : 0.0));
  return DenseElementsAttr::get(
      RankedTensorType::get({size, size}, elementType), values);
}

FailureOr<SmallVector<Value>>
ScaledDotProductAttentionOp::buildGradients(OpBuilder &builder,
                                            ValueRange outputGradients) {
  // With P = softmax(q k^T s + mask) and o = P v:
  // dv = P^T do, dP = do v^T, dS = P (dP - sum(dP P)), dq = dS k s,
  // dk = dS^T q s. P is recomputed by this op itself on v = I, which
  // applies the same causal and explicit masks.
  auto keyType = cast<RankedTensorType>(getKey().getType());
  auto queryType = cast<RankedTensorType>(getQuery().getType());
  int64_t keys = keyType.getDimSize(keyType.getRank() - 2);
  int64_t embed = queryType.getDimSize(queryType.getRank() - 1);
  if (ShapedType::isDynamic(keys) ||
      (!getScale() && ShapedType::isDynamic(embed)))
    return emitOpError("has no gradient here: it needs a static number of "
                       "keys (and of features without a scale)");
  double scale = getScale() ? getScale()->convertToDouble()
                            : 1.0 / std::sqrt(double(embed));
  Type elementType = queryType.getElementType();
  GradientBuilder g(builder, getLoc());
  Value eye = g.create<ConstantOp>({}, identity(keys, elementType));
  SmallVector<Value> operands = {getQuery(), getKey(), eye};
  if (getMask())
    operands.push_back(getMask());
  Value weights = g.create<ScaledDotProductAttentionOp>(
      operands, getQuery(), getKey(), eye, getMask(), getIsCausalAttr(),
      getScaleAttr());
  Value dy = outputGradients[0];
  Value dValue = g.matmul(g.transpose(weights, -2, -1), dy);
  Value dWeights = g.matmul(dy, g.transpose(getValue(), -2, -1));
  Value dScores = g.mul(
      weights, g.sub(dWeights, g.sum(g.mul(dWeights, weights), {-1}, true)));
  Value scaled = g.mul(dScores, g.scalar(scale, dScores));
  Value dQuery = g.matmul(scaled, getKey());
  Value dKey = g.matmul(g.transpose(scaled, -2, -1), getQuery());
  SmallVector<Value> grads = {g.sumToShapeOf(dQuery, getQuery()),
                              g.sumToShapeOf(dKey, getKey()),
                              g.sumToShapeOf(dValue, getValue())};
  if (getMask())
    grads.push_back(isDifferentiable(getMask())
                        ? g.sumToShapeOf(dScores, getMask())
                        : Value());
  return g.finish(grads);
}

/// [..., T, E] as [..., H, T, E / H], or null when T and a batch are both
/// unknown (a reshape takes one -1).
static Value splitHeads(GradientBuilder &g, Value x, int64_t heads) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), embed = type.getDimSize(rank - 1);
  int64_t tokens = type.getDimSize(rank - 2);
  SmallVector<int64_t> shape;
  if (rank == 3)
    shape.push_back(-1);
  if (rank == 3 && ShapedType::isDynamic(tokens))
    return nullptr;
  shape.append(
      {ShapedType::isDynamic(tokens) ? -1 : tokens, heads, embed / heads});
  return g.transpose(g.reshape(x, shape), -3, -2);
}

/// [..., H, T, D] as [..., T, H * D].
static Value mergeHeads(GradientBuilder &g, Value x, int64_t embed) {
  Value transposed = g.transpose(x, -3, -2);
  int64_t rank = cast<RankedTensorType>(transposed.getType()).getRank();
  auto type = cast<RankedTensorType>(transposed.getType());
  int64_t tokens = type.getDimSize(rank - 3);
  if (rank == 4)
    return g.reshape(transposed, {-1, tokens, embed});
  return g.reshape(transposed, {-1, embed});
}

FailureOr<SmallVector<Value>>
MultiheadAttentionOp::buildGradients(OpBuilder &builder,
                                     ValueRange outputGradients) {
  // The gradient of the op's decomposition (projections, heads, attention,
  // output projection), rebuilt here from catalog ops.
  GradientBuilder g(builder, getLoc());
  int64_t embed = getEmbedDim(), heads = getNumHeads();
  auto part = [&](Value packed, int64_t index) -> Value {
    if (!packed)
      return nullptr;
    return g.create<SliceOp>({packed}, packed, builder.getI64IntegerAttr(0),
                             builder.getI64IntegerAttr(index * embed),
                             builder.getI64IntegerAttr((index + 1) * embed),
                             builder.getI64IntegerAttr(1));
  };
  auto linear = [&](Value x, Value weight, Value bias) -> Value {
    SmallVector<Value> operands = {x, weight};
    if (bias)
      operands.push_back(bias);
    return g.create<LinearOp>(operands, x, weight, bias,
                              builder.getI64IntegerAttr(embed),
                              builder.getI64IntegerAttr(embed));
  };
  Value q = splitHeads(
      g,
      linear(getQuery(), part(getInProjWeight(), 0), part(getInProjBias(), 0)),
      heads);
  Value k = splitHeads(
      g, linear(getKey(), part(getInProjWeight(), 1), part(getInProjBias(), 1)),
      heads);
  Value v = splitHeads(
      g,
      linear(getValue(), part(getInProjWeight(), 2), part(getInProjBias(), 2)),
      heads);
  if (!g.failed() && (!q || !k || !v))
    return emitOpError("has no gradient here: it needs static sequence "
                       "lengths");
  Value attention = g.create<ScaledDotProductAttentionOp>(
      {q, k, v}, q, k, v, Value(), builder.getBoolAttr(false), FloatAttr());
  Value output = linear(mergeHeads(g, attention, embed), getOutProjWeight(),
                        getOutProjBias());
  if (g.failed())
    return failure();
  return differentiateComposite(builder, getOperands(), output,
                                outputGradients[0]);
}

//===----------------------------------------------------------------------===//
// Interpolate
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>>
InterpolateOp::buildGradients(OpBuilder &builder, ValueRange outputGradients) {
  // Separable and linear in the input: y = R_h x R_w^T for 2 spatial dims
  // (R: [out, in] per dim), so dx = R_h^T dy R_w. Each R^T [in, out] is
  // this op itself (same modes) applied along its dim to an identity,
  // the other spatial dim of extent 1 at scale 1 (an identity resize).
  auto type = cast<RankedTensorType>(getInput().getType());
  int64_t spatial = type.getRank() - 2;
  if (spatial < 1 || spatial > 2 ||
      llvm::any_of(type.getShape().drop_front(2), ShapedType::isDynamic) ||
      !llvm::all_of(getSize(), [](int64_t size) { return size > 0; }))
    return emitOpError("has no gradient here: it needs one or two spatial "
                       "dims of static sizes");
  Type elementType = type.getElementType();
  GradientBuilder g(builder, getLoc());
  // R^T [in, out] of spatial dim `d`.
  auto resize = [&](int64_t d) -> Value {
    int64_t in = type.getDimSize(2 + d), out = getSize()[d];
    Value eye = g.create<ConstantOp>({}, identity(in, elementType));
    SmallVector<int64_t> shape = {1, in}, size, ones(spatial, 1);
    SmallVector<double> scales(spatial, 1.0);
    shape.append(ones);
    shape[2 + d] = in;
    size.assign(spatial, 1);
    size[d] = out;
    scales[d] = getScales()[d];
    Value input = g.reshape(eye, shape);
    Value resized = g.create<InterpolateOp>(
        {input}, input, builder.getDenseI64ArrayAttr(size),
        builder.getDenseF64ArrayAttr(scales), getModeAttr(),
        getCoordinateTransformationModeAttr(), getNearestModeAttr());
    return g.reshape(resized, {in, out});
  };
  Value dy = outputGradients[0];
  Value dx = g.matmul(dy, g.transpose(resize(spatial - 1), 0, 1));
  if (spatial == 2)
    dx = g.matmul(resize(0), dx);
  return g.finish({dx});
}

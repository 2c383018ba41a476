//===- LayerOps.cpp - Layers, normalisation, pooling, attention -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Type inference of the ops with parameters, and of pooling: the catalog's
// arguments are checked against the parameters' shapes and the input's dims
// wherever both are known.
//
//===----------------------------------------------------------------------===//

#include "InferenceSupport.h"

#include <limits>

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::detail;

//===----------------------------------------------------------------------===//
// Linear
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType weight = tensorTypeOf(adaptor.getWeight());
  RankedTensorType bias = tensorTypeOf(adaptor.getBias());
  if (!input || !weight)
    return failure();
  int64_t in = adaptor.getInFeatures(), out = adaptor.getOutFeatures();
  if (failed(error.checkMinRank("input", input, 1)) ||
      failed(error.checkDim("input", input, input.getRank() - 1, in,
                            "in_features")) ||
      failed(error.checkShape("weight", weight, {out, in})) ||
      failed(error.checkElementType("weight", weight, "input",
                                    input.getElementType())))
    return failure();
  if (bias && (failed(error.checkShape("bias", bias, {out})) ||
               failed(error.checkElementType("bias", bias, "input",
                                             input.getElementType()))))
    return failure();
  SmallVector<int64_t> shape(input.getShape().drop_back());
  shape.push_back(out);
  return pushTensor(types, shape, input.getElementType());
}

//===----------------------------------------------------------------------===//
// Conv1d, Conv2d
//===----------------------------------------------------------------------===//

/// Infers a convolution's result: `input` is `[N, C, spatial...]` or
/// `[C, spatial...]`, the weight `[C_out, C_in / groups, kernel...]`.
template <typename ConvOp>
static LogicalResult inferConv(std::optional<Location> loc,
                               typename ConvOp::Adaptor adaptor,
                               SmallVectorImpl<Type> &types) {
  constexpr unsigned rank = ConvOp::kSpatialRank;
  InferenceErrors error(loc, ConvOp::getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType weight = tensorTypeOf(adaptor.getWeight());
  RankedTensorType bias = tensorTypeOf(adaptor.getBias());
  if (!input || !weight)
    return failure();
  ArrayRef<int64_t> kernel = adaptor.getKernelSize();
  ArrayRef<int64_t> stride = adaptor.getStride();
  ArrayRef<int64_t> dilation = adaptor.getDilation();
  int64_t in = adaptor.getInChannels(), out = adaptor.getOutChannels();
  int64_t groups = adaptor.getGroups();
  if (failed(error.checkPositive("kernel_size", kernel, rank)) ||
      failed(error.checkPositive("stride", stride, rank)) ||
      failed(error.checkPositive("dilation", dilation, rank)))
    return failure();
  if (in % groups != 0 || out % groups != 0)
    return error("expected in_channels (", in, ") and out_channels (", out,
                 ") to be multiples of groups (", groups, ")");

  auto padding =
      resolveConvPadding(adaptor.getPadding(), kernel, dilation, rank);
  if (padding.empty())
    return error("expected padding to be \"same\", \"valid\", or ", rank,
                 " or ", 2 * rank, " non-negative sizes");
  auto mode = dyn_cast_or_null<StringAttr>(adaptor.getPadding());
  bool same = !adaptor.getPadding() || (mode && mode.getValue() == "same");
  if (same && llvm::any_of(stride, [](int64_t s) { return s != 1; }))
    return error("expected stride 1 with padding \"same\", got ",
                 formatShape(stride));

  if (input.getRank() != rank + 1 && input.getRank() != rank + 2)
    return error("expected input rank (", input.getRank(), ") to be ", rank + 2,
                 " (batched) or ", rank + 1, " (unbatched)");
  int64_t channelDim = input.getRank() - rank - 1;
  SmallVector<int64_t> weightShape = {out, in / groups};
  llvm::append_range(weightShape, kernel);
  if (failed(error.checkDim("input", input, channelDim, in, "in_channels")) ||
      failed(error.checkShape("weight", weight, weightShape)) ||
      failed(error.checkElementType("weight", weight, "input",
                                    input.getElementType())))
    return failure();
  if (bias && (failed(error.checkShape("bias", bias, {out})) ||
               failed(error.checkElementType("bias", bias, "input",
                                             input.getElementType()))))
    return failure();

  SmallVector<int64_t> shape(input.getShape().take_front(channelDim));
  shape.push_back(out);
  for (unsigned i = 0; i < rank; ++i) {
    int64_t size = input.getDimSize(channelDim + 1 + i);
    int64_t result =
        windowOutputSize(size, kernel[i], stride[i], padding[i].first,
                         padding[i].second, dilation[i]);
    if (result != kDynamic && result <= 0)
      return error("expected input spatial dim ", channelDim + 1 + i, " (",
                   size, ") to be at least the kernel (", kernel[i],
                   ", dilation ", dilation[i], ") after padding");
    shape.push_back(result);
  }
  return pushTensor(types, shape, input.getElementType());
}

LogicalResult Conv1dOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferConv<Conv1dOp>(loc, adaptor, types);
}

LogicalResult Conv2dOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferConv<Conv2dOp>(loc, adaptor, types);
}

//===----------------------------------------------------------------------===//
// Embedding
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType weight = tensorTypeOf(adaptor.getWeight());
  if (!input || !weight)
    return failure();
  int64_t dim = adaptor.getEmbeddingDim();
  if (failed(error.checkShape("weight", weight,
                              {adaptor.getNumEmbeddings(), dim})))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape.push_back(dim);
  return pushTensor(types, shape, weight.getElementType());
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// Checks that each of `params` (named by `names`) has shape `shape` and
/// `input`'s element type.
static LogicalResult checkParameters(const InferenceErrors &error,
                                     RankedTensorType input,
                                     ArrayRef<Value> params,
                                     ArrayRef<StringRef> names,
                                     ArrayRef<int64_t> shape) {
  for (auto [param, name] : llvm::zip_equal(params, names)) {
    RankedTensorType type = tensorTypeOf(param);
    if (!type || failed(error.checkShape(name, type, shape)) ||
        failed(error.checkElementType(name, type, "input",
                                      input.getElementType())))
      return failure();
  }
  return success();
}

template <typename BatchNormOp>
static LogicalResult inferBatchNorm(std::optional<Location> loc,
                                    typename BatchNormOp::Adaptor adaptor,
                                    SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, BatchNormOp::getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  ArrayRef<int64_t> ranks = BatchNormOp::getAcceptedRanks();
  if (!llvm::is_contained(ranks, input.getRank())) {
    if (ranks.size() == 1)
      return error.checkRank("input", input, ranks.front());
    return error("expected input rank (", input.getRank(), ") to be ",
                 ranks.front(), " or ", ranks.back());
  }
  int64_t features = adaptor.getNumFeatures();
  if (failed(error.checkDim("input", input, 1, features, "num_features")) ||
      failed(checkParameters(
          error, input,
          {adaptor.getWeight(), adaptor.getBias(), adaptor.getRunningMean(),
           adaptor.getRunningVar()},
          {"weight", "bias", "running_mean", "running_var"}, {features})))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult BatchNorm1dOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  return inferBatchNorm<BatchNorm1dOp>(loc, adaptor, types);
}

LogicalResult BatchNorm2dOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  return inferBatchNorm<BatchNorm2dOp>(loc, adaptor, types);
}

/// Checks that the trailing dims of `input` are `normalizedShape`.
static LogicalResult checkNormalizedShape(const InferenceErrors &error,
                                          RankedTensorType input,
                                          ArrayRef<int64_t> normalizedShape) {
  if (normalizedShape.empty())
    return error("expected normalized_shape to be non-empty");
  if (failed(error.checkPositive("normalized_shape", normalizedShape,
                                 normalizedShape.size())))
    return failure();
  int64_t count = normalizedShape.size();
  if (input.getRank() < count)
    return error("expected input rank (", input.getRank(),
                 ") to be at least the rank of normalized_shape (", count, ")");
  ArrayRef<int64_t> trailing = input.getShape().take_back(count);
  for (auto [actual, expected] : llvm::zip_equal(trailing, normalizedShape))
    if (!areCompatibleDims(actual, expected))
      return error("expected the trailing dims of input (",
                   formatShape(trailing), ") to be normalized_shape (",
                   formatShape(normalizedShape), ")");
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  ArrayRef<int64_t> normalizedShape = adaptor.getNormalizedShape();
  if (failed(checkNormalizedShape(error, input, normalizedShape)))
    return failure();
  bool hasWeight = static_cast<bool>(adaptor.getWeight());
  bool hasBias = static_cast<bool>(adaptor.getBias());
  if (adaptor.getElementwiseAffine() != hasWeight ||
      adaptor.getElementwiseAffine() != hasBias)
    return error("expected weight and bias ",
                 adaptor.getElementwiseAffine() ? "with" : "without",
                 " elementwise_affine");
  if (hasWeight && failed(checkParameters(
                       error, input, {adaptor.getWeight(), adaptor.getBias()},
                       {"weight", "bias"}, normalizedShape)))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult RMSNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input ||
      failed(
          checkNormalizedShape(error, input, adaptor.getNormalizedShape())) ||
      failed(checkParameters(error, input, {adaptor.getWeight()}, {"weight"},
                             adaptor.getNormalizedShape())))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult GroupNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  int64_t groups = adaptor.getNumGroups(), channels = adaptor.getNumChannels();
  if (channels % groups != 0)
    return error("expected num_channels (", channels,
                 ") to be a multiple of num_groups (", groups, ")");
  if (failed(error.checkMinRank("input", input, 2)) ||
      failed(error.checkDim("input", input, 1, channels, "num_channels")) ||
      failed(checkParameters(error, input,
                             {adaptor.getWeight(), adaptor.getBias()},
                             {"weight", "bias"}, {channels})))
    return failure();
  types.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Checks that `input` is `[N, C, H, W]` or `[C, H, W]`.
static LogicalResult checkImageInput(const InferenceErrors &error,
                                     RankedTensorType input) {
  if (input.getRank() != 3 && input.getRank() != 4)
    return error("expected input rank (", input.getRank(),
                 ") to be 4 (batched) or 3 (unbatched)");
  return success();
}

template <typename PoolOp>
static LogicalResult inferPool2d(std::optional<Location> loc,
                                 typename PoolOp::Adaptor adaptor,
                                 SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, PoolOp::getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input || failed(checkImageInput(error, input)))
    return failure();
  ArrayRef<int64_t> kernel = adaptor.getKernelSize();
  ArrayRef<int64_t> stride =
      adaptor.getStride() ? *adaptor.getStride() : kernel;
  ArrayRef<int64_t> padding = adaptor.getPadding();
  if (failed(error.checkPositive("kernel_size", kernel, 2)) ||
      failed(error.checkPositive("stride", stride, 2)))
    return failure();
  if (padding.size() != 2)
    return error("expected padding to have 2 entries, got ", padding.size());
  for (unsigned i = 0; i < 2; ++i)
    if (padding[i] < 0 || 2 * padding[i] > kernel[i])
      return error("expected padding (", formatShape(padding),
                   ") to be non-negative and at most half of kernel_size (",
                   formatShape(kernel), ")");

  SmallVector<int64_t> shape(input.getShape().drop_back(2));
  for (unsigned i = 0; i < 2; ++i) {
    int64_t dim = input.getRank() - 2 + i;
    int64_t size = input.getDimSize(dim);
    int64_t result =
        windowOutputSize(size, kernel[i], stride[i], padding[i], padding[i]);
    if (result != kDynamic && result <= 0)
      return error("expected input spatial dim ", dim, " (", size,
                   ") to be at least kernel_size (", kernel[i],
                   ") after padding");
    shape.push_back(result);
  }
  return pushTensor(types, shape, input.getElementType());
}

LogicalResult MaxPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferPool2d<MaxPool2dOp>(loc, adaptor, types);
}

LogicalResult AvgPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferPool2d<AvgPool2dOp>(loc, adaptor, types);
}

LogicalResult AdaptiveAvgPool2dOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  ArrayRef<int64_t> outputSize = adaptor.getOutputSize();
  if (!input || failed(checkImageInput(error, input)) ||
      failed(error.checkPositive("output_size", outputSize, 2)))
    return failure();
  SmallVector<int64_t> shape(input.getShape().drop_back(2));
  llvm::append_range(shape, outputSize);
  return pushTensor(types, shape, input.getElementType());
}

LogicalResult InterpolateOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1)
    return error("expected input rank (", input.getRank(),
                 ") to be at least 3 ([N, C, spatial...])");
  ArrayRef<int64_t> size = adaptor.getSize();
  ArrayRef<double> scales = adaptor.getScales();
  if (failed(error.checkPositive("size", size, spatial)))
    return failure();
  if (int64_t(scales.size()) != spatial ||
      llvm::any_of(scales, [](double scale) { return !(scale > 0); }))
    return error("expected ", spatial, " positive scales");
  StringRef mode = adaptor.getMode();
  if (mode != "nearest" && mode != "linear")
    return error("expected mode (\"", mode,
                 "\") to be \"nearest\" or "
                 "\"linear\"");
  if (mode == "linear" && spatial > 2)
    return error("expected at most 2 spatial dims for linear mode");
  if (!llvm::is_contained(
          {"half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"},
          adaptor.getCoordinateTransformationMode()))
    return error("unknown coordinate_transformation_mode \"",
                 adaptor.getCoordinateTransformationMode(), "\"");
  if (!llvm::is_contained(
          {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
          adaptor.getNearestMode()))
    return error("unknown nearest_mode \"", adaptor.getNearestMode(), "\"");
  SmallVector<int64_t> shape(input.getShape().take_front(2));
  llvm::append_range(shape, size);
  return pushTensor(types, shape, input.getElementType());
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult ScaledDotProductAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType query = tensorTypeOf(adaptor.getQuery());
  RankedTensorType key = tensorTypeOf(adaptor.getKey());
  RankedTensorType value = tensorTypeOf(adaptor.getValue());
  RankedTensorType mask = tensorTypeOf(adaptor.getMask());
  if (!query || !key || !value)
    return failure();
  Type elementType = query.getElementType();
  if (failed(error.checkMinRank("query", query, 2)) ||
      failed(error.checkMinRank("key", key, 2)) ||
      failed(error.checkMinRank("value", value, 2)) ||
      failed(error.checkElementType("key", key, "query", elementType)) ||
      failed(error.checkElementType("value", value, "query", elementType)))
    return failure();
  int64_t embed = query.getShape().back(), length = query.getShape().end()[-2];
  int64_t source = key.getShape().end()[-2];
  if (!areCompatibleDims(key.getShape().back(), embed))
    return error("expected key's last dim (", key.getShape().back(),
                 ") to be query's (", embed, ")");
  if (!areCompatibleDims(value.getShape().end()[-2], source))
    return error("expected value's sequence dim (", value.getShape().end()[-2],
                 ") to be key's (", source, ")");
  auto batch = broadcastShapes(query.getShape().drop_back(2),
                               key.getShape().drop_back(2));
  if (batch)
    batch = broadcastShapes(*batch, value.getShape().drop_back(2));
  if (!batch)
    return error("expected the batch dims of query, key and value (",
                 formatShape(query.getShape().drop_back(2)), ", ",
                 formatShape(key.getShape().drop_back(2)), ", ",
                 formatShape(value.getShape().drop_back(2)), ") to broadcast");
  if (mask) {
    if (adaptor.getIsCausal())
      return error("expected no mask with is_causal");
    if (!mask.getElementType().isInteger(1) &&
        mask.getElementType() != elementType)
      return error("expected mask element type (", mask.getElementType(),
                   ") to be i1 or query's element type (", elementType, ")");
    SmallVector<int64_t> scores(*batch);
    scores.append({length, source});
    auto broadcast = broadcastShapes(mask.getShape(), scores);
    if (!broadcast ||
        !areCompatibleTypes(RankedTensorType::get(*broadcast, elementType),
                            RankedTensorType::get(scores, elementType)))
      return error("expected mask shape (", formatShape(mask.getShape()),
                   ") to broadcast to the scores' shape (", formatShape(scores),
                   ")");
  }
  SmallVector<int64_t> shape(*batch);
  shape.append({length, value.getShape().back()});
  return pushTensor(types, shape, elementType);
}

LogicalResult MultiheadAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType query = tensorTypeOf(adaptor.getQuery());
  RankedTensorType key = tensorTypeOf(adaptor.getKey());
  RankedTensorType value = tensorTypeOf(adaptor.getValue());
  if (!query || !key || !value)
    return failure();
  int64_t embed = adaptor.getEmbedDim(), heads = adaptor.getNumHeads();
  if (embed % heads != 0)
    return error("expected embed_dim (", embed,
                 ") to be a multiple of num_heads (", heads, ")");
  if (embed > std::numeric_limits<int64_t>::max() / 3)
    return error("expected embed_dim (", embed, ") to be at most ",
                 std::numeric_limits<int64_t>::max() / 3);
  if (query.getRank() != 2 && query.getRank() != 3)
    return error("expected query rank (", query.getRank(),
                 ") to be 3 (batched) or 2 (unbatched)");
  int64_t rank = query.getRank();
  if (failed(error.checkRank("key", key, rank)) ||
      failed(error.checkRank("value", value, rank)))
    return failure();
  for (auto [name, type] :
       {std::pair<StringRef, RankedTensorType>{"query", query},
        {"key", key},
        {"value", value}})
    if (failed(error.checkDim(name, type, rank - 1, embed, "embed_dim")) ||
        failed(error.checkElementType(name, type, "query",
                                      query.getElementType())))
      return failure();
  if (!areCompatibleDims(key.getDimSize(rank - 2), value.getDimSize(rank - 2)))
    return error("expected key and value to have the same sequence length (",
                 key.getDimSize(rank - 2), " and ", value.getDimSize(rank - 2),
                 ")");
  if (rank == 3 &&
      (!areCompatibleDims(query.getDimSize(0), key.getDimSize(0)) ||
       !areCompatibleDims(query.getDimSize(0), value.getDimSize(0))))
    return error("expected query, key and value to have the same batch size");
  bool hasInBias = static_cast<bool>(adaptor.getInProjBias());
  if (hasInBias != static_cast<bool>(adaptor.getOutProjBias()))
    return error("expected both in_proj_bias and out_proj_bias, or neither");
  if (failed(checkParameters(error, query, {adaptor.getInProjWeight()},
                             {"in_proj_weight"}, {3 * embed, embed})) ||
      failed(checkParameters(error, query, {adaptor.getOutProjWeight()},
                             {"out_proj_weight"}, {embed, embed})))
    return failure();
  if (hasInBias &&
      (failed(checkParameters(error, query, {adaptor.getInProjBias()},
                              {"in_proj_bias"}, {3 * embed})) ||
       failed(checkParameters(error, query, {adaptor.getOutProjBias()},
                              {"out_proj_bias"}, {embed}))))
    return failure();
  types.push_back(query);
  return success();
}

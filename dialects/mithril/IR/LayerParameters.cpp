//===- LayerParameters.cpp - The parameters of the layers -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// ParameterizedOpInterface of the ops with parameters: the shapes their
// catalog arguments give the parameters (PyTorch's), and PyTorch's default
// initialisers (what a freshly constructed torch.nn module holds).
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

//===----------------------------------------------------------------------===//
// Reading catalog arguments
//===----------------------------------------------------------------------===//

static int64_t getInt(const ArgValues &args, StringRef name,
                      int64_t defaultValue = 0) {
  if (auto value = dyn_cast_or_null<IntegerAttr>(args.lookup(name)))
    return value.getValue().getSExtValue();
  return defaultValue;
}

static bool getBool(const ArgValues &args, StringRef name, bool defaultValue) {
  if (auto value = dyn_cast_or_null<BoolAttr>(args.lookup(name)))
    return value.getValue();
  return defaultValue;
}

static SmallVector<int64_t> getInts(const ArgValues &args, StringRef name,
                                    ArrayRef<int64_t> defaultValue) {
  if (auto value = dyn_cast_or_null<DenseI64ArrayAttr>(args.lookup(name)))
    return llvm::to_vector(value.asArrayRef());
  return llvm::to_vector(defaultValue);
}

//===----------------------------------------------------------------------===//
// Initialisers
//===----------------------------------------------------------------------===//

/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): what kaiming_uniform_(a=sqrt(5))
/// gives a weight, and what torch.nn.Linear/ConvNd give their bias.
static InitializerAttr fanInUniform(MLIRContext *context, int64_t fanIn) {
  return InitializerAttr::uniform(
      context, fanIn > 0 ? 1.0 / std::sqrt(double(fanIn)) : 0.0);
}

/// The fan-in of a convolution: in_channels / groups * kernel volume.
static int64_t convFanIn(Value weight) {
  int64_t fanIn = 1;
  for (int64_t size :
       cast<RankedTensorType>(weight.getType()).getShape().drop_front())
    fanIn *= size;
  return fanIn;
}

/// 1 for `ones`, 0 for the other parameters of a normalisation.
static InitializerAttr oneOrZero(OpOperand &operand, ValueRange ones) {
  bool one = llvm::is_contained(ones, operand.get());
  return InitializerAttr::constant(operand.getOwner()->getContext(),
                                   one ? 1.0 : 0.0);
}

//===----------------------------------------------------------------------===//
// Linear, convolutions, Embedding
//===----------------------------------------------------------------------===//

SmallVector<ParameterSpec> LinearOp::getParameterSpecs(const ArgValues &args) {
  int64_t in = getInt(args, "in_features"), out = getInt(args, "out_features");
  return {{"weight", {out, in}}, {"bias", {out}, getBool(args, "bias", true)}};
}

InitializerAttr LinearOp::getDefaultInitializer(OpOperand &) {
  return fanInUniform(getContext(), getInFeatures());
}

template <typename ConvOp>
static SmallVector<ParameterSpec> getConvParameterSpecs(const ArgValues &args) {
  int64_t in = getInt(args, "in_channels"), out = getInt(args, "out_channels");
  int64_t groups = std::max<int64_t>(getInt(args, "groups", 1), 1);
  SmallVector<int64_t> weight = {out, in / groups};
  llvm::append_range(weight,
                     getInts(args, "kernel_size",
                             SmallVector<int64_t>(ConvOp::kSpatialRank, 3)));
  return {{"weight", weight}, {"bias", {out}, getBool(args, "bias", true)}};
}

SmallVector<ParameterSpec> Conv1dOp::getParameterSpecs(const ArgValues &args) {
  return getConvParameterSpecs<Conv1dOp>(args);
}

SmallVector<ParameterSpec> Conv2dOp::getParameterSpecs(const ArgValues &args) {
  return getConvParameterSpecs<Conv2dOp>(args);
}

InitializerAttr Conv1dOp::getDefaultInitializer(OpOperand &) {
  return fanInUniform(getContext(), convFanIn(getWeight()));
}

InitializerAttr Conv2dOp::getDefaultInitializer(OpOperand &) {
  return fanInUniform(getContext(), convFanIn(getWeight()));
}

SmallVector<ParameterSpec>
EmbeddingOp::getParameterSpecs(const ArgValues &args) {
  return {{"weight",
           {getInt(args, "num_embeddings"), getInt(args, "embedding_dim")}}};
}

InitializerAttr EmbeddingOp::getDefaultInitializer(OpOperand &) {
  return InitializerAttr::normal(getContext(), 1.0);
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

static SmallVector<ParameterSpec>
getBatchNormParameterSpecs(const ArgValues &args) {
  int64_t features = getInt(args, "num_features");
  return {{"weight", {features}},
          {"bias", {features}},
          {"running_mean", {features}},
          {"running_var", {features}}};
}

SmallVector<ParameterSpec>
BatchNorm1dOp::getParameterSpecs(const ArgValues &args) {
  return getBatchNormParameterSpecs(args);
}

SmallVector<ParameterSpec>
BatchNorm2dOp::getParameterSpecs(const ArgValues &args) {
  return getBatchNormParameterSpecs(args);
}

InitializerAttr BatchNorm1dOp::getDefaultInitializer(OpOperand &operand) {
  return oneOrZero(operand, {getWeight(), getRunningVar()});
}

InitializerAttr BatchNorm2dOp::getDefaultInitializer(OpOperand &operand) {
  return oneOrZero(operand, {getWeight(), getRunningVar()});
}

SmallVector<ParameterSpec>
LayerNormOp::getParameterSpecs(const ArgValues &args) {
  SmallVector<int64_t> shape = getInts(args, "normalized_shape", {});
  bool affine = getBool(args, "elementwise_affine", true);
  return {{"weight", shape, affine}, {"bias", shape, affine}};
}

InitializerAttr LayerNormOp::getDefaultInitializer(OpOperand &operand) {
  return oneOrZero(operand, {getWeight()});
}

SmallVector<ParameterSpec> RMSNormOp::getParameterSpecs(const ArgValues &args) {
  return {{"weight", getInts(args, "normalized_shape", {})}};
}

InitializerAttr RMSNormOp::getDefaultInitializer(OpOperand &operand) {
  return oneOrZero(operand, {getWeight()});
}

SmallVector<ParameterSpec>
GroupNormOp::getParameterSpecs(const ArgValues &args) {
  int64_t channels = getInt(args, "num_channels");
  return {{"weight", {channels}}, {"bias", {channels}}};
}

InitializerAttr GroupNormOp::getDefaultInitializer(OpOperand &operand) {
  return oneOrZero(operand, {getWeight()});
}

//===----------------------------------------------------------------------===//
// MultiheadAttention
//===----------------------------------------------------------------------===//

SmallVector<ParameterSpec>
MultiheadAttentionOp::getParameterSpecs(const ArgValues &args) {
  int64_t embed = getInt(args, "embed_dim");
  bool bias = getBool(args, "bias", true);
  // -1 (an invalid size, which the importer reports) where 3E overflows.
  int64_t threeEmbed = embed <= INT64_MAX / 3 ? 3 * embed : -1;
  return {{"in_proj_weight", {threeEmbed, embed}},
          {"out_proj.weight", {embed, embed}},
          {"in_proj_bias", {threeEmbed}, bias},
          {"out_proj.bias", {embed}, bias}};
}

/// The in-projection Xavier-uniform (of [3E, E]), the out-projection like a
/// Linear layer's weight, both biases zero.
InitializerAttr
MultiheadAttentionOp::getDefaultInitializer(OpOperand &operand) {
  int64_t embed = getEmbedDim();
  if (operand.get() == getInProjWeight())
    return InitializerAttr::uniform(getContext(),
                                    std::sqrt(6.0 / double(4 * embed)));
  if (operand.get() == getOutProjWeight())
    return fanInUniform(getContext(), embed);
  return InitializerAttr::constant(getContext(), 0.0);
}

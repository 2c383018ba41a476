//===- OpCatalog.cpp - The op catalog of the model format -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OpCatalog.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

#include <cctype>

using namespace mlir;
using namespace mlir::mithril;

//===----------------------------------------------------------------------===//
// Reading arguments
//===----------------------------------------------------------------------===//

static int64_t getInt(const ArgValues &args, StringRef name,
                      int64_t defaultValue = 0) {
  auto it = args.find(name);
  if (it != args.end())
    if (auto value = dyn_cast<IntegerAttr>(it->second))
      return value.getValue().getSExtValue();
  return defaultValue;
}

static bool getBool(const ArgValues &args, StringRef name, bool defaultValue) {
  auto it = args.find(name);
  if (it != args.end())
    if (auto value = dyn_cast<BoolAttr>(it->second))
      return value.getValue();
  return defaultValue;
}

static SmallVector<int64_t> getInts(const ArgValues &args, StringRef name,
                                    ArrayRef<int64_t> defaultValue) {
  auto it = args.find(name);
  if (it != args.end())
    if (auto value = dyn_cast<DenseI64ArrayAttr>(it->second))
      return llvm::to_vector(value.asArrayRef());
  return llvm::to_vector(defaultValue);
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

static SmallVector<ParamSpec> linearParams(const ArgValues &args) {
  int64_t in = getInt(args, "in_features"), out = getInt(args, "out_features");
  return {{"weight", {out, in}}, {"bias", {out}, getBool(args, "bias", true)}};
}

template <unsigned SpatialRank>
static SmallVector<ParamSpec> convParams(const ArgValues &args) {
  int64_t in = getInt(args, "in_channels"), out = getInt(args, "out_channels");
  int64_t groups = std::max<int64_t>(getInt(args, "groups", 1), 1);
  SmallVector<int64_t> weight = {out, in / groups};
  llvm::append_range(weight, getInts(args, "kernel_size",
                                     SmallVector<int64_t>(SpatialRank, 3)));
  return {{"weight", weight}, {"bias", {out}, getBool(args, "bias", true)}};
}

static SmallVector<ParamSpec> embeddingParams(const ArgValues &args) {
  return {{"weight",
           {getInt(args, "num_embeddings"), getInt(args, "embedding_dim")}}};
}

static SmallVector<ParamSpec> batchNormParams(const ArgValues &args) {
  int64_t features = getInt(args, "num_features");
  return {{"weight", {features}},
          {"bias", {features}},
          {"running_mean", {features}},
          {"running_var", {features}}};
}

static SmallVector<ParamSpec> layerNormParams(const ArgValues &args) {
  SmallVector<int64_t> shape = getInts(args, "normalized_shape", {});
  bool affine = getBool(args, "elementwise_affine", true);
  return {{"weight", shape, affine}, {"bias", shape, affine}};
}

static SmallVector<ParamSpec> rmsNormParams(const ArgValues &args) {
  return {{"weight", getInts(args, "normalized_shape", {})}};
}

static SmallVector<ParamSpec> groupNormParams(const ArgValues &args) {
  int64_t channels = getInt(args, "num_channels");
  return {{"weight", {channels}}, {"bias", {channels}}};
}

static SmallVector<ParamSpec> multiheadAttentionParams(const ArgValues &args) {
  int64_t embed = getInt(args, "embed_dim");
  bool bias = getBool(args, "bias", true);
  // -1 (an invalid dim, which the importer reports) where 3E overflows.
  int64_t threeEmbed = embed <= INT64_MAX / 3 ? 3 * embed : -1;
  return {{"in_proj_weight", {threeEmbed, embed}},
          {"out_proj.weight", {embed, embed}},
          {"in_proj_bias", {threeEmbed}, bias},
          {"out_proj.bias", {embed}, bias}};
}

//===----------------------------------------------------------------------===//
// The catalog
//===----------------------------------------------------------------------===//

namespace {
constexpr PortSpec kInput[] = {{"input"}};
constexpr PortSpec kBinary[] = {{"left"}, {"right"}};
constexpr PortSpec kWhere[] = {{"condition"}, {"left"}, {"right"}};
constexpr PortSpec kConcat[] = {{"inputs", false, /*variadic=*/true}};
constexpr PortSpec kGather[] = {{"input"}, {"index"}};
constexpr PortSpec kLoss[] = {{"input"}, {"target"}};
constexpr PortSpec kAttention[] = {
    {"query"}, {"key"}, {"value"}, {"mask", /*optional=*/true}};
constexpr PortSpec kMultiheadAttention[] = {{"query"}, {"key"}, {"value"}};

constexpr ArgSpec kLinearArgs[] = {
    {"in_features", ArgKind::PositiveInt, true},
    {"out_features", ArgKind::PositiveInt, true},
    {"bias", ArgKind::Bool, false, "", 0, /*isAttribute=*/false}};

#define MITHRIL_CONV_ARGS(RANK)                                                \
  {                                                                            \
    {"in_channels", ArgKind::PositiveInt, true},                               \
        {"out_channels", ArgKind::PositiveInt, true},                          \
        {"kernel_size", ArgKind::Sizes, false, "", RANK},                      \
        {"stride", ArgKind::Sizes, false, "", RANK},                           \
        {"padding", ArgKind::Padding, false, "", RANK},                        \
        {"dilation", ArgKind::Sizes, false, "", RANK},                         \
        {"groups", ArgKind::PositiveInt}, {                                    \
      "bias", ArgKind::Bool, false, "", 0, /*isAttribute=*/false               \
    }                                                                          \
  }
constexpr ArgSpec kConv1dArgs[] = MITHRIL_CONV_ARGS(1);
constexpr ArgSpec kConv2dArgs[] = MITHRIL_CONV_ARGS(2);
#undef MITHRIL_CONV_ARGS

constexpr ArgSpec kEmbeddingArgs[] = {
    {"num_embeddings", ArgKind::PositiveInt, true},
    {"embedding_dim", ArgKind::PositiveInt, true}};
constexpr ArgSpec kBatchNormArgs[] = {
    {"num_features", ArgKind::PositiveInt, true}, {"eps", ArgKind::Float}};
constexpr ArgSpec kLayerNormArgs[] = {{"normalized_shape", ArgKind::Ints, true},
                                      {"eps", ArgKind::Float},
                                      {"elementwise_affine", ArgKind::Bool}};
constexpr ArgSpec kRMSNormArgs[] = {{"normalized_shape", ArgKind::Ints, true},
                                    {"eps", ArgKind::Float}};
constexpr ArgSpec kGroupNormArgs[] = {
    {"num_groups", ArgKind::PositiveInt, true},
    {"num_channels", ArgKind::PositiveInt, true},
    {"eps", ArgKind::Float}};

constexpr ArgSpec kLeakyReLUArgs[] = {{"negative_slope", ArgKind::Float}};
constexpr ArgSpec kGELUArgs[] = {
    {"approximate", ArgKind::Choice, false, "none|tanh"}};
constexpr ArgSpec kSoftmaxArgs[] = {{"dim", ArgKind::Int}};

constexpr ArgSpec kPoolArgs[] = {{"kernel_size", ArgKind::Sizes, true, "", 2},
                                 {"stride", ArgKind::Sizes, false, "", 2},
                                 {"padding", ArgKind::Ints, false, "", 2}};
constexpr ArgSpec kAdaptivePoolArgs[] = {
    {"output_size", ArgKind::Sizes, true, "", 2}};

constexpr ArgSpec kCastArgs[] = {{"dtype", ArgKind::DType, true}};

constexpr ArgSpec kReshapeArgs[] = {{"shape", ArgKind::DimList, true}};
constexpr ArgSpec kFlattenArgs[] = {{"start_dim", ArgKind::Int},
                                    {"end_dim", ArgKind::Int}};
constexpr ArgSpec kTransposeArgs[] = {{"dim0", ArgKind::Int, true},
                                      {"dim1", ArgKind::Int, true}};
constexpr ArgSpec kPermuteArgs[] = {{"dims", ArgKind::IntList, true}};
constexpr ArgSpec kDimArgs[] = {{"dim", ArgKind::Int, true}};
constexpr ArgSpec kSplitArgs[] = {{"split_size", ArgKind::PositiveInt, true},
                                  {"dim", ArgKind::Int, true}};
constexpr ArgSpec kSliceArgs[] = {{"dim", ArgKind::Int, true},
                                  {"start", ArgKind::Int, true},
                                  {"end", ArgKind::Int, true},
                                  {"step", ArgKind::PositiveInt}};
constexpr ArgSpec kPadArgs[] = {{"pad", ArgKind::IntList, true},
                                {"value", ArgKind::Float}};

constexpr ArgSpec kReduceArgs[] = {{"dim", ArgKind::OptionalInts},
                                   {"keepdim", ArgKind::Bool}};
constexpr ArgSpec kArgMaxArgs[] = {{"dim", ArgKind::OptionalInt},
                                   {"keepdim", ArgKind::Bool}};
constexpr ArgSpec kVarianceArgs[] = {{"dim", ArgKind::OptionalInts, true},
                                     {"correction", ArgKind::Int},
                                     {"keepdim", ArgKind::Bool}};

constexpr ArgSpec kAttentionArgs[] = {{"is_causal", ArgKind::Bool},
                                      {"scale", ArgKind::OptionalFloat}};
constexpr ArgSpec kMultiheadAttentionArgs[] = {
    {"embed_dim", ArgKind::PositiveInt, true},
    {"num_heads", ArgKind::PositiveInt, true},
    {"bias", ArgKind::Bool, false, "", 0, /*isAttribute=*/false}};

constexpr ArgSpec kDropoutArgs[] = {{"p", ArgKind::Float}};
constexpr ArgSpec kLossArgs[] = {
    {"reduction", ArgKind::Choice, false, "mean|sum|none"}};

/// Ops without arguments (C++ has no empty arrays).
constexpr ArrayRef<ArgSpec> none() { return {}; }

const OpSpec kCatalog[] = {
    // Layers.
    {"Linear", "mithril.linear", kInput, kLinearArgs, linearParams},
    {"Conv1d", "mithril.conv1d", kInput, kConv1dArgs, convParams<1>},
    {"Conv2d", "mithril.conv2d", kInput, kConv2dArgs, convParams<2>},
    {"Embedding", "mithril.embedding", kInput, kEmbeddingArgs, embeddingParams},
    // Normalisation.
    {"BatchNorm1d", "mithril.batch_norm1d", kInput, kBatchNormArgs,
     batchNormParams},
    {"BatchNorm2d", "mithril.batch_norm2d", kInput, kBatchNormArgs,
     batchNormParams},
    {"LayerNorm", "mithril.layer_norm", kInput, kLayerNormArgs,
     layerNormParams},
    {"RMSNorm", "mithril.rms_norm", kInput, kRMSNormArgs, rmsNormParams},
    {"GroupNorm", "mithril.group_norm", kInput, kGroupNormArgs,
     groupNormParams},
    // Activations.
    {"ReLU", "mithril.relu", kInput, none()},
    {"LeakyReLU", "mithril.leaky_relu", kInput, kLeakyReLUArgs},
    {"GELU", "mithril.gelu", kInput, kGELUArgs},
    {"SiLU", "mithril.silu", kInput, none()},
    {"Sigmoid", "mithril.sigmoid", kInput, none()},
    {"Tanh", "mithril.tanh", kInput, none()},
    {"Softplus", "mithril.softplus", kInput, none()},
    {"Softmax", "mithril.softmax", kInput, kSoftmaxArgs},
    {"LogSoftmax", "mithril.log_softmax", kInput, kSoftmaxArgs},
    // Pooling.
    {"MaxPool2d", "mithril.max_pool2d", kInput, kPoolArgs},
    {"AvgPool2d", "mithril.avg_pool2d", kInput, kPoolArgs},
    {"AdaptiveAvgPool2d", "mithril.adaptive_avg_pool2d", kInput,
     kAdaptivePoolArgs},
    // Elementwise.
    {"Add", "mithril.add", kBinary, none()},
    {"Sub", "mithril.sub", kBinary, none()},
    {"Mul", "mithril.mul", kBinary, none()},
    {"Div", "mithril.div", kBinary, none()},
    {"Pow", "mithril.pow", kBinary, none()},
    {"Maximum", "mithril.maximum", kBinary, none()},
    {"Minimum", "mithril.minimum", kBinary, none()},
    {"Neg", "mithril.neg", kInput, none()},
    {"Abs", "mithril.abs", kInput, none()},
    {"Exp", "mithril.exp", kInput, none()},
    {"Log", "mithril.log", kInput, none()},
    {"Sqrt", "mithril.sqrt", kInput, none()},
    {"Rsqrt", "mithril.rsqrt", kInput, none()},
    {"Sin", "mithril.sin", kInput, none()},
    {"Cos", "mithril.cos", kInput, none()},
    {"Cast", "mithril.cast", kInput, kCastArgs},
    {"Where", "mithril.where", kWhere, none()},
    {"Equal", "mithril.equal", kBinary, none()},
    {"Less", "mithril.less", kBinary, none()},
    {"Greater", "mithril.greater", kBinary, none()},
    // Shape.
    {"Reshape", "mithril.reshape", kInput, kReshapeArgs},
    {"Flatten", "mithril.flatten", kInput, kFlattenArgs},
    {"Transpose", "mithril.transpose", kInput, kTransposeArgs},
    {"Permute", "mithril.permute", kInput, kPermuteArgs},
    {"Squeeze", "mithril.squeeze", kInput, kDimArgs},
    {"Unsqueeze", "mithril.unsqueeze", kInput, kDimArgs},
    {"Concat", "mithril.concat", kConcat, kDimArgs},
    {"Split", "mithril.split", kInput, kSplitArgs, nullptr,
     /*numberedOutputs=*/true},
    {"Slice", "mithril.slice", kInput, kSliceArgs},
    {"Gather", "mithril.gather", kGather, kDimArgs},
    {"Pad", "mithril.pad", kInput, kPadArgs},
    // Linear algebra.
    {"MatMul", "mithril.matmul", kBinary, none()},
    // Reductions.
    {"Sum", "mithril.sum", kInput, kReduceArgs},
    {"Mean", "mithril.mean", kInput, kReduceArgs},
    {"Max", "mithril.max", kInput, kReduceArgs},
    {"Min", "mithril.min", kInput, kReduceArgs},
    {"ArgMax", "mithril.argmax", kInput, kArgMaxArgs},
    {"Variance", "mithril.variance", kInput, kVarianceArgs},
    // Attention.
    {"ScaledDotProductAttention", "mithril.scaled_dot_product_attention",
     kAttention, kAttentionArgs},
    {"MultiheadAttention", "mithril.multihead_attention", kMultiheadAttention,
     kMultiheadAttentionArgs, multiheadAttentionParams},
    // Training.
    {"Dropout", "mithril.dropout", kInput, kDropoutArgs},
    {"CrossEntropyLoss", "mithril.cross_entropy_loss", kLoss, kLossArgs},
    {"MSELoss", "mithril.mse_loss", kLoss, kLossArgs},
};
} // namespace

ArrayRef<OpSpec> mlir::mithril::getOpCatalog() { return kCatalog; }

const OpSpec *mlir::mithril::lookupOp(StringRef name) {
  for (const OpSpec &spec : kCatalog)
    if (spec.name == name)
      return &spec;
  return nullptr;
}

const OpSpec *mlir::mithril::lookupOpByMithrilName(StringRef opName) {
  for (const OpSpec &spec : kCatalog)
    if (spec.opName == opName)
      return &spec;
  return nullptr;
}

const ArgSpec *OpSpec::findArg(StringRef argName) const {
  for (const ArgSpec &arg : args)
    if (arg.name == argName)
      return &arg;
  return nullptr;
}

const PortSpec *OpSpec::findPort(StringRef portName) const {
  for (const PortSpec &port : ports)
    if (port.name == portName)
      return &port;
  return nullptr;
}

std::string mlir::mithril::describeTensorType(Type type, ArrayAttr dims) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return "a non-tensor";
  std::string text = "[";
  for (auto [d, size] : llvm::enumerate(tensor.getShape())) {
    if (d > 0)
      text += ", ";
    if (dims && d < dims.size() && isa<StringAttr>(dims[d]))
      text += cast<StringAttr>(dims[d]).getValue().str();
    else
      text += size == ShapedType::kDynamic ? "?" : std::to_string(size);
  }
  return text + "] " +
         getDTypeName(tensor.getElementType()).value_or("(unknown dtype)");
}

std::string mlir::mithril::toSnakeCase(StringRef name) {
  std::string snake;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool startsWord = i > 0 && std::isupper(static_cast<unsigned char>(c)) &&
                      (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                       std::isdigit(static_cast<unsigned char>(name[i - 1])));
    if (startsWord)
      snake += '_';
    snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return snake;
}

std::optional<std::string>
mlir::mithril::closestName(StringRef name, ArrayRef<StringRef> candidates) {
  std::optional<std::string> best;
  unsigned bestDistance = std::max<unsigned>(2, name.size() / 3) + 1;
  for (StringRef candidate : candidates) {
    unsigned distance = name.edit_distance_insensitive(candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate.str();
    }
  }
  return best;
}

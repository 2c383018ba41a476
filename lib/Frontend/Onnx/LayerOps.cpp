//===- LayerOps.cpp - ONNX convolutions, pooling, Gemm, normalisations ----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The catalog's layers where ONNX's attributes agree with them: 2-D
// convolutions and pooling on [N, C, H, W] with explicit pads (or VALID),
// Gemm as a Linear layer where it is one, and the normalisations at
// inference.
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"

#include <limits>

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

/// The 2-D window of a Conv or pooling node: kernel, strides, dilations and
/// pads ([h_begin, w_begin, h_end, w_end]).
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
};

/// The window of `node` on `input`; failure after a refusal where it is
/// not 2-D or its padding is computed (SAME_*).
FailureOr<Window> windowOf(NodeImport &node, RankedTensorType input,
                           ArrayRef<int64_t> kernelFromWeight) {
  int64_t spatial = input.getRank() - 2;
  if (spatial != 1 && spatial != 2)
    return node.refuse("only 1-D and 2-D " + node.type() +
                       " on [N, C, L] or [N, C, H, W] are supported");
  SmallVector<int64_t> ones(spatial, 1), zeros(2 * spatial, 0);
  std::string autoPad = node.attributes.text("auto_pad", "NOTSET");
  if (!llvm::is_contained({"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"},
                          autoPad))
    return node.refuse("auto_pad '" + autoPad + "' is not supported");
  Window window{node.attributes.ints("kernel_shape", kernelFromWeight),
                node.attributes.ints("strides", ones),
                node.attributes.ints("dilations", ones),
                node.attributes.ints("pads", zeros)};
  if (autoPad != "NOTSET")
    window.pads = zeros;
  auto count = size_t(spatial);
  if (window.kernel.size() != count || window.strides.size() != count ||
      window.dilations.size() != count || window.pads.size() != 2 * count)
    return node.refuse("kernel_shape, strides, dilations and pads must "
                       "have an entry per spatial dim (pads two)");
  if (llvm::any_of(window.strides, [](int64_t s) { return s <= 0; }))
    return node.refuse("strides must be positive");
  // SAME_*: the output has ceil(size / stride) elements; the padding that
  // takes, split evenly, the odd one at the end (UPPER) or beginning.
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t size = input.getDimSize(2 + i);
      if (ShapedType::isDynamic(size))
        return node.refuse("auto_pad " + autoPad +
                           " needs static spatial dims");
      int64_t span = window.dilations[i] * (window.kernel[i] - 1) + 1;
      int64_t out = (size + window.strides[i] - 1) / window.strides[i];
      int64_t total =
          std::max<int64_t>((out - 1) * window.strides[i] + span - size, 0);
      int64_t small = total / 2;
      window.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      window.pads[i + spatial] = total - window.pads[i];
    }
  }
  // Rounding up gives the same sizes as down where every window fits.
  if (node.attributes.integer("ceil_mode", 0) != 0) {
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t size = input.getDimSize(2 + i);
      int64_t span = window.dilations[i] * (window.kernel[i] - 1) + 1;
      if (ShapedType::isDynamic(size) || window.strides[i] <= 0 ||
          (size + window.pads[i] + window.pads[i + spatial] - span) %
                  window.strides[i] !=
              0)
        return node.refuse(
            "ceil_mode is supported only where it rounds nothing");
    }
  }
  return window;
}

/// Convolution `OpTy` of `input` (with `bias` if it is not null).
template <typename OpTy>
Value conv(NodeImport &node, Value input, Value weight, Value bias,
           const Window &window, ArrayRef<int64_t> padding, int64_t groups) {
  auto weightType = cast<RankedTensorType>(weight.getType());
  return node.build<OpTy>(
      input, weight, OptionalOperand{bias}, weightType.getDimSize(1) * groups,
      weightType.getDimSize(0), window.kernel, window.strides,
      node.builder().getDenseI64ArrayAttr(padding), window.dilations, groups);
}

LogicalResult convertConv(NodeImport &node) {
  if (failed(node.checkAttributes({"auto_pad", "dilations", "group",
                                   "kernel_shape", "pads", "strides"})))
    return failure();
  Value input = node.input(0), weight = node.input(1);
  Value bias = node.optionalInput(2);
  if (!input || !weight || (node.has(2) && !bias))
    return failure();
  auto weightType = cast<RankedTensorType>(weight.getType());
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  if (weightType.getRank() != rank || !weightType.hasStaticShape())
    return node.refuse("only a static weight of the input's rank is "
                       "supported");
  FailureOr<Window> window =
      windowOf(node, cast<RankedTensorType>(input.getType()),
               weightType.getShape().drop_front(2));
  if (failed(window))
    return failure();
  int64_t groups = node.attributes.integer("group", 1);
  // ONNX: [h_begin, w_begin, h_end, w_end]; the catalog's padding is
  // [top, bottom, left, right] ([left, right] in 1-D).
  const SmallVector<int64_t> &pads = window->pads;
  SmallVector<int64_t> padding =
      rank == 3 ? SmallVector<int64_t>{pads[0], pads[1]}
                : SmallVector<int64_t>{pads[0], pads[2], pads[1], pads[3]};
  return node.setOutput(rank == 3 ? conv<Conv1dOp>(node, input, weight, bias,
                                                   *window, padding, groups)
                                  : conv<Conv2dOp>(node, input, weight, bias,
                                                   *window, padding, groups));
}

/// Max or average (counting the pads) pooling of `input` over `window`.
/// The catalog pads both sides of a dim alike, by at most half the kernel;
/// other padding is a pad op first (-inf for the maximum).
Value pool2d(NodeImport &node, Value input, const Window &window, bool max) {
  SmallVector<int64_t> pads = window.pads;
  if (pads[0] != pads[2] || pads[1] != pads[3] ||
      2 * pads[0] > window.kernel[0] || 2 * pads[1] > window.kernel[1]) {
    double fill = max ? -std::numeric_limits<double>::infinity() : 0.0;
    input = node.build<PadOp>(
        input, ArrayRef<int64_t>{pads[1], pads[3], pads[0], pads[2]},
        f64(fill));
    pads.assign(4, 0);
  }
  DenseI64ArrayAttr strides =
      node.builder().getDenseI64ArrayAttr(window.strides);
  SmallVector<int64_t, 2> padding{pads[0], pads[1]};
  return max ? node.build<MaxPool2dOp>(input, window.kernel, strides, padding)
             : node.build<AvgPool2dOp>(input, window.kernel, strides, padding);
}

/// MaxPool and AveragePool. An average that does not count the pads
/// (ONNX's default) is the padded average divided by that of ones: the
/// share of each window inside the input.
LogicalResult convertPool(NodeImport &node) {
  bool max = node.type() == "MaxPool";
  SmallVector<StringRef> known{"auto_pad", "ceil_mode", "kernel_shape", "pads",
                               "strides"};
  known.append(max ? SmallVector<StringRef>{"dilations", "storage_order"}
                   : SmallVector<StringRef>{"count_include_pad"});
  Value input = node.checkedInput(known);
  if (!input)
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  if (!isa<FloatType>(inputType.getElementType()))
    return node.refuse("pooling integers is not supported");
  FailureOr<Window> window = windowOf(node, inputType, {});
  if (failed(window))
    return failure();
  if (llvm::any_of(window->dilations, [](int64_t d) { return d != 1; }))
    return node.refuse("dilated pooling is not supported");
  // 1-D pooling is 2-D pooling of [N, C, L, 1].
  bool oneDim = inputType.getRank() == 3;
  if (oneDim) {
    window->kernel.push_back(1);
    window->strides.push_back(1);
    window->pads = {window->pads[0], 0, window->pads[1], 0};
    input = node.build<UnsqueezeOp>(input, /*dim=*/3);
    if (!input)
      return failure();
    inputType = cast<RankedTensorType>(input.getType());
  }
  auto flat = [&](Value value) {
    return oneDim && value ? node.build<SqueezeOp>(value, /*dim=*/3) : value;
  };
  Value result = pool2d(node, input, *window, max);
  if (max || llvm::all_of(window->pads, [](int64_t p) { return p == 0; }) ||
      node.attributes.integer("count_include_pad", 0) != 0)
    return node.setOutput(flat(result));
  ArrayRef<int64_t> spatial = inputType.getShape().drop_front(2);
  if (ShapedType::isDynamicShape(spatial))
    return node.refuse("averaging without the pads needs static spatial dims");
  auto onesType = RankedTensorType::get({1, 1, spatial[0], spatial[1]},
                                        inputType.getElementType());
  Value ones = node.build<ConstantOp>(cast<ElementsAttr>(DenseElementsAttr::get(
      onesType, FloatAttr::get(inputType.getElementType(), 1.0))));
  Value share = ones ? pool2d(node, ones, *window, /*max=*/false) : Value();
  return node.setOutput(flat(node.build<DivOp>(result, share)));
}

/// GlobalAveragePool and GlobalMaxPool: the mean or maximum over every dim
/// after the channels, kept.
LogicalResult convertGlobalPool(NodeImport &node) {
  Value input = node.checkedInput({});
  if (!input)
    return failure();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  if (rank < 3)
    return node.refuse("only [N, C, ...] inputs with spatial dims are "
                       "supported");
  SmallVector<int64_t> dims;
  for (int64_t dim = 2; dim < rank; ++dim)
    dims.push_back(dim);
  DenseI64ArrayAttr dimsAttr = node.builder().getDenseI64ArrayAttr(dims);
  return node.setOutput(
      node.type() == "GlobalMaxPool"
          ? node.build<MaxOp>(input, dimsAttr, /*keepdim=*/true)
          : node.build<MeanOp>(input, dimsAttr, /*keepdim=*/true));
}

/// Gemm, `alpha * A' B' + beta * C`: a Linear layer where it is one.
LogicalResult convertGemm(NodeImport &node) {
  if (failed(node.checkAttributes({"alpha", "beta", "transA", "transB"})))
    return failure();
  float alpha = node.attributes.real("alpha", 1.0f);
  float beta = node.attributes.real("beta", 1.0f);
  bool transA = node.attributes.integer("transA", 0) != 0;
  bool transB = node.attributes.integer("transB", 0) != 0;
  Value left = node.input(0), right = node.input(1);
  Value bias = node.optionalInput(2);
  if (!left || !right || (node.has(2) && !bias))
    return failure();
  auto rightType = cast<RankedTensorType>(right.getType());
  if (!transA && transB && alpha == 1.0f && beta == 1.0f &&
      rightType.getRank() == 2 && rightType.hasStaticShape() &&
      (!bias || cast<RankedTensorType>(bias.getType()).getRank() == 1)) {
    return node.setOutput(
        node.build<LinearOp>(left, right, OptionalOperand{bias},
                             rightType.getDimSize(1), rightType.getDimSize(0)));
  }
  auto swap = [&](Value value) {
    return node.build<PermuteOp>(value, ArrayRef<int64_t>{1, 0});
  };
  if (transA)
    left = swap(left);
  if (transB)
    right = swap(right);
  Type element = getElementTypeOrSelf(left);
  auto scaled = [&](Value value, float factor) {
    if (!value || factor == 1.0f)
      return value;
    return node.build<MulOp>(value, node.scalar(factor, element));
  };
  Value result = scaled(node.build<MatMulOp>(left, right), alpha);
  if (result && bias && beta != 0.0f)
    result = node.build<AddOp>(result, scaled(bias, beta));
  return node.setOutput(result);
}

/// Batch norm `OpTy` of `operands`: the input, scale, bias, mean and
/// variance.
template <typename OpTy>
Value batchNorm(NodeImport &node, ArrayRef<Value> operands, double epsilon) {
  auto input = cast<RankedTensorType>(operands[0].getType());
  return node.build<OpTy>(operands[0], operands[1], operands[2], operands[3],
                          operands[4], input.getDimSize(1), f64(epsilon));
}

/// BatchNormalization at inference, with the running statistics.
LogicalResult convertBatchNorm(NodeImport &node) {
  if (failed(node.checkAttributes(
          {"epsilon", "momentum", "training_mode", "spatial", "is_test"})))
    return failure();
  if (node.attributes.integer("training_mode", 0) != 0)
    return node.refuse("training_mode is not supported");
  if (node.attributes.integer("spatial", 1) != 1)
    return node.refuse("spatial = 0 is not supported");
  SmallVector<Value> operands;
  for (unsigned i = 0; i < 5; ++i) {
    operands.push_back(node.input(i));
    if (!operands.back())
      return failure();
  }
  auto input = cast<RankedTensorType>(operands[0].getType());
  int64_t rank = input.getRank();
  if ((rank != 4 && rank != 2 && rank != 3) || input.isDynamicDim(1))
    return node.refuse("only [N, C], [N, C, L] or [N, C, H, W] inputs with a "
                       "static C are supported");
  float epsilon = node.attributes.real("epsilon", 1e-5f);
  return node.setOutput(
      rank == 4 ? batchNorm<BatchNorm2dOp>(node, operands, epsilon)
                : batchNorm<BatchNorm1dOp>(node, operands, epsilon));
}

/// InstanceNormalization: a group norm with a group per channel.
LogicalResult convertInstanceNorm(NodeImport &node) {
  if (failed(node.checkAttributes({"epsilon"})))
    return failure();
  Value input = node.input(0), scale = node.input(1), bias = node.input(2);
  if (!input || !scale || !bias)
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType.getRank() < 3 || inputType.isDynamicDim(1))
    return node.refuse("only [N, C, ...] inputs with a static C are supported");
  int64_t channels = inputType.getDimSize(1);
  return node.setOutput(
      node.build<GroupNormOp>(input, scale, bias, channels, channels,
                              f64(node.attributes.real("epsilon", 1e-5f))));
}

/// LayerNormalization (opset 17) over the dims from `axis` on, which must
/// be static.
LogicalResult convertLayerNorm(NodeImport &node) {
  if (failed(node.checkAttributes({"axis", "epsilon", "stash_type"})))
    return failure();
  Value input = node.input(0), scale = node.input(1);
  Value bias = node.optionalInput(2);
  if (!input || !scale || (node.has(2) && !bias))
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  std::optional<int64_t> axis =
      normalizeAxis(node.attributes.integer("axis", -1), inputType.getRank());
  if (!axis)
    return node.refuse("axis is out of range");
  ArrayRef<int64_t> normalized = inputType.getShape().drop_front(*axis);
  if (ShapedType::isDynamicShape(normalized))
    return node.refuse("normalising over dynamic dims is not supported");
  SmallVector<Value> operands{input, scale};
  if (bias)
    operands.push_back(bias);
  else
    operands.push_back(
        node.build<MulOp>(scale, node.scalar(0, inputType.getElementType())));
  // The optional outputs: the mean and 1 / sqrt(variance + epsilon), with
  // the normalised dims kept.
  SmallVector<int64_t> dims;
  for (int64_t dim = *axis; dim < inputType.getRank(); ++dim)
    dims.push_back(dim);
  float epsilon = node.attributes.real("epsilon", 1e-5f);
  DenseI64ArrayAttr dimsAttr = node.builder().getDenseI64ArrayAttr(dims);
  if (node.node.output_size() > 1 && !node.node.output(1).empty() &&
      failed(node.setOutput(
          1, node.build<MeanOp>(input, dimsAttr, /*keepdim=*/true))))
    return failure();
  if (node.node.output_size() > 2 && !node.node.output(2).empty()) {
    Value variance = node.build<VarianceOp>(input, dimsAttr, /*correction=*/0,
                                            /*keepdim=*/true);
    if (variance)
      variance = node.build<AddOp>(
          variance, node.scalar(epsilon, inputType.getElementType()));
    if (failed(node.setOutput(2, node.build<RsqrtOp>(variance))))
      return failure();
  }
  return node.setOutput(node.build<LayerNormOp>(
      operands[0], operands[1], operands[2], normalized, f64(epsilon)));
}

/// LRN, `x / (bias + alpha / size * sum of squares)^beta`, the sum over
/// `size` channels around each: an average pooling of the squares, padded
/// on the channel dim, on [N, 1, C, spatial...] flattened.
LogicalResult convertLRN(NodeImport &node) {
  Value x = node.checkedInput({"alpha", "beta", "bias", "size"});
  if (!x)
    return failure();
  auto type = cast<RankedTensorType>(x.getType());
  ArrayRef<int64_t> tail = type.getShape().drop_front(1);
  if (type.getRank() < 3 || ShapedType::isDynamicShape(tail))
    return node.refuse("only [N, C, ...] inputs with static dims after N are "
                       "supported");
  int64_t size = node.attributes.integer("size", 0);
  if (size < 1)
    return node.refuse("size must be positive");
  Type element = type.getElementType();
  Value squares = node.build<MulOp>(x, x);
  Value rows = node.build<FlattenOp>(squares, /*start_dim=*/2, /*end_dim=*/-1);
  rows = node.build<UnsqueezeOp>(rows, /*dim=*/1);
  rows = node.build<PadOp>(
      rows, ArrayRef<int64_t>{0, 0, (size - 1) / 2, size / 2}, f64(0.0));
  Value mean = node.build<AvgPool2dOp>(
      rows, ArrayRef<int64_t>{size, 1},
      node.builder().getDenseI64ArrayAttr({1, 1}), ArrayRef<int64_t>{0, 0});
  mean = node.build<SqueezeOp>(mean, /*dim=*/1);
  SmallVector<Attribute> shape{node.builder().getI64IntegerAttr(-1)};
  for (int64_t dim : tail)
    shape.push_back(node.builder().getI64IntegerAttr(dim));
  mean = node.build<ReshapeOp>(mean, node.builder().getArrayAttr(shape));
  Value bias = node.scalar(node.attributes.real("bias", 1.0f), element);
  Value scaledMean = node.build<MulOp>(
      mean, node.scalar(node.attributes.real("alpha", 1e-4f), element));
  Value scaled = node.build<AddOp>(bias, scaledMean);
  Value denominator = node.build<PowOp>(
      scaled, node.scalar(node.attributes.real("beta", 0.75f), element));
  return node.setOutput(node.build<DivOp>(x, denominator));
}

} // namespace

void mlir::mithril::onnx_import::addLayerConverters(ConverterTable &table) {
  table["Conv"] = convertConv;
  table["MaxPool"] = convertPool;
  table["AveragePool"] = convertPool;
  table["GlobalAveragePool"] = convertGlobalPool;
  table["GlobalMaxPool"] = convertGlobalPool;
  table["Gemm"] = convertGemm;
  table["BatchNormalization"] = convertBatchNorm;
  table["InstanceNormalization"] = convertInstanceNorm;
  table["LayerNormalization"] = convertLayerNorm;
  table["LRN"] = convertLRN;
}

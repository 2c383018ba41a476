//===- MithrilLayerOps.td - Layers, normalisation, pooling, attention -----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The catalog's ops with parameters (layers, normalisation, attention), and
// pooling. Parameters are operands, produced by `mithril.parameter`; the
// catalog's arguments that size them (`in_features`, ...) stay attributes and
// are checked against the parameters' and the input's types.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LAYER_OPS_TD
#define MITHRIL_LAYER_OPS_TD

include "MithrilBase.td"

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

def Mithril_LinearOp : Mithril_GraphOp<"linear", [Mithril_Parameterized,
    Mithril_Differentiable, Mithril_ReducedPrecision]> {
  let catalog = Mithril_Catalog<"Linear",
      [Mithril_PositiveIntArg<"in_features", 1>,
       Mithril_PositiveIntArg<"out_features", 1>,
       Mithril_ParameterSwitchArg<"bias">],
      ["weight", "bias"]>;
  let summary = "affine map of the last dimension (torch.nn.Linear)";
  let description = [{
    `output = input @ weight^T + bias` over the last dimension of `input`
    (`[..., in_features]` → `[..., out_features]`). `weight` is
    `[out_features, in_features]`, `bias` (present unless the model file says
    `bias: false`) is `[out_features]`.

    ```mlir
    %y = mithril.linear %x, %w, %b {in_features = 64, out_features = 10}
        : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_FloatTensor:$weight,
                       Optional<Mithril_FloatTensor>:$bias,
                       ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$in_features,
                       ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$out_features);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

class Mithril_ConvOp<string mnemonic, int spatialRank, string threes,
                     string ones>
    : Mithril_GraphOp<mnemonic, [Mithril_Parameterized,
                                 Mithril_Differentiable,
                                 Mithril_ReducedPrecision]> {
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_FloatTensor:$weight,
      Optional<Mithril_FloatTensor>:$bias,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$in_channels,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$out_channels,
      DefaultValuedAttr<DenseI64ArrayAttr, threes>:$kernel_size,
      DefaultValuedAttr<DenseI64ArrayAttr, ones>:$stride,
      DefaultValuedAttr<Mithril_PaddingAttr, "\"same\"">:$padding,
      DefaultValuedAttr<DenseI64ArrayAttr, ones>:$dilation,
      DefaultValuedAttr<ConfinedAttr<Mithril_I64Attr, [IntPositive]>, "1">:$groups);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The number of spatial dimensions.
    static constexpr unsigned kSpatialRank = }] # spatialRank # [{;
    /// The padding before and after each spatial dimension, resolving
    /// "same" and "valid"; empty if `padding` is malformed.
    ::llvm::SmallVector<std::pair<int64_t, int64_t>> getPaddingPairs() {
      return ::mlir::mithril::resolveConvPadding(getPadding(), getKernelSize(),
                                                 getDilation(), kSpatialRank);
    }
  }];
}

def Mithril_Conv1dOp : Mithril_ConvOp<"conv1d", 1, "{3}", "{1}"> {
  let catalog = Mithril_Catalog<"Conv1d",
      [Mithril_PositiveIntArg<"in_channels", 1>,
       Mithril_PositiveIntArg<"out_channels", 1>,
       Mithril_SizesArg<"kernel_size", 1>, Mithril_SizesArg<"stride", 1>,
       Mithril_PaddingArg<"padding", 1>, Mithril_SizesArg<"dilation", 1>,
       Mithril_PositiveIntArg<"groups">, Mithril_ParameterSwitchArg<"bias">],
      ["weight", "bias"]>;
  let summary = "1-d convolution (torch.nn.Conv1d)";
  let description = [{
    Convolution of `input` `[N, C_in, L]` (or `[C_in, L]`) with `weight`
    `[C_out, C_in / groups, k]`, plus `bias` `[C_out]` when present.
    `kernel_size`, `stride`, `dilation` have one entry; `padding` is
    `"same"` (the default, stride 1 only: the output keeps the length),
    `"valid"` (no padding), or `[p]` / `[before, after]`. The default kernel
    is 3, so `Conv1d(c, c)` keeps the length, unlike PyTorch's.

    ```mlir
    %y = mithril.conv1d %x, %w, %b {in_channels = 8, out_channels = 16}
        : (tensor<?x8x100xf32>, tensor<16x8x3xf32>, tensor<16xf32>) -> tensor<?x16x100xf32>
    ```
  }];
}

def Mithril_Conv2dOp : Mithril_ConvOp<"conv2d", 2, "{3, 3}", "{1, 1}"> {
  let catalog = Mithril_Catalog<"Conv2d",
      [Mithril_PositiveIntArg<"in_channels", 1>,
       Mithril_PositiveIntArg<"out_channels", 1>,
       Mithril_SizesArg<"kernel_size", 2>, Mithril_SizesArg<"stride", 2>,
       Mithril_PaddingArg<"padding", 2>, Mithril_SizesArg<"dilation", 2>,
       Mithril_PositiveIntArg<"groups">, Mithril_ParameterSwitchArg<"bias">],
      ["weight", "bias"]>;
  let summary = "2-d convolution (torch.nn.Conv2d)";
  let description = [{
    Convolution of `input` `[N, C_in, H, W]` (or `[C_in, H, W]`) with `weight`
    `[C_out, C_in / groups, kH, kW]`, plus `bias` `[C_out]` when present.
    `kernel_size`, `stride`, `dilation` have two entries; `padding` is
    `"same"` (the default, stride 1 only: the output keeps the spatial size),
    `"valid"` (no padding), `[pH, pW]` (each on both sides) or
    `[top, bottom, left, right]`. The default kernel is 3×3, so
    `Conv2d(64, 64)` keeps the spatial size, unlike PyTorch's.

    ```mlir
    %y = mithril.conv2d %x, %w, %b {in_channels = 3, out_channels = 64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
        : (tensor<?x3x32x32xf32>, tensor<64x3x3x3xf32>, tensor<64xf32>) -> tensor<?x64x16x16xf32>
    ```
  }];
}

def Mithril_EmbeddingOp : Mithril_GraphOp<"embedding", [Mithril_Parameterized,
    Mithril_Differentiable, Mithril_ReducedPrecision]> {
  let catalog = Mithril_Catalog<"Embedding",
      [Mithril_PositiveIntArg<"num_embeddings", 1>,
       Mithril_PositiveIntArg<"embedding_dim", 1>],
      ["weight"]>;
  let summary = "table lookup (torch.nn.Embedding)";
  let description = [{
    Rows of `weight` `[num_embeddings, embedding_dim]` picked by the integer
    indices of `input`: the output is `input`'s shape plus
    `[embedding_dim]`, of `weight`'s dtype (any: int8 rows of a quantized
    table too).

    ```mlir
    %e = mithril.embedding %ids, %table {embedding_dim = 32, num_embeddings = 1000}
        : (tensor<?x16xi64>, tensor<1000x32xf32>) -> tensor<?x16x32xf32>
    ```
  }];
  let arguments = (ins Mithril_IndexTensor:$input, Mithril_Tensor:$weight,
                       ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$num_embeddings,
                       ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$embedding_dim);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

class Mithril_BatchNormOp<string mnemonic, string ranks>
    : Mithril_GraphOp<mnemonic, [Mithril_Parameterized]> {
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_FloatTensor:$weight,
      Mithril_FloatTensor:$bias, Mithril_FloatTensor:$running_mean,
      Mithril_FloatTensor:$running_var,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$num_features,
      DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `,` $running_mean `,` $running_var attr-dict
    `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The input ranks this op accepts.
    static ::llvm::ArrayRef<int64_t> getAcceptedRanks() {
      static const int64_t ranks[] = {}] # ranks # [{};
      return ranks;
    }
  }];
}

def Mithril_BatchNorm1dOp : Mithril_BatchNormOp<"batch_norm1d", "2, 3"> {
  let catalog = Mithril_Catalog<"BatchNorm1d",
      [Mithril_PositiveIntArg<"num_features", 1>, Mithril_FloatArg<"eps">],
      ["weight", "bias", "running_mean", "running_var"]>;
  let summary = "batch normalisation over [N, C] or [N, C, L] (torch.nn.BatchNorm1d)";
  let description = [{
    Normalises each channel (dimension 1) with the running statistics, as
    at inference: `(x - running_mean) / sqrt(running_var + eps) * weight + bias`.
    All four parameters are `[num_features]`.

    ```mlir
    %y = mithril.batch_norm1d %x, %w, %b, %mean, %var {num_features = 16}
        : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
    ```
  }];
}

def Mithril_BatchNorm2dOp : Mithril_BatchNormOp<"batch_norm2d", "4"> {
  let catalog = Mithril_Catalog<"BatchNorm2d",
      [Mithril_PositiveIntArg<"num_features", 1>, Mithril_FloatArg<"eps">],
      ["weight", "bias", "running_mean", "running_var"]>;
  let summary = "batch normalisation over [N, C, H, W] (torch.nn.BatchNorm2d)";
  let description = [{
    Normalises each channel (dimension 1) with the running statistics, as
    at inference: `(x - running_mean) / sqrt(running_var + eps) * weight + bias`.
    All four parameters are `[num_features]`.

    ```mlir
    %y = mithril.batch_norm2d %x, %w, %b, %mean, %var {eps = 1.000000e-03 : f64, num_features = 64}
        : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
    ```
  }];
}

def Mithril_LayerNormOp : Mithril_GraphOp<"layer_norm", [AttrSizedOperandSegments, Mithril_Parameterized, Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"LayerNorm",
      [Mithril_IntsArg<"normalized_shape", 0, 1>, Mithril_FloatArg<"eps">,
       Mithril_BoolArg<"elementwise_affine">],
      ["weight", "bias"]>;
  let summary = "layer normalisation over the trailing dims (torch.nn.LayerNorm)";
  let description = [{
    Normalises over the last `len(normalized_shape)` dimensions, which must
    equal `normalized_shape`, with the biased variance:
    `(x - mean) / sqrt(var + eps) * weight + bias`. With
    `elementwise_affine` (the default) `weight` and `bias` of shape
    `normalized_shape` are present; without it both are absent.

    ```mlir
    %y = mithril.layer_norm %x, %w, %b {normalized_shape = array<i64: 64>}
        : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input,
      Optional<Mithril_FloatTensor>:$weight, Optional<Mithril_FloatTensor>:$bias,
      DenseI64ArrayAttr:$normalized_shape,
      DefaultValuedAttr<F64Attr, "1e-5">:$eps,
      DefaultValuedAttr<BoolAttr, "true">:$elementwise_affine);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`,` $weight^)? (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_RMSNormOp : Mithril_GraphOp<"rms_norm", [Mithril_Parameterized, Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"RMSNorm",
      [Mithril_IntsArg<"normalized_shape", 0, 1>, Mithril_FloatArg<"eps">],
      ["weight"]>;
  let summary = "root-mean-square normalisation (torch.nn.RMSNorm)";
  let description = [{
    `x / sqrt(mean(x^2) + eps) * weight` over the last
    `len(normalized_shape)` dimensions, which must equal `normalized_shape`;
    `weight` has shape `normalized_shape`.

    ```mlir
    %y = mithril.rms_norm %x, %w {normalized_shape = array<i64: 64>}
        : (tensor<?x16x64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_FloatTensor:$weight,
      DenseI64ArrayAttr:$normalized_shape,
      DefaultValuedAttr<F64Attr, "1e-6">:$eps);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_GroupNormOp
    : Mithril_GraphOp<"group_norm", [Mithril_Parameterized, Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"GroupNorm",
      [Mithril_PositiveIntArg<"num_groups", 1>,
       Mithril_PositiveIntArg<"num_channels", 1>,
       Mithril_FloatArg<"eps">],
      ["weight", "bias"]>;
  let summary = "group normalisation (torch.nn.GroupNorm)";
  let description = [{
    Splits the channels (dimension 1, `num_channels` of them) of `input`
    `[N, C, ...]` into `num_groups` groups and normalises each group, then
    scales and shifts per channel with `weight` and `bias` `[num_channels]`.
    `num_channels` must be a multiple of `num_groups`.

    ```mlir
    %y = mithril.group_norm %x, %w, %b {num_channels = 64, num_groups = 8}
        : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_FloatTensor:$weight,
      Mithril_FloatTensor:$bias,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$num_groups,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$num_channels,
      DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class Mithril_Pool2dOp<string mnemonic>
    : Mithril_GraphOp<mnemonic, [Mithril_Differentiable]> {
  let arguments = (ins Mithril_FloatTensor:$input,
      DenseI64ArrayAttr:$kernel_size, OptionalAttr<DenseI64ArrayAttr>:$stride,
      DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The stride; `kernel_size` when none is given, as in PyTorch.
    ::llvm::ArrayRef<int64_t> getStrideOrKernelSize() {
      if (auto stride = getStride())
        return *stride;
      return getKernelSize();
    }
  }];
}

def Mithril_MaxPool2dOp : Mithril_Pool2dOp<"max_pool2d"> {
  let catalog = Mithril_Catalog<"MaxPool2d",
      [Mithril_SizesArg<"kernel_size", 2, 1>, Mithril_SizesArg<"stride", 2>,
       Mithril_IntsArg<"padding", 2>]>;
  let summary = "2-d max pooling (torch.nn.MaxPool2d)";
  let description = [{
    The maximum over each `kernel_size` window of `input` `[N, C, H, W]` (or
    `[C, H, W]`), moving by `stride` (default: `kernel_size`), with implicit
    `-inf` padding of `padding` on both sides (at most half the kernel).
    Output size: `floor((H + 2 pH - kH) / sH) + 1`.

    ```mlir
    %y = mithril.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>}
        : (tensor<?x64x9x9xf32>) -> tensor<?x64x4x4xf32>
    ```
  }];
}

def Mithril_AvgPool2dOp : Mithril_Pool2dOp<"avg_pool2d"> {
  let catalog = Mithril_Catalog<"AvgPool2d",
      [Mithril_SizesArg<"kernel_size", 2, 1>, Mithril_SizesArg<"stride", 2>,
       Mithril_IntsArg<"padding", 2>]>;
  let summary = "2-d average pooling (torch.nn.AvgPool2d)";
  let description = [{
    The mean over each `kernel_size` window of `input` `[N, C, H, W]` (or
    `[C, H, W]`), moving by `stride` (default: `kernel_size`), with zero
    padding of `padding` on both sides counted in the mean (PyTorch's
    `count_include_pad=True`).

    ```mlir
    %y = mithril.avg_pool2d %x {kernel_size = array<i64: 2, 2>}
        : (tensor<?x64x8x8xf32>) -> tensor<?x64x4x4xf32>
    ```
  }];
}

def Mithril_AdaptiveAvgPool2dOp : Mithril_GraphOp<"adaptive_avg_pool2d", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"AdaptiveAvgPool2d",
      [Mithril_SizesArg<"output_size", 2, 1>]>;
  let summary = "2-d adaptive average pooling (torch.nn.AdaptiveAvgPool2d)";
  let description = [{
    Averages `input` `[N, C, H, W]` (or `[C, H, W]`) into `output_size`
    `[oH, oW]` bins; bin `i` spans `[floor(i H / oH), ceil((i + 1) H / oH))`.

    ```mlir
    %y = mithril.adaptive_avg_pool2d %x {output_size = array<i64: 1, 1>}
        : (tensor<?x512x7x7xf32>) -> tensor<?x512x1x1xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input,
                       DenseI64ArrayAttr:$output_size);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Mithril_InterpolateOp
    : Mithril_GraphOp<"interpolate", [Mithril_Differentiable]> {
  let summary = "resize the spatial dims (ONNX Resize, F.interpolate)";
  let description = [{
    Resizes `input` `[N, C, spatial...]` to `size`, one entry per spatial
    dim. Output index `x` of a spatial dim reads the input at the coordinate
    `coordinate_transformation_mode` gives with that dim's `scales` entry,
    as ONNX's Resize defines them: `"half_pixel"` (the default)
    `(x + 0.5) / scale - 0.5`; `"pytorch_half_pixel"` the same, but 0 where
    `in · scale` is at most 1; `"asymmetric"` `x / scale`;
    `"align_corners"` `x (in - 1) / (in · scale - 1)` (0 where `in · scale`
    is at most 1). As in ONNX, the resized length `in · scale` is not
    rounded. `mode = "nearest"` (the default) rounds the
    coordinate by `nearest_mode` (`"round_prefer_floor"`, the default,
    `"round_prefer_ceil"`, `"floor"`, `"ceil"`); `mode = "linear"`
    interpolates between the two neighbours in each of at most two spatial
    dims. Coordinates are clamped to the input.

    ```mlir
    %y = mithril.interpolate %x {size = array<i64: 8, 8>, scales = array<f64: 2.0, 2.0>, mode = "linear"}
        : (tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, DenseI64ArrayAttr:$size,
      DenseF64ArrayAttr:$scales,
      DefaultValuedAttr<StrAttr, "\"nearest\"">:$mode,
      DefaultValuedAttr<StrAttr, "\"half_pixel\"">:$coordinate_transformation_mode,
      DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Mithril_ScaledDotProductAttentionOp
    : Mithril_GraphOp<"scaled_dot_product_attention", [Mithril_Differentiable,
                                                       Mithril_ReducedPrecision]> {
  let catalog = Mithril_Catalog<"ScaledDotProductAttention",
      [Mithril_BoolArg<"is_causal">, Mithril_OptionalFloatArg<"scale">]>;
  let summary = "softmax(q kᵀ · scale + mask) v (F.scaled_dot_product_attention)";
  let description = [{
    `query` `[..., L, E]`, `key` `[..., S, E]`, `value` `[..., S, Ev]` →
    `[..., L, Ev]`; the leading (batch, head) dims broadcast. `scale`
    defaults to `1 / sqrt(E)`. `mask`, when present, broadcasts to
    `[..., L, S]`: a bool mask keeps the `true` positions, a float mask is
    added to the scores. `is_causal` masks out the upper triangle and
    excludes `mask`.

    ```mlir
    %o = mithril.scaled_dot_product_attention %q, %k, %v {is_causal = true}
        : (tensor<?x8x16x64xf32>, tensor<?x8x16x64xf32>, tensor<?x8x16x64xf32>) -> tensor<?x8x16x64xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$query, Mithril_FloatTensor:$key,
      Mithril_FloatTensor:$value, Optional<Mithril_Tensor>:$mask,
      DefaultValuedAttr<BoolAttr, "false">:$is_causal,
      OptionalAttr<F64Attr>:$scale);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $mask^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_MultiheadAttentionOp : Mithril_GraphOp<"multihead_attention",
    [AttrSizedOperandSegments, Mithril_Parameterized, Mithril_Differentiable,
     Mithril_ReducedPrecision]> {
  let catalog = Mithril_Catalog<"MultiheadAttention",
      [Mithril_PositiveIntArg<"embed_dim", 1>,
       Mithril_PositiveIntArg<"num_heads", 1>,
       Mithril_ParameterSwitchArg<"bias">],
      ["in_proj_weight", "out_proj_weight", "in_proj_bias", "out_proj_bias"]>;
  let summary = "multi-head attention, batch first (torch.nn.MultiheadAttention)";
  let description = [{
    `query` `[N, L, E]`, `key` and `value` `[N, S, E]` (or unbatched
    `[L, E]`, `[S, E]`) → `[N, L, E]`: the inputs are projected by
    `in_proj_weight` `[3E, E]` (+ `in_proj_bias` `[3E]`), split into
    `num_heads` heads of `E / num_heads`, attended, concatenated and
    projected by `out_proj_weight` `[E, E]` (+ `out_proj_bias` `[E]`). The
    biases are present together (`bias(...)`, the model file's default
    `bias: true`) or not at all. Only
    the attention output is computed, not the averaged weights.

    ```mlir
    %o = mithril.multihead_attention %x, %x, %x, %in_w, %out_w bias(%in_b, %out_b) {embed_dim = 64, num_heads = 8}
        : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>, tensor<192xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$query, Mithril_FloatTensor:$key,
      Mithril_FloatTensor:$value, Mithril_FloatTensor:$in_proj_weight,
      Mithril_FloatTensor:$out_proj_weight,
      Optional<Mithril_FloatTensor>:$in_proj_bias,
      Optional<Mithril_FloatTensor>:$out_proj_bias,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$embed_dim,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$num_heads);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $in_proj_weight `,` $out_proj_weight
    (`bias` `(` $in_proj_bias^ `,` $out_proj_bias `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
}

#endif // MITHRIL_LAYER_OPS_TD

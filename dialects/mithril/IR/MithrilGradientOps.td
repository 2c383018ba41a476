//===- MithrilGradientOps.td - Ops that gradients and training build ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Ops outside the model catalog that gradient rules, the losses and train
// mode build: broadcasts and reshapes to another tensor's (dynamic) shape,
// element counts, one-hot targets, dropout masks, and the adjoints of the
// windowed ops (convolution, pooling, embedding), whose gradients no
// composition of catalog ops expresses well.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_GRADIENT_OPS_TD
#define MITHRIL_GRADIENT_OPS_TD

include "MithrilBase.td"

def Mithril_BroadcastToOp : Mithril_GraphOp<"broadcast_to", [Mithril_Differentiable]> {
  let summary = "broadcast to another tensor's shape (Tensor.expand_as)";
  let description = [{
    `input` broadcast like NumPy to the shape of `like` (whose values are
    not read); the result has `input`'s dtype.

    ```mlir
    %y = mithril.broadcast_to %g, %x : (tensor<1x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_Tensor:$like);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$input `,` $like attr-dict `:` functional-type(operands, results)";
}

def Mithril_ReshapeAsOp : Mithril_GraphOp<"reshape_as", [Mithril_Differentiable]> {
  let summary = "reshape to another tensor's shape (Tensor.reshape_as)";
  let description = [{
    The elements of `input`, in row-major order, with the shape of `like`
    (whose values are not read; it has as many elements).

    ```mlir
    %y = mithril.reshape_as %g, %x : (tensor<?x64xf32>, tensor<?x4x4x4xf32>) -> tensor<?x4x4x4xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_Tensor:$like);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$input `,` $like attr-dict `:` functional-type(operands, results)";
}

def Mithril_ReducedSizeOp : Mithril_GraphOp<"reduced_size", [Mithril_Differentiable]> {
  let summary = "the number of elements over some dims, as a float scalar";
  let description = [{
    The product of the sizes of `input`'s dims `dim` (all of them when
    absent), as a rank-0 tensor of `input`'s float dtype: what a mean over
    those dims divides by, also where they are dynamic.

    ```mlir
    %n = mithril.reduced_size %x {dim = array<i64: 0, 2, 3>} : (tensor<?x16x8x8xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$dim);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Mithril_OneHotOp : Mithril_GraphOp<"one_hot", [Mithril_Differentiable]> {
  let summary = "class indices as one-hot rows (F.one_hot, as floats)";
  let description = [{
    A tensor of `like`'s type (logits `[N, C, d...]`) that is 1 where the
    index along dim 1 equals `target` `[N, d...]` and 0 elsewhere; a target
    outside `[0, C)` (an ignored index) gives a row of zeros.

    ```mlir
    %q = mithril.one_hot %t, %logits : (tensor<?xi64>, tensor<?x10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Mithril_IndexTensor:$target, Mithril_FloatTensor:$like);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$target `,` $like attr-dict `:` functional-type(operands, results)";
}

def Mithril_RandomMaskOp : Mithril_GraphOp<"random_mask", [Mithril_Differentiable]> {
  let summary = "a dropout mask from a counter-based generator";
  let description = [{
    A tensor of `input`'s type (whose values are not read) holding
    `1 / (1 - p)` with probability `1 - p` and 0 otherwise. Element `i` is
    decided by a hash of (`stream`, `counter`, `i`), so a mask depends only on
    the step counter (a rank-0 `i64`) and the op's stream: the same step
    draws the same mask, and every step a new one.

    ```mlir
    %m = mithril.random_mask %x, %step {p = 5.000000e-01 : f64, stream = 0 : i64}
        : (tensor<?x64xf32>, tensor<i64>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_IndexTensor:$counter,
                       F64Attr:$p, Mithril_I64Attr:$stream);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$input `,` $counter attr-dict `:` functional-type(operands, results)";
}

// The adjoints of a convolution of `input` `[N, C, S...]` (or unbatched)
// with `weight` `[O, C / groups, K...]`, `padding` resolved to
// (before, after) pairs, one pair per spatial dim.
class Mithril_ConvGradOp<string mnemonic, string what>
    : Mithril_GraphOp<mnemonic, [Mithril_ReducedPrecision]> {
  let arguments = (ins Mithril_FloatTensor:$grad, Mithril_FloatTensor:$input,
      Mithril_FloatTensor:$weight, DenseI64ArrayAttr:$stride,
      DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
      ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$groups);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $grad `,` $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mithril_ConvGradInputOp : Mithril_ConvGradOp<"conv_grad_input", "input"> {
  let summary = "the gradient of a convolution's input";
  let description = [{
    Given `grad`, the gradient of the convolution's output, the gradient of
    its `input` (a transposed convolution with `weight`); the result has
    `input`'s type, whose values are not read. Each padding is at most
    `dilation * (kernel - 1)`.

    ```mlir
    %dx = mithril.conv_grad_input %g, %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
        : (tensor<?x8x4x4xf32>, tensor<?x3x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<?x3x4x4xf32>
    ```
  }];
}

def Mithril_ConvGradWeightOp : Mithril_ConvGradOp<"conv_grad_weight", "weight"> {
  let summary = "the gradient of a convolution's weight";
  let description = [{
    Given `grad`, the gradient of the convolution's output, the gradient of
    its `weight` (the correlation of `input` with `grad`, summed over the
    batch); the result has `weight`'s type, whose values are not read.

    ```mlir
    %dw = mithril.conv_grad_weight %g, %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}
        : (tensor<?x8x4x4xf32>, tensor<?x3x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<8x3x3x3xf32>
    ```
  }];
}

def Mithril_Pool2dGradOp : Mithril_GraphOp<"pool2d_grad"> {
  let summary = "the gradient of a 2-d max or average pooling's input";
  let description = [{
    Given `grad`, the gradient of the pooling's output, the gradient of its
    `input` `[N, C, H, W]` (or `[C, H, W]`): for `kind = "max"` each window's
    gradient goes to its first maximum (PyTorch's choice among ties); for
    `"avg"` it is spread evenly over the window, padding included.

    ```mlir
    %dx = mithril.pool2d_grad %g, %x {kind = "max", kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>}
        : (tensor<?x8x2x2xf32>, tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$grad, Mithril_FloatTensor:$input,
      StrAttr:$kind, DenseI64ArrayAttr:$kernel_size,
      DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = "$grad `,` $input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mithril_SliceGradOp : Mithril_GraphOp<"slice_grad"> {
  let summary = "the gradient of a slice's input";
  let description = [{
    Zeros of `input`'s type (whose values are not read) holding `grad`
    where `mithril.slice` with the same `dim`, `start`, `end` and `step`
    took its elements.

    ```mlir
    %dx = mithril.slice_grad %g, %x {dim = 0 : i64, start = 1 : i64, end = 5 : i64, step = 2 : i64}
        : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$grad, Mithril_Tensor:$input,
                       Mithril_I64Attr:$dim, Mithril_I64Attr:$start,
                       Mithril_I64Attr:$end,
                       ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$step);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$grad `,` $input attr-dict `:` functional-type(operands, results)";
}

def Mithril_GatherGradOp : Mithril_GraphOp<"gather_grad"> {
  let summary = "the gradient of a gather's input (a scatter-add)";
  let description = [{
    Zeros of `input`'s type (whose values are not read) into which each
    element of `grad` is added where `mithril.gather` with the same `index`
    and `dim` read it: `out[..., index[i], ...] += grad[i]` along `dim`
    (torch.Tensor.scatter_add_). Indices outside the dim are clamped.

    ```mlir
    %dx = mithril.gather_grad %g, %idx, %x {dim = 1 : i64}
        : (tensor<?x4xf32>, tensor<?x4xi64>, tensor<?x16xf32>) -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$grad, Mithril_IndexTensor:$index,
                       Mithril_Tensor:$input, Mithril_I64Attr:$dim);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = [{
    $grad `,` $index `,` $input attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_EmbeddingGradOp : Mithril_GraphOp<"embedding_grad"> {
  let summary = "the gradient of an embedding table";
  let description = [{
    The rows of `grad` `[..., E]` summed into a zero table of `weight`'s
    type `[V, E]` (whose values are not read) at the rows `indices` `[...]`
    name (torch.nn.Embedding's backward).

    ```mlir
    %dw = mithril.embedding_grad %g, %ids, %w : (tensor<?x16x32xf32>, tensor<?x16xi64>, tensor<100x32xf32>) -> tensor<100x32xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$grad, Mithril_IndexTensor:$indices,
                       Mithril_FloatTensor:$weight);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $grad `,` $indices `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

#endif // MITHRIL_GRADIENT_OPS_TD

//===- MithrilReductionOps.td - Reductions, softmax and losses ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Reductions over dims, softmax / log-softmax, and the training losses.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_REDUCTION_OPS_TD
#define MITHRIL_REDUCTION_OPS_TD

include "MithrilBase.td"

class Mithril_ReduceOp<string mnemonic, string torchName, string what,
                       string dtypes, Type input = Mithril_Tensor>
    : Mithril_GraphOp<mnemonic, [Mithril_Differentiable]> {
  let summary = what # " over dims (" # torchName # ")";
  let description = [{
    The }] # what # [{ over the dimensions `dim` (all of them when `dim` is
    absent); they are dropped from the result unless `keepdim`, which keeps
    them with size 1. }] # dtypes # [{

    ```mlir
    %y = mithril.}] # mnemonic # [{ %x {dim = array<i64: -1>, keepdim = true} : (tensor<?x16xf32>) -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins input:$input, OptionalAttr<DenseI64ArrayAttr>:$dim,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Mithril_SumOp : Mithril_ReduceOp<"sum", "torch.sum", "sum",
    "As in PyTorch, integers and bools sum to `i64`; floats keep their dtype."> {
  let catalog = Mithril_Catalog<"Sum",
      [Mithril_OptionalIntsArg<"dim">, Mithril_BoolArg<"keepdim">]>;
}
def Mithril_MeanOp : Mithril_ReduceOp<"mean", "torch.mean", "mean",
    "The input is floating-point.", Mithril_FloatTensor> {
  let catalog = Mithril_Catalog<"Mean",
      [Mithril_OptionalIntsArg<"dim">, Mithril_BoolArg<"keepdim">]>;
}
def Mithril_MaxOp : Mithril_ReduceOp<"max", "torch.amax", "maximum",
    "The result has the input's dtype."> {
  let catalog = Mithril_Catalog<"Max",
      [Mithril_OptionalIntsArg<"dim">, Mithril_BoolArg<"keepdim">]>;
}
def Mithril_MinOp : Mithril_ReduceOp<"min", "torch.amin", "minimum",
    "The result has the input's dtype."> {
  let catalog = Mithril_Catalog<"Min",
      [Mithril_OptionalIntsArg<"dim">, Mithril_BoolArg<"keepdim">]>;
}

def Mithril_VarianceOp : Mithril_ReduceOp<"variance", "torch.var", "variance",
    "The sum of squared deviations is divided by `size - correction` "
    "(default 1, Bessel's correction). The input is floating-point.",
    Mithril_FloatTensor> {
  let catalog = Mithril_Catalog<"Variance",
      [Mithril_OptionalIntsArg<"dim", 1>, Mithril_IntArg<"correction">,
       Mithril_BoolArg<"keepdim">]>;
  let arguments = (ins Mithril_FloatTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$dim,
                       DefaultValuedAttr<Mithril_I64Attr, "1">:$correction,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim);
}

def Mithril_ArgMaxOp : Mithril_GraphOp<"argmax"> {
  let catalog = Mithril_Catalog<"ArgMax",
      [Mithril_OptionalIntArg<"dim">, Mithril_BoolArg<"keepdim">]>;
  let summary = "index of the maximum (torch.argmax)";
  let description = [{
    The index (`i64`) of the first maximum along `dim`, which is dropped
    unless `keepdim`; without `dim`, the index into the flattened input (a
    rank-0 result, or all ones with `keepdim`).

    ```mlir
    %y = mithril.argmax %x {dim = 1} : (tensor<?x10xf32>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins Mithril_NumericTensor:$input, OptionalAttr<Mithril_I64Attr>:$dim,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs Mithril_IndexTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

class Mithril_SoftmaxBaseOp<string mnemonic, string torchName, string formula>
    : Mithril_GraphOp<mnemonic, [SameOperandsAndResultShape,
                                 SameOperandsAndResultElementType,
                                 Mithril_Differentiable]> {
  let summary = formula # " along a dim (" # torchName # ")";
  let description = [{
    Computes `}] # formula # [{` along `dim` (default -1); the result has
    the input's type.

    ```mlir
    %y = mithril.}] # mnemonic # [{ %x {dim = 1} : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input,
                       DefaultValuedAttr<Mithril_I64Attr, "-1">:$dim);
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` custom<ElementwiseType>(type($input), type($output))";
}

def Mithril_SoftmaxOp : Mithril_SoftmaxBaseOp<"softmax", "torch.nn.Softmax",
                                              "exp(x) / sum(exp(x))"> {
  let catalog = Mithril_Catalog<"Softmax",
      [Mithril_IntArg<"dim">]>;
}
def Mithril_LogSoftmaxOp : Mithril_SoftmaxBaseOp<"log_softmax",
    "torch.nn.LogSoftmax", "x - log(sum(exp(x)))"> {
  let catalog = Mithril_Catalog<"LogSoftmax",
      [Mithril_IntArg<"dim">]>;
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

class Mithril_LossOp<string mnemonic>
    : Mithril_GraphOp<mnemonic, [Mithril_Differentiable]> {
  let results = (outs Mithril_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $target attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_CrossEntropyLossOp : Mithril_LossOp<"cross_entropy_loss"> {
  let catalog = Mithril_Catalog<"CrossEntropyLoss",
      [Mithril_ChoiceArg<"reduction", "mean|sum|none">]>;
  let summary = "cross entropy of logits and targets (torch.nn.CrossEntropyLoss)";
  let description = [{
    `input` holds logits `[N, C, d...]` (or `[C]`). `target` is either class
    indices (integer, `[N, d...]`, or rank 0 for an unbatched input) or class
    probabilities (`input`'s shape and dtype). `reduction` is `"mean"` (the
    default) or `"sum"`, giving a rank-0 result, or `"none"`, giving one loss
    per sample (`[N, d...]`).

    ```mlir
    %l = mithril.cross_entropy_loss %logits, %labels : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_Tensor:$target,
                       DefaultValuedAttr<StrAttr, "\"mean\"">:$reduction);
}

def Mithril_MSELossOp : Mithril_LossOp<"mse_loss"> {
  let catalog = Mithril_Catalog<"MSELoss",
      [Mithril_ChoiceArg<"reduction", "mean|sum|none">]>;
  let summary = "mean squared error (torch.nn.MSELoss)";
  let description = [{
    `(input - target)^2` elementwise (the operands broadcast, one dtype),
    reduced by `reduction`: `"mean"` (the default) or `"sum"` give a rank-0
    result, `"none"` the broadcast shape.

    ```mlir
    %l = mithril.mse_loss %y, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Mithril_FloatTensor:$input, Mithril_FloatTensor:$target,
                       DefaultValuedAttr<StrAttr, "\"mean\"">:$reduction);
}

#endif // MITHRIL_REDUCTION_OPS_TD

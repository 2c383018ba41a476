//===- MithrilShapeOps.td - Shape, data movement and matmul ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Ops that move data without arithmetic (reshape, transpose, concat, slice,
// gather, pad, ...) and `matmul`. Dimension arguments may be negative,
// counting from the end as in PyTorch.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_SHAPE_OPS_TD
#define MITHRIL_SHAPE_OPS_TD

include "MithrilBase.td"

class Mithril_ShapeOp<string mnemonic, list<Trait> traits = []>
    : Mithril_GraphOp<mnemonic, traits> {
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Mithril_ReshapeOp : Mithril_ShapeOp<"reshape", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Reshape",
      [Mithril_DimListArg<"shape", 1>]>;
  let summary = "view with another shape (torch.reshape)";
  let description = [{
    The same elements, in the same order, with shape `shape`. An entry is a
    size, `-1` (at most one: the size that keeps the element count), or a
    symbol of the model (`"N"`), which is dynamic until shapes are
    specialised. A reshape to the input's own static shape folds away.

    ```mlir
    %y = mithril.reshape %x {shape = ["N", -1]} : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_DimListAttr:$shape);
  let hasFolder = 1;
}

def Mithril_FlattenOp : Mithril_ShapeOp<"flatten", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Flatten",
      [Mithril_IntArg<"start_dim">, Mithril_IntArg<"end_dim">]>;
  let summary = "merge a range of dims into one (torch.flatten)";
  let description = [{
    Merges dimensions `start_dim` to `end_dim` (inclusive; default 1 and -1)
    into one. Flattening a single dimension folds away.

    ```mlir
    %y = mithril.flatten %x : (tensor<?x64x2x2xf32>) -> tensor<?x256xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input,
                       DefaultValuedAttr<Mithril_I64Attr, "1">:$start_dim,
                       DefaultValuedAttr<Mithril_I64Attr, "-1">:$end_dim);
  let hasFolder = 1;
}

def Mithril_TransposeOp : Mithril_ShapeOp<"transpose", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Transpose",
      [Mithril_IntArg<"dim0", 1>, Mithril_IntArg<"dim1", 1>]>;
  let summary = "swap two dims (torch.transpose)";
  let description = [{
    Swaps dimensions `dim0` and `dim1`. Swapping a dimension with itself
    folds away, and so does a transpose of the same transpose.

    ```mlir
    %y = mithril.transpose %x {dim0 = 1, dim1 = 2} : (tensor<?x16x8xf32>) -> tensor<?x8x16xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_I64Attr:$dim0, Mithril_I64Attr:$dim1);
  let hasFolder = 1;
}

def Mithril_PermuteOp : Mithril_ShapeOp<"permute", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Permute",
      [Mithril_IntListArg<"dims", 1>]>;
  let summary = "reorder the dims (torch.permute)";
  let description = [{
    Output dimension `i` is input dimension `dims[i]`; `dims` is a
    permutation (negative entries count from the end). The identity
    permutation folds away, and two permutes in a row become one.

    ```mlir
    %y = mithril.permute %x {dims = array<i64: 0, 2, 3, 1>} : (tensor<?x3x8x8xf32>) -> tensor<?x8x8x3xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, DenseI64ArrayAttr:$dims);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Mithril_SqueezeOp : Mithril_ShapeOp<"squeeze", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Squeeze",
      [Mithril_IntArg<"dim", 1>]>;
  let summary = "remove a dim of size 1 (torch.squeeze)";
  let description = [{
    Removes dimension `dim`, which must have size 1. (PyTorch leaves a tensor
    alone when the dimension is not 1; Mithril rejects it statically, and a
    dynamic dimension is checked when the model runs.)

    ```mlir
    %y = mithril.squeeze %x {dim = 1} : (tensor<?x1x16xf32>) -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_I64Attr:$dim);
}

def Mithril_UnsqueezeOp : Mithril_ShapeOp<"unsqueeze", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Unsqueeze",
      [Mithril_IntArg<"dim", 1>]>;
  let summary = "insert a dim of size 1 (torch.unsqueeze)";
  let description = [{
    Inserts a dimension of size 1 at `dim`, in `[-rank - 1, rank]`.

    ```mlir
    %y = mithril.unsqueeze %x {dim = -1} : (tensor<?x16xf32>) -> tensor<?x16x1xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_I64Attr:$dim);
}

def Mithril_ConcatOp : Mithril_GraphOp<"concat", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Concat",
      [Mithril_IntArg<"dim", 1>]>;
  let summary = "join tensors along a dim (torch.cat)";
  let description = [{
    Joins `inputs` (one or more, of one dtype and rank, equal in every other
    dimension) along `dim`.

    ```mlir
    %y = mithril.concat %a, %b {dim = 1} : (tensor<?x16xf32>, tensor<?x8xf32>) -> tensor<?x24xf32>
    ```
  }];
  let arguments = (ins Variadic<Mithril_Tensor>:$inputs, Mithril_I64Attr:$dim);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def Mithril_SplitOp : Mithril_GraphOp<"split", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Split",
      [Mithril_PositiveIntArg<"split_size", 1>, Mithril_IntArg<"dim", 1>]>;
  let summary = "split into chunks along a dim (torch.split)";
  let description = [{
    Splits `input` along `dim` into chunks of `split_size` (the last may be
    smaller): `ceil(size / split_size)` results, the model file's ports
    `output_0`, `output_1`, ... The dimension must be static, since it sets
    the number of results.

    ```mlir
    %a, %b = mithril.split %x {dim = 1, split_size = 8} : (tensor<?x16xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input,
                       ConfinedAttr<Mithril_I64Attr, [IntPositive]>:$split_size,
                       Mithril_I64Attr:$dim);
  let results = (outs Variadic<Mithril_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Mithril_SliceOp : Mithril_ShapeOp<"slice", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Slice",
      [Mithril_IntArg<"dim", 1>, Mithril_IntArg<"start", 1>,
       Mithril_IntArg<"end", 1>, Mithril_PositiveIntArg<"step">]>;
  let summary = "a strided range of one dim (x[start:end:step])";
  let description = [{
    Keeps elements `start`, `start + step`, ... before `end` along `dim`,
    with Python's rules: negative `start`/`end` count from the end, and both
    are clamped to the dimension. `step` is positive.

    ```mlir
    %y = mithril.slice %x {dim = 1, end = 12, start = 4, step = 2} : (tensor<?x16xf32>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_I64Attr:$dim, Mithril_I64Attr:$start,
                       Mithril_I64Attr:$end,
                       DefaultValuedAttr<ConfinedAttr<Mithril_I64Attr, [IntPositive]>, "1">:$step);
}

def Mithril_GatherOp : Mithril_GraphOp<"gather", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Gather",
      [Mithril_IntArg<"dim", 1>]>;
  let summary = "gather values along a dim (torch.gather)";
  let description = [{
    `output[i][j][k] = input[index[i][j][k]][j][k]` for `dim = 0` (and so on):
    `index` (integer) has `input`'s rank, and the output has `index`'s shape.
    Along dimensions other than `dim`, `index` is no larger than `input`.

    ```mlir
    %y = mithril.gather %x, %idx {dim = 1} : (tensor<?x16xf32>, tensor<?x4xi64>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, Mithril_IndexTensor:$index,
                       Mithril_I64Attr:$dim);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $index attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_PadOp : Mithril_ShapeOp<"pad", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Pad",
      [Mithril_IntListArg<"pad", 1>, Mithril_FloatArg<"value">]>;
  let summary = "constant padding (torch.nn.functional.pad)";
  let description = [{
    Pads with `value` (default 0). `pad` holds pairs `(before, after)` from
    the last dimension backwards, as in PyTorch: `[l, r]` pads the last
    dimension, `[l, r, t, b]` the last two. Negative entries crop.

    ```mlir
    %y = mithril.pad %x {pad = array<i64: 1, 1, 2, 0>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x10x10xf32>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input, DenseI64ArrayAttr:$pad,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Mithril_MatMulOp : Mithril_GraphOp<"matmul", [Mithril_Differentiable,
                                                  Mithril_ReducedPrecision]> {
  let catalog = Mithril_Catalog<"MatMul">;
  let summary = "matrix product, batched and broadcast (torch.matmul)";
  let description = [{
    `torch.matmul`: two 1-d operands give their dot product (rank 0); a 1-d
    left operand is a row, a 1-d right operand a column (that dimension is
    then dropped); otherwise the last two dims multiply (`[.., n, k] @ [.., k,
    m]`) and the leading dims broadcast. The operands have one dtype.

    ```mlir
    %y = mithril.matmul %a, %b : (tensor<?x8x16x64xf32>, tensor<?x8x64x16xf32>) -> tensor<?x8x16x16xf32>
    ```
  }];
  let arguments = (ins Mithril_NumericTensor:$left, Mithril_NumericTensor:$right);
  let results = (outs Mithril_NumericTensor:$output);
  let assemblyFormat = [{
    $left `,` $right attr-dict `:` functional-type(operands, results)
  }];
}

#endif // MITHRIL_SHAPE_OPS_TD

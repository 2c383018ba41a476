//===- Passes.td - Conversions out of the mithril dialect -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CONVERSION_PASSES_TD
#define MITHRIL_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMithrilToLinalg
    : Pass<"convert-mithril-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower mithril's catalog ops to linalg on tensors";
  let description = [{
    Rewrites the catalog ops inside `mithril.model`s into upstream ops on
    tensors: `linalg.generic` (elementwise ops, with NumPy broadcasting
    through the indexing maps) and linalg named ops, `tensor`, `arith` and
    `math`. Dynamic dims are read with `tensor.dim`. The model structure
    (`mithril.model`, `mithril.parameter`, `mithril.return`,
    `mithril.instance`) is left as it is.

    Broadcasting follows the static types: a dim of static size 1 stretches;
    a dynamic dim is taken to equal the dims it meets (it never stretches
    at run time), as in torch-mlir.

    Transcendental functions on `f16`/`bf16` are computed in `f32` and
    rounded back, as PyTorch does on CPUs.

    Every op of the catalog is lowered, one file per family: elementwise
    ops (one generic each) and constants; `matmul` / `linear` (one
    contraction each, f16/bf16 accumulated in f32); reductions, softmax and
    losses (softmax and log-softmax subtract the maximum first; argmax
    breaks ties on the index, so the result does not depend on the order of
    the loops); the norms (statistics by reductions, then one elementwise
    generic); shape and data-movement ops (`tensor.reshape`, collapse and
    expand shapes, `linalg.transpose`, slices, `tensor.pad`, gathering
    generics for gather and embedding); convolutions and pooling (windowed
    generics over a padded input, groups as a dim of their own); attention,
    rewritten into the mithril ops it is made of. `u8` is computed on as
    `i8` (arith takes signless integers only): bodies view `u8` scalars as
    `i8` through `builtin.unrealized_conversion_cast` (both sides are `i8`
    in LLVM, where the casts vanish) and use the unsigned forms where
    signedness matters (comparisons, maximum and minimum, extension, float
    conversion). `pow` on `u8` is not lowered.

    ```mlir
    %y = mithril.relu %x : tensor<?x4xf32>
    ```

    becomes

    ```mlir
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x4xf32>
    %init = tensor.empty(%n) : tensor<?x4xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<?x4xf32>) outs(%init : tensor<?x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %r = arith.maximumf %in, %zero : f32
      linalg.yield %r : f32
    } -> tensor<?x4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertMithrilModelsToFunctions
    : Pass<"convert-mithril-models-to-functions", "::mlir::ModuleOp"> {
  let summary = "Turn each flat mithril.model into a func.func";
  let description = [{
    After `convert-mithril-to-linalg`, a model holds only upstream ops,
    its parameters and its return. Each model becomes a `func.func` of the
    same name whose arguments are the model's inputs followed by its
    parameters, in the order they are declared; `mithril.return` becomes
    `func.return`. The names stay as argument attributes (`mithril.name`
    for inputs and outputs, `mithril.parameter` for parameters), so that the
    library's signature and the weights can be matched up later; the
    function gets `llvm.emit_c_interface`.

    Models must be flat (`mithril-inline-blocks` first) and lowered: an
    instance or a catalog op left is an error.

    ```mlir
    mithril.model @m(%x: tensor<?x4xf32> {mithril.name = "x"}) -> (tensor<?x2xf32> {mithril.name = "y"}) {
      %w = mithril.parameter "fc.weight" : tensor<2x4xf32>
      ...
      mithril.return %y : tensor<?x2xf32>
    }
    ```

    becomes

    ```mlir
    func.func @m(%x: tensor<?x4xf32> {mithril.name = "x"},
                 %w: tensor<2x4xf32> {mithril.parameter = "fc.weight"})
        -> (tensor<?x2xf32> {mithril.name = "y"}) attributes {llvm.emit_c_interface} {
      ...
      return %y : tensor<?x2xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // MITHRIL_CONVERSION_PASSES_TD

//===- Passes.td - Passes on the mithril dialect --------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TRANSFORMS_PASSES_TD
#define MITHRIL_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MithrilInlineBlocks : Pass<"mithril-inline-blocks", "::mlir::ModuleOp"> {
  let summary = "Flatten block instances into one graph";
  let description = [{
    Replaces every `mithril.instance` of the top model (the model no
    instance uses) by a copy of the callee's body, innermost instances
    included, and erases the models no longer used. What the hierarchy
    named is kept:

    - a copied parameter is renamed with the instance path, so the flat
      model's parameter names are the `state_dict` names of the model file
      (`res_block_1.conv1.weight`);
    - a copied op's location becomes `NameLoc("<instance>.<node>",
      CallSiteLoc(<op's location>, <instance's location>))`, so diagnostics
      show the op's place in the model file, "called from" the instance.

    Why not upstream's `inline`: it needs the call/callable interfaces'
    inliner hooks and knows nothing of parameters, which must be renamed
    per instance.

    ```mlir
    mithril.model @top(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
      %0 = mithril.instance "block_0" of @block(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32>
      mithril.return %0 : tensor<1x4xf32>
    }
    mithril.model @block(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
      %w = mithril.parameter "linear_0.weight" : tensor<4x4xf32>
      %0 = mithril.linear %x, %w {in_features = 4, out_features = 4}
          : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
      mithril.return %0 : tensor<1x4xf32>
    }
    ```

    becomes

    ```mlir
    mithril.model @top(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
      %w = mithril.parameter "block_0.linear_0.weight" : tensor<4x4xf32>
      %0 = mithril.linear %x, %w {in_features = 4, out_features = 4}
          : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
      mithril.return %0 : tensor<1x4xf32>
    }
    ```
  }];
}

def MithrilInferShapes : Pass<"mithril-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Refine every type, bind symbolic dims, specialise the model";
  let description = [{
    Propagates types through the graph, binding every symbolic dim (the
    `N` of `mithril.dims`) consistently, until nothing changes:

    - each op's results get the most refined type compatible with both the
      written type and the type the op infers (`InferTypeOpInterface`): a
      dim known on either side becomes static;
    - an instance's results take its callee's output types, and a callee's
      inputs the types all its instances agree on;
    - a symbol is bound where one of its dims becomes static (a model
      input, or an instance's operand for a block input that names it), and
      every other dim of that symbol is then fixed to the same size,
      including in `mithril.reshape` shapes.

    Options specialise the model first: `shape=NAME=DIMS` fixes the dims of
    the top model's input `NAME` (`x=8x3x32x32`), `batch=B` binds the
    symbol `N` to `B`.

    Errors are reported at the op or input where they arise, and the pass
    fails: an op whose operands cannot match; a symbol bound to two sizes,
    naming both (`symbol 'N' is bound to 8 (by --shape x=8x4) and to 4
    (by --shape y=4x4)`); a `--shape` of an unknown input, of the wrong
    rank, or against a static dim.

    Why not upstream: MLIR has no pass that refines result types through
    `InferTypeOpInterface` across a graph of function-like ops.

    ```mlir
    mithril.model @m(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"})
        -> tensor<?x?xf32> {
      %w = mithril.parameter "linear_0.weight" : tensor<2x4xf32>
      %0 = mithril.linear %x, %w {in_features = 4, out_features = 2}
          : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x?xf32>
      mithril.return %0 : tensor<?x?xf32>
    }
    ```

    with `batch=8` becomes

    ```mlir
    mithril.model @m(%x: tensor<8x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"})
        -> tensor<8x2xf32> {
      %w = mithril.parameter "linear_0.weight" : tensor<2x4xf32>
      %0 = mithril.linear %x, %w {in_features = 4, out_features = 2}
          : (tensor<8x4xf32>, tensor<2x4xf32>) -> tensor<8x2xf32>
      mithril.return %0 : tensor<8x2xf32>
    }
    ```
  }];
  let options = [
    ListOption<"shapes", "shape", "std::string",
               "Fix the dims of a top-model input: NAME=DIMS (e.g. x=8x3x32x32)">,
    Option<"batch", "batch", "int64_t", /*default=*/"-1",
           "Bind the symbol N to this size (-1: leave it)">
  ];
}

def MithrilRecordInitRules
    : Pass<"mithril-record-init-rules", "::mlir::ModuleOp"> {
  let summary = "Record how each parameter's random values are drawn";
  let description = [{
    For a module that asks for random parameter values (`mithril.random_init`,
    `--init=random`), records PyTorch's default initialiser of every
    parameter of the top model in the module attribute `mithril.init_rules`,
    by parameter name. Each comes from the catalog op that uses the
    parameter (`ParameterizedOpInterface::getDefaultInitializer`); it is
    read here, after `mithril-inline-blocks`, because the lowering that
    follows erases the catalog ops, and the weights are drawn only when the
    library is written. Does nothing without `mithril.random_init`.

    ```mlir
    module attributes {mithril.random_init = 0 : i64} {
      mithril.model @m(%x: tensor<8x4xf32>) -> tensor<8x2xf32> {
        %w = mithril.parameter "fc.weight" : tensor<2x4xf32>
        %0 = mithril.linear %x, %w {in_features = 4, out_features = 2}
            : (tensor<8x4xf32>, tensor<2x4xf32>) -> tensor<8x2xf32>
        mithril.return %0 : tensor<8x2xf32>
      }
    }
    ```

    gains `mithril.init_rules = {"fc.weight" = #mithril.init<uniform(-0.5,
    0.5)>}`. A parameter no catalog op uses is an error: nothing says how
    to draw it.
  }];
}

#endif // MITHRIL_TRANSFORMS_PASSES_TD

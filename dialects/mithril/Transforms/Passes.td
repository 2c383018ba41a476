//===- Passes.td - Passes on the mithril dialect --------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TRANSFORMS_PASSES_TD
#define MITHRIL_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MithrilInferShapes : Pass<"mithril-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Refine every result type to what the ops infer";
  let description = [{
    Walks each `mithril.model` in dependency order (a model after the models
    it instantiates) and gives every op's results the most refined type that
    is compatible with both the written type and the type the op infers
    from its operands (`InferTypeOpInterface`): a dim known on either side
    becomes static, a dim unknown on both stays dynamic. Instance results
    take the refined signature of their callee, and each model's output
    types the refined types it returns. Inference errors (a rank or dim that
    cannot match) are reported at the op, and the pass fails.

    Why not upstream: MLIR has no pass that refines result types through
    `InferTypeOpInterface` across a graph of function-like ops.

    Before:

    ```mlir
    mithril.model @m(%x: tensor<8x4xf32>) -> tensor<?x?xf32> {
      %w = mithril.parameter "linear_0.weight" : tensor<2x4xf32>
      %0 = mithril.linear %x, %w {in_features = 4, out_features = 2}
          : (tensor<8x4xf32>, tensor<2x4xf32>) -> tensor<?x?xf32>
      mithril.return %0 : tensor<?x?xf32>
    }
    ```

    After:

    ```mlir
    mithril.model @m(%x: tensor<8x4xf32>) -> tensor<8x2xf32> {
      %w = mithril.parameter "linear_0.weight" : tensor<2x4xf32>
      %0 = mithril.linear %x, %w {in_features = 4, out_features = 2}
          : (tensor<8x4xf32>, tensor<2x4xf32>) -> tensor<8x2xf32>
      mithril.return %0 : tensor<8x2xf32>
    }
    ```

    Binding symbolic dims (`N`) consistently and specialising them
    (`--shape`, `--batch`) builds on this pass.
  }];
}

#endif // MITHRIL_TRANSFORMS_PASSES_TD

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

//===----------------------------------------------------------------------===//
// Training (docs/training.md)
//===----------------------------------------------------------------------===//

def MithrilBuildTrainStep
    : Pass<"mithril-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Clone the top model into a train step that returns a loss";
  let description = [{
    Adds `@train_step`, marked `mithril.train`: the top model's body with one
    more input, `target`, and one output, `loss`, the chosen loss of the
    model's output (which must be one float tensor), as PyTorch computes it:

    - `cross_entropy`: `CrossEntropyLoss` of logits `[N, C, d...]` and class
      indices `[N, d...]` (`i64`), with `label-smoothing` and `ignore-index`
      (whose samples count for nothing, also in the mean);
    - `mse`, `l1`: `MSELoss`, `L1Loss` against a target of the output's type;
    - `bce_with_logits`: `BCEWithLogitsLoss`, computed stably as
      `softplus(x) - x t`.

    `reduction` is `mean` (the default) or `sum`. The loss is built from
    catalog ops, so its gradient follows from theirs. The target's dynamic
    dims take the first input's symbols where they sit at the same place
    (the batch), so the runtime checks that the two agree.
  }];
  let options = [
    Option<"loss", "loss", "std::string", /*default=*/"\"cross_entropy\"",
           "cross_entropy, mse, l1 or bce_with_logits">,
    Option<"reduction", "reduction", "std::string", /*default=*/"\"mean\"",
           "mean or sum">,
    Option<"labelSmoothing", "label-smoothing", "double", /*default=*/"0.0",
           "CrossEntropyLoss's label_smoothing">,
    Option<"ignoreIndex", "ignore-index", "int64_t", /*default=*/"-100",
           "CrossEntropyLoss's ignore_index">
  ];
}

def MithrilTrainMode : Pass<"mithril-train-mode", "::mlir::ModuleOp"> {
  let summary = "Give a train step PyTorch's train() semantics";
  let description = [{
    In each model marked `mithril.train`: BatchNorm normalises with the
    batch's statistics and returns the new `running_mean` / `running_var`
    (momentum 0.1, unbiased variance) as results marked `mithril.updates`;
    Dropout multiplies by `mithril.random_mask`, drawn from the state
    `train.rng_counter` (a rank-0 `i64` starting at 0 that the step
    increments), one stream per dropout.
  }];
}

def MithrilDifferentiate
    : Pass<"mithril-differentiate", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode gradients of a train step's loss";
  let description = [{
    In each model marked `mithril.train`, whose first result is a float
    scalar loss, builds the gradient of the loss with respect to every float
    parameter the loss depends on (state, marked `mithril.initial_value`,
    excluded) and appends it as a result marked
    `mithril.gradient_of = "<parameter>"`. Each op contributes its own
    vector-Jacobian product (`DifferentiableOpInterface`); an op on the path
    from a parameter to the loss without one, or one whose result on that
    path is not a float (ArgMax, comparisons, casts to integers), is an
    error at its location.

    With `inputs`, the float inputs of the model (all but `target`) are
    differentiated too: their gradients follow as outputs named
    `grad.<input>` (zeros where the loss does not depend on one).
  }];
  let options = [
    Option<"inputs", "inputs", "bool", /*default=*/"false",
           "Also return the gradients of the float inputs">
  ];
}

def MithrilApplyOptimizer
    : Pass<"mithril-apply-optimizer", "::mlir::ModuleOp"> {
  let summary = "Turn a train step's gradients into optimizer updates";
  let description = [{
    Replaces each result `mithril.gradient_of = "<p>"` of a model marked
    `mithril.train` by the new values of `p` and of its optimizer state,
    marked `mithril.updates`, with PyTorch's SGD (momentum, dampening,
    nesterov, weight_decay), Adam or AdamW (bias correction, eps, weight
    decay as each applies it). The learning rate is the state
    `optimizer.lr`, so it can change between steps; `optimizer.step`
    counts them.
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"adam\"",
           "sgd, adam or adamw">,
    Option<"lr", "lr", "double", /*default=*/"1e-3", "the learning rate">,
    Option<"momentum", "momentum", "double", /*default=*/"0.0",
           "SGD's momentum">,
    Option<"dampening", "dampening", "double", /*default=*/"0.0",
           "SGD's dampening">,
    Option<"nesterov", "nesterov", "bool", /*default=*/"false",
           "SGD's Nesterov momentum">,
    Option<"beta1", "beta1", "double", /*default=*/"0.9", "Adam's beta1">,
    Option<"beta2", "beta2", "double", /*default=*/"0.999", "Adam's beta2">,
    Option<"eps", "eps", "double", /*default=*/"1e-8", "Adam's eps">,
    Option<"weightDecay", "weight-decay", "double", /*default=*/"0.0",
           "the weight decay (L2 for SGD and Adam, decoupled for AdamW)">
  ];
}

def MithrilApplyPrecision
    : Pass<"mithril-apply-precision", "::mlir::ModuleOp"> {
  let summary = "Compute contractions in f16/bf16 and store weights so";
  let description = [{
    Mixed precision, as PyTorch's autocast practises it. With `precision`
    f16 or bf16:

    - every op with the `ReducedPrecision` trait (Linear, the convolutions
      and their gradients, MatMul, Embedding, the attentions) whose float
      operands are f32 takes them narrowed to the reduced type and gives
      its results widened back to f32 (its lowering accumulates sums in
      f32); every other op (normalisations, softmax, reductions, losses,
      elementwise) keeps computing in f32;
    - every f32 parameter is stored in the reduced type, marked
      `mithril.model_dtype = f32` so that f32 weights are converted when
      read (at compile time and when an instance is created); its other
      users read it widened. A module with a train step keeps its
      parameters in f32 (the master weights the optimizer updates).

    Casts that round-trip exactly (bf16 -> f32 -> bf16) fold away, so a
    chain of contractions passes reduced values directly. With
    `io-precision` f32, f16 or bf16, the models' float inputs and outputs
    (not a train step's updates or gradients) take that dtype; `model`
    keeps the model's dtypes. f64 values are left as they are.

    ```mlir
    %w = mithril.parameter "fc.weight" : tensor<2x4xf32>
    %y = mithril.linear %x, %w {in_features = 4, out_features = 2}
        : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    ```

    becomes, with `precision=bf16`,

    ```mlir
    %w = mithril.parameter "fc.weight" {mithril.model_dtype = f32} : tensor<2x4xbf16>
    %0 = mithril.cast %x to bf16 : tensor<?x4xf32> -> tensor<?x4xbf16>
    %1 = mithril.linear %0, %w {in_features = 4, out_features = 2}
        : (tensor<?x4xbf16>, tensor<2x4xbf16>) -> tensor<?x2xbf16>
    %y = mithril.cast %1 to f32 : tensor<?x2xbf16> -> tensor<?x2xf32>
    ```
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"f32\"",
           "the compute precision: f32 (no change), f16 or bf16">,
    Option<"ioPrecision", "io-precision", "std::string",
           /*default=*/"\"model\"",
           "the dtype of float inputs and outputs: model, f32, f16 or bf16">
  ];
}

def MithrilQuantizeWeights
    : Pass<"mithril-quantize-weights", "::mlir::ModuleOp"> {
  let summary = "Store weights in int8 with a scale per output channel";
  let description = [{
    Every static f32 parameter of rank two or more whose users all read it
    as the weight of a Linear, Conv1d, Conv2d or Embedding op, or as a
    rank-2 operand of a MatMul, becomes int8, symmetric, with one f32 scale
    per output channel in a new parameter `<name>.scale` (marked
    `mithril.scale_of`): a Linear's, convolution's or Embedding's dim 0, a
    MatMul's right operand's columns or left operand's rows. The parameter
    is marked `mithril.model_dtype = f32` and `mithril.quantized_axis`, so
    that f32 weights are quantized when read (scale = max|w| / 127, values
    rounded half to even) and int8 ones are checked.

    As the scale is constant along each contraction, the op reads the int8
    values widened to f32 and its result is scaled per channel, then the
    bias added: `x (q s)^T + b = (x q^T) s + b`. An Embedding gathers int8
    rows and their scales. With `mode=int8-dynamic`, a Linear and a MatMul
    with a right weight also quantize each row of their activations at run
    time (scale max|row| / 127) and sum int8 products into i32; the
    convolutions, Embedding and left weights stay weight-only.

    ```mlir
    %w = mithril.parameter "fc.weight" : tensor<2x4xf32>
    %y = mithril.linear %x, %w, %b {in_features = 4, out_features = 2}
        : (tensor<?x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    ```

    becomes

    ```mlir
    %w = mithril.parameter "fc.weight" {mithril.model_dtype = f32, mithril.quantized_axis = 0 : i64} : tensor<2x4xi8>
    %s = mithril.parameter "fc.weight.scale" {mithril.scale_of = "fc.weight"} : tensor<2xf32>
    %0 = mithril.cast %w to f32 : tensor<2x4xi8> -> tensor<2x4xf32>
    %1 = mithril.linear %x, %0 {in_features = 4, out_features = 2}
        : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
    %2 = mithril.mul %1, %s : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %y = mithril.add %2, %b : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    ```

    A module with a train step is refused: int8 weights cannot be updated.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"int8\"",
           "int8 (weights only) or int8-dynamic (activations per row too)">
  ];
}

#endif // MITHRIL_TRANSFORMS_PASSES_TD

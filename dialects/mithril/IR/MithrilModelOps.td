//===- MithrilModelOps.td - Models, parameters and instances --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The structure of a logical model: `mithril.model` (a graph, the top model
// or a reusable block), `mithril.parameter` (a named, typed weight),
// `mithril.instance` (a model using another model), `mithril.return` and
// `mithril.constant`.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_MODEL_OPS_TD
#define MITHRIL_MODEL_OPS_TD

include "MithrilBase.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/CallInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/FunctionInterfaces.td"

def Mithril_ModelOp : Mithril_Op<"model", [
    IsolatedFromAbove, FunctionOpInterface, AutomaticAllocationScope,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>
  ]> {
  let summary = "a logical model: a graph of ops, parameters and instances";
  let description = [{
    A model is a named graph, like `func.func`: its arguments are the model's
    inputs, `mithril.return` gives its outputs. It holds the model's
    parameters (`mithril.parameter`), catalog ops, and instances of other
    models (`mithril.instance`). A model file's top graph and each of its
    `blocks` become one `mithril.model` each, so the hierarchy of the file is
    the hierarchy of the IR.

    Each argument and result carries its name from the model file
    (`mithril.name`); an argument whose dims the file wrote with symbols
    keeps them in `mithril.dims`. Every occurrence of one symbol in one model
    is the same size. Inputs print with their names as SSA names.

    ```mlir
    mithril.model @mlp(%input: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "input"})
        -> (tensor<?x2xf32> {mithril.name = "output"}) {
      %w = mithril.parameter "linear_0.weight" : tensor<2x4xf32>
      %b = mithril.parameter "linear_0.bias" : tensor<2xf32>
      %0 = mithril.linear %input, %w, %b {in_features = 4, out_features = 2}
          : (tensor<?x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x2xf32>
      mithril.return %0 : tensor<?x2xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       OptionalAttr<StrAttr>:$sym_visibility,
                       OptionalAttr<DictArrayAttr>:$arg_attrs,
                       OptionalAttr<DictArrayAttr>:$res_attrs);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$name, "::mlir::FunctionType":$type)>
  ];
  let extraClassDeclaration = [{
    //===------------------------------------------------------------------===//
    // FunctionOpInterface and CallableOpInterface
    //===------------------------------------------------------------------===//
    ::mlir::Region *getCallableRegion() { return &getBody(); }
    ::llvm::ArrayRef<::mlir::Type> getArgumentTypes() {
      return getFunctionType().getInputs();
    }
    ::llvm::ArrayRef<::mlir::Type> getResultTypes() {
      return getFunctionType().getResults();
    }
    bool isDeclaration() { return false; }

    //===------------------------------------------------------------------===//
    // Model structure
    //===------------------------------------------------------------------===//
    /// The `mithril.name` of input `i`, or "" if it has none.
    ::llvm::StringRef getInputName(unsigned i);
    /// The `mithril.name` of output `i`, or "" if it has none.
    ::llvm::StringRef getOutputName(unsigned i);
    /// The model's parameters, in order.
    auto getParameters() { return getBody().getOps<ParameterOp>(); }
    /// The model's terminator.
    ReturnOp getReturnOp();
  }];
}

def Mithril_ParameterOp : Mithril_Op<"parameter", [
    HasParent<"ModelOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>
  ]> {
  let summary = "a named, typed parameter (weight) of a model";
  let description = [{
    A parameter of the enclosing model, named as in PyTorch's `state_dict`
    relative to that model. Inside a block the name is relative to the
    block: instance `res_block_1` of a block declaring `conv1.weight` owns the
    parameter `res_block_1.conv1.weight` of the top model. Names are unique
    within a model. The value is read from the weights at compile time.

    ```mlir
    %w = mithril.parameter "conv1.weight" : tensor<64x64x3x3xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "$name attr-dict `:` type($output)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// PyTorch's default initialiser of this parameter, as the first catalog
    /// op using it says (ParameterizedOpInterface); failure if none does.
    ::mlir::FailureOr<InitializerAttr> getDefaultInitializer();
  }];
}

def Mithril_InstanceOp : Mithril_Op<"instance", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>
  ]> {
  let summary = "an instance of another model, with its own parameters";
  let description = [{
    Uses the model `callee` (a block of the model file) on `inputs`. Each
    instance has its own parameters: the instance's `name` prefixes the
    names of the callee's parameters (`res_block_0.conv1.weight`). Operand
    and result types must be compatible with the callee's signature. A model
    may not instantiate itself, directly or through other models.

    ```mlir
    %1 = mithril.instance "res_block_0" of @res_block(%0)
        : (tensor<?x64x2x2xf32>) -> tensor<?x64x2x2xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, FlatSymbolRefAttr:$callee,
                       Variadic<Mithril_Tensor>:$inputs);
  let results = (outs Variadic<Mithril_Tensor>:$outputs);
  let assemblyFormat = [{
    $name `of` $callee `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)
  }];
}

def Mithril_ReturnOp : Mithril_Op<"return", [
    Pure, HasParent<"ModelOp">, ReturnLike, Terminator
  ]> {
  let summary = "the outputs of a model";
  let description = [{
    Terminates a `mithril.model`; its operands are the model's outputs, in
    order, with types compatible with the model's result types.

    ```mlir
    mithril.return %logits, %probs : tensor<?x10xf32>, tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Variadic<Mithril_Tensor>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
  let hasVerifier = 1;
}

def Mithril_ConstantOp : Mithril_GraphOp<"constant", [ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    A constant, such as the scalar `2.0` a model file writes in an input
    port (`"right": 2.0`), which becomes a rank-0 tensor of the other
    operand's dtype and broadcasts.

    ```mlir
    %c = mithril.constant dense<2.000000e+00> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

#endif // MITHRIL_MODEL_OPS_TD

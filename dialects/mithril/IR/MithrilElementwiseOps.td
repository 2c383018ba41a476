//===- MithrilElementwiseOps.td - Activations and elementwise ops ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Activations, unary and binary elementwise ops, comparisons, `where`,
// `cast` and `dropout`. Binary ops broadcast like NumPy.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_ELEMENTWISE_OPS_TD
#define MITHRIL_ELEMENTWISE_OPS_TD

include "MithrilBase.td"

// An op whose result has its operand's type. The type is written once, or as
// `A -> B` when the result is more refined than the operand (or less).
class Mithril_UnaryOp<string mnemonic, string torchName, string formula,
                      Type tensor = Mithril_FloatTensor,
                      list<Trait> traits = []>
    : Mithril_GraphOp<mnemonic, !listconcat(traits, [SameOperandsAndResultShape,
                                             SameOperandsAndResultElementType,
                                             Mithril_Differentiable])> {
  let summary = formula # " elementwise (" # torchName # ")";
  let description = [{
    Computes `}] # formula # [{` for each element; the result has the
    input's type.

    ```mlir
    %y = mithril.}] # mnemonic # [{ %x : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins tensor:$input);
  let results = (outs tensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` custom<ElementwiseType>(type($input), type($output))";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location>,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      types.push_back(adaptor.getInput().getType());
      return ::mlir::success();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Mithril_ReLUOp : Mithril_UnaryOp<"relu", "torch.nn.ReLU", "max(x, 0)"> {
  let catalog = Mithril_Catalog<"ReLU">;
}
def Mithril_SiLUOp : Mithril_UnaryOp<"silu", "torch.nn.SiLU", "x * sigmoid(x)"> {
  let catalog = Mithril_Catalog<"SiLU">;
}
def Mithril_SigmoidOp
    : Mithril_UnaryOp<"sigmoid", "torch.nn.Sigmoid", "1 / (1 + exp(-x))"> {
  let catalog = Mithril_Catalog<"Sigmoid">;
}
def Mithril_TanhOp : Mithril_UnaryOp<"tanh", "torch.nn.Tanh", "tanh(x)"> {
  let catalog = Mithril_Catalog<"Tanh">;
}
def Mithril_SoftplusOp
    : Mithril_UnaryOp<"softplus", "torch.nn.Softplus", "log(1 + exp(x))"> {
  let catalog = Mithril_Catalog<"Softplus">;
}

def Mithril_LeakyReLUOp : Mithril_UnaryOp<"leaky_relu", "torch.nn.LeakyReLU",
                                          "x >= 0 ? x : negative_slope * x"> {
  let catalog = Mithril_Catalog<"LeakyReLU",
      [Mithril_FloatArg<"negative_slope">]>;
  let arguments = (ins Mithril_FloatTensor:$input,
                       DefaultValuedAttr<F64Attr, "0.01">:$negative_slope);
  let description = [{
    Computes `x >= 0 ? x : negative_slope * x` for each element
    (`negative_slope` defaults to 0.01); the result has the input's type.

    ```mlir
    %y = mithril.leaky_relu %x {negative_slope = 2.000000e-01 : f64} : tensor<?x16xf32>
    ```
  }];
}

def Mithril_GELUOp : Mithril_UnaryOp<"gelu", "torch.nn.GELU",
                                     "x * Φ(x)"> {
  let catalog = Mithril_Catalog<"GELU",
      [Mithril_ChoiceArg<"approximate", "none|tanh">]>;
  let arguments = (ins Mithril_FloatTensor:$input,
                       DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let description = [{
    Computes `x * Φ(x)` for each element, Φ the standard normal CDF
    (`approximate = "none"`, the default), or its tanh approximation
    `0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))` (`approximate = "tanh"`).

    ```mlir
    %y = mithril.gelu %x {approximate = "tanh"} : tensor<?x16xf32>
    ```
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Unary math
//===----------------------------------------------------------------------===//

def Mithril_NegOp
    : Mithril_UnaryOp<"neg", "torch.neg", "-x", Mithril_NumericTensor> {
  let catalog = Mithril_Catalog<"Neg">;
}
def Mithril_AbsOp
    : Mithril_UnaryOp<"abs", "torch.abs", "|x|", Mithril_NumericTensor> {
  let catalog = Mithril_Catalog<"Abs">;
}
def Mithril_ExpOp : Mithril_UnaryOp<"exp", "torch.exp", "exp(x)"> {
  let catalog = Mithril_Catalog<"Exp">;
}
def Mithril_LogOp : Mithril_UnaryOp<"log", "torch.log", "log(x)"> {
  let catalog = Mithril_Catalog<"Log">;
}
def Mithril_SqrtOp : Mithril_UnaryOp<"sqrt", "torch.sqrt", "sqrt(x)"> {
  let catalog = Mithril_Catalog<"Sqrt">;
}
def Mithril_RsqrtOp : Mithril_UnaryOp<"rsqrt", "torch.rsqrt", "1 / sqrt(x)"> {
  let catalog = Mithril_Catalog<"Rsqrt">;
}
def Mithril_SinOp : Mithril_UnaryOp<"sin", "torch.sin", "sin(x)"> {
  let catalog = Mithril_Catalog<"Sin">;
}
def Mithril_CosOp : Mithril_UnaryOp<"cos", "torch.cos", "cos(x)"> {
  let catalog = Mithril_Catalog<"Cos">;
}
def Mithril_ErfOp : Mithril_UnaryOp<"erf", "torch.erf", "erf(x)">;
def Mithril_FloorOp : Mithril_UnaryOp<"floor", "torch.floor", "floor(x)">;
def Mithril_CeilOp : Mithril_UnaryOp<"ceil", "torch.ceil", "ceil(x)">;
def Mithril_RoundOp : Mithril_UnaryOp<"round", "torch.round",
                                      "x rounded to the nearest integer, ties to even">;

def Mithril_DropoutOp : Mithril_UnaryOp<"dropout", "torch.nn.Dropout",
                                        "x (identity at inference)",
                                        Mithril_Tensor> {
  let catalog = Mithril_Catalog<"Dropout",
      [Mithril_FloatArg<"p">]>;
  let arguments = (ins Mithril_Tensor:$input,
      DefaultValuedAttr<F64Attr, "0.5">:$p);
  let description = [{
    Identity at inference, which is all Mithril compiles: the op folds away.
    It keeps its place (and `p`, which must be in `[0, 1]`) so that a model
    file round-trips and a training step can give it meaning later.

    ```mlir
    %y = mithril.dropout %x {p = 1.000000e-01 : f64} : tensor<?x16xf32>
    ```
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Binary ops and comparisons
//===----------------------------------------------------------------------===//

// An op on two operands of one dtype that broadcast like NumPy.
class Mithril_BinaryOp<string mnemonic, string torchName, string formula,
                       Type result = Mithril_NumericTensor,
                       list<Trait> traits = []>
    : Mithril_GraphOp<mnemonic, traits> {
  let summary = formula # " with broadcasting (" # torchName # ")";
  let arguments = (ins Mithril_Tensor:$left, Mithril_Tensor:$right);
  let results = (outs result:$output);
  let assemblyFormat = [{
    $left `,` $right attr-dict `:` functional-type(operands, results)
  }];
}

class Mithril_ArithmeticOp<string mnemonic, string torchName, string formula>
    : Mithril_BinaryOp<mnemonic, torchName, formula, Mithril_NumericTensor,
                       [Mithril_Differentiable]> {
  let arguments = (ins Mithril_NumericTensor:$left, Mithril_NumericTensor:$right);
  let description = [{
    Computes `}] # formula # [{` elementwise. The operands have one dtype
    (a model file's scalar operand is a `mithril.constant` of that dtype) and
    broadcast like NumPy: shapes align at the trailing dimension, and a
    dimension of size 1 stretches.

    ```mlir
    %z = mithril.}] # mnemonic # [{ %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<?x8x16xf32>
    ```
  }];
}

def Mithril_AddOp : Mithril_ArithmeticOp<"add", "torch.add", "left + right"> {
  let catalog = Mithril_Catalog<"Add">;
}
def Mithril_SubOp : Mithril_ArithmeticOp<"sub", "torch.sub", "left - right"> {
  let catalog = Mithril_Catalog<"Sub">;
}
def Mithril_MulOp : Mithril_ArithmeticOp<"mul", "torch.mul", "left * right"> {
  let catalog = Mithril_Catalog<"Mul">;
}
def Mithril_PowOp : Mithril_ArithmeticOp<"pow", "torch.pow", "left ^ right"> {
  let catalog = Mithril_Catalog<"Pow">;
}
def Mithril_MaximumOp
    : Mithril_ArithmeticOp<"maximum", "torch.maximum", "max(left, right)"> {
  let catalog = Mithril_Catalog<"Maximum">;
}
def Mithril_MinimumOp
    : Mithril_ArithmeticOp<"minimum", "torch.minimum", "min(left, right)"> {
  let catalog = Mithril_Catalog<"Minimum">;
}

def Mithril_DivOp : Mithril_ArithmeticOp<"div", "torch.div", "left / right"> {
  let catalog = Mithril_Catalog<"Div">;
  let results = (outs Mithril_FloatTensor:$output);
  let description = [{
    True division, elementwise, with NumPy broadcasting. As in PyTorch, the
    result of dividing integers is `f32`; floats keep their dtype.

    ```mlir
    %z = mithril.div %x, %y : (tensor<?x16xf32>, tensor<f32>) -> tensor<?x16xf32>
    ```
  }];
}

class Mithril_CompareOp<string mnemonic, string torchName, string formula>
    : Mithril_BinaryOp<mnemonic, torchName, formula, Mithril_BoolTensor> {
  let description = [{
    Computes `}] # formula # [{` elementwise, as `i1` (bool), with NumPy
    broadcasting; the operands have one dtype.

    ```mlir
    %m = mithril.}] # mnemonic # [{ %x, %y : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xi1>
    ```
  }];
}

def Mithril_EqualOp : Mithril_CompareOp<"equal", "torch.eq", "left == right"> {
  let catalog = Mithril_Catalog<"Equal">;
}
def Mithril_LessOp : Mithril_CompareOp<"less", "torch.lt", "left < right"> {
  let catalog = Mithril_Catalog<"Less">;
}
def Mithril_GreaterOp
    : Mithril_CompareOp<"greater", "torch.gt", "left > right"> {
  let catalog = Mithril_Catalog<"Greater">;
}

def Mithril_WhereOp : Mithril_GraphOp<"where", [Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Where">;
  let summary = "condition ? left : right (torch.where)";
  let description = [{
    Picks `left` where `condition` (bool) holds and `right` elsewhere; the
    three operands broadcast together, `left` and `right` have one dtype.

    ```mlir
    %z = mithril.where %m, %x, %y : (tensor<?x16xi1>, tensor<?x16xf32>, tensor<f32>) -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins Mithril_BoolTensor:$condition, Mithril_Tensor:$left,
                       Mithril_Tensor:$right);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $left `,` $right attr-dict `:` functional-type(operands, results)
  }];
}

def Mithril_CastOp : Mithril_GraphOp<"cast", [SameOperandsAndResultShape,
                                               Mithril_Differentiable]> {
  let catalog = Mithril_Catalog<"Cast",
      [Mithril_DTypeArg<"dtype", 1>]>;
  let summary = "conversion to another dtype (Tensor.to(dtype))";
  let description = [{
    Converts each element to `dtype`, as PyTorch's `Tensor.to`: floats to
    integers truncate toward zero, anything to bool is `x != 0`.

    ```mlir
    %y = mithril.cast %x to f16 : tensor<?x16xf32> -> tensor<?x16xf16>
    ```
  }];
  let arguments = (ins Mithril_Tensor:$input,
                       TypeAttrOf<Mithril_ElementType>:$dtype);
  let results = (outs Mithril_Tensor:$output);
  let assemblyFormat = [{
    $input `to` $dtype attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

#endif // MITHRIL_ELEMENTWISE_OPS_TD

//===- MithrilBase.td - The mithril dialect and its building blocks -------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The dialect definition, the base op class, the tensor type constraints and
// the traits every graph op shares.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_BASE_TD
#define MITHRIL_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "MithrilCatalog.td"
include "MithrilInterfaces.td"

def Mithril_Dialect : Dialect {
  let name = "mithril";
  let cppNamespace = "::mlir::mithril";
  let summary = "The logical model: what a machine-learning model computes";
  let description = [{
    The `mithril` dialect holds a **logical model**: hierarchical models
    (`mithril.model`) with named parameters (`mithril.parameter`) and
    instances of other models (`mithril.instance`), and the ops of the model
    catalog (version 1) with PyTorch semantics. Tensors are ranked; any
    dimension may be dynamic (`?`), and the symbol a model file gave it (`N`)
    is kept on the model's arguments as a `mithril.dims` attribute.

    Every op infers its result type from its operands and attributes
    (`InferTypeOpInterface`): static dimensions are computed, dynamic ones stay
    dynamic, and dimensions that must agree are checked when both are known.
    A written result type must be *compatible* with the inferred one (same
    rank and element type; a dimension may be dynamic on one side), so IR
    can carry types before and after shape inference.

    Discardable attributes:

    - `mithril.name` (string, on model arguments and results): the name of
      the input or output in the model file and in the compiled library.
    - `mithril.dims` (array of integers and strings, on model arguments):
      the dimensions as the model file wrote them, e.g. `["N", 3, 224, 224]`.
    - `mithril.parameter` (string, on function arguments): the `state_dict`
      name of the parameter a lowered model takes as that argument.
    - `mithril.prepared` (string, on function arguments): the parameter that
      argument is made from, once per instance (its dims permuted: see
      `mithril-prepare-weights`).

    On the module, where parameter values come from:

    - `mithril.weights` (string): the absolute path of the safetensors file
      (or the ONNX model whose initializers they are);
    - `mithril.random_init` (integer): the seed of values drawn from
      PyTorch's default initialisers (`--init=random`), and
      `mithril.init_rules` (dictionary of `#mithril.init`, by parameter
      name), the initialiser of each, recorded by
      `mithril-record-init-rules`.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();

    /// Discardable attribute names.
    static constexpr ::llvm::StringLiteral kNameAttrName = "mithril.name";
    static constexpr ::llvm::StringLiteral kDimsAttrName = "mithril.dims";
    static constexpr ::llvm::StringLiteral kParameterAttrName =
        "mithril.parameter";
    static constexpr ::llvm::StringLiteral kPreparedAttrName =
        "mithril.prepared";
    static constexpr ::llvm::StringLiteral kWeightsAttrName = "mithril.weights";
    static constexpr ::llvm::StringLiteral kRandomInitAttrName =
        "mithril.random_init";
    static constexpr ::llvm::StringLiteral kInitRulesAttrName =
        "mithril.init_rules";
    /// Training (docs/training.md): the model that is a train step, the
    /// result that is a parameter's new value or a gradient, and the value
    /// that optimizer state starts from (on `mithril.parameter` and on the
    /// argument it becomes).
    static constexpr ::llvm::StringLiteral kTrainAttrName = "mithril.train";
    static constexpr ::llvm::StringLiteral kUpdatesAttrName =
        "mithril.updates";
    static constexpr ::llvm::StringLiteral kGradientOfAttrName =
        "mithril.gradient_of";
    static constexpr ::llvm::StringLiteral kInitialValueAttrName =
        "mithril.initial_value";
    /// Precision (docs/precision.md): the dtype the model gives a parameter
    /// that the library stores in another (on `mithril.parameter` and on
    /// the argument it becomes). Weights in that dtype are converted when
    /// read.
    static constexpr ::llvm::StringLiteral kModelDTypeAttrName =
        "mithril.model_dtype";
    /// Quantization (docs/precision.md): on an int8 parameter, the dim of
    /// its output channels, each with one scale; on that scale, the name of
    /// the parameter it scales (`<parameter>.scale`).
    static constexpr ::llvm::StringLiteral kQuantizedAxisAttrName =
        "mithril.quantized_axis";
    static constexpr ::llvm::StringLiteral kScaleOfAttrName =
        "mithril.scale_of";
  }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// The dtypes of the model format: f32 f16 bf16 f64 i64 i32 i8 u8 bool.
def Mithril_FloatType : AnyTypeOf<[F32, F16, BF16, F64], "floating-point">;
def Mithril_IntegerType : AnyTypeOf<[I64, I32, I8, UI8], "integer">;
def Mithril_IndexType : AnyTypeOf<[I64, I32], "index (i64 or i32)">;
def Mithril_ElementType :
    AnyTypeOf<[Mithril_FloatType, Mithril_IntegerType, I1], "mithril dtype">;

def Mithril_Tensor : RankedTensorOf<[Mithril_ElementType]>;
def Mithril_FloatTensor : RankedTensorOf<[Mithril_FloatType]>;
def Mithril_IndexTensor : RankedTensorOf<[Mithril_IndexType]>;
def Mithril_BoolTensor : RankedTensorOf<[I1]>;
// A tensor of any dtype but bool: what arithmetic accepts.
def Mithril_NumericTensor :
    RankedTensorOf<[Mithril_FloatType, Mithril_IntegerType]>;

//===----------------------------------------------------------------------===//
// Attribute constraints
//===----------------------------------------------------------------------===//

// A 64-bit integer argument, signed as PyTorch's are (`dim = -1`);
// upstream's I64Attr reads back as uint64_t.
def Mithril_I64Attr : SignlessIntegerAttrBase<I64, "64-bit signless integer attribute"> {
  let returnType = "int64_t";
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

// `padding` of the convolutions: "same", "valid", or explicit sizes.
def Mithril_PaddingAttr : Attr<Or<[
      CPred<"::llvm::isa<::mlir::DenseI64ArrayAttr>($_self)">,
      CPred<"::llvm::isa<::mlir::StringAttr>($_self)">]>,
    "padding (\"same\", \"valid\" or an array of sizes)"> {
  let storageType = "::mlir::Attribute";
  let returnType = "::mlir::Attribute";
  let convertFromStorage = "$_self";
  let constBuilderCall = "$_builder.getStringAttr($0)";
}

// A dimension list of a `mithril.reshape`: integers (one may be -1) and
// symbols.
def Mithril_DimListAttr : Attr<
    CPred<"::mlir::mithril::isDimListAttr($_self)">,
    "array of integers and symbol names"> {
  let storageType = "::mlir::ArrayAttr";
  let returnType = "::mlir::ArrayAttr";
  let convertFromStorage = "$_self";
}

//===----------------------------------------------------------------------===//
// Traits and the base op class
//===----------------------------------------------------------------------===//

// Result types are inferred from operands and attributes, and a written
// result type may be more or less refined than the inferred one (see the
// dialect description).
def Mithril_InferTypeOpAdaptor : InferTypeOpAdaptorBase<[{
    static bool isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                        ::mlir::TypeRange actual) {
      return ::mlir::mithril::areCompatibleTypes(inferred, actual);
    }
  }]>;

class Mithril_Op<string mnemonic, list<Trait> traits = []> :
    Op<Mithril_Dialect, mnemonic, traits>;

// A graph op: pure, with inferred result types. Those of the model catalog
// set `catalog` (see MithrilCatalog.td).
class Mithril_GraphOp<string mnemonic, list<Trait> traits = []> :
    Mithril_Op<mnemonic, !listconcat([Pure, Mithril_InferTypeOpAdaptor],
                                     traits)> {
  Mithril_Catalog catalog = ?;
}

// A catalog op with parameters.
def Mithril_Parameterized :
    DeclareOpInterfaceMethods<Mithril_ParameterizedOpInterface,
                              ["getParameterSpecs", "getDefaultInitializer"]>;

// A contraction or a gather of weights: `mithril-apply-precision` computes
// it on f16/bf16 operands (sums accumulate in f32, as its lowering does) and
// widens its results back to f32; every other op keeps computing in f32.
def Mithril_ReducedPrecision : NativeOpTrait<"ReducedPrecision"> {
  let cppNamespace = "::mlir::mithril";
}

// An op with a gradient rule (see Gradients.h).
def Mithril_Differentiable :
    DeclareOpInterfaceMethods<Mithril_DifferentiableOpInterface,
                              ["buildGradients"]>;

#endif // MITHRIL_BASE_TD

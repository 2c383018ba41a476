//===- MithrilInterfaces.td - What ops say about themselves ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Per-op knowledge lives on the op: the frontends, random initialisation and
// the library's signature ask these interfaces instead of keeping tables of
// their own. Gradients and sharding rules follow as interfaces beside them.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_INTERFACES_TD
#define MITHRIL_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Mithril_ParameterizedOpInterface
    : OpInterface<"ParameterizedOpInterface"> {
  let cppNamespace = "::mlir::mithril";
  let description = [{
    An op of the catalog with parameters (a layer: Linear, the convolutions,
    Embedding, the normalisations, MultiheadAttention). Its parameters are
    operands produced by `mithril.parameter`; the op says which they are,
    what shapes its catalog arguments give them (so that an importer can
    make them before the op exists), and how PyTorch initialises each.
  }];
  let methods = [
    StaticInterfaceMethod<[{
        The parameters that the catalog arguments `arguments` (as a model
        file gives them; an absent one takes its default) give the op, in
        operand order: each one's name relative to the node (`weight`,
        `out_proj.weight`), its shape, and whether the arguments turn it on
        (`bias: false` turns it off). A size the arguments leave invalid
        is -1.
      }],
      "::llvm::SmallVector<::mlir::mithril::ParameterSpec>",
      "getParameterSpecs", (ins "const ::mlir::mithril::ArgValues &":$arguments)>,
    InterfaceMethod<[{
        PyTorch's default initialiser of the parameter that `operand` (one
        of the op's parameter operands) takes: what a freshly constructed
        `torch.nn` module gives it.
      }],
      "::mlir::mithril::InitializerAttr", "getDefaultInitializer",
      (ins "::mlir::OpOperand &":$operand)>,
  ];
}

def Mithril_DifferentiableOpInterface
    : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::mithril";
  let description = [{
    An op whose vector-Jacobian product is known: given the gradients of a
    scalar loss with respect to the op's results, it builds (with mithril
    ops, at the op's location, after the op) the gradients with respect to
    its operands. `mithril-differentiate` asks each op on the path from the
    parameters to the loss; an op without this interface (ArgMax, the
    comparisons, casts to integers) is refused there.
  }];
  let methods = [
    InterfaceMethod<[{
        The gradients of the operands, one per operand in order (null where
        none flows: integer operands, operands that only give a shape),
        from `outputGradients` (one per result, null where the result does
        not reach the loss). Each gradient has its operand's type up to
        dynamic dims. Fails only after a diagnostic at the op.
      }],
      "::llvm::FailureOr<::llvm::SmallVector<::mlir::Value>>", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$outputGradients)>,
  ];
}

#endif // MITHRIL_INTERFACES_TD

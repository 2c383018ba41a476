//===- MithrilAttributes.td - Attributes of the mithril dialect -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_ATTRIBUTES_TD
#define MITHRIL_ATTRIBUTES_TD

include "MithrilBase.td"
include "mlir/IR/AttrTypeBase.td"

def Mithril_InitializerAttr : AttrDef<Mithril_Dialect, "Initializer"> {
  let mnemonic = "init";
  let summary = "a distribution of initial parameter values";
  let description = [{
    How a parameter's values are drawn when no weights are given
    (`--init=random`): uniform in `[low, high]`, normal with a mean and a
    standard deviation, or one constant. Ops give their parameters' defaults
    (PyTorch's) through `ParameterizedOpInterface`;
    `mithril-record-init-rules` writes them into the module.

    ```mlir
    #mithril.init<uniform(-0.125, 0.125)>
    #mithril.init<normal(0.0, 1.0)>
    #mithril.init<constant(1.0)>
    ```
  }];
  let parameters = (ins "::mlir::mithril::InitKind":$kind,
                        APFloatParameter<"low, mean or the value">:$first,
                        APFloatParameter<"high or the standard deviation">:$second);
  let builders = [
    AttrBuilder<(ins "::mlir::mithril::InitKind":$kind, "double":$first,
                     CArg<"double", "0.0">:$second), [{
      return $_get($_ctxt, kind, ::llvm::APFloat(first),
                   ::llvm::APFloat(second));
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    static InitializerAttr uniform(::mlir::MLIRContext *context, double bound) {
      return get(context, InitKind::Uniform, -bound, bound);
    }
    static InitializerAttr normal(::mlir::MLIRContext *context, double stddev) {
      return get(context, InitKind::Normal, 0.0, stddev);
    }
    static InitializerAttr constant(::mlir::MLIRContext *context, double value) {
      return get(context, InitKind::Constant, value);
    }
    /// Uniform: low; normal: the mean; constant: the value.
    double getFirstValue() const { return getFirst().convertToDouble(); }
    /// Uniform: high; normal: the standard deviation.
    double getSecondValue() const { return getSecond().convertToDouble(); }
  }];
}

#endif // MITHRIL_ATTRIBUTES_TD

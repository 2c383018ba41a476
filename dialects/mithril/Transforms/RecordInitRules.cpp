//===- RecordInitRules.cpp - How each parameter's values are drawn --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"
#include "mithril/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILRECORDINITRULES
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

struct RecordInitRules
    : mithril::impl::MithrilRecordInitRulesBase<RecordInitRules> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    ModelOp top = getTopModel(module);
    if (!module->hasAttr(MithrilDialect::kRandomInitAttrName) || !top)
      return;
    SmallVector<NamedAttribute> rules;
    for (ParameterOp parameter : top.getParameters()) {
      FailureOr<InitializerAttr> rule = parameter.getDefaultInitializer();
      if (failed(rule)) {
        parameter.emitError()
            << "--init=random cannot draw parameter '" << parameter.getName()
            << "': no catalog op that uses it says how";
        return signalPassFailure();
      }
      rules.emplace_back(parameter.getNameAttr(), *rule);
    }
    module->setAttr(MithrilDialect::kInitRulesAttrName,
                    DictionaryAttr::get(&getContext(), rules));
  }
};

} // namespace

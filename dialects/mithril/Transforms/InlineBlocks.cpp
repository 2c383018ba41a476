//===- InlineBlocks.cpp - Flatten block instances into one graph ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"
#include "mithril/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILINLINEBLOCKS
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The location of an op copied out of instance `prefix`: its node name
/// gets the instance path, and it is "called from" the instance.
Location inlinedLoc(Location loc, Location instanceLoc, StringRef prefix) {
  Location callSite = CallSiteLoc::get(loc, instanceLoc);
  auto nameLoc = dyn_cast<NameLoc>(loc);
  if (!nameLoc || nameLoc.getName().getValue().starts_with("/"))
    return callSite;
  return NameLoc::get(
      StringAttr::get(loc.getContext(), prefix + nameLoc.getName().getValue()),
      callSite);
}

/// Replaces `instance` by a copy of `callee`'s body.
void inlineInstance(InstanceOp instance, ModelOp callee) {
  std::string prefix = (instance.getName() + ".").str();
  IRMapping mapping;
  mapping.map(callee.getArguments(), instance.getInputs());
  OpBuilder builder(instance);
  for (Operation &op : callee.getBody().front().without_terminator()) {
    Operation *copy = builder.clone(op, mapping);
    copy->setLoc(inlinedLoc(op.getLoc(), instance.getLoc(), prefix));
    if (auto parameter = dyn_cast<ParameterOp>(copy))
      parameter.setName(prefix + parameter.getName().str());
    else if (auto nested = dyn_cast<InstanceOp>(copy))
      nested.setName(prefix + nested.getName().str());
  }
  for (auto [result, returned] : llvm::zip_equal(
           instance.getResults(), callee.getReturnOp().getOperands()))
    result.replaceAllUsesWith(mapping.lookupOrDefault(returned));
  instance.erase();
}

struct MithrilInlineBlocks
    : mithril::impl::MithrilInlineBlocksBase<MithrilInlineBlocks> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    ModelOp top = getTopModel(module);
    if (!top)
      return; // Nothing to flatten (or no model at all).
    SymbolTable symbols(module);
    llvm::SmallPtrSet<Operation *, 8> inlined;
    // Inlining copies nested instances into `top`; go on until none is
    // left. The verifier has ruled out recursion, so this ends.
    while (true) {
      SmallVector<InstanceOp> instances(top.getBody().getOps<InstanceOp>());
      if (instances.empty())
        break;
      for (InstanceOp instance : instances) {
        auto callee = symbols.lookup<ModelOp>(instance.getCallee());
        if (!callee) {
          instance.emitOpError()
              << "uses an unknown model @" << instance.getCallee();
          return signalPassFailure();
        }
        inlined.insert(callee);
        inlineInstance(instance, callee);
      }
    }
    // The inlined blocks go, unless a model that stays still uses them.
    llvm::StringSet<> stillUsed;
    for (auto model : module.getOps<ModelOp>())
      if (!inlined.contains(model))
        model.walk([&](InstanceOp use) { stillUsed.insert(use.getCallee()); });
    for (auto model : llvm::make_early_inc_range(module.getOps<ModelOp>()))
      if (inlined.contains(model) && !stillUsed.contains(model.getSymName()))
        model.erase();
  }
};

} // namespace

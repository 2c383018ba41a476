//===- PrepareWeights.cpp - Weights permuted once per instance ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A transpose of a parameter (a Linear layer's weight, read as Wᵀ by the
// matmul kernels) depends on the weights only: instead of computing it on
// every call, the entry takes it as a "prepared parameter", an argument
// after the parameters, which the runtime makes once when an instance is
// created (recorded in the signature's `prepared` list of the entry).
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilDialect.h"
#include "mithril/Target/LibrarySignature.h"
#include "mithril/Target/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_PREPAREWEIGHTS
#include "mithril/Target/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The parameter name of `value`, if it is a parameter argument of
/// `function`.
std::optional<StringRef> parameterName(func::FuncOp function, Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument || argument.getOwner() != &function.getBody().front())
    return std::nullopt;
  auto name = function.getArgAttrOfType<StringAttr>(
      argument.getArgNumber(), MithrilDialect::kParameterAttrName);
  if (!name)
    return std::nullopt;
  return name.getValue();
}

struct PrepareWeightsPass
    : mlir::mithril::impl::PrepareWeightsBase<PrepareWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<LibrarySignature> signature = getRecordedSignature(module);
    if (!signature)
      return;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || !function.isPublic())
        continue;
      if (auto *entry = signature->findEntry(function.getSymName().str()))
        prepare(function, *entry);
    }
    setRecordedSignature(module, *signature);
  }

  /// Turns each transpose of a parameter of `function` into a new argument,
  /// one per parameter and permutation, recorded in `entry`.
  void prepare(func::FuncOp function, ::mithril::runtime::Entry &entry) {
    SmallVector<linalg::TransposeOp> transposes;
    function.walk([&](linalg::TransposeOp transpose) {
      if (transpose.hasPureTensorSemantics() &&
          parameterName(function, transpose.getInput()))
        transposes.push_back(transpose);
    });
    for (linalg::TransposeOp transpose : transposes) {
      StringRef name = *parameterName(function, transpose.getInput());
      SmallVector<int64_t> permutation(transpose.getPermutation());
      Value prepared = findOrAddArgument(function, entry, name, permutation,
                                         transpose.getResult()[0].getType(),
                                         transpose.getLoc());
      if (!prepared)
        continue;
      transpose.getResult()[0].replaceAllUsesWith(prepared);
      transpose.erase();
    }
  }

  /// The argument holding `name` permuted by `permutation`: an existing
  /// one, or a new one after the last, recorded in `entry`.
  Value findOrAddArgument(func::FuncOp function,
                          ::mithril::runtime::Entry &entry, StringRef name,
                          ArrayRef<int64_t> permutation, Type type,
                          Location loc) {
    unsigned first = function.getNumArguments() - entry.prepared.size();
    for (auto [i, prepared] : llvm::enumerate(entry.prepared))
      if (prepared.parameter == name &&
          ArrayRef<int64_t>(prepared.permutation) == permutation)
        return function.getArgument(first + i);
    unsigned index = function.getNumArguments();
    Builder builder(function.getContext());
    auto attributes = builder.getDictionaryAttr(
        {builder.getNamedAttr(MithrilDialect::kPreparedAttrName,
                              builder.getStringAttr(name)),
         builder.getNamedAttr("bufferization.writable",
                              builder.getBoolAttr(false))});
    if (failed(function.insertArgument(index, type, attributes, loc)))
      return {};
    entry.prepared.push_back(
        {name.str(),
         std::vector<int64_t>(permutation.begin(), permutation.end())});
    return function.getArgument(index);
  }
};

} // namespace

//===- PrepareWeights.cpp - Weights laid out once per instance ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A transpose of a parameter (a Linear layer's weight, read as Wᵀ by the
// matmul kernels, or packed into panels: a transpose of a reshape of it)
// depends on the weights only: instead of computing it on every call, the
// entry takes it as a "prepared parameter", an argument after the
// parameters, which the runtime makes once when an instance is created
// (recorded in the signature's `prepared` list of the entry as the
// parameter viewed with a shape, then permuted).
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/Passes.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_PREPAREWEIGHTS
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// A parameter seen through reshapes and transposes: its elements in
/// row-major order viewed as `shape`, whose dims are then permuted (dim `i`
/// of the value is dim `permutation[i]` of `shape`). What the runtime can
/// copy a prepared parameter from.
struct PermutedView {
  SmallVector<int64_t> shape, permutation;

  static PermutedView of(ArrayRef<int64_t> shape) {
    return {SmallVector<int64_t>(shape),
            llvm::to_vector(llvm::seq<int64_t>(0, shape.size()))};
  }

  void transpose(ArrayRef<int64_t> order) {
    SmallVector<int64_t> permuted;
    for (int64_t dim : order)
      permuted.push_back(permutation[dim]);
    permutation = std::move(permuted);
  }

  /// Splits each dim of the value into the dims of its group in `sizes`:
  /// the dim of `shape` under it splits the same way.
  void expand(ArrayRef<ReassociationIndices> groups, ArrayRef<int64_t> sizes) {
    SmallVector<const ReassociationIndices *> groupOf(shape.size());
    for (auto [dim, group] : llvm::enumerate(groups))
      groupOf[permutation[dim]] = &group;
    SmallVector<int64_t> newShape, firstOf;
    for (const ReassociationIndices *group : groupOf) {
      firstOf.push_back(newShape.size());
      for (int64_t dim : *group)
        newShape.push_back(sizes[dim]);
    }
    SmallVector<int64_t> newPermutation;
    for (auto [dim, group] : llvm::enumerate(groups))
      for (size_t piece = 0; piece < group.size(); ++piece)
        newPermutation.push_back(firstOf[permutation[dim]] + piece);
    shape = std::move(newShape);
    permutation = std::move(newPermutation);
  }

  /// Merges each group of dims of the value into one; failure unless each
  /// group lies over consecutive dims of `shape`, in order.
  LogicalResult collapse(ArrayRef<ReassociationIndices> groups) {
    // The dims of `shape` that start a group, and the group's extent.
    SmallVector<int64_t> groupStarting(shape.size(), -1);
    for (auto [index, group] : llvm::enumerate(groups)) {
      for (size_t i = 1; i < group.size(); ++i)
        if (permutation[group[i]] != permutation[group[i - 1]] + 1)
          return failure();
      groupStarting[permutation[group.front()]] = index;
    }
    SmallVector<int64_t> newShape, newPermutation(groups.size());
    for (int64_t dim = 0; dim < int64_t(shape.size());) {
      int64_t group = groupStarting[dim];
      newPermutation[group] = newShape.size();
      int64_t size = 1;
      for (size_t i = 0; i < groups[group].size(); ++i)
        size *= shape[dim++];
      newShape.push_back(size);
    }
    shape = std::move(newShape);
    permutation = std::move(newPermutation);
    return success();
  }
};

/// The ops between a parameter of `function` and `value`, first to last,
/// each a transpose or a reshape of static shape; failure if `value` is no
/// such view of a parameter.
FailureOr<SmallVector<Operation *>> layoutChain(func::FuncOp function,
                                                Value value) {
  SmallVector<Operation *> chain;
  while (!getParameterName(value)) {
    Operation *op = value.getDefiningOp();
    if (!op || !cast<ShapedType>(value.getType()).hasStaticShape())
      return failure();
    if (auto transpose = dyn_cast<linalg::TransposeOp>(op);
        transpose && transpose.hasPureTensorSemantics())
      value = transpose.getInput();
    else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
      value = op->getOperand(0);
    else
      return failure();
    chain.push_back(op);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

/// The view `chain` (see layoutChain) makes of its parameter, of `shape`.
FailureOr<PermutedView> viewThrough(ArrayRef<Operation *> chain,
                                    ArrayRef<int64_t> shape) {
  PermutedView view = PermutedView::of(shape);
  for (Operation *op : chain) {
    if (auto transpose = dyn_cast<linalg::TransposeOp>(op))
      view.transpose(transpose.getPermutation());
    else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
      view.expand(expand.getReassociationIndices(),
                  expand.getResultType().getShape());
    else if (failed(view.collapse(
                 cast<tensor::CollapseShapeOp>(op).getReassociationIndices())))
      return failure();
  }
  return view;
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
      // A train step changes its parameters: a prepared copy would go
      // stale with each step.
      auto *entry = signature->findEntry(function.getSymName().str());
      if (entry && entry->updates.empty())
        prepare(function, *entry);
    }
    setRecordedSignature(module, *signature);
  }

  /// Turns each transpose of a view of a parameter of `function` into a new
  /// argument, one per parameter and view, recorded in `entry`. The last
  /// transpose of a chain goes first: the ones before it are then dead.
  void prepare(func::FuncOp function, ::mithril::runtime::Entry &entry) {
    SmallVector<linalg::TransposeOp> transposes;
    function.walk([&](linalg::TransposeOp transpose) {
      transposes.push_back(transpose);
    });
    DenseSet<Operation *> erased;
    for (linalg::TransposeOp transpose : llvm::reverse(transposes)) {
      if (erased.contains(transpose))
        continue;
      Value result = transpose->getResult(0);
      FailureOr<SmallVector<Operation *>> chain = layoutChain(function, result);
      if (failed(chain))
        continue;
      Value parameter = chain->front()->getOperand(0);
      FailureOr<PermutedView> view =
          viewThrough(*chain, cast<ShapedType>(parameter.getType()).getShape());
      if (failed(view))
        continue;
      Value prepared =
          findOrAddArgument(function, entry, *getParameterName(parameter),
                            *view, result.getType(), transpose.getLoc());
      if (!prepared)
        continue;
      result.replaceAllUsesWith(prepared);
      eraseDeadChain(*chain, erased);
    }
  }

  /// Erases the ops of `chain` that nothing uses any longer, last first.
  static void eraseDeadChain(ArrayRef<Operation *> chain,
                             DenseSet<Operation *> &erased) {
    for (Operation *op : llvm::reverse(chain)) {
      if (!op->use_empty())
        return;
      erased.insert(op);
      op->erase();
    }
  }

  /// The argument holding `name` seen through `view`: an existing one, or
  /// a new one after the last, recorded in `entry`.
  Value findOrAddArgument(func::FuncOp function,
                          ::mithril::runtime::Entry &entry, StringRef name,
                          const PermutedView &view, Type type, Location loc) {
    std::vector<int64_t> shape(view.shape.begin(), view.shape.end());
    std::vector<int64_t> permutation(view.permutation.begin(),
                                     view.permutation.end());
    unsigned first = function.getNumArguments() - entry.prepared.size();
    for (auto [i, prepared] : llvm::enumerate(entry.prepared))
      if (prepared.parameter == name && prepared.shape == shape &&
          prepared.permutation == permutation)
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
    entry.prepared.push_back({name.str(), shape, permutation});
    return function.getArgument(index);
  }
};

} // namespace

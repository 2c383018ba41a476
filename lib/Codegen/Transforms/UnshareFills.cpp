//===- UnshareFills.cpp - One fill per writer before bufferisation --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A `linalg.fill` that several ops write into (CSE merged equal fills) is
// cloned for each writer after the first, so that one-shot bufferisation
// fills each buffer rather than filling one and copying it for the others.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_UNSHAREFILLS
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

/// Whether `use` writes into the tensor it passes: a destination-passing
/// init, an `scf.forall` shared output or an `scf.for` initial value.
bool writesInto(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto forall = dyn_cast<scf::ForallOp>(user))
    return llvm::is_contained(forall.getOutputsMutable(), use);
  if (auto loop = dyn_cast<scf::ForOp>(user))
    return llvm::is_contained(loop.getInitArgsMutable(), use);
  if (auto destination = dyn_cast<DestinationStyleOpInterface>(user))
    return destination.isDpsInit(&use);
  return false;
}

struct UnshareFillsPass
    : mlir::mithril::impl::UnshareFillsBase<UnshareFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        fills.push_back(fill);
    });
    OpBuilder builder(&getContext());
    for (linalg::FillOp fill : fills) {
      SmallVector<OpOperand *> writers;
      for (OpOperand &use : fill->getResult(0).getUses())
        if (writesInto(use))
          writers.push_back(&use);
      // The first writer keeps the fill if nothing else reads it.
      bool othersRead =
          writers.size() != llvm::range_size(fill->getResult(0).getUses());
      for (OpOperand *use : ArrayRef(writers).drop_front(othersRead ? 0 : 1)) {
        builder.setInsertionPoint(use->getOwner());
        // A fresh destination too: one tensor.empty filled twice would be
        // one buffer again.
        IRMapping fresh;
        if (auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
          builder.clone(*empty, fresh);
        use->set(builder.clone(*fill, fresh)->getResult(0));
      }
    }
  }
};

} // namespace

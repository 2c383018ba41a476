//===- HoistVectorTransfers.cpp - Vector accumulators out of loops --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Upstream offers linalg::hoistRedundantVectorTransfers only as a function
// and a transform op; this pass runs it in a pipeline.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_HOISTVECTORTRANSFERS
#include "mithril/Target/CPU/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {
struct HoistVectorTransfersPass
    : mlir::mithril::impl::HoistVectorTransfersBase<HoistVectorTransfersPass> {
  void runOnOperation() override {
    linalg::hoistRedundantVectorTransfers(getOperation(),
                                          /*verifyNonZeroTrip=*/false);
  }
};
} // namespace

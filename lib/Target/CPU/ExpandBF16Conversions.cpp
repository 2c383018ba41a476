//===- ExpandBF16Conversions.cpp - bf16 conversions without libcalls ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Machines without AVX-512 BF16 convert to and from bf16 with integer ops
// (upstream's bf16 expansion patterns), rather than the `__truncsfbf2`
// calls LLVM would emit, which Debian's libgcc lacks.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_EXPANDBF16CONVERSIONS
#include "mithril/Target/CPU/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

struct ExpandBF16ConversionsPass
    : mlir::mithril::impl::ExpandBF16ConversionsBase<
          ExpandBF16ConversionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

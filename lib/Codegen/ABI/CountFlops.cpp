//===- CountFlops.cpp - The arithmetic a call performs --------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryStatistics.h"
#include "mithril/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Interfaces/CastInterfaces.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_COUNTFLOPS
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The arithmetic ops of a linalg op's body; constants and casts count 0.
int64_t countBodyOps(linalg::LinalgOp op) {
  int64_t count = 0;
  op->walk([&](Operation *nested) {
    if (nested == op.getOperation() || isa<arith::ConstantOp>(nested) ||
        isa<CastOpInterface>(nested))
      return;
    if (isa<arith::ArithDialect, math::MathDialect>(nested->getDialect()))
      ++count;
  });
  return count;
}

struct CountFlops : mithril::impl::CountFlopsBase<CountFlops> {
  void runOnOperation() override {
    int64_t flops = 0;
    getOperation().walk([&](linalg::LinalgOp op) {
      int64_t iterations = 1;
      for (int64_t extent : op.getStaticLoopRanges())
        iterations *= ShapedType::isDynamic(extent) ? 1 : extent;
      flops += iterations * countBodyOps(op);
    });
    getOperation()->setAttr(
        kFlopsAttrName,
        IntegerAttr::get(IntegerType::get(&getContext(), 64), flops));
  }
};

} // namespace

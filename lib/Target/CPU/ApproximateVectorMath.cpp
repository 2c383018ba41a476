//===- ApproximateVectorMath.cpp - Polynomials for math on vectors --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// LLVM lowers `math.exp` (and tanh, erf, log, ...) on a vector to one libm
// call per lane: a vectorised GELU or softmax then spends its time in
// scalar `expf`/`tanhf`. Upstream's polynomial approximations compute them
// with vector arithmetic instead. Only ops on vectors are rewritten:
// scalars keep libm's correctly rounded results.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_APPROXIMATEVECTORMATH
#include "mithril/Target/CPU/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

/// The math functions approximated, by op name (`math.exp`).
bool isApproximated(StringRef name) {
  name.consume_front("math.");
  return llvm::is_contained(
      {"exp", "expm1", "tanh", "erf", "log", "log1p", "log2", "sin", "cos"},
      name);
}

struct ApproximateVectorMathPass
    : mlir::mithril::impl::ApproximateVectorMathBase<
          ApproximateVectorMathPass> {
  void runOnOperation() override {
    SmallVector<Operation *> vectorMath;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect()) &&
          llvm::any_of(op->getResultTypes(), llvm::IsaPred<VectorType>))
        vectorMath.push_back(op);
    });
    if (vectorMath.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(
            applyOpPatternsGreedily(vectorMath, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace

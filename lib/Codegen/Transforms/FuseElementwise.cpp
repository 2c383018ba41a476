//===- FuseElementwise.cpp - Elementwise fusion without recomputation -----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Upstream's linalg-fuse-elementwise-ops, with a control function of our
// own: upstream's pass takes none, and fuses producers into consumers that
// read each of their elements many times (a ReLU into the matmul after it).
// A widening conversion is the exception worth making.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

/// Whether `op` only converts each element of its one input to a wider
/// type (an int8 weight read as f32).
bool isWideningConversion(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  Block &body = *generic.getBlock();
  Operation &convert = body.front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return &convert == yield->getPrevNode() &&
         isa<arith::SIToFPOp, arith::UIToFPOp, arith::ExtFOp, arith::ExtSIOp,
             arith::ExtUIOp>(convert) &&
         convert.getOperand(0) == body.getArgument(0) &&
         yield.getOperand(0) == convert.getResult(0);
}

/// Fuse a producer used once into a consumer that reads each of its
/// elements once; and a widening conversion into a contraction (through
/// the reshapes between them), which then converts in registers and reads
/// the narrow values: a quarter of the bytes for int8 weights.
bool isWorthFusing(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  Operation *owner = fused->getOwner();
  if (isWideningConversion(producer) &&
      (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(owner) ||
       (isa<linalg::LinalgOp>(owner) &&
        cast<linalg::LinalgOp>(owner).getNumReductionLoops() > 0)))
    return true;
  if (!producer || !producer->hasOneUse())
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(owner);
  return consumer && consumer.getMatchingIndexingMap(fused).isPermutation();
}

struct FuseElementwisePass
    : mlir::mithril::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, isWorthFusing);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, isWorthFusing);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, isWorthFusing);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

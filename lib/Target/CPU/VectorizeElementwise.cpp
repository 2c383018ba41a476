//===- VectorizeElementwise.cpp - Elementwise generics on vectors ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Elementwise generics are tiled to one row and `lanes` elements of their
// innermost dim, then vectorised (upstream's linalg vectoriser, masked for
// partial tiles), where every operand reads along that dim or not at all.
// It runs on buffers: on tensors, the tiled loops made one-shot
// bufferisation's analysis take minutes on a small ResNet.
//
//===----------------------------------------------------------------------===//

#include "Tiling.h"
#include "mithril/Target/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISE
#include "mithril/Target/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

/// Whether every operand of `op` reads along its innermost loop in its last
/// dim, or does not read along it at all. With `allowUnitDims`, maps may
/// index a dim by 0 (a kept reduced dim: softmax's row maxima [N, T, 1]).
bool readsAlongInnermostLoop(linalg::LinalgOp op, bool allowUnitDims = false) {
  unsigned innermost = op.getNumLoops() - 1;
  for (AffineMap map : op.getIndexingMapsArray()) {
    if (!map.isProjectedPermutation(allowUnitDims))
      return false;
    if (!map.isFunctionOfDim(innermost))
      continue;
    if (map.getNumResults() == 0 ||
        map.getResults().back() != getAffineDimExpr(innermost, op.getContext()))
      return false;
  }
  return true;
}

/// An all-parallel generic of arith and math, or a fill, on no bools: a
/// vector of i1 is stored as bits, a tensor of i1 as bytes.
bool isElementwise(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0)
    return false;
  if (llvm::any_of(op->getOperandTypes(), [](Type type) {
        return getElementTypeOrSelf(type).isInteger(1);
      }))
    return false;
  if (isa<linalg::FillOp>(op.getOperation()))
    return true;
  if (isa<linalg::TransposeOp, linalg::CopyOp>(op.getOperation()))
    return readsAlongInnermostLoop(op);
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || generic.getNumReductionLoops() != 0)
    return false;
  for (Operation &body : generic.getBody()->without_terminator())
    if (!isa<arith::ArithDialect, math::MathDialect>(body.getDialect()))
      return false;
  return readsAlongInnermostLoop(op);
}

/// The longest row a reduction is vectorised whole on (in elements).
constexpr int64_t kMaxReducedRow = 4096;

/// A generic of arith and math, on no bools, whose only reduction loop is
/// the innermost one, of static extent (softmax's sums and maxima,
/// LayerNorm's moments): each row is reduced as one vector.
bool isRowReduction(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !op.hasPureBufferSemantics() ||
      generic.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  int64_t row = op.getStaticLoopRanges().back();
  if (ShapedType::isDynamic(row) || row > kMaxReducedRow)
    return false;
  if (llvm::any_of(op->getOperandTypes(), [](Type type) {
        return getElementTypeOrSelf(type).isInteger(1);
      }))
    return false;
  for (Operation &body : generic.getBody()->without_terminator())
    if (!isa<arith::ArithDialect, math::MathDialect>(body.getDialect()))
      return false;
  return readsAlongInnermostLoop(op, /*allowUnitDims=*/true);
}

/// A transpose that reads its input across the innermost loop (a swap of
/// the last two dims): it is vectorised on square tiles, a transposed read
/// and a contiguous write of each.
bool isCrossTranspose(linalg::LinalgOp op) {
  return op.hasPureBufferSemantics() && op.getNumLoops() >= 2 &&
         isa<linalg::TransposeOp>(op.getOperation()) &&
         !getElementTypeOrSelf(op->getOperandTypes()[0]).isInteger(1) &&
         !readsAlongInnermostLoop(op);
}

struct VectorizeElementwisePass
    : mlir::mithril::impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    copiesAsLinalg();
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isElementwise(op) || isCrossTranspose(op) || isRowReduction(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    // Elementwise ops: a row and `lanes` elements at a time; reductions:
    // a row, whole; transposes across the innermost dim: square tiles.
    for (linalg::LinalgOp op : candidates) {
      if (isCrossTranspose(op))
        tileAndVectorize(rewriter, op, {lanes, lanes});
      else if (isRowReduction(op))
        tileAndVectorize(rewriter, op, {op.getStaticLoopRanges().back()});
      else
        tileAndVectorize(rewriter, op, {lanes});
    }

    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    reassociateReductions();
  }

  /// Lets LLVM reduce a row as a tree of vector operations rather than one
  /// element after the other (the order of a float sum changes its last
  /// bits, as in every vectorised library).
  void reassociateReductions() {
    getOperation().walk([](vector::ReductionOp reduction) {
      reduction.setFastmathAttr(arith::FastMathFlagsAttr::get(
          reduction.getContext(),
          reduction.getFastmath() | arith::FastMathFlags::reassoc));
    });
  }

  /// Strided `memref.copy`s (bufferisation's copies into padded buffers or
  /// out of slices) as `linalg.copy`s, vectorised below like any copy:
  /// lowered as they are, they call a generic element-by-element copy.
  /// Copies between contiguous buffers stay: they become memcpy.
  void copiesAsLinalg() {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto source = dyn_cast<MemRefType>(copy.getSource().getType());
      auto target = dyn_cast<MemRefType>(copy.getTarget().getType());
      if (source && target && source.getRank() > 0 &&
          !(source.getLayout().isIdentity() && target.getLayout().isIdentity()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }

  /// Whether `op`, of these loop ranges, is large enough for threads and
  /// not already on one (inside a parallel loop: nested parallel regions
  /// would run serialised, at a cost).
  bool worthThreads(linalg::LinalgOp op, ArrayRef<int64_t> ranges) const {
    if (op->getParentOfType<scf::ParallelOp>() ||
        op->getParentOfType<scf::ForallOp>())
      return false;
    int64_t elements = 1;
    for (int64_t range : ranges) {
      if (ShapedType::isDynamic(range))
        return true;
      elements *= range;
    }
    return elements >= parallelThreshold;
  }

  /// Tiles `op` one at a time along its outer dims (a dim of extent 1 is
  /// not tiled) and by `widths` along its last `widths.size()` dims (a
  /// static dim no wider is taken whole), then vectorises each tile.
  void tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                        ArrayRef<int64_t> widths) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<int64_t> tiles(ranges.size(), 1), vectorSizes(ranges.size(), 1);
    size_t firstInner = ranges.size() - widths.size();
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (i < firstInner) {
        if (ranges[i] == 1)
          tiles[i] = 0;
        continue;
      }
      tiles[i] = vectorSizes[i] = widths[i - firstInner];
      if (!ShapedType::isDynamic(ranges[i]) && ranges[i] <= tiles[i]) {
        tiles[i] = 0;
        vectorSizes[i] = ranges[i];
      }
    }
    FailureOr<linalg::LinalgOp> tiled = mlir::mithril::tileWithLoops(
        rewriter, op, tiles, parallel && worthThreads(op, ranges));
    if (failed(tiled))
      return;
    (void)mlir::mithril::vectorizeWithMasks(rewriter, *tiled, vectorSizes);
  }
};

} // namespace

//===- ExpandShapesAsCasts.cpp - Multi-dynamic expansions as casts --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Upstream's expand-strided-metadata (LLVM 22) crashes on a
// `memref.expand_shape` that splits one dim into several dynamic ones (a
// Linear layer's rows [N * T] back into [N, T] with both dynamic). This
// pass rewrites such expansions first, as what they are: a
// `memref.reinterpret_cast` of the source's base with the source's offset,
// the output sizes, and strides made from the source's (each dim of a group
// strides by its source dim's stride times the sizes inside it).
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_EXPANDSHAPESASCASTS
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

/// Whether `expand` splits a dim into more than one dynamic dim.
bool splitsIntoDynamicDims(memref::ExpandShapeOp expand) {
  ArrayRef<int64_t> shape = expand.getResultType().getShape();
  return llvm::any_of(expand.getReassociationIndices(),
                      [&](const ReassociationIndices &group) {
                        return llvm::count_if(group, [&](int64_t dim) {
                                 return ShapedType::isDynamic(shape[dim]);
                               }) > 1;
                      });
}

struct ExpandShapeAsCast : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp expand,
                                PatternRewriter &rewriter) const override {
    if (!splitsIntoDynamicDims(expand))
      return rewriter.notifyMatchFailure(expand, "upstream expands it");
    Location loc = expand.getLoc();
    auto metadata = memref::ExtractStridedMetadataOp::create(rewriter, loc,
                                                             expand.getSrc());
    SmallVector<OpFoldResult> sizes = expand.getMixedOutputShape();
    SmallVector<OpFoldResult> sourceStrides =
        metadata.getConstifiedMixedStrides();
    SmallVector<OpFoldResult> strides(sizes.size());
    AffineExpr stride, size;
    bindSymbols(rewriter.getContext(), stride, size);
    for (auto [sourceDim, group] :
         llvm::enumerate(expand.getReassociationIndices())) {
      OpFoldResult inner = sourceStrides[sourceDim];
      for (int64_t dim : llvm::reverse(group)) {
        strides[dim] = inner;
        inner = affine::makeComposedFoldedAffineApply(
            rewriter, loc, stride * size, {inner, sizes[dim]});
      }
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        expand, expand.getResultType(), metadata.getBaseBuffer(),
        metadata.getConstifiedMixedOffset(), sizes, strides);
    return success();
  }
};

struct ExpandShapesAsCastsPass
    : mlir::mithril::impl::ExpandShapesAsCastsBase<ExpandShapesAsCastsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeAsCast>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

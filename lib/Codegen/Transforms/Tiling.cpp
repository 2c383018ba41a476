//===- Tiling.cpp - Tiling and vectorising linalg ops ---------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Tiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"

using namespace mlir;

FailureOr<linalg::LinalgOp>
mlir::mithril::tileWithLoops(RewriterBase &rewriter, linalg::LinalgOp op,
                             ArrayRef<int64_t> sizes, bool parallel) {
  rewriter.setInsertionPoint(op);
  if (op.hasPureBufferSemantics()) {
    linalg::LinalgTilingOptions options;
    options.setTileSizes(sizes);
    if (parallel)
      options.setLoopType(linalg::LinalgTilingLoopType::ParallelLoops);
    FailureOr<linalg::TiledLinalgOp> tiled =
        linalg::tileLinalgOp(rewriter, op, options);
    if (failed(tiled))
      return failure();
    rewriter.eraseOp(op);
    return tiled->op;
  }
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op.getContext(), sizes));
  if (parallel)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return cast<linalg::LinalgOp>(tiled->tiledOps.back());
}

Value mlir::mithril::parallelGeneric(
    OpBuilder &b, Location loc, Type type, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned loops = maps.front().getNumDims();
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(loops,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

bool mlir::mithril::isCopyGeneric(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op.getOperation()) || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() == 0 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getIndexingMapsArray()[1].isIdentity())
    return false;
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  return yield.getValues() == ValueRange{op.getBlock()->getArgument(0)};
}

LogicalResult mlir::mithril::vectorizeWithMasks(RewriterBase &rewriter,
                                                linalg::LinalgOp op,
                                                ArrayRef<int64_t> vectorSizes) {
  rewriter.setInsertionPoint(op);
  // Scalable flags are given explicitly: from C++, an empty list yields
  // masks whose type the transfer ops then refuse (LLVM 22).
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, op, vectorSizes, SmallVector<bool>(vectorSizes.size(), false));
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(op, vectorized->replacements);
  return success();
}

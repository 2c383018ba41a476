//===- LowerInt8DotProducts.cpp - int8 register blocks on vpdpbusd --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The register blocks of packForInt8DotProduct (unsigned bytes times signed
// bytes, four of K a lane, into i32) become AVX-512 VNNI `vpdpbusd`s. The
// x86vector dialect has no such op, so this calls the LLVM intrinsic; as an
// LLVM call has unknown memory effects, which bufferisation's deallocation
// and the hoisting of accumulators refuse, it runs on buffers, after them.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/ContractionVectorizer.h"
#include "mithril/Target/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_LOWERINT8DOTPRODUCTS
#include "mithril/Target/CPU/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// Each row of the block and 16 columns: one `vpdpbusd`.
struct Int8DotProductsToVNNI : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<GroupedBlock> block = matchInt8DotProduct(op);
    if (!block)
      return failure();
    StringAttr intrinsic =
        rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512");
    rewriter.replaceOp(
        op, lowerGroupedBlock(rewriter, op, *block,
                              [&](OpBuilder &b, Location loc, Value sums,
                                  Value unsignedBytes, Value signedBytes) {
                                return LLVM::CallIntrinsicOp::create(
                                           b, loc, sums.getType(), intrinsic,
                                           ValueRange{sums, unsignedBytes,
                                                      signedBytes})
                                    .getResult(0);
                              }));
    return success();
  }
};

struct LowerInt8DotProductsPass
    : mlir::mithril::impl::LowerInt8DotProductsBase<LowerInt8DotProductsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<Int8DotProductsToVNNI>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

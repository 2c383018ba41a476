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

/// `groups` (a vector<N x 4 x i8> of a panel) as one vector<4N x i8>: where
/// it is the read of a whole contiguous view, the view collapsed and read
/// as one vector (a shape_cast of the 2-d read would be N reads of four
/// bytes and shuffles).
Value flattenGroups(PatternRewriter &rewriter, Location loc, Value groups) {
  auto type = cast<VectorType>(groups.getType());
  auto flat = VectorType::get({type.getNumElements()}, type.getElementType());
  auto read = groups.getDefiningOp<vector::TransferReadOp>();
  auto view =
      read ? dyn_cast<MemRefType>(read.getBase().getType()) : MemRefType();
  SmallVector<ReassociationIndices> whole{{0, 1}};
  if (!view || read.getMask() || view.getShape() != type.getShape() ||
      !read.getPermutationMap().isMinorIdentity() ||
      llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }) ||
      !llvm::all_of(read.getIndices(), isZeroInteger) ||
      !memref::CollapseShapeOp::isGuaranteedCollapsible(view, whole))
    return vector::ShapeCastOp::create(rewriter, loc, flat, groups);
  Value collapsed =
      memref::CollapseShapeOp::create(rewriter, loc, read.getBase(), whole);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  return vector::TransferReadOp::create(rewriter, loc, flat, collapsed,
                                        ValueRange{zero}, read.getPadding(),
                                        ArrayRef<bool>{true});
}

/// Each row m of the block and 16 columns: one `vpdpbusd`, the row's four
/// bytes broadcast as one i32 to every lane (unsigned), against the 16
/// columns' fours, which lie interleaved in the panel (signed).
struct Int8DotProductsToVNNI : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<Int8DotProduct> block = matchInt8DotProduct(op);
    if (!block)
      return failure();
    constexpr int64_t kLanes = Int8DotProduct::kLanes;
    constexpr int64_t kGroup = Int8DotProduct::kGroup;
    Location loc = op.getLoc();
    Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type();
    auto bytes = VectorType::get({kGroup * kLanes}, i8);
    auto lanes = VectorType::get({kLanes}, i32);
    Value rhsFlat = flattenGroups(rewriter, loc, block->rhs);
    SmallVector<Value> rhsChunks;
    for (int64_t c = 0; c < block->columns; c += kLanes)
      rhsChunks.push_back(vector::ExtractStridedSliceOp::create(
          rewriter, loc, rhsFlat, {kGroup * c}, {kGroup * kLanes}, {1}));
    Value lhsGroups = vector::BitCastOp::create(
        rewriter, loc, VectorType::get({block->rows, 1}, i32), block->lhs);
    StringAttr intrinsic =
        rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512");
    Value result = op.getAcc();
    for (int64_t r = 0; r < block->rows; ++r) {
      Value four = vector::ExtractOp::create(rewriter, loc, lhsGroups,
                                             ArrayRef<int64_t>{r, 0});
      Value a = vector::BitCastOp::create(
          rewriter, loc, bytes,
          vector::BroadcastOp::create(rewriter, loc, lanes, four));
      Value row = vector::ExtractOp::create(rewriter, loc, op.getAcc(),
                                            ArrayRef<int64_t>{r});
      for (auto [i, b] : llvm::enumerate(rhsChunks)) {
        int64_t c = int64_t(i) * kLanes;
        Value sums = vector::ExtractStridedSliceOp::create(rewriter, loc, row,
                                                           {c}, {kLanes}, {1});
        Value dot = LLVM::CallIntrinsicOp::create(
                        rewriter, loc, lanes, intrinsic, ValueRange{sums, a, b})
                        .getResult(0);
        row = vector::InsertStridedSliceOp::create(rewriter, loc, dot, row, {c},
                                                   {1});
      }
      result = vector::InsertOp::create(rewriter, loc, row, result,
                                        ArrayRef<int64_t>{r});
    }
    rewriter.replaceOp(op, result);
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

//===- ContractionVectorizer.cpp - Matmuls as vector code for CPUs --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Matmuls are blocked for the caches and registers (mithril/Codegen/
// Contractions.h), and each register block is vectorised (masked where a
// tile is partial) and lowered to one FMA per row and step of K.
// Everything is upstream's (SCF tiling, linalg vectorisation, vector
// lowering patterns); this chooses the tiles and the order.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/ContractionVectorizer.h"

#include "mithril/Codegen/Tiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::mithril;

/// Tiles `op` (see tileBlocks), lets `onBlocks` see the cache blocks'
/// scf.forall if there is one, drops the loops `unitLoops` of the
/// register block (tiled by one) and vectorises what is left; leaves it
/// as it is where it cannot.
static void
tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                 ArrayRef<int64_t> outer, ArrayRef<int64_t> inner,
                 ArrayRef<unsigned> unitLoops, bool parallel,
                 function_ref<void(scf::ForallOp)> onBlocks = nullptr) {
  FailureOr<linalg::LinalgOp> registers =
      tileBlocks(rewriter, op, SmallVector<int64_t>(outer),
                 SmallVector<int64_t>(inner), parallel);
  if (failed(registers))
    return;
  if (auto forall = (*registers)->getParentOfType<scf::ForallOp>();
      forall && onBlocks)
    onBlocks(forall);
  SmallVector<int64_t> sizes = getRegisterBlockSizes(*registers, inner);
  linalg::ControlDropUnitDims control;
  control.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  control.controlFn = [&](Operation *) {
    return SmallVector<unsigned>(unitLoops);
  };
  rewriter.setInsertionPoint(*registers);
  FailureOr<linalg::DropUnitDimsResult> dropped = linalg::dropUnitDims(
      rewriter, cast<linalg::GenericOp>(registers->getOperation()), control);
  if (failed(dropped))
    return;
  rewriter.replaceOp(*registers, dropped->replacements);
  for (unsigned loop : llvm::reverse(unitLoops))
    sizes.erase(sizes.begin() + loop);
  (void)vectorizeWithMasks(
      rewriter, cast<linalg::LinalgOp>(dropped->resultOp.getOperation()),
      sizes);
}

/// Where `matmul` has a dynamic number of columns (a convolution's
/// im2col product on a dynamic batch), splits them at a multiple of the
/// register block's, and tiles and vectorises that part with its columns
/// grouped (see groupLoop): its register blocks are static and unmasked.
/// Returns the rest, the last few columns (or `matmul` itself).
static linalg::LinalgOp
vectorizeDynamicColumns(RewriterBase &rewriter, linalg::LinalgOp matmul,
                        const ContractionBlocking &blocking) {
  ArrayRef<int64_t> registerBlock = blocking.registerBlock;
  ArrayRef<int64_t> cacheBlock = blocking.cacheBlock;
  int64_t panel = registerBlock[1];
  if (!ShapedType::isDynamic(matmul.getStaticLoopRanges()[1]))
    return matmul;
  auto [full, rest] =
      splitDynamicLoop(rewriter, matmul, 1, matmul.getDpsInputs()[1], 1, panel);
  if (!full || !rest)
    return matmul;
  tileAndVectorize(rewriter, groupLoop(rewriter, full, 1, panel),
                   {cacheBlock[0], std::max<int64_t>(cacheBlock[1] / panel, 1),
                    panel, cacheBlock[2]},
                   {registerBlock[0], 1, panel, 1}, {1}, blocking.parallel);
  return cast<linalg::LinalgOp>(rest.getOperation());
}

void mlir::mithril::vectorizeMatmul(RewriterBase &rewriter, linalg::LinalgOp op,
                                    const ContractionBlocking &blocking) {
  ArrayRef<int64_t> registerBlock = blocking.registerBlock;
  ArrayRef<int64_t> cacheBlock = blocking.cacheBlock;
  // A batch matmul takes one batch at a time.
  SmallVector<int64_t> outer(cacheBlock), inner(registerBlock);
  inner.push_back(1);
  if (isa<linalg::BatchMatmulOp>(op)) {
    outer.insert(outer.begin(), 1);
    inner.insert(inner.begin(), 1);
  }
  linalg::GenericOp epilogue;
  if (blocking.parallel) {
    foldReshapeIntoConsumer(rewriter, op->getResult(0));
    epilogue = epilogueOf(op->getResult(0));
  }
  FailureOr<linalg::LinalgOp> registers =
      tileBlocks(rewriter, op, outer, inner, blocking.parallel);
  if (failed(registers))
    return;
  auto forall = (*registers)->getParentOfType<scf::ForallOp>();
  if (epilogue && forall)
    (void)fuseEpilogue(rewriter, forall, forall->getResult(0), epilogue,
                       std::nullopt);
  (void)vectorizeWithMasks(rewriter, *registers,
                           getRegisterBlockSizes(*registers, inner));
}

/// The panels a register block of the packed contraction `part` spans: one,
/// or eight for a single row (a Linear layer at batch 1), whose one row of
/// accumulators would otherwise make each step of K wait for the last FMA:
/// eight panels give eight times the independent sums (and, for int8
/// weights, the loads and conversions that overlap them). (Groups of K
/// keep one panel: the dot product patterns take a row of one.)
static int64_t registerPanels(linalg::LinalgOp part, int64_t panelsPerBlock) {
  SmallVector<int64_t> ranges = part.getStaticLoopRanges();
  constexpr int64_t kPanels = 8;
  bool singleRow = ranges[0] == 1;
  bool divides = !ShapedType::isDynamic(ranges[1]) &&
                 ranges[1] % kPanels == 0 && panelsPerBlock % kPanels == 0;
  return singleRow && divides ? kPanels : 1;
}

/// Why a dynamic number of rows is split and grouped rather than masked:
/// masking the rows of a register block reads and writes the accumulators
/// with masked loads and stores on every step of K, whose masked-off rows
/// may lie on pages past the buffer; on Zen 4 such accesses take microcode
/// assists, and a Linear layer at batch 1 took 100 ms instead of 0.05.
void mlir::mithril::vectorizePackedMatmul(RewriterBase &rewriter,
                                          linalg::GenericOp op,
                                          const ContractionBlocking &blocking) {
  ArrayRef<int64_t> registerBlock = blocking.registerBlock;
  ArrayRef<int64_t> cacheBlock = blocking.cacheBlock;
  int64_t rows = registerBlock[0], panel = registerBlock[1];
  int64_t panelsPerBlock = std::max<int64_t>(cacheBlock[1] / panel, 1);
  // Packing in groups of K (pairs of bf16, fours of int8) adds a loop, the
  // element of a group: whole in every block, and the blocks of K count
  // groups. Its register blocks drop their one group of K too, leaving
  // rows x panel x group.
  int64_t group = op.getNumLoops() == 5 ? op.getStaticLoopRanges()[4] : 0;
  int64_t depthBlock =
      group ? std::max<int64_t>(cacheBlock[2] / group, 1) : cacheBlock[2];
  auto sizes = [&](SmallVector<int64_t> loops) {
    if (group)
      loops.push_back(group);
    return loops;
  };
  auto units = [&](SmallVector<unsigned> loops, unsigned groupLoop) {
    if (group)
      loops.push_back(groupLoop);
    return loops;
  };
  SmallVector<linalg::LinalgOp> parts{op};
  splitFullTiles(rewriter, parts, 0, {cacheBlock[0], rows});
  for (linalg::LinalgOp part : parts) {
    int64_t blockRows = rows;
    if (ShapedType::isDynamic(part.getStaticLoopRanges()[0])) {
      auto [full, rest] =
          splitDynamicLoop(rewriter, part, 0, part.getDpsInputs()[0], 0, rows);
      if (full && rest) {
        tileAndVectorize(rewriter, groupLoop(rewriter, full, 0, rows),
                         sizes({std::max<int64_t>(cacheBlock[0] / rows, 1),
                                rows, panelsPerBlock, panel, depthBlock}),
                         sizes({1, rows, 1, panel, 1}), units({0, 2}, 4),
                         blocking.parallel);
        part = cast<linalg::LinalgOp>(rest.getOperation());
        blockRows = 1;
      }
    }
    // The whole contraction in one part: its result is collapsed from
    // panels (packRightOperand) and maybe read by an epilogue.
    Value result;
    linalg::GenericOp epilogue;
    if (blocking.parallel && part->getResult(0).hasOneUse())
      if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(
              *part->getResult(0).getUsers().begin())) {
        result = collapse.getResult();
        foldReshapeIntoConsumer(rewriter, result);
        epilogue = epilogueOf(result);
      }
    auto fuse = [&](scf::ForallOp forall) {
      if (epilogue)
        (void)fuseEpilogue(rewriter, forall, result, epilogue, panel);
    };
    tileAndVectorize(
        rewriter, part,
        sizes({cacheBlock[0], panelsPerBlock, panel, depthBlock}),
        sizes({blockRows, group ? 1 : registerPanels(part, panelsPerBlock),
               panel, 1}),
        units({1}, 3), blocking.parallel, fuse);
  }
}

Value mlir::mithril::flattenGroups(OpBuilder &builder, Location loc,
                                   Value groups) {
  auto type = cast<VectorType>(groups.getType());
  auto flat = VectorType::get({type.getNumElements()}, type.getElementType());
  auto read = groups.getDefiningOp<vector::TransferReadOp>();
  auto view =
      read ? dyn_cast<ShapedType>(read.getBase().getType()) : ShapedType();
  SmallVector<ReassociationIndices> whole{{0, 1}};
  auto memref = dyn_cast_if_present<MemRefType>(view);
  if (!view || read.getMask() || view.getShape() != type.getShape() ||
      !read.getPermutationMap().isMinorIdentity() ||
      llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }) ||
      !llvm::all_of(read.getIndices(), isZeroInteger) ||
      (memref &&
       !memref::CollapseShapeOp::isGuaranteedCollapsible(memref, whole)))
    return vector::ShapeCastOp::create(builder, loc, flat, groups);
  Value collapsed = memref ? Value(memref::CollapseShapeOp::create(
                                 builder, loc, read.getBase(), whole))
                           : Value(tensor::CollapseShapeOp::create(
                                 builder, loc, read.getBase(), whole));
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  return vector::TransferReadOp::create(builder, loc, flat, collapsed,
                                        ValueRange{zero}, read.getPadding(),
                                        ArrayRef<bool>{true});
}

std::optional<GroupedBlock>
mlir::mithril::matchGroupedBlock(vector::ContractionOp op, Value lhs, Value rhs,
                                 Type sumType, int64_t group) {
  auto accType = dyn_cast<VectorType>(op.getAccType());
  if (!lhs || !rhs || !accType || accType.getElementType() != sumType ||
      op.getKind() != vector::CombiningKind::ADD ||
      cast<vector::MaskableOpInterface>(op.getOperation()).isMasked())
    return std::nullopt;
  MLIRContext *context = op.getContext();
  AffineExpr m, j, t;
  bindDims(context, m, j, t);
  if (op.getIndexingMapsArray() !=
      AffineMap::inferFromExprList(
          ArrayRef<SmallVector<AffineExpr, 4>>{{m, t}, {j, t}, {m, j}},
          context))
    return std::nullopt;
  auto lhsType = cast<VectorType>(lhs.getType());
  auto rhsType = cast<VectorType>(rhs.getType());
  int64_t rows = lhsType.getDimSize(0), columns = rhsType.getDimSize(0);
  if (lhsType.getRank() != 2 || rhsType.getRank() != 2 ||
      lhsType.getDimSize(1) != group || rhsType.getDimSize(1) != group ||
      columns % GroupedBlock::kLanes != 0 ||
      accType.getShape() != ArrayRef<int64_t>{rows, columns})
    return std::nullopt;
  return GroupedBlock{lhs, rhs, rows, columns, group};
}

Value mlir::mithril::lowerGroupedBlock(
    OpBuilder &builder, vector::ContractionOp op, const GroupedBlock &block,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> dot) {
  constexpr int64_t kLanes = GroupedBlock::kLanes;
  Location loc = op.getLoc();
  Type element = getElementTypeOrSelf(block.lhs.getType());
  Type i32 = builder.getI32Type();
  auto groups = VectorType::get({block.group * kLanes}, element);
  auto lanes = VectorType::get({kLanes}, i32);
  Value rhsFlat = flattenGroups(builder, loc, block.rhs);
  SmallVector<Value> rhsChunks;
  for (int64_t c = 0; c < block.columns; c += kLanes)
    rhsChunks.push_back(vector::ExtractStridedSliceOp::create(
        builder, loc, rhsFlat, {block.group * c}, {block.group * kLanes}, {1}));
  Value lhsGroups = vector::BitCastOp::create(
      builder, loc, VectorType::get({block.rows, 1}, i32), block.lhs);
  Value result = op.getAcc();
  for (int64_t r = 0; r < block.rows; ++r) {
    Value group = vector::ExtractOp::create(builder, loc, lhsGroups,
                                            ArrayRef<int64_t>{r, 0});
    Value a = vector::BitCastOp::create(
        builder, loc, groups,
        vector::BroadcastOp::create(builder, loc, lanes, group));
    Value row = vector::ExtractOp::create(builder, loc, op.getAcc(),
                                          ArrayRef<int64_t>{r});
    for (auto [i, b] : llvm::enumerate(rhsChunks)) {
      int64_t c = int64_t(i) * kLanes;
      Value sums = vector::ExtractStridedSliceOp::create(builder, loc, row, {c},
                                                         {kLanes}, {1});
      row = vector::InsertStridedSliceOp::create(
          builder, loc, dot(builder, loc, sums, a, b), row, {c}, {1});
    }
    result = vector::InsertOp::create(builder, loc, row, result,
                                      ArrayRef<int64_t>{r});
  }
  return result;
}

namespace {

/// `value`, a vector of bf16 or one widened from it: the bf16 vector.
Value bf16Source(Value value) {
  if (auto extend = value.getDefiningOp<arith::ExtFOp>())
    value = extend.getIn();
  return getElementTypeOrSelf(value.getType()).isBF16() ? value : Value();
}

/// A register block of packRightOperandInPairs: bf16 operands (widened)
/// into f32, pairs of K. Each row and 16 columns become one
/// `x86vector.avx512.dot` (`vdpbf16ps`) per pair.
struct BF16PairsToDotProducts : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<GroupedBlock> block =
        matchGroupedBlock(op, bf16Source(op.getLhs()), bf16Source(op.getRhs()),
                          rewriter.getF32Type(), 2);
    if (!block)
      return failure();
    rewriter.replaceOp(
        op, lowerGroupedBlock(rewriter, op, *block,
                              [](OpBuilder &b, Location loc, Value sums,
                                 Value a, Value pairs) -> Value {
                                return x86vector::DotBF16Op::create(
                                    b, loc, sums.getType(), sums, a, pairs);
                              }));
    return success();
  }
};

} // namespace

LogicalResult mlir::mithril::lowerBF16PairsToDotProducts(Operation *root) {
  RewritePatternSet patterns(root->getContext());
  patterns.add<BF16PairsToDotProducts>(root->getContext());
  return applyPatternsGreedily(root, std::move(patterns));
}

/// `value` extended from i8 by `Extend` (extui or extsi): the i8 vector.
template <typename Extend> static Value int8Source(Value value) {
  auto extend = value.getDefiningOp<Extend>();
  return extend && getElementTypeOrSelf(extend.getIn().getType())
                       .isSignlessInteger(8)
             ? extend.getIn()
             : Value();
}

std::optional<GroupedBlock>
mlir::mithril::matchInt8DotProduct(vector::ContractionOp op) {
  return matchGroupedBlock(op, int8Source<arith::ExtUIOp>(op.getLhs()),
                           int8Source<arith::ExtSIOp>(op.getRhs()),
                           IntegerType::get(op.getContext(), 32), 4);
}

LogicalResult mlir::mithril::lowerContractionsToOuterProducts(Operation *root) {
  MLIRContext *context = root->getContext();
  RewritePatternSet shaping(context);
  vector::populateVectorReductionToContractPatterns(shaping);
  vector::populateVectorTransferPermutationMapLoweringPatterns(shaping);
  vector::populateVectorMaskLoweringPatternsForSideEffectingOps(shaping);
  vector::populateSinkVectorOpsPatterns(shaping);
  if (failed(applyPatternsGreedily(root, std::move(shaping))))
    return failure();
  if (failed(lowerBF16PairsToDotProducts(root)))
    return failure();
  RewritePatternSet lowering(context);
  vector::populateVectorContractLoweringPatterns(
      lowering, vector::VectorContractLowering::OuterProduct);
  vector::populateVectorOuterProductLoweringPatterns(lowering);
  // The int8 dot products stay contractions until
  // mithril-lower-int8-dot-products, after bufferisation.
  SmallVector<Operation *> contractions;
  root->walk([&](vector::ContractionOp op) {
    if (!matchInt8DotProduct(op))
      contractions.push_back(op);
  });
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  return applyOpPatternsGreedily(contractions, std::move(lowering), config);
}

LogicalResult
mlir::mithril::vectorizeContractions(Operation *root,
                                     const ContractionBlocking &blocking) {
  ArrayRef<int64_t> registerBlock = blocking.registerBlock;
  ArrayRef<int64_t> cacheBlock = blocking.cacheBlock;
  SmallVector<linalg::LinalgOp> candidates;
  // Contractions only: epilogues fused into them go as they are rewritten.
  root->walk([&](linalg::LinalgOp op) {
    if (linalg::isaContractionOpInterface(op))
      candidates.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (linalg::LinalgOp op : candidates) {
    FailureOr<linalg::LinalgOp> matmul = normalizeToMatmul(rewriter, op);
    if (failed(matmul))
      continue;
    int64_t panel = registerBlock[1];
    if (blocking.int8DotProducts &&
        fitsInt8DotProduct(*matmul, panel, cacheBlock)) {
      vectorizePackedMatmul(
          rewriter, packForInt8DotProduct(rewriter, *matmul, panel), blocking);
      continue;
    }
    if (blocking.bf16DotProducts &&
        fitsBF16DotProduct(*matmul, panel, cacheBlock)) {
      vectorizePackedMatmul(rewriter,
                            packRightOperandInPairs(rewriter, *matmul, panel),
                            blocking);
      continue;
    }
    *matmul = widenLeftOperand(rewriter, *matmul);
    if (blocking.pack && worthPacking(*matmul, panel, cacheBlock)) {
      vectorizePackedMatmul(
          rewriter, packRightOperand(rewriter, *matmul, panel), blocking);
      continue;
    }
    unsigned batch = isa<linalg::BatchMatmulOp>(*matmul) ? 1 : 0;
    SmallVector<linalg::LinalgOp> parts{*matmul};
    splitFullTiles(rewriter, parts, batch, {cacheBlock[0], registerBlock[0]});
    // Columns also by one vector (half a register block): a remainder of
    // 17 columns is then 16 + 1, not one 17-lane vector LLVM splits badly.
    SmallVector<int64_t> columnTiles{cacheBlock[1], registerBlock[1]};
    if (registerBlock[1] % 2 == 0)
      columnTiles.push_back(registerBlock[1] / 2);
    splitFullTiles(rewriter, parts, batch + 1, columnTiles);
    for (linalg::LinalgOp part : parts) {
      if (!batch)
        part = vectorizeDynamicColumns(rewriter, part, blocking);
      vectorizeMatmul(rewriter, part, blocking);
    }
  }
  return lowerContractionsToOuterProducts(root);
}

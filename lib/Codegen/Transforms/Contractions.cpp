//===- Contractions.cpp - How matmuls are blocked -------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Contractions.h"

#include "mithril/Codegen/Tiling.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace mlir::mithril;

/// `value` with its last two dims swapped.
static Value transposeLastTwo(RewriterBase &rewriter, Location loc,
                              Value value) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, value);
  std::swap(sizes[sizes.size() - 2], sizes[sizes.size() - 1]);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                       getElementTypeOrSelf(value.getType()));
  SmallVector<int64_t> permutation = sizes.size() == 2
                                         ? SmallVector<int64_t>{1, 0}
                                         : SmallVector<int64_t>{0, 2, 1};
  return linalg::TransposeOp::create(rewriter, loc, value, init, permutation)
      .getResult()[0];
}

/// A matmul (or batch matmul) with upstream's default maps.
static linalg::LinalgOp defaultMatmul(RewriterBase &rewriter, Location loc,
                                      bool batched, Value left, Value right,
                                      Value init) {
  if (batched)
    return linalg::BatchMatmulOp::create(rewriter, loc, init.getType(),
                                         ValueRange{left, right},
                                         ValueRange{init});
  return linalg::MatmulOp::create(rewriter, loc, init.getType(),
                                  ValueRange{left, right}, ValueRange{init});
}

/// Folds the batch, M, N and K dims of a contraction into one each where
/// there are several (a Linear layer on [N, T, C]: rows N and T; attention
/// scores: batches N and heads), with upstream's collapseOpIterationDims.
/// `op` becomes the folded op; failure if a group cannot be folded.
static LogicalResult collapseDims(RewriterBase &rewriter,
                                  linalg::LinalgOp &op) {
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return failure();
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (const auto &kind : {dims->batch, dims->m, dims->n, dims->k}) {
    if (kind.size() < 2)
      continue;
    ReassociationIndices group(kind.begin(), kind.end());
    for (size_t i = 1; i < group.size(); ++i)
      if (group[i] != group[i - 1] + 1)
        return failure();
    groups.push_back(group);
  }
  if (groups.empty())
    return success();
  if (!isa<linalg::GenericOp>(op.getOperation()) ||
      !linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), groups))
    return failure();
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, groups, rewriter);
  if (failed(collapsed))
    return failure();
  rewriter.replaceOp(op, collapsed->results);
  op = collapsed->collapsedOp;
  return success();
}

/// Whether `value` depends on the weights only: a parameter, or a transpose
/// of one (which mithril-prepare-weights makes once per instance).
static bool isWeight(Value value) {
  if (auto transpose = value.getDefiningOp<linalg::TransposeOp>())
    return getParameterName(transpose.getInput()).has_value();
  return getParameterName(value).has_value();
}

/// `op` as a `linalg.matmul` or `linalg.batch_matmul` with upstream's
/// default maps; failure if `op` is no such contraction of floats or
/// signless integers. A
/// transposed right operand (a Linear layer's `x * W^T`) is read through a
/// `linalg.transpose` when it is a parameter (made once per instance by
/// mithril-prepare-weights) or the rows are at least as many as the columns;
/// otherwise (a batch of activations; dynamic rows count as few) the
/// transposed product `W * x^T` is computed, transposing the smaller
/// operand and the result.
/// (Upstream's linalg-specialize-generic-ops is not used: in LLVM 22 it
/// gives transposed matmuls the default maps.)
FailureOr<linalg::LinalgOp>
mlir::mithril::normalizeToMatmul(RewriterBase &rewriter, linalg::LinalgOp op) {
  // Floats, or signless integers (int8 products summed in i32; u8 math
  // wraps through casts in the body, which stays scalar).
  auto isVectorizable = [](Value value) {
    Type element = getElementTypeOrSelf(value.getType());
    return isa<FloatType>(element) || element.isSignlessInteger();
  };
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op) ||
      !llvm::all_of(op->getOperands(), isVectorizable))
    return failure();
  if (failed(collapseDims(rewriter, op)))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 1)
    return failure();
  MLIRContext *context = op.getContext();
  unsigned numLoops = op.getNumLoops();
  auto map = [&](ArrayRef<unsigned> loops) {
    SmallVector<AffineExpr> results;
    for (unsigned loop : dims->batch)
      results.push_back(getAffineDimExpr(loop, context));
    for (unsigned loop : loops)
      results.push_back(getAffineDimExpr(loop, context));
    return AffineMap::get(numLoops, 0, results, context);
  };
  unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != map({m, k}) || maps[2] != map({m, n}))
    return failure();
  bool transposed = maps[1] == map({n, k});
  if (!transposed && maps[1] != map({k, n}))
    return failure();

  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  bool batched = !dims->batch.empty();
  Value left = op.getDpsInputs()[0], right = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // A parameter's transpose is made once per instance
  // (mithril-prepare-weights): it is always the one to transpose.
  bool fewRows = !getParameterName(right) &&
                 (ShapedType::isDynamic(ranges[m]) ||
                  (!ShapedType::isDynamic(ranges[n]) && ranges[m] < ranges[n]));
  if (transposed && fewRows) {
    linalg::LinalgOp matmul = defaultMatmul(
        rewriter, loc, batched, right, transposeLastTwo(rewriter, loc, left),
        transposeLastTwo(rewriter, loc, init));
    rewriter.replaceOp(op,
                       transposeLastTwo(rewriter, loc, matmul->getResult(0)));
    return matmul;
  }
  if (transposed)
    right = transposeLastTwo(rewriter, loc, right);
  linalg::LinalgOp matmul =
      defaultMatmul(rewriter, loc, batched, left, right, init);
  rewriter.replaceOp(op, matmul->getResults());
  return matmul;
}

linalg::LinalgOp mlir::mithril::widenLeftOperand(RewriterBase &rewriter,
                                                 linalg::LinalgOp matmul) {
  Value left = matmul.getDpsInputs()[0], init = matmul.getDpsInits()[0];
  auto sum = dyn_cast<FloatType>(getElementTypeOrSelf(init.getType()));
  auto element = dyn_cast<FloatType>(getElementTypeOrSelf(left.getType()));
  if (!sum || !element || element.getWidth() >= sum.getWidth() ||
      isWeight(left))
    return matmul;
  Location loc = matmul.getLoc();
  rewriter.setInsertionPoint(matmul);
  auto type = cast<RankedTensorType>(left.getType());
  Value empty = tensor::EmptyOp::create(
      rewriter, loc, tensor::getMixedSizes(rewriter, loc, left), sum);
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(type.getRank(), rewriter.getContext());
  Value wide = parallelGeneric(
      rewriter, loc, empty.getType(), left, empty, {identity, identity},
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        return arith::ExtFOp::create(b, l, sum, args[0]);
      });
  linalg::LinalgOp widened = defaultMatmul(
      rewriter, loc, isa<linalg::BatchMatmulOp>(matmul.getOperation()), wide,
      matmul.getDpsInputs()[1], init);
  rewriter.replaceOp(matmul, widened->getResults());
  return widened;
}

/// Whether the right operand of `matmul` is to be read from panels of
/// `panel` columns (see packRightOperand): when its shape is static and a
/// multiple of panels, and packing is free (weights: packed once per
/// instance) or paid for: at least a cache block of rows (`block`) read it,
/// and it is wider than a cache block and at least one deep (smaller, the
/// rows of a block are too few or too close to collide in L1, and packing
/// only costs: the overview's network at batch 64, whose im2col operands
/// are 27 x 1024 and 576 x 64, took 0.21 ms unpacked and 0.4 ms packed).
bool mlir::mithril::worthPacking(linalg::LinalgOp matmul, int64_t panel,
                                 ArrayRef<int64_t> block) {
  if (!isa<linalg::MatmulOp>(matmul.getOperation()))
    return false;
  Value right = matmul.getDpsInputs()[1];
  auto type = cast<RankedTensorType>(right.getType());
  if (!type.hasStaticShape() || type.getDimSize(1) <= panel ||
      type.getDimSize(1) % panel != 0)
    return false;
  int64_t rows = matmul.getStaticLoopRanges()[0];
  return isWeight(right) ||
         (!ShapedType::isDynamic(rows) && rows >= block[0] &&
          type.getDimSize(1) > block[1] && type.getDimSize(0) >= block[2]);
}

/// `right` [K, N] packed into panels `[N / panel][K][panel]` by the copy
/// that produces it, when it is a copy generic (an im2col) collapsed into
/// [K, N] and the panel is made of its innermost column dims (the last one
/// split if need be: N, OH, OW = 32, 16, 16 gives panels of (oh % 2, ow)):
/// the copy then writes the panels itself, instead of writing the columns
/// and a transpose reading them again. Null otherwise.
static Value packedByProducer(RewriterBase &rewriter, Value right,
                              int64_t panel) {
  auto collapse = right.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || !collapse->hasOneUse() ||
      collapse.getReassociationIndices().size() != 2)
    return nullptr;
  auto copy = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  if (!copy || !isCopyGeneric(copy) || !copy.hasPureTensorSemantics() ||
      !copy->hasOneUse())
    return nullptr;
  auto sourceType = cast<RankedTensorType>(collapse.getSrcType());
  if (!sourceType.hasStaticShape())
    return nullptr;
  ReassociationIndices depth = collapse.getReassociationIndices()[0];
  ReassociationIndices columns = collapse.getReassociationIndices()[1];
  // The panel: the innermost column dims, from `split` on, the loop `split`
  // itself split into (outer, inner = `factor`).
  int64_t inner = 1, factor = 1;
  size_t split = columns.size();
  while (split > 0 && inner < panel) {
    int64_t size = sourceType.getDimSize(columns[split - 1]);
    if (panel % (inner * size) == 0) {
      inner *= size;
      --split;
      continue;
    }
    factor = panel / inner;
    if (size % factor != 0)
      return nullptr;
    inner *= factor;
    --split;
    break;
  }
  if (inner != panel)
    return nullptr;
  // Loops of the packed copy: outer columns, depth, panel columns; the
  // split loop as `outer * factor + inner` where the copy read it.
  MLIRContext *context = rewriter.getContext();
  bool splitLoop = factor != 1;
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> replacements(copy.getNumLoops());
  auto next = [&](int64_t size) {
    shape.push_back(size);
    return getAffineDimExpr(shape.size() - 1, context);
  };
  ReassociationIndices outerGroup, depthGroup, panelGroup;
  for (size_t i = 0; i < split; ++i) {
    outerGroup.push_back(shape.size());
    replacements[columns[i]] = next(sourceType.getDimSize(columns[i]));
  }
  AffineExpr splitOuter;
  if (splitLoop) {
    outerGroup.push_back(shape.size());
    splitOuter = next(sourceType.getDimSize(columns[split]) / factor);
  }
  for (int64_t d : depth) {
    depthGroup.push_back(shape.size());
    replacements[d] = next(sourceType.getDimSize(d));
  }
  for (size_t i = split; i < columns.size(); ++i) {
    panelGroup.push_back(shape.size());
    bool isSplit = splitLoop && i == split;
    AffineExpr loop =
        next(isSplit ? factor : sourceType.getDimSize(columns[i]));
    replacements[columns[i]] = isSplit ? splitOuter * factor + loop : loop;
  }
  if (outerGroup.empty())
    return nullptr;
  unsigned loops = shape.size();
  AffineMap read = copy.getIndexingMapsArray()[0].replaceDimsAndSymbols(
      replacements, {}, loops, 0);
  read = simplifyAffineMap(read);
  Location loc = copy.getLoc();
  rewriter.setInsertionPoint(collapse);
  Type element = sourceType.getElementType();
  Value init = tensor::EmptyOp::create(rewriter, loc, shape, element);
  auto packed = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, copy.getDpsInputs(),
      ValueRange{init},
      SmallVector<AffineMap>{read,
                             AffineMap::getMultiDimIdentityMap(loops, context)},
      SmallVector<utils::IteratorType>(loops, utils::IteratorType::parallel),
      [](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(b, l, args[0]);
      });
  return tensor::CollapseShapeOp::create(
      rewriter, loc, packed.getResult(0),
      SmallVector<ReassociationIndices>{outerGroup, depthGroup, panelGroup});
}

/// Replaces `matmul` by a contraction of `left` (its rows, then the
/// `reductions` dims of K) and `packed` (panels, then K's first dim, the
/// panel's column, K's other dims) into the result viewed as panels
/// `[M][N / panel][panel]`, with the matmul's body (and its element type
/// conversions). Returns the contraction, over (row, panel, column in the
/// panel, K's dims).
static linalg::GenericOp replaceWithPanelContraction(RewriterBase &rewriter,
                                                     linalg::LinalgOp matmul,
                                                     Value left, Value packed,
                                                     int64_t panel,
                                                     unsigned reductions) {
  Location loc = matmul.getLoc();
  Value init = matmul.getDpsInits()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t panels = initType.getDimSize(1) / panel;
  SmallVector<ReassociationIndices> columnsAsPanels{{0}, {1, 2}};
  Value panelInit = tensor::ExpandShapeOp::create(
      rewriter, loc,
      RankedTensorType::get({initType.getDimSize(0), panels, panel},
                            initType.getElementType()),
      init, columnsAsPanels,
      SmallVector<OpFoldResult>{tensor::getMixedSize(rewriter, loc, init, 0),
                                rewriter.getIndexAttr(panels),
                                rewriter.getIndexAttr(panel)});

  MLIRContext *context = matmul.getContext();
  unsigned loops = 3 + reductions;
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineExpr> leftExprs{dim(0)},
      packedExprs{dim(1), dim(3), dim(2)};
  for (unsigned r = 0; r < reductions; ++r)
    leftExprs.push_back(dim(3 + r));
  for (unsigned r = 1; r < reductions; ++r)
    packedExprs.push_back(dim(3 + r));
  SmallVector<AffineMap> maps{
      AffineMap::get(loops, 0, leftExprs, context),
      AffineMap::get(loops, 0, packedExprs, context),
      AffineMap::get(loops, 0, {dim(0), dim(1), dim(2)}, context)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  iterators.append(reductions, utils::IteratorType::reduction);
  auto contraction = linalg::GenericOp::create(
      rewriter, loc, TypeRange{panelInit.getType()}, ValueRange{left, packed},
      ValueRange{panelInit}, maps, iterators);
  rewriter.cloneRegionBefore(matmul->getRegion(0), contraction.getRegion(),
                             contraction.getRegion().end());
  Value result = tensor::CollapseShapeOp::create(
      rewriter, loc, initType, contraction.getResult(0), columnsAsPanels);
  rewriter.replaceOp(matmul, result);
  return contraction;
}

/// Rewrites `matmul` (M x K times K x N) to read its right operand packed
/// into panels of `panel` columns, `[N / panel][K][panel]`: a register
/// block then streams one contiguous panel along K, where the rows of an
/// unpacked operand lie a row apart and, for power-of-two widths, all in
/// the same L1 set. Returns the contraction, a `linalg.generic` over
/// (row, panel, column in the panel, K) writing the result viewed as
/// `[M][N / panel][panel]`. The packing is a transpose of a reshape:
/// mithril-prepare-weights makes it once per instance for weights.
linalg::GenericOp mlir::mithril::packRightOperand(RewriterBase &rewriter,
                                                  linalg::LinalgOp matmul,
                                                  int64_t panel) {
  Location loc = matmul.getLoc();
  rewriter.setInsertionPoint(matmul);
  Value left = matmul.getDpsInputs()[0], right = matmul.getDpsInputs()[1];
  auto rightType = cast<RankedTensorType>(right.getType());
  int64_t depth = rightType.getDimSize(0);
  int64_t panels = rightType.getDimSize(1) / panel;
  SmallVector<ReassociationIndices> columnsAsPanels{{0}, {1, 2}};

  Value packed = packedByProducer(rewriter, right, panel);
  rewriter.setInsertionPoint(matmul);
  if (!packed) {
    Value split = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({depth, panels, panel},
                              rightType.getElementType()),
        right, columnsAsPanels);
    Value packedInit = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{panels, depth, panel},
        rightType.getElementType());
    packed = linalg::TransposeOp::create(rewriter, loc, split, packedInit,
                                         ArrayRef<int64_t>{1, 0, 2})
                 .getResult()[0];
  }
  return replaceWithPanelContraction(rewriter, matmul, left, packed, panel,
                                     /*reductions=*/1);
}

/// Whether `matmul` multiplies `operands` into `sum` elements, its K static
/// and a multiple of `group`, its right operand packable (worthPacking):
/// what a dot product on groups of K needs.
static bool fitsGroupedDotProduct(linalg::LinalgOp matmul, int64_t panel,
                                  ArrayRef<int64_t> block,
                                  function_ref<bool(Type)> operands,
                                  function_ref<bool(Type)> sum, int64_t group) {
  Value left = matmul.getDpsInputs()[0], right = matmul.getDpsInputs()[1];
  int64_t depth = cast<RankedTensorType>(right.getType()).getDimSize(0);
  return operands(getElementTypeOrSelf(left.getType())) &&
         operands(getElementTypeOrSelf(right.getType())) &&
         sum(getElementTypeOrSelf(matmul.getDpsInits()[0].getType())) &&
         !ShapedType::isDynamic(depth) && depth % group == 0 &&
         worthPacking(matmul, panel, block);
}

bool mlir::mithril::fitsBF16DotProduct(linalg::LinalgOp matmul, int64_t panel,
                                       ArrayRef<int64_t> block) {
  return fitsGroupedDotProduct(
      matmul, panel, block, [](Type type) { return type.isBF16(); },
      [](Type type) { return type.isF32(); }, 2);
}

/// Packs the right operand of `matmul` in groups of `group` rows of K,
/// `[K, N] -> [N / panel][K / group][panel][group]` (one group of a column
/// contiguous), and reads `left` (the matmul's left operand or one like
/// it) as `[M][K / group][group]`. Returns the contraction, over (row,
/// panel, column in the panel, group, element of the group).
static linalg::GenericOp packRightOperandInGroups(RewriterBase &rewriter,
                                                  linalg::LinalgOp matmul,
                                                  Value left, int64_t panel,
                                                  int64_t group) {
  Location loc = matmul.getLoc();
  rewriter.setInsertionPoint(matmul);
  Value right = matmul.getDpsInputs()[1];
  auto leftType = cast<RankedTensorType>(left.getType());
  auto rightType = cast<RankedTensorType>(right.getType());
  Type element = rightType.getElementType();
  int64_t groups = rightType.getDimSize(0) / group;
  int64_t panels = rightType.getDimSize(1) / panel;

  // [K, N] -> [K/g, g, N/panel, panel] -> [N/panel, K/g, panel, g].
  Value split = tensor::ExpandShapeOp::create(
      rewriter, loc,
      RankedTensorType::get({groups, group, panels, panel}, element), right,
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  Value packedInit = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{panels, groups, panel, group}, element);
  Value packed = linalg::TransposeOp::create(rewriter, loc, split, packedInit,
                                             ArrayRef<int64_t>{2, 0, 3, 1})
                     .getResult()[0];
  // [M, K] -> [M, K/g, g].
  SmallVector<OpFoldResult> leftSizes =
      tensor::getMixedSizes(rewriter, loc, left);
  leftSizes.back() = rewriter.getIndexAttr(groups);
  leftSizes.push_back(rewriter.getIndexAttr(group));
  SmallVector<int64_t> leftShape = {leftType.getDimSize(0), groups, group};
  Value leftGroups = tensor::ExpandShapeOp::create(
      rewriter, loc,
      RankedTensorType::get(leftShape, leftType.getElementType()), left,
      SmallVector<ReassociationIndices>{{0}, {1, 2}}, leftSizes);
  return replaceWithPanelContraction(rewriter, matmul, leftGroups, packed,
                                     panel, /*reductions=*/2);
}

linalg::GenericOp
mlir::mithril::packRightOperandInPairs(RewriterBase &rewriter,
                                       linalg::LinalgOp matmul, int64_t panel) {
  return packRightOperandInGroups(rewriter, matmul, matmul.getDpsInputs()[0],
                                  panel, 2);
}

bool mlir::mithril::fitsInt8DotProduct(linalg::LinalgOp matmul, int64_t panel,
                                       ArrayRef<int64_t> block) {
  // A few rows (a Linear layer at batch 1) would read the right operand
  // twice, once for its column sums: plain i32 sums stream it once.
  int64_t rows =
      cast<RankedTensorType>(matmul.getDpsInputs()[0].getType()).getDimSize(0);
  constexpr int64_t kFewRows = 8;
  if (!ShapedType::isDynamic(rows) && rows < kFewRows)
    return false;
  // The named matmul's body sign-extends both operands (linalg's default).
  return isa<linalg::MatmulOp>(matmul.getOperation()) &&
         fitsGroupedDotProduct(
             matmul, panel, block,
             [](Type type) { return type.isSignlessInteger(8); },
             [](Type type) { return type.isSignlessInteger(32); }, 4);
}

/// `-128 * sum_k right[k, n]` added to each row of `init` ([M, N]): what
/// reading the left operand as `left + 128` adds to the products.
static Value subtractOffsetProducts(RewriterBase &rewriter, Location loc,
                                    Value right, Value init) {
  MLIRContext *context = rewriter.getContext();
  auto rightType = cast<RankedTensorType>(right.getType());
  Type i32 = rewriter.getI32Type();
  Value zero = arith::ConstantIntOp::create(rewriter, loc, i32, 0);
  Value sumsInit =
      linalg::FillOp::create(
          rewriter, loc, zero,
          tensor::EmptyOp::create(
              rewriter, loc, ArrayRef<int64_t>{rightType.getDimSize(1)}, i32)
              .getResult())
          .getResult(0);
  // A transposed weight's sums are those of its rows: a row reduction,
  // which vectorises, where a column one would gather.
  AffineExpr outer = getAffineDimExpr(0, context),
             inner = getAffineDimExpr(1, context);
  SmallVector<AffineMap> maps{AffineMap::get(2, 0, {outer, inner}, context),
                              AffineMap::get(2, 0, {inner}, context)};
  SmallVector<utils::IteratorType> iterators{utils::IteratorType::reduction,
                                             utils::IteratorType::parallel};
  if (auto transpose = right.getDefiningOp<linalg::TransposeOp>();
      transpose && transpose.getPermutation() == ArrayRef<int64_t>{1, 0}) {
    right = transpose.getInput();
    maps[1] = AffineMap::get(2, 0, {outer}, context);
    std::swap(iterators[0], iterators[1]);
  }
  Value sums =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{sumsInit.getType()}, ValueRange{right},
          ValueRange{sumsInit}, maps, iterators,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value wide = arith::ExtSIOp::create(b, l, i32, args[0]);
            linalg::YieldOp::create(
                b, l, Value(arith::AddIOp::create(b, l, args[1], wide)));
          })
          .getResult(0);
  AffineExpr m, j;
  bindDims(context, m, j);
  AffineMap identity = AffineMap::get(2, 0, {m, j}, context);
  return parallelGeneric(
      rewriter, loc, init.getType(), ValueRange{init, sums},
      tensor::EmptyOp::create(rewriter, loc,
                              tensor::getMixedSizes(rewriter, loc, init), i32),
      {identity, AffineMap::get(2, 0, {j}, context), identity},
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value offset = arith::ShLIOp::create(
            b, l, args[1], arith::ConstantIntOp::create(b, l, i32, 7));
        return arith::SubIOp::create(b, l, args[0], offset);
      });
}

linalg::GenericOp mlir::mithril::packForInt8DotProduct(RewriterBase &rewriter,
                                                       linalg::LinalgOp matmul,
                                                       int64_t panel) {
  Location loc = matmul.getLoc();
  rewriter.setInsertionPoint(matmul);
  Value left = matmul.getDpsInputs()[0], right = matmul.getDpsInputs()[1];
  Type i8 = rewriter.getI8Type();
  // left + 128 as u8: its sign bit flipped.
  Value empty = tensor::EmptyOp::create(
      rewriter, loc, tensor::getMixedSizes(rewriter, loc, left), i8);
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(2, rewriter.getContext());
  Value offsetLeft = parallelGeneric(
      rewriter, loc, empty.getType(), left, empty, {identity, identity},
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        Value sign = arith::ConstantIntOp::create(b, l, i8, -128);
        return arith::XOrIOp::create(b, l, args[0], sign);
      });
  Value init =
      subtractOffsetProducts(rewriter, loc, right, matmul.getDpsInits()[0]);
  rewriter.modifyOpInPlace(matmul,
                           [&] { matmul.getDpsInitsMutable()[0].set(init); });
  linalg::GenericOp contraction =
      packRightOperandInGroups(rewriter, matmul, offsetLeft, panel, 4);
  // The left operand is now read unsigned.
  BlockArgument leftArgument = contraction.getBlock()->getArgument(0);
  for (Operation *user : llvm::make_early_inc_range(leftArgument.getUsers()))
    if (auto extend = dyn_cast<arith::ExtSIOp>(user)) {
      rewriter.setInsertionPoint(extend);
      rewriter.replaceOpWithNewOp<arith::ExtUIOp>(extend, extend.getType(),
                                                  leftArgument);
    }
  return contraction;
}

/// Splits each of `parts` along its static loop `dim` (upstream's
/// linalg::splitOp) into a part whose extent is a multiple of the first
/// of `tiles`, and a remainder; then each part by the next tile, and so on.
/// Each part's tiles are then full and static, and only the remainders'
/// register blocks are masked. (Tiling 1000 rows by 64 gives every block a
/// dynamic size, and every register block a mask.)
void mlir::mithril::splitFullTiles(RewriterBase &rewriter,
                                   SmallVector<linalg::LinalgOp> &parts,
                                   unsigned dim, ArrayRef<int64_t> tiles) {
  for (int64_t tile : tiles) {
    SmallVector<linalg::LinalgOp> next;
    for (linalg::LinalgOp part : parts) {
      int64_t extent = part.getStaticLoopRanges()[dim];
      if (ShapedType::isDynamic(extent) || extent <= tile ||
          extent % tile == 0) {
        next.push_back(part);
        continue;
      }
      rewriter.setInsertionPoint(part);
      auto [full, rest] =
          linalg::splitOp(rewriter, cast<TilingInterface>(part.getOperation()),
                          dim, rewriter.getIndexAttr(extent - extent % tile));
      if (!full || !rest) {
        next.push_back(part);
        continue;
      }
      next.push_back(cast<linalg::LinalgOp>(full.getOperation()));
      next.push_back(cast<linalg::LinalgOp>(rest.getOperation()));
    }
    parts = std::move(next);
  }
}

/// Splits `op` along its loop `loop` (read by operand `operand` in its
/// dim `dim`) at the largest multiple of `size`; null ops if it cannot.
std::pair<TilingInterface, TilingInterface>
mlir::mithril::splitDynamicLoop(RewriterBase &rewriter, linalg::LinalgOp op,
                                unsigned loop, Value operand, unsigned dim,
                                int64_t size) {
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  AffineExpr d0 = rewriter.getAffineDimExpr(0);
  OpFoldResult splitPoint = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0.floorDiv(size) * size,
      {tensor::getMixedSize(rewriter, loc, operand, dim)});
  return linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                         loop, splitPoint);
}

/// `op` (on tensors, every map a projected permutation; the extent of its
/// loop `loop` a multiple of `size`) with that loop split in two, (group,
/// index in the group), and every operand indexed by it expanded the
/// same way: a register block of a group then has a static extent there,
/// however many the groups. Its results are collapsed back.
linalg::LinalgOp mlir::mithril::groupLoop(RewriterBase &rewriter,
                                          TilingInterface op, unsigned loop,
                                          int64_t size) {
  auto linalgOp = cast<linalg::LinalgOp>(op.getOperation());
  Location loc = linalgOp.getLoc();
  MLIRContext *context = linalgOp.getContext();
  rewriter.setInsertionPoint(linalgOp);
  unsigned numLoops = linalgOp.getNumLoops();
  auto newDim = [&](unsigned dim) {
    return getAffineDimExpr(dim > loop ? dim + 1 : dim, context);
  };
  AffineExpr d0 = rewriter.getAffineDimExpr(0);

  SmallVector<Value> inputs, inits;
  SmallVector<AffineMap> maps;
  SmallVector<SmallVector<ReassociationIndices>> ungroupings;
  for (OpOperand &operand : linalgOp->getOpOperands()) {
    AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
    SmallVector<AffineExpr> results;
    SmallVector<ReassociationIndices> reassociation;
    for (AffineExpr result : map.getResults()) {
      unsigned dim = cast<AffineDimExpr>(result).getPosition();
      ReassociationIndices group{int64_t(results.size())};
      results.push_back(newDim(dim));
      if (dim == loop) {
        group.push_back(results.size());
        results.push_back(getAffineDimExpr(loop + 1, context));
      }
      reassociation.push_back(group);
    }
    maps.push_back(AffineMap::get(numLoops + 1, 0, results, context));
    Value value = operand.get();
    if (results.size() != map.getNumResults()) {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<OpFoldResult> sizes;
      SmallVector<int64_t> shape;
      for (auto [dim, group] : llvm::enumerate(reassociation)) {
        OpFoldResult extent = tensor::getMixedSize(rewriter, loc, value, dim);
        if (group.size() == 1) {
          sizes.push_back(extent);
          shape.push_back(type.getDimSize(dim));
          continue;
        }
        sizes.push_back(affine::makeComposedFoldedAffineApply(
            rewriter, loc, d0.floorDiv(size), {extent}));
        sizes.push_back(rewriter.getIndexAttr(size));
        shape.append({ShapedType::kDynamic, size});
      }
      value = tensor::ExpandShapeOp::create(rewriter, loc, type.clone(shape),
                                            value, reassociation, sizes);
    }
    if (linalgOp.isDpsInit(&operand)) {
      inits.push_back(value);
      ungroupings.push_back(reassociation);
    } else {
      inputs.push_back(value);
    }
  }
  SmallVector<utils::IteratorType> iterators = linalgOp.getIteratorTypesArray();
  iterators.insert(iterators.begin() + loop + 1, iterators[loop]);
  auto grouped =
      linalg::GenericOp::create(rewriter, loc, ValueRange(inits).getTypes(),
                                inputs, inits, maps, iterators);
  rewriter.cloneRegionBefore(linalgOp->getRegion(0), grouped.getRegion(),
                             grouped.getRegion().end());
  SmallVector<Value> results;
  for (auto [result, original, ungroup] :
       llvm::zip(grouped.getResults(), linalgOp->getResults(), ungroupings))
    results.push_back(tensor::CollapseShapeOp::create(
        rewriter, loc, original.getType(), result, ungroup));
  rewriter.replaceOp(linalgOp, results);
  return grouped;
}

/// Tiles `op` into cache blocks: with `parallel`, the batch, row and
/// column blocks in one scf.forall, the blocks of the reduction dims (K, or
/// K's pairs and their elements) in scf.for loops inside it.
static FailureOr<linalg::LinalgOp> tileCacheBlocks(RewriterBase &rewriter,
                                                   linalg::LinalgOp op,
                                                   ArrayRef<int64_t> sizes,
                                                   bool parallel) {
  if (!parallel)
    return tileWithLoops(rewriter, op, sizes);
  SmallVector<int64_t> across(sizes), along(sizes.size(), 0);
  for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if (iterator == utils::IteratorType::reduction)
      std::swap(across[dim], along[dim]);
  FailureOr<linalg::LinalgOp> block =
      tileWithLoops(rewriter, op, across, /*parallel=*/true);
  if (failed(block))
    return failure();
  return tileWithLoops(rewriter, *block, along);
}

/// Tiles `op` into cache blocks of `outer`, then register blocks of
/// `inner` (0: not tiled); a static dim no larger than a tile is not
/// tiled. Returns the register block.
FailureOr<linalg::LinalgOp>
mlir::mithril::tileBlocks(RewriterBase &rewriter, linalg::LinalgOp op,
                          SmallVector<int64_t> outer,
                          SmallVector<int64_t> inner, bool parallel) {
  for (auto [dim, size] : llvm::enumerate(op.getStaticLoopRanges())) {
    if (ShapedType::isDynamic(size))
      continue;
    if (size <= outer[dim])
      outer[dim] = 0;
    if (size <= inner[dim])
      inner[dim] = 0;
  }
  FailureOr<linalg::LinalgOp> block =
      tileCacheBlocks(rewriter, op, outer, parallel);
  if (failed(block))
    return failure();
  return tileWithLoops(rewriter, *block, inner);
}

/// The vector sizes of a register block tiled by `inner`: the tile, or
/// the whole of a static dim no larger than it.
SmallVector<int64_t>
mlir::mithril::getRegisterBlockSizes(linalg::LinalgOp block,
                                     ArrayRef<int64_t> inner) {
  SmallVector<int64_t> sizes(inner);
  for (auto [dim, size] : llvm::enumerate(block.getStaticLoopRanges()))
    if (!ShapedType::isDynamic(size) && size <= inner[dim])
      sizes[dim] = size;
  return sizes;
}

/// Where `result` (a contraction's, with folded row dims) is only expanded
/// back for an elementwise op (a Linear layer on [N, T, C] followed by an
/// activation), folds the elementwise op's dims the same way (upstream's
/// collapseOpIterationDims), so that it reads `result` itself: it can then
/// be an epilogue. Leaves the IR as it is where it cannot.
void mlir::mithril::foldReshapeIntoConsumer(RewriterBase &rewriter,
                                            Value result) {
  if (!result.hasOneUse())
    return;
  auto expand = dyn_cast<tensor::ExpandShapeOp>(*result.getUsers().begin());
  if (!expand || !expand.getResult().hasOneUse())
    return;
  OpOperand &use = *expand.getResult().use_begin();
  auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
  SmallVector<ReassociationIndices> groups = expand.getReassociationIndices();
  if (!consumer || !consumer.hasPureTensorSemantics() ||
      consumer.getNumReductionLoops() != 0 || !consumer.isDpsInput(&use) ||
      !consumer.getMatchingIndexingMap(&use).isIdentity() ||
      !linalg::areDimSequencesPreserved(consumer.getIndexingMapsArray(),
                                        groups))
    return;
  // Upstream's collapsing builds invalid reshapes for an operand read at a
  // constant index (a [N, T, 1] row scale broadcast along its last dim).
  if (!llvm::all_of(consumer.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return;
  rewriter.setInsertionPoint(consumer);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(consumer, groups, rewriter);
  if (failed(collapsed))
    return;
  rewriter.replaceOp(consumer, collapsed->results);
  // The folded op reads a collapse of the expansion: `result`.
  Operation *folded = collapsed->collapsedOp;
  for (OpOperand &operand : folded->getOpOperands())
    if (auto collapse = operand.get().getDefiningOp<tensor::CollapseShapeOp>())
      if (collapse.getSrc() == expand.getResult() &&
          collapse.getResultType() == result.getType())
        rewriter.modifyOpInPlace(folded, [&] { operand.set(result); });
  for (Operation *user : llvm::make_early_inc_range(expand->getUsers()))
    if (user->use_empty())
      rewriter.eraseOp(user);
  if (expand->use_empty())
    rewriter.eraseOp(expand);
}

/// The elementwise op that is the only user of `result` (a contraction's
/// result), if it can be applied to each block of the contraction in place:
/// all loops parallel, of arith and math, reading `result` by its identity
/// map, and writing an init whose value it does not read (a bias-add's or
/// activation's, not an accumulation's).
linalg::GenericOp mlir::mithril::epilogueOf(Value result) {
  if (!result.hasOneUse())
    return {};
  OpOperand &use = *result.use_begin();
  auto epilogue = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!epilogue || !epilogue.hasPureTensorSemantics() ||
      epilogue.getNumDpsInits() != 1 || epilogue.getNumReductionLoops() != 0 ||
      !epilogue.isDpsInput(&use) ||
      !epilogue.getMatchingIndexingMap(&use).isIdentity() ||
      epilogue.getResult(0).getType() != result.getType())
    return {};
  OpOperand *init = epilogue.getDpsInitOperand(0);
  if (!epilogue.getMatchingIndexingMap(init).isIdentity() ||
      epilogue.payloadUsesValueFromOperand(init))
    return {};
  for (Operation &op : epilogue.getBody()->without_terminator())
    if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()))
      return {};
  for (AffineMap map : epilogue.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return {};
  return epilogue;
}

/// Applies `epilogue` (see epilogueOf), the only user of `result`, to each
/// block of `forall` in place, after the block's last step of K and before
/// it is written back: an activation or residual add then reads the block
/// while it is in cache, and `result` becomes the epilogue's. `result` is
/// the forall's result, or with `panel` a collapse of it from panels
/// ([M][N / panel][panel], see packRightOperand). Failure leaves the IR as
/// it is.
LogicalResult mlir::mithril::fuseEpilogue(RewriterBase &rewriter,
                                          scf::ForallOp forall, Value result,
                                          linalg::GenericOp epilogue,
                                          std::optional<int64_t> panel) {
  if (forall->getNumResults() != 1)
    return failure();
  DominanceInfo dominance;
  OpOperand &use = *result.use_begin();
  for (Value input : epilogue.getDpsInputs())
    if (input != result && !dominance.properlyDominates(input, forall))
      return failure();
  scf::InParallelOp terminator = forall.getTerminator();
  if (!llvm::hasSingleElement(terminator.getYieldingOps()))
    return failure();
  auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(
      *terminator.getYieldingOps().begin());
  if (!insert || !insert.hasUnitStride())
    return failure();

  // The block, and where it lies in the epilogue's iteration space.
  rewriter.setInsertionPoint(terminator);
  Location loc = epilogue.getLoc();
  Value block = insert.getSource();
  SmallVector<OpFoldResult> offsets = insert.getMixedOffsets();
  SmallVector<OpFoldResult> sizes = insert.getMixedSizes();
  SmallVector<ReassociationIndices> panelsAsColumns{{0}, {1, 2}};
  if (panel) {
    AffineExpr panels = rewriter.getAffineDimExpr(0) * *panel;
    offsets = {offsets[0], affine::makeComposedFoldedAffineApply(
                               rewriter, loc, panels, {offsets[1]})};
    sizes = {sizes[0], affine::makeComposedFoldedAffineApply(
                           rewriter, loc, panels, {sizes[1]})};
    block =
        tensor::CollapseShapeOp::create(rewriter, loc, block, panelsAsColumns);
  }
  FailureOr<TilingResult> tiled =
      cast<TilingInterface>(epilogue.getOperation())
          .getTiledImplementation(rewriter, offsets, sizes);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return failure();
  // The tiled epilogue reads the block and writes into it.
  Operation *sliced = tiled->tiledOps.front();
  SmallVector<Value> operands(sliced->getOperands());
  operands[use.getOperandNumber()] = block;
  operands.back() = block;
  Operation *applied =
      clone(rewriter, sliced, TypeRange{block.getType()}, operands);
  rewriter.eraseOp(sliced);
  for (Operation *slice : tiled->generatedSlices)
    if (slice->use_empty())
      rewriter.eraseOp(slice);
  Value written = applied->getResult(0);
  if (panel)
    written = tensor::ExpandShapeOp::create(
        rewriter, loc, insert.getSource().getType(), written, panelsAsColumns,
        tensor::getMixedSizes(rewriter, loc, insert.getSource()));
  rewriter.modifyOpInPlace(insert,
                           [&] { insert.getSourceMutable().assign(written); });
  rewriter.replaceOp(epilogue, result);
  return success();
}

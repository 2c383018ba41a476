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

#include "mithril/Codegen/Tiling.h"
#include "mithril/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/SmallBitVector.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISE
#include "mithril/Target/CPU/Passes.h.inc"
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

/// Whether `op` reads or writes tensors of bools: a vector of i1 is stored
/// as bits, a tensor of i1 as bytes, so such ops are not vectorised. A bool
/// read as one scalar (an optimizer's first-step flag, indexed by no loop)
/// is loaded once and broadcast, which is safe.
bool touchesBools(linalg::LinalgOp op) {
  return llvm::any_of(op->getOpOperands(), [&](OpOperand &operand) {
    return getElementTypeOrSelf(operand.get().getType()).isInteger(1) &&
           op.getMatchingIndexingMap(&operand).getNumResults() != 0;
  });
}

/// Whether the body of `op` is arith and math only, reading loop indices at
/// most (a causal mask compares them).
bool computesArithOnly(linalg::LinalgOp op) {
  return llvm::all_of(op.getBlock()->without_terminator(), [](Operation &op) {
    return isa<linalg::IndexOp>(op) ||
           isa<arith::ArithDialect, math::MathDialect>(op.getDialect());
  });
}

/// `coefficient * d<loop>`, a term of an affine sum.
struct Term {
  unsigned loop;
  int64_t coefficient;
};

/// The terms of `expr` if it is a sum of loops times positive constants.
std::optional<SmallVector<Term>> linearTerms(AffineExpr expr) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr))
    return SmallVector<Term>{{dim.getPosition(), 1}};
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  if (binary.getKind() == AffineExprKind::Mul) {
    auto dim = dyn_cast<AffineDimExpr>(binary.getLHS());
    auto constant = dyn_cast<AffineConstantExpr>(binary.getRHS());
    if (!dim || !constant || constant.getValue() <= 0)
      return std::nullopt;
    return SmallVector<Term>{{dim.getPosition(), constant.getValue()}};
  }
  if (binary.getKind() != AffineExprKind::Add)
    return std::nullopt;
  std::optional<SmallVector<Term>> lhs = linearTerms(binary.getLHS());
  std::optional<SmallVector<Term>> rhs = linearTerms(binary.getRHS());
  if (!lhs || !rhs)
    return std::nullopt;
  llvm::append_range(*lhs, *rhs);
  return lhs;
}

/// Whether `op` copies its input through a window (an im2col): an
/// all-parallel generic on buffers yielding its one input into its
/// identity-mapped init, the input indexed by constants and sums of loops
/// times strides (`o * stride + k * dilation`), each loop read once, the
/// innermost loop in the input's last dim only. Upstream's vectoriser
/// refuses such maps, which are no projected permutations.
bool isWindowCopy(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || !mlir::mithril::isCopyGeneric(op))
    return false;
  AffineMap map = op.getIndexingMapsArray()[0];
  if (map.getNumResults() == 0 || map.isProjectedPermutation(true))
    return false;
  unsigned innermost = op.getNumLoops() - 1;
  llvm::SmallBitVector seen(op.getNumLoops());
  for (auto [i, result] : llvm::enumerate(map.getResults())) {
    if (isa<AffineConstantExpr>(result))
      continue;
    std::optional<SmallVector<Term>> terms = linearTerms(result);
    if (!terms)
      return false;
    for (const Term &term : *terms) {
      if (seen.test(term.loop) ||
          (term.loop == innermost && i + 1 != map.getNumResults()))
        return false;
      seen.set(term.loop);
    }
  }
  return seen.test(innermost);
}

/// A tile of a window copy whose loops but the innermost have extent 1 as a
/// copy of rows: inside the tile those loops are 0 (the window's offsets are
/// in the tile's view of the input), so the input is read along its last dim
/// only, with the innermost loop's stride: a strided view read through a
/// projected permutation, which upstream vectorises.
linalg::LinalgOp windowTileAsRows(RewriterBase &rewriter, linalg::LinalgOp op) {
  Location loc = op.getLoc();
  MLIRContext *context = op.getContext();
  unsigned loops = op.getNumLoops(), innermost = loops - 1;
  Value input = op.getDpsInputs()[0], output = op.getDpsInits()[0];
  AffineMap map = op.getIndexingMapsArray()[0];
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<AffineExpr> exprs;
  for (AffineExpr result : map.getResults()) {
    int64_t stride = 0;
    std::optional<SmallVector<Term>> terms = linearTerms(result);
    for (const Term &term : terms ? *terms : SmallVector<Term>{})
      if (term.loop == innermost)
        stride = term.coefficient;
    offsets.push_back(rewriter.getIndexAttr(0));
    sizes.push_back(stride
                        ? memref::getMixedSize(rewriter, loc, output, innermost)
                        : rewriter.getIndexAttr(1));
    strides.push_back(rewriter.getIndexAttr(stride ? stride : 1));
    exprs.push_back(stride ? getAffineDimExpr(innermost, context)
                           : getAffineConstantExpr(0, context));
  }
  Value rows =
      memref::SubViewOp::create(rewriter, loc, input, offsets, sizes, strides);
  auto copy = linalg::GenericOp::create(
      rewriter, loc, TypeRange{}, ValueRange{rows}, ValueRange{output},
      SmallVector<AffineMap>{AffineMap::get(loops, 0, exprs, context),
                             op.getIndexingMapsArray()[1]},
      op.getIteratorTypesArray(),
      [](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(b, l, args[0]);
      });
  rewriter.eraseOp(op);
  return copy;
}

/// Whether no parallel loop of `op` comes after a reduction loop.
bool reductionsInnermost(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto firstReduction = llvm::find(iterators, utils::IteratorType::reduction);
  return std::find(firstReduction, iterators.end(),
                   utils::IteratorType::parallel) == iterators.end();
}

/// A tile width for a dim of static extent `range` that divides it, more
/// than half of `width` and at most `width` where there is one (56 columns
/// as 4 x 14 rather than 3 x 16 and a masked 8); `width` otherwise. For
/// strided rows only: a masked strided read becomes a branch per lane,
/// where a masked contiguous one is a masked load.
int64_t evenWidth(int64_t range, int64_t width) {
  if (ShapedType::isDynamic(range) || range <= width)
    return width;
  for (int64_t candidate = width; 2 * candidate > width; --candidate)
    if (range % candidate == 0)
      return candidate;
  return width;
}

/// Whether `op` reads rows with a stride: a window copy, or a view of
/// every other column (a stride-2 pooling's), which vector reads gather
/// element by element.
bool readsStridedRows(linalg::LinalgOp op, bool window) {
  return window || llvm::any_of(op.getDpsInputs(), [](Value input) {
           auto type = dyn_cast<MemRefType>(input.getType());
           SmallVector<int64_t> strides;
           int64_t offset;
           return type && type.getRank() != 0 &&
                  succeeded(type.getStridesAndOffset(strides, offset)) &&
                  strides.back() != 1;
         });
}

/// The shortest row of a window copy that is vectorised.
constexpr int64_t kShortestWindowRow = 4;

/// The vector registers a row reduction takes at a time: a longer row is
/// reduced a chunk after the other (a LayerNorm row of 768 floats as one
/// vector spilled 48 registers to the stack, a fifth of a GPT block's time).
constexpr int64_t kReducedRegisters = 8;

/// How `op`, on buffers, is vectorised: the tile widths of its last dims
/// (see tileAndVectorize), or nothing if it is left for loops.
/// - a fill, an all-parallel generic or map of arith and math (a map is
///   how bufferisation fills a padded buffer), a copy or a transpose that
///   keeps the innermost dim, each operand reading along
///   the innermost loop or not at all (for a generic, also through a kept
///   unit dim: LayerNorm's and softmax's per-row statistics, [N, T, 1]):
///   a row and `lanes` elements;
/// - a transpose that moves the innermost dim (a swap of the last two):
///   `lanes` x `lanes` squares, a transposed read and a contiguous write;
/// - a generic whose only reduction is the innermost loop, of static extent
///   (softmax's sums and maxima, LayerNorm's moments, their kept dims
///   indexed by 0): a row, in chunks of kReducedRegisters vectors.
std::optional<SmallVector<int64_t>> vectorWidths(linalg::LinalgOp op,
                                                 int64_t lanes) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 || touchesBools(op))
    return std::nullopt;
  if (isa<linalg::FillOp>(op.getOperation()))
    return SmallVector<int64_t>{lanes};
  if (isa<linalg::TransposeOp, linalg::CopyOp>(op.getOperation())) {
    if (readsAlongInnermostLoop(op))
      return SmallVector<int64_t>{lanes};
    if (isa<linalg::TransposeOp>(op.getOperation()) && op.getNumLoops() >= 2)
      return SmallVector<int64_t>{lanes, lanes};
    return std::nullopt;
  }
  if (isWindowCopy(op)) {
    // Shorter rows (the 1 x 1 outputs of a deep network) cost more per row
    // than scalar loops do: the overview's network at batch 64 took 0.40
    // ms with them vectorised, 0.26 without.
    int64_t row = op.getStaticLoopRanges().back();
    if (!ShapedType::isDynamic(row) && row < kShortestWindowRow)
      return std::nullopt;
    return SmallVector<int64_t>{lanes};
  }
  if (!isa<linalg::GenericOp, linalg::MapOp>(op.getOperation()) ||
      !computesArithOnly(op))
    return std::nullopt;
  if (op.getNumReductionLoops() == 0)
    return readsAlongInnermostLoop(op, /*allowUnitDims=*/true)
               ? std::optional(SmallVector<int64_t>{lanes})
               : std::nullopt;
  int64_t row = op.getStaticLoopRanges().back();
  if (!reductionsInnermost(op) ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      ShapedType::isDynamic(row) ||
      !readsAlongInnermostLoop(op, /*allowUnitDims=*/true))
    return std::nullopt;
  return SmallVector<int64_t>{std::min(row, kReducedRegisters * lanes)};
}

struct VectorizeElementwisePass
    : mlir::mithril::impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    copiesAsLinalg();
    reductionsParallelFirst();
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<int64_t>>> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<SmallVector<int64_t>> widths = vectorWidths(op, lanes))
        candidates.emplace_back(op, std::move(*widths));
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, widths] : candidates)
      tileAndVectorize(rewriter, op, widths);

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

  /// Reductions over outer dims (BatchNorm's statistics and gradients,
  /// [N, C, H, W] to [C]) with their parallel loops first, so that they
  /// are split across threads by those and reduce rows of their innermost
  /// dim; trailing reduced dims, where contiguous, folded into one row
  /// ([N, C, H * W]). Left as they were, such reductions became serial
  /// scalar loops: in a ResNet-18 train step, 45 M elements a step.
  void reductionsParallelFirst() {
    SmallVector<linalg::GenericOp> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics() && op.getNumReductionLoops() != 0 &&
          op.getNumParallelLoops() != 0 && !reductionsInnermost(op) &&
          computesArithOnly(op) && !touchesBools(op))
        reductions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : reductions) {
      SmallVector<unsigned> order;
      for (utils::IteratorType kind :
           {utils::IteratorType::parallel, utils::IteratorType::reduction})
        for (auto [loop, type] : llvm::enumerate(op.getIteratorTypesArray()))
          if (type == kind)
            order.push_back(loop);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> interchanged =
          linalg::interchangeGenericOp(rewriter, op, order);
      if (succeeded(interchanged))
        foldTrailingReductions(rewriter, *interchanged);
    }
  }

  /// Folds the longest run of trailing reduction loops of `op` that every
  /// operand reads contiguously into one loop. Only where every map is a
  /// projected permutation and every buffer contiguous (upstream's
  /// collapsing wants both).
  static void foldTrailingReductions(RewriterBase &rewriter,
                                     linalg::GenericOp op) {
    auto contiguous = [](Type type) {
      auto memref = dyn_cast<MemRefType>(type);
      return !memref || memref.getLayout().isIdentity();
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (!llvm::all_of(op->getOperandTypes(), contiguous) ||
        !llvm::all_of(
            maps, [](AffineMap map) { return map.isProjectedPermutation(); }))
      return;
    unsigned loops = op.getNumLoops();
    unsigned first = loops - op.getNumReductionLoops();
    for (; first + 1 < loops; ++first) {
      ReassociationIndices run;
      for (unsigned loop = first; loop < loops; ++loop)
        run.push_back(loop);
      if (!linalg::areDimSequencesPreserved(maps, {run}))
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, {run}, rewriter);
      if (succeeded(collapsed))
        rewriter.replaceOp(op, collapsed->results);
      return;
    }
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
    bool window = isWindowCopy(op);
    bool strided = readsStridedRows(op, window);
    size_t firstInner = ranges.size() - widths.size();
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (i < firstInner) {
        if (ranges[i] == 1)
          tiles[i] = 0;
        continue;
      }
      int64_t width = widths[i - firstInner];
      tiles[i] = vectorSizes[i] = strided ? evenWidth(ranges[i], width) : width;
      if (!ShapedType::isDynamic(ranges[i]) && ranges[i] <= tiles[i]) {
        tiles[i] = 0;
        vectorSizes[i] = ranges[i];
      }
    }
    FailureOr<linalg::LinalgOp> tiled = mlir::mithril::tileWithLoops(
        rewriter, op, tiles, parallel && worthThreads(op, ranges));
    if (failed(tiled))
      return;
    if (window)
      tiled = windowTileAsRows(rewriter, *tiled);
    (void)mlir::mithril::vectorizeWithMasks(rewriter, *tiled, vectorSizes);
  }
};

} // namespace

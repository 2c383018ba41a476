//===- Contractions.h - How matmuls are blocked -----------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The decisions behind a fast matmul that do not depend on the machine's
// instructions: recognising a contraction as a matmul, reading its right
// operand packed into panels, blocking it for caches and registers with
// static, full tiles where the extents allow, grouping a dynamic extent so
// that blocks stay static, and applying an elementwise consumer to each
// block while it is in cache. The CPU's vectoriser
// (mithril/Target/CPU/ContractionVectorizer.h) is built from them; a GPU
// pipeline reuses them with thread blocks for cache blocks and threads'
// tiles for register blocks.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_CONTRACTIONS_H
#define MITHRIL_CODEGEN_CONTRACTIONS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

#include <optional>

namespace mlir::mithril {

/// How a matmul is blocked: register blocks of M x N (one step of K at a
/// time) inside cache blocks of M x N x K; with `parallel`, the cache
/// blocks of the batch, row and column dims run on threads; with `pack`,
/// right operands are read packed into panels where it pays.
struct ContractionBlocking {
  SmallVector<int64_t> registerBlock{8, 32};
  SmallVector<int64_t> cacheBlock{64, 256, 256};
  bool parallel = false;
  bool pack = true;
  /// Whether bf16 matmuls summed in f32 use the AVX-512 BF16 dot product
  /// (`vdpbf16ps`: two products per lane), their right operands packed in
  /// pairs of K (packRightOperandInPairs).
  bool bf16DotProducts = false;
  /// Whether int8 matmuls summed in i32 use the AVX-512 VNNI dot product
  /// (`vpdpbusd`: four products per lane), their right operands packed in
  /// groups of four rows of K (packForInt8DotProduct).
  bool int8DotProducts = false;
};

/// `op` as a `linalg.matmul` or `linalg.batch_matmul` with upstream's
/// default maps (several batch, row, column or depth dims folded into one
/// first); failure if `op` is no such contraction of floats. A transposed
/// right operand (a Linear layer's `x * W^T`) is read through a
/// `linalg.transpose` when it is a parameter (made once per instance by
/// mithril-prepare-weights) or the rows are at least as many as the
/// columns; otherwise (a batch of activations; dynamic rows count as few)
/// the transposed product `W * x^T` is computed, transposing the smaller
/// operand and the result.
FailureOr<linalg::LinalgOp> normalizeToMatmul(RewriterBase &rewriter,
                                              linalg::LinalgOp op);

/// `matmul` (of normalizeToMatmul) with its left operand widened to the
/// sum's type once, where it is a narrower float that is not a weight (f16
/// or bf16 activations of mithril-apply-precision): register blocks
/// broadcast one element of it per row and step of K, and converting each
/// time costs three instructions per element and row block (M·K·N/panel
/// conversions instead of M·K). Right operands stay narrow: a vector of
/// them converts in one instruction, and they move half the bytes.
linalg::LinalgOp widenLeftOperand(RewriterBase &rewriter,
                                  linalg::LinalgOp matmul);

/// Whether the right operand of `matmul` is to be read from panels of
/// `panel` columns (see packRightOperand), given the cache block `block`.
bool worthPacking(linalg::LinalgOp matmul, int64_t panel,
                  ArrayRef<int64_t> block);

/// Rewrites `matmul` (M x K times K x N) to read its right operand packed
/// into panels of `panel` columns, `[N / panel][K][panel]`. Returns the
/// contraction, a `linalg.generic` over (row, panel, column in the panel,
/// K) writing the result viewed as `[M][N / panel][panel]`.
linalg::GenericOp packRightOperand(RewriterBase &rewriter,
                                   linalg::LinalgOp matmul, int64_t panel);

/// Whether `matmul` can use the bf16 dot product: bf16 operands summed in
/// f32, K static and even, the right operand packable (worthPacking).
bool fitsBF16DotProduct(linalg::LinalgOp matmul, int64_t panel,
                        ArrayRef<int64_t> block);

/// packRightOperand for the bf16 dot product, which multiplies pairs of
/// K: the right operand packed as `[N / panel][K / 2][panel][2]` (a pair of
/// rows interleaved, one lane a column), the left one viewed as
/// `[M][K / 2][2]`. Returns the contraction, a `linalg.generic` over (row,
/// panel, column in the panel, pair, element of the pair).
linalg::GenericOp packRightOperandInPairs(RewriterBase &rewriter,
                                          linalg::LinalgOp matmul,
                                          int64_t panel);

/// Whether `matmul` can use the int8 dot product: a `linalg.matmul` of
/// int8 operands summed in i32, K static and a multiple of 4, the right
/// operand packable (worthPacking), and not a static handful of rows.
bool fitsInt8DotProduct(linalg::LinalgOp matmul, int64_t panel,
                        ArrayRef<int64_t> block);

/// packRightOperand for the int8 dot product (`vpdpbusd`), which multiplies
/// unsigned bytes by signed ones, four of K a lane: the left operand is
/// read as `left + 128` (its sign bits flipped, `[M][K / 4][4]`), the
/// products that adds (`128 * sum_k right[k, n]`) are subtracted from the
/// initial value, and the right operand is packed as
/// `[N / panel][K / 4][panel][4]` (a weight's once per instance). Returns
/// the contraction, a `linalg.generic` over (row, panel, column in the
/// panel, group of four, element of the group) whose body reads the left
/// operand unsigned.
linalg::GenericOp packForInt8DotProduct(RewriterBase &rewriter,
                                        linalg::LinalgOp matmul, int64_t panel);

/// Splits each of `parts` along its static loop `dim` into a part whose
/// extent is a multiple of the first of `tiles` and a remainder, then each
/// part by the next tile, and so on: each part's tiles are then full and
/// static, and only the remainders' register blocks are partial.
void splitFullTiles(RewriterBase &rewriter,
                    SmallVector<linalg::LinalgOp> &parts, unsigned dim,
                    ArrayRef<int64_t> tiles);

/// Splits `op` along its loop `loop` (read by operand `operand` in its dim
/// `dim`) at the largest multiple of `size`; null ops if it cannot.
std::pair<TilingInterface, TilingInterface>
splitDynamicLoop(RewriterBase &rewriter, linalg::LinalgOp op, unsigned loop,
                 Value operand, unsigned dim, int64_t size);

/// `op` (on tensors, every map a projected permutation; the extent of its
/// loop `loop` a multiple of `size`) with that loop split in two, (group,
/// index in the group), and every operand indexed by it expanded the same
/// way: a block of a group then has a static extent there, however many the
/// groups. Its results are collapsed back.
linalg::LinalgOp groupLoop(RewriterBase &rewriter, TilingInterface op,
                           unsigned loop, int64_t size);

/// Tiles `op` into cache blocks of `outer`, then register blocks of
/// `inner` (0: not tiled); a static dim no larger than a tile is not
/// tiled. With `parallel`, the cache blocks but K's form an scf.forall.
/// Returns the register block.
FailureOr<linalg::LinalgOp> tileBlocks(RewriterBase &rewriter,
                                       linalg::LinalgOp op,
                                       SmallVector<int64_t> outer,
                                       SmallVector<int64_t> inner,
                                       bool parallel);

/// The vector sizes of a register block tiled by `inner`: the tile, or the
/// whole of a static dim no larger than it.
SmallVector<int64_t> getRegisterBlockSizes(linalg::LinalgOp block,
                                           ArrayRef<int64_t> inner);

/// Where `result` (a contraction's, with folded row dims) is only expanded
/// back for an elementwise op, folds the elementwise op's dims the same way
/// so that it reads `result` itself; leaves the IR as it is where it
/// cannot.
void foldReshapeIntoConsumer(RewriterBase &rewriter, Value result);

/// The elementwise op that is the only user of `result` (a contraction's
/// result), if it can be applied to each block of the contraction in place.
linalg::GenericOp epilogueOf(Value result);

/// Applies `epilogue` (see epilogueOf), the only user of `result`, to each
/// block of `forall` in place, after the block's last step of K and before
/// it is written back. `result` is the forall's result, or with `panel` a
/// collapse of it from panels. Failure leaves the IR as it is.
LogicalResult fuseEpilogue(RewriterBase &rewriter, scf::ForallOp forall,
                           Value result, linalg::GenericOp epilogue,
                           std::optional<int64_t> panel);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_CONTRACTIONS_H

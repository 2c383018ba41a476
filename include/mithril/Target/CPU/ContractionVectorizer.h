//===- ContractionVectorizer.h - Matmuls as vector code for CPUs -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The CPU's matmul kernels, generated: the algorithm of
// mithril-vectorize-contractions (see its description in Passes.td), as
// functions a pipeline can call one matmul at a time.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CPU_CONTRACTIONVECTORIZER_H
#define MITHRIL_TARGET_CPU_CONTRACTIONVECTORIZER_H

#include "mithril/Codegen/Contractions.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::mithril {

/// Blocks, vectorises and lowers every contraction in `root` that is a
/// matmul or a batch matmul of floats (the whole pass).
LogicalResult vectorizeContractions(Operation *root,
                                    const ContractionBlocking &blocking);

/// Tiles one matmul (a `linalg.matmul` or `linalg.batch_matmul` of
/// normalizeToMatmul, split by splitFullTiles) into cache and register
/// blocks and vectorises the register block; with `blocking.parallel` its
/// elementwise consumer becomes the epilogue of each cache block. Leaves it
/// as it is where it cannot.
void vectorizeMatmul(RewriterBase &rewriter, linalg::LinalgOp matmul,
                     const ContractionBlocking &blocking);

/// The same for a matmul packRightOperand made: cache blocks of whole
/// panels, register blocks of one panel; a dynamic number of rows split at
/// a multiple of the register block's and grouped (groupLoop), the last
/// few rows taken one at a time.
void vectorizePackedMatmul(RewriterBase &rewriter, linalg::GenericOp matmul,
                           const ContractionBlocking &blocking);

/// Lowers the register blocks of packRightOperandInPairs (bf16 pairs of K
/// into f32) in `root` to `x86vector.avx512.dot`: one per row and 16
/// columns of the block and pair of K.
LogicalResult lowerBF16PairsToDotProducts(Operation *root);

/// A register block of a matmul packed in groups of K (pairs of bf16,
/// fours of int8): `acc[m, j] += lhs[m, t] * rhs[j, t]` over the `group`
/// elements t of a group, `lhs` vector<rows x group>, `rhs` vector<columns
/// x group> (the groups of a panel's columns, interleaved) before their
/// widening, `columns` a multiple of 16.
struct GroupedBlock {
  static constexpr int64_t kLanes = 16;
  Value lhs, rhs;
  int64_t rows, columns, group;
};

/// `op` as a grouped block of `lhs` and `rhs` (its operands' sources, or
/// null) summed in `sumType`, or none.
std::optional<GroupedBlock> matchGroupedBlock(vector::ContractionOp op,
                                              Value lhs, Value rhs,
                                              Type sumType, int64_t group);

/// The value of `op`, the grouped `block`, from one `dot(sums, a, b)` per row
/// and 16 columns: `sums` vector<16 x sum>, `a` the row's group broadcast
/// as one i32 to every lane, `b` the 16 columns' groups read as one
/// vector; both vector<16 * group x element>.
Value lowerGroupedBlock(
    OpBuilder &builder, vector::ContractionOp op, const GroupedBlock &block,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> dot);

/// `groups` (a vector<N x G x T> of a panel: G elements of K per column) as
/// one vector<GN x T>. Where it is the read of a whole contiguous view (a
/// tensor slice, or a memref view), the view is collapsed and read as one
/// vector: a shape_cast of the 2-d read would be N reads of G elements and
/// shuffles.
Value flattenGroups(OpBuilder &builder, Location loc, Value groups);

/// A register block of packForInt8DotProduct (fours of K, the left bytes
/// read unsigned, the right ones signed, into i32), or none.
std::optional<GroupedBlock> matchInt8DotProduct(vector::ContractionOp op);

/// Lowers the register blocks' `vector.contract`s in `root` to outer
/// products: one FMA per row of the block and step of K (after
/// lowerBF16PairsToDotProducts where the machine has it); the int8 dot
/// products are left to mithril-lower-int8-dot-products.
LogicalResult lowerContractionsToOuterProducts(Operation *root);

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_CPU_CONTRACTIONVECTORIZER_H

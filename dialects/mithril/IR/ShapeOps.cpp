//===- ShapeOps.cpp - Shape, data movement and matmul ---------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "InferenceSupport.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::detail;

//===----------------------------------------------------------------------===//
// Reshape, Flatten
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  ArrayAttr shapeAttr = adaptor.getShape();
  if (!input || !shapeAttr)
    return failure();
  // Symbols are dynamic until shapes are specialised.
  SmallVector<int64_t> target;
  for (Attribute dim : shapeAttr) {
    if (auto symbol = dyn_cast<StringAttr>(dim)) {
      if (!isCIdentifier(symbol.getValue()))
        return error("expected symbol ", symbol,
                     " in shape to be a C identifier");
      target.push_back(kDynamic);
      continue;
    }
    int64_t size = cast<IntegerAttr>(dim).getInt();
    if (size < -1)
      return error("expected shape entries to be sizes, -1 or symbols, got ",
                   size);
    target.push_back(size);
  }
  if (llvm::count(target, -1) > 1)
    return error("expected at most one -1 in shape ", shapeAttr);
  auto shape = reshapeShape(input.getShape(), target);
  if (!shape)
    return error("cannot reshape ", formatShape(input.getShape()), " to ",
                 shapeAttr, ": the element counts differ");
  return pushTensor(types, *shape, input.getElementType());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  // A reshape to the input's own static shape does nothing.
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  return {};
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  // torch.flatten of a rank-0 tensor gives [1].
  int64_t rank = std::max<int64_t>(input.getRank(), 1);
  FailureOr<int64_t> start =
      error.normalize("start_dim", adaptor.getStartDim(), rank);
  if (failed(start))
    return failure();
  FailureOr<int64_t> end =
      error.normalize("end_dim", adaptor.getEndDim(), rank);
  if (failed(end))
    return failure();
  if (*start > *end)
    return error("expected start_dim (", adaptor.getStartDim(),
                 ") to come before end_dim (", adaptor.getEndDim(), ")");
  SmallVector<int64_t> dims(input.getShape());
  if (dims.empty())
    dims.push_back(1);
  int64_t merged = 1;
  for (int64_t i = *start; i <= *end; ++i)
    merged = multiplyDims(merged, dims[i]);
  SmallVector<int64_t> shape(ArrayRef<int64_t>(dims).take_front(*start));
  shape.push_back(merged);
  llvm::append_range(shape, ArrayRef<int64_t>(dims).drop_front(*end + 1));
  return pushTensor(types, shape, input.getElementType());
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Transpose, Permute
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  // torch.transpose treats a rank-0 tensor as rank 1.
  int64_t rank = std::max<int64_t>(input.getRank(), 1);
  FailureOr<int64_t> dim0 = error.normalize("dim0", adaptor.getDim0(), rank);
  if (failed(dim0))
    return failure();
  FailureOr<int64_t> dim1 = error.normalize("dim1", adaptor.getDim1(), rank);
  if (failed(dim1))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  if (!shape.empty())
    std::swap(shape[*dim0], shape[*dim1]);
  return pushTensor(types, shape, input.getElementType());
}

/// The (dim0, dim1) of `op`, normalised and ordered.
static std::pair<int64_t, int64_t> normalizedPair(TransposeOp op) {
  int64_t rank = std::max<int64_t>(op.getType().getRank(), 1);
  int64_t dim0 = *normalizeDim(op.getDim0(), rank);
  int64_t dim1 = *normalizeDim(op.getDim1(), rank);
  return {std::min(dim0, dim1), std::max(dim0, dim1)};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  auto [dim0, dim1] = normalizedPair(*this);
  if (dim0 == dim1 && getInput().getType() == getType())
    return getInput();
  // Swapping the same two dims twice gives the original back.
  auto inner = getInput().getDefiningOp<TransposeOp>();
  if (inner && normalizedPair(inner) == std::make_pair(dim0, dim1) &&
      inner.getInput().getType() == getType())
    return inner.getInput();
  return {};
}

LogicalResult PermuteOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  ArrayRef<int64_t> dims = adaptor.getDims();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(dims.size()) != rank)
    return error("expected dims to have ", rank,
                 " entries (the input's rank), got ", dims.size());
  SmallVector<int64_t> shape;
  SmallVector<bool> used(rank, false);
  for (int64_t dim : dims) {
    std::optional<int64_t> index = normalizeDim(dim, rank);
    if (!index || used[*index])
      return error("expected dims (", formatShape(dims),
                   ") to be a permutation of the input's ", rank, " dims");
    used[*index] = true;
    shape.push_back(input.getDimSize(*index));
  }
  return pushTensor(types, shape, input.getElementType());
}

/// The normalised permutation of `op`.
static SmallVector<int64_t> normalizedDims(PermuteOp op) {
  int64_t rank = op.getType().getRank();
  return llvm::map_to_vector(
      op.getDims(), [rank](int64_t dim) { return *normalizeDim(dim, rank); });
}

OpFoldResult PermuteOp::fold(FoldAdaptor) {
  SmallVector<int64_t> dims = normalizedDims(*this);
  bool identity = llvm::all_of(llvm::enumerate(dims), [](auto entry) {
    return static_cast<int64_t>(entry.index()) == entry.value();
  });
  if (identity && getInput().getType() == getType())
    return getInput();
  return {};
}

namespace {
/// permute(permute(x, inner), outer) -> permute(x, inner ∘ outer): output dim
/// i is x's dim inner[outer[i]].
struct ComposePermutes : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<PermuteOp>();
    if (!inner)
      return rewriter.notifyMatchFailure(op, "input is not a permute");
    SmallVector<int64_t> innerDims = normalizedDims(inner);
    SmallVector<int64_t> dims = llvm::map_to_vector(
        normalizedDims(op), [&](int64_t dim) { return innerDims[dim]; });
    rewriter.replaceOpWithNewOp<PermuteOp>(op, op.getType(), inner.getInput(),
                                           dims);
    return success();
  }
};
} // namespace

void PermuteOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<ComposePermutes>(context);
}

//===----------------------------------------------------------------------===//
// Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  FailureOr<int64_t> dim =
      error.normalize("dim", adaptor.getDim(), input.getRank());
  if (failed(dim))
    return failure();
  if (!areCompatibleDims(input.getDimSize(*dim), 1))
    return error("expected input dim ", *dim, " (", input.getDimSize(*dim),
                 ") to be 1");
  SmallVector<int64_t> shape(input.getShape());
  shape.erase(shape.begin() + *dim);
  return pushTensor(types, shape, input.getElementType());
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  FailureOr<int64_t> dim =
      error.normalize("dim", adaptor.getDim(), input.getRank() + 1);
  if (failed(dim))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape.insert(shape.begin() + *dim, 1);
  return pushTensor(types, shape, input.getElementType());
}

//===----------------------------------------------------------------------===//
// Concat, Split, Slice
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  if (adaptor.getInputs().empty())
    return error("expected at least one input");
  RankedTensorType first = tensorTypeOf(adaptor.getInputs().front());
  if (!first)
    return failure();
  FailureOr<int64_t> dim =
      error.normalize("dim", adaptor.getDim(), first.getRank());
  if (failed(dim))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (auto [i, value] : llvm::enumerate(adaptor.getInputs().drop_front())) {
    RankedTensorType type = tensorTypeOf(value);
    std::string name = "input " + std::to_string(i + 1);
    if (!type || failed(error.checkRank(name, type, first.getRank())) ||
        failed(error.checkElementType(name, type, "input 0",
                                      first.getElementType())))
      return failure();
    for (int64_t d = 0; d < first.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      if (d == *dim) {
        // An unknown or unrepresentable total is dynamic.
        shape[d] = (shape[d] == kDynamic || size == kDynamic)
                       ? kDynamic
                       : llvm::checkedAdd(shape[d], size).value_or(kDynamic);
        continue;
      }
      if (!areCompatibleDims(shape[d], size))
        return error("expected ", name, " dim ", d, " (", size,
                     ") to match the other inputs (", shape[d], ")");
      if (shape[d] == kDynamic)
        shape[d] = size;
    }
  }
  return pushTensor(types, shape, first.getElementType());
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  FailureOr<int64_t> dim =
      error.normalize("dim", adaptor.getDim(), input.getRank());
  if (failed(dim))
    return failure();
  int64_t size = input.getDimSize(*dim);
  if (size == kDynamic)
    return error("expected input dim ", *dim,
                 " to be static: it sets the number of results");
  int64_t chunk = adaptor.getSplitSize();
  SmallVector<int64_t> shape(input.getShape());
  // torch.split of an empty dim gives one empty chunk.
  int64_t offset = 0;
  do {
    shape[*dim] = std::min(chunk, size - offset);
    types.push_back(RankedTensorType::get(shape, input.getElementType()));
    offset += chunk;
  } while (offset < size);
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  FailureOr<int64_t> dim =
      error.normalize("dim", adaptor.getDim(), input.getRank());
  if (failed(dim))
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape[*dim] = sliceSize(shape[*dim], adaptor.getStart(), adaptor.getEnd(),
                          adaptor.getStep());
  return pushTensor(types, shape, input.getElementType());
}

//===----------------------------------------------------------------------===//
// Gather, Pad
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  RankedTensorType index = tensorTypeOf(adaptor.getIndex());
  if (!input || !index)
    return failure();
  if (failed(error.checkRank("index", index, input.getRank())))
    return failure();
  FailureOr<int64_t> dim = error.normalize(
      "dim", adaptor.getDim(), std::max<int64_t>(input.getRank(), 1));
  if (failed(dim))
    return failure();
  for (int64_t d = 0; d < input.getRank(); ++d) {
    int64_t size = index.getDimSize(d), bound = input.getDimSize(d);
    if (d != *dim && size != kDynamic && bound != kDynamic && size > bound)
      return error("expected index dim ", d, " (", size,
                   ") to be at most input's (", bound, ")");
  }
  return pushTensor(types, index.getShape(), input.getElementType());
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  ArrayRef<int64_t> pad = adaptor.getPad();
  if (pad.size() % 2 != 0 ||
      static_cast<int64_t>(pad.size()) > 2 * input.getRank())
    return error("expected pad to have an even number of entries, at most "
                 "twice the input's rank (",
                 input.getRank(), "), got ", pad.size());
  SmallVector<int64_t> shape(input.getShape());
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    int64_t d = input.getRank() - 1 - i;
    if (shape[d] == kDynamic)
      continue;
    std::optional<int64_t> padded = llvm::checkedAdd(shape[d], pad[2 * i]);
    if (padded)
      padded = llvm::checkedAdd(*padded, pad[2 * i + 1]);
    if (!padded)
      return error("expected input dim ", d, " padded by ", pad[2 * i], " and ",
                   pad[2 * i + 1], " to fit in 64 bits");
    shape[d] = *padded;
    if (shape[d] < 0)
      return error("expected input dim ", d, " (", input.getDimSize(d),
                   ") padded by ", pad[2 * i], " and ", pad[2 * i + 1],
                   " to be non-negative");
  }
  return pushTensor(types, shape, input.getElementType());
}

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  InferenceErrors error(loc, getOperationName());
  RankedTensorType left = tensorTypeOf(adaptor.getLeft());
  RankedTensorType right = tensorTypeOf(adaptor.getRight());
  if (!left || !right)
    return failure();
  if (failed(error.checkMinRank("left", left, 1)) ||
      failed(error.checkMinRank("right", right, 1)) ||
      failed(error.checkElementType("right", right, "left",
                                    left.getElementType())))
    return failure();
  auto shape = matmulShape(left.getShape(), right.getShape());
  if (!shape)
    return error("expected operand shapes (", formatShape(left.getShape()),
                 " and ", formatShape(right.getShape()),
                 ") to be compatible for matmul");
  return pushTensor(types, *shape, left.getElementType());
}

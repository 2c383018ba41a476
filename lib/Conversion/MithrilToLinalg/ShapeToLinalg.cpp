//===- ShapeToLinalg.cpp - Shape and data-movement ops to tensor/linalg ---===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Reshape (`tensor.reshape`), flatten / squeeze / unsqueeze (collapse and
// expand shapes), transpose / permute (`linalg.transpose`), concat and
// split (slices), slice (a strided `tensor.extract_slice`, PyTorch's
// clamping of start and end done at run time where dims are dynamic),
// gather (a `linalg.generic` that extracts), and pad (`tensor.pad`, after a
// crop for negative pads).
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The size of a symbol of a `mithril.reshape` shape: a dim of a model
/// input that names it (`mithril.dims`).
std::optional<OpFoldResult> symbolSize(OpBuilder &b, Location loc,
                                       Operation *op, StringRef symbol) {
  auto model = op->getParentOfType<ModelOp>();
  if (!model)
    return std::nullopt;
  for (BlockArgument arg : model.getArguments()) {
    auto dims = model.getArgAttrOfType<ArrayAttr>(
        arg.getArgNumber(), MithrilDialect::kDimsAttrName);
    if (!dims)
      continue;
    for (auto [i, dim] : llvm::enumerate(dims))
      if (auto name = dyn_cast<StringAttr>(dim); name && name == symbol)
        return tensor::getMixedSize(b, loc, arg, i);
  }
  return std::nullopt;
}

struct ReshapeToTensor : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    // The target sizes; a -1 is what the others leave of the element count.
    SmallVector<Value> sizes;
    std::optional<size_t> inferred;
    for (auto [i, dim] : llvm::enumerate(op.getShape())) {
      if (resultType.getDimSize(i) != ShapedType::kDynamic) {
        sizes.push_back(arith::ConstantIndexOp::create(
            rewriter, loc, resultType.getDimSize(i)));
      } else if (auto symbol = dyn_cast<StringAttr>(dim)) {
        std::optional<OpFoldResult> size =
            symbolSize(rewriter, loc, op, symbol.getValue());
        if (!size)
          return rewriter.notifyMatchFailure(op, "a symbol no input names");
        sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, *size));
      } else {
        inferred = i;
        sizes.push_back(nullptr);
      }
    }
    if (inferred) {
      Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (int64_t d = 0; d < cast<RankedTensorType>(input.getType()).getRank();
           ++d)
        count = arith::MulIOp::create(
            rewriter, loc, count,
            tensor::DimOp::create(rewriter, loc, input, d));
      Value known = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (Value size : sizes)
        if (size)
          known = arith::MulIOp::create(rewriter, loc, known, size);
      sizes[*inferred] = arith::DivUIOp::create(rewriter, loc, count, known);
    }
    Value shape = tensor::FromElementsOp::create(rewriter, loc, sizes);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, resultType, input,
                                                   shape);
    return success();
  }
};

struct FlattenToCollapse : OpConversionPattern<FlattenOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(FlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    if (rank == 0)
      return rewriter.notifyMatchFailure(op, "rank 0 is handled by reshape");
    int64_t start = resolveDim(op.getStartDim(), rank);
    int64_t end = resolveDim(op.getEndDim(), rank);
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank; ++d) {
      if (d > start && d <= end)
        groups.back().push_back(d);
      else
        groups.push_back({d});
    }
    Value collapsed =
        tensor::CollapseShapeOp::create(rewriter, op.getLoc(), input, groups);
    rewriter.replaceOp(
        op, withType(rewriter, op.getLoc(), collapsed, op.getType()));
    return success();
  }
};

struct SqueezeToCollapse : OpConversionPattern<SqueezeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SqueezeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    if (rank == 0) {
      rewriter.replaceOp(op, input);
      return success();
    }
    // A dynamic dim is 1 at run time (inference requires it): make it
    // static so that it can be collapsed.
    int64_t dim = resolveDim(op.getDim(), rank);
    SmallVector<int64_t> shape(inputType.getShape());
    shape[dim] = 1;
    input = withType(rewriter, op.getLoc(), input, inputType.clone(shape));
    // The unit dim joins the group of its left neighbour, or of its right
    // one at the front; squeezing a rank-1 tensor leaves no groups.
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == dim && !groups.empty())
        groups.back().push_back(d);
      else if (d == 1 && dim == 0)
        groups.push_back({0, 1});
      else if (d != dim)
        groups.push_back({d});
    }
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()), input,
        groups);
    rewriter.replaceOp(op, collapsed);
    return success();
  }
};

struct UnsqueezeToExpand : OpConversionPattern<UnsqueezeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UnsqueezeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    int64_t dim = resolveDim(op.getDim(), rank);
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, input);
    sizes.insert(sizes.begin() + dim, rewriter.getIndexAttr(1));
    // Input dim j is output dim j (before `dim`) or j + 1 (after); the new
    // unit dim joins the group of its right neighbour, or of its left one at
    // the end. A rank-0 input has no groups.
    int64_t inputRank = rank - 1;
    SmallVector<ReassociationIndices> groups;
    for (int64_t j = 0; j < inputRank; ++j)
      groups.push_back({j < dim ? j : j + 1});
    if (inputRank > 0 && dim < inputRank)
      groups[dim].insert(groups[dim].begin(), dim);
    else if (inputRank > 0)
      groups.back().push_back(dim);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, resultType, input,
                                                       groups, sizes);
    return success();
  }
};

/// An empty tensor of `type` whose dynamic dims are those of `like`,
/// permuted by `permutation` (result dim i is `like`'s dim permutation[i]).
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like,
                ArrayRef<int64_t> permutation) {
  SmallVector<Value> dynamicSizes;
  for (auto [i, source] : llvm::enumerate(permutation))
    if (type.isDynamicDim(i))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, like, source));
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynamicSizes);
}

Value buildTranspose(OpBuilder &b, Location loc, Value input,
                     RankedTensorType resultType,
                     ArrayRef<int64_t> permutation) {
  Value init = emptyLike(b, loc, resultType, input, permutation);
  return linalg::TransposeOp::create(b, loc, input, init, permutation)
      .getResult()[0];
}

struct TransposeToLinalg : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    SmallVector<int64_t> permutation =
        llvm::to_vector(llvm::seq<int64_t>(0, rank));
    if (rank > 0)
      std::swap(permutation[resolveDim(op.getDim0(), rank)],
                permutation[resolveDim(op.getDim1(), rank)]);
    rewriter.replaceOp(op,
                       buildTranspose(rewriter, op.getLoc(), adaptor.getInput(),
                                      resultType, permutation));
    return success();
  }
};

struct PermuteToLinalg : OpConversionPattern<PermuteOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PermuteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> permutation;
    for (int64_t d : op.getDims())
      permutation.push_back(resolveDim(d, resultType.getRank()));
    rewriter.replaceOp(op,
                       buildTranspose(rewriter, op.getLoc(), adaptor.getInput(),
                                      resultType, permutation));
    return success();
  }
};

/// The offsets, sizes and strides of a slice.
struct SliceSpec {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};
/// The slice that is all of `tensor`.
SliceSpec wholeTensor(OpBuilder &b, Location loc, Value tensor) {
  SliceSpec spec;
  spec.sizes = tensor::getMixedSizes(b, loc, tensor);
  spec.offsets.assign(spec.sizes.size(), b.getIndexAttr(0));
  spec.strides.assign(spec.sizes.size(), b.getIndexAttr(1));
  return spec;
}

struct ConcatToInsertSlices : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t dim = resolveDim(op.getDim(), resultType.getRank());
    ValueRange inputs = adaptor.getInputs();
    // The result's size along `dim` is the sum of the inputs' sizes there.
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d) {
      if (!resultType.isDynamicDim(d))
        continue;
      if (d != dim) {
        dynamicSizes.push_back(
            tensor::DimOp::create(rewriter, loc, inputs[0], d));
        continue;
      }
      Value total = arith::ConstantIndexOp::create(rewriter, loc, 0);
      for (Value input : inputs)
        total = arith::AddIOp::create(
            rewriter, loc, total,
            tensor::DimOp::create(rewriter, loc, input, d));
      dynamicSizes.push_back(total);
    }
    Value result =
        tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                resultType.getElementType(), dynamicSizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (Value input : inputs) {
      SliceSpec slice = wholeTensor(rewriter, loc, input);
      slice.offsets[dim] = offset;
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             slice.offsets, slice.sizes,
                                             slice.strides);
      offset = getAsOpFoldResult(arith::AddIOp::create(
          rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, offset),
          getValueOrCreateConstantIndexOp(rewriter, loc, slice.sizes[dim])));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SplitToSlices : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t dim = resolveDim(op.getDim(),
                             cast<RankedTensorType>(input.getType()).getRank());
    SmallVector<Value> results;
    int64_t offset = 0;
    for (Value result : op.getResults()) {
      auto type = cast<RankedTensorType>(result.getType());
      SliceSpec slice = wholeTensor(rewriter, loc, input);
      slice.offsets[dim] = rewriter.getIndexAttr(offset);
      slice.sizes[dim] = rewriter.getIndexAttr(type.getDimSize(dim));
      Value part = tensor::ExtractSliceOp::create(
          rewriter, loc, input, slice.offsets, slice.sizes, slice.strides);
      results.push_back(withType(rewriter, loc, part, type));
      offset += type.getDimSize(dim);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// torch's slicing: start and end clamped to [0, size] after adding size
/// to negatives; the length is ceil((end - start) / step), at least 0.
/// The elements x[start:end:step] of `input` along `dim` select, with
/// Python's rules (negative indices count from the end, both clamped).
SliceSpec sliceAlong(OpBuilder &b, Location loc, Value input, int64_t dim,
                     int64_t startIndex, int64_t endIndex, int64_t step) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SliceSpec slice = wholeTensor(b, loc, input);
  slice.strides[dim] = b.getIndexAttr(step);
  int64_t size = inputType.getDimSize(dim);
  if (size != ShapedType::kDynamic) {
    auto clamp = [&](int64_t index) {
      if (index < 0)
        index += size;
      return std::clamp<int64_t>(index, 0, size);
    };
    int64_t start = clamp(startIndex), end = clamp(endIndex);
    int64_t length = end <= start ? 0 : (end - start + step - 1) / step;
    slice.offsets[dim] = b.getIndexAttr(start);
    slice.sizes[dim] = b.getIndexAttr(length);
    return slice;
  }
  // The same arithmetic at run time.
  Value dimSize = tensor::DimOp::create(b, loc, input, dim);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  auto clamp = [&](int64_t index) -> Value {
    Value v = arith::ConstantIndexOp::create(b, loc, index);
    if (index < 0)
      v = arith::AddIOp::create(b, loc, v, dimSize);
    v = arith::MaxSIOp::create(b, loc, v, zero);
    return arith::MinSIOp::create(b, loc, v, dimSize);
  };
  Value start = clamp(startIndex), end = clamp(endIndex);
  Value span = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, end, start), zero);
  Value stepValue = arith::ConstantIndexOp::create(b, loc, step);
  slice.offsets[dim] = start;
  slice.sizes[dim] = Value(arith::CeilDivUIOp::create(b, loc, span, stepValue));
  return slice;
}

struct SliceToExtract : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t dim = resolveDim(op.getDim(),
                             cast<RankedTensorType>(input.getType()).getRank());
    SliceSpec slice = sliceAlong(rewriter, loc, input, dim, op.getStart(),
                                 op.getEnd(), op.getStep());
    Value result = tensor::ExtractSliceOp::create(
        rewriter, loc, input, slice.offsets, slice.sizes, slice.strides);
    rewriter.replaceOp(op, withType(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// A slice's adjoint: the gradient inserted where the slice took its
/// elements, into zeros of the input's shape.
struct SliceGradToInsert : OpConversionPattern<SliceGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), grad = adaptor.getGrad();
    RankedTensorType type = op.getType();
    int64_t dim = resolveDim(op.getDim(), type.getRank());
    SliceSpec slice = sliceAlong(rewriter, loc, input, dim, op.getStart(),
                                 op.getEnd(), op.getStep());
    Value zeros =
        buildZeros(rewriter, loc, tensor::getMixedSizes(rewriter, loc, input),
                   type.getElementType());
    // The slice's sizes are those of the gradient.
    Value result = tensor::InsertSliceOp::create(
        rewriter, loc, grad, zeros, slice.offsets,
        tensor::getMixedSizes(rewriter, loc, grad), slice.strides);
    rewriter.replaceOp(op, withType(rewriter, loc, result, type));
    return success();
  }
};

/// torch.gather: out[i...] = input[i... with dim replaced by index[i...]].
struct GatherToGeneric : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), index = adaptor.getIndex();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    int64_t dim = resolveDim(op.getDim(), rank);
    SmallVector<int64_t> identity =
        llvm::to_vector(llvm::seq<int64_t>(0, rank));
    Value init = emptyLike(rewriter, loc, resultType, index, identity);
    AffineMap map = AffineMap::getMultiDimIdentityMap(rank, op.getContext());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{index},
        ValueRange{init}, SmallVector<AffineMap>{map, map}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> indices;
          for (int64_t d = 0; d < rank; ++d)
            indices.push_back(d == dim
                                  ? Value(arith::IndexCastOp::create(
                                        b, l, b.getIndexType(), args[0]))
                                  : Value(linalg::IndexOp::create(b, l, d)));
          linalg::YieldOp::create(
              b, l, Value(tensor::ExtractOp::create(b, l, input, indices)));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// A gather's adjoint: a loop nest over the gradient that adds each
/// element where the gather read it (a scatter-add, which a linalg.generic
/// cannot write).
struct GatherGradToLoops : OpConversionPattern<GatherGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value grad = adaptor.getGrad(), index = adaptor.getIndex();
    Value input = adaptor.getInput();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    int64_t dim = resolveDim(op.getDim(), rank);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last = arith::SubIOp::create(
        rewriter, loc, tensor::DimOp::create(rewriter, loc, input, dim), one);
    Value zeros =
        buildZeros(rewriter, loc, tensor::getMixedSizes(rewriter, loc, input),
                   type.getElementType());
    SmallVector<Value> lower(rank, zero), steps(rank, one), upper;
    for (int64_t d = 0; d < rank; ++d)
      upper.push_back(tensor::DimOp::create(rewriter, loc, index, d));
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lower, upper, steps, ValueRange{zeros},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange iterArgs) -> scf::ValueVector {
          Value at = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              tensor::ExtractOp::create(b, l, index, ivs));
          at = arith::MinSIOp::create(
              b, l, arith::MaxSIOp::create(b, l, at, zero), last);
          SmallVector<Value> target(ivs);
          target[dim] = at;
          Value sum = arith::AddFOp::create(
              b, l, tensor::ExtractOp::create(b, l, iterArgs[0], target),
              tensor::ExtractOp::create(b, l, grad, ivs));
          return {tensor::InsertOp::create(b, l, sum, iterArgs[0], target)};
        });
    rewriter.replaceOp(op, nest.results.front());
    return success();
  }
};

/// torch.nn.Embedding: out[i..., d] = weight[input[i...], d].
struct EmbeddingToGeneric : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value indices = adaptor.getInput(), weight = adaptor.getWeight();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d + 1 < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(
            tensor::DimOp::create(rewriter, loc, indices, d));
    Value init =
        tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                resultType.getElementType(), dynamicSizes);
    MLIRContext *context = op.getContext();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d + 1 < rank; ++d)
      indexExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, indexExprs, context),
        AffineMap::getMultiDimIdentityMap(rank, context)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices},
        ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value column = linalg::IndexOp::create(b, l, rank - 1);
          linalg::YieldOp::create(b, l,
                                  Value(tensor::ExtractOp::create(
                                      b, l, weight, ValueRange{row, column})));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// F.pad: pairs from the last dim backwards; negative pads crop.
struct PadToTensor : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    ArrayRef<int64_t> pad = op.getPad();
    SmallVector<int64_t> low(rank, 0), high(rank, 0);
    for (size_t i = 0; i < pad.size() / 2; ++i) {
      low[rank - 1 - i] = pad[2 * i];
      high[rank - 1 - i] = pad[2 * i + 1];
    }
    // Crop first where a pad is negative.
    if (llvm::any_of(pad, [](int64_t p) { return p < 0; })) {
      SliceSpec slice = wholeTensor(rewriter, loc, input);
      for (int64_t d = 0; d < rank; ++d) {
        int64_t cropLow = std::max<int64_t>(-low[d], 0);
        int64_t cropHigh = std::max<int64_t>(-high[d], 0);
        if (!cropLow && !cropHigh)
          continue;
        slice.offsets[d] = rewriter.getIndexAttr(cropLow);
        Value size =
            getValueOrCreateConstantIndexOp(rewriter, loc, slice.sizes[d]);
        slice.sizes[d] = getAsOpFoldResult(arith::SubIOp::create(
            rewriter, loc, size,
            arith::ConstantIndexOp::create(rewriter, loc, cropLow + cropHigh)));
        low[d] = std::max<int64_t>(low[d], 0);
        high[d] = std::max<int64_t>(high[d], 0);
      }
      input = tensor::ExtractSliceOp::create(
          rewriter, loc, input, slice.offsets, slice.sizes, slice.strides);
    }
    SmallVector<OpFoldResult> lowSizes, highSizes;
    for (int64_t d = 0; d < rank; ++d) {
      lowSizes.push_back(rewriter.getIndexAttr(low[d]));
      highSizes.push_back(rewriter.getIndexAttr(high[d]));
    }
    Value value = buildScalarConstant(rewriter, loc, inputType.getElementType(),
                                      op.getValue().convertToDouble());
    Value padded = tensor::PadOp::create(rewriter, loc, Type(), input, lowSizes,
                                         highSizes, value);
    rewriter.replaceOp(op, withType(rewriter, loc, padded, op.getType()));
    return success();
  }
};

} // namespace

void mlir::mithril::populateShapeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeToTensor, FlattenToCollapse, SqueezeToCollapse,
               UnsqueezeToExpand, TransposeToLinalg, PermuteToLinalg,
               ConcatToInsertSlices, SplitToSlices, SliceToExtract,
               GatherToGeneric, EmbeddingToGeneric, PadToTensor,
               SliceGradToInsert, GatherGradToLoops>(patterns.getContext());
}

//===- ConvPoolToLinalg.cpp - Convolutions and pooling to linalg ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Conv1d/Conv2d and max/average pooling are windowed reductions: the input
// is padded (`tensor.pad`, with 0 or -inf), then one `linalg.generic` reads
// it at `output * stride + kernel * dilation`. Groups are dims of their own
// (the channels are viewed as [groups, channels / groups]), so every
// indexing map of the output stays a projected permutation. An unbatched
// input gets a unit batch dim for the computation. Adaptive average pooling
// has windows of varying size: one generic over the output sums each window
// with loops of its own.
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

/// A window over `spatialRank` trailing dims.
struct Window {
  SmallVector<int64_t> kernel, stride, dilation;
  SmallVector<std::pair<int64_t, int64_t>> padding;
};

/// `input` with a unit batch dim in front if it has `batchedRank - 1` dims.
Value addBatchDim(OpBuilder &b, Location loc, Value input,
                  int64_t batchedRank) {
  auto type = cast<RankedTensorType>(input.getType());
  if (type.getRank() == batchedRank)
    return input;
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, type.getShape());
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
  llvm::append_range(sizes, tensor::getMixedSizes(b, loc, input));
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  for (int64_t d = 2; d < batchedRank; ++d)
    groups.push_back({d});
  return tensor::ExpandShapeOp::create(b, loc, type.clone(shape), input, groups,
                                       sizes);
}

/// Drops the unit batch dim again if the op's result has none.
Value removeBatchDim(OpBuilder &b, Location loc, Value value,
                     RankedTensorType resultType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == resultType.getRank())
    return value;
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  for (int64_t d = 2; d < type.getRank(); ++d)
    groups.push_back({d});
  return tensor::CollapseShapeOp::create(b, loc, resultType, value, groups);
}

/// Pads the trailing spatial dims of `input` with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value input, const Window &w,
                 Value value) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), spatial = w.kernel.size();
  if (llvm::all_of(w.padding, [](auto p) { return !p.first && !p.second; }))
    return input;
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
      high(rank, b.getIndexAttr(0));
  for (int64_t i = 0; i < spatial; ++i) {
    low[rank - spatial + i] = b.getIndexAttr(w.padding[i].first);
    high[rank - spatial + i] = b.getIndexAttr(w.padding[i].second);
  }
  return tensor::PadOp::create(b, loc, Type(), input, low, high, value);
}

/// The output size of each spatial dim: from `resultType` where static,
/// else (padded - dilation * (kernel - 1) - 1) / stride + 1 at run time.
SmallVector<Value> outputSizes(OpBuilder &b, Location loc, Value padded,
                               const Window &w, RankedTensorType resultType) {
  int64_t rank = cast<RankedTensorType>(padded.getType()).getRank();
  int64_t spatial = w.kernel.size();
  int64_t resultRank = resultType.getRank();
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t known = resultType.getDimSize(resultRank - spatial + i);
    if (known != ShapedType::kDynamic) {
      sizes.push_back(arith::ConstantIndexOp::create(b, loc, known));
      continue;
    }
    Value size = tensor::DimOp::create(b, loc, padded, rank - spatial + i);
    Value extent = arith::ConstantIndexOp::create(
        b, loc, w.dilation[i] * (w.kernel[i] - 1) + 1);
    Value span = arith::SubIOp::create(b, loc, size, extent);
    Value steps = arith::DivUIOp::create(
        b, loc, span, arith::ConstantIndexOp::create(b, loc, w.stride[i]));
    sizes.push_back(arith::AddIOp::create(
        b, loc, steps, arith::ConstantIndexOp::create(b, loc, 1)));
  }
  return sizes;
}

/// `output * stride + kernel * dilation` for each spatial dim.
SmallVector<AffineExpr> windowExprs(const Window &w, unsigned firstOutputLoop,
                                    unsigned firstKernelLoop,
                                    MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < w.kernel.size(); ++i)
    exprs.push_back(
        getAffineDimExpr(firstOutputLoop + i, context) * w.stride[i] +
        getAffineDimExpr(firstKernelLoop + i, context) * w.dilation[i]);
  return exprs;
}

/// A generic that adds `inputs[0] * inputs[1]` (in `acc`) into `init` over
/// `iterators`; `maps` index the inputs (any after the first two give loop
/// bounds only), then `init`. The body convolutions and their adjoints share,
/// which mithril-convolutions-to-matmuls recognises.
Value sumOfProducts(OpBuilder &builder, Location loc, RankedTensorType type,
                    ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
                    ArrayRef<utils::IteratorType> iterators, Type acc) {
  return linalg::GenericOp::create(
             builder, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               Value product = arith::MulFOp::create(
                   b, l, convertScalar(b, l, args[0], acc),
                   convertScalar(b, l, args[1], acc));
               linalg::YieldOp::create(
                   b, l,
                   Value(arith::AddFOp::create(b, l, args.back(), product)));
             })
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// Convolutions
//===----------------------------------------------------------------------===//

template <typename ConvOp> struct ConvToGeneric : OpConversionPattern<ConvOp> {
  using OpConversionPattern<ConvOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvOp op, typename ConvOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
    int64_t spatial = weightType.getRank() - 2;
    Window w;
    w.kernel = llvm::to_vector(op.getKernelSize());
    w.stride = llvm::to_vector(op.getStride());
    w.dilation = llvm::to_vector(op.getDilation());
    w.padding =
        resolveConvPadding(op.getPadding(), w.kernel, w.dilation, spatial);
    if (w.padding.empty())
      return rewriter.notifyMatchFailure(op, "unresolved padding");
    int64_t groups = op.getGroups();
    int64_t outChannels = op.getOutChannels();
    int64_t groupIn = op.getInChannels() / groups;
    int64_t groupOut = outChannels / groups;
    Type elementType = resultType.getElementType();
    Type acc = getAccumulatorType(elementType);

    // [N, C, S...] padded, viewed as [N, G, C/G, S...].
    Value input = addBatchDim(rewriter, loc, adaptor.getInput(), spatial + 2);
    Value padded = padSpatial(
        rewriter, loc, input, w,
        buildScalarConstant(rewriter, loc, getElementTypeOrSelf(input), 0));
    auto paddedType = cast<RankedTensorType>(padded.getType());
    SmallVector<int64_t> groupedShape = {paddedType.getDimSize(0), groups,
                                         groupIn};
    SmallVector<OpFoldResult> groupedSizes = {
        tensor::getMixedSize(rewriter, loc, padded, 0),
        rewriter.getIndexAttr(groups), rewriter.getIndexAttr(groupIn)};
    SmallVector<ReassociationIndices> inputGroups = {{0}, {1, 2}};
    for (int64_t i = 0; i < spatial; ++i) {
      groupedShape.push_back(paddedType.getDimSize(2 + i));
      groupedSizes.push_back(
          tensor::getMixedSize(rewriter, loc, padded, 2 + i));
      inputGroups.push_back({3 + i});
    }
    Value grouped = tensor::ExpandShapeOp::create(
        rewriter, loc, paddedType.clone(groupedShape), padded, inputGroups,
        groupedSizes);
    // The weight [Cout, C/G, K...] as [G, Cout/G, C/G, K...].
    SmallVector<int64_t> weightShape = {groups, groupOut, groupIn};
    llvm::append_range(weightShape, weightType.getShape().drop_front(2));
    SmallVector<ReassociationIndices> weightGroups = {{0, 1}};
    for (int64_t d = 1; d < weightType.getRank(); ++d)
      weightGroups.push_back({d + 1});
    Value weight = tensor::ExpandShapeOp::create(
        rewriter, loc, weightType.clone(weightShape), adaptor.getWeight(),
        weightGroups);

    // The output [N, G, Cout/G, O...] in the accumulator type, starting from
    // the bias.
    SmallVector<Value> spatialSizes =
        outputSizes(rewriter, loc, padded, w, resultType);
    SmallVector<int64_t> outShape = {paddedType.getDimSize(0), groups,
                                     groupOut};
    SmallVector<Value> dynamicSizes;
    if (ShapedType::isDynamic(outShape[0]))
      dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, padded, 0));
    int64_t resultRank = resultType.getRank();
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t size = resultType.getDimSize(resultRank - spatial + i);
      outShape.push_back(size);
      if (ShapedType::isDynamic(size))
        dynamicSizes.push_back(spatialSizes[i]);
    }
    auto outType = RankedTensorType::get(outShape, acc);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, outShape, acc, dynamicSizes);
    if (Value bias = adaptor.getBias()) {
      Value groupedBias = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({groups, groupOut}, getElementTypeOrSelf(bias)),
          bias, SmallVector<ReassociationIndices>{{0, 1}});
      // Broadcast along N and the spatial dims.
      SmallVector<AffineExpr> biasExprs = {getAffineDimExpr(1, context),
                                           getAffineDimExpr(2, context)};
      int64_t outRank = outType.getRank();
      SmallVector<AffineMap> maps = {
          AffineMap::get(outRank, 0, biasExprs, context),
          AffineMap::getMultiDimIdentityMap(outRank, context)};
      init = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{outType}, ValueRange{groupedBias},
                 ValueRange{init}, maps,
                 SmallVector<utils::IteratorType>(
                     outRank, utils::IteratorType::parallel),
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(b, l,
                                           convertScalar(b, l, args[0], acc));
                 })
                 .getResult(0);
    } else {
      init = linalg::FillOp::create(rewriter, loc,
                                    buildScalarConstant(rewriter, loc, acc, 0),
                                    init)
                 .getResult(0);
    }

    // Loops: n, g, oc, o..., ic, k...
    unsigned numLoops = 3 + 2 * spatial + 1;
    unsigned firstOutput = 3, ic = 3 + spatial, firstKernel = 4 + spatial;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineExpr> inputExprs = {dim(0), dim(1), dim(ic)};
    llvm::append_range(inputExprs,
                       windowExprs(w, firstOutput, firstKernel, context));
    SmallVector<AffineExpr> weightExprs = {dim(1), dim(2), dim(ic)};
    SmallVector<AffineExpr> outExprs = {dim(0), dim(1), dim(2)};
    for (int64_t i = 0; i < spatial; ++i) {
      weightExprs.push_back(dim(firstKernel + i));
      outExprs.push_back(dim(firstOutput + i));
    }
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::parallel);
    for (unsigned i = ic; i < numLoops; ++i)
      iterators[i] = utils::IteratorType::reduction;
    Value sum =
        sumOfProducts(rewriter, loc, outType, ValueRange{grouped, weight}, init,
                      SmallVector<AffineMap>{
                          AffineMap::get(numLoops, 0, inputExprs, context),
                          AffineMap::get(numLoops, 0, weightExprs, context),
                          AffineMap::get(numLoops, 0, outExprs, context)},
                      iterators, acc);

    // Back to [N, Cout, O...] in the result's element type.
    SmallVector<ReassociationIndices> outGroups = {{0}, {1, 2}};
    for (int64_t i = 0; i < spatial; ++i)
      outGroups.push_back({3 + i});
    SmallVector<int64_t> flatShape = {outShape[0], outChannels};
    llvm::append_range(flatShape, ArrayRef<int64_t>(outShape).drop_front(3));
    Value flat = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(flatShape, acc), sum, outGroups);
    flat = castTensor(rewriter, loc, flat,
                      RankedTensorType::get(flatShape, elementType));
    rewriter.replaceOp(op, removeBatchDim(rewriter, loc, flat, resultType));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Folds each offset of the 2-D window `w` over `padded` [N, C, H, W] into
/// `inits` [N, C, OH, OW] in one elementwise generic whose inputs are the
/// strided views each offset reads (row-major): `combine(b, loc, element,
/// accumulators, offset)` gives the accumulators after each. The CPU target
/// vectorises it and splits it across threads; a window map as a generic's
/// input is neither (upstream's vectoriser refuses it).
using WindowCombine = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value, ValueRange, int64_t)>;
SmallVector<Value> foldWindowOffsets(OpBuilder &b, Location loc, Value padded,
                                     const Window &w, ValueRange inits,
                                     WindowCombine combine) {
  MLIRContext *context = b.getContext();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, inits[0]);
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(w.stride[0]),
                                       b.getIndexAttr(w.stride[1])};
  SmallVector<Value> views;
  for (int64_t kh = 0; kh < w.kernel[0]; ++kh)
    for (int64_t kw = 0; kw < w.kernel[1]; ++kw)
      views.push_back(tensor::ExtractSliceOp::create(
          b, loc, padded,
          SmallVector<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(kh * w.dilation[0]),
                                    b.getIndexAttr(kw * w.dilation[1])},
          sizes, strides));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, context);
  auto fold = linalg::GenericOp::create(
      b, loc, inits.getTypes(), views, inits,
      SmallVector<AffineMap>(views.size() + inits.size(), identity),
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> accumulators(args.take_back(inits.size()));
        for (auto [offset, element] :
             llvm::enumerate(args.drop_back(inits.size())))
          accumulators = combine(nb, l, element, accumulators, offset);
        linalg::YieldOp::create(nb, l, accumulators);
      });
  return llvm::to_vector_of<Value>(fold.getResults());
}

/// Max or average pooling over [N, C, H, W] windows; PyTorch's average
/// counts the padding (count_include_pad), so it divides by the window.
template <typename PoolOp, bool IsMax>
struct PoolToGeneric : OpConversionPattern<PoolOp> {
  using OpConversionPattern<PoolOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PoolOp op, typename PoolOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    Type acc = IsMax ? elementType : getAccumulatorType(elementType);
    Window w;
    w.kernel = llvm::to_vector(op.getKernelSize());
    w.stride = llvm::to_vector(op.getStrideOrKernelSize());
    w.dilation.assign(2, 1);
    for (int64_t p : op.getPadding())
      w.padding.push_back({p, p});

    Value input = addBatchDim(rewriter, loc, adaptor.getInput(), 4);
    auto floatType = cast<FloatType>(elementType);
    Value padValue =
        IsMax ? Value(arith::ConstantOp::create(
                    rewriter, loc,
                    rewriter.getFloatAttr(
                        elementType,
                        APFloat::getInf(floatType.getFloatSemantics(), true))))
              : buildScalarConstant(rewriter, loc, elementType, 0);
    Value padded = padSpatial(rewriter, loc, input, w, padValue);
    SmallVector<Value> spatialSizes =
        outputSizes(rewriter, loc, padded, w, resultType);
    auto paddedType = cast<RankedTensorType>(padded.getType());
    SmallVector<int64_t> outShape = {paddedType.getDimSize(0),
                                     paddedType.getDimSize(1)};
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < 2; ++d)
      if (ShapedType::isDynamic(outShape[d]))
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, padded, d));
    int64_t resultRank = resultType.getRank();
    for (int64_t i = 0; i < 2; ++i) {
      int64_t size = resultType.getDimSize(resultRank - 2 + i);
      outShape.push_back(size);
      if (ShapedType::isDynamic(size))
        dynamicSizes.push_back(spatialSizes[i]);
    }
    Value start = IsMax ? padValue : buildScalarConstant(rewriter, loc, acc, 0);
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, outShape, acc, dynamicSizes);
    Value init =
        linalg::FillOp::create(rewriter, loc, start, empty).getResult(0);
    Value pooled = foldWindowOffsets(
                       rewriter, loc, padded, w, ValueRange{init},
                       [&](OpBuilder &b, Location l, Value element,
                           ValueRange sums, int64_t) -> SmallVector<Value> {
                         Value x = convertScalar(b, l, element, acc);
                         if (IsMax)
                           return {arith::MaximumFOp::create(b, l, x, sums[0])};
                         return {arith::AddFOp::create(b, l, x, sums[0])};
                       })
                       .front();
    if (!IsMax)
      pooled = buildScale(
          rewriter, loc, pooled,
          buildScalarConstant(rewriter, loc, acc,
                              static_cast<double>(w.kernel[0] * w.kernel[1])));
    pooled = castTensor(rewriter, loc, pooled,
                        RankedTensorType::get(outShape, elementType));
    rewriter.replaceOp(op, removeBatchDim(rewriter, loc, pooled, resultType));
    return success();
  }
};

/// AdaptiveAvgPool2d: output cell (i, j) averages rows
/// [floor(i H / OH), ceil((i + 1) H / OH)) and the same for columns.
struct AdaptiveAvgPoolToGeneric : OpConversionPattern<AdaptiveAvgPool2dOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdaptiveAvgPool2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    Type acc = getAccumulatorType(elementType);
    Value input = addBatchDim(rewriter, loc, adaptor.getInput(), 4);
    auto inputType = cast<RankedTensorType>(input.getType());
    ArrayRef<int64_t> outSize = op.getOutputSize();
    SmallVector<int64_t> outShape = {inputType.getDimSize(0),
                                     inputType.getDimSize(1), outSize[0],
                                     outSize[1]};
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < 2; ++d)
      if (ShapedType::isDynamic(outShape[d]))
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, input, d));
    auto outType = RankedTensorType::get(outShape, acc);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, outShape, acc, dynamicSizes);
    Value height = tensor::DimOp::create(rewriter, loc, input, 2);
    Value width = tensor::DimOp::create(rewriter, loc, input, 3);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, op.getContext());
    Value pooled =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{outType}, ValueRange{}, ValueRange{init},
            SmallVector<AffineMap>{identity},
            SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange) {
              auto bounds = [&](int64_t loop, Value size, int64_t cells) {
                Value i = linalg::IndexOp::create(b, l, loop);
                Value n = arith::ConstantIndexOp::create(b, l, cells);
                Value one = arith::ConstantIndexOp::create(b, l, 1);
                Value begin = arith::DivUIOp::create(
                    b, l, arith::MulIOp::create(b, l, i, size), n);
                Value end = arith::CeilDivUIOp::create(
                    b, l,
                    arith::MulIOp::create(
                        b, l, arith::AddIOp::create(b, l, i, one), size),
                    n);
                return std::make_pair(begin, end);
              };
              auto [rowBegin, rowEnd] = bounds(2, height, outSize[0]);
              auto [colBegin, colEnd] = bounds(3, width, outSize[1]);
              Value n = linalg::IndexOp::create(b, l, 0);
              Value c = linalg::IndexOp::create(b, l, 1);
              Value one = arith::ConstantIndexOp::create(b, l, 1);
              Value zero = buildScalarConstant(b, l, acc, 0);
              auto rows = scf::ForOp::create(
                  b, l, rowBegin, rowEnd, one, ValueRange{zero},
                  [&](OpBuilder &rb, Location rl, Value row, ValueRange sum) {
                    auto cols = scf::ForOp::create(
                        rb, rl, colBegin, colEnd, one, sum,
                        [&](OpBuilder &cb, Location cl, Value col,
                            ValueRange inner) {
                          Value x = tensor::ExtractOp::create(
                              cb, cl, input, ValueRange{n, c, row, col});
                          Value next = arith::AddFOp::create(
                              cb, cl, inner[0], convertScalar(cb, cl, x, acc));
                          scf::YieldOp::create(cb, cl, next);
                        });
                    scf::YieldOp::create(rb, rl, cols.getResults());
                  });
              Value count = arith::MulIOp::create(
                  b, l, arith::SubIOp::create(b, l, rowEnd, rowBegin),
                  arith::SubIOp::create(b, l, colEnd, colBegin));
              Value countValue = convertScalar(
                  b, l, arith::IndexCastOp::create(b, l, b.getI64Type(), count),
                  acc);
              linalg::YieldOp::create(
                  b, l,
                  Value(arith::DivFOp::create(b, l, rows.getResult(0),
                                              countValue)));
            })
            .getResult(0);
    pooled = castTensor(rewriter, loc, pooled,
                        RankedTensorType::get(outShape, elementType));
    rewriter.replaceOp(op, removeBatchDim(rewriter, loc, pooled, resultType));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Adjoints (the gradients mithril-differentiate builds)
//===----------------------------------------------------------------------===//

/// `value` [N, G * n, S...] viewed as [N, G, n, S...].
Value splitGroups(OpBuilder &b, Location loc, Value value, int64_t groups) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t perGroup = type.getDimSize(1) / groups;
  SmallVector<int64_t> shape = {type.getDimSize(0), groups, perGroup};
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, value, 0),
                                     b.getIndexAttr(groups),
                                     b.getIndexAttr(perGroup)};
  SmallVector<ReassociationIndices> reassociation = {{0}, {1, 2}};
  for (int64_t d = 2; d < type.getRank(); ++d) {
    shape.push_back(type.getDimSize(d));
    sizes.push_back(tensor::getMixedSize(b, loc, value, d));
    reassociation.push_back({d + 1});
  }
  return tensor::ExpandShapeOp::create(b, loc, type.clone(shape), value,
                                       reassociation, sizes);
}

/// The weight [O, C/G, K...] viewed as [G, O/G, C/G, K...].
Value splitWeightGroups(OpBuilder &b, Location loc, Value weight,
                        int64_t groups) {
  auto type = cast<RankedTensorType>(weight.getType());
  SmallVector<int64_t> shape = {groups, type.getDimSize(0) / groups};
  llvm::append_range(shape, type.getShape().drop_front());
  SmallVector<ReassociationIndices> reassociation = {{0, 1}};
  for (int64_t d = 1; d < type.getRank(); ++d)
    reassociation.push_back({d + 1});
  return tensor::ExpandShapeOp::create(b, loc, type.clone(shape), weight,
                                       reassociation);
}

/// The window of a convolution adjoint.
template <typename GradOp> Window convGradWindow(GradOp op) {
  Window w;
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  for (int64_t d = 2; d < weightType.getRank(); ++d)
    w.kernel.push_back(weightType.getDimSize(d));
  w.stride = llvm::to_vector(op.getStride());
  w.dilation = llvm::to_vector(op.getDilation());
  ArrayRef<int64_t> padding = op.getPadding();
  for (size_t i = 0; i + 1 < padding.size(); i += 2)
    w.padding.push_back({padding[i], padding[i + 1]});
  return w;
}

//===----------------------------------------------------------------------===//
// Adjoints as matmuls (one group)
//===----------------------------------------------------------------------===//
//
// With cols[(ic, k), (n, o)] = input_padded[n, ic, o * stride + k * dilation]
// (im2col) and the output gradient as G[oc, (n, o)], the weight's gradient
// is G cols^T and the input's is col2im(W^T G): both run on the tiled,
// vectorised matmul kernels. col2im adds each kernel offset's rows into a
// strided view of the padded input gradient, one elementwise pass per
// offset.

/// A copy of `input` into a new tensor of `sizes`, read through `map`.
Value copyThrough(OpBuilder &b, Location loc, Value input, AffineMap map,
                  ArrayRef<OpFoldResult> sizes) {
  Type element = getElementTypeOrSelf(input);
  Value init = tensor::EmptyOp::create(b, loc, sizes, element);
  unsigned loops = sizes.size();
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{input},
             ValueRange{init},
             SmallVector<AffineMap>{
                 map, AffineMap::getMultiDimIdentityMap(loops, b.getContext())},
             SmallVector<utils::IteratorType>(loops,
                                              utils::IteratorType::parallel),
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, args[0]);
             })
      .getResult(0);
}

/// `lhs [M, K]` times `rhs [K, N]` in `element`.
Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Type element) {
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, lhs, 0),
                                     tensor::getMixedSize(b, loc, rhs, 1)};
  Value zero =
      arith::ConstantOp::create(b, loc, element, b.getZeroAttr(element));
  Value init = linalg::FillOp::create(
                   b, loc, zero,
                   tensor::EmptyOp::create(b, loc, sizes, element).getResult())
                   .getResult(0);
  return linalg::MatmulOp::create(b, loc, ValueRange{lhs, rhs},
                                  ValueRange{init})
      .getResult(0);
}

/// `value` with its dims permuted (dim i of the result is dim
/// `permutation[i]` of `value`), as a linalg.transpose: the CPU target
/// splits it into squares of vector lanes, on every thread.
Value transposeOf(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> permutation) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : permutation)
    sizes.push_back(tensor::getMixedSize(b, loc, value, d));
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, getElementTypeOrSelf(value));
  return linalg::TransposeOp::create(b, loc, value, init, permutation)
      .getResult()[0];
}

/// The output gradient [N, OC, O...] as G [OC, N * O...].
Value gradientRows(OpBuilder &b, Location loc, Value grad) {
  int64_t rank = cast<RankedTensorType>(grad.getType()).getRank();
  SmallVector<int64_t> permutation = {1, 0};
  for (int64_t d = 2; d < rank; ++d)
    permutation.push_back(d);
  Value transposed = transposeOf(b, loc, grad, permutation);
  ReassociationIndices columns;
  for (int64_t d = 1; d < rank; ++d)
    columns.push_back(d);
  return tensor::CollapseShapeOp::create(
      b, loc, transposed, SmallVector<ReassociationIndices>{{0}, columns});
}

/// The output gradient [N, OC, O...] as [N * O..., OC].
Value gradientColumns(OpBuilder &b, Location loc, Value grad) {
  int64_t rank = cast<RankedTensorType>(grad.getType()).getRank();
  if (rank > 3) {
    ReassociationIndices outputs;
    for (int64_t d = 2; d < rank; ++d)
      outputs.push_back(d);
    grad = tensor::CollapseShapeOp::create(
        b, loc, grad, SmallVector<ReassociationIndices>{{0}, {1}, outputs});
  }
  Value transposed = transposeOf(b, loc, grad, {0, 2, 1});
  return tensor::CollapseShapeOp::create(
      b, loc, transposed, SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

/// dW = (cols G^T)^T for one group, cols [(ic, k...), (n, o...)] in the
/// layout of the forward im2col, whose window copies the code generator
/// splits by kernel offset into vectorised rows; the transposes are of the
/// gradient and of dW, which are smaller than cols.
Value weightGradientByMatmul(OpBuilder &b, Location loc, Value input,
                             Value grad, const Window &w,
                             RankedTensorType weightType) {
  MLIRContext *context = b.getContext();
  int64_t s = w.kernel.size();
  Type element = weightType.getElementType();
  Value padded =
      padSpatial(b, loc, input, w, buildScalarConstant(b, loc, element, 0));
  // Loops ic, k..., n, o...
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
  unsigned loops = 2 + 2 * s, n = 1 + s;
  SmallVector<AffineExpr> window = {dim(n), dim(0)};
  llvm::append_range(window, windowExprs(w, n + 1, 1, context));
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(weightType.getDimSize(1))};
  for (int64_t i = 0; i < s; ++i)
    sizes.push_back(b.getIndexAttr(w.kernel[i]));
  sizes.push_back(tensor::getMixedSize(b, loc, grad, 0));
  for (int64_t i = 0; i < s; ++i)
    sizes.push_back(tensor::getMixedSize(b, loc, grad, 2 + i));
  Value cols = copyThrough(b, loc, padded,
                           AffineMap::get(loops, 0, window, context), sizes);
  ReassociationIndices depth, columns;
  for (int64_t i = 0; i <= s; ++i) {
    depth.push_back(i);
    columns.push_back(n + i);
  }
  cols = tensor::CollapseShapeOp::create(
      b, loc, cols, SmallVector<ReassociationIndices>{depth, columns});
  Value product = matmul(b, loc, cols, gradientColumns(b, loc, grad), element);
  ReassociationIndices filter;
  for (int64_t i = 0; i <= s; ++i)
    filter.push_back(1 + i);
  return tensor::ExpandShapeOp::create(
      b, loc, weightType, transposeOf(b, loc, product, {1, 0}),
      SmallVector<ReassociationIndices>{{0}, filter});
}

/// dX = col2im(W^T G) for one group.
Value inputGradientByMatmul(OpBuilder &b, Location loc, Value input, Value grad,
                            Value weight, const Window &w) {
  MLIRContext *context = b.getContext();
  int64_t s = w.kernel.size();
  auto weightType = cast<RankedTensorType>(weight.getType());
  Type element = weightType.getElementType();
  int64_t channels = weightType.getDimSize(1);
  // W^T [IC * K..., OC].
  ReassociationIndices filter;
  for (int64_t i = 0; i <= s; ++i)
    filter.push_back(1 + i);
  Value rows = tensor::CollapseShapeOp::create(
      b, loc, weight, SmallVector<ReassociationIndices>{{0}, filter});
  Value transposed = transposeOf(b, loc, rows, {1, 0});
  Value dcols = matmul(b, loc, transposed, gradientRows(b, loc, grad), element);
  // dcols as [IC, K..., N, O...].
  SmallVector<OpFoldResult> colSizes = {b.getIndexAttr(channels)};
  for (int64_t i = 0; i < s; ++i)
    colSizes.push_back(b.getIndexAttr(w.kernel[i]));
  ReassociationIndices depth = {0}, columns;
  for (int64_t i = 0; i < s; ++i)
    depth.push_back(1 + i);
  for (int64_t i = 0; i <= s; ++i) {
    colSizes.push_back(tensor::getMixedSize(b, loc, grad, i == 0 ? 0 : 1 + i));
    columns.push_back(1 + s + i);
  }
  SmallVector<int64_t> colShape;
  SmallVector<Value> dynamicSizes;
  dispatchIndexOpFoldResults(colSizes, dynamicSizes, colShape);
  dcols = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(colShape, element), dcols,
      SmallVector<ReassociationIndices>{depth, columns}, colSizes);

  // The padded input gradient gains each kernel offset's share.
  SmallVector<OpFoldResult> paddedSizes = {
      tensor::getMixedSize(b, loc, input, 0), b.getIndexAttr(channels)};
  for (int64_t i = 0; i < s; ++i)
    paddedSizes.push_back(Value(arith::AddIOp::create(
        b, loc, tensor::DimOp::create(b, loc, input, 2 + i),
        arith::ConstantIndexOp::create(
            b, loc, w.padding[i].first + w.padding[i].second))));
  Value result = buildZeros(b, loc, paddedSizes, element);
  SmallVector<OpFoldResult> viewSizes = {tensor::getMixedSize(b, loc, input, 0),
                                         b.getIndexAttr(channels)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  SmallVector<int64_t> pieceShape = {channels, colShape[1 + s]};
  for (int64_t i = 0; i < s; ++i) {
    viewSizes.push_back(tensor::getMixedSize(b, loc, grad, 2 + i));
    strides.push_back(b.getIndexAttr(w.stride[i]));
    pieceShape.push_back(colShape[2 + s + i]);
  }
  int64_t offsets = 1;
  for (int64_t k : w.kernel)
    offsets *= k;
  unsigned rank = 2 + s;
  SmallVector<AffineExpr> pieceExprs = {getAffineDimExpr(1, context),
                                        getAffineDimExpr(0, context)};
  for (int64_t i = 0; i < s; ++i)
    pieceExprs.push_back(getAffineDimExpr(2 + i, context));
  AffineMap pieceMap = AffineMap::get(rank, 0, pieceExprs, context);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  for (int64_t flat = 0; flat < offsets; ++flat) {
    // The kernel offset k... of `flat`, row-major.
    SmallVector<int64_t> k(s);
    for (int64_t i = s - 1, rest = flat; i >= 0; --i) {
      k[i] = rest % w.kernel[i];
      rest /= w.kernel[i];
    }
    SmallVector<OpFoldResult> viewOffsets(2, b.getIndexAttr(0));
    SmallVector<OpFoldResult> pieceOffsets = {b.getIndexAttr(0)};
    SmallVector<OpFoldResult> pieceSizes = {b.getIndexAttr(channels)};
    for (int64_t i = 0; i < s; ++i) {
      viewOffsets.push_back(b.getIndexAttr(k[i] * w.dilation[i]));
      pieceOffsets.push_back(b.getIndexAttr(k[i]));
      pieceSizes.push_back(b.getIndexAttr(1));
    }
    for (int64_t i = 0; i <= s; ++i) {
      pieceOffsets.push_back(b.getIndexAttr(0));
      pieceSizes.push_back(colSizes[1 + s + i]);
    }
    Value piece = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(pieceShape, element), dcols, pieceOffsets,
        pieceSizes,
        SmallVector<OpFoldResult>(colShape.size(), b.getIndexAttr(1)));
    Value view = tensor::ExtractSliceOp::create(b, loc, result, viewOffsets,
                                                viewSizes, strides);
    Value updated =
        linalg::GenericOp::create(
            b, loc, TypeRange{view.getType()}, ValueRange{piece},
            ValueRange{view}, SmallVector<AffineMap>{pieceMap, identity},
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l, Value(arith::AddFOp::create(nb, l, args[1], args[0])));
            })
            .getResult(0);
    result = tensor::InsertSliceOp::create(b, loc, updated, result, viewOffsets,
                                           viewSizes, strides);
  }
  // Drop the padding.
  SmallVector<OpFoldResult> inner(2, b.getIndexAttr(0));
  for (int64_t i = 0; i < s; ++i)
    inner.push_back(b.getIndexAttr(w.padding[i].first));
  return tensor::ExtractSliceOp::create(
      b, loc, result, inner, tensor::getMixedSizes(b, loc, input),
      SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
}

/// dW[g, oc, ic, k] = sum over n, o of grad[n, g, oc, o] *
/// input_padded[n, g, ic, o * stride + k * dilation].
struct ConvGradWeightToGeneric : OpConversionPattern<ConvGradWeightOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvGradWeightOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    Window w = convGradWindow(op);
    int64_t spatial = w.kernel.size(), groups = op.getGroups();
    RankedTensorType weightType = op.getType();
    Type elementType = weightType.getElementType();
    Type acc = getAccumulatorType(elementType);
    Value input = addBatchDim(rewriter, loc, adaptor.getInput(), spatial + 2);
    Value grad = addBatchDim(rewriter, loc, adaptor.getGrad(), spatial + 2);
    if (groups == 1 && elementType.isF32()) {
      rewriter.replaceOp(op, weightGradientByMatmul(rewriter, loc, input, grad,
                                                    w, weightType));
      return success();
    }
    Value padded = padSpatial(
        rewriter, loc, input, w,
        buildScalarConstant(rewriter, loc, getElementTypeOrSelf(input), 0));
    Value groupedInput = splitGroups(rewriter, loc, padded, groups);
    Value groupedGrad = splitGroups(rewriter, loc, grad, groups);
    SmallVector<int64_t> outShape = {groups, weightType.getDimSize(0) / groups};
    llvm::append_range(outShape, weightType.getShape().drop_front());
    SmallVector<OpFoldResult> outSizes;
    for (int64_t size : outShape)
      outSizes.push_back(rewriter.getIndexAttr(size));
    Value init = buildZeros(rewriter, loc, outSizes, acc);
    // Loops: g, oc, ic, k..., n, o...
    unsigned firstKernel = 3, n = 3 + spatial, firstOutput = 4 + spatial;
    unsigned numLoops = 4 + 2 * spatial;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineExpr> inputExprs = {dim(n), dim(0), dim(2)};
    llvm::append_range(inputExprs,
                       windowExprs(w, firstOutput, firstKernel, context));
    SmallVector<AffineExpr> gradExprs = {dim(n), dim(0), dim(1)};
    SmallVector<AffineExpr> outExprs = {dim(0), dim(1), dim(2)};
    for (int64_t i = 0; i < spatial; ++i) {
      gradExprs.push_back(dim(firstOutput + i));
      outExprs.push_back(dim(firstKernel + i));
    }
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::parallel);
    for (unsigned i = n; i < numLoops; ++i)
      iterators[i] = utils::IteratorType::reduction;
    auto outType = RankedTensorType::get(outShape, acc);
    Value sum = sumOfProducts(
        rewriter, loc, outType, ValueRange{groupedInput, groupedGrad}, init,
        SmallVector<AffineMap>{AffineMap::get(numLoops, 0, inputExprs, context),
                               AffineMap::get(numLoops, 0, gradExprs, context),
                               AffineMap::get(numLoops, 0, outExprs, context)},
        iterators, acc);
    SmallVector<ReassociationIndices> groupsBack = {{0, 1}};
    for (int64_t d = 2; d < outType.getRank(); ++d)
      groupsBack.push_back({d});
    Value flat = tensor::CollapseShapeOp::create(
        rewriter, loc, weightType.clone(acc), sum, groupsBack);
    rewriter.replaceOp(op, castTensor(rewriter, loc, flat, weightType));
    return success();
  }
};

/// dX[n, g, ic, h] = sum over oc, k of spread[n, g, oc, h + k * dilation] *
/// W[g, oc, ic, K - 1 - k], where `spread` holds grad[.., o] at
/// o * stride + dilation * (K - 1) - padding_before and zeros elsewhere (a
/// transposed convolution).
struct ConvGradInputToGeneric : OpConversionPattern<ConvGradInputOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    Window w = convGradWindow(op);
    int64_t spatial = w.kernel.size(), groups = op.getGroups();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    Type acc = getAccumulatorType(elementType);
    Value input = addBatchDim(rewriter, loc, adaptor.getInput(), spatial + 2);
    Value grad = addBatchDim(rewriter, loc, adaptor.getGrad(), spatial + 2);
    if (groups == 1 && elementType.isF32()) {
      Value dx = inputGradientByMatmul(rewriter, loc, input, grad,
                                       adaptor.getWeight(), w);
      dx = withType(rewriter, loc, dx, cast<RankedTensorType>(input.getType()));
      rewriter.replaceOp(op,
                         withType(rewriter, loc,
                                  removeBatchDim(rewriter, loc, dx, resultType),
                                  resultType));
      return success();
    }

    // The spread gradient [N, O, H + dilation * (K - 1) ...].
    SmallVector<OpFoldResult> spreadSizes = {
        tensor::getMixedSize(rewriter, loc, grad, 0),
        tensor::getMixedSize(rewriter, loc, grad, 1)};
    SmallVector<OpFoldResult> offsets(2, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t extent = w.dilation[i] * (w.kernel[i] - 1);
      Value size = tensor::DimOp::create(rewriter, loc, input, 2 + i);
      spreadSizes.push_back(Value(arith::AddIOp::create(
          rewriter, loc, size,
          arith::ConstantIndexOp::create(rewriter, loc, extent))));
      offsets.push_back(rewriter.getIndexAttr(extent - w.padding[i].first));
      strides.push_back(rewriter.getIndexAttr(w.stride[i]));
    }
    Value spread =
        buildZeros(rewriter, loc, spreadSizes, getElementTypeOrSelf(grad));
    spread = tensor::InsertSliceOp::create(
        rewriter, loc, grad, spread, offsets,
        tensor::getMixedSizes(rewriter, loc, grad), strides);
    Value groupedSpread = splitGroups(rewriter, loc, spread, groups);
    Value weight =
        splitWeightGroups(rewriter, loc, adaptor.getWeight(), groups);

    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t groupIn = inputType.getDimSize(1) / groups;
    SmallVector<OpFoldResult> outSizes = {
        tensor::getMixedSize(rewriter, loc, input, 0),
        rewriter.getIndexAttr(groups), rewriter.getIndexAttr(groupIn)};
    SmallVector<int64_t> outShape = {inputType.getDimSize(0), groups, groupIn};
    for (int64_t i = 0; i < spatial; ++i) {
      outSizes.push_back(tensor::getMixedSize(rewriter, loc, input, 2 + i));
      outShape.push_back(inputType.getDimSize(2 + i));
    }
    Value init = buildZeros(rewriter, loc, outSizes, acc);
    // Loops: n, g, ic, h..., oc, k...
    unsigned firstSpatial = 3, oc = 3 + spatial, firstKernel = 4 + spatial;
    unsigned numLoops = 4 + 2 * spatial;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineExpr> spreadExprs = {dim(0), dim(1), dim(oc)};
    SmallVector<AffineExpr> weightExprs = {dim(1), dim(oc), dim(2)};
    SmallVector<AffineExpr> outExprs = {dim(0), dim(1), dim(2)};
    for (int64_t i = 0; i < spatial; ++i) {
      spreadExprs.push_back(dim(firstSpatial + i) +
                            dim(firstKernel + i) * w.dilation[i]);
      weightExprs.push_back(getAffineConstantExpr(w.kernel[i] - 1, context) -
                            dim(firstKernel + i));
      outExprs.push_back(dim(firstSpatial + i));
    }
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::parallel);
    for (unsigned i = oc; i < numLoops; ++i)
      iterators[i] = utils::IteratorType::reduction;
    auto outType = RankedTensorType::get(outShape, acc);
    // A window-shaped operand (never read) gives the kernel loops their
    // bounds, which the flipped weight index does not.
    Value window = tensor::EmptyOp::create(rewriter, loc, w.kernel, acc);
    SmallVector<AffineExpr> windowExprs;
    for (int64_t i = 0; i < spatial; ++i)
      windowExprs.push_back(dim(firstKernel + i));
    Value sum = sumOfProducts(
        rewriter, loc, outType, ValueRange{groupedSpread, weight, window}, init,
        SmallVector<AffineMap>{
            AffineMap::get(numLoops, 0, spreadExprs, context),
            AffineMap::get(numLoops, 0, weightExprs, context),
            AffineMap::get(numLoops, 0, windowExprs, context),
            AffineMap::get(numLoops, 0, outExprs, context)},
        iterators, acc);
    SmallVector<ReassociationIndices> groupsBack = {{0}, {1, 2}};
    for (int64_t d = 3; d < outType.getRank(); ++d)
      groupsBack.push_back({d});
    SmallVector<int64_t> flatShape(inputType.getShape());
    Value flat = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(flatShape, acc), sum, groupsBack);
    flat = castTensor(rewriter, loc, flat,
                      RankedTensorType::get(flatShape, elementType));
    rewriter.replaceOp(op,
                       withType(rewriter, loc,
                                removeBatchDim(rewriter, loc, flat, resultType),
                                resultType));
    return success();
  }
};

/// The gradient of a pooling: for each window offset (kh, kw), the strided
/// view of the padded input gradient that offset touches gains the output
/// gradient times the offset's share (1 / window for "avg"; for "max", 1
/// where the offset is the window's first maximum).
struct Pool2dGradToLinalg : OpConversionPattern<Pool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;

  /// The offset in each window of its first maximum, as an i64 [N, C, O...].
  static Value firstMaxima(OpBuilder &b, Location loc, Value padded, Value grad,
                           const Window &w) {
    Type elementType = getElementTypeOrSelf(padded);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, grad);
    auto lowest = arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(
            elementType,
            APFloat::getInf(cast<FloatType>(elementType).getFloatSemantics(),
                            true)));
    Value maxima =
        linalg::FillOp::create(
            b, loc, Value(lowest),
            Value(tensor::EmptyOp::create(b, loc, sizes, elementType)))
            .getResult(0);
    Value positions =
        linalg::FillOp::create(
            b, loc, buildScalarConstant(b, loc, b.getI64Type(), 0),
            Value(tensor::EmptyOp::create(b, loc, sizes, b.getI64Type())))
            .getResult(0);
    // A strictly greater element moves the maximum: the first one stays.
    return foldWindowOffsets(
               b, loc, padded, w, ValueRange{maxima, positions},
               [](OpBuilder &nb, Location l, Value element, ValueRange best,
                  int64_t offset) -> SmallVector<Value> {
                 Value better = arith::CmpFOp::create(
                     nb, l, arith::CmpFPredicate::OGT, element, best[0]);
                 Value position =
                     buildScalarConstant(nb, l, nb.getI64Type(), offset);
                 return {
                     arith::SelectOp::create(nb, l, better, element, best[0]),
                     arith::SelectOp::create(nb, l, better, position, best[1])};
               })
        .back();
  }

  LogicalResult
  matchAndRewrite(Pool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    bool isMax = op.getKind() == "max";
    Window w;
    w.kernel = llvm::to_vector(op.getKernelSize());
    w.stride = llvm::to_vector(op.getStride());
    w.dilation.assign(2, 1);
    for (int64_t p : op.getPadding())
      w.padding.push_back({p, p});
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    Value input = addBatchDim(rewriter, loc, adaptor.getInput(), 4);
    Value grad = addBatchDim(rewriter, loc, adaptor.getGrad(), 4);

    Value positions;
    if (isMax) {
      auto floatType = cast<FloatType>(elementType);
      Value lowest = arith::ConstantOp::create(
          rewriter, loc,
          rewriter.getFloatAttr(
              elementType,
              APFloat::getInf(floatType.getFloatSemantics(), true)));
      positions = firstMaxima(
          rewriter, loc, padSpatial(rewriter, loc, input, w, lowest), grad, w);
    }

    // The padded input gradient, then each offset's strided share.
    SmallVector<OpFoldResult> paddedSizes = {
        tensor::getMixedSize(rewriter, loc, input, 0),
        tensor::getMixedSize(rewriter, loc, input, 1)};
    for (int64_t i = 0; i < 2; ++i)
      paddedSizes.push_back(Value(arith::AddIOp::create(
          rewriter, loc, tensor::DimOp::create(rewriter, loc, input, 2 + i),
          arith::ConstantIndexOp::create(rewriter, loc,
                                         2 * w.padding[i].first))));
    Value result = buildZeros(rewriter, loc, paddedSizes, elementType);
    SmallVector<OpFoldResult> viewSizes =
        tensor::getMixedSizes(rewriter, loc, grad);
    SmallVector<OpFoldResult> strides = {
        rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
        rewriter.getIndexAttr(w.stride[0]), rewriter.getIndexAttr(w.stride[1])};
    double share = 1.0 / double(w.kernel[0] * w.kernel[1]);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, context);
    for (int64_t kh = 0; kh < w.kernel[0]; ++kh) {
      for (int64_t kw = 0; kw < w.kernel[1]; ++kw) {
        SmallVector<OpFoldResult> offsets = {
            rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
            rewriter.getIndexAttr(kh), rewriter.getIndexAttr(kw)};
        Value view = tensor::ExtractSliceOp::create(
            rewriter, loc, result, offsets, viewSizes, strides);
        SmallVector<Value> ins = {grad};
        if (isMax)
          ins.push_back(positions);
        int64_t offset = kh * w.kernel[1] + kw;
        Value updated =
            linalg::GenericOp::create(
                rewriter, loc, TypeRange{view.getType()}, ins, ValueRange{view},
                SmallVector<AffineMap>(ins.size() + 1, identity),
                SmallVector<utils::IteratorType>(4,
                                                 utils::IteratorType::parallel),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value contribution;
                  if (isMax) {
                    Value hit = arith::CmpIOp::create(
                        b, l, arith::CmpIPredicate::eq, args[1],
                        buildScalarConstant(b, l, b.getI64Type(), offset));
                    contribution = arith::SelectOp::create(
                        b, l, hit, args[0],
                        buildScalarConstant(b, l, elementType, 0));
                  } else {
                    contribution = arith::MulFOp::create(
                        b, l, args[0],
                        buildScalarConstant(b, l, elementType, share));
                  }
                  linalg::YieldOp::create(
                      b, l,
                      Value(arith::AddFOp::create(b, l, args.back(),
                                                  contribution)));
                })
                .getResult(0);
        result = tensor::InsertSliceOp::create(rewriter, loc, updated, result,
                                               offsets, viewSizes, strides);
      }
    }
    // Drop the padding.
    SmallVector<OpFoldResult> inner = {
        rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
        rewriter.getIndexAttr(w.padding[0].first),
        rewriter.getIndexAttr(w.padding[1].first)};
    Value cropped = tensor::ExtractSliceOp::create(
        rewriter, loc, result, inner,
        tensor::getMixedSizes(rewriter, loc, input),
        SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
    cropped = withType(rewriter, loc, cropped,
                       cast<RankedTensorType>(input.getType()));
    rewriter.replaceOp(
        op, withType(rewriter, loc,
                     removeBatchDim(rewriter, loc, cropped, resultType),
                     resultType));
    return success();
  }
};

} // namespace

void mlir::mithril::populateConvPoolToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<ConvToGeneric<Conv1dOp>, ConvToGeneric<Conv2dOp>,
           PoolToGeneric<MaxPool2dOp, true>, PoolToGeneric<AvgPool2dOp, false>,
           AdaptiveAvgPoolToGeneric, ConvGradWeightToGeneric,
           ConvGradInputToGeneric, Pool2dGradToLinalg>(patterns.getContext());
}

//===- NormalizationToLinalg.cpp - Batch, layer, RMS and group norms ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The norms as PyTorch computes them at inference: statistics (a mean and
// a biased variance, or a mean square) by reductions in f32 or wider, then
// one elementwise `linalg.generic` that normalises and applies the affine
// parameters. Per-channel parameters `[C]` are reshaped to `[C, 1, ...]` so
// that they broadcast along dim 1.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// A per-channel parameter `[C]` as `[C, 1, ...]`, to broadcast along dim 1
/// of an input of `inputRank`.
Value alongChannels(OpBuilder &b, Location loc, Value parameter,
                    int64_t inputRank) {
  int64_t trailing = inputRank - 2;
  if (trailing <= 0)
    return parameter;
  auto type = cast<RankedTensorType>(parameter.getType());
  SmallVector<int64_t> shape = {type.getDimSize(0)};
  shape.append(trailing, 1);
  SmallVector<ReassociationIndices> reassociation = {
      llvm::to_vector(llvm::seq<int64_t>(0, trailing + 1))};
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), parameter,
      reassociation);
}

/// (x - mean) * rsqrt(variance + eps) [* weight] [+ bias], elementwise,
/// computed in f32 or wider; absent operands are null.
Value buildNormalize(OpBuilder &b, Location loc, RankedTensorType resultType,
                     Value x, Value mean, Value variance, double eps,
                     Value weight, Value bias) {
  Type acc = getAccumulatorType(resultType.getElementType());
  SmallVector<Value> operands = {x};
  for (Value operand : {mean, variance, weight, bias})
    if (operand)
      operands.push_back(operand);
  return buildElementwise(
      b, loc, resultType, operands,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        auto wide = [&](Value v) { return convertScalar(nb, l, v, acc); };
        unsigned next = 1;
        Value y = wide(args[0]);
        if (mean)
          y = arith::SubFOp::create(nb, l, y, wide(args[next++]));
        Value scale = math::RsqrtOp::create(
            nb, l,
            arith::AddFOp::create(nb, l, wide(args[next++]),
                                  buildScalarConstant(nb, l, acc, eps)));
        y = arith::MulFOp::create(nb, l, y, scale);
        if (weight)
          y = arith::MulFOp::create(nb, l, y, wide(args[next++]));
        if (bias)
          y = arith::AddFOp::create(nb, l, y, wide(args[next++]));
        return convertScalar(nb, l, y, resultType.getElementType());
      });
}

/// The mean and biased variance of `x` over `dims`, kept as size-1 dims.
std::pair<Value, Value> buildMoments(OpBuilder &b, Location loc, Value x,
                                     ArrayRef<int64_t> dims, Type acc) {
  auto type = cast<RankedTensorType>(x.getType());
  Value mean = buildMean(b, loc, x, dims, /*keepdim=*/true, acc);
  Value squares = buildElementwise(
      b, loc, RankedTensorType::get(type.getShape(), acc), ValueRange{x, mean},
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value d = arith::SubFOp::create(
            nb, l, convertScalar(nb, l, args[0], acc), args[1]);
        return arith::MulFOp::create(nb, l, d, d);
      });
  return {mean, buildMean(b, loc, squares, dims, /*keepdim=*/true, acc)};
}

/// The last `count` dims of a tensor of `rank`.
SmallVector<int64_t> trailingDims(int64_t rank, int64_t count) {
  return llvm::to_vector(llvm::seq<int64_t>(rank - count, rank));
}

template <typename BatchNormOp>
struct BatchNormToGeneric : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern<BatchNormOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormOp op, typename BatchNormOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    auto channels = [&](Value v) {
      return alongChannels(rewriter, loc, v, rank);
    };
    Value result = buildNormalize(
        rewriter, loc, resultType, adaptor.getInput(),
        channels(adaptor.getRunningMean()), channels(adaptor.getRunningVar()),
        op.getEps().convertToDouble(), channels(adaptor.getWeight()),
        channels(adaptor.getBias()));
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LayerNormToGeneric : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type acc = getAccumulatorType(resultType.getElementType());
    SmallVector<int64_t> dims =
        trailingDims(resultType.getRank(),
                     static_cast<int64_t>(op.getNormalizedShape().size()));
    auto [mean, variance] =
        buildMoments(rewriter, loc, adaptor.getInput(), dims, acc);
    rewriter.replaceOp(
        op, buildNormalize(rewriter, loc, resultType, adaptor.getInput(), mean,
                           variance, op.getEps().convertToDouble(),
                           adaptor.getWeight(), adaptor.getBias()));
    return success();
  }
};

/// x * rsqrt(mean(x^2) + eps) * weight: no centering.
struct RMSNormToGeneric : OpConversionPattern<RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type acc = getAccumulatorType(resultType.getElementType());
    Value x = adaptor.getInput();
    SmallVector<int64_t> dims =
        trailingDims(resultType.getRank(),
                     static_cast<int64_t>(op.getNormalizedShape().size()));
    Value squares = buildElementwise(
        rewriter, loc, RankedTensorType::get(resultType.getShape(), acc), x,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value v = convertScalar(b, l, args[0], acc);
          return arith::MulFOp::create(b, l, v, v);
        });
    Value meanSquare = buildMean(rewriter, loc, squares, dims, true, acc);
    rewriter.replaceOp(op, buildNormalize(rewriter, loc, resultType, x,
                                          /*mean=*/nullptr, meanSquare,
                                          op.getEps().convertToDouble(),
                                          adaptor.getWeight(), nullptr));
    return success();
  }
};

/// [N, C, *] viewed as [N, G, C/G, *]: statistics over all but N and G.
struct GroupNormToGeneric : OpConversionPattern<GroupNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GroupNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(x.getType());
    int64_t rank = inputType.getRank();
    int64_t groups = op.getNumGroups(), channels = op.getNumChannels();
    Type acc = getAccumulatorType(resultType.getElementType());

    // The grouped view and its output shape (dynamic dims read off x).
    SmallVector<int64_t> shape = {inputType.getDimSize(0), groups,
                                  channels / groups};
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        rewriter.getIndexAttr(groups),
        rewriter.getIndexAttr(channels / groups)};
    SmallVector<ReassociationIndices> reassociation = {{0}, {1, 2}};
    for (int64_t i = 2; i < rank; ++i) {
      shape.push_back(inputType.getDimSize(i));
      sizes.push_back(tensor::getMixedSize(rewriter, loc, x, i));
      reassociation.push_back({i + 1});
    }
    auto groupedType = RankedTensorType::get(shape, inputType.getElementType());
    Value grouped = tensor::ExpandShapeOp::create(rewriter, loc, groupedType, x,
                                                  reassociation, sizes);
    SmallVector<int64_t> dims =
        llvm::to_vector(llvm::seq<int64_t>(2, rank + 1));
    auto [mean, variance] = buildMoments(rewriter, loc, grouped, dims, acc);
    Value normalized =
        buildNormalize(rewriter, loc, groupedType, grouped, mean, variance,
                       op.getEps().convertToDouble(), nullptr, nullptr);
    Value flat = tensor::CollapseShapeOp::create(rewriter, loc, inputType,
                                                 normalized, reassociation);
    // The affine parameters are per channel.
    Value weight = alongChannels(rewriter, loc, adaptor.getWeight(), rank);
    Value bias = alongChannels(rewriter, loc, adaptor.getBias(), rank);
    Value result = buildElementwise(
        rewriter, loc, resultType, ValueRange{flat, weight, bias},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value y = arith::MulFOp::create(b, l, args[0], args[1]);
          return arith::AddFOp::create(b, l, y, args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mithril::populateNormalizationToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<BatchNormToGeneric<BatchNorm1dOp>, BatchNormToGeneric<BatchNorm2dOp>,
           LayerNormToGeneric, RMSNormToGeneric, GroupNormToGeneric>(
          patterns.getContext());
}

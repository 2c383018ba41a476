//===- ReductionsToLinalg.cpp - Reductions, softmax and losses ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Sum, mean, max, min, argmax and variance become `linalg.generic`
// reductions (f16/bf16 accumulated in f32); softmax and log-softmax
// subtract the maximum before exponentiating; the losses are built from
// those pieces.
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

#include "mlir/Dialect/Traits.h"

#include <limits>

using namespace mlir;
using namespace mlir::mithril;

namespace {

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

template <typename SourceOp> RankedTensorType resultTypeOf(SourceOp op) {
  return cast<RankedTensorType>(op->getResult(0).getType());
}

template <typename SourceOp>
struct SumOrMeanToGeneric : OpConversionPattern<SourceOp> {
  using OpConversionPattern<SourceOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SourceOp op, typename SourceOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> dims = reducedDims(op.getDim(), inputType.getRank());
    RankedTensorType resultType = resultTypeOf(op);
    Type acc = getAccumulatorType(resultType.getElementType());
    Value result = std::is_same_v<SourceOp, MeanOp>
                       ? buildMean(rewriter, op.getLoc(), input, dims,
                                   op.getKeepdim(), acc)
                       : buildSum(rewriter, op.getLoc(), input, dims,
                                  op.getKeepdim(), acc);
    result = castTensor(rewriter, op.getLoc(), result, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename SourceOp, bool IsMaximum>
struct ExtremumToGeneric : OpConversionPattern<SourceOp> {
  using OpConversionPattern<SourceOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SourceOp op, typename SourceOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (getElementTypeOrSelf(op.getInput().getType()).isInteger(1))
      return rewriter.notifyMatchFailure(op, "bool is not lowered yet");
    Value input = adaptor.getInput();
    SmallVector<int64_t> dims = reducedDims(
        op.getDim(), cast<RankedTensorType>(input.getType()).getRank());
    rewriter.replaceOp(op, buildExtremum(rewriter, op.getLoc(), input, dims,
                                         op.getKeepdim(), IsMaximum));
    return success();
  }
};

/// torch.var: the mean of squared deviations, divided by N - correction.
struct VarianceToGeneric : OpConversionPattern<VarianceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(VarianceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> dims = reducedDims(op.getDim(), inputType.getRank());
    RankedTensorType resultType = resultTypeOf(op);
    Type acc = getAccumulatorType(resultType.getElementType());
    Value mean = buildMean(rewriter, loc, input, dims, /*keepdim=*/true, acc);
    auto accType = RankedTensorType::get(inputType.getShape(), acc);
    Value squares = buildElementwise(
        rewriter, loc, accType, ValueRange{input, mean},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value d = arith::SubFOp::create(
              b, l, convertScalar(b, l, args[0], acc), args[1]);
          return arith::MulFOp::create(b, l, d, d);
        });
    Value sum = buildSum(rewriter, loc, squares, dims, op.getKeepdim(), acc);
    // max(N - correction, 0), as PyTorch divides by.
    Value count = buildCount(rewriter, loc, input, dims, acc);
    Value correction = buildScalarConstant(
        rewriter, loc, acc, static_cast<double>(op.getCorrection()));
    Value divisor = arith::MaximumFOp::create(
        rewriter, loc, arith::SubFOp::create(rewriter, loc, count, correction),
        buildScalarConstant(rewriter, loc, acc, 0));
    Value variance = buildScale(rewriter, loc, sum, divisor);
    rewriter.replaceOp(op, castTensor(rewriter, loc, variance, resultType));
    return success();
  }
};

/// torch.argmax: the first index of the maximum (NaN counts as the
/// maximum), into the flattened input when there is no dim. The combine
/// breaks ties on the index, so it does not depend on the order in which
/// the generic visits elements.
struct ArgMaxToGeneric : OpConversionPattern<ArgMaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ArgMaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    std::optional<int64_t> dim = op.getDim();
    SmallVector<int64_t> dims;
    if (dim)
      dims.push_back(resolveDim(*dim, rank));
    else
      dims = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    if (rank == 0)
      dims.clear();
    bool keepdim = op.getKeepdim();
    RankedTensorType resultType = resultTypeOf(op);
    Type elementType = inputType.getElementType();
    Type indexType = resultType.getElementType();

    Value lowest = buildLowest(rewriter, loc, elementType, /*lowest=*/true);
    auto valueType = reducedType(inputType, dims, keepdim, elementType);
    auto indicesType = reducedType(inputType, dims, keepdim, indexType);
    Value values =
        buildFilled(rewriter, loc, valueType, input, dims, keepdim, lowest);
    Value indices =
        buildFilled(rewriter, loc, indicesType, input, dims, keepdim,
                    buildScalarConstant(rewriter, loc, indexType, 0));
    // Sizes of the reduced dims, for the flattened index.
    SmallVector<Value> sizes;
    for (int64_t d : dims)
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, d));

    AffineMap outMap = reducedMap(rank, dims, keepdim, context);
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, context), outMap, outMap};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    for (int64_t d : dims)
      iterators[d] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indicesType}, ValueRange{input},
        ValueRange{values, indices}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0], best = args[1], bestIndex = args[2];
          // The index of this element among the reduced dims, row-major.
          Value index = arith::ConstantIndexOp::create(b, l, 0);
          for (auto [d, size] : llvm::zip_equal(dims, sizes))
            index = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, index, size),
                linalg::IndexOp::create(b, l, d));
          index = arith::IndexCastOp::create(b, l, indexType, index);
          Value greater, equal;
          if (isa<FloatType>(elementType)) {
            Value xNaN =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, x, x);
            Value bestNaN = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::UNO, best, best);
            greater = arith::OrIOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, best),
                arith::AndIOp::create(
                    b, l, xNaN,
                    arith::XOrIOp::create(
                        b, l, bestNaN,
                        arith::ConstantOp::create(b, l, b.getBoolAttr(true)))));
            equal = arith::OrIOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, x, best),
                arith::AndIOp::create(b, l, xNaN, bestNaN));
          } else {
            Value left = toSignless(b, l, x), right = toSignless(b, l, best);
            greater = arith::CmpIOp::create(b, l,
                                            isUnsignedType(elementType) ||
                                                    elementType.isInteger(1)
                                                ? arith::CmpIPredicate::ugt
                                                : arith::CmpIPredicate::sgt,
                                            left, right);
            equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, left,
                                          right);
          }
          Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                index, bestIndex);
          Value take = arith::OrIOp::create(
              b, l, greater, arith::AndIOp::create(b, l, equal, earlier));
          linalg::YieldOp::create(
              b, l,
              ValueRange{
                  arith::SelectOp::create(b, l, take, x, best),
                  arith::SelectOp::create(b, l, take, index, bestIndex)});
        });
    Value result = generic.getResult(1);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// softmax or log-softmax of `input` along `dim`, in f32 or wider:
/// exp(x - max) / sum(exp(x - max)), or (x - max) - log(sum(exp(x - max))).
Value buildSoftmax(OpBuilder &b, Location loc, Value input, int64_t dim,
                   bool logarithm) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type acc = getAccumulatorType(inputType.getElementType());
  auto accType = RankedTensorType::get(inputType.getShape(), acc);
  Value x = castTensor(b, loc, input, accType);
  SmallVector<int64_t> dims = {dim};
  Value max = buildExtremum(b, loc, x, dims, /*keepdim=*/true, /*max=*/true);
  Value shifted = buildElementwise(
      b, loc, accType, ValueRange{x, max},
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::SubFOp::create(nb, l, args[0], args[1]);
      });
  Value exps = buildElementwise(
      b, loc, accType, shifted,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return math::ExpOp::create(nb, l, args[0]);
      });
  Value sum = buildSum(b, loc, exps, dims, /*keepdim=*/true, acc);
  return buildElementwise(
      b, loc, accType, ValueRange{logarithm ? shifted : exps, sum},
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        if (logarithm)
          return arith::SubFOp::create(nb, l, args[0],
                                       math::LogOp::create(nb, l, args[1]));
        return arith::DivFOp::create(nb, l, args[0], args[1]);
      });
}

template <typename SourceOp, bool IsLog>
struct SoftmaxToGeneric : OpConversionPattern<SourceOp> {
  using OpConversionPattern<SourceOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SourceOp op, typename SourceOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    int64_t dim = resolveDim(op.getDim(), rank);
    Value result = buildSoftmax(rewriter, op.getLoc(), input, dim, IsLog);
    rewriter.replaceOp(
        op, castTensor(rewriter, op.getLoc(), result, resultTypeOf(op)));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

/// Reduces per-element losses as `reduction` says.
Value reduceLoss(OpBuilder &b, Location loc, Value losses,
                 StringRef reduction) {
  if (reduction == "none")
    return losses;
  auto type = cast<RankedTensorType>(losses.getType());
  SmallVector<int64_t> all =
      llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  if (reduction == "sum")
    return buildSum(b, loc, losses, all, false, type.getElementType());
  return buildMean(b, loc, losses, all, false, type.getElementType());
}

struct MSELossToGeneric : OpConversionPattern<MSELossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MSELossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = resultTypeOf(op);
    Value input = adaptor.getInput(), target = adaptor.getTarget();
    // The broadcast shape of the two: the result's with reduction "none".
    auto inputType = cast<RankedTensorType>(input.getType());
    auto targetType = cast<RankedTensorType>(target.getType());
    SmallVector<int64_t> shape;
    if (!OpTrait::util::getBroadcastedShape(inputType.getShape(),
                                            targetType.getShape(), shape))
      return rewriter.notifyMatchFailure(op, "operands do not broadcast");
    Type acc = getAccumulatorType(resultType.getElementType());
    Value squares = buildElementwise(
        rewriter, loc, RankedTensorType::get(shape, acc),
        ValueRange{input, target},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value d =
              arith::SubFOp::create(b, l, convertScalar(b, l, args[0], acc),
                                    convertScalar(b, l, args[1], acc));
          return arith::MulFOp::create(b, l, d, d);
        });
    Value loss = reduceLoss(rewriter, loc, squares, op.getReduction());
    rewriter.replaceOp(op, castTensor(rewriter, loc, loss, resultType));
    return success();
  }
};

/// torch.nn.CrossEntropyLoss: -log_softmax over the class dim (1, or 0 for
/// an unbatched input), picked at the target class, or weighted by target
/// probabilities.
struct CrossEntropyLossToGeneric : OpConversionPattern<CrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CrossEntropyLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    RankedTensorType resultType = resultTypeOf(op);
    Value input = adaptor.getInput(), target = adaptor.getTarget();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto targetType = cast<RankedTensorType>(target.getType());
    int64_t rank = inputType.getRank();
    int64_t classDim = rank == 1 ? 0 : 1;
    Type acc = getAccumulatorType(inputType.getElementType());
    Value logProbs = buildSoftmax(rewriter, loc, input, classDim, true);

    Value losses;
    if (isa<FloatType>(targetType.getElementType())) {
      // Probabilities: -sum_c target * log_softmax.
      auto accType = RankedTensorType::get(inputType.getShape(), acc);
      Value products = buildElementwise(
          rewriter, loc, accType, ValueRange{logProbs, target},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::NegFOp::create(
                b, l,
                arith::MulFOp::create(b, l, args[0],
                                      convertScalar(b, l, args[1], acc)));
          });
      losses = buildSum(rewriter, loc, products, {classDim}, false, acc);
    } else {
      // Class indices: -log_softmax[n, target[n, d...], d...].
      int64_t targetRank = targetType.getRank();
      auto lossType = RankedTensorType::get(targetType.getShape(), acc);
      SmallVector<Value> dynamicSizes;
      for (int64_t i = 0; i < targetRank; ++i)
        if (lossType.isDynamicDim(i))
          dynamicSizes.push_back(
              tensor::DimOp::create(rewriter, loc, target, i));
      Value init = tensor::EmptyOp::create(rewriter, loc, lossType.getShape(),
                                           acc, dynamicSizes);
      AffineMap identity =
          AffineMap::getMultiDimIdentityMap(targetRank, context);
      SmallVector<utils::IteratorType> iterators(targetRank,
                                                 utils::IteratorType::parallel);
      auto generic = linalg::GenericOp::create(
          rewriter, loc, TypeRange{lossType}, ValueRange{target},
          ValueRange{init}, SmallVector<AffineMap>{identity, identity},
          iterators, [&](OpBuilder &b, Location l, ValueRange args) {
            SmallVector<Value> indices;
            for (int64_t i = 0; i < targetRank; ++i)
              indices.push_back(linalg::IndexOp::create(b, l, i));
            Value cls =
                arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
            indices.insert(indices.begin() + classDim, cls);
            Value picked = tensor::ExtractOp::create(b, l, logProbs, indices);
            linalg::YieldOp::create(b, l,
                                    Value(arith::NegFOp::create(b, l, picked)));
          });
      losses = generic.getResult(0);
    }
    Value loss = reduceLoss(rewriter, loc, losses, op.getReduction());
    rewriter.replaceOp(op, castTensor(rewriter, loc, loss, resultType));
    return success();
  }
};

} // namespace

void mlir::mithril::populateReductionsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SumOrMeanToGeneric<SumOp>, SumOrMeanToGeneric<MeanOp>,
               ExtremumToGeneric<MaxOp, true>, ExtremumToGeneric<MinOp, false>,
               VarianceToGeneric, ArgMaxToGeneric,
               SoftmaxToGeneric<SoftmaxOp, false>,
               SoftmaxToGeneric<LogSoftmaxOp, true>, MSELossToGeneric,
               CrossEntropyLossToGeneric>(patterns.getContext());
}

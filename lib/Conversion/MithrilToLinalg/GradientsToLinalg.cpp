//===- GradientsToLinalg.cpp - The ops that gradients build ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Broadcasts and reshapes to another tensor's shape, element counts,
// one-hot targets and dropout masks become `linalg.generic`s and tensor
// reshapes; the embedding's gradient is a loop that adds each row of the
// gradient into the table row its index names (a scatter-add, which linalg
// cannot express). The adjoints of convolution and pooling live with
// their forward ops in ConvPoolToLinalg.cpp.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// An empty tensor of `type` whose dynamic dims are those of `like`.
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like) {
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, like, d));
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynamicSizes);
}

/// `input` broadcast like NumPy to `type`, the shape of `like`.
Value broadcastTo(OpBuilder &b, Location loc, Value input,
                  RankedTensorType type, Value like) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), extra = rank - inputType.getRank();
  MLIRContext *context = b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    exprs.push_back(inputType.getDimSize(d) == 1 &&
                            type.getDimSize(extra + d) != 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(extra + d, context));
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, exprs, context),
      AffineMap::getMultiDimIdentityMap(rank, context)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{input},
             ValueRange{emptyLike(b, loc, type, like)}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [](OpBuilder &nested, Location l, ValueRange args) {
               linalg::YieldOp::create(nested, l, args[0]);
             })
      .getResult(0);
}

struct BroadcastToToGeneric : OpConversionPattern<BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       broadcastTo(rewriter, op.getLoc(), adaptor.getInput(),
                                   op.getType(), adaptor.getLike()));
    return success();
  }
};

/// Row-major reshapes: collapse to one dim, then expand to `like`'s dims.
struct ReshapeAsToTensor : OpConversionPattern<ReshapeAsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeAsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), like = adaptor.getLike();
    auto inputType = cast<RankedTensorType>(input.getType());
    RankedTensorType resultType = op.getType();
    // One element either side: a broadcast says it without reshapes.
    if (inputType.getRank() == 0 || resultType.getRank() == 0) {
      Value scalar = input;
      if (inputType.getRank() != 0) {
        Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
        SmallVector<Value> indices(inputType.getRank(), zero);
        scalar = tensor::FromElementsOp::create(
            rewriter, loc,
            RankedTensorType::get({}, inputType.getElementType()),
            ValueRange{
                tensor::ExtractOp::create(rewriter, loc, input, indices)});
      }
      rewriter.replaceOp(op,
                         broadcastTo(rewriter, loc, scalar, resultType, like));
      return success();
    }
    Value flat = input;
    if (inputType.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < inputType.getRank(); ++d)
        all.push_back(d);
      flat = tensor::CollapseShapeOp::create(
          rewriter, loc, input, SmallVector<ReassociationIndices>{all});
    }
    // The flat type agrees with the result's: static when it is.
    auto flatType = RankedTensorType::get({resultType.hasStaticShape()
                                               ? resultType.getNumElements()
                                               : ShapedType::kDynamic},
                                          resultType.getElementType());
    flat = withType(rewriter, loc, flat, flatType);
    Value result = flat;
    if (resultType.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < resultType.getRank(); ++d)
        all.push_back(d);
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, resultType, flat,
          SmallVector<ReassociationIndices>{all},
          tensor::getMixedSizes(rewriter, loc, like));
    }
    rewriter.replaceOp(op, withType(rewriter, loc, result, resultType));
    return success();
  }
};

struct ReducedSizeToArith : OpConversionPattern<ReducedSizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReducedSizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t dim : reducedDims(op.getDim(), rank))
      count = arith::MulIOp::create(
          rewriter, loc, count,
          tensor::DimOp::create(rewriter, loc, input, dim));
    Type elementType = op.getType().getElementType();
    Value asInteger =
        arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), count);
    Value value =
        arith::SIToFPOp::create(rewriter, loc, elementType, asInteger);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(),
                                                        ValueRange{value});
    return success();
  }
};

/// 1 where the class index (dim 1, or 0 for unbatched logits) equals the
/// target, else 0.
struct OneHotToGeneric : OpConversionPattern<OneHotOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank(), classDim = rank == 1 ? 0 : 1;
    SmallVector<AffineExpr> targetExprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != classDim)
        targetExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, targetExprs, context),
        AffineMap::getMultiDimIdentityMap(rank, context)};
    Type elementType = type.getElementType();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getTarget()},
        ValueRange{emptyLike(rewriter, loc, type, adaptor.getLike())}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value index = arith::IndexCastOp::create(
              b, l, args[0].getType(), linalg::IndexOp::create(b, l, classDim));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                            index, args[0]);
          linalg::YieldOp::create(
              b, l,
              Value(arith::SelectOp::create(
                  b, l, hit, buildScalarConstant(b, l, elementType, 1),
                  buildScalarConstant(b, l, elementType, 0))));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
Value mix64(OpBuilder &b, Location loc, Value x) {
  auto constant = [&](uint64_t value) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), int64_t(value));
  };
  auto xorShift = [&](Value z, int64_t shift) -> Value {
    return arith::XOrIOp::create(
        b, loc, z, arith::ShRUIOp::create(b, loc, z, constant(shift)));
  };
  Value z = arith::AddIOp::create(b, loc, x, constant(0x9E3779B97F4A7C15ull));
  z = arith::MulIOp::create(b, loc, xorShift(z, 30),
                            constant(0xBF58476D1CE4E5B9ull));
  z = arith::MulIOp::create(b, loc, xorShift(z, 27),
                            constant(0x94D049BB133111EBull));
  return xorShift(z, 31);
}

/// Element i keeps (1 / (1 - p)) when the top 24 bits of
/// mix64(i + counter * golden + stream * other), as a fraction, are at
/// least p.
struct RandomMaskToGeneric : OpConversionPattern<RandomMaskOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RandomMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    Value input = adaptor.getInput();
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, d));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, {}, context),
        AffineMap::getMultiDimIdentityMap(rank, context)};
    double p = op.getP().convertToDouble();
    int64_t stream = op.getStream();
    Type elementType = type.getElementType();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getCounter()},
        ValueRange{emptyLike(rewriter, loc, type, input)}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          // The row-major index of the element.
          Value linear = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d)
            linear = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, linear, sizes[d]),
                linalg::IndexOp::create(b, l, d));
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), linear);
          auto constant = [&](uint64_t value) -> Value {
            return arith::ConstantIntOp::create(b, l, b.getI64Type(),
                                                int64_t(value));
          };
          Value key = arith::AddIOp::create(
              b, l, i,
              arith::MulIOp::create(b, l, args[0],
                                    constant(0xD1B54A32D192ED03ull)));
          key = arith::AddIOp::create(
              b, l, key, constant(uint64_t(stream) * 0x8CB92BA72F3D8DD7ull));
          Value bits =
              arith::ShRUIOp::create(b, l, mix64(b, l, key), constant(40));
          Value fraction = arith::MulFOp::create(
              b, l, arith::UIToFPOp::create(b, l, b.getF32Type(), bits),
              arith::ConstantFloatOp::create(b, l, b.getF32Type(),
                                             APFloat(0x1p-24f)));
          Value keep = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OGE, fraction,
              arith::ConstantFloatOp::create(b, l, b.getF32Type(),
                                             APFloat(float(p))));
          linalg::YieldOp::create(
              b, l,
              Value(arith::SelectOp::create(
                  b, l, keep,
                  buildScalarConstant(b, l, elementType, 1 / (1 - p)),
                  buildScalarConstant(b, l, elementType, 0))));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// The table's gradient: zeros, then for each index t, row indices[t] +=
/// grad[t] (indices outside the table are clamped, as the forward gather).
struct EmbeddingGradToLoop : OpConversionPattern<EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType tableType = op.getType();
    int64_t rows = tableType.getDimSize(0), width = tableType.getDimSize(1);
    Type elementType = tableType.getElementType();
    Value indices = adaptor.getIndices(), grad = adaptor.getGrad();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    // [T] indices and [T, E] rows.
    if (indicesType.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < indicesType.getRank(); ++d)
        all.push_back(d);
      if (all.empty()) {
        indices = tensor::ExpandShapeOp::create(
            rewriter, loc, indicesType.clone({1}), indices,
            SmallVector<ReassociationIndices>{});
        grad = tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get({1, width}, elementType), grad,
            SmallVector<ReassociationIndices>{});
      } else {
        indices = tensor::CollapseShapeOp::create(
            rewriter, loc, indices, SmallVector<ReassociationIndices>{all});
        grad = tensor::CollapseShapeOp::create(
            rewriter, loc, grad,
            SmallVector<ReassociationIndices>{all, {int64_t(all.size())}});
      }
    }
    Value table = buildZeros(
        rewriter, loc,
        getAsIndexOpFoldResult(rewriter.getContext(), tableType.getShape()),
        elementType);
    Value count = tensor::DimOp::create(rewriter, loc, indices, 0);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last = arith::ConstantIndexOp::create(rewriter, loc, rows - 1);
    auto rowType = RankedTensorType::get({1, width}, elementType);
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, count, c1, ValueRange{table},
        [&](OpBuilder &b, Location l, Value t, ValueRange iterArgs) {
          Value index = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              tensor::ExtractOp::create(b, l, indices, ValueRange{t}));
          index = arith::MinSIOp::create(
              b, l, arith::MaxSIOp::create(b, l, index, c0), last);
          SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                             b.getIndexAttr(width)};
          SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
          Value source = tensor::ExtractSliceOp::create(
              b, l, rowType, grad, ArrayRef<OpFoldResult>{t, b.getIndexAttr(0)},
              sizes, strides);
          Value current = tensor::ExtractSliceOp::create(
              b, l, rowType, iterArgs[0],
              ArrayRef<OpFoldResult>{index, b.getIndexAttr(0)}, sizes, strides);
          Value sum = linalg::AddOp::create(b, l, TypeRange{rowType},
                                            ValueRange{current, source},
                                            ValueRange{current})
                          .getResult(0);
          Value updated = tensor::InsertSliceOp::create(
              b, l, sum, iterArgs[0],
              ArrayRef<OpFoldResult>{index, b.getIndexAttr(0)}, sizes, strides);
          scf::YieldOp::create(b, l, updated);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void mlir::mithril::populateGradientsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<BroadcastToToGeneric, ReshapeAsToTensor, ReducedSizeToArith,
               OneHotToGeneric, RandomMaskToGeneric, EmbeddingGradToLoop>(
      patterns.getContext());
}

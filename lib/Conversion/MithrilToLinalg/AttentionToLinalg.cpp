//===- AttentionToLinalg.cpp - Attention as the ops it is made of ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Scaled dot-product attention and multi-head attention are rewritten into
// the mithril ops they are made of (matmul, transpose, softmax, linear,
// ...), which the other patterns of the conversion then lower; only the
// causal mask and the head reshapes are built here directly. This keeps one
// lowering (and one PyTorch check) per computation.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// A rank-0 `mithril.constant` of `elementType`.
Value scalarConstant(OpBuilder &b, Location loc, Type elementType,
                     const APFloat &value) {
  auto type = RankedTensorType::get({}, elementType);
  return ConstantOp::create(b, loc,
                            DenseElementsAttr::get(type, ArrayRef(value)));
}

/// -inf above the diagonal of the last two dims ([..., L, S]): key j is
/// hidden from query i when j > i.
Value buildCausalMask(OpBuilder &b, Location loc, Value scores) {
  auto type = cast<RankedTensorType>(scores.getType());
  int64_t rank = type.getRank();
  auto floatType = cast<FloatType>(type.getElementType());
  return buildElementwise(
      b, loc, type, scores, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value i = linalg::IndexOp::create(nb, l, rank - 2);
        Value j = linalg::IndexOp::create(nb, l, rank - 1);
        Value hidden =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ugt, j, i);
        Value minusInfinity = arith::ConstantOp::create(
            nb, l,
            nb.getFloatAttr(floatType,
                            APFloat::getInf(floatType.getFloatSemantics(),
                                            /*Negative=*/true)));
        return Value(
            arith::SelectOp::create(nb, l, hidden, minusInfinity, args[0]));
      });
}

/// softmax(q k^T * scale + mask) v, as PyTorch's scaled_dot_product_attention.
struct ScaledDotProductAttentionToOps
    : OpConversionPattern<ScaledDotProductAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScaledDotProductAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value query = adaptor.getQuery(), key = adaptor.getKey();
    auto queryType = cast<RankedTensorType>(query.getType());
    Type elementType = queryType.getElementType();
    int64_t embed = queryType.getDimSize(queryType.getRank() - 1);
    std::optional<APFloat> scale = op.getScale();
    if (!scale && ShapedType::isDynamic(embed))
      return rewriter.notifyMatchFailure(op, "the default scale needs E");
    double factor =
        scale ? scale->convertToDouble() : 1.0 / std::sqrt(double(embed));

    Value keysT = TransposeOp::create(rewriter, loc, key, -2, -1);
    Value scores = MatMulOp::create(rewriter, loc, query, keysT);
    bool losesInfo;
    APFloat factorValue(factor);
    factorValue.convert(cast<FloatType>(elementType).getFloatSemantics(),
                        APFloat::rmNearestTiesToEven, &losesInfo);
    scores =
        MulOp::create(rewriter, loc, scores,
                      scalarConstant(rewriter, loc, elementType, factorValue));
    if (op.getIsCausal())
      scores = buildCausalMask(rewriter, loc, scores);
    if (Value mask = adaptor.getMask()) {
      if (getElementTypeOrSelf(mask).isInteger(1)) {
        // A bool mask says which keys take part.
        APFloat minusInfinity = APFloat::getInf(
            cast<FloatType>(elementType).getFloatSemantics(), true);
        scores = WhereOp::create(
            rewriter, loc, mask, scores,
            scalarConstant(rewriter, loc, elementType, minusInfinity));
      } else {
        scores = AddOp::create(rewriter, loc, scores, mask);
      }
    }
    Value weights = SoftmaxOp::create(rewriter, loc, scores, -1);
    Value output = MatMulOp::create(rewriter, loc, weights, adaptor.getValue());
    rewriter.replaceOp(op, withType(rewriter, loc, output, op.getType()));
    return success();
  }
};

/// torch.nn.MultiheadAttention (batch first): projections, heads, scaled
/// dot-product attention, the output projection.
struct MultiheadAttentionToOps : OpConversionPattern<MultiheadAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  /// Rows [index * E, (index + 1) * E) of a packed projection, or null.
  static Value part(OpBuilder &b, Location loc, Value packed, int64_t index,
                    int64_t embed) {
    if (!packed)
      return nullptr;
    return SliceOp::create(b, loc, packed, 0, index * embed,
                           (index + 1) * embed, 1);
  }

  /// [..., T, E] -> [..., H, T, E / H].
  static Value splitHeads(OpBuilder &b, Location loc, Value x, int64_t heads) {
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    int64_t embed = type.getDimSize(rank - 1);
    SmallVector<int64_t> shape(type.getShape().drop_back());
    shape.append({heads, embed / heads});
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    sizes.pop_back();
    sizes.append({b.getIndexAttr(heads), b.getIndexAttr(embed / heads)});
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d + 1 < rank; ++d)
      groups.push_back({d});
    groups.push_back({rank - 1, rank});
    Value expanded = tensor::ExpandShapeOp::create(b, loc, type.clone(shape), x,
                                                   groups, sizes);
    return TransposeOp::create(b, loc, expanded, -3, -2);
  }

  /// [..., H, T, D] -> [..., T, H * D].
  static Value mergeHeads(OpBuilder &b, Location loc, Value x) {
    Value transposed = TransposeOp::create(b, loc, x, -3, -2);
    auto type = cast<RankedTensorType>(transposed.getType());
    int64_t rank = type.getRank();
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d + 2 < rank; ++d)
      groups.push_back({d});
    groups.push_back({rank - 2, rank - 1});
    return tensor::CollapseShapeOp::create(b, loc, transposed, groups);
  }

  LogicalResult
  matchAndRewrite(MultiheadAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t embed = op.getEmbedDim(), heads = op.getNumHeads();
    Value inWeight = adaptor.getInProjWeight();
    Value inBias = adaptor.getInProjBias();
    auto project = [&](Value x, int64_t index) -> Value {
      return LinearOp::create(
          rewriter, loc, x, part(rewriter, loc, inWeight, index, embed),
          part(rewriter, loc, inBias, index, embed), embed, embed);
    };
    Value q = splitHeads(rewriter, loc, project(adaptor.getQuery(), 0), heads);
    Value k = splitHeads(rewriter, loc, project(adaptor.getKey(), 1), heads);
    Value v = splitHeads(rewriter, loc, project(adaptor.getValue(), 2), heads);
    Value attention = ScaledDotProductAttentionOp::create(
        rewriter, loc, q, k, v, /*mask=*/nullptr, /*is_causal=*/false,
        /*scale=*/nullptr);
    Value merged = mergeHeads(rewriter, loc, attention);
    Value output =
        LinearOp::create(rewriter, loc, merged, adaptor.getOutProjWeight(),
                         adaptor.getOutProjBias(), embed, embed);
    rewriter.replaceOp(op, withType(rewriter, loc, output, op.getType()));
    return success();
  }
};

} // namespace

void mlir::mithril::populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ScaledDotProductAttentionToOps, MultiheadAttentionToOps>(
      patterns.getContext());
}

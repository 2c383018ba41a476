//===- MatmulToLinalg.cpp - MatMul and Linear to linalg contractions ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mithril.matmul` (torch.matmul: vectors, matrices, broadcast batches) and
// `mithril.linear` (x W^T + b) become one `linalg.generic` contraction each,
// accumulating f16/bf16 in f32. Upstream's `linalg-specialize-generic-ops`
// recognises the plain cases as `linalg.matmul` / `linalg.batch_matmul`.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The loops of a contraction and how each operand indexes them.
struct Contraction {
  unsigned numLoops = 0;
  SmallVector<AffineExpr> left, right, output;
  SmallVector<utils::IteratorType> iterators;
  /// For each output dim: an operand and its dim that give its size.
  SmallVector<std::pair<Value, int64_t>> sizeSources;
};

/// `sum_k left * right` into `init` (of the accumulator type), as a generic.
Value buildContraction(OpBuilder &b, Location loc, const Contraction &c,
                       Value left, Value right, Value init) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {
      AffineMap::get(c.numLoops, 0, c.left, context),
      AffineMap::get(c.numLoops, 0, c.right, context),
      AffineMap::get(c.numLoops, 0, c.output, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{left, right},
      ValueRange{init}, maps, c.iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        // u8 multiplies and adds as i8: the same bits, wrapping like torch.
        Type acc = getSignlessType(args[2].getType());
        Value total = toSignless(nb, nloc, args[2]);
        Value x = convertScalar(nb, nloc, toSignless(nb, nloc, args[0]), acc);
        Value y = convertScalar(nb, nloc, toSignless(nb, nloc, args[1]), acc);
        Value sum;
        if (isa<FloatType>(acc))
          sum = arith::AddFOp::create(nb, nloc, total,
                                      arith::MulFOp::create(nb, nloc, x, y));
        else
          sum = arith::AddIOp::create(nb, nloc, total,
                                      arith::MulIOp::create(nb, nloc, x, y));
        linalg::YieldOp::create(nb, nloc,
                                fromSignless(nb, nloc, sum, args[2].getType()));
      });
  return generic.getResult(0);
}

/// A zero-filled tensor of `type`'s shape in `elementType`.
Value buildZeros(OpBuilder &b, Location loc, RankedTensorType type,
                 Type elementType, const Contraction &c) {
  SmallVector<Value> dynamicSizes;
  for (auto [i, source] : llvm::enumerate(c.sizeSources))
    if (type.isDynamicDim(i))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, source.first, source.second));
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), elementType,
                                        dynamicSizes);
  Value zero = buildScalarConstant(b, loc, elementType, 0.0);
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// torch.matmul: batch dims broadcast; a 1-d operand is a row (left) or a
/// column (right) whose dim is dropped from the result.
Contraction matmulContraction(Value left, Value right,
                              RankedTensorType resultType) {
  MLIRContext *context = resultType.getContext();
  auto leftType = cast<RankedTensorType>(left.getType());
  auto rightType = cast<RankedTensorType>(right.getType());
  int64_t l = leftType.getRank(), r = rightType.getRank();
  int64_t batch = resultType.getRank() - (l >= 2) - (r >= 2);
  Contraction c;
  c.numLoops = batch + (l >= 2) + (r >= 2) + 1;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
  int64_t m = batch, n = batch + (l >= 2), k = c.numLoops - 1;

  // Batch dims, aligned at the right; a static 1 stretches.
  auto batchExprs = [&](RankedTensorType type, int64_t operandBatch,
                        SmallVectorImpl<AffineExpr> &exprs) {
    for (int64_t j = 0; j < operandBatch; ++j) {
      int64_t loop = batch - operandBatch + j;
      bool stretches =
          type.getDimSize(j) == 1 && resultType.getDimSize(loop) != 1;
      exprs.push_back(stretches ? getAffineConstantExpr(0, context)
                                : dim(loop));
    }
  };
  batchExprs(leftType, std::max<int64_t>(l - 2, 0), c.left);
  batchExprs(rightType, std::max<int64_t>(r - 2, 0), c.right);
  if (l >= 2)
    c.left.push_back(dim(m));
  c.left.push_back(dim(k));
  c.right.push_back(dim(k));
  if (r >= 2)
    c.right.push_back(dim(n));
  for (int64_t i = 0; i < k; ++i)
    c.output.push_back(dim(i));
  c.iterators.assign(c.numLoops, utils::IteratorType::parallel);
  c.iterators.back() = utils::IteratorType::reduction;

  // Where each output dim's size comes from.
  for (int64_t i = 0; i < batch; ++i) {
    int64_t lj = i - (batch - std::max<int64_t>(l - 2, 0));
    if (lj >= 0 && leftType.getDimSize(lj) != 1)
      c.sizeSources.push_back({left, lj});
    else
      c.sizeSources.push_back(
          {right, i - (batch - std::max<int64_t>(r - 2, 0))});
  }
  if (l >= 2)
    c.sizeSources.push_back({left, l - 2});
  if (r >= 2)
    c.sizeSources.push_back({right, r - 1});
  return c;
}

struct MatMulToGeneric : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Location loc = op.getLoc();
    Contraction c =
        matmulContraction(adaptor.getLeft(), adaptor.getRight(), resultType);
    Value init = buildZeros(rewriter, loc, resultType,
                            getAccumulatorType(resultType.getElementType()), c);
    Value product = buildContraction(rewriter, loc, c, adaptor.getLeft(),
                                     adaptor.getRight(), init);
    rewriter.replaceOp(op, castTensor(rewriter, loc, product, resultType));
    return success();
  }
};

/// x [..., in] W^T [in, out] (+ b [out]): the leading dims of x are kept.
struct LinearToGeneric : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *context = op.getContext();
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    int64_t lead = resultType.getRank() - 1;

    Contraction c;
    c.numLoops = lead + 2; // leading dims, out, in
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
    for (int64_t i = 0; i < lead; ++i) {
      c.left.push_back(dim(i));
      c.output.push_back(dim(i));
      c.sizeSources.push_back({input, i});
    }
    c.left.push_back(dim(lead + 1));
    c.right = {dim(lead), dim(lead + 1)};
    c.output.push_back(dim(lead));
    c.sizeSources.push_back({weight, 0});
    c.iterators.assign(c.numLoops, utils::IteratorType::parallel);
    c.iterators.back() = utils::IteratorType::reduction;

    // The accumulator starts as the bias, broadcast over the leading dims.
    Type acc = getAccumulatorType(resultType.getElementType());
    auto accType = RankedTensorType::get(resultType.getShape(), acc);
    Value init = buildZeros(rewriter, loc, resultType, acc, c);
    if (Value bias = adaptor.getBias())
      init = buildElementwise(rewriter, loc, accType, ValueRange{init, bias},
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return convertScalar(b, l, args[1], acc);
                              });
    Value product = buildContraction(rewriter, loc, c, input, weight, init);
    rewriter.replaceOp(op, castTensor(rewriter, loc, product, resultType));
    return success();
  }
};

} // namespace

void mlir::mithril::populateMatmulToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatMulToGeneric, LinearToGeneric>(patterns.getContext());
}

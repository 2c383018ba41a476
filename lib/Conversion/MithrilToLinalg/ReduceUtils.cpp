//===- ReduceUtils.cpp - Reductions shared by the op families ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mithril;

bool mlir::mithril::hasUnsignedType(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), isUnsignedType) ||
         llvm::any_of(op->getResultTypes(), isUnsignedType);
}

SmallVector<int64_t>
mlir::mithril::reducedDims(std::optional<ArrayRef<int64_t>> dims,
                           int64_t rank) {
  if (!dims)
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<int64_t> result;
  for (int64_t dim : *dims)
    if (rank > 0)
      result.push_back(resolveDim(dim, rank));
  llvm::sort(result);
  return result;
}

RankedTensorType mlir::mithril::reducedType(RankedTensorType input,
                                            ArrayRef<int64_t> dims,
                                            bool keepdim, Type elementType) {
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < input.getRank(); ++i) {
    if (!llvm::is_contained(dims, i))
      shape.push_back(input.getDimSize(i));
    else if (keepdim)
      shape.push_back(1);
  }
  return RankedTensorType::get(shape, elementType);
}

Value mlir::mithril::buildFilled(OpBuilder &b, Location loc,
                                 RankedTensorType type, Value input,
                                 ArrayRef<int64_t> dims, bool keepdim,
                                 Value value) {
  SmallVector<Value> dynamicSizes;
  int64_t out = 0;
  for (int64_t i = 0; i < cast<RankedTensorType>(input.getType()).getRank();
       ++i) {
    bool reduced = llvm::is_contained(dims, i);
    if (reduced && !keepdim)
      continue;
    if (type.isDynamicDim(out))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, i));
    ++out;
  }
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType(), dynamicSizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

AffineMap mlir::mithril::reducedMap(int64_t rank, ArrayRef<int64_t> dims,
                                    bool keepdim, MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i) {
    if (!llvm::is_contained(dims, i))
      exprs.push_back(getAffineDimExpr(i, context));
    else if (keepdim)
      exprs.push_back(getAffineConstantExpr(0, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

Value mlir::mithril::buildReduce(OpBuilder &b, Location loc, Value input,
                                 ArrayRef<int64_t> dims, bool keepdim,
                                 Value init, CombineFn combine) {
  MLIRContext *context = b.getContext();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, context),
      reducedMap(rank, dims, keepdim, context)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  for (int64_t dim : dims)
    iterators[dim] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{input}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value mlir::mithril::buildSum(OpBuilder &b, Location loc, Value input,
                              ArrayRef<int64_t> dims, bool keepdim,
                              Type accumulator) {
  auto type = reducedType(cast<RankedTensorType>(input.getType()), dims,
                          keepdim, accumulator);
  Value zero = buildScalarConstant(b, loc, accumulator, 0);
  Value init = buildFilled(b, loc, type, input, dims, keepdim, zero);
  Type signless = getSignlessType(accumulator);
  return buildReduce(
      b, loc, input, dims, keepdim, init,
      [&](OpBuilder &nb, Location nloc, Value x, Value acc) {
        Value wide = convertScalar(nb, nloc, toSignless(nb, nloc, x), signless,
                                   isUnsignedType(x.getType()));
        Value total = toSignless(nb, nloc, acc);
        Value sum = isa<FloatType>(signless)
                        ? Value(arith::AddFOp::create(nb, nloc, total, wide))
                        : Value(arith::AddIOp::create(nb, nloc, total, wide));
        return fromSignless(nb, nloc, sum, accumulator);
      });
}

Value mlir::mithril::buildLowest(OpBuilder &b, Location loc, Type type,
                                 bool lowest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(type,
                       APFloat::getInf(floatType.getFloatSemantics(), lowest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt bound =
      type.isUnsignedInteger() || type.isInteger(1)
          ? (lowest ? APInt::getMinValue(width) : APInt::getMaxValue(width))
          : (lowest ? APInt::getSignedMinValue(width)
                    : APInt::getSignedMaxValue(width));
  Type signless = getSignlessType(type);
  Value constant =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(signless, bound));
  return fromSignless(b, loc, constant, type);
}

Value mlir::mithril::buildExtremum(OpBuilder &b, Location loc, Value input,
                                   ArrayRef<int64_t> dims, bool keepdim,
                                   bool maximum) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
  auto type = reducedType(inputType, dims, keepdim, elementType);
  Value init = buildFilled(b, loc, type, input, dims, keepdim,
                           buildLowest(b, loc, elementType, maximum));
  bool isUnsigned = elementType.isUnsignedInteger();
  return buildReduce(
      b, loc, input, dims, keepdim, init,
      [&](OpBuilder &nb, Location nloc, Value x, Value acc) -> Value {
        if (isa<FloatType>(elementType))
          return maximum ? Value(arith::MaximumFOp::create(nb, nloc, x, acc))
                         : Value(arith::MinimumFOp::create(nb, nloc, x, acc));
        x = toSignless(nb, nloc, x);
        acc = toSignless(nb, nloc, acc);
        Value best =
            isUnsigned
                ? (maximum ? Value(arith::MaxUIOp::create(nb, nloc, x, acc))
                           : Value(arith::MinUIOp::create(nb, nloc, x, acc)))
                : (maximum ? Value(arith::MaxSIOp::create(nb, nloc, x, acc))
                           : Value(arith::MinSIOp::create(nb, nloc, x, acc)));
        return fromSignless(nb, nloc, best, elementType);
      });
}

Value mlir::mithril::buildCount(OpBuilder &b, Location loc, Value input,
                                ArrayRef<int64_t> dims, Type type) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t dim : dims)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, input, dim));
  Value asInteger = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return convertScalar(b, loc, asInteger, type);
}

Value mlir::mithril::buildScale(OpBuilder &b, Location loc, Value tensor,
                                Value divisor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return buildElementwise(
      b, loc, type, tensor, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return Value(arith::DivFOp::create(nb, nloc, args[0], divisor));
      });
}

Value mlir::mithril::buildMean(OpBuilder &b, Location loc, Value input,
                               ArrayRef<int64_t> dims, bool keepdim,
                               Type accumulator) {
  Value sum = buildSum(b, loc, input, dims, keepdim, accumulator);
  return buildScale(b, loc, sum, buildCount(b, loc, input, dims, accumulator));
}

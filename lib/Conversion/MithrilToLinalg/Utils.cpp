//===- Utils.cpp - Shared helpers of the mithril-to-linalg patterns -------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mithril/IR/ShapeUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mithril;

Value mlir::mithril::buildElementwise(OpBuilder &builder, Location loc,
                                      RankedTensorType resultType,
                                      ValueRange operands, ScalarFn fn) {
  int64_t rank = resultType.getRank();
  MLIRContext *context = builder.getContext();

  // Indexing maps: operand dim j is result dim j + (rank - operand rank),
  // or the constant 0 where a static 1 stretches.
  SmallVector<AffineMap> maps;
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    int64_t offset = rank - type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t j = 0; j < type.getRank(); ++j) {
      bool stretches =
          type.getDimSize(j) == 1 && resultType.getDimSize(j + offset) != 1;
      exprs.push_back(stretches ? getAffineConstantExpr(0, context)
                                : getAffineDimExpr(j + offset, context));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, context));

  // The result's dynamic dims, from an operand that does not stretch there.
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i))
      continue;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t j = i - (rank - type.getRank());
      if (j >= 0 && type.getDimSize(j) != 1) {
        dynamicSizes.push_back(tensor::DimOp::create(builder, loc, operand, j));
        break;
      }
    }
  }
  Value init =
      tensor::EmptyOp::create(builder, loc, resultType.getShape(),
                              resultType.getElementType(), dynamicSizes);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, TypeRange{resultType}, operands, ValueRange{init}, maps,
      iterators, [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
        Value result = fn(b, bodyLoc, args.drop_back());
        linalg::YieldOp::create(b, bodyLoc, result);
      });
  return generic.getResult(0);
}

Type mlir::mithril::getSignlessType(Type type) {
  if (type.isUnsignedInteger())
    return IntegerType::get(type.getContext(), type.getIntOrFloatBitWidth());
  return type;
}

Value mlir::mithril::toSignless(OpBuilder &builder, Location loc, Value value) {
  Type signless = getSignlessType(value.getType());
  if (signless == value.getType())
    return value;
  return UnrealizedConversionCastOp::create(builder, loc, signless, value)
      .getResult(0);
}

Value mlir::mithril::fromSignless(OpBuilder &builder, Location loc, Value value,
                                  Type type) {
  if (value.getType() == type || !type.isUnsignedInteger())
    return value;
  return UnrealizedConversionCastOp::create(builder, loc, type, value)
      .getResult(0);
}

bool mlir::mithril::isUnsignedType(Type type) {
  return getElementTypeOrSelf(type).isUnsignedInteger();
}

Value mlir::mithril::buildZeros(OpBuilder &builder, Location loc,
                                ArrayRef<OpFoldResult> sizes,
                                Type elementType) {
  Value empty = tensor::EmptyOp::create(builder, loc, sizes, elementType);
  return linalg::FillOp::create(
             builder, loc, buildScalarConstant(builder, loc, elementType, 0),
             empty)
      .getResult(0);
}

Value mlir::mithril::buildScalarConstant(OpBuilder &builder, Location loc,
                                         Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(builder, loc,
                                     builder.getFloatAttr(type, value));
  Type signless = getSignlessType(type);
  Value constant = arith::ConstantOp::create(
      builder, loc,
      builder.getIntegerAttr(signless, static_cast<int64_t>(value)));
  return fromSignless(builder, loc, constant, type);
}

Value mlir::mithril::convertScalar(OpBuilder &builder, Location loc,
                                   Value value, Type type, bool isUnsigned,
                                   bool toUnsigned) {
  Type from = value.getType();
  if (from == type)
    return value;
  if (type.isInteger(1)) { // Anything to bool: value != 0.
    Value zero = buildScalarConstant(builder, loc, from, 0);
    if (isa<FloatType>(from))
      return arith::CmpFOp::create(builder, loc, arith::CmpFPredicate::UNE,
                                   value, zero);
    return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne, value,
                                 zero);
  }
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(type);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? Value(arith::ExtFOp::create(builder, loc, type, value))
               : Value(arith::TruncFOp::create(builder, loc, type, value));
  if (fromFloat)
    return toUnsigned
               ? Value(arith::FPToUIOp::create(builder, loc, type, value))
               : Value(arith::FPToSIOp::create(builder, loc, type, value));
  // Bool reads as 0 or 1, never as -1.
  bool zeroExtend = isUnsigned || from.isInteger(1);
  if (toFloat)
    return zeroExtend
               ? Value(arith::UIToFPOp::create(builder, loc, type, value))
               : Value(arith::SIToFPOp::create(builder, loc, type, value));
  if (from.getIntOrFloatBitWidth() > type.getIntOrFloatBitWidth())
    return arith::TruncIOp::create(builder, loc, type, value);
  if (from.getIntOrFloatBitWidth() == type.getIntOrFloatBitWidth())
    return value; // i8 <-> u8: the same bits.
  return zeroExtend ? Value(arith::ExtUIOp::create(builder, loc, type, value))
                    : Value(arith::ExtSIOp::create(builder, loc, type, value));
}

Type mlir::mithril::getAccumulatorType(Type elementType) {
  auto floatType = dyn_cast<FloatType>(elementType);
  if (floatType && floatType.getWidth() < 32)
    return Float32Type::get(elementType.getContext());
  return elementType;
}

Value mlir::mithril::castTensor(OpBuilder &builder, Location loc, Value value,
                                RankedTensorType resultType) {
  Type elementType = resultType.getElementType();
  if (cast<RankedTensorType>(value.getType()).getElementType() == elementType)
    return value;
  return buildElementwise(builder, loc, resultType, value,
                          [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
                            return convertScalar(b, bodyLoc, args[0],
                                                 elementType);
                          });
}

Value mlir::mithril::withType(OpBuilder &builder, Location loc, Value value,
                              Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(builder, loc, type, value);
}

int64_t mlir::mithril::resolveDim(int64_t dim, int64_t rank) {
  return normalizeDim(dim, std::max<int64_t>(rank, 1)).value_or(0);
}

//===- InterpolateToLinalg.cpp - mithril.interpolate to a gather ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mithril.interpolate` as one linalg.generic over the output: each element
// computes its input coordinate per spatial dim (in f32), then reads the
// nearest input element, or the two (linear, one dim) or four (bilinear)
// neighbours and blends them, with tensor.extract.
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

/// Builds the scalar arithmetic of one output element.
class ElementBuilder {
public:
  ElementBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value f32(double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value ceil(Value x) { return math::CeilOp::create(b, loc, x); }

  /// An index as f32.
  Value toF32(Value index) {
    Value integer = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), integer);
  }

  /// The integral f32 `x` as an index clamped to [0, size - 1].
  Value clampedIndex(Value x, Value size) {
    Value integer = arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
    Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value last = arith::SubIOp::create(
        b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, index, zero), last);
  }

private:
  OpBuilder &b;
  Location loc;
};

struct InterpolateToGeneric : OpConversionPattern<InterpolateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(InterpolateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto outputType = cast<RankedTensorType>(op.getType());
    int64_t rank = inputType.getRank();
    SmallVector<Value> inputSizes, dynamicSizes;
    for (int64_t dim = 0; dim < rank; ++dim) {
      Value size = tensor::DimOp::create(rewriter, loc, input, dim);
      inputSizes.push_back(size);
      if (outputType.isDynamicDim(dim))
        dynamicSizes.push_back(size);
    }
    Value init =
        tensor::EmptyOp::create(rewriter, loc, outputType.getShape(),
                                outputType.getElementType(), dynamicSizes);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outputType, ValueRange(), ValueRange{init},
        ArrayRef<AffineMap>{identity}, iterators,
        [&](OpBuilder &b, Location bodyLoc, ValueRange) {
          Value result = element(op, b, bodyLoc, input, inputSizes);
          linalg::YieldOp::create(b, bodyLoc, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }

private:
  /// The input coordinate of output index `x` along spatial dim `dim`.
  /// As ONNX's, the resized length is `in · scale`, not rounded.
  static Value coordinate(InterpolateOp op, OpBuilder &b, Location loc,
                          ElementBuilder &e, Value x, int64_t dim,
                          Value inputSize) {
    StringRef mode = op.getCoordinateTransformationMode();
    double scale = op.getScales()[dim];
    if (mode == "asymmetric")
      return e.div(x, e.f32(scale));
    Value input = e.toF32(inputSize);
    Value length = e.mul(input, e.f32(scale));
    Value mapped =
        mode == "align_corners"
            ? e.div(e.mul(x, e.sub(input, e.f32(1))), e.sub(length, e.f32(1)))
            : e.sub(e.div(e.add(x, e.f32(0.5)), e.f32(scale)), e.f32(0.5));
    if (mode == "half_pixel")
      return mapped;
    // A resized length of 1 reads coordinate 0.
    Value longer = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                         length, e.f32(1));
    return arith::SelectOp::create(b, loc, longer, mapped, e.f32(0));
  }

  static Value nearest(InterpolateOp op, ElementBuilder &e, Value x) {
    StringRef mode = op.getNearestMode();
    if (mode == "floor")
      return e.floor(x);
    if (mode == "ceil")
      return e.ceil(x);
    if (mode == "round_prefer_ceil")
      return e.floor(e.add(x, e.f32(0.5)));
    // round_prefer_floor: halves go down.
    return e.ceil(e.sub(x, e.f32(0.5)));
  }

  static Value element(InterpolateOp op, OpBuilder &b, Location loc,
                       Value input, ArrayRef<Value> inputSizes) {
    ElementBuilder e(b, loc);
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    Type elementType = cast<RankedTensorType>(input.getType()).getElementType();
    SmallVector<Value> indices;
    for (int64_t dim = 0; dim < rank; ++dim)
      indices.push_back(linalg::IndexOp::create(b, loc, dim));
    auto read = [&](ArrayRef<Value> at) -> Value {
      Value value = tensor::ExtractOp::create(b, loc, input, at);
      if (!elementType.isF32())
        value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
      return value;
    };
    auto result = [&](Value value) -> Value {
      if (elementType.isF32())
        return value;
      return arith::TruncFOp::create(b, loc, elementType, value);
    };

    // Per spatial dim: the lower neighbour, the upper one and the weight
    // of the upper (nearest: the one neighbour).
    SmallVector<Value> lower(indices), upper(indices), weights;
    for (int64_t dim = 2; dim < rank; ++dim) {
      Value x = coordinate(op, b, loc, e, e.toF32(indices[dim]), dim - 2,
                           inputSizes[dim]);
      if (op.getMode() == "nearest") {
        lower[dim] = e.clampedIndex(nearest(op, e, x), inputSizes[dim]);
        continue;
      }
      Value below = e.floor(x);
      weights.push_back(e.sub(x, below));
      lower[dim] = e.clampedIndex(below, inputSizes[dim]);
      upper[dim] = e.clampedIndex(e.add(below, e.f32(1)), inputSizes[dim]);
    }
    if (op.getMode() == "nearest")
      return result(read(lower));
    auto blend = [&](Value low, Value high, Value weight) {
      return e.add(low, e.mul(weight, e.sub(high, low)));
    };
    auto along = [&](SmallVector<Value> at, int64_t dim) {
      SmallVector<Value> other(at);
      at[dim] = lower[dim];
      other[dim] = upper[dim];
      return blend(read(at), read(other), weights[dim - 2]);
    };
    if (rank == 3)
      return result(along(lower, 2));
    // Bilinear: along the last dim on both rows, then between the rows.
    SmallVector<Value> top(lower), bottom(lower);
    bottom[2] = upper[2];
    return result(blend(along(top, 3), along(bottom, 3), weights[0]));
  }
};

} // namespace

void mlir::mithril::populateInterpolateToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<InterpolateToGeneric>(patterns.getContext());
}

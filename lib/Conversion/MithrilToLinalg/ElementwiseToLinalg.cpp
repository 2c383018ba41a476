//===- ElementwiseToLinalg.cpp - Elementwise ops to linalg.generic --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Activations, unary math, arithmetic, comparisons, `where` and `cast`
// become one `linalg.generic` each, broadcasting through its indexing maps;
// constants become `arith.constant`. Each op contributes only its scalar
// formula (a `computeScalar` overload), with PyTorch's semantics.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

namespace {

//===----------------------------------------------------------------------===//
// Scalar helpers
//===----------------------------------------------------------------------===//

Value constant(OpBuilder &b, Location loc, Value like, double value) {
  return buildScalarConstant(b, loc, like.getType(), value);
}

/// `fn(x)` computed in at least f32: f16/bf16 are widened and the result
/// rounded back, as PyTorch does for transcendental functions on CPUs.
Value inF32(OpBuilder &b, Location loc, Value x,
            llvm::function_ref<Value(Value)> fn) {
  auto type = cast<FloatType>(x.getType());
  if (type.getWidth() >= 32)
    return fn(x);
  Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  return arith::TruncFOp::create(b, loc, type, fn(wide));
}

/// 1 / (1 + exp(-x)).
Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value negated = arith::NegFOp::create(b, loc, x);
  Value exp = math::ExpOp::create(b, loc, negated);
  Value one = constant(b, loc, x, 1.0);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, exp));
}

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }
bool isBool(Value v) { return v.getType().isInteger(1); }

//===----------------------------------------------------------------------===//
// Scalar formulas
//===----------------------------------------------------------------------===//

// Activations.
Value computeScalar(ReLUOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::MaximumFOp::create(b, loc, args[0],
                                   constant(b, loc, args[0], 0.0));
}
Value computeScalar(SiLUOp, OpBuilder &b, Location loc, ValueRange args) {
  return inF32(b, loc, args[0], [&](Value x) -> Value {
    return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
  });
}
Value computeScalar(SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
  return inF32(b, loc, args[0],
               [&](Value x) -> Value { return sigmoid(b, loc, x); });
}
Value computeScalar(TanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return inF32(b, loc, args[0], [&](Value x) -> Value {
    return math::TanhOp::create(b, loc, x);
  });
}
Value computeScalar(SoftplusOp, OpBuilder &b, Location loc, ValueRange args) {
  // torch.nn.Softplus(beta=1, threshold=20): linear above the threshold.
  return inF32(b, loc, args[0], [&](Value x) -> Value {
    Value smooth =
        math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
    Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                        constant(b, loc, x, 20.0));
    return arith::SelectOp::create(b, loc, above, x, smooth);
  });
}
Value computeScalar(LeakyReLUOp op, OpBuilder &b, Location loc,
                    ValueRange args) {
  Value x = args[0];
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                         constant(b, loc, x, 0.0));
  Value scaled = arith::MulFOp::create(
      b, loc, x, constant(b, loc, x, op.getNegativeSlope().convertToDouble()));
  return arith::SelectOp::create(b, loc, positive, x, scaled);
}
Value computeScalar(GELUOp op, OpBuilder &b, Location loc, ValueRange args) {
  bool tanhApproximation = op.getApproximate() == "tanh";
  return inF32(b, loc, args[0], [&](Value x) -> Value {
    Value half = constant(b, loc, x, 0.5);
    Value one = constant(b, loc, x, 1.0);
    Value inner;
    if (tanhApproximation) {
      // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
      Value cube =
          arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value sum = arith::AddFOp::create(
          b, loc, x,
          arith::MulFOp::create(b, loc, constant(b, loc, x, 0.044715), cube));
      inner = math::TanhOp::create(
          b, loc,
          arith::MulFOp::create(
              b, loc, constant(b, loc, x, std::sqrt(2.0 / M_PI)), sum));
    } else {
      // erf(x / sqrt(2))
      inner = math::ErfOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, x, constant(b, loc, x, M_SQRT1_2)));
    }
    Value factor = arith::AddFOp::create(b, loc, one, inner);
    return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, x),
                                 factor);
  });
}

// Unary math.
Value computeScalar(NegOp, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  if (isFloat(x))
    return arith::NegFOp::create(b, loc, x);
  return arith::SubIOp::create(b, loc, constant(b, loc, x, 0), x);
}
Value computeScalar(AbsOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  if (isFloat(x))
    return math::AbsFOp::create(b, loc, x);
  if (hasUnsignedType(op))
    return x;
  return math::AbsIOp::create(b, loc, x);
}
template <typename MathOp>
Value mathScalar(OpBuilder &b, Location loc, ValueRange args) {
  return inF32(b, loc, args[0],
               [&](Value x) -> Value { return MathOp::create(b, loc, x); });
}
Value computeScalar(ExpOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::ExpOp>(b, loc, args);
}
Value computeScalar(LogOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::LogOp>(b, loc, args);
}
Value computeScalar(SqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::SqrtOp>(b, loc, args);
}
Value computeScalar(RsqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::RsqrtOp>(b, loc, args);
}
Value computeScalar(SinOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::SinOp>(b, loc, args);
}
Value computeScalar(CosOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::CosOp>(b, loc, args);
}
Value computeScalar(ErfOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::ErfOp>(b, loc, args);
}
Value computeScalar(FloorOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::FloorOp>(b, loc, args);
}
Value computeScalar(CeilOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::CeilOp>(b, loc, args);
}
Value computeScalar(RoundOp, OpBuilder &b, Location loc, ValueRange args) {
  return mathScalar<math::RoundEvenOp>(b, loc, args);
}

// Arithmetic: floats and (signed or bool) integers.
template <typename FloatOp, typename IntOp>
Value arithmetic(OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return FloatOp::create(b, loc, args[0], args[1]);
  return IntOp::create(b, loc, args[0], args[1]);
}
Value computeScalar(AddOp, OpBuilder &b, Location loc, ValueRange args) {
  return arithmetic<arith::AddFOp, arith::AddIOp>(b, loc, args);
}
Value computeScalar(SubOp, OpBuilder &b, Location loc, ValueRange args) {
  return arithmetic<arith::SubFOp, arith::SubIOp>(b, loc, args);
}
Value computeScalar(MulOp, OpBuilder &b, Location loc, ValueRange args) {
  return arithmetic<arith::MulFOp, arith::MulIOp>(b, loc, args);
}
Value computeScalar(MaximumOp op, OpBuilder &b, Location loc, ValueRange args) {
  if (hasUnsignedType(op))
    return arith::MaxUIOp::create(b, loc, args[0], args[1]);
  return arithmetic<arith::MaximumFOp, arith::MaxSIOp>(b, loc, args);
}
Value computeScalar(MinimumOp op, OpBuilder &b, Location loc, ValueRange args) {
  if (hasUnsignedType(op))
    return arith::MinUIOp::create(b, loc, args[0], args[1]);
  return arithmetic<arith::MinimumFOp, arith::MinSIOp>(b, loc, args);
}
Value computeScalar(PowOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return inF32(b, loc, args[0], [&](Value x) -> Value {
      return math::PowFOp::create(b, loc, x,
                                  convertScalar(b, loc, args[1], x.getType()));
    });
  return math::IPowIOp::create(b, loc, args[0], args[1]);
}
Value computeScalar(DivOp op, OpBuilder &b, Location loc, ValueRange args) {
  // True division: integers are divided as the result's float type.
  Type type = op.getType().getElementType();
  Value left = convertScalar(b, loc, args[0], type,
                             isUnsignedType(op.getLeft().getType()));
  Value right = convertScalar(b, loc, args[1], type,
                              isUnsignedType(op.getRight().getType()));
  return arith::DivFOp::create(b, loc, left, right);
}

// Comparisons: bool compares as unsigned (false < true).
/// Bool and u8 compare as unsigned (false < true).
Value compare(Operation *op, OpBuilder &b, Location loc, ValueRange args,
              arith::CmpFPredicate floatPredicate,
              arith::CmpIPredicate signedPredicate,
              arith::CmpIPredicate unsignedPredicate) {
  if (isFloat(args[0]))
    return arith::CmpFOp::create(b, loc, floatPredicate, args[0], args[1]);
  bool isUnsigned = isBool(args[0]) || hasUnsignedType(op);
  return arith::CmpIOp::create(b, loc,
                               isUnsigned ? unsignedPredicate : signedPredicate,
                               args[0], args[1]);
}
Value computeScalar(EqualOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OEQ,
                 arith::CmpIPredicate::eq, arith::CmpIPredicate::eq);
}
Value computeScalar(LessOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OLT,
                 arith::CmpIPredicate::slt, arith::CmpIPredicate::ult);
}
Value computeScalar(GreaterOp op, OpBuilder &b, Location loc, ValueRange args) {
  return compare(op, b, loc, args, arith::CmpFPredicate::OGT,
                 arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt);
}

Value computeScalar(WhereOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}
Value computeScalar(CastOp op, OpBuilder &b, Location loc, ValueRange args) {
  return convertScalar(b, loc, args[0], getSignlessType(op.getDtype()),
                       isUnsignedType(op.getInput().getType()),
                       isUnsignedType(op.getDtype()));
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// One `linalg.generic` computing `computeScalar(op, ...)`.
template <typename SourceOp>
struct ElementwiseToGeneric : OpConversionPattern<SourceOp> {
  using OpConversionPattern<SourceOp>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SourceOp op, typename SourceOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // A u8 exponent above 127 would read as negative.
    if (std::is_same_v<SourceOp, PowOp> && hasUnsignedType(op))
      return rewriter.notifyMatchFailure(op, "u8 pow is not lowered");
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          SmallVector<Value> signless;
          for (Value arg : args)
            signless.push_back(toSignless(b, loc, arg));
          Value value = computeScalar(op, b, loc, signless);
          return fromSignless(b, loc, value, resultType.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Dropout is the identity at inference.
struct DropoutToIdentity : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    if (input.getType() != op.getType())
      input =
          tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), input);
    rewriter.replaceOp(op, input);
    return success();
  }
};

struct ConstantToArith : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "not a typed constant");
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (!dense || !hasUnsignedType(op)) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
      return success();
    }
    // arith takes signless constants: the same bits, viewed as u8.
    auto type = cast<RankedTensorType>(op.getType());
    Value bits = arith::ConstantOp::create(
        rewriter, op.getLoc(),
        dense.bitcast(getSignlessType(type.getElementType())));
    rewriter.replaceOp(
        op, buildElementwise(rewriter, op.getLoc(), type, bits,
                             [&](OpBuilder &b, Location loc, ValueRange args) {
                               return fromSignless(b, loc, args[0],
                                                   type.getElementType());
                             }));
    return success();
  }
};

} // namespace

void mlir::mithril::populateElementwiseToLinalgPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<
      // Activations.
      ElementwiseToGeneric<ReLUOp>, ElementwiseToGeneric<SiLUOp>,
      ElementwiseToGeneric<SigmoidOp>, ElementwiseToGeneric<TanhOp>,
      ElementwiseToGeneric<SoftplusOp>, ElementwiseToGeneric<LeakyReLUOp>,
      ElementwiseToGeneric<GELUOp>,
      // Unary math.
      ElementwiseToGeneric<NegOp>, ElementwiseToGeneric<AbsOp>,
      ElementwiseToGeneric<ExpOp>, ElementwiseToGeneric<LogOp>,
      ElementwiseToGeneric<SqrtOp>, ElementwiseToGeneric<RsqrtOp>,
      ElementwiseToGeneric<SinOp>, ElementwiseToGeneric<CosOp>,
      ElementwiseToGeneric<ErfOp>, ElementwiseToGeneric<FloorOp>,
      ElementwiseToGeneric<CeilOp>, ElementwiseToGeneric<RoundOp>,
      // Arithmetic and comparisons.
      ElementwiseToGeneric<AddOp>, ElementwiseToGeneric<SubOp>,
      ElementwiseToGeneric<MulOp>, ElementwiseToGeneric<DivOp>,
      ElementwiseToGeneric<PowOp>, ElementwiseToGeneric<MaximumOp>,
      ElementwiseToGeneric<MinimumOp>, ElementwiseToGeneric<EqualOp>,
      ElementwiseToGeneric<LessOp>, ElementwiseToGeneric<GreaterOp>,
      ElementwiseToGeneric<WhereOp>, ElementwiseToGeneric<CastOp>,
      DropoutToIdentity, ConstantToArith>(context);
}

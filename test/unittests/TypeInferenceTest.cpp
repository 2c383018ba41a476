//===- TypeInferenceTest.cpp - Tests of the ops' type inference -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Builds ops through their type-inferring builders, as an importer does, and
// checks the result types, the type helpers, and that a failed inference
// probe (no location) reports nothing.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::mithril;

namespace {

constexpr int64_t kDyn = kDynamic;
using Pads = std::pair<int64_t, int64_t>;

class TypeInferenceTest : public ::testing::Test {
protected:
  TypeInferenceTest() : builder(&context), loc(builder.getUnknownLoc()) {
    context.loadDialect<MithrilDialect>();
    module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
  }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  /// A value of type `type`, from a parameter of a fresh model.
  Value value(RankedTensorType type) {
    if (!model) {
      model =
          ModelOp::create(builder, loc, "m", builder.getFunctionType({}, {}));
      builder.setInsertionPointToStart(&model.getBody().front());
    }
    return ParameterOp::create(
        builder, loc, type,
        builder.getStringAttr("p" + std::to_string(++count)));
  }

  /// The types `OpTy` infers for `operands` and `attrs` (the catalog's
  /// defaults filled in, as when an op is created), or failure.
  template <typename OpTy>
  FailureOr<SmallVector<Type>> infer(ValueRange operands,
                                     ArrayRef<NamedAttribute> attrs) {
    typename OpTy::Properties properties;
    if (failed(OpTy::setPropertiesFromAttr(
            properties, builder.getDictionaryAttr(attrs),
            [] { return InFlightDiagnostic(); })))
      return failure();
    OpTy::populateDefaultProperties(
        OperationName(OpTy::getOperationName(), &context), properties);
    typename OpTy::Adaptor adaptor(operands, builder.getDictionaryAttr({}),
                                   properties);
    SmallVector<Type> types;
    if (failed(OpTy::inferReturnTypes(&context, std::nullopt, adaptor, types)))
      return failure();
    return types;
  }

  NamedAttribute i64(StringRef name, int64_t value) {
    return builder.getNamedAttr(name, builder.getI64IntegerAttr(value));
  }

  MLIRContext context;
  OpBuilder builder;
  Location loc;
  OwningOpRef<ModuleOp> module;
  ModelOp model;
  int count = 0;
};

TEST_F(TypeInferenceTest, LinearBuilderInfersOutFeatures) {
  Value x = value(f32({kDyn, 64}));
  Value w = value(f32({10, 64}));
  Value b = value(f32({10}));
  auto op = LinearOp::create(builder, loc, x, w, b, 64, 10);
  EXPECT_EQ(op.getType(), f32({kDyn, 10}));
}

TEST_F(TypeInferenceTest, Conv2dSamePaddingKeepsSpatialSize) {
  Value x = value(f32({kDyn, 3, 32, 32}));
  Value w = value(f32({64, 3, 3, 3}));
  auto op = Conv2dOp::create(builder, loc, x, w, Value(), 3, 64);
  EXPECT_EQ(op.getType(), f32({kDyn, 64, 32, 32}));
}

TEST_F(TypeInferenceTest, Conv2dStrideAndPadding) {
  Value x = value(f32({8, 3, 32, 31}));
  Value w = value(f32({16, 3, 5, 5}));
  auto types = infer<Conv2dOp>(
      {x, w},
      {i64("in_channels", 3), i64("out_channels", 16),
       builder.getNamedAttr("kernel_size",
                            builder.getDenseI64ArrayAttr({5, 5})),
       builder.getNamedAttr("stride", builder.getDenseI64ArrayAttr({2, 2})),
       builder.getNamedAttr("padding", builder.getDenseI64ArrayAttr({2, 2}))});
  ASSERT_TRUE(succeeded(types));
  EXPECT_EQ(types->front(), f32({8, 16, 16, 16}));
}

TEST_F(TypeInferenceTest, LinearMismatchFailsSilentlyWithoutLocation) {
  Value x = value(f32({4, 32}));
  Value w = value(f32({10, 64}));
  bool reported = false;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &) {
    reported = true;
    return success();
  });
  auto types = infer<LinearOp>(
      {x, w}, {i64("in_features", 64), i64("out_features", 10)});
  EXPECT_TRUE(failed(types));
  EXPECT_FALSE(reported);
}

TEST_F(TypeInferenceTest, BroadcastingBinaryOp) {
  Value a = value(f32({kDyn, 1, 16}));
  Value b = value(f32({8, 16}));
  auto op = AddOp::create(builder, loc, a, b);
  EXPECT_EQ(op.getType(), f32({kDyn, 8, 16}));
  auto less = LessOp::create(builder, loc, a, b);
  EXPECT_TRUE(less.getType().getElementType().isInteger(1));
}

TEST_F(TypeInferenceTest, ReshapeWithSymbolStaysDynamic) {
  Value x = value(f32({kDyn, 3, 4, 4}));
  auto shape = builder.getArrayAttr(
      {builder.getStringAttr("N"), builder.getI64IntegerAttr(-1)});
  auto op = ReshapeOp::create(builder, loc, x, shape);
  EXPECT_EQ(op.getType(), f32({kDyn, kDyn}));
}

TEST_F(TypeInferenceTest, SplitGivesOneResultPerChunk) {
  Value x = value(f32({kDyn, 10}));
  auto types = infer<SplitOp>({x}, {i64("split_size", 4), i64("dim", 1)});
  ASSERT_TRUE(succeeded(types));
  ASSERT_EQ(types->size(), 3u);
  EXPECT_EQ((*types)[2], f32({kDyn, 2}));
}

TEST_F(TypeInferenceTest, SumOfIntegersIsI64) {
  auto i32 = RankedTensorType::get({4, 5}, builder.getI32Type());
  Value x = value(i32);
  auto op =
      SumOp::create(builder, loc, x, builder.getDenseI64ArrayAttr({1}), false);
  EXPECT_EQ(op.getType(), RankedTensorType::get({4}, builder.getI64Type()));
}

TEST_F(TypeInferenceTest, CompatibleAndRefinedTypes) {
  EXPECT_TRUE(
      areCompatibleTypes(TypeRange{f32({kDyn, 4})}, TypeRange{f32({8, 4})}));
  EXPECT_FALSE(
      areCompatibleTypes(TypeRange{f32({2, 4})}, TypeRange{f32({8, 4})}));
  EXPECT_FALSE(areCompatibleTypes(TypeRange{f32({4})}, TypeRange{f32({4, 1})}));
  EXPECT_EQ(refineType(f32({kDyn, 4}), f32({8, kDyn})), f32({8, 4}));
  EXPECT_EQ(refineType(f32({2}), f32({3})), Type());
}

TEST_F(TypeInferenceTest, ConvPaddingResolution) {
  auto same = builder.getStringAttr("same");
  auto pairs = resolveConvPadding(same, {4, 3}, {1, 2}, 2);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], Pads(1, 2));
  EXPECT_EQ(pairs[1], Pads(2, 2));
  auto explicitPads = builder.getDenseI64ArrayAttr({1, 2, 3, 4});
  pairs = resolveConvPadding(explicitPads, {3, 3}, {1, 1}, 2);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1], Pads(3, 4));
  EXPECT_TRUE(
      resolveConvPadding(builder.getStringAttr("full"), {3}, {1}, 1).empty());
  EXPECT_TRUE(
      resolveConvPadding(builder.getDenseI64ArrayAttr({-1}), {3}, {1}, 1)
          .empty());
}

TEST_F(TypeInferenceTest, CIdentifiers) {
  EXPECT_TRUE(isCIdentifier("tiny_resnet"));
  EXPECT_TRUE(isCIdentifier("_N2"));
  EXPECT_FALSE(isCIdentifier("2N"));
  EXPECT_FALSE(isCIdentifier("res-block"));
  EXPECT_FALSE(isCIdentifier(""));
}

} // namespace

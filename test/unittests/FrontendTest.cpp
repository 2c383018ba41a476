//===- FrontendTest.cpp - Catalog names and random initialisers -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OpCatalog.h"
#include "mithril/Frontend/Weights.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::mithril;

namespace {

TEST(OpCatalogTest, SnakeCaseFollowsTheModelFormatRule) {
  EXPECT_EQ(toSnakeCase("Conv2d"), "conv2d");
  EXPECT_EQ(toSnakeCase("BatchNorm2d"), "batch_norm2d");
  EXPECT_EQ(toSnakeCase("ReLU"), "re_lu");
  EXPECT_EQ(toSnakeCase("GELU"), "gelu");
  EXPECT_EQ(toSnakeCase("ScaledDotProductAttention"),
            "scaled_dot_product_attention");
  EXPECT_EQ(toSnakeCase("res_block"), "res_block");
}

TEST(OpCatalogTest, EveryOpIsAMithrilOp) {
  MLIRContext context;
  context.loadDialect<MithrilDialect>();
  for (const OpSpec &spec : getOpCatalog()) {
    EXPECT_TRUE(RegisteredOperationName::lookup(spec.opName, &context))
        << spec.name.str();
    EXPECT_EQ(lookupOp(spec.name), &spec);
    EXPECT_EQ(lookupOpByMithrilName(spec.opName), &spec);
  }
}

TEST(OpCatalogTest, SuggestsCloseNamesOnly) {
  SmallVector<StringRef> names = {"kernel_size", "stride", "padding"};
  EXPECT_EQ(closestName("kernal_size", names), "kernel_size");
  EXPECT_EQ(closestName("Stride", names), "stride");
  EXPECT_EQ(closestName("frobnicate", names), std::nullopt);
}

class RandomInitTest : public ::testing::Test {
protected:
  RandomInitTest() {
    context.loadDialect<MithrilDialect>();
    module = parseSourceString<ModuleOp>(kModel, &context);
  }

  ParameterOp parameter(StringRef name) {
    ParameterOp found;
    module->walk([&](ParameterOp op) {
      if (op.getName() == name)
        found = op;
    });
    return found;
  }

  static constexpr const char *kModel = R"mlir(
    mithril.model @m(%x: tensor<2x16xf32>, %i: tensor<2xi64>, %s: tensor<2x3x8x8xf32>) -> (tensor<2x4xf32>, tensor<2x16xf32>, tensor<2x5x8x8xf32>, tensor<2x5x8x8xf32>) {
      %w = mithril.parameter "fc.weight" : tensor<4x16xf32>
      %b = mithril.parameter "fc.bias" : tensor<4xf32>
      %0 = mithril.linear %x, %w, %b {in_features = 16, out_features = 4} : (tensor<2x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<2x4xf32>
      %e = mithril.parameter "emb.weight" : tensor<10x16xf32>
      %1 = mithril.embedding %i, %e {num_embeddings = 10, embedding_dim = 16} : (tensor<2xi64>, tensor<10x16xf32>) -> tensor<2x16xf32>
      %cw = mithril.parameter "conv.weight" : tensor<5x3x3x3xf32>
      %2 = mithril.conv2d %s, %cw {in_channels = 3, out_channels = 5} : (tensor<2x3x8x8xf32>, tensor<5x3x3x3xf32>) -> tensor<2x5x8x8xf32>
      %g = mithril.parameter "bn.weight" : tensor<5xf32>
      %h = mithril.parameter "bn.bias" : tensor<5xf32>
      %m = mithril.parameter "bn.running_mean" : tensor<5xf32>
      %v = mithril.parameter "bn.running_var" : tensor<5xf32>
      %3 = mithril.batch_norm2d %2, %g, %h, %m, %v {num_features = 5} : (tensor<2x5x8x8xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<2x5x8x8xf32>
      mithril.return %0, %1, %2, %3 : tensor<2x4xf32>, tensor<2x16xf32>, tensor<2x5x8x8xf32>, tensor<2x5x8x8xf32>
    }
  )mlir";

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(RandomInitTest, RulesArePyTorchDefaults) {
  ASSERT_TRUE(module);
  auto rule = [&](StringRef name) {
    FailureOr<InitializerAttr> rule = parameter(name).getDefaultInitializer();
    EXPECT_TRUE(succeeded(rule)) << name.str();
    return *rule;
  };
  InitializerAttr weight = rule("fc.weight");
  EXPECT_EQ(weight.getKind(), InitKind::Uniform);
  EXPECT_DOUBLE_EQ(weight.getSecondValue(), 0.25); // 1 / sqrt(16)
  EXPECT_DOUBLE_EQ(rule("fc.bias").getSecondValue(), 0.25);
  EXPECT_DOUBLE_EQ(rule("conv.weight").getSecondValue(), 1.0 / std::sqrt(27.0));
  EXPECT_EQ(rule("emb.weight").getKind(), InitKind::Normal);
  EXPECT_EQ(rule("bn.weight").getFirstValue(), 1.0);
  EXPECT_EQ(rule("bn.bias").getFirstValue(), 0.0);
  EXPECT_EQ(rule("bn.running_mean").getFirstValue(), 0.0);
  EXPECT_EQ(rule("bn.running_var").getFirstValue(), 1.0);
}

TEST_F(RandomInitTest, ValuesAreSeededAndWithinTheDistribution) {
  std::vector<float> a(4096), b(4096), c(4096);
  auto rule = InitializerAttr::uniform(&context, 0.25);
  fillParameter(rule, 7, "fc.weight", a);
  fillParameter(rule, 7, "fc.weight", b);
  fillParameter(rule, 8, "fc.weight", c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  fillParameter(rule, 7, "other.weight", c);
  EXPECT_NE(a, c);
  auto [low, high] = std::minmax_element(a.begin(), a.end());
  EXPECT_GE(*low, -0.25f);
  EXPECT_LE(*high, 0.25f);
  EXPECT_LT(*low, -0.24f); // The whole range is used.
  EXPECT_GT(*high, 0.24f);

  std::vector<float> normal(20000);
  fillParameter(InitializerAttr::normal(&context, 1.0), 1, "emb.weight",
                normal);
  double mean = std::accumulate(normal.begin(), normal.end(), 0.0) /
                double(normal.size());
  double variance = 0;
  for (float v : normal)
    variance += (v - mean) * (v - mean);
  variance /= double(normal.size());
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(variance, 1.0, 0.05);
}

} // namespace

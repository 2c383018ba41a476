//===- ShapeUtilsTest.cpp - Tests of the shape arithmetic -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/ShapeUtils.h"

#include <gtest/gtest.h>

using namespace mlir::mithril;
using Shape = llvm::SmallVector<int64_t>;

namespace {

constexpr int64_t kDyn = kDynamic;
using Pads = std::pair<int64_t, int64_t>;

TEST(ShapeUtils, NormalizeDimFollowsPython) {
  EXPECT_EQ(normalizeDim(0, 4), 0);
  EXPECT_EQ(normalizeDim(3, 4), 3);
  EXPECT_EQ(normalizeDim(-1, 4), 3);
  EXPECT_EQ(normalizeDim(-4, 4), 0);
  EXPECT_EQ(normalizeDim(4, 4), std::nullopt);
  EXPECT_EQ(normalizeDim(-5, 4), std::nullopt);
  EXPECT_EQ(normalizeDim(0, 0), std::nullopt);
}

TEST(ShapeUtils, BroadcastStaticShapes) {
  EXPECT_EQ(broadcastShapes({8, 1, 6, 1}, {7, 1, 5}), Shape({8, 7, 6, 5}));
  EXPECT_EQ(broadcastShapes({}, {3, 4}), Shape({3, 4}));
  EXPECT_EQ(broadcastShapes({2, 3}, {3, 3}), std::nullopt);
}

TEST(ShapeUtils, BroadcastKeepsUnknownDimsDynamic) {
  // A dynamic dim against a static size > 1 must be that size.
  EXPECT_EQ(broadcastShapes({kDyn, 4}, {3, 4}), Shape({3, 4}));
  // Against 1 or another dynamic dim it stays dynamic.
  EXPECT_EQ(broadcastShapes({kDyn, 4}, {1, 4}), Shape({kDyn, 4}));
  EXPECT_EQ(broadcastShapes({kDyn}, {kDyn}), Shape({kDyn}));
}

TEST(ShapeUtils, SamePaddingPutsTheExtraElementAfter) {
  EXPECT_EQ(samePadding(3, 1), Pads(1, 1));
  EXPECT_EQ(samePadding(4, 1), Pads(1, 2));
  EXPECT_EQ(samePadding(3, 2), Pads(2, 2));
  EXPECT_EQ(samePadding(1, 1), Pads(0, 0));
}

TEST(ShapeUtils, WindowOutputSizeMatchesPyTorch) {
  // Conv2d(k=3, p=1): same size; stride 2 halves (rounding down).
  EXPECT_EQ(windowOutputSize(32, 3, 1, 1, 1), 32);
  EXPECT_EQ(windowOutputSize(32, 3, 2, 1, 1), 16);
  EXPECT_EQ(windowOutputSize(7, 3, 2, 0, 0), 3);
  // Dilation 2 makes a 3-tap kernel span 5.
  EXPECT_EQ(windowOutputSize(10, 3, 1, 0, 0, 2), 6);
  EXPECT_EQ(windowOutputSize(kDyn, 3, 1, 1, 1), kDyn);
  // Too small an input gives no output element.
  EXPECT_EQ(windowOutputSize(2, 5, 1, 0, 0), 0);
}

TEST(ShapeUtils, MatmulShapeCoversTorchMatmulCases) {
  EXPECT_EQ(matmulShape({3}, {3}), Shape({}));
  EXPECT_EQ(matmulShape({2, 3}, {3}), Shape({2}));
  EXPECT_EQ(matmulShape({3}, {3, 4}), Shape({4}));
  EXPECT_EQ(matmulShape({2, 3}, {3, 4}), Shape({2, 4}));
  EXPECT_EQ(matmulShape({5, 1, 2, 3}, {7, 3, 4}), Shape({5, 7, 2, 4}));
  EXPECT_EQ(matmulShape({kDyn, 2, 3}, {3, kDyn}), Shape({kDyn, 2, kDyn}));
  EXPECT_EQ(matmulShape({2, 3}, {4, 5}), std::nullopt);
  EXPECT_EQ(matmulShape({2, 2, 3}, {3, 3, 4}), std::nullopt);
}

TEST(ShapeUtils, SliceSizeClampsLikePython) {
  EXPECT_EQ(sliceSize(16, 4, 12, 2), 4);
  EXPECT_EQ(sliceSize(16, -4, 100, 1), 4);
  EXPECT_EQ(sliceSize(16, 10, 5, 1), 0);
  EXPECT_EQ(sliceSize(5, 0, 5, 2), 3);
  EXPECT_EQ(sliceSize(kDyn, 0, 4, 1), kDyn);
}

TEST(ShapeUtils, ReshapeInfersMinusOne) {
  EXPECT_EQ(reshapeShape({2, 3, 4}, {6, -1}), Shape({6, 4}));
  EXPECT_EQ(reshapeShape({2, 3, 4}, {24}), Shape({24}));
  EXPECT_EQ(reshapeShape({2, 3, 4}, {5, -1}), std::nullopt);
  EXPECT_EQ(reshapeShape({2, 3, 4}, {25}), std::nullopt);
  EXPECT_EQ(reshapeShape({2, 3}, {-1, -1}), std::nullopt);
}

TEST(ShapeUtils, ReshapeWithUnknownSizesStaysDynamic) {
  EXPECT_EQ(reshapeShape({kDyn, 3, 4}, {kDyn, -1}), Shape({kDyn, kDyn}));
  EXPECT_EQ(reshapeShape({kDyn, 12}, {kDyn, 3, 4}), Shape({kDyn, 3, 4}));
}

TEST(ShapeUtils, ReduceShapeDropsOrKeepsDims) {
  EXPECT_EQ(reduceShape({2, 3, 4}, {1}, false), Shape({2, 4}));
  EXPECT_EQ(reduceShape({2, 3, 4}, {0, 2}, true), Shape({1, 3, 1}));
  EXPECT_EQ(reduceShape({2, 3}, {0, 1}, false), Shape({}));
}

TEST(ShapeUtils, MultiplyDimsKnowsZeroAndDynamic) {
  EXPECT_EQ(multiplyDims(3, 4), 12);
  EXPECT_EQ(multiplyDims(kDyn, 4), kDyn);
  EXPECT_EQ(multiplyDims(kDyn, 0), 0);
}

TEST(ShapeUtils, FormatShapePrintsQuestionMarks) {
  EXPECT_EQ(formatShape({kDyn, 3, 224, 224}), "[?, 3, 224, 224]");
  EXPECT_EQ(formatShape({}), "[]");
}

} // namespace

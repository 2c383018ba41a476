// RUN: mlc-opt %s --convert-mithril-to-linalg --split-input-file | FileCheck %s

// A batched matmul: one contraction, the batch dim of the 2-d operand
// broadcast, k the reduction.

// CHECK-DAG: #[[LEFT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[RIGHT:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: mithril.model @matmul
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[LEFT]], #[[RIGHT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[ZERO]] : tensor<?x3x4xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
mithril.model @matmul(%a: tensor<?x3x5xf32>, %b: tensor<5x4xf32>) -> tensor<?x3x4xf32> {
  %0 = mithril.matmul %a, %b : (tensor<?x3x5xf32>, tensor<5x4xf32>) -> tensor<?x3x4xf32>
  mithril.return %0 : tensor<?x3x4xf32>
}

// -----

// Linear on f16 accumulates in f32, starting from the bias, then rounds.

// CHECK-LABEL: mithril.model @linear
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf16>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:   arith.extf {{.*}} : f16 to f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<2x3xf32>) outs(%{{.*}} : tensor<2x3xf16>)
// CHECK:   arith.truncf {{.*}} : f32 to f16
mithril.model @linear(%x: tensor<2x4xf16>, %w: tensor<3x4xf16>, %b: tensor<3xf16>) -> tensor<2x3xf16> {
  %0 = mithril.linear %x, %w, %b {in_features = 4, out_features = 3}
      : (tensor<2x4xf16>, tensor<3x4xf16>, tensor<3xf16>) -> tensor<2x3xf16>
  mithril.return %0 : tensor<2x3xf16>
}

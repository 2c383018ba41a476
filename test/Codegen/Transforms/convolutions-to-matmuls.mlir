// RUN: mlc-opt %s --pass-pipeline="builtin.module(func.func(mithril-convolutions-to-matmuls))" | FileCheck %s

// A 3x3 convolution with stride 2 on a dynamic batch, as
// convert-mithril-to-linalg writes it (loops n, g, oc, oh, ow, ic, kh, kw),
// becomes an im2col copy [g, ic, kh, kw, n, oh, ow] with the same window,
// a matmul [OC, IC*KH*KW] x [IC*KH*KW, N*OH*OW], and the product added to
// the initial value (the bias) in the output's layout.
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d0, d1, d5 * 2 + d2, d6 * 2 + d3)>
// CHECK-DAG: #[[BACK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d0, d3, d4)>
// CHECK-LABEL: func.func @conv
// CHECK: %[[COLS:.*]] = linalg.generic {indexing_maps = [#[[WINDOW]], {{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<1x3x3x3x?x4x4xf32>)
// CHECK: %[[RHS:.*]] = tensor.collapse_shape %[[COLS]] {{\[}}[0, 1, 2, 3], [4, 5, 6]] : tensor<1x3x3x3x?x4x4xf32> into tensor<27x?xf32>
// CHECK: %[[LHS:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1], [2, 3, 4]] : tensor<1x8x3x3x3xf32> into tensor<8x27xf32>
// CHECK: %[[PRODUCT:.*]] = linalg.matmul ins(%[[LHS]], %[[RHS]] : tensor<8x27xf32>, tensor<27x?xf32>)
// CHECK: %[[SPREAD:.*]] = tensor.expand_shape %[[PRODUCT]] {{\[}}[0], [1, 2, 3]]
// CHECK: linalg.generic {indexing_maps = [#[[BACK]], {{.*}}]} ins(%[[SPREAD]] : tensor<8x?x4x4xf32>) outs(%arg2 : tensor<?x1x8x4x4xf32>)
// CHECK: arith.addf
// CHECK-NOT: "reduction", "reduction", "reduction"
#input = affine_map<(n, g, oc, oh, ow, ic, kh, kw) -> (n, g, ic, oh * 2 + kh, ow * 2 + kw)>
#filter = affine_map<(n, g, oc, oh, ow, ic, kh, kw) -> (g, oc, ic, kh, kw)>
#output = affine_map<(n, g, oc, oh, ow, ic, kh, kw) -> (n, g, oc, oh, ow)>
func.func @conv(%x: tensor<?x1x3x9x9xf32>, %w: tensor<1x8x3x3x3xf32>,
                %bias: tensor<?x1x8x4x4xf32>) -> tensor<?x1x8x4x4xf32> {
  %0 = linalg.generic {indexing_maps = [#input, #filter, #output],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                         "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<?x1x3x9x9xf32>, tensor<1x8x3x3x3xf32>)
      outs(%bias : tensor<?x1x8x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x1x8x4x4xf32>
  return %0 : tensor<?x1x8x4x4xf32>
}

// Grouped (depthwise) convolutions are left as they are.
// CHECK-LABEL: func.func @depthwise
// CHECK: "reduction", "reduction", "reduction"
// CHECK-NOT: linalg.matmul
func.func @depthwise(%x: tensor<1x4x1x6x6xf32>, %w: tensor<4x1x1x3x3xf32>,
                     %y: tensor<1x4x1x4x4xf32>) -> tensor<1x4x1x4x4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, g, oc, oh, ow, ic, kh, kw) -> (n, g, ic, oh + kh, ow + kw)>,
                                        #filter, #output],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                         "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x4x1x6x6xf32>, tensor<4x1x1x3x3xf32>)
      outs(%y : tensor<1x4x1x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x1x4x4xf32>
  return %0 : tensor<1x4x1x4x4xf32>
}

// bf16 operands summed in f32 (mithril-apply-precision's convolutions): the
// columns stay bf16, the matmul sums them in f32.
// CHECK-LABEL: func.func @bf16_into_f32
// CHECK: %[[COLS:.*]] = linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x3x3x3x2x4x4xbf16>)
// CHECK: %[[RHS:.*]] = tensor.collapse_shape %[[COLS]] {{.*}} into tensor<27x32xbf16>
// CHECK: linalg.matmul ins(%{{.*}}, %[[RHS]] : tensor<8x27xbf16>, tensor<27x32xbf16>) outs(%{{.*}} : tensor<8x32xf32>)
func.func @bf16_into_f32(%x: tensor<2x1x3x9x9xbf16>, %w: tensor<1x8x3x3x3xbf16>,
                         %init: tensor<2x1x8x4x4xf32>) -> tensor<2x1x8x4x4xf32> {
  %0 = linalg.generic {indexing_maps = [#input, #filter, #output],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                         "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<2x1x3x9x9xbf16>, tensor<1x8x3x3x3xbf16>)
      outs(%init : tensor<2x1x8x4x4xf32>) {
  ^bb0(%a: bf16, %b: bf16, %acc: f32):
    %a32 = arith.extf %a : bf16 to f32
    %b32 = arith.extf %b : bf16 to f32
    %p = arith.mulf %a32, %b32 : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x1x8x4x4xf32>
  return %0 : tensor<2x1x8x4x4xf32>
}

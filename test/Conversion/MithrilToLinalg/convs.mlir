// RUN: mlc-opt %s --convert-mithril-to-linalg | FileCheck %s

// A grouped convolution: the input is padded, viewed as [N, G, C/G, H, W],
// and reduced over (ic, kh, kw) in one generic that starts from the bias;
// the result is collapsed back to [N, C, H, W].

// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: mithril.model @grouped
// CHECK: %[[PADDED:.*]] = tensor.pad
// CHECK: %[[VIEW:.*]] = tensor.expand_shape %[[PADDED]] {{\[\[}}0], [1, 2], [3], [4]]
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: tensor.collapse_shape {{.*}} into tensor<?x6x5x5xf32>
mithril.model @grouped(%x: tensor<?x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x5x5xf32> {
  %0 = mithril.conv2d %x, %w, %b {in_channels = 4, out_channels = 6, groups = 2}
      : (tensor<?x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x5x5xf32>
  mithril.return %0 : tensor<?x6x5x5xf32>
}

// -----

// interpolate: one generic over the output; bilinear reads four neighbours
// with tensor.extract, at coordinates clamped to the input.

// CHECK-LABEL: mithril.model @bilinear
// CHECK: linalg.generic
// CHECK-COUNT-2: math.floor
// CHECK-COUNT-4: tensor.extract
// CHECK: linalg.yield
mithril.model @bilinear(%x: tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32> {
  %0 = mithril.interpolate %x {size = array<i64: 8, 8>, scales = array<f64: 2.0, 2.0>, mode = "linear"} : (tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
  mithril.return %0 : tensor<?x3x8x8xf32>
}

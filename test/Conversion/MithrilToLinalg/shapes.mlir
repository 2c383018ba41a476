// RUN: mlc-opt %s --convert-mithril-to-linalg --split-input-file | FileCheck %s

// A reshape symbol takes its size from the model input that names it.

// CHECK-LABEL: mithril.model @symbol
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[N]], %{{.*}}, %{{.*}} : tensor<3xindex>
// CHECK: tensor.reshape %[[X]](%[[SHAPE]])
mithril.model @symbol(%x: tensor<?x4xf32> {mithril.dims = ["N", 4]}) -> tensor<?x2x2xf32> {
  %0 = mithril.reshape %x {shape = ["N", 2, 2]} : (tensor<?x4xf32>) -> tensor<?x2x2xf32>
  mithril.return %0 : tensor<?x2x2xf32>
}

// -----

// Flatten collapses, transpose is linalg.transpose, a slice of a dynamic
// dim clamps its bounds at run time.

// CHECK-LABEL: mithril.model @moves
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<?x3x4xf32> into tensor<?x12xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x3x4xf32>) outs(%{{.*}} : tensor<4x3x?xf32>) permutation = [2, 1, 0]
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.ceildivui
// CHECK: tensor.extract_slice
mithril.model @moves(%x: tensor<?x3x4xf32>) -> (tensor<?x12xf32>, tensor<4x3x?xf32>, tensor<?x3x4xf32>) {
  %0 = mithril.flatten %x : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
  %1 = mithril.transpose %x {dim0 = 0, dim1 = 2} : (tensor<?x3x4xf32>) -> tensor<4x3x?xf32>
  %2 = mithril.slice %x {dim = 0, start = 1, end = -1} : (tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  mithril.return %0, %1, %2 : tensor<?x12xf32>, tensor<4x3x?xf32>, tensor<?x3x4xf32>
}

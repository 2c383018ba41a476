// RUN: mlc-opt %s --mithril-expand-shapes-as-casts | FileCheck %s

// Rows [N * T] back into [N, T], both dynamic: a reinterpret cast of the
// source's base, at its offset, with strides [T * 768, 768, 1].
// CHECK-LABEL: func.func @rows
// CHECK-SAME: (%[[SOURCE:.*]]: memref<?x768xf32>, %[[N:.*]]: index, %[[T:.*]]: index)
// CHECK: %[[BASE:.*]], %[[OFFSET:.*]], %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %[[SOURCE]]
// CHECK: %[[STRIDE:.*]] = affine.apply #{{.*}}()[%[[T]]]
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[N]], %[[T]], 768], strides: [%[[STRIDE]], 768, 1]
// CHECK-NOT: memref.expand_shape
func.func @rows(%source: memref<?x768xf32>, %n: index, %t: index) -> memref<?x?x768xf32> {
  %0 = memref.expand_shape %source [[0, 1], [2]] output_shape [%n, %t, 768]
      : memref<?x768xf32> into memref<?x?x768xf32>
  return %0 : memref<?x?x768xf32>
}

// A strided source keeps its offset and strides: each dim of the group
// strides by the source dim's stride times the sizes inside it.
// CHECK-LABEL: func.func @strided
// CHECK: %[[BASE:.*]], %[[OFFSET:.*]], %{{.*}}:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [%[[OFFSET]]], sizes: [%{{.*}}, %{{.*}}, 16], strides: [%{{.*}}, %[[STRIDES]]#0, 1]
func.func @strided(%source: memref<?x16xf32, strided<[?, 1], offset: ?>>, %n: index, %t: index)
    -> memref<?x?x16xf32, strided<[?, ?, 1], offset: ?>> {
  %0 = memref.expand_shape %source [[0, 1], [2]] output_shape [%n, %t, 16]
      : memref<?x16xf32, strided<[?, 1], offset: ?>> into memref<?x?x16xf32, strided<[?, ?, 1], offset: ?>>
  return %0 : memref<?x?x16xf32, strided<[?, ?, 1], offset: ?>>
}

// One dynamic dim per group is upstream's to expand.
// CHECK-LABEL: func.func @left_alone
// CHECK: memref.expand_shape
func.func @left_alone(%source: memref<?x768xf32>, %n: index) -> memref<?x128x768xf32> {
  %0 = memref.expand_shape %source [[0, 1], [2]] output_shape [%n, 128, 768]
      : memref<?x768xf32> into memref<?x128x768xf32>
  return %0 : memref<?x128x768xf32>
}

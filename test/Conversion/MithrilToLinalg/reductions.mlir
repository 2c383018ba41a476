// RUN: mlc-opt %s --convert-mithril-to-linalg --split-input-file | FileCheck %s

// Softmax subtracts the maximum before exponentiating: a max reduction
// (from -inf), exp(x - max), a sum, and a division.

// CHECK-LABEL: mithril.model @softmax
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX_INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%[[MAX_INIT]] : tensor<?x1xf32>)
// CHECK:   arith.maximumf
// CHECK: %[[SHIFTED:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]] : tensor<?x10xf32>, tensor<?x1xf32>)
// CHECK:   arith.subf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[SHIFTED]]
// CHECK:   math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[EXP]]
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]]
// CHECK:   arith.divf
mithril.model @softmax(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = mithril.softmax %x : tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

// A sum of integers accumulates in i64; of f16, in f32.

// CHECK-LABEL: mithril.model @sums
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3xi64>)
// CHECK:   arith.extsi {{.*}} : i32 to i64
// CHECK:   arith.addi
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3xf32>)
// CHECK:   arith.extf {{.*}} : f16 to f32
// CHECK: arith.truncf {{.*}} : f32 to f16
mithril.model @sums(%i: tensor<3x4xi32>, %h: tensor<3x4xf16>) -> (tensor<3xi64>, tensor<3xf16>) {
  %0 = mithril.sum %i {dim = array<i64: 1>} : (tensor<3x4xi32>) -> tensor<3xi64>
  %1 = mithril.sum %h {dim = array<i64: 1>} : (tensor<3x4xf16>) -> tensor<3xf16>
  mithril.return %0, %1 : tensor<3xi64>, tensor<3xf16>
}

// RUN: mlc-opt %s --split-input-file --mithril-build-train-step="loss=cross_entropy" --mithril-train-mode | FileCheck %s
// RUN: mlc-opt %s --split-input-file --mithril-build-train-step="loss=mse" | FileCheck %s --check-prefix=MSE

// The train step clones the model, takes a target of class indices whose
// batch dim has the input's symbol, and returns the loss.

// CHECK-LABEL: mithril.model @net(
// CHECK: mithril.batch_norm1d
// CHECK-LABEL: mithril.model @train_step(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"}, %target: tensor<?xi64> {mithril.dims = ["N"], mithril.name = "target"})
// CHECK-SAME: -> (tensor<f32> {mithril.name = "loss"}, tensor<3xf32> {mithril.updates = "bn.running_mean"}, tensor<3xf32> {mithril.updates = "bn.running_var"})
// CHECK-SAME: attributes {mithril.train}
// CHECK-NOT: mithril.batch_norm1d
// CHECK-DAG: mithril.variance %{{.*}} {correction = 0 : i64, dim = array<i64: 0>} : (tensor<?x3xf32>) -> tensor<3xf32>
// CHECK-DAG: mithril.variance %{{.*}} {dim = array<i64: 0>} : (tensor<?x3xf32>) -> tensor<3xf32>
// CHECK-DAG: mithril.constant dense<1.000000e-01>
// CHECK: mithril.log_softmax
// CHECK: mithril.one_hot %target
// CHECK: mithril.return

// MSE-LABEL: mithril.model @train_step(
// MSE-SAME: %target: tensor<?x3xf32> {mithril.dims = ["N", 3], mithril.name = "target"}
// MSE: %[[D:.*]] = mithril.sub
// MSE: %[[S:.*]] = mithril.mul %[[D]], %[[D]]
// MSE: %[[L:.*]] = mithril.mean %[[S]]
// MSE: mithril.return %[[L]]
mithril.model @net(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"})
    -> (tensor<?x3xf32> {mithril.name = "y"}) {
  %w = mithril.parameter "fc.weight" : tensor<3x4xf32>
  %g = mithril.parameter "bn.weight" : tensor<3xf32>
  %b = mithril.parameter "bn.bias" : tensor<3xf32>
  %m = mithril.parameter "bn.running_mean" : tensor<3xf32>
  %v = mithril.parameter "bn.running_var" : tensor<3xf32>
  %0 = mithril.linear %x, %w {in_features = 4, out_features = 3}
      : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
  %1 = mithril.batch_norm1d %0, %g, %b, %m, %v {num_features = 3}
      : (tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  mithril.return %1 : tensor<?x3xf32>
}

// -----

// Dropout draws from the step counter, which the step increments.

// CHECK-LABEL: mithril.model @train_step(
// CHECK-SAME: tensor<i64> {mithril.updates = "train.rng_counter"}
// CHECK: %[[C:.*]] = mithril.parameter "train.rng_counter" {mithril.initial_value = 0.000000e+00 : f64} : tensor<i64>
// CHECK: %[[M:.*]] = mithril.random_mask %{{.*}}, %[[C]] {p = 2.500000e-01 : f64, stream = 0 : i64}
// CHECK: mithril.mul %{{.*}}, %[[M]]
mithril.model @dropout(%x: tensor<2x4xf32> {mithril.name = "x"})
    -> (tensor<2x4xf32> {mithril.name = "y"}) {
  %w = mithril.parameter "fc.weight" : tensor<4x4xf32>
  %0 = mithril.linear %x, %w {in_features = 4, out_features = 4}
      : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = mithril.dropout %0 {p = 0.25 : f64} : tensor<2x4xf32>
  mithril.return %1 : tensor<2x4xf32>
}

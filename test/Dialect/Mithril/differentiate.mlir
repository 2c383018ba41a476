// RUN: mlc-opt %s --split-input-file --mithril-differentiate --canonicalize --verify-diagnostics | FileCheck %s
// RUN: mlc-opt %s --split-input-file --mithril-differentiate --mithril-apply-optimizer="optimizer=sgd lr=0.5 momentum=0.9" --verify-diagnostics | FileCheck %s --check-prefix=SGD

// The gradient of each trained parameter the loss depends on, from the
// ops' rules; state (an initial value) and unused parameters get none.

// CHECK-LABEL: mithril.model @train_step
// CHECK-SAME: -> (tensor<f32> {mithril.name = "loss"}, tensor<2x3xf32> {mithril.gradient_of = "fc.weight"})
// CHECK: %[[ONE:.*]] = mithril.constant dense<1.000000e+00> : tensor<f32>
// CHECK: mithril.transpose
// CHECK: %[[DW:.*]] = mithril.matmul
// CHECK: mithril.return %{{.*}}, %[[DW]]

// SGD-LABEL: mithril.model @train_step
// SGD-SAME: tensor<2x3xf32> {mithril.updates = "optimizer.momentum_buffer.fc.weight"}, tensor<2x3xf32> {mithril.updates = "fc.weight"}, tensor<f32> {mithril.updates = "optimizer.step"}
// SGD-DAG: mithril.parameter "optimizer.lr" {mithril.initial_value = 5.000000e-01 : f64} : tensor<f32>
// SGD-DAG: mithril.parameter "optimizer.step" {mithril.initial_value = 0.000000e+00 : f64} : tensor<f32>
// SGD-DAG: mithril.parameter "optimizer.momentum_buffer.fc.weight" {mithril.initial_value = 0.000000e+00 : f64} : tensor<2x3xf32>
// SGD-NOT: gradient_of
mithril.model @train_step(%x: tensor<?x3xf32> {mithril.name = "x"}) -> (tensor<f32> {mithril.name = "loss"}) attributes {mithril.train} {
  %w = mithril.parameter "fc.weight" : tensor<2x3xf32>
  %unused = mithril.parameter "other.weight" : tensor<2x3xf32>
  %0 = mithril.linear %x, %w {in_features = 3, out_features = 2}
      : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32>
  %1 = mithril.relu %0 : tensor<?x2xf32>
  %2 = mithril.mean %1 : (tensor<?x2xf32>) -> tensor<f32>
  mithril.return %2 : tensor<f32>
}

// -----

// An op on the path without a gradient is refused where it is.

mithril.model @train_step(%x: tensor<4x3xf32> {mithril.name = "x"}) -> (tensor<f32> {mithril.name = "loss"}) attributes {mithril.train} {
  %w = mithril.parameter "fc.weight" : tensor<2x3xf32>
  %0 = mithril.linear %x, %w {in_features = 3, out_features = 2}
      : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  // expected-error @below {{'mithril.argmax' op has no gradient: its result is 'tensor<4xi64>', not a float, but the loss depends through it on a trained parameter}}
  %1 = mithril.argmax %0 {dim = 1} : (tensor<4x2xf32>) -> tensor<4xi64>
  %2 = mithril.cast %1 to f32 : tensor<4xi64> -> tensor<4xf32>
  %3 = mithril.mean %2 : (tensor<4xf32>) -> tensor<f32>
  mithril.return %3 : tensor<f32>
}

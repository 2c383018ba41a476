// RUN: mlc-opt %s --mithril-infer-shapes --split-input-file --verify-diagnostics | FileCheck %s

// Static shapes are computed through the whole graph, and the model's
// output type follows.
// CHECK-LABEL: mithril.model @static_cnn
// CHECK-SAME: -> tensor<8x10xf32>
// CHECK: mithril.conv2d {{.*}} -> tensor<8x16x16x16xf32>
// CHECK: mithril.max_pool2d {{.*}} -> tensor<8x16x8x8xf32>
// CHECK: mithril.flatten {{.*}} -> tensor<8x1024xf32>
// CHECK: mithril.linear {{.*}} -> tensor<8x10xf32>
// CHECK: mithril.softmax {{.*}} : tensor<8x10xf32>
// CHECK: mithril.return {{.*}} : tensor<8x10xf32>
mithril.model @static_cnn(%x: tensor<8x3x32x32xf32>) -> tensor<?x?xf32> {
  %cw = mithril.parameter "conv.weight" : tensor<16x3x3x3xf32>
  %0 = mithril.conv2d %x, %cw {in_channels = 3, out_channels = 16, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
      : (tensor<8x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %1 = mithril.max_pool2d %0 {kernel_size = array<i64: 2, 2>} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %2 = mithril.flatten %1 : (tensor<?x?x?x?xf32>) -> tensor<?x?xf32>
  %w = mithril.parameter "fc.weight" : tensor<10x1024xf32>
  %3 = mithril.linear %2, %w {in_features = 1024, out_features = 10} : (tensor<?x?xf32>, tensor<10x1024xf32>) -> tensor<?x?xf32>
  %4 = mithril.softmax %3 : tensor<?x?xf32>
  mithril.return %4 : tensor<?x?xf32>
}

// -----

// A dynamic batch stays dynamic; every other dim becomes static.
// CHECK-LABEL: mithril.model @dynamic_batch
// CHECK-SAME: -> tensor<?x8x16x16xf32>
// CHECK: mithril.matmul {{.*}} -> tensor<?x8x16x16xf32>
// CHECK: mithril.transpose {{.*}} -> tensor<?x8x16x16xf32>
// CHECK: mithril.add {{.*}} -> tensor<?x8x16x16xf32>
mithril.model @dynamic_batch(%q: tensor<?x8x16x64xf32> {mithril.dims = ["N", 8, 16, 64]},
                             %k: tensor<?x8x16x64xf32> {mithril.dims = ["N", 8, 16, 64]})
    -> tensor<?x?x?x?xf32> {
  %kt = mithril.transpose %k {dim0 = -2, dim1 = -1} : (tensor<?x8x16x64xf32>) -> tensor<?x?x?x?xf32>
  %0 = mithril.matmul %q, %kt : (tensor<?x8x16x64xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %1 = mithril.transpose %0 {dim0 = 2, dim1 = 3} : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %2 = mithril.add %0, %1 : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  mithril.return %2 : tensor<?x?x?x?xf32>
}

// -----

// Broadcasting a dynamic dim against a static one > 1 makes it static; a
// written result type more refined than the inferred one is kept.
// CHECK-LABEL: mithril.model @broadcast_and_keep_refined
// CHECK: mithril.mul {{.*}} -> tensor<4x16xf32>
// CHECK: mithril.relu {{.*}} : tensor<4x16xf32>
// CHECK: mithril.reshape {{.*}} -> tensor<2x32xf32>
mithril.model @broadcast_and_keep_refined(%x: tensor<?x16xf32>, %y: tensor<4x1xf32>) -> tensor<?x?xf32> {
  %0 = mithril.mul %x, %y : (tensor<?x16xf32>, tensor<4x1xf32>) -> tensor<?x?xf32>
  %1 = mithril.relu %0 : tensor<?x?xf32>
  %2 = mithril.reshape %1 {shape = ["B", 32]} : (tensor<?x?xf32>) -> tensor<2x32xf32>
  mithril.return %2 : tensor<2x32xf32>
}

// -----

// Instances take their callee's refined signature, callees first.
// CHECK-LABEL: mithril.model @top
// CHECK-SAME: -> tensor<?x8xf32>
// CHECK: mithril.instance "block_0" of @block(%{{.*}}) : (tensor<?x4xf32>) -> tensor<?x8xf32>
// CHECK-LABEL: mithril.model @block
// CHECK-SAME: -> tensor<?x8xf32>
mithril.model @top(%x: tensor<?x4xf32>) -> tensor<?x?xf32> {
  %0 = mithril.instance "block_0" of @block(%x) : (tensor<?x4xf32>) -> tensor<?x?xf32>
  mithril.return %0 : tensor<?x?xf32>
}
mithril.model @block(%x: tensor<?x4xf32>) -> tensor<?x?xf32> {
  %w = mithril.parameter "weight" : tensor<8x4xf32>
  %0 = mithril.linear %x, %w {in_features = 4, out_features = 8} : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x?xf32>
  mithril.return %0 : tensor<?x?xf32>
}

// -----

// Mismatched: once the linear's batch is known to be 5, it cannot broadcast
// with the 3 rows of %y. The IR was valid before, while the dim was unknown.
mithril.model @mismatch_found_by_propagation(%x: tensor<5x8xf32>, %y: tensor<3x4xf32>) -> tensor<?x4xf32> {
  %w = mithril.parameter "weight" : tensor<4x8xf32>
  %0 = mithril.linear %x, %w {in_features = 8, out_features = 4} : (tensor<5x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  // expected-error @+1 {{'mithril.add' op expected operand shapes ([5, 4] and [3, 4]) to be broadcast-compatible}}
  %1 = mithril.add %0, %y : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x4xf32>
  mithril.return %1 : tensor<?x4xf32>
}

// -----

// Mismatched at the output: the model says 6 columns, its graph makes 4.
mithril.model @mismatch_at_output(%x: tensor<5x8xf32>) -> tensor<?x6xf32> {
  %w = mithril.parameter "weight" : tensor<4x8xf32>
  %0 = mithril.linear %x, %w {in_features = 8, out_features = 4} : (tensor<5x8xf32>, tensor<4x8xf32>) -> tensor<?x?xf32>
  // expected-error @+1 {{'mithril.return' op returns 'tensor<5x4xf32>' for output 0, which @mismatch_at_output declares as 'tensor<?x6xf32>'}}
  mithril.return %0 : tensor<?x?xf32>
}

// -----

// Mismatched in the written IR: the verifier rejects a result type that
// conflicts with the inferred one, before any pass runs.
mithril.model @mismatch_written(%x: tensor<?x8xf32>) -> tensor<?x6xf32> {
  %w = mithril.parameter "weight" : tensor<4x8xf32>
  // expected-error @+2 {{'mithril.linear' op inferred type(s) 'tensor<?x4xf32>' are incompatible with return type(s) of operation 'tensor<?x6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w {in_features = 8, out_features = 4} : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x6xf32>
  mithril.return %0 : tensor<?x6xf32>
}

// -----

// Mismatched after propagation: the relu was written to give 3 rows, but its
// input turns out to have 5.
mithril.model @mismatch_in_result(%x: tensor<5x8xf32>) -> tensor<3x4xf32> {
  %w = mithril.parameter "weight" : tensor<4x8xf32>
  %0 = mithril.linear %x, %w {in_features = 8, out_features = 4} : (tensor<5x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
  // expected-error @+1 {{'mithril.relu' op result type 'tensor<3x4xf32>' conflicts with the inferred 'tensor<5x4xf32>'}}
  %1 = mithril.relu %0 : tensor<?x4xf32> -> tensor<3x4xf32>
  mithril.return %1 : tensor<3x4xf32>
}

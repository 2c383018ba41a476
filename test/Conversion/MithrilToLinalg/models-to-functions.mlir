// RUN: mlc-opt %s --split-input-file --convert-mithril-to-linalg --convert-mithril-models-to-functions --verify-diagnostics | FileCheck %s

// Inputs first, then parameters in declaration order; names kept. Inputs
// and weights belong to the caller: bufferization may not write into them.

// CHECK-LABEL: func.func @m(
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32> {bufferization.writable = false, mithril.dims = ["N", 4], mithril.name = "x"}
// CHECK-SAME: %[[W:.*]]: tensor<2x4xf32> {bufferization.writable = false, mithril.parameter = "fc.weight"}
// CHECK-SAME: %[[B:.*]]: tensor<2xf32> {bufferization.writable = false, mithril.parameter = "fc.bias"}
// CHECK-SAME: -> (tensor<?x2xf32> {mithril.name = "y"}) attributes {llvm.emit_c_interface}
// CHECK: linalg.generic
// CHECK: return %{{.*}} : tensor<?x2xf32>
// CHECK-NOT: mithril.
mithril.model @m(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"}) -> (tensor<?x2xf32> {mithril.name = "y"}) {
  %w = mithril.parameter "fc.weight" : tensor<2x4xf32>
  %b = mithril.parameter "fc.bias" : tensor<2xf32>
  %0 = mithril.linear %x, %w, %b {in_features = 4, out_features = 2}
      : (tensor<?x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  mithril.return %0 : tensor<?x2xf32>
}

// -----

mithril.model @hierarchical(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'mithril.instance' op is left in @hierarchical: lower the model first (mithril-inline-blocks, convert-mithril-to-linalg)}}
  %0 = mithril.instance "b" of @block(%x) : (tensor<2xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}
mithril.model @block(%x: tensor<2xf32>) -> tensor<2xf32> {
  mithril.return %x : tensor<2xf32>
}

// RUN: mlc-opt %s --mithril-inline-blocks --split-input-file | FileCheck %s
// RUN: mlc-opt %s --mithril-inline-blocks --split-input-file --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// Nested instances are flattened; parameters and node names get the
// instance path.

// CHECK-LABEL: mithril.model @top
// CHECK-NOT: mithril.instance
// CHECK: %[[W0:.*]] = mithril.parameter "outer_0.fc.weight" : tensor<4x4xf32>
// CHECK: %[[A:.*]] = mithril.linear %x, %[[W0]]
// CHECK: mithril.parameter "outer_0.inner.fc.weight" : tensor<4x4xf32>
// CHECK: %[[B:.*]] = mithril.linear %[[A]]
// CHECK: %[[C:.*]] = mithril.relu %[[B]]
// CHECK: mithril.parameter "outer_1.fc.weight"
// CHECK: mithril.parameter "outer_1.inner.fc.weight"
// CHECK: %[[D:.*]] = mithril.relu
// CHECK: mithril.return %[[D]]
// CHECK-NOT: mithril.model

// LOC: mithril.relu {{.*}} loc(#[[RELU:[a-z0-9]+]])
// LOC: #[[RELU]] = loc("outer_0.inner.act"(

mithril.model @top(%x: tensor<2x4xf32> {mithril.name = "x"}) -> tensor<2x4xf32> {
  %0 = mithril.instance "outer_0" of @outer(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = mithril.instance "outer_1" of @outer(%0) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  mithril.return %1 : tensor<2x4xf32>
}
mithril.model @outer(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = mithril.parameter "fc.weight" : tensor<4x4xf32>
  %0 = mithril.linear %x, %w {in_features = 4, out_features = 4}
      : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("fc")
  %1 = mithril.instance "inner" of @inner(%0) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  mithril.return %1 : tensor<2x4xf32>
}
mithril.model @inner(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = mithril.parameter "fc.weight" : tensor<4x4xf32>
  %0 = mithril.linear %x, %w {in_features = 4, out_features = 4}
      : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = mithril.relu %0 : tensor<2x4xf32> loc("act")
  mithril.return %1 : tensor<2x4xf32>
}

// -----

// A block's input more general than its use: the flat graph keeps the
// block's types until mithril-infer-shapes refines them; a model that is
// not inlined (another top model's block) stays.

// CHECK-LABEL: mithril.model @generic
// CHECK: %[[R:.*]] = mithril.relu %arg0 : tensor<3x4xf32> -> tensor<?x4xf32>
// CHECK: mithril.return %[[R]] : tensor<?x4xf32>
// CHECK-LABEL: mithril.model @block
mithril.model @generic(%x: tensor<3x4xf32>) -> tensor<?x4xf32> {
  %0 = mithril.instance "b" of @block(%x) : (tensor<3x4xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}
mithril.model @block(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = mithril.relu %x : tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}
mithril.model @other(%x: tensor<3x4xf32>) -> tensor<?x4xf32> {
  %0 = mithril.instance "b" of @block(%x) : (tensor<3x4xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

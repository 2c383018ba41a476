// RUN: mlc-opt %s --split-input-file --mithril-infer-shapes | FileCheck %s


// A block's inputs take the types all its instances agree on; the symbol
// a block input names is bound by what an instance passes, and fixes the
// top model's dims of that symbol too.

// CHECK-LABEL: mithril.model @top
// CHECK-SAME: (%x: tensor<5x4xf32> {{.*}}, %s: tensor<5x4xf32> {{.*}}) -> (tensor<5x4xf32>, tensor<5x4xf32>)
// CHECK-LABEL: mithril.model @block
// CHECK-SAME: (%arg0: tensor<5x4xf32> {mithril.dims = ["N", 4]}) -> tensor<5x4xf32>
// CHECK: mithril.relu %arg0 : tensor<5x4xf32>
mithril.model @top(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"},
                   %s: tensor<5x4xf32> {mithril.name = "s"})
    -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = mithril.instance "b_0" of @block(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = mithril.instance "b_1" of @block(%s) : (tensor<5x4xf32>) -> tensor<?x4xf32>
  mithril.return %0, %1 : tensor<?x4xf32>, tensor<?x4xf32>
}
mithril.model @block(%x: tensor<?x4xf32> {mithril.dims = ["N", 4]}) -> tensor<?x4xf32> {
  %0 = mithril.relu %x : tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

// Instances that disagree leave the block's input dynamic.

// CHECK-LABEL: mithril.model @disagree
// CHECK-LABEL: mithril.model @generic_block
// CHECK-SAME: (%arg0: tensor<?x4xf32>) -> tensor<?x4xf32>
mithril.model @disagree(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %0 = mithril.instance "g_0" of @generic_block(%a) : (tensor<2x4xf32>) -> tensor<?x4xf32>
  %1 = mithril.instance "g_1" of @generic_block(%b) : (tensor<3x4xf32>) -> tensor<?x4xf32>
  mithril.return %0, %1 : tensor<?x4xf32>, tensor<?x4xf32>
}
mithril.model @generic_block(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = mithril.sigmoid %x : tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

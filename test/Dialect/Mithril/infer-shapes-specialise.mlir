// RUN: mlc-opt %s --mithril-infer-shapes="batch=8" | FileCheck %s --check-prefix=BATCH
// RUN: mlc-opt %s --mithril-infer-shapes="shape=x=3x4" | FileCheck %s --check-prefix=SHAPE
// RUN: mlc-opt %s --mithril-infer-shapes | FileCheck %s --check-prefix=NONE

// A bound symbol fixes every dim that names it: both inputs, and the
// reshape that names it.

// BATCH-LABEL: mithril.model @two_inputs
// BATCH-SAME: (%x: tensor<8x4xf32> {{.*}}, %y: tensor<8x4xf32> {{.*}}) -> tensor<8x2x2xf32>
// BATCH: mithril.reshape {{.*}} {shape = [8, 2, 2]} : (tensor<8x4xf32>) -> tensor<8x2x2xf32>
// SHAPE-LABEL: mithril.model @two_inputs
// SHAPE-SAME: (%x: tensor<3x4xf32> {{.*}}, %y: tensor<3x4xf32> {{.*}}) -> tensor<3x2x2xf32>
// NONE-LABEL: mithril.model @two_inputs
// NONE-SAME: (%x: tensor<?x4xf32> {{.*}}, %y: tensor<?x4xf32> {{.*}}) -> tensor<?x2x2xf32>
// NONE: {shape = ["N", 2, 2]}
mithril.model @two_inputs(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"},
                          %y: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "y"})
    -> tensor<?x?x?xf32> {
  %0 = mithril.add %x, %y : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = mithril.reshape %0 {shape = ["N", 2, 2]} : (tensor<?x4xf32>) -> tensor<?x?x?xf32>
  mithril.return %1 : tensor<?x?x?xf32>
}


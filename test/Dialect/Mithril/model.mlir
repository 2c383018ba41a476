// RUN: mlc-opt %s | mlc-opt | FileCheck %s

// The structure of a logical model: the top model and a block, both
// `mithril.model`; parameters named as in PyTorch's state_dict relative to
// their model; instances that give a block its own parameters; input and
// output names; symbolic dims.

// CHECK-LABEL: mithril.model @res_block
// CHECK-SAME: (%input: tensor<?x64x2x2xf32> {mithril.name = "input"})
// CHECK-SAME: -> (tensor<?x64x2x2xf32> {mithril.name = "output"})
// CHECK-NEXT: %conv1.weight = mithril.parameter "conv1.weight" : tensor<64x64x3x3xf32>
// CHECK-NEXT: %conv1.bias = mithril.parameter "conv1.bias" : tensor<64xf32>
// CHECK-NEXT: %[[CONV:.*]] = mithril.conv2d %input, %conv1.weight, %conv1.bias
// CHECK-NEXT: %[[RELU:.*]] = mithril.relu %[[CONV]]
// CHECK-NEXT: %[[ADD:.*]] = mithril.add %input, %[[RELU]]
// CHECK-NEXT: mithril.return %[[ADD]] : tensor<?x64x2x2xf32>
mithril.model @res_block(%input: tensor<?x64x2x2xf32> {mithril.name = "input"})
    -> (tensor<?x64x2x2xf32> {mithril.name = "output"}) {
  %w = mithril.parameter "conv1.weight" : tensor<64x64x3x3xf32>
  %b = mithril.parameter "conv1.bias" : tensor<64xf32>
  %0 = mithril.conv2d %input, %w, %b {in_channels = 64, out_channels = 64, padding = array<i64: 1, 1>}
      : (tensor<?x64x2x2xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<?x64x2x2xf32>
  %1 = mithril.relu %0 : tensor<?x64x2x2xf32>
  %2 = mithril.add %input, %1 : (tensor<?x64x2x2xf32>, tensor<?x64x2x2xf32>) -> tensor<?x64x2x2xf32>
  mithril.return %2 : tensor<?x64x2x2xf32>
}

// CHECK-LABEL: mithril.model @tiny_resnet
// CHECK-SAME: (%input: tensor<?x64x2x2xf32> {mithril.dims = ["N", 64, 2, 2], mithril.name = "input"})
// CHECK-SAME: -> (tensor<?x10xf32> {mithril.name = "output"}, tensor<?x256xf32> {mithril.name = "features"})
// CHECK: %[[B0:.*]] = mithril.instance "res_block_0" of @res_block(%input) : (tensor<?x64x2x2xf32>) -> tensor<?x64x2x2xf32>
// CHECK: %[[B1:.*]] = mithril.instance "res_block_1" of @res_block(%[[B0]])
// CHECK: %[[FLAT:.*]] = mithril.flatten %[[B1]]
// CHECK: %[[OUT:.*]] = mithril.linear %[[FLAT]], %linear_0.weight, %linear_0.bias
// CHECK: mithril.return %[[OUT]], %[[FLAT]] : tensor<?x10xf32>, tensor<?x256xf32>
mithril.model @tiny_resnet(%input: tensor<?x64x2x2xf32> {mithril.name = "input", mithril.dims = ["N", 64, 2, 2]})
    -> (tensor<?x10xf32> {mithril.name = "output"}, tensor<?x256xf32> {mithril.name = "features"}) {
  %0 = mithril.instance "res_block_0" of @res_block(%input) : (tensor<?x64x2x2xf32>) -> tensor<?x64x2x2xf32>
  %1 = mithril.instance "res_block_1" of @res_block(%0) : (tensor<?x64x2x2xf32>) -> tensor<?x64x2x2xf32>
  %2 = mithril.flatten %1 : (tensor<?x64x2x2xf32>) -> tensor<?x256xf32>
  %w = mithril.parameter "linear_0.weight" : tensor<10x256xf32>
  %b = mithril.parameter "linear_0.bias" : tensor<10xf32>
  %3 = mithril.linear %2, %w, %b {in_features = 256, out_features = 10}
      : (tensor<?x256xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  mithril.return %3, %2 : tensor<?x10xf32>, tensor<?x256xf32>
}

// An instance may refine its callee's dynamic dims, and a model may have
// several results of one instance.
// CHECK-LABEL: mithril.model @two_outputs
// CHECK: mithril.split
// CHECK-LABEL: mithril.model @uses_two_outputs
// CHECK: %{{.*}}:2 = mithril.instance "two_outputs_0" of @two_outputs(%{{.*}}) : (tensor<8x4xf32>) -> (tensor<8x2xf32>, tensor<8x2xf32>)
mithril.model @two_outputs(%x: tensor<?x4xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %0:2 = mithril.split %x {dim = 1, split_size = 2} : (tensor<?x4xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>)
  mithril.return %0#0, %0#1 : tensor<?x2xf32>, tensor<?x2xf32>
}
mithril.model @uses_two_outputs(%x: tensor<8x4xf32>) -> tensor<8x2xf32> {
  %0:2 = mithril.instance "two_outputs_0" of @two_outputs(%x) : (tensor<8x4xf32>) -> (tensor<8x2xf32>, tensor<8x2xf32>)
  mithril.return %0#1 : tensor<8x2xf32>
}

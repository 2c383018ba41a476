// RUN: mlc-opt %s --verify-diagnostics --mithril-infer-shapes

// Two instances bind a block's symbol to different sizes.

mithril.model @top(%a: tensor<8x4xf32>, %b: tensor<4x4xf32>) -> (tensor<8x4xf32>, tensor<4x4xf32>) {
  %0 = mithril.instance "b_0" of @block(%a) : (tensor<8x4xf32>) -> tensor<8x4xf32>
  // expected-error@+1 {{symbol 'N' is bound to 8 (by input 'input' of instance 'b_0') and to 4 (by input 'input' of instance 'b_1')}}
  %1 = mithril.instance "b_1" of @block(%b) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  mithril.return %0, %1 : tensor<8x4xf32>, tensor<4x4xf32>
}
mithril.model @block(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "input"}) -> tensor<?x4xf32> {
  %0 = mithril.relu %x : tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

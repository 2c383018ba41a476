// RUN: mlc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// sum, mean, max, min, variance, argmax
//===----------------------------------------------------------------------===//

mithril.model @sum_dim(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'mithril.sum' op expected dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.sum %x {dim = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}

// -----

// A rank-0 input reduces over dim 0 or -1, as in PyTorch.
mithril.model @sum_rank_0_dim(%x: tensor<i32>) -> tensor<i64> {
  // expected-error @+2 {{'mithril.sum' op expected dim (1) to be in [-1, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.sum %x {dim = array<i64: 1>} : (tensor<i32>) -> tensor<i64>
  mithril.return %0 : tensor<i64>
}

// -----

mithril.model @mean_repeated_dim(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'mithril.mean' op expected dim ([1, -1]) to name each dim once}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.mean %x {dim = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}

// -----

mithril.model @mean_integer(%x: tensor<2x3xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'mithril.mean' op operand #0 must be ranked tensor of floating-point values}}
  %0 = mithril.mean %x {dim = array<i64: 1>} : (tensor<2x3xi32>) -> tensor<2xi32>
  mithril.return %0 : tensor<2xi32>
}

// -----

mithril.model @max_dim(%x: tensor<2x3xi64>) -> tensor<2xi64> {
  // expected-error @+2 {{'mithril.max' op expected dim (-3) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max %x {dim = array<i64: -3>} : (tensor<2x3xi64>) -> tensor<2xi64>
  mithril.return %0 : tensor<2xi64>
}

// -----

mithril.model @min_repeated_dim(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{'mithril.min' op expected dim ([0, 2, 0]) to name each dim once}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.min %x {dim = array<i64: 0, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  mithril.return %0 : tensor<3xf32>
}

// -----

mithril.model @variance_dim(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'mithril.variance' op expected dim (5) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.variance %x {dim = array<i64: 5>} : (tensor<2x3xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}

// -----

mithril.model @argmax_dim(%x: tensor<2x10xf32>) -> tensor<2xi64> {
  // expected-error @+2 {{'mithril.argmax' op expected dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.argmax %x {dim = 2} : (tensor<2x10xf32>) -> tensor<2xi64>
  mithril.return %0 : tensor<2xi64>
}

// -----

mithril.model @argmax_result_type(%x: tensor<2x10xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'mithril.argmax' op result #0 must be ranked tensor of index (i64 or i32) values}}
  %0 = mithril.argmax %x {dim = 1} : (tensor<2x10xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

mithril.model @softmax_dim(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // expected-error @+2 {{'mithril.softmax' op expected dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.softmax %x {dim = 2} : tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @log_softmax_dim(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // expected-error @+2 {{'mithril.log_softmax' op expected dim (-3) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.log_softmax %x {dim = -3} : tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

//===----------------------------------------------------------------------===//
// cross_entropy_loss, mse_loss
//===----------------------------------------------------------------------===//

mithril.model @cross_entropy_input_rank(%x: tensor<f32>, %t: tensor<i64>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected input rank (0) to be at least 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t : (tensor<f32>, tensor<i64>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @cross_entropy_probabilities_element_type(%x: tensor<?x10xf32>, %t: tensor<?x10xf16>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected target element type ('f16') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t : (tensor<?x10xf32>, tensor<?x10xf16>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @cross_entropy_probabilities_shape(%x: tensor<?x10xf32>, %t: tensor<?x5xf32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected target shape ([?, 5]) to be [?, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t : (tensor<?x10xf32>, tensor<?x5xf32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @cross_entropy_indices_shape(%x: tensor<8x10x4xf32>, %t: tensor<8x10xi64>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected target shape ([8, 10]) to be [8, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t : (tensor<8x10x4xf32>, tensor<8x10xi64>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @cross_entropy_unbatched_indices_shape(%x: tensor<10xf32>, %t: tensor<1xi32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected target shape ([1]) to be []}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t : (tensor<10xf32>, tensor<1xi32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @cross_entropy_target_element_type(%x: tensor<?x10xf32>, %t: tensor<?xi8>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected target element type ('i8') to be an index type (i64, i32) or input's ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t : (tensor<?x10xf32>, tensor<?xi8>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @cross_entropy_reduction(%x: tensor<?x10xf32>, %t: tensor<?xi64>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op expected reduction ("average") to be "mean", "sum" or "none"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t {reduction = "average"} : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @mse_element_type(%x: tensor<?x10xf32>, %t: tensor<?x10xf64>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.mse_loss' op expected target element type ('f64') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.mse_loss %x, %t : (tensor<?x10xf32>, tensor<?x10xf64>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @mse_broadcast(%x: tensor<?x10xf32>, %t: tensor<?x4xf32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.mse_loss' op expected input shape ([?, 10]) and target shape ([?, 4]) to be broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.mse_loss %x, %t : (tensor<?x10xf32>, tensor<?x4xf32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @mse_reduction(%x: tensor<?x10xf32>, %t: tensor<?x10xf32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.mse_loss' op expected reduction ("") to be "mean", "sum" or "none"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.mse_loss %x, %t {reduction = ""} : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @mse_integer_target(%x: tensor<?x10xf32>, %t: tensor<?x10xi64>) -> tensor<f32> {
  // expected-error @+1 {{'mithril.mse_loss' op operand #1 must be ranked tensor of floating-point values}}
  %0 = mithril.mse_loss %x, %t : (tensor<?x10xf32>, tensor<?x10xi64>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @variance_negative_correction(%x: tensor<4x5xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{'mithril.variance' op expected correction (-1) to be non-negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.variance %x {dim = array<i64: 1>, correction = -1} : (tensor<4x5xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

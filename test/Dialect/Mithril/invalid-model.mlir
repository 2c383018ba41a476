// RUN: mlc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// mithril.model
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'mithril.model' op expected name 'my-model' to be a C identifier}}
mithril.model @"my-model"(%x: tensor<4xf32>) -> tensor<4xf32> {
  mithril.return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'mithril.model' op expected name '2layer' to be a C identifier}}
mithril.model @"2layer"(%x: tensor<4xf32>) -> tensor<4xf32> {
  mithril.return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'mithril.model' op expected inputs to be ranked tensors, got 'tensor<*xf32>'}}
mithril.model @unranked_input(%x: tensor<*xf32>) {
  mithril.return
}

// -----

// expected-error @+1 {{'mithril.model' op expected inputs to be ranked tensors, got 'f32'}}
mithril.model @scalar_input(%x: f32) {
  mithril.return
}

// -----

// expected-error @+1 {{'mithril.model' op expected outputs to be ranked tensors, got 'f32'}}
mithril.model @scalar_output(%x: tensor<f32>) -> f32 {
  mithril.return %x : tensor<f32>
}

// -----

//===----------------------------------------------------------------------===//
// mithril.parameter
//===----------------------------------------------------------------------===//

mithril.model @duplicate_parameter(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{first defined here}}
  %w = mithril.parameter "layer.weight" : tensor<4xf32>
  // expected-error @+1 {{'mithril.parameter' op redefines parameter 'layer.weight'}}
  %w2 = mithril.parameter "layer.weight" : tensor<4xf32>
  %0 = mithril.add %w, %w2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @parameter_empty_segment(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.parameter' op expected name 'layers..weight' to be dot-separated identifiers, as in a PyTorch state_dict}}
  %w = mithril.parameter "layers..weight" : tensor<4xf32>
  mithril.return %w : tensor<4xf32>
}

// -----

mithril.model @parameter_bad_character(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.parameter' op expected name 'conv-1.weight' to be dot-separated identifiers, as in a PyTorch state_dict}}
  %w = mithril.parameter "conv-1.weight" : tensor<4xf32>
  mithril.return %w : tensor<4xf32>
}

// -----

mithril.model @parameter_empty_name(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.parameter' op expected name '' to be dot-separated identifiers, as in a PyTorch state_dict}}
  %w = mithril.parameter "" : tensor<4xf32>
  mithril.return %w : tensor<4xf32>
}

// -----

// expected-error @+1 {{'mithril.parameter' op expects parent op 'mithril.model'}}
%w = mithril.parameter "weight" : tensor<4xf32>

// -----

//===----------------------------------------------------------------------===//
// mithril.instance
//===----------------------------------------------------------------------===//

mithril.model @instance_unknown(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.instance' op 'missing' does not name a mithril.model}}
  %0 = mithril.instance "block_0" of @missing(%x) : (tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

module @not_a_model {
}

mithril.model @instance_of_module(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.instance' op 'not_a_model' does not name a mithril.model}}
  %0 = mithril.instance "block_0" of @not_a_model(%x) : (tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @block(%x: tensor<4xf32>) -> tensor<4xf32> {
  mithril.return %x : tensor<4xf32>
}

mithril.model @instance_input_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.instance' op expected 1 inputs for @block, got 2}}
  %0 = mithril.instance "block_0" of @block(%x, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @block(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

mithril.model @instance_input_types(%x: tensor<2x8xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'mithril.instance' op input types 'tensor<2x8xf32>' do not match @block's 'tensor<?x4xf32>'}}
  %0 = mithril.instance "block_0" of @block(%x) : (tensor<2x8xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

mithril.model @block(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

mithril.model @instance_input_element_type(%x: tensor<2x4xf16>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'mithril.instance' op input types 'tensor<2x4xf16>' do not match @block's 'tensor<?x4xf32>'}}
  %0 = mithril.instance "block_0" of @block(%x) : (tensor<2x4xf16>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

mithril.model @block(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  mithril.return %x, %x : tensor<?x4xf32>, tensor<?x4xf32>
}

mithril.model @instance_result_types(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'mithril.instance' op result types 'tensor<2x4xf32>' do not match @block's 'tensor<?x4xf32>', 'tensor<?x4xf32>'}}
  %0 = mithril.instance "block_0" of @block(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  mithril.return %0 : tensor<2x4xf32>
}

// -----

mithril.model @recursive(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.instance' op makes @recursive instantiate itself through @recursive}}
  %0 = mithril.instance "self" of @recursive(%x) : (tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

// Both instances close the cycle; symbol verification stops at the first
// error it finds, which is @pong's.
mithril.model @ping(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mithril.instance "pong_0" of @pong(%x) : (tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

mithril.model @pong(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.instance' op makes @pong instantiate itself through @ping}}
  %0 = mithril.instance "ping_0" of @ping(%x) : (tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mithril.return
//===----------------------------------------------------------------------===//

mithril.model @return_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.return' op has 2 operands, but @return_count has 1 outputs}}
  mithril.return %x, %x : tensor<4xf32>, tensor<4xf32>
}

// -----

mithril.model @return_nothing(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.return' op has 0 operands, but @return_nothing has 1 outputs}}
  mithril.return
}

// -----

mithril.model @return_type(%x: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mithril.return' op operand types 'tensor<4xf32>' do not match @return_type's outputs 'tensor<8xf32>'}}
  mithril.return %x : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// mithril.name, mithril.dims and other argument and result attributes
//===----------------------------------------------------------------------===//

// expected-error @+1 {{of input 0 to be a non-empty string}}
mithril.model @name_not_string(%x: tensor<4xf32> {mithril.name = 1}) -> tensor<4xf32> {
  mithril.return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{of output 1 to be a non-empty string}}
mithril.model @name_empty(%x: tensor<4xf32>) -> (tensor<4xf32> {mithril.name = "a"}, tensor<4xf32> {mithril.name = ""}) {
  mithril.return %x, %x : tensor<4xf32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{of input 0 to be an array of sizes and symbols}}
mithril.model @dims_not_array(%x: tensor<?x4xf32> {mithril.dims = "N"}) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{of input 1 to be an array of sizes and symbols}}
mithril.model @dims_float_entry(%x: tensor<4xf32>, %y: tensor<?x4xf32> {mithril.dims = ["N", 4.0]}) -> tensor<4xf32> {
  mithril.return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{expected inputs to be ranked tensors, got 'tensor<*xf32>'}}
mithril.model @dims_unranked(%x: tensor<*xf32> {mithril.dims = ["N"]}) {
  mithril.return
}

// -----

// expected-error @+1 {{of input 0 to have 2 entries (the rank of 'tensor<?x4xf32>'), got 3}}
mithril.model @dims_length(%x: tensor<?x4xf32> {mithril.dims = ["N", 4, 1]}) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{'mithril.model' op expected dim 1 of input 0 (4) to be 8 as}}
mithril.model @dims_static_size(%x: tensor<?x4xf32> {mithril.dims = ["N", 8]}) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{'mithril.model' op expected dim 0 of input 0 (?) to be 2 as}}
mithril.model @dims_size_of_dynamic_dim(%x: tensor<?x4xf32> {mithril.dims = [2, 4]}) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{'mithril.model' op expected symbol "batch size" of input 0 to be a C identifier}}
mithril.model @dims_symbol(%x: tensor<?x4xf32> {mithril.dims = ["batch size", 4]}) -> tensor<?x4xf32> {
  mithril.return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{'mithril.model' op unknown argument attribute "mithril.shape"}}
mithril.model @unknown_argument_attribute(%x: tensor<4xf32> {mithril.shape = [4]}) -> tensor<4xf32> {
  mithril.return %x : tensor<4xf32>
}

// -----

// `mithril.dims` is for inputs only.
// expected-error @+1 {{'mithril.model' op unknown result attribute "mithril.dims"}}
mithril.model @unknown_result_attribute(%x: tensor<4xf32>) -> (tensor<4xf32> {mithril.dims = [4]}) {
  mithril.return %x : tensor<4xf32>
}

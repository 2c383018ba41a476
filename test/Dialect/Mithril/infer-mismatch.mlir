// RUN: mlc-opt %s -split-input-file -verify-diagnostics

// A written result type must be compatible with the inferred one: same rank
// and element type, and equal dims where both are static.

mithril.model @linear_out_features(%x: tensor<?x64xf32>) -> tensor<?x6xf32> {
  %w = mithril.parameter "weight" : tensor<4x64xf32>
  // expected-error @+2 {{'mithril.linear' op inferred type(s) 'tensor<?x4xf32>' are incompatible with return type(s) of operation 'tensor<?x6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w {in_features = 64, out_features = 4} : (tensor<?x64xf32>, tensor<4x64xf32>) -> tensor<?x6xf32>
  mithril.return %0 : tensor<?x6xf32>
}

// -----

mithril.model @conv2d_spatial_size(%x: tensor<?x3x32x32xf32>) -> tensor<?x8x32x32xf32> {
  %w = mithril.parameter "weight" : tensor<8x3x3x3xf32>
  // expected-error @+2 {{'mithril.conv2d' op inferred type(s) 'tensor<?x8x16x16xf32>' are incompatible with return type(s) of operation 'tensor<?x8x32x32xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 3, out_channels = 8, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<?x8x32x32xf32>
  mithril.return %0 : tensor<?x8x32x32xf32>
}

// -----

mithril.model @embedding_element_type(%ids: tensor<?xi64>) -> tensor<?x32xf16> {
  %w = mithril.parameter "weight" : tensor<100x32xf32>
  // expected-error @+2 {{'mithril.embedding' op inferred type(s) 'tensor<?x32xf32>' are incompatible with return type(s) of operation 'tensor<?x32xf16>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.embedding %ids, %w {embedding_dim = 32, num_embeddings = 100} : (tensor<?xi64>, tensor<100x32xf32>) -> tensor<?x32xf16>
  mithril.return %0 : tensor<?x32xf16>
}

// -----

mithril.model @max_pool2d_output_size(%x: tensor<?x4x9x9xf32>) -> tensor<?x4x3x3xf32> {
  // expected-error @+2 {{'mithril.max_pool2d' op inferred type(s) 'tensor<?x4x4x4xf32>' are incompatible with return type(s) of operation 'tensor<?x4x3x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>} : (tensor<?x4x9x9xf32>) -> tensor<?x4x3x3xf32>
  mithril.return %0 : tensor<?x4x3x3xf32>
}

// -----

mithril.model @sdpa_value_dim(%q: tensor<?x16x64xf32>, %k: tensor<?x8x64xf32>, %v: tensor<?x8x32xf32>) -> tensor<?x16x64xf32> {
  // expected-error @+2 {{'mithril.scaled_dot_product_attention' op inferred type(s) 'tensor<?x16x32xf32>' are incompatible with return type(s) of operation 'tensor<?x16x64xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<?x16x64xf32>, tensor<?x8x64xf32>, tensor<?x8x32xf32>) -> tensor<?x16x64xf32>
  mithril.return %0 : tensor<?x16x64xf32>
}

// -----

mithril.model @add_broadcast_rank(%x: tensor<?x1x16xf32>, %y: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+2 {{'mithril.add' op inferred type(s) 'tensor<?x8x16xf32>' are incompatible with return type(s) of operation 'tensor<8x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.add %x, %y : (tensor<?x1x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  mithril.return %0 : tensor<8x16xf32>
}

// -----

mithril.model @div_integer_operands(%x: tensor<4xi32>, %y: tensor<4xi32>) -> tensor<4xf16> {
  // expected-error @+2 {{'mithril.div' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<4xf16>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.div %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xf16>
  mithril.return %0 : tensor<4xf16>
}

// -----

mithril.model @where_shape(%c: tensor<4x1xi1>, %x: tensor<3xf32>, %y: tensor<f32>) -> tensor<3xf32> {
  // expected-error @+2 {{'mithril.where' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.where %c, %x, %y : (tensor<4x1xi1>, tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  mithril.return %0 : tensor<3xf32>
}

// -----

mithril.model @reshape_sizes(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{'mithril.reshape' op inferred type(s) 'tensor<6x4xf32>' are incompatible with return type(s) of operation 'tensor<4x6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.reshape %x {shape = [6, -1]} : (tensor<4x6xf32>) -> tensor<4x6xf32>
  mithril.return %0 : tensor<4x6xf32>
}

// -----

mithril.model @concat_size(%x: tensor<2x3xf32>, %y: tensor<1x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{'mithril.concat' op inferred type(s) 'tensor<5x3xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat %x, %x, %y {dim = 0} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  mithril.return %0 : tensor<4x3xf32>
}

// -----

mithril.model @matmul_vector(%x: tensor<4xf32>, %y: tensor<4x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+2 {{'mithril.matmul' op inferred type(s) 'tensor<3xf32>' are incompatible with return type(s) of operation 'tensor<1x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.matmul %x, %y : (tensor<4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  mithril.return %0 : tensor<1x3xf32>
}

// -----

mithril.model @sum_keepdim(%x: tensor<?x16xf32>) -> tensor<?xf32> {
  // expected-error @+2 {{'mithril.sum' op inferred type(s) 'tensor<?x1xf32>' are incompatible with return type(s) of operation 'tensor<?xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.sum %x {dim = array<i64: -1>, keepdim = true} : (tensor<?x16xf32>) -> tensor<?xf32>
  mithril.return %0 : tensor<?xf32>
}

// -----

mithril.model @argmax_index_type(%x: tensor<?x10xf32>) -> tensor<?xi32> {
  // expected-error @+2 {{'mithril.argmax' op inferred type(s) 'tensor<?xi64>' are incompatible with return type(s) of operation 'tensor<?xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.argmax %x {dim = 1} : (tensor<?x10xf32>) -> tensor<?xi32>
  mithril.return %0 : tensor<?xi32>
}

// -----

mithril.model @cross_entropy_reduction_none(%x: tensor<?x10xf32>, %t: tensor<?xi64>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.cross_entropy_loss' op inferred type(s) 'tensor<?xf32>' are incompatible with return type(s) of operation 'tensor<f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cross_entropy_loss %x, %t {reduction = "none"} : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

// The custom syntax takes the constant's type from its value; the generic
// form can write another.
mithril.model @constant_type() -> tensor<f64> {
  // expected-error @+2 {{'mithril.constant' op inferred type(s) 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<f64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "mithril.constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f64>
  mithril.return %0 : tensor<f64>
}

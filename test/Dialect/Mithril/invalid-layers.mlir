// RUN: mlc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

mithril.model @linear_input_rank(%x: tensor<f32>) -> tensor<2xf32> {
  %w = mithril.parameter "weight" : tensor<2x1xf32>
  // expected-error @+2 {{'mithril.linear' op expected input rank (0) to be at least 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w {in_features = 1, out_features = 2} : (tensor<f32>, tensor<2x1xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}

// -----

mithril.model @linear_in_features(%x: tensor<?x32xf32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x64xf32>
  // expected-error @+2 {{expected input dim 1 (32) to be in_features (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w {in_features = 64, out_features = 10} : (tensor<?x32xf32>, tensor<10x64xf32>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @linear_weight_shape(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x32xf32>
  // expected-error @+2 {{expected weight shape ([10, 32]) to be [10, 64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w {in_features = 64, out_features = 10} : (tensor<?x64xf32>, tensor<10x32xf32>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @linear_weight_element_type(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x64xf16>
  // expected-error @+2 {{expected weight element type ('f16') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w {in_features = 64, out_features = 10} : (tensor<?x64xf32>, tensor<10x64xf16>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @linear_bias_shape(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x64xf32>
  %b = mithril.parameter "bias" : tensor<64xf32>
  // expected-error @+2 {{expected bias shape ([64]) to be [10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w, %b {in_features = 64, out_features = 10} : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<64xf32>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @linear_bias_element_type(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x64xf32>
  %b = mithril.parameter "bias" : tensor<10xbf16>
  // expected-error @+2 {{expected bias element type ('bf16') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.linear %x, %w, %b {in_features = 64, out_features = 10} : (tensor<?x64xf32>, tensor<10x64xf32>, tensor<10xbf16>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @linear_zero_features(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x64xf32>
  // expected-error @+1 {{attribute 'out_features' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = mithril.linear %x, %w {in_features = 64, out_features = 0} : (tensor<?x64xf32>, tensor<10x64xf32>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

mithril.model @linear_integer_input(%x: tensor<?x64xi32>) -> tensor<?x10xf32> {
  %w = mithril.parameter "weight" : tensor<10x64xf32>
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = mithril.linear %x, %w {in_features = 64, out_features = 10} : (tensor<?x64xi32>, tensor<10x64xf32>) -> tensor<?x10xf32>
  mithril.return %0 : tensor<?x10xf32>
}

// -----

//===----------------------------------------------------------------------===//
// conv1d, conv2d
//===----------------------------------------------------------------------===//

mithril.model @conv2d_kernel_size_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{'mithril.conv2d' op expected kernel_size to have 2 entries, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, kernel_size = array<i64: 3>} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_kernel_size_positive(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected kernel_size ([0, 3]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, kernel_size = array<i64: 0, 3>} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_stride_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected stride to have 2 entries, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, stride = array<i64: 1, 1, 1>} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_stride_positive(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected stride ([1, -1]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, stride = array<i64: 1, -1>} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv1d_dilation_count(%x: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{'mithril.conv1d' op expected dilation to have 1 entries, got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4, dilation = array<i64: 1, 1>} : (tensor<?x4x8xf32>, tensor<4x4x3xf32>) -> tensor<?x4x8xf32>
  mithril.return %0 : tensor<?x4x8xf32>
}

// -----

mithril.model @conv1d_dilation_positive(%x: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{expected dilation ([0]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4, dilation = array<i64: 0>} : (tensor<?x4x8xf32>, tensor<4x4x3xf32>) -> tensor<?x4x8xf32>
  mithril.return %0 : tensor<?x4x8xf32>
}

// -----

mithril.model @conv2d_groups(%x: tensor<?x6x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x1x3x3xf32>
  // expected-error @+2 {{expected in_channels (6) and out_channels (4) to be multiples of groups (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 6, out_channels = 4, groups = 4} : (tensor<?x6x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_padding_mode(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected padding to be "same", "valid", or 2 or 4 non-negative sizes}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, padding = "full"} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_padding_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected padding to be "same", "valid", or 2 or 4 non-negative sizes}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, padding = array<i64: 1, 1, 1>} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv1d_padding_negative(%x: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{expected padding to be "same", "valid", or 1 or 2 non-negative sizes}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4, padding = array<i64: -1>} : (tensor<?x4x8xf32>, tensor<4x4x3xf32>) -> tensor<?x4x8xf32>
  mithril.return %0 : tensor<?x4x8xf32>
}

// -----

mithril.model @conv2d_padding_attr_kind(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+1 {{attribute 'padding' failed to satisfy constraint: padding ("same", "valid" or an array of sizes)}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, padding = 1} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_stride_with_same(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected stride 1 with padding "same", got [2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, stride = array<i64: 2, 2>} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @conv2d_input_rank(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected input rank (2) to be 4 (batched) or 3 (unbatched)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4} : (tensor<4x8xf32>, tensor<4x4x3x3xf32>) -> tensor<4x8xf32>
  mithril.return %0 : tensor<4x8xf32>
}

// -----

mithril.model @conv1d_input_rank(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{expected input rank (4) to be 3 (batched) or 2 (unbatched)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4} : (tensor<?x4x8x8xf32>, tensor<4x4x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_in_channels(%x: tensor<?x3x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected input dim 1 (3) to be in_channels (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4} : (tensor<?x3x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_unbatched_in_channels(%x: tensor<3x8x8xf32>) -> tensor<4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected input dim 0 (3) to be in_channels (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4} : (tensor<3x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<4x8x8xf32>
  mithril.return %0 : tensor<4x8x8xf32>
}

// -----

mithril.model @conv2d_weight_shape_groups(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected weight shape ([4, 4, 3, 3]) to be [4, 2, 3, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, groups = 2} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv1d_weight_kernel(%x: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{expected weight shape ([4, 4, 3]) to be [4, 4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4, kernel_size = array<i64: 5>} : (tensor<?x4x8xf32>, tensor<4x4x3xf32>) -> tensor<?x4x8xf32>
  mithril.return %0 : tensor<?x4x8xf32>
}

// -----

mithril.model @conv2d_weight_element_type(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf64>
  // expected-error @+2 {{expected weight element type ('f64') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4} : (tensor<?x4x8x8xf32>, tensor<4x4x3x3xf64>) -> tensor<?x4x8x8xf32>
  mithril.return %0 : tensor<?x4x8x8xf32>
}

// -----

mithril.model @conv2d_bias_shape(%x: tensor<?x4x8x8xf32>) -> tensor<?x8x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<8x4x3x3xf32>
  %b = mithril.parameter "bias" : tensor<4xf32>
  // expected-error @+2 {{expected bias shape ([4]) to be [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w, %b {in_channels = 4, out_channels = 8} : (tensor<?x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<4xf32>) -> tensor<?x8x8x8xf32>
  mithril.return %0 : tensor<?x8x8x8xf32>
}

// -----

mithril.model @conv1d_bias_element_type(%x: tensor<?x4x8xf16>) -> tensor<?x4x8xf16> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf16>
  %b = mithril.parameter "bias" : tensor<4xf32>
  // expected-error @+2 {{expected bias element type ('f32') to be input's element type ('f16')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w, %b {in_channels = 4, out_channels = 4} : (tensor<?x4x8xf16>, tensor<4x4x3xf16>, tensor<4xf32>) -> tensor<?x4x8xf16>
  mithril.return %0 : tensor<?x4x8xf16>
}

// -----

mithril.model @conv2d_input_too_small(%x: tensor<?x4x2x8xf32>) -> tensor<?x4x1x6xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3x3xf32>
  // expected-error @+2 {{expected input spatial dim 2 (2) to be at least the kernel (3, dilation 1) after padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv2d %x, %w {in_channels = 4, out_channels = 4, padding = "valid"} : (tensor<?x4x2x8xf32>, tensor<4x4x3x3xf32>) -> tensor<?x4x1x6xf32>
  mithril.return %0 : tensor<?x4x1x6xf32>
}

// -----

mithril.model @conv1d_input_too_small_dilated(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{expected input spatial dim 1 (8) to be at least the kernel (3, dilation 4) after padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4, padding = array<i64: 0>, dilation = array<i64: 4>} : (tensor<4x8xf32>, tensor<4x4x3xf32>) -> tensor<4x1xf32>
  mithril.return %0 : tensor<4x1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

mithril.model @embedding_weight_shape(%ids: tensor<?x16xi64>) -> tensor<?x16x32xf32> {
  %w = mithril.parameter "weight" : tensor<1000x16xf32>
  // expected-error @+2 {{'mithril.embedding' op expected weight shape ([1000, 16]) to be [1000, 32]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.embedding %ids, %w {embedding_dim = 32, num_embeddings = 1000} : (tensor<?x16xi64>, tensor<1000x16xf32>) -> tensor<?x16x32xf32>
  mithril.return %0 : tensor<?x16x32xf32>
}

// -----

mithril.model @embedding_float_indices(%ids: tensor<?x16xf32>) -> tensor<?x16x32xf32> {
  %w = mithril.parameter "weight" : tensor<1000x32xf32>
  // expected-error @+1 {{operand #0 must be ranked tensor of index (i64 or i32) values}}
  %0 = mithril.embedding %ids, %w {embedding_dim = 32, num_embeddings = 1000} : (tensor<?x16xf32>, tensor<1000x32xf32>) -> tensor<?x16x32xf32>
  mithril.return %0 : tensor<?x16x32xf32>
}

// -----

//===----------------------------------------------------------------------===//
// batch_norm1d, batch_norm2d
//===----------------------------------------------------------------------===//

mithril.model @batch_norm1d_input_rank(%x: tensor<?x16x4x4xf32>) -> tensor<?x16x4x4xf32> {
  %w = mithril.parameter "weight" : tensor<16xf32>
  %b = mithril.parameter "bias" : tensor<16xf32>
  %m = mithril.parameter "running_mean" : tensor<16xf32>
  %v = mithril.parameter "running_var" : tensor<16xf32>
  // expected-error @+2 {{'mithril.batch_norm1d' op expected input rank (4) to be 2 or 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.batch_norm1d %x, %w, %b, %m, %v {num_features = 16} : (tensor<?x16x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x4x4xf32>
  mithril.return %0 : tensor<?x16x4x4xf32>
}

// -----

mithril.model @batch_norm2d_input_rank(%x: tensor<?x16x4xf32>) -> tensor<?x16x4xf32> {
  %w = mithril.parameter "weight" : tensor<16xf32>
  %b = mithril.parameter "bias" : tensor<16xf32>
  %m = mithril.parameter "running_mean" : tensor<16xf32>
  %v = mithril.parameter "running_var" : tensor<16xf32>
  // expected-error @+2 {{'mithril.batch_norm2d' op expected input rank (3) to be 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.batch_norm2d %x, %w, %b, %m, %v {num_features = 16} : (tensor<?x16x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x4xf32>
  mithril.return %0 : tensor<?x16x4xf32>
}

// -----

mithril.model @batch_norm2d_num_features(%x: tensor<?x8x4x4xf32>) -> tensor<?x8x4x4xf32> {
  %w = mithril.parameter "weight" : tensor<16xf32>
  %b = mithril.parameter "bias" : tensor<16xf32>
  %m = mithril.parameter "running_mean" : tensor<16xf32>
  %v = mithril.parameter "running_var" : tensor<16xf32>
  // expected-error @+2 {{expected input dim 1 (8) to be num_features (16)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.batch_norm2d %x, %w, %b, %m, %v {num_features = 16} : (tensor<?x8x4x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x8x4x4xf32>
  mithril.return %0 : tensor<?x8x4x4xf32>
}

// -----

mithril.model @batch_norm1d_running_var_shape(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %w = mithril.parameter "weight" : tensor<16xf32>
  %b = mithril.parameter "bias" : tensor<16xf32>
  %m = mithril.parameter "running_mean" : tensor<16xf32>
  %v = mithril.parameter "running_var" : tensor<8xf32>
  // expected-error @+2 {{expected running_var shape ([8]) to be [16]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.batch_norm1d %x, %w, %b, %m, %v {num_features = 16} : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8xf32>) -> tensor<?x16xf32>
  mithril.return %0 : tensor<?x16xf32>
}

// -----

mithril.model @batch_norm1d_bias_element_type(%x: tensor<?x16x4xf32>) -> tensor<?x16x4xf32> {
  %w = mithril.parameter "weight" : tensor<16xf32>
  %b = mithril.parameter "bias" : tensor<16xf16>
  %m = mithril.parameter "running_mean" : tensor<16xf32>
  %v = mithril.parameter "running_var" : tensor<16xf32>
  // expected-error @+2 {{expected bias element type ('f16') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.batch_norm1d %x, %w, %b, %m, %v {num_features = 16} : (tensor<?x16x4xf32>, tensor<16xf32>, tensor<16xf16>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x4xf32>
  mithril.return %0 : tensor<?x16x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// layer_norm, rms_norm, group_norm
//===----------------------------------------------------------------------===//

mithril.model @layer_norm_empty_normalized_shape(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+2 {{'mithril.layer_norm' op expected normalized_shape to be non-empty}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x {normalized_shape = array<i64>, elementwise_affine = false} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  mithril.return %0 : tensor<?x64xf32>
}

// -----

mithril.model @layer_norm_normalized_shape_positive(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+2 {{expected normalized_shape ([0]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x {normalized_shape = array<i64: 0>, elementwise_affine = false} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  mithril.return %0 : tensor<?x64xf32>
}

// -----

mithril.model @layer_norm_input_rank(%x: tensor<64xf32>) -> tensor<64xf32> {
  // expected-error @+2 {{expected input rank (1) to be at least the rank of normalized_shape (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x {normalized_shape = array<i64: 8, 64>, elementwise_affine = false} : (tensor<64xf32>) -> tensor<64xf32>
  mithril.return %0 : tensor<64xf32>
}

// -----

mithril.model @layer_norm_trailing_dims(%x: tensor<?x16x32xf32>) -> tensor<?x16x32xf32> {
  // expected-error @+2 {{expected the trailing dims of input ([16, 32]) to be normalized_shape ([16, 64])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x {normalized_shape = array<i64: 16, 64>, elementwise_affine = false} : (tensor<?x16x32xf32>) -> tensor<?x16x32xf32>
  mithril.return %0 : tensor<?x16x32xf32>
}

// -----

mithril.model @layer_norm_missing_parameters(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+2 {{expected weight and bias with elementwise_affine}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x {normalized_shape = array<i64: 64>} : (tensor<?x64xf32>) -> tensor<?x64xf32>
  mithril.return %0 : tensor<?x64xf32>
}

// -----

mithril.model @layer_norm_weight_without_bias(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  // expected-error @+2 {{expected weight and bias with elementwise_affine}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x, %w {normalized_shape = array<i64: 64>} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  mithril.return %0 : tensor<?x64xf32>
}

// -----

mithril.model @layer_norm_parameters_without_affine(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<64xf32>
  // expected-error @+2 {{expected weight and bias without elementwise_affine}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x, %w, %b {normalized_shape = array<i64: 64>, elementwise_affine = false} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  mithril.return %0 : tensor<?x64xf32>
}

// -----

mithril.model @layer_norm_weight_shape(%x: tensor<?x16x64xf32>) -> tensor<?x16x64xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<16x64xf32>
  // expected-error @+2 {{expected weight shape ([64]) to be [16, 64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x, %w, %b {normalized_shape = array<i64: 16, 64>} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<16x64xf32>) -> tensor<?x16x64xf32>
  mithril.return %0 : tensor<?x16x64xf32>
}

// -----

mithril.model @layer_norm_bias_element_type(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<64xf64>
  // expected-error @+2 {{expected bias element type ('f64') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.layer_norm %x, %w, %b {normalized_shape = array<i64: 64>} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf64>) -> tensor<?x64xf32>
  mithril.return %0 : tensor<?x64xf32>
}

// -----

mithril.model @rms_norm_trailing_dims(%x: tensor<?x16x32xf32>) -> tensor<?x16x32xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  // expected-error @+2 {{'mithril.rms_norm' op expected the trailing dims of input ([32]) to be normalized_shape ([64])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.rms_norm %x, %w {normalized_shape = array<i64: 64>} : (tensor<?x16x32xf32>, tensor<64xf32>) -> tensor<?x16x32xf32>
  mithril.return %0 : tensor<?x16x32xf32>
}

// -----

mithril.model @rms_norm_weight_shape(%x: tensor<?x16x64xf32>) -> tensor<?x16x64xf32> {
  %w = mithril.parameter "weight" : tensor<32xf32>
  // expected-error @+2 {{expected weight shape ([32]) to be [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.rms_norm %x, %w {normalized_shape = array<i64: 64>} : (tensor<?x16x64xf32>, tensor<32xf32>) -> tensor<?x16x64xf32>
  mithril.return %0 : tensor<?x16x64xf32>
}

// -----

mithril.model @group_norm_num_groups(%x: tensor<?x64x8x8xf32>) -> tensor<?x64x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<64xf32>
  // expected-error @+2 {{'mithril.group_norm' op expected num_channels (64) to be a multiple of num_groups (6)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.group_norm %x, %w, %b {num_channels = 64, num_groups = 6} : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64x8x8xf32>
  mithril.return %0 : tensor<?x64x8x8xf32>
}

// -----

mithril.model @group_norm_input_rank(%x: tensor<64xf32>) -> tensor<64xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<64xf32>
  // expected-error @+2 {{expected input rank (1) to be at least 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.group_norm %x, %w, %b {num_channels = 64, num_groups = 8} : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
  mithril.return %0 : tensor<64xf32>
}

// -----

mithril.model @group_norm_num_channels(%x: tensor<?x32x8x8xf32>) -> tensor<?x32x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<64xf32>
  // expected-error @+2 {{expected input dim 1 (32) to be num_channels (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.group_norm %x, %w, %b {num_channels = 64, num_groups = 8} : (tensor<?x32x8x8xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x32x8x8xf32>
  mithril.return %0 : tensor<?x32x8x8xf32>
}

// -----

mithril.model @group_norm_bias_shape(%x: tensor<?x64x8x8xf32>) -> tensor<?x64x8x8xf32> {
  %w = mithril.parameter "weight" : tensor<64xf32>
  %b = mithril.parameter "bias" : tensor<8xf32>
  // expected-error @+2 {{expected bias shape ([8]) to be [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.group_norm %x, %w, %b {num_channels = 64, num_groups = 8} : (tensor<?x64x8x8xf32>, tensor<64xf32>, tensor<8xf32>) -> tensor<?x64x8x8xf32>
  mithril.return %0 : tensor<?x64x8x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// max_pool2d, avg_pool2d, adaptive_avg_pool2d
//===----------------------------------------------------------------------===//

mithril.model @max_pool2d_input_rank(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  // expected-error @+2 {{'mithril.max_pool2d' op expected input rank (2) to be 4 (batched) or 3 (unbatched)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 2, 2>} : (tensor<?x8xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

mithril.model @max_pool2d_kernel_size_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+2 {{expected kernel_size to have 2 entries, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 2>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @max_pool2d_kernel_size_positive(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+2 {{expected kernel_size ([2, 0]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 2, 0>, stride = array<i64: 2, 2>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @max_pool2d_stride_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+2 {{expected stride to have 2 entries, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @avg_pool2d_stride_positive(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+2 {{'mithril.avg_pool2d' op expected stride ([0, 2]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.avg_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 0, 2>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @avg_pool2d_padding_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+2 {{expected padding to have 2 entries, got 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.avg_pool2d %x {kernel_size = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @max_pool2d_padding_too_large(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x5x5xf32> {
  // expected-error @+2 {{expected padding ([2, 1]) to be non-negative and at most half of kernel_size ([3, 3])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 2, 1>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x5x5xf32>
  mithril.return %0 : tensor<?x4x5x5xf32>
}

// -----

mithril.model @avg_pool2d_padding_negative(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+2 {{expected padding ([0, -1]) to be non-negative and at most half of kernel_size ([2, 2])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.avg_pool2d %x {kernel_size = array<i64: 2, 2>, padding = array<i64: 0, -1>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x4x4xf32>
  mithril.return %0 : tensor<?x4x4x4xf32>
}

// -----

mithril.model @max_pool2d_input_too_small(%x: tensor<4x8x2xf32>) -> tensor<4x2x1xf32> {
  // expected-error @+2 {{expected input spatial dim 2 (2) to be at least kernel_size (3) after padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.max_pool2d %x {kernel_size = array<i64: 3, 3>} : (tensor<4x8x2xf32>) -> tensor<4x2x1xf32>
  mithril.return %0 : tensor<4x2x1xf32>
}

// -----

mithril.model @adaptive_avg_pool2d_input_rank(%x: tensor<?x4x8x8x8xf32>) -> tensor<?x4x8x1x1xf32> {
  // expected-error @+2 {{'mithril.adaptive_avg_pool2d' op expected input rank (5) to be 4 (batched) or 3 (unbatched)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.adaptive_avg_pool2d %x {output_size = array<i64: 1, 1>} : (tensor<?x4x8x8x8xf32>) -> tensor<?x4x8x1x1xf32>
  mithril.return %0 : tensor<?x4x8x1x1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// interpolate
//===----------------------------------------------------------------------===//

mithril.model @interpolate_mode(%x: tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32> {
  // expected-error @+2 {{'mithril.interpolate' op expected mode ("cubic") to be "nearest" or "linear"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.interpolate %x {size = array<i64: 8, 8>, scales = array<f64: 2.0, 2.0>, mode = "cubic"} : (tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
  mithril.return %0 : tensor<?x3x8x8xf32>
}

// -----

mithril.model @interpolate_scales(%x: tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32> {
  // expected-error @+2 {{'mithril.interpolate' op expected 2 positive scales}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.interpolate %x {size = array<i64: 8, 8>, scales = array<f64: 2.0>} : (tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
  mithril.return %0 : tensor<?x3x8x8xf32>
}

// -----

mithril.model @adaptive_avg_pool2d_output_size_count(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x1x1xf32> {
  // expected-error @+2 {{expected output_size to have 2 entries, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.adaptive_avg_pool2d %x {output_size = array<i64: 1>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x1x1xf32>
  mithril.return %0 : tensor<?x4x1x1xf32>
}

// -----

mithril.model @adaptive_avg_pool2d_output_size_positive(%x: tensor<?x4x8x8xf32>) -> tensor<?x4x1x1xf32> {
  // expected-error @+2 {{expected output_size ([1, 0]) to be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.adaptive_avg_pool2d %x {output_size = array<i64: 1, 0>} : (tensor<?x4x8x8xf32>) -> tensor<?x4x1x1xf32>
  mithril.return %0 : tensor<?x4x1x1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// scaled_dot_product_attention
//===----------------------------------------------------------------------===//

mithril.model @sdpa_query_rank(%q: tensor<64xf32>, %k: tensor<16x64xf32>, %v: tensor<16x64xf32>) -> tensor<64xf32> {
  // expected-error @+2 {{'mithril.scaled_dot_product_attention' op expected query rank (1) to be at least 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<64xf32>
  mithril.return %0 : tensor<64xf32>
}

// -----

mithril.model @sdpa_key_rank(%q: tensor<16x64xf32>, %k: tensor<64xf32>, %v: tensor<16x64xf32>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected key rank (1) to be at least 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<16x64xf32>, tensor<64xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_value_rank(%q: tensor<16x64xf32>, %k: tensor<16x64xf32>, %v: tensor<f32>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected value rank (0) to be at least 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<f32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_key_element_type(%q: tensor<16x64xf32>, %k: tensor<16x64xf16>, %v: tensor<16x64xf32>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected key element type ('f16') to be query's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<16x64xf32>, tensor<16x64xf16>, tensor<16x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_value_element_type(%q: tensor<16x64xf32>, %k: tensor<16x64xf32>, %v: tensor<16x64xbf16>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected value element type ('bf16') to be query's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xbf16>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_key_embed(%q: tensor<16x64xf32>, %k: tensor<16x32xf32>, %v: tensor<16x64xf32>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected key's last dim (32) to be query's (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<16x64xf32>, tensor<16x32xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_value_sequence(%q: tensor<16x64xf32>, %k: tensor<16x64xf32>, %v: tensor<8x64xf32>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected value's sequence dim (8) to be key's (16)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<8x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_batch_broadcast(%q: tensor<2x16x64xf32>, %k: tensor<3x16x64xf32>, %v: tensor<3x16x64xf32>) -> tensor<?x16x64xf32> {
  // expected-error @+2 {{expected the batch dims of query, key and value ([2], [3], [3]) to broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v : (tensor<2x16x64xf32>, tensor<3x16x64xf32>, tensor<3x16x64xf32>) -> tensor<?x16x64xf32>
  mithril.return %0 : tensor<?x16x64xf32>
}

// -----

mithril.model @sdpa_mask_with_is_causal(%q: tensor<16x64xf32>, %k: tensor<16x64xf32>, %v: tensor<16x64xf32>, %m: tensor<16x16xi1>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected no mask with is_causal}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v, %m {is_causal = true} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x16xi1>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_mask_element_type(%q: tensor<16x64xf32>, %k: tensor<16x64xf32>, %v: tensor<16x64xf32>, %m: tensor<16x16xi64>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected mask element type ('i64') to be i1 or query's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v, %m : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x16xi64>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_mask_shape(%q: tensor<16x64xf32>, %k: tensor<8x64xf32>, %v: tensor<8x64xf32>, %m: tensor<16x16xf32>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected mask shape ([16, 16]) to broadcast to the scores' shape ([16, 8])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v, %m : (tensor<16x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>, tensor<16x16xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @sdpa_mask_adds_dims(%q: tensor<16x64xf32>, %k: tensor<16x64xf32>, %v: tensor<16x64xf32>, %m: tensor<2x16x16xi1>) -> tensor<16x64xf32> {
  // expected-error @+2 {{expected mask shape ([2, 16, 16]) to broadcast to the scores' shape ([16, 16])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.scaled_dot_product_attention %q, %k, %v, %m : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<2x16x16xi1>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

//===----------------------------------------------------------------------===//
// multihead_attention
//===----------------------------------------------------------------------===//

mithril.model @mha_num_heads(%x: tensor<?x16x64xf32>) -> tensor<?x16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{'mithril.multihead_attention' op expected embed_dim (64) to be a multiple of num_heads (6)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 6} : (tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  mithril.return %0 : tensor<?x16x64xf32>
}

// -----

mithril.model @mha_query_rank(%x: tensor<2x?x16x64xf32>) -> tensor<2x?x16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected query rank (4) to be 3 (batched) or 2 (unbatched)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<2x?x16x64xf32>, tensor<2x?x16x64xf32>, tensor<2x?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<2x?x16x64xf32>
  mithril.return %0 : tensor<2x?x16x64xf32>
}

// -----

mithril.model @mha_key_rank(%q: tensor<?x16x64xf32>, %kv: tensor<16x64xf32>) -> tensor<?x16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected key rank (2) to be 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %q, %kv, %kv, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<?x16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<?x16x64xf32>
  mithril.return %0 : tensor<?x16x64xf32>
}

// -----

mithril.model @mha_value_rank(%q: tensor<16x64xf32>, %v: tensor<?x16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected value rank (3) to be 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %q, %q, %v, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<?x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_query_embed_dim(%x: tensor<?x16x32xf32>) -> tensor<?x16x32xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected query dim 2 (32) to be embed_dim (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<?x16x32xf32>, tensor<?x16x32xf32>, tensor<?x16x32xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<?x16x32xf32>
  mithril.return %0 : tensor<?x16x32xf32>
}

// -----

mithril.model @mha_value_embed_dim(%q: tensor<16x64xf32>, %v: tensor<16x32xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected value dim 1 (32) to be embed_dim (64)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %q, %q, %v, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x32xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_key_element_type(%q: tensor<16x64xf32>, %k: tensor<16x64xf16>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected key element type ('f16') to be query's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %q, %k, %q, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf16>, tensor<16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_sequence_length(%q: tensor<16x64xf32>, %k: tensor<8x64xf32>, %v: tensor<12x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected key and value to have the same sequence length (8 and 12)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %q, %k, %v, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<8x64xf32>, tensor<12x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_batch_size(%q: tensor<2x16x64xf32>, %kv: tensor<3x16x64xf32>) -> tensor<2x16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected query, key and value to have the same batch size}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %q, %kv, %kv, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<2x16x64xf32>, tensor<3x16x64xf32>, tensor<3x16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>) -> tensor<2x16x64xf32>
  mithril.return %0 : tensor<2x16x64xf32>
}

// -----

// The custom syntax always gives both biases; the generic form can give one.
mithril.model @mha_one_bias(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  %in_b = mithril.parameter "in_proj_bias" : tensor<192xf32>
  // expected-error @+2 {{expected both in_proj_bias and out_proj_bias, or neither}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "mithril.multihead_attention"(%x, %x, %x, %in_w, %out_w, %in_b) <{embed_dim = 64 : i64, num_heads = 8 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0>}> : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>, tensor<192xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_in_proj_weight_shape(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<64x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected in_proj_weight shape ([64, 64]) to be [192, 64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_in_proj_weight_element_type(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf16>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  // expected-error @+2 {{expected in_proj_weight element type ('f16') to be input's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<192x64xf16>, tensor<64x64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_out_proj_weight_shape(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x192xf32>
  // expected-error @+2 {{expected out_proj_weight shape ([64, 192]) to be [64, 64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<192x64xf32>, tensor<64x192xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_in_proj_bias_shape(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  %in_b = mithril.parameter "in_proj_bias" : tensor<64xf32>
  %out_b = mithril.parameter "out_proj.bias" : tensor<64xf32>
  // expected-error @+2 {{expected in_proj_bias shape ([64]) to be [192]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w bias(%in_b, %out_b) {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

mithril.model @mha_out_proj_bias_shape(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %in_w = mithril.parameter "in_proj_weight" : tensor<192x64xf32>
  %out_w = mithril.parameter "out_proj.weight" : tensor<64x64xf32>
  %in_b = mithril.parameter "in_proj_bias" : tensor<192xf32>
  %out_b = mithril.parameter "out_proj.bias" : tensor<192xf32>
  // expected-error @+2 {{expected out_proj_bias shape ([192]) to be [64]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %in_w, %out_w bias(%in_b, %out_b) {embed_dim = 64, num_heads = 8} : (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>, tensor<192x64xf32>, tensor<64x64xf32>, tensor<192xf32>, tensor<192xf32>) -> tensor<16x64xf32>
  mithril.return %0 : tensor<16x64xf32>
}

// -----

// Window arithmetic that would overflow int64_t is reported, not wrapped.
mithril.model @conv1d_huge_dilation(%x: tensor<4x8xf32>) -> tensor<4x?xf32> {
  %w = mithril.parameter "weight" : tensor<4x4x3xf32>
  // expected-error @+2 {{expected input spatial dim 1 (8) to be at least the kernel (3, dilation 9223372036854775807) after padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.conv1d %x, %w {in_channels = 4, out_channels = 4, padding = array<i64: 0>, dilation = array<i64: 9223372036854775807>} : (tensor<4x8xf32>, tensor<4x4x3xf32>) -> tensor<4x?xf32>
  mithril.return %0 : tensor<4x?xf32>
}

// -----

mithril.model @mha_huge_embed_dim(%x: tensor<2x4x8xf32>, %w: tensor<24x8xf32>, %o: tensor<8x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+2 {{expected embed_dim (4611686018427387904) to be at most 3074457345618258602}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.multihead_attention %x, %x, %x, %w, %o {embed_dim = 4611686018427387904, num_heads = 1} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<24x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  mithril.return %0 : tensor<2x4x8xf32>
}

// RUN: mlc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

mithril.model @reshape_symbol(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+2 {{'mithril.reshape' op expected symbol "1N" in shape to be a C identifier}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.reshape %x {shape = ["1N", 4]} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

mithril.model @reshape_negative_size(%x: tensor<2x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+2 {{'mithril.reshape' op expected shape entries to be sizes, -1 or symbols, got -2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.reshape %x {shape = [-2, 4]} : (tensor<2x4xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

mithril.model @reshape_two_inferred(%x: tensor<2x4xf32>) -> tensor<?x?xf32> {
  // expected-error @+2 {{'mithril.reshape' op expected at most one -1 in shape [-1, -1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.reshape %x {shape = [-1, -1]} : (tensor<2x4xf32>) -> tensor<?x?xf32>
  mithril.return %0 : tensor<?x?xf32>
}

// -----

mithril.model @reshape_element_count(%x: tensor<4x4xf32>) -> tensor<3x5xf32> {
  // expected-error @+2 {{'mithril.reshape' op cannot reshape [4, 4] to [3, 5]: the element counts differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.reshape %x {shape = [3, 5]} : (tensor<4x4xf32>) -> tensor<3x5xf32>
  mithril.return %0 : tensor<3x5xf32>
}

// -----

mithril.model @reshape_inferred_not_divisible(%x: tensor<4x4xf32>) -> tensor<3x?xf32> {
  // expected-error @+2 {{'mithril.reshape' op cannot reshape [4, 4] to [3, -1]: the element counts differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.reshape %x {shape = [3, -1]} : (tensor<4x4xf32>) -> tensor<3x?xf32>
  mithril.return %0 : tensor<3x?xf32>
}

// -----

mithril.model @reshape_shape_attr(%x: tensor<4x4xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{'mithril.reshape' op attribute 'shape' failed to satisfy constraint: array of integers and symbol names}}
  %0 = mithril.reshape %x {shape = [16.0]} : (tensor<4x4xf32>) -> tensor<16xf32>
  mithril.return %0 : tensor<16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// flatten
//===----------------------------------------------------------------------===//

mithril.model @flatten_start_dim(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  // expected-error @+2 {{'mithril.flatten' op expected start_dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.flatten %x {start_dim = 2} : (tensor<2x3xf32>) -> tensor<6xf32>
  mithril.return %0 : tensor<6xf32>
}

// -----

mithril.model @flatten_end_dim(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  // expected-error @+2 {{'mithril.flatten' op expected end_dim (-3) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.flatten %x {start_dim = 0, end_dim = -3} : (tensor<2x3xf32>) -> tensor<6xf32>
  mithril.return %0 : tensor<6xf32>
}

// -----

mithril.model @flatten_start_after_end(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+2 {{'mithril.flatten' op expected start_dim (2) to come before end_dim (1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.flatten %x {start_dim = 2, end_dim = 1} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  mithril.return %0 : tensor<2x3x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// transpose, permute
//===----------------------------------------------------------------------===//

mithril.model @transpose_dim0(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'mithril.transpose' op expected dim0 (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.transpose %x {dim0 = 2, dim1 = 0} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  mithril.return %0 : tensor<3x2xf32>
}

// -----

mithril.model @transpose_dim1(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'mithril.transpose' op expected dim1 (-3) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.transpose %x {dim0 = 0, dim1 = -3} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  mithril.return %0 : tensor<3x2xf32>
}

// -----

mithril.model @permute_count(%x: tensor<2x3x4xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'mithril.permute' op expected dims to have 3 entries (the input's rank), got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.permute %x {dims = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2xf32>
  mithril.return %0 : tensor<3x2xf32>
}

// -----

mithril.model @permute_repeated_dim(%x: tensor<2x3x4xf32>) -> tensor<2x2x3xf32> {
  // expected-error @+2 {{'mithril.permute' op expected dims ([0, -3, 1]) to be a permutation of the input's 3 dims}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.permute %x {dims = array<i64: 0, -3, 1>} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  mithril.return %0 : tensor<2x2x3xf32>
}

// -----

mithril.model @permute_dim_out_of_range(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+2 {{'mithril.permute' op expected dims ([0, 1, 3]) to be a permutation of the input's 3 dims}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.permute %x {dims = array<i64: 0, 1, 3>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  mithril.return %0 : tensor<2x3x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// squeeze, unsqueeze
//===----------------------------------------------------------------------===//

mithril.model @squeeze_dim(%x: tensor<2x1xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'mithril.squeeze' op expected dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.squeeze %x {dim = 2} : (tensor<2x1xf32>) -> tensor<2xf32>
  mithril.return %0 : tensor<2xf32>
}

// -----

mithril.model @squeeze_rank_0(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.squeeze' op expected dim (0) to be a dim of the input, which has rank 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.squeeze %x {dim = 0} : (tensor<f32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @squeeze_not_one(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  // expected-error @+2 {{'mithril.squeeze' op expected input dim 1 (4) to be 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.squeeze %x {dim = -1} : (tensor<?x4xf32>) -> tensor<?xf32>
  mithril.return %0 : tensor<?xf32>
}

// -----

mithril.model @unsqueeze_dim(%x: tensor<2x3xf32>) -> tensor<2x3x1xf32> {
  // expected-error @+2 {{'mithril.unsqueeze' op expected dim (3) to be in [-3, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.unsqueeze %x {dim = 3} : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  mithril.return %0 : tensor<2x3x1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// concat, split, slice
//===----------------------------------------------------------------------===//

mithril.model @concat_no_inputs() -> tensor<f32> {
  // expected-error @+2 {{'mithril.concat' op expected at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat {dim = 0} : () -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @concat_dim(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{'mithril.concat' op expected dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat %x, %x {dim = 2} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  mithril.return %0 : tensor<4x3xf32>
}

// -----

mithril.model @concat_rank_0(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.concat' op expected dim (0) to be a dim of the input, which has rank 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat %x, %x {dim = 0} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @concat_input_rank(%x: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<?x3xf32> {
  // expected-error @+2 {{'mithril.concat' op expected input 1 rank (1) to be 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat %x, %y {dim = 0} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  mithril.return %0 : tensor<?x3xf32>
}

// -----

mithril.model @concat_element_type(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>, %z: tensor<2x3xi64>) -> tensor<6x3xf32> {
  // expected-error @+2 {{'mithril.concat' op expected input 2 element type ('i64') to be input 0's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat %x, %y, %z {dim = 0} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<6x3xf32>
  mithril.return %0 : tensor<6x3xf32>
}

// -----

mithril.model @concat_other_dim(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{'mithril.concat' op expected input 1 dim 1 (4) to match the other inputs (3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.concat %x, %y {dim = 0} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  mithril.return %0 : tensor<4x3xf32>
}

// -----

mithril.model @split_dim(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{'mithril.split' op expected dim (-3) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.split %x {dim = -3, split_size = 8} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  mithril.return %0 : tensor<4x8xf32>
}

// -----

mithril.model @split_dynamic_dim(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+2 {{'mithril.split' op expected input dim 0 to be static: it sets the number of results}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.split %x {dim = 0, split_size = 2} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  mithril.return %0 : tensor<?x8xf32>
}

// -----

mithril.model @split_result_count(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @+2 {{'mithril.split' op inferred type(s) 'tensor<4x4xf32>', 'tensor<4x4xf32>' are incompatible with return type(s) of operation 'tensor<4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.split %x {dim = 1, split_size = 4} : (tensor<4x8xf32>) -> tensor<4x4xf32>
  mithril.return %0 : tensor<4x4xf32>
}

// -----

mithril.model @split_size_positive(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'mithril.split' op attribute 'split_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = mithril.split %x {dim = 1, split_size = 0} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  mithril.return %0 : tensor<4x8xf32>
}

// -----

mithril.model @slice_dim(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @+2 {{'mithril.slice' op expected dim (2) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.slice %x {dim = 2, start = 0, end = 4} : (tensor<4x8xf32>) -> tensor<4x4xf32>
  mithril.return %0 : tensor<4x4xf32>
}

// -----

mithril.model @slice_rank_0(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.slice' op expected dim (0) to be a dim of the input, which has rank 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.slice %x {dim = 0, start = 0, end = 1} : (tensor<f32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @slice_step(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'mithril.slice' op attribute 'step' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = mithril.slice %x {dim = 1, start = 0, end = 4, step = -1} : (tensor<4x8xf32>) -> tensor<4x4xf32>
  mithril.return %0 : tensor<4x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// gather, pad
//===----------------------------------------------------------------------===//

mithril.model @gather_index_rank(%x: tensor<4x8xf32>, %i: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{'mithril.gather' op expected index rank (1) to be 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.gather %x, %i {dim = 1} : (tensor<4x8xf32>, tensor<4xi64>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @gather_dim(%x: tensor<4x8xf32>, %i: tensor<4x2xi64>) -> tensor<4x2xf32> {
  // expected-error @+2 {{'mithril.gather' op expected dim (-3) to be in [-2, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.gather %x, %i {dim = -3} : (tensor<4x8xf32>, tensor<4x2xi64>) -> tensor<4x2xf32>
  mithril.return %0 : tensor<4x2xf32>
}

// -----

mithril.model @gather_index_too_large(%x: tensor<4x8xf32>, %i: tensor<5x2xi32>) -> tensor<5x2xf32> {
  // expected-error @+2 {{'mithril.gather' op expected index dim 0 (5) to be at most input's (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.gather %x, %i {dim = 1} : (tensor<4x8xf32>, tensor<5x2xi32>) -> tensor<5x2xf32>
  mithril.return %0 : tensor<5x2xf32>
}

// -----

mithril.model @gather_float_index(%x: tensor<4x8xf32>, %i: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'mithril.gather' op operand #1 must be ranked tensor of index (i64 or i32) values}}
  %0 = mithril.gather %x, %i {dim = 1} : (tensor<4x8xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  mithril.return %0 : tensor<4x2xf32>
}

// -----

mithril.model @pad_odd_count(%x: tensor<4x8xf32>) -> tensor<4x10xf32> {
  // expected-error @+2 {{'mithril.pad' op expected pad to have an even number of entries, at most twice the input's rank (2), got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.pad %x {pad = array<i64: 1, 1, 1>} : (tensor<4x8xf32>) -> tensor<4x10xf32>
  mithril.return %0 : tensor<4x10xf32>
}

// -----

mithril.model @pad_too_many(%x: tensor<8xf32>) -> tensor<10xf32> {
  // expected-error @+2 {{'mithril.pad' op expected pad to have an even number of entries, at most twice the input's rank (1), got 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.pad %x {pad = array<i64: 1, 1, 0, 0>} : (tensor<8xf32>) -> tensor<10xf32>
  mithril.return %0 : tensor<10xf32>
}

// -----

mithril.model @pad_crop_too_much(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{'mithril.pad' op expected input dim 0 (4) padded by -3 and -2 to be non-negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.pad %x {pad = array<i64: 0, 0, -3, -2>} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  mithril.return %0 : tensor<4x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

mithril.model @matmul_left_rank(%x: tensor<f32>, %y: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.matmul' op expected left rank (0) to be at least 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.matmul %x, %y : (tensor<f32>, tensor<4xf32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @matmul_right_rank(%x: tensor<4xf32>, %y: tensor<f32>) -> tensor<f32> {
  // expected-error @+2 {{'mithril.matmul' op expected right rank (0) to be at least 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.matmul %x, %y : (tensor<4xf32>, tensor<f32>) -> tensor<f32>
  mithril.return %0 : tensor<f32>
}

// -----

mithril.model @matmul_element_type(%x: tensor<2x4xf32>, %y: tensor<4x3xf16>) -> tensor<2x3xf32> {
  // expected-error @+2 {{'mithril.matmul' op expected right element type ('f16') to be left's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.matmul %x, %y : (tensor<2x4xf32>, tensor<4x3xf16>) -> tensor<2x3xf32>
  mithril.return %0 : tensor<2x3xf32>
}

// -----

mithril.model @matmul_contracting_dim(%x: tensor<?x2x4xf32>, %y: tensor<5x3xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+2 {{'mithril.matmul' op expected operand shapes ([?, 2, 4] and [5, 3]) to be compatible for matmul}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.matmul %x, %y : (tensor<?x2x4xf32>, tensor<5x3xf32>) -> tensor<?x2x3xf32>
  mithril.return %0 : tensor<?x2x3xf32>
}

// -----

mithril.model @matmul_batch_dims(%x: tensor<2x2x4xf32>, %y: tensor<3x4x3xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+2 {{'mithril.matmul' op expected operand shapes ([2, 2, 4] and [3, 4, 3]) to be compatible for matmul}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.matmul %x, %y : (tensor<2x2x4xf32>, tensor<3x4x3xf32>) -> tensor<?x2x3xf32>
  mithril.return %0 : tensor<?x2x3xf32>
}

// -----

// Negative dims print as written.
mithril.model @flatten_negative_dims_out_of_order(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+2 {{'mithril.flatten' op expected start_dim (-1) to come before end_dim (-2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.flatten %x {start_dim = -1, end_dim = -2} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  mithril.return %0 : tensor<2x3x4xf32>
}

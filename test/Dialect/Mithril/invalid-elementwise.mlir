// RUN: mlc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Binary ops and comparisons
//===----------------------------------------------------------------------===//

mithril.model @add_element_types(%x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+2 {{'mithril.add' op expected right element type ('f16') to be left's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.add %x, %y : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @sub_broadcast(%x: tensor<5x4xf32>, %y: tensor<3x4xf32>) -> tensor<5x4xf32> {
  // expected-error @+2 {{'mithril.sub' op expected operand shapes ([5, 4] and [3, 4]) to be broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.sub %x, %y : (tensor<5x4xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
  mithril.return %0 : tensor<5x4xf32>
}

// -----

mithril.model @mul_broadcast_trailing(%x: tensor<?x16xi32>, %y: tensor<8xi32>) -> tensor<?x16xi32> {
  // expected-error @+2 {{'mithril.mul' op expected operand shapes ([?, 16] and [8]) to be broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.mul %x, %y : (tensor<?x16xi32>, tensor<8xi32>) -> tensor<?x16xi32>
  mithril.return %0 : tensor<?x16xi32>
}

// -----

mithril.model @div_element_types(%x: tensor<4xi64>, %y: tensor<4xi32>) -> tensor<4xf32> {
  // expected-error @+2 {{'mithril.div' op expected right element type ('i32') to be left's element type ('i64')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.div %x, %y : (tensor<4xi64>, tensor<4xi32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

// Integers divide to f32, so an integer result violates the result constraint.
mithril.model @div_integer_result(%x: tensor<4xi64>, %y: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{'mithril.div' op result #0 must be ranked tensor of floating-point values}}
  %0 = mithril.div %x, %y : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  mithril.return %0 : tensor<4xi64>
}

// -----

mithril.model @add_bool_operands(%x: tensor<4xi1>, %y: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'mithril.add' op operand #0 must be ranked tensor of floating-point or integer values}}
  %0 = mithril.add %x, %y : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  mithril.return %0 : tensor<4xi1>
}

// -----

mithril.model @equal_element_types(%x: tensor<4xf32>, %y: tensor<4xi64>) -> tensor<4xi1> {
  // expected-error @+2 {{'mithril.equal' op expected right element type ('i64') to be left's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.equal %x, %y : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xi1>
  mithril.return %0 : tensor<4xi1>
}

// -----

mithril.model @less_broadcast(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>) -> tensor<2x3xi1> {
  // expected-error @+2 {{'mithril.less' op expected operand shapes ([2, 3] and [3, 2]) to be broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.less %x, %y : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x3xi1>
  mithril.return %0 : tensor<2x3xi1>
}

// -----

mithril.model @greater_non_bool_result(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.greater' op result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = mithril.greater %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// where
//===----------------------------------------------------------------------===//

mithril.model @where_value_element_types(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf64>) -> tensor<4xf32> {
  // expected-error @+2 {{'mithril.where' op expected right element type ('f64') to be left's element type ('f32')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.where %c, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<4xf64>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @where_value_broadcast(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<3xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{'mithril.where' op expected operand shapes ([4] and [3]) to be broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.where %c, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<3xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @where_condition_broadcast(%c: tensor<3x5xi1>, %x: tensor<?x4xf32>, %y: tensor<f32>) -> tensor<?x4xf32> {
  // expected-error @+2 {{'mithril.where' op expected condition shape ([3, 5]) to broadcast with the values' shape ([?, 4])}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.where %c, %x, %y : (tensor<3x5xi1>, tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

mithril.model @where_non_bool_condition(%c: tensor<4xf32>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.where' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = mithril.where %c, %x, %y : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

mithril.model @cast_result_element_type(%x: tensor<4xf32>) -> tensor<4xi32> {
  // expected-error @+2 {{'mithril.cast' op inferred type(s) 'tensor<4xf16>' are incompatible with return type(s) of operation 'tensor<4xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = mithril.cast %x to f16 : tensor<4xf32> -> tensor<4xi32>
  mithril.return %0 : tensor<4xi32>
}

// -----

mithril.model @cast_result_shape(%x: tensor<4xf32>) -> tensor<5xf16> {
  // expected-error @+1 {{'mithril.cast' op requires the same shape for all operands and results}}
  %0 = mithril.cast %x to f16 : tensor<4xf32> -> tensor<5xf16>
  mithril.return %0 : tensor<5xf16>
}

// -----

mithril.model @cast_dtype(%x: tensor<4xf32>) -> tensor<4xi16> {
  // expected-error @+1 {{'mithril.cast' op attribute 'dtype' failed to satisfy constraint: type attribute of mithril dtype}}
  %0 = mithril.cast %x to i16 : tensor<4xf32> -> tensor<4xi16>
  mithril.return %0 : tensor<4xi16>
}

// -----

//===----------------------------------------------------------------------===//
// Unary ops: gelu, dropout, type constraints
//===----------------------------------------------------------------------===//

mithril.model @gelu_approximate(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.gelu' op expected approximate ("erf") to be "none" or "tanh"}}
  %0 = mithril.gelu %x {approximate = "erf"} : tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @dropout_p_above_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.dropout' op expected p (1.500000e+00) to be in [0, 1]}}
  %0 = mithril.dropout %x {p = 1.5} : tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @dropout_p_negative(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mithril.dropout' op expected p (-2.500000e-01) to be in [0, 1]}}
  %0 = mithril.dropout %x {p = -0.25} : tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

mithril.model @exp_integer(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'mithril.exp' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %0 = mithril.exp %x : tensor<4xi32>
  mithril.return %0 : tensor<4xi32>
}

// -----

mithril.model @neg_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'mithril.neg' op operand #0 must be ranked tensor of floating-point or integer values, but got 'tensor<4xi1>'}}
  %0 = mithril.neg %x : tensor<4xi1>
  mithril.return %0 : tensor<4xi1>
}

// -----

mithril.model @relu_result_shape(%x: tensor<4xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'mithril.relu' op requires the same shape for all operands and results}}
  %0 = mithril.relu %x : tensor<4xf32> -> tensor<5xf32>
  mithril.return %0 : tensor<5xf32>
}

// -----

mithril.model @sigmoid_result_element_type(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{'mithril.sigmoid' op requires the same element type for all operands and results}}
  %0 = mithril.sigmoid %x : tensor<4xf32> -> tensor<4xf16>
  mithril.return %0 : tensor<4xf16>
}

// RUN: mlc-opt %s --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: mithril.model @dropout_is_identity
// CHECK-NEXT: mithril.return %arg0
mithril.model @dropout_is_identity(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %0 = mithril.dropout %x {p = 0.3} : tensor<?x16xf32>
  mithril.return %0 : tensor<?x16xf32>
}

// -----

// A dropout that refines the type keeps its place: folding it would change
// the type of its uses.
// CHECK-LABEL: mithril.model @dropout_refining_type
// CHECK-NEXT: mithril.dropout
mithril.model @dropout_refining_type(%x: tensor<?x16xf32>) -> tensor<8x16xf32> {
  %0 = mithril.dropout %x : tensor<?x16xf32> -> tensor<8x16xf32>
  mithril.return %0 : tensor<8x16xf32>
}

// -----

// CHECK-LABEL: mithril.model @identity_reshape
// CHECK-NEXT: mithril.return %arg0
mithril.model @identity_reshape(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = mithril.reshape %x {shape = [2, -1, 4]} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  mithril.return %0 : tensor<2x3x4xf32>
}

// -----

// With a dynamic dim, the reshape may not be the identity (N need not be
// the input's dim 0), so it stays.
// CHECK-LABEL: mithril.model @dynamic_reshape_stays
// CHECK-NEXT: mithril.reshape
mithril.model @dynamic_reshape_stays(%x: tensor<?x12xf32>) -> tensor<?x12xf32> {
  %0 = mithril.reshape %x {shape = ["N", 12]} : (tensor<?x12xf32>) -> tensor<?x12xf32>
  mithril.return %0 : tensor<?x12xf32>
}

// -----

// CHECK-LABEL: mithril.model @double_transpose
// CHECK-NEXT: mithril.return %arg0
mithril.model @double_transpose(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = mithril.transpose %x {dim0 = 0, dim1 = 2} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %1 = mithril.transpose %0 {dim0 = -1, dim1 = 0} : (tensor<4x3x2xf32>) -> tensor<2x3x4xf32>
  mithril.return %1 : tensor<2x3x4xf32>
}

// -----

// Different pairs of dims do not cancel.
// CHECK-LABEL: mithril.model @different_transposes
// CHECK-NEXT: mithril.transpose
// CHECK-NEXT: mithril.transpose
mithril.model @different_transposes(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %0 = mithril.transpose %x {dim0 = 0, dim1 = 1} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = mithril.transpose %0 {dim0 = 1, dim1 = 2} : (tensor<3x2x4xf32>) -> tensor<3x4x2xf32>
  mithril.return %1 : tensor<3x4x2xf32>
}

// -----

// CHECK-LABEL: mithril.model @self_transpose
// CHECK-NEXT: mithril.return %arg0
mithril.model @self_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = mithril.transpose %x {dim0 = 1, dim1 = -1} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  mithril.return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: mithril.model @compose_permutes
// CHECK-NEXT: %[[P:.*]] = mithril.permute %arg0 {dims = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: mithril.return %[[P]]
mithril.model @compose_permutes(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = mithril.permute %x {dims = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = mithril.permute %0 {dims = array<i64: 1, 2, 0>} : (tensor<3x4x2xf32>) -> tensor<4x2x3xf32>
  mithril.return %1 : tensor<4x2x3xf32>
}

// -----

// Two permutes that undo each other vanish.
// CHECK-LABEL: mithril.model @inverse_permutes
// CHECK-NEXT: mithril.return %arg0
mithril.model @inverse_permutes(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = mithril.permute %x {dims = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
  %1 = mithril.permute %0 {dims = array<i64: 0, -1, 1>} : (tensor<2x4x3xf32>) -> tensor<2x3x4xf32>
  mithril.return %1 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: mithril.model @identity_cast_and_flatten
// CHECK-NEXT: mithril.return %arg0
mithril.model @identity_cast_and_flatten(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %0 = mithril.cast %x to f32 : tensor<?x16xf32> -> tensor<?x16xf32>
  %1 = mithril.flatten %0 : (tensor<?x16xf32>) -> tensor<?x16xf32>
  mithril.return %1 : tensor<?x16xf32>
}

// -----

// A real cast stays.
// CHECK-LABEL: mithril.model @real_cast
// CHECK-NEXT: mithril.cast %arg0 to f16
mithril.model @real_cast(%x: tensor<?x16xf32>) -> tensor<?x16xf16> {
  %0 = mithril.cast %x to f16 : tensor<?x16xf32> -> tensor<?x16xf16>
  mithril.return %0 : tensor<?x16xf16>
}

// -----

// A float widened exactly and cast back is itself; the other way round
// (f32 -> bf16 -> f32 rounds) and through a narrower type, the casts stay.
// CHECK-LABEL: mithril.model @cast_round_trips
// CHECK-NEXT: %[[LOSSY:.*]] = mithril.cast %arg1 to bf16
// CHECK-NEXT: %[[BACK:.*]] = mithril.cast %[[LOSSY]] to f32
// CHECK-NEXT: %[[NARROW:.*]] = mithril.cast %arg0 to f16
// CHECK-NEXT: %[[WIDE:.*]] = mithril.cast %[[NARROW]] to bf16
// CHECK-NEXT: mithril.return %arg0, %[[BACK]], %[[WIDE]]
mithril.model @cast_round_trips(%x: tensor<4xbf16>, %y: tensor<4xf32>)
    -> (tensor<4xbf16>, tensor<4xf32>, tensor<4xbf16>) {
  %0 = mithril.cast %x to f32 : tensor<4xbf16> -> tensor<4xf32>
  %1 = mithril.cast %0 to bf16 : tensor<4xf32> -> tensor<4xbf16>
  %2 = mithril.cast %y to bf16 : tensor<4xf32> -> tensor<4xbf16>
  %3 = mithril.cast %2 to f32 : tensor<4xbf16> -> tensor<4xf32>
  %4 = mithril.cast %x to f16 : tensor<4xbf16> -> tensor<4xf16>
  %5 = mithril.cast %4 to bf16 : tensor<4xf16> -> tensor<4xbf16>
  mithril.return %1, %3, %5 : tensor<4xbf16>, tensor<4xf32>, tensor<4xbf16>
}

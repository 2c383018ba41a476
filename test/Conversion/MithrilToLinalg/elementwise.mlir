// RUN: mlc-opt %s --convert-mithril-to-linalg --split-input-file | FileCheck %s

// Broadcasting through the indexing maps; dynamic dims from tensor.dim of
// an operand that has them.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: mithril.model @broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<4xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %[[C0]] : tensor<?x4xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[Y]] : tensor<?x4xf32>, tensor<4xf32>) outs(%[[INIT]] : tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK: mithril.return %[[SUM]]
mithril.model @broadcast(%x: tensor<?x4xf32>, %y: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = mithril.add %x, %y : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  mithril.return %0 : tensor<?x4xf32>
}

// -----

// A static 1 stretches (constant 0 index); a scalar constant is a 0-d map.

// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: mithril.model @stretch
// CHECK: %[[TWO:.*]] = arith.constant dense<2> : tensor<i64>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK: arith.muli
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #{{.*}}, #{{.*}}]
// CHECK: arith.addi
mithril.model @stretch(%i: tensor<2x1xi64>) -> tensor<2x3xi64> {
  %c = mithril.constant dense<2> : tensor<i64>
  %w = mithril.constant dense<1> : tensor<2x3xi64>
  %0 = mithril.mul %i, %c : (tensor<2x1xi64>, tensor<i64>) -> tensor<2x1xi64>
  %1 = mithril.add %0, %w : (tensor<2x1xi64>, tensor<2x3xi64>) -> tensor<2x3xi64>
  mithril.return %1 : tensor<2x3xi64>
}

// -----

// Transcendental functions on f16 are computed in f32; integer division is
// true division in the result's float type.

// CHECK-LABEL: mithril.model @precision
// CHECK: ^bb0(%[[IN:.*]]: f16, %{{.*}}: f16):
// CHECK:   %[[WIDE:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK:   math.erf {{.*}} : f32
// CHECK:   arith.truncf {{.*}} : f32 to f16
// CHECK: ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: f32):
// CHECK:   %[[FA:.*]] = arith.sitofp %[[A]] : i64 to f32
// CHECK:   %[[FB:.*]] = arith.sitofp %[[B]] : i64 to f32
// CHECK:   arith.divf %[[FA]], %[[FB]] : f32
mithril.model @precision(%h: tensor<8xf16>, %i: tensor<8xi64>) -> (tensor<8xf16>, tensor<8xf32>) {
  %0 = mithril.gelu %h : tensor<8xf16>
  %1 = mithril.div %i, %i : (tensor<8xi64>, tensor<8xi64>) -> tensor<8xf32>
  mithril.return %0, %1 : tensor<8xf16>, tensor<8xf32>
}

// -----

// Casts follow PyTorch: to bool is x != 0, bool to a number is 0 or 1, and
// floats to integers truncate.

// CHECK-LABEL: mithril.model @casts
// CHECK: arith.cmpf une
// CHECK: arith.uitofp {{.*}} : i1 to f32
// CHECK: arith.fptosi {{.*}} : f32 to i32
mithril.model @casts(%x: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xf32>, tensor<4xi32>) {
  %0 = mithril.cast %x to i1 : tensor<4xf32> -> tensor<4xi1>
  %1 = mithril.cast %0 to f32 : tensor<4xi1> -> tensor<4xf32>
  %2 = mithril.cast %x to i32 : tensor<4xf32> -> tensor<4xi32>
  mithril.return %0, %1, %2 : tensor<4xi1>, tensor<4xf32>, tensor<4xi32>
}

// -----

// Dropout is the identity.

// CHECK-LABEL: mithril.model @dropout
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>
// CHECK-NEXT: mithril.return %[[X]]
mithril.model @dropout(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = mithril.dropout %x : tensor<2x4xf32>
  mithril.return %0 : tensor<2x4xf32>
}

// -----

// The unary math ops the ONNX importer added: erf, floor, ceil and round
// (half to even, as ONNX's Round).

// CHECK-LABEL: mithril.model @rounding
// CHECK: math.erf
// CHECK: math.floor
// CHECK: math.ceil
// CHECK: math.roundeven
mithril.model @rounding(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = mithril.erf %x : tensor<4xf32>
  %1 = mithril.floor %x : tensor<4xf32>
  %2 = mithril.ceil %x : tensor<4xf32>
  %3 = mithril.round %x : tensor<4xf32>
  mithril.return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

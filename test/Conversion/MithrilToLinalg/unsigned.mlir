// RUN: mlc-opt %s --split-input-file --convert-mithril-to-linalg | FileCheck %s

// u8 is computed on as i8 (arith takes signless integers only): the body
// views its arguments as i8, uses the unsigned forms where signedness
// matters, and views the result as u8 again.

// CHECK-LABEL: mithril.model @maximum
// CHECK: linalg.generic
// CHECK: ^bb0(%[[A:.*]]: ui8, %[[B:.*]]: ui8, %{{.*}}: ui8):
// CHECK-DAG: %[[SA:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui8 to i8
// CHECK-DAG: %[[SB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui8 to i8
// CHECK: %[[M:.*]] = arith.maxui %[[SA]], %[[SB]] : i8
// CHECK: %[[R:.*]] = builtin.unrealized_conversion_cast %[[M]] : i8 to ui8
// CHECK: linalg.yield %[[R]] : ui8
mithril.model @maximum(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
  %0 = mithril.maximum %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  mithril.return %0 : tensor<4xui8>
}

// -----

// CHECK-LABEL: mithril.model @to_float
// CHECK: arith.uitofp %{{.*}} : i8 to f32
mithril.model @to_float(%x: tensor<4xui8>) -> tensor<4xf32> {
  %0 = mithril.cast %x to f32 : tensor<4xui8> -> tensor<4xf32>
  mithril.return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: mithril.model @from_float
// CHECK: %[[I:.*]] = arith.fptoui %{{.*}} : f32 to i8
// CHECK: builtin.unrealized_conversion_cast %[[I]] : i8 to ui8
mithril.model @from_float(%x: tensor<4xf32>) -> tensor<4xui8> {
  %0 = mithril.cast %x to ui8 : tensor<4xf32> -> tensor<4xui8>
  mithril.return %0 : tensor<4xui8>
}

// -----

// CHECK-LABEL: mithril.model @less
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i8
mithril.model @less(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xi1> {
  %0 = mithril.less %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  mithril.return %0 : tensor<4xi1>
}

// -----

// A sum of u8 widens with a zero extension.
// CHECK-LABEL: mithril.model @sum
// CHECK: arith.extui %{{.*}} : i8 to i64
mithril.model @sum(%x: tensor<4xui8>) -> tensor<i64> {
  %0 = mithril.sum %x : (tensor<4xui8>) -> tensor<i64>
  mithril.return %0 : tensor<i64>
}

// RUN: mlc-opt %s --mithril-quantize-weights --split-input-file --verify-diagnostics | FileCheck %s
// RUN: mlc-opt %s --mithril-quantize-weights=mode=int8-dynamic --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=DYNAMIC
// RUN: not mlc-opt %s --mithril-quantize-weights=mode=int4 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// A Linear layer's weight becomes int8 with a scale per output row; the
// layer reads it widened, then its result is scaled and the bias added.
// CHECK-LABEL: mithril.model @linear
// CHECK: %[[W:.*]] = mithril.parameter "fc.weight" {mithril.model_dtype = f32, mithril.quantized_axis = 0 : i64} : tensor<8x4xi8>
// CHECK: %[[S:.*]] = mithril.parameter "fc.weight.scale" {mithril.scale_of = "fc.weight"} : tensor<8xf32>
// CHECK: %[[B:.*]] = mithril.parameter "fc.bias" : tensor<8xf32>
// CHECK: %[[WF:.*]] = mithril.cast %[[W]] to f32 : tensor<8x4xi8> -> tensor<8x4xf32>
// CHECK: %[[Y:.*]] = mithril.linear %{{.*}}, %[[WF]] {{{.*}}} : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
// CHECK: %[[YS:.*]] = mithril.mul %[[Y]], %[[S]]
// CHECK: %[[YB:.*]] = mithril.add %[[YS]], %[[B]]
// CHECK: mithril.relu %[[YB]]

// With int8-dynamic, the rows of the input are quantized at run time and
// the int8 products summed in i32.
// DYNAMIC-LABEL: mithril.model @linear
// DYNAMIC: mithril.transpose %fc.weight
// DYNAMIC: mithril.max
// DYNAMIC: mithril.round
// DYNAMIC: mithril.cast {{.*}} to i8
// DYNAMIC: mithril.matmul {{.*}} : (tensor<?x4xi32>, tensor<4x8xi32>) -> tensor<?x8xi32>
// DYNAMIC-NOT: mithril.linear
// DYNAMIC: mithril.relu

// BAD: mithril-quantize-weights: mode takes int8 or int8-dynamic, not 'int4'
mithril.model @linear(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %w = mithril.parameter "fc.weight" : tensor<8x4xf32>
  %b = mithril.parameter "fc.bias" : tensor<8xf32>
  %y = mithril.linear %x, %w, %b {in_features = 4, out_features = 8}
      : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %r = mithril.relu %y : tensor<?x8xf32>
  mithril.return %r : tensor<?x8xf32>
}

// -----

// A convolution's scale multiplies its output channels; an Embedding
// gathers int8 rows and their scales.
// CHECK-LABEL: mithril.model @conv_embedding
// CHECK: mithril.parameter "conv.weight" {{.*}} : tensor<6x3x3x3xi8>
// CHECK: mithril.parameter "conv.weight.scale" {{.*}} : tensor<6xf32>
// CHECK: %[[C:.*]] = mithril.conv2d {{.*}} -> tensor<?x6x8x8xf32>
// CHECK: %[[S:.*]] = mithril.reshape %{{.*}} {shape = [-1, 1, 1]} : (tensor<6xf32>) -> tensor<6x1x1xf32>
// CHECK: mithril.mul %[[C]], %[[S]]
// CHECK: %[[T:.*]] = mithril.parameter "table" {{.*}} : tensor<10x5xi8>
// CHECK: %[[TS:.*]] = mithril.parameter "table.scale" {{.*}} : tensor<10xf32>
// CHECK: %[[ROWS:.*]] = mithril.embedding %{{.*}}, %[[T]] {{.*}} -> tensor<?x3x5xi8>
// CHECK: %[[COLUMN:.*]] = mithril.reshape %[[TS]] {shape = [-1, 1]}
// CHECK: %[[ROWSCALES:.*]] = mithril.embedding %{{.*}}, %[[COLUMN]] {{.*}} -> tensor<?x3x1xf32>
// CHECK: %[[WIDE:.*]] = mithril.cast %[[ROWS]] to f32
// CHECK: mithril.mul %[[WIDE]], %[[ROWSCALES]]
mithril.model @conv_embedding(%x: tensor<?x3x8x8xf32>, %ids: tensor<?x3xi64>)
    -> (tensor<?x6x8x8xf32>, tensor<?x3x5xf32>) {
  %w = mithril.parameter "conv.weight" : tensor<6x3x3x3xf32>
  %y = mithril.conv2d %x, %w {in_channels = 3, out_channels = 6}
      : (tensor<?x3x8x8xf32>, tensor<6x3x3x3xf32>) -> tensor<?x6x8x8xf32>
  %t = mithril.parameter "table" : tensor<10x5xf32>
  %e = mithril.embedding %ids, %t {num_embeddings = 10, embedding_dim = 5}
      : (tensor<?x3xi64>, tensor<10x5xf32>) -> tensor<?x3x5xf32>
  mithril.return %y, %e : tensor<?x6x8x8xf32>, tensor<?x3x5xf32>
}

// -----

// A parameter that another op reads too, a vector, and a train step's
// state stay f32.
// CHECK-LABEL: mithril.model @kept
// CHECK: mithril.parameter "shared" : tensor<4x4xf32>
// CHECK: mithril.parameter "vector" : tensor<4xf32>
// CHECK-NOT: i8
mithril.model @kept(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2xf32>, tensor<4x4xf32>) {
  %w = mithril.parameter "shared" : tensor<4x4xf32>
  %y = mithril.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %z = mithril.add %w, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %v = mithril.parameter "vector" : tensor<4xf32>
  %m = mithril.matmul %x, %v : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2xf32>
  mithril.return %y, %m, %z : tensor<2x4xf32>, tensor<2xf32>, tensor<4x4xf32>
}

// -----

mithril.model @clash(%x: tensor<2x4xf32>) -> (tensor<2x8xf32>, tensor<8xf32>) {
  // expected-error @below {{cannot quantize 'fc.weight': the model already has a parameter 'fc.weight.scale'}}
  %w = mithril.parameter "fc.weight" : tensor<8x4xf32>
  %s = mithril.parameter "fc.weight.scale" : tensor<8xf32>
  %y = mithril.linear %x, %w {in_features = 4, out_features = 8}
      : (tensor<2x4xf32>, tensor<8x4xf32>) -> tensor<2x8xf32>
  mithril.return %y, %s : tensor<2x8xf32>, tensor<8xf32>
}

// RUN: mlc-opt %s --mithril-apply-precision=precision=bf16 --split-input-file | FileCheck %s
// RUN: mlc-opt %s --mithril-apply-precision="precision=f16 io-precision=f16" --split-input-file | FileCheck %s --check-prefix=IO
// RUN: mlc-opt %s --mithril-apply-precision --split-input-file | FileCheck %s --check-prefix=F32
// RUN: not mlc-opt %s --mithril-apply-precision=precision=f8 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// Contractions take narrowed operands, parameters are stored narrowed (and
// say from what), other ops read them widened, and a chain of contractions
// passes the reduced value straight on.
// CHECK-LABEL: mithril.model @mlp
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32> {{.*}}) -> (tensor<?x2xf32>
// CHECK-DAG: %[[XN:.*]] = mithril.cast %[[X]] to bf16 : tensor<?x4xf32> -> tensor<?x4xbf16>
// CHECK-DAG: %[[W0:.*]] = mithril.parameter "fc0.weight" {mithril.model_dtype = f32} : tensor<8x4xbf16>
// CHECK-DAG: %[[B0:.*]] = mithril.parameter "fc0.bias" {mithril.model_dtype = f32} : tensor<8xbf16>
// CHECK: %[[H:.*]] = mithril.linear %[[XN]], %[[W0]], %[[B0]] {{.*}} -> tensor<?x8xbf16>
// CHECK: %[[W1:.*]] = mithril.parameter "fc1.weight" {mithril.model_dtype = f32} : tensor<2x8xbf16>
// CHECK: %[[Y:.*]] = mithril.linear %[[H]], %[[W1]] {{.*}} -> tensor<?x2xbf16>
// CHECK: %[[YW:.*]] = mithril.cast %[[Y]] to f32
// CHECK: %[[G:.*]] = mithril.parameter "norm.weight" {mithril.model_dtype = f32} : tensor<2xbf16>
// CHECK: %[[GW:.*]] = mithril.cast %[[G]] to f32
// CHECK: %[[N:.*]] = mithril.rms_norm %[[YW]], %[[GW]] {{.*}} -> tensor<?x2xf32>
// CHECK: mithril.return %[[N]] : tensor<?x2xf32>

// IO-LABEL: mithril.model @mlp
// IO-SAME: (%[[X:.*]]: tensor<?x4xf16> {{.*}}) -> (tensor<?x2xf16>
// IO: mithril.linear %[[X]], {{.*}} -> tensor<?x8xf16>
// IO: %[[N:.*]] = mithril.rms_norm {{.*}} -> tensor<?x2xf32>
// IO: %[[NN:.*]] = mithril.cast %[[N]] to f16
// IO: mithril.return %[[NN]] : tensor<?x2xf16>

// F32-LABEL: mithril.model @mlp
// F32-NOT: mithril.cast
// F32-NOT: bf16

// BAD: error: mithril-apply-precision: precision takes f32, f16 or bf16
mithril.model @mlp(%x: tensor<?x4xf32> {mithril.dims = ["N", 4], mithril.name = "x"})
    -> (tensor<?x2xf32> {mithril.name = "y"}) {
  %w0 = mithril.parameter "fc0.weight" : tensor<8x4xf32>
  %b0 = mithril.parameter "fc0.bias" : tensor<8xf32>
  %h = mithril.linear %x, %w0, %b0 {in_features = 4, out_features = 8}
      : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %w1 = mithril.parameter "fc1.weight" : tensor<2x8xf32>
  %y = mithril.linear %h, %w1 {in_features = 8, out_features = 2}
      : (tensor<?x8xf32>, tensor<2x8xf32>) -> tensor<?x2xf32>
  %g = mithril.parameter "norm.weight" : tensor<2xf32>
  %n = mithril.rms_norm %y, %g {normalized_shape = array<i64: 2>}
      : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  mithril.return %n : tensor<?x2xf32>
}

// -----

// Embedding gathers reduced rows; integer indices and f64 values are left
// as they are.
// CHECK-LABEL: mithril.model @embedding
// CHECK: %[[T:.*]] = mithril.parameter "table" {mithril.model_dtype = f32} : tensor<10x4xbf16>
// CHECK: %[[E:.*]] = mithril.embedding %arg0, %[[T]] {{.*}} -> tensor<?x4xbf16>
// CHECK: %[[EW:.*]] = mithril.cast %[[E]] to f32
// CHECK: %[[D:.*]] = mithril.parameter "scale" : tensor<4xf64>
// CHECK-NOT: mithril.cast
// CHECK: mithril.return %[[EW]], %[[D]]
mithril.model @embedding(%i: tensor<?xi64>) -> (tensor<?x4xf32>, tensor<4xf64>) {
  %t = mithril.parameter "table" : tensor<10x4xf32>
  %e = mithril.embedding %i, %t {num_embeddings = 10, embedding_dim = 4}
      : (tensor<?xi64>, tensor<10x4xf32>) -> tensor<?x4xf32>
  %d = mithril.parameter "scale" : tensor<4xf64>
  mithril.return %e, %d : tensor<?x4xf32>, tensor<4xf64>
}

// -----

// A module with a train step keeps its parameters in f32 (the optimizer's
// master weights); contractions still compute on narrowed copies, and the
// updates keep the parameters' dtype whatever the io-precision.
// CHECK-LABEL: mithril.model @step
// CHECK: %[[W:.*]] = mithril.parameter "fc.weight" : tensor<2x4xf32>
// CHECK: %[[WN:.*]] = mithril.cast %[[W]] to bf16
// CHECK: mithril.linear {{.*}}, %[[WN]]
// CHECK: mithril.return %{{.*}}, %[[W]] : tensor<?x2xf32>, tensor<2x4xf32>
// IO-LABEL: mithril.model @step
// IO-SAME: -> (tensor<?x2xf16> {mithril.name = "y"}, tensor<2x4xf32> {mithril.updates = "fc.weight"})
mithril.model @step(%x: tensor<?x4xf32>) -> (tensor<?x2xf32> {mithril.name = "y"}, tensor<2x4xf32> {mithril.updates = "fc.weight"})
    attributes {mithril.train} {
  %w = mithril.parameter "fc.weight" : tensor<2x4xf32>
  %y = mithril.linear %x, %w {in_features = 4, out_features = 2}
      : (tensor<?x4xf32>, tensor<2x4xf32>) -> tensor<?x2xf32>
  mithril.return %y, %w : tensor<?x2xf32>, tensor<2x4xf32>
}

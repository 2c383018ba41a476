// The examples a new user starts from keep parsing, verifying and inferring.
// RUN: mlc-opt %S/../examples/tiny_resnet.mlir --mithril-infer-shapes | FileCheck %s

// CHECK-LABEL: mithril.model @tiny_resnet
// CHECK: mithril.conv2d {{.*}} -> tensor<?x64x4x4xf32>
// CHECK: mithril.max_pool2d {{.*}} -> tensor<?x64x1x1xf32>
// CHECK: mithril.instance "res_block_0" of @res_block
// CHECK: mithril.instance "res_block_1" of @res_block
// CHECK: mithril.linear {{.*}} -> tensor<?x10xf32>

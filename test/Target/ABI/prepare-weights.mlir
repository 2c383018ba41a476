// RUN: mlc-opt %s --mithril-prepare-weights | FileCheck %s

// Both transposes of the weight become one new argument after the last,
// made once per instance by the runtime from the parameter it names; the
// signature records it. A transpose of an input stays.
// CHECK: mithril.signature = {{.*}}\22prepared\22:[{\22parameter\22:\22fc.weight\22,\22permutation\22:[1,0]}]
// CHECK-LABEL: func.func @net
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<4x8xf32>
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<16x8xf32> {mithril.parameter = "fc.weight"}
// CHECK-SAME: %[[WT:[a-z0-9]+]]: tensor<8x16xf32> {bufferization.writable = false, mithril.prepared = "fc.weight"}
// CHECK: linalg.transpose ins(%[[X]]
// CHECK-NOT: linalg.transpose
// CHECK: return %[[WT]], %[[WT]], %{{.*}}
module attributes {mithril.signature = "{\22entries\22:[{\22name\22:\22net\22,\22inputs\22:[{\22name\22:\22x\22,\22dtype\22:\22f32\22,\22shape\22:[4,8]}],\22outputs\22:[],\22parameters\22:[{\22name\22:\22fc.weight\22,\22dtype\22:\22f32\22,\22shape\22:[16,8]}]}]}"} {
  func.func @net(%x: tensor<4x8xf32>, %w: tensor<16x8xf32> {mithril.parameter = "fc.weight"})
      -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x4xf32>) {
    %e = tensor.empty() : tensor<8x16xf32>
    %t1 = linalg.transpose ins(%w : tensor<16x8xf32>) outs(%e : tensor<8x16xf32>) permutation = [1, 0]
    %t2 = linalg.transpose ins(%w : tensor<16x8xf32>) outs(%e : tensor<8x16xf32>) permutation = [1, 0]
    %ex = tensor.empty() : tensor<8x4xf32>
    %tx = linalg.transpose ins(%x : tensor<4x8xf32>) outs(%ex : tensor<8x4xf32>) permutation = [1, 0]
    return %t1, %t2, %tx : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x4xf32>
  }
}

// RUN: mlc-opt %s --split-input-file --mithril-prepare-weights | FileCheck %s

// Both transposes of the weight become one new argument after the last,
// made once per instance by the runtime from the parameter it names; the
// signature records it. A transpose of an input stays.
// CHECK: mithril.signature = {{.*}}\22prepared\22:[{\22parameter\22:\22fc.weight\22,\22shape\22:[16,8],\22permutation\22:[1,0]}]
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

// -----

// Wᵀ packed into panels of 8 columns (a transpose of a reshape of a
// transpose): one prepared parameter, W viewed as [2][8][8] (panel, column
// in the panel, K) and permuted to (panel, K, column); the ops before it
// go.
// CHECK: \22prepared\22:[{\22parameter\22:\22fc.weight\22,\22shape\22:[2,8,8],\22permutation\22:[0,2,1]}]
// CHECK-LABEL: func.func @packed
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<2x8x8xf32> {bufferization.writable = false, mithril.prepared = "fc.weight"}
// CHECK-NOT: linalg.transpose
// CHECK-NOT: tensor.expand_shape
// CHECK: return %[[P]]
module attributes {mithril.signature = "{\22entries\22:[{\22name\22:\22packed\22,\22inputs\22:[],\22outputs\22:[],\22parameters\22:[{\22name\22:\22fc.weight\22,\22dtype\22:\22f32\22,\22shape\22:[16,8]}]}]}"} {
  func.func @packed(%w: tensor<16x8xf32> {mithril.parameter = "fc.weight"}) -> tensor<2x8x8xf32> {
    %e = tensor.empty() : tensor<8x16xf32>
    %t = linalg.transpose ins(%w : tensor<16x8xf32>) outs(%e : tensor<8x16xf32>) permutation = [1, 0]
    %s = tensor.expand_shape %t [[0], [1, 2]] output_shape [8, 2, 8] : tensor<8x16xf32> into tensor<8x2x8xf32>
    %ep = tensor.empty() : tensor<2x8x8xf32>
    %p = linalg.transpose ins(%s : tensor<8x2x8xf32>) outs(%ep : tensor<2x8x8xf32>) permutation = [1, 0, 2]
    return %p : tensor<2x8x8xf32>
  }
}

// -----

// A convolution's weight flattened to [O][I*KH*KW] and transposed: the
// collapse merges dims that stay in order, into the prepared shape.
// CHECK: \22prepared\22:[{\22parameter\22:\22conv.weight\22,\22shape\22:[4,18],\22permutation\22:[1,0]}]
// CHECK-LABEL: func.func @convolution_weight
// CHECK-NOT: tensor.collapse_shape
module attributes {mithril.signature = "{\22entries\22:[{\22name\22:\22convolution_weight\22,\22inputs\22:[],\22outputs\22:[],\22parameters\22:[{\22name\22:\22conv.weight\22,\22dtype\22:\22f32\22,\22shape\22:[4,2,3,3]}]}]}"} {
  func.func @convolution_weight(%w: tensor<4x2x3x3xf32> {mithril.parameter = "conv.weight"}) -> tensor<18x4xf32> {
    %c = tensor.collapse_shape %w [[0], [1, 2, 3]] : tensor<4x2x3x3xf32> into tensor<4x18xf32>
    %e = tensor.empty() : tensor<18x4xf32>
    %t = linalg.transpose ins(%c : tensor<4x18xf32>) outs(%e : tensor<18x4xf32>) permutation = [1, 0]
    return %t : tensor<18x4xf32>
  }
}

// -----

// Collapsing dims a transpose swapped is no view of the parameter: that
// transpose stays, and reads the prepared transpose before it.
// CHECK: \22prepared\22:[{\22parameter\22:\22w\22,\22shape\22:[4,6],\22permutation\22:[1,0]}]
// CHECK-LABEL: func.func @not_a_view
// CHECK-SAME: %[[WT:[a-z0-9]+]]: tensor<6x4xf32> {bufferization.writable = false, mithril.prepared = "w"}
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[WT]]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x12xf32>)
module attributes {mithril.signature = "{\22entries\22:[{\22name\22:\22not_a_view\22,\22inputs\22:[],\22outputs\22:[],\22parameters\22:[{\22name\22:\22w\22,\22dtype\22:\22f32\22,\22shape\22:[4,6]}]}]}"} {
  func.func @not_a_view(%w: tensor<4x6xf32> {mithril.parameter = "w"}) -> tensor<12x2xf32> {
    %e = tensor.empty() : tensor<6x4xf32>
    %t = linalg.transpose ins(%w : tensor<4x6xf32>) outs(%e : tensor<6x4xf32>) permutation = [1, 0]
    %c = tensor.collapse_shape %t [[0, 1]] : tensor<6x4xf32> into tensor<24xf32>
    %s = tensor.expand_shape %c [[0, 1]] output_shape [2, 12] : tensor<24xf32> into tensor<2x12xf32>
    %e2 = tensor.empty() : tensor<12x2xf32>
    %t2 = linalg.transpose ins(%s : tensor<2x12xf32>) outs(%e2 : tensor<12x2xf32>) permutation = [1, 0]
    return %t2 : tensor<12x2xf32>
  }
}

// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256 bf16-dot-products=1}))" | FileCheck %s
// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256}))" | FileCheck %s --check-prefix=FMA

// bf16 operands summed in f32, on a machine with the AVX-512 BF16 dot
// product: the right operand is packed in pairs of K ([16][256][32][2]),
// the left one read as [64][256][2], and each row of a register block and
// 16 columns take one vdpbf16ps per pair of K (8 rows x 2 = 16), the row's
// pair broadcast as one i32, the panel's pairs read as one contiguous
// vector.
// CHECK-LABEL: func.func @bf16_pairs
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %arg1 {{\[}}[0, 1], [2, 3]] {{.*}} into tensor<256x2x16x32xbf16>
// CHECK: linalg.transpose ins(%[[SPLIT]] : tensor<256x2x16x32xbf16>) outs(%{{.*}} : tensor<16x256x32x2xbf16>) permutation = [2, 0, 3, 1]
// CHECK: tensor.expand_shape %arg0 {{\[}}[0], [1, 2]] {{.*}} into tensor<64x256x2xbf16>
// CHECK: vector.transfer_read {{.*}} : tensor<8x2xbf16>, vector<8x2xbf16>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<32x2xbf16> into tensor<64xbf16>
// CHECK: vector.transfer_read {{.*}} : tensor<64xbf16>, vector<64xbf16>
// CHECK: vector.bitcast %{{.*}} : vector<8x2xbf16> to vector<8x1xi32>
// CHECK: vector.broadcast %{{.*}} : i32 to vector<16xi32>
// CHECK: vector.bitcast %{{.*}} : vector<16xi32> to vector<32xbf16>
// CHECK-COUNT-16: x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// CHECK-NOT: vector.fma
// Without it: f32 FMAs on the widened operands, K one at a time.
// FMA-LABEL: func.func @bf16_pairs
// FMA-NOT: x86vector
// FMA-COUNT-8: vector.fma {{.*}} : vector<32xf32>
func.func @bf16_pairs(%a: tensor<64x512xbf16>, %b: tensor<512x512xbf16>,
                      %c: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x512xbf16>, tensor<512x512xbf16>)
                     outs(%c : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %0 : tensor<64x512xf32>
}

// -----

// An odd K has no pairs: the matmul keeps the FMAs.
// CHECK-LABEL: func.func @odd_depth
// CHECK-NOT: x86vector
// CHECK: vector.fma
func.func @odd_depth(%a: tensor<64x511xbf16>, %b: tensor<511x512xbf16>,
                     %c: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x511xbf16>, tensor<511x512xbf16>)
                     outs(%c : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %0 : tensor<64x512xf32>
}

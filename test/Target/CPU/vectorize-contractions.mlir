// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256 int8-dot-products}))" | FileCheck %s

// A matmul with at least a cache block of rows reads its right operand
// packed into panels of 32 columns ([16][512][32]: each contiguous). It is
// tiled into cache blocks (64 rows x 8 panels x 256 of K), then register
// blocks (8 rows x 1 panel, one step of K), and each register block is one
// FMA per row on 32 lanes, reading one panel row.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %arg1 {{\[}}[0], [1, 2]] output_shape [512, 16, 32]
// CHECK: %[[PACKED:.*]] = linalg.transpose ins(%[[SPLIT]] : tensor<512x16x32xf32>) outs(%{{.*}} : tensor<16x512x32xf32>) permutation = [1, 0, 2]
// CHECK: tensor.expand_shape %arg2 {{\[}}[0], [1, 2]] output_shape [128, 16, 32]
// CHECK: scf.for {{.*}} step %[[C64]]
// CHECK: scf.for {{.*}} step %[[C8]]
// CHECK: scf.for {{.*}} step %[[C256]]
// CHECK: tensor.extract_slice %[[PACKED]]
// CHECK: scf.for {{.*}} step %[[C8]]
// CHECK: scf.for {{.*}} step %[[C1]]
// CHECK: scf.for {{.*}} step %[[C1]]
// CHECK: vector.transfer_read {{.*}} : tensor<1x32xf32>, vector<1x32xf32>
// CHECK-COUNT-8: vector.fma {{.*}} : vector<32xf32>
// CHECK: tensor.collapse_shape {{.*}} : tensor<128x16x32xf32> into tensor<128x512xf32>
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>,
                  %c: tensor<128x512xf32>) -> tensor<128x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<128x512xf32>, tensor<512x512xf32>)
                     outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %0 : tensor<128x512xf32>
}

// -----

// With fewer rows than a cache block, packing would not pay (nor with
// columns for one cache block only): the right operand is read as it is,
// tiled by 8 x 32 register blocks.
// CHECK-LABEL: func.func @matmul_on_few_rows
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-NOT: linalg.transpose
// CHECK: scf.for {{.*}} step %[[C256]]
// CHECK: scf.for {{.*}} step %[[C256]]
// CHECK: scf.for {{.*}} step %[[C32]]
// CHECK: scf.for {{.*}} step %[[C1]]
// CHECK-COUNT-8: vector.fma {{.*}} : vector<32xf32>
func.func @matmul_on_few_rows(%a: tensor<8x512xf32>, %b: tensor<512x512xf32>,
                              %c: tensor<8x512xf32>) -> tensor<8x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x512xf32>, tensor<512x512xf32>)
                     outs(%c : tensor<8x512xf32>) -> tensor<8x512xf32>
  return %0 : tensor<8x512xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_on_few_columns
// CHECK-NOT: linalg.transpose
// CHECK: vector.fma
func.func @matmul_on_few_columns(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>,
                                 %c: tensor<128x256xf32>) -> tensor<128x256xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>)
                     outs(%c : tensor<128x256xf32>) -> tensor<128x256xf32>
  return %0 : tensor<128x256xf32>
}

// -----

// A weight is packed whatever the rows (once per instance, by
// mithril-prepare-weights): a Linear layer at batch 1 reads Wᵀ in panels.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @linear_weights_packed
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg1 : tensor<64x128xf32>) outs(%{{.*}} : tensor<128x64xf32>) permutation = [1, 0]
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %[[T]] {{\[}}[0], [1, 2]] output_shape [128, 2, 32]
// CHECK: linalg.transpose ins(%[[SPLIT]] : tensor<128x2x32xf32>) outs(%{{.*}} : tensor<2x128x32xf32>) permutation = [1, 0, 2]
// CHECK: vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT: vector.fma
func.func @linear_weights_packed(%x: tensor<1x128xf32>,
                                 %w: tensor<64x128xf32> {mithril.parameter = "fc.weight"},
                                 %y: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x128xf32>, tensor<64x128xf32>) outs(%y : tensor<1x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

// A Linear layer's x * W^T, as a generic, on a dynamic batch (few rows):
// the transposed product W * x^T is computed, transposing x, the initial
// value and the result rather than the weights; partial blocks are masked.
// Dims no larger than a block are not tiled.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @linear_on_a_batch
// CHECK-DAG: linalg.transpose ins(%arg2 : tensor<?x10xf32>) outs(%{{.*}} : tensor<10x?xf32>) permutation = [1, 0]
// CHECK-DAG: linalg.transpose ins(%arg0 : tensor<?x64xf32>) outs(%{{.*}} : tensor<64x?xf32>) permutation = [1, 0]
// CHECK: vector.create_mask {{.*}} : vector<8x32xi1>
// CHECK: vector.fma {{.*}} : vector<32xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<10x?xf32>) outs(%{{.*}} : tensor<?x10xf32>) permutation = [1, 0]
func.func @linear_on_a_batch(%x: tensor<?x64xf32>, %w: tensor<10x64xf32>,
                             %y: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x64xf32>, tensor<10x64xf32>) outs(%y : tensor<?x10xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

// With more rows than columns, the weights are transposed instead.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @linear_on_many_rows
// CHECK: linalg.transpose ins(%arg1 : tensor<16x64xf32>) outs(%{{.*}} : tensor<64x16xf32>) permutation = [1, 0]
// CHECK-NOT: linalg.transpose
// CHECK: vector.fma {{.*}} : vector<16xf32>
func.func @linear_on_many_rows(%x: tensor<256x64xf32>, %w: tensor<16x64xf32>,
                               %y: tensor<256x16xf32>) -> tensor<256x16xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<256x64xf32>, tensor<16x64xf32>) outs(%y : tensor<256x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x16xf32>
  return %0 : tensor<256x16xf32>
}

// -----

// A batch matmul takes one batch at a time.
// CHECK-LABEL: func.func @batch_matmul
// CHECK: scf.for
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: linalg.batch_matmul
func.func @batch_matmul(%a: tensor<4x16x32xf32>, %b: tensor<4x32x16xf32>,
                        %c: tensor<4x16x16xf32>) -> tensor<4x16x16xf32> {
  %0 = linalg.batch_matmul ins(%a, %b : tensor<4x16x32xf32>, tensor<4x32x16xf32>)
                           outs(%c : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  return %0 : tensor<4x16x16xf32>
}

// -----

// Integer matmuls (int8 products summed in i32, --quantize=int8-dynamic)
// are vectorised like float ones, with integer multiplies and adds.
// CHECK-LABEL: func.func @integer_matmul
// CHECK-NOT: linalg.matmul
// CHECK: arith.muli {{.*}} : vector<32xi32>
// CHECK: arith.addi {{.*}} : vector<32xi32>
func.func @integer_matmul(%a: tensor<8x8xi8>, %b: tensor<8x32xi8>,
                          %c: tensor<8x32xi32>) -> tensor<8x32xi32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x8xi8>, tensor<8x32xi8>)
                     outs(%c : tensor<8x32xi32>) -> tensor<8x32xi32>
  return %0 : tensor<8x32xi32>
}

// -----

// Contractions that are no matmul are left alone.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.generic
// CHECK-NOT: vector.
#sum = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @left_alone(%x: tensor<8x8xf32>, %r: tensor<8xf32>) -> tensor<8xf32> {
  %1 = linalg.generic {indexing_maps = [#sum, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x8xf32>) outs(%r : tensor<8xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// A Linear layer on [N, T, C] has two row dims: they are folded into one
// (upstream's collapseOpIterationDims) when at most one of them is dynamic.
#x = affine_map<(b, t, n, k) -> (b, t, k)>
#w = affine_map<(b, t, n, k) -> (n, k)>
#y = affine_map<(b, t, n, k) -> (b, t, n)>
// CHECK-LABEL: func.func @linear_on_sequences
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x8x16xf32> into tensor<16x16xf32>
// CHECK: vector.fma
// CHECK: tensor.expand_shape
func.func @linear_on_sequences(%x: tensor<2x8x16xf32>, %w: tensor<32x16xf32>,
                               %y: tensor<2x8x32xf32>) -> tensor<2x8x32xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x8x16xf32>, tensor<32x16xf32>) outs(%y : tensor<2x8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x8x32xf32>
  return %0 : tensor<2x8x32xf32>
}

// -----

// Two dynamic row dims are folded too (their expansion back is lowered by
// mithril-expand-shapes-as-casts, before upstream's expand-strided-metadata).
#x = affine_map<(b, t, n, k) -> (b, t, k)>
#w = affine_map<(b, t, n, k) -> (n, k)>
#y = affine_map<(b, t, n, k) -> (b, t, n)>
// CHECK-LABEL: func.func @linear_on_dynamic_sequences
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x?x16xf32> into tensor<?x16xf32>
// CHECK: vector.fma
// CHECK: tensor.expand_shape {{.*}} : tensor<?x32xf32> into tensor<?x?x32xf32>
func.func @linear_on_dynamic_sequences(%x: tensor<?x?x16xf32>, %w: tensor<32x16xf32>,
                                       %y: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x?x16xf32>, tensor<32x16xf32>) outs(%y : tensor<?x?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// Extents that are no multiple of the tiles: the matmul is split (upstream's
// linalg::splitOp) into a part of full cache blocks (64 of 100 rows, 256 of
// 305 columns), then of full register blocks (32 of the remaining 36 rows,
// 32 of 49 columns), then of one vector (16 of the last 17 columns), and
// remainders; every part has static sizes, so only the remainders' register
// blocks are narrower (here 4 rows, 1 column).
// CHECK-LABEL: func.func @ragged
// CHECK-NOT: vector.mask
// CHECK-DAG: tensor.extract_slice {{.*}} to tensor<4x1xf32>
// CHECK-DAG: vector.fma {{.*}} : vector<16xf32>
// CHECK-DAG: vector.fma {{.*}} : vector<1xf32>
// CHECK-NOT: vector.mask
// CHECK-NOT: linalg.matmul
func.func @ragged(%a: tensor<100x64xf32>, %b: tensor<64x305xf32>,
                  %c: tensor<100x305xf32>) -> tensor<100x305xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<100x64xf32>, tensor<64x305xf32>)
                     outs(%c : tensor<100x305xf32>) -> tensor<100x305xf32>
  return %0 : tensor<100x305xf32>
}

// -----

// A dynamic number of rows (a batch) is split at a multiple of 8: those
// rows are grouped by 8 ([?, 8, K]), so that every register block has 8
// static rows and no mask; the last few rows are taken one at a time
// (masked rows would load and store accumulators past the buffer).
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @dynamic_rows
// CHECK: affine.min
// CHECK: tensor.expand_shape {{.*}} : tensor<?x128xf32> into tensor<?x8x128xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK-COUNT-8: vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT: vector.create_mask
// CHECK: vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT: vector.create_mask
// CHECK: return
func.func @dynamic_rows(%x: tensor<?x128xf32>,
                        %w: tensor<64x128xf32> {mithril.parameter = "fc.weight"},
                        %y: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x128xf32>, tensor<64x128xf32>) outs(%y : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// A dynamic number of columns (a convolution's im2col product on a
// dynamic batch) is split at a multiple of 32: those columns are grouped
// ([K, ?, 32]), so that their register blocks are static and unmasked;
// the last few columns are masked.
// CHECK-LABEL: func.func @dynamic_columns
// CHECK: affine.min
// CHECK: tensor.expand_shape {{.*}} : tensor<64x?xf32> into tensor<64x?x32xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK-COUNT-8: vector.fma {{.*}} : vector<32xf32>
// CHECK: vector.create_mask
func.func @dynamic_columns(%w: tensor<16x64xf32>, %cols: tensor<64x?xf32>,
                           %y: tensor<16x?xf32>) -> tensor<16x?xf32> {
  %0 = linalg.matmul ins(%w, %cols : tensor<16x64xf32>, tensor<64x?xf32>)
                     outs(%y : tensor<16x?xf32>) -> tensor<16x?xf32>
  return %0 : tensor<16x?xf32>
}

// -----

// An im2col copy (cols [C, KH, KW, N, OH, OW] = [32, 3, 3, 4, 16, 16])
// collapsed into the right operand [288, 1024] writes the panels itself:
// a panel of 32 columns is (oh % 2, ow), so the copy's loops become
// (n, oh / 2, c, kh, kw, oh % 2, ow) and it reads oh as oh / 2 * 2 + oh % 2.
// No transpose packs the columns again.
#window = affine_map<(c, kh, kw, n, oh, ow) -> (n, c, oh + kh, ow + kw)>
#cols = affine_map<(c, kh, kw, n, oh, ow) -> (c, kh, kw, n, oh, ow)>
// CHECK-DAG: #[[PACKED_READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d2, d1 * 2 + d3 + d5, d4 + d6)>
// CHECK-LABEL: func.func @im2col_packs_itself
// CHECK: %[[PANELS:.*]] = linalg.generic {indexing_maps = [#[[PACKED_READ]], {{.*}}]{{.*}} outs(%{{.*}} : tensor<4x8x32x3x3x2x16xf32>)
// CHECK: tensor.collapse_shape %[[PANELS]] {{\[}}[0, 1], [2, 3, 4], [5, 6]] : tensor<4x8x32x3x3x2x16xf32> into tensor<32x288x32xf32>
// CHECK-NOT: linalg.transpose
func.func @im2col_packs_itself(%x: tensor<4x32x18x18xf32>, %w: tensor<64x288xf32>,
                               %out: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
  %e = tensor.empty() : tensor<32x3x3x4x16x16xf32>
  %cols = linalg.generic {indexing_maps = [#window, #cols],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x32x18x18xf32>) outs(%e : tensor<32x3x3x4x16x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<32x3x3x4x16x16xf32>
  %rhs = tensor.collapse_shape %cols [[0, 1, 2], [3, 4, 5]] : tensor<32x3x3x4x16x16xf32> into tensor<288x1024xf32>
  %r = linalg.matmul ins(%w, %rhs : tensor<64x288xf32>, tensor<288x1024xf32>) outs(%out : tensor<64x1024xf32>) -> tensor<64x1024xf32>
  return %r : tensor<64x1024xf32>
}

// -----

// bf16 operands summed in f32: the left operand, whose elements each row
// of a register block broadcasts, is widened to f32 once; the right one
// stays bf16 and each vector of it is widened as it is read.
// CHECK-LABEL: func.func @bf16_into_f32
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<8x512xbf16>) outs(%{{.*}} : tensor<8x512xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<8x1xf32>, vector<8x1xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<1x32xbf16>, vector<1x32xbf16>
// CHECK: arith.extf %{{.*}} : vector<1x32xbf16> to vector<1x32xf32>
// CHECK-COUNT-8: vector.fma {{.*}} : vector<32xf32>
func.func @bf16_into_f32(%a: tensor<8x512xbf16>, %b: tensor<512x512xbf16>,
                         %c: tensor<8x512xf32>) -> tensor<8x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x512xbf16>, tensor<512x512xbf16>)
                     outs(%c : tensor<8x512xf32>) -> tensor<8x512xf32>
  return %0 : tensor<8x512xf32>
}

// -----

// With int8-dot-products (AVX-512 VNNI), an int8 matmul summed in i32 reads
// its left operand plus 128 (sign bits flipped) and unsigned, subtracts
// 128 * the right operand's column sums from its initial value, and packs
// the right operand in fours of K: the register block stays a contraction
// of fours for mithril-lower-int8-dot-products.
// CHECK-LABEL: func.func @int8_dot_products
// CHECK: arith.xori %{{.*}}, %{{.*}} : i8
// CHECK: arith.shli
// CHECK: arith.subi
// CHECK: linalg.transpose ins(%{{.*}} : tensor<64x4x16x32xi8>) outs(%{{.*}} : tensor<16x64x32x4xi8>) permutation = [2, 0, 3, 1]
// CHECK: %[[L:.*]] = arith.extui %{{.*}} : vector<8x4xi8> to vector<8x4xi32>
// CHECK: %[[R:.*]] = arith.extsi %{{.*}} : vector<32x4xi8> to vector<32x4xi32>
// CHECK: vector.contract {{.*}} %[[L]], %[[R]], %{{.*}} : vector<8x4xi32>, vector<32x4xi32> into vector<8x32xi32>
// CHECK-NOT: arith.muli
func.func @int8_dot_products(%a: tensor<64x256xi8>, %b: tensor<256x512xi8>,
                             %c: tensor<64x512xi32>) -> tensor<64x512xi32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x256xi8>, tensor<256x512xi8>)
                     outs(%c : tensor<64x512xi32>) -> tensor<64x512xi32>
  return %0 : tensor<64x512xi32>
}

// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256 parallel=true}))" | FileCheck %s --check-prefix=FORALL
// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256 parallel=true}),one-shot-bufferize{bufferize-function-boundaries},func.func(scf-forall-to-parallel),convert-scf-to-openmp)" | FileCheck %s --check-prefix=OMP

// With `parallel`, the row and column cache blocks of a matmul are the
// iterations of one scf.forall (2 x 2 here); the K blocks stay a sequential
// loop inside each, then the register blocks.
// FORALL-LABEL: func.func @matmul
// (The right operand is read packed, in panels of 32 columns: 256 columns
// are 8 panels.)
// FORALL: scf.forall ({{.*}}, {{.*}}) = (0, 0) to (128, 16) step (64, 8)
// FORALL: scf.for {{.*}} iter_args
// FORALL: scf.for
// FORALL: scf.for
// FORALL: scf.for
// FORALL-COUNT-8: vector.fma {{.*}} : vector<32xf32>
// FORALL: scf.forall.in_parallel
// After bufferisation, they become an OpenMP worksharing loop over both
// dims, in one parallel region.
// OMP-LABEL: func.func @matmul
// OMP: omp.parallel
// OMP: omp.wsloop
// OMP: omp.loop_nest ({{.*}}, {{.*}}) : index = ({{.*}}) to ({{.*}}) step ({{.*}})
// OMP: vector.fma
func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>,
                  %c: tensor<128x512xf32>) -> tensor<128x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<128x512xf32>, tensor<512x512xf32>)
                     outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %0 : tensor<128x512xf32>
}

// -----

// A batch matmul (attention's scores): the batch is a parallel dim too.
// FORALL-LABEL: func.func @batch_matmul
// FORALL: scf.forall ({{.*}}, {{.*}}) = (0, 0) to (12, 512) step (1, 256)
func.func @batch_matmul(%a: tensor<12x64x64xf32>, %b: tensor<12x64x512xf32>,
                        %c: tensor<12x64x512xf32>) -> tensor<12x64x512xf32> {
  %0 = linalg.batch_matmul ins(%a, %b : tensor<12x64x64xf32>, tensor<12x64x512xf32>)
                           outs(%c : tensor<12x64x512xf32>) -> tensor<12x64x512xf32>
  return %0 : tensor<12x64x512xf32>
}

// -----

// An elementwise op that only reads the matmul's result (a scale and ReLU)
// is its epilogue: applied to each cache block in place, after the block's
// last step of K, before the block is written back. Its other operands are
// sliced to the block (the scale's 8 panels x 32 columns).
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
// FORALL-LABEL: func.func @epilogue
// FORALL: scf.forall ({{.*}}, %[[PANEL:.*]]) = (0, 0) to (128, 16) step (64, 8)
// FORALL: %[[BLOCK:.*]] = scf.for
// FORALL: vector.fma
// FORALL: %[[FLAT:.*]] = tensor.collapse_shape %[[BLOCK]] {{\[}}[0], [1, 2]] : tensor<64x8x32xf32> into tensor<64x256xf32>
// FORALL: %[[SCALE:.*]] = tensor.extract_slice %arg3[%{{.*}}] [256] [1]
// FORALL: %[[APPLIED:.*]] = linalg.generic {{.*}} ins(%[[FLAT]], %[[SCALE]] : tensor<64x256xf32>, tensor<256xf32>) outs(%[[FLAT]] : tensor<64x256xf32>)
// FORALL: arith.maximumf
// FORALL: %[[BACK:.*]] = tensor.expand_shape %[[APPLIED]]
// FORALL: scf.forall.in_parallel
// FORALL: tensor.parallel_insert_slice %[[BACK]]
// FORALL: %[[RESULT:.*]] = tensor.collapse_shape
// FORALL-NOT: linalg.generic
// FORALL: return %[[RESULT]]
func.func @epilogue(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>,
                    %c: tensor<128x512xf32>, %scale: tensor<512xf32>) -> tensor<128x512xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<128x512xf32>, tensor<512x512xf32>)
                     outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  %e = tensor.empty() : tensor<128x512xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r, %scale : tensor<128x512xf32>, tensor<512xf32>) outs(%e : tensor<128x512xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %zero = arith.constant 0.0 : f32
    %m = arith.mulf %v, %s : f32
    %relu = arith.maximumf %m, %zero : f32
    linalg.yield %relu : f32
  } -> tensor<128x512xf32>
  return %y : tensor<128x512xf32>
}

// -----

// The matmul of a Linear layer on [N, T, C] folds N and T; its activation,
// on the expanded result, is folded the same way and then fused.
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// FORALL-LABEL: func.func @epilogue_through_reshape
// FORALL: scf.forall
// FORALL: math.tanh
// FORALL: scf.forall.in_parallel
// FORALL-NOT: math.tanh
// FORALL: tensor.expand_shape {{.*}} : tensor<128x512xf32> into tensor<1x128x512xf32>
func.func @epilogue_through_reshape(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>,
                                    %c: tensor<128x512xf32>) -> tensor<1x128x512xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<128x512xf32>, tensor<512x512xf32>)
                     outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  %x = tensor.expand_shape %r [[0, 1], [2]] output_shape [1, 128, 512] : tensor<128x512xf32> into tensor<1x128x512xf32>
  %e = tensor.empty() : tensor<1x128x512xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x128x512xf32>) outs(%e : tensor<1x128x512xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  } -> tensor<1x128x512xf32>
  return %y : tensor<1x128x512xf32>
}

// -----

// An op that accumulates into its init, or a second user of the result,
// is no epilogue: the result is written back, then read by it.
#id = affine_map<(d0, d1) -> (d0, d1)>
// FORALL-LABEL: func.func @no_epilogue
// FORALL: scf.forall
// FORALL-NOT: arith.addf
// FORALL: scf.forall.in_parallel
// FORALL: linalg.generic
// FORALL: arith.addf
func.func @no_epilogue(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>,
                       %c: tensor<128x512xf32>, %acc: tensor<128x512xf32>) -> tensor<128x512xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<128x512xf32>, tensor<512x512xf32>)
                     outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<128x512xf32>) outs(%acc : tensor<128x512xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<128x512xf32>
  return %y : tensor<128x512xf32>
}

// -----

// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-elementwise{lanes=16 parallel=true}))" | FileCheck %s --check-prefix=ELEMENTWISE

// A large elementwise op gets a parallel loop of row tiles; one inside a
// parallel loop already (a copy inside a matmul's block) stays sequential:
// a nested parallel region would run serialised, at a cost.
// ELEMENTWISE-LABEL: func.func @outer_and_nested
// ELEMENTWISE: scf.parallel
// ELEMENTWISE: math.exp {{.*}} : vector<1x16xf32>
// ELEMENTWISE: scf.parallel
// ELEMENTWISE-NOT: scf.parallel
// ELEMENTWISE: scf.for
// ELEMENTWISE: math.exp {{.*}} : vector<1x16xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @outer_and_nested(%x: memref<?x?xf32>, %y: memref<?x?xf32>, %n: index) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x?xf32>) outs(%y : memref<?x?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  }
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %row = memref.subview %x[%i, 0] [1, %n] [1, 1] : memref<?x?xf32> to memref<1x?xf32, strided<[?, 1], offset: ?>>
    %out = memref.subview %y[%i, 0] [1, %n] [1, 1] : memref<?x?xf32> to memref<1x?xf32, strided<[?, 1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%row : memref<1x?xf32, strided<[?, 1], offset: ?>>)
        outs(%out : memref<1x?xf32, strided<[?, 1], offset: ?>>) {
    ^bb0(%v: f32, %o: f32):
      %e = math.exp %v : f32
      linalg.yield %e : f32
    }
    scf.reduce
  }
  return
}

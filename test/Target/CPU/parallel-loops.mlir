// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256 parallel=true}))" | FileCheck %s --check-prefix=FORALL
// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-contractions{register-tile=8,32 cache-tile=64,256,256 parallel=true}),one-shot-bufferize{bufferize-function-boundaries},func.func(scf-forall-to-parallel),convert-scf-to-openmp)" | FileCheck %s --check-prefix=OMP

// With `parallel`, the row and column cache blocks of a matmul are the
// iterations of one scf.forall (2 x 2 here); the K blocks stay a sequential
// loop inside each, then the register blocks.
// FORALL-LABEL: func.func @matmul
// FORALL: scf.forall ({{.*}}, {{.*}}) = (0, 0) to (128, 512) step (64, 256)
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

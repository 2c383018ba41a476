// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-elementwise{lanes=16}))" | FileCheck %s

// A bias add and ReLU on [N, 64]: one row and 16 columns at a time, the
// bias read along the same dim; the dynamic rows need no mask.
#id = affine_map<(i, j) -> (i, j)>
#bias = affine_map<(i, j) -> (j)>
// CHECK-LABEL: func.func @bias_relu
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<1x16xf32>, vector<1x16xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<16xf32>, vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<1x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x16xf32>
// CHECK-NOT: linalg.generic
func.func @bias_relu(%x: tensor<?x64xf32>, %b: tensor<64xf32>,
                     %y: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %zero = arith.constant 0.0 : f32
  %0 = linalg.generic {indexing_maps = [#id, #bias, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<?x64xf32>, tensor<64xf32>) outs(%y : tensor<?x64xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

// A static innermost dim narrower than a vector is taken whole.
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @narrow
// CHECK: math.exp {{.*}} : vector<1x10xf32>
func.func @narrow(%x: tensor<8x10xf32>, %y: tensor<8x10xf32>) -> tensor<8x10xf32> {
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x10xf32>) outs(%y : tensor<8x10xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  } -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

// Left alone: a transpose-like read (the input does not follow the
// innermost loop), a reduction, and bools.
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
#row = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: vector.
func.func @left_alone(%x: tensor<16x16xf32>, %y: tensor<16x16xf32>, %r: tensor<16xf32>,
                      %c: tensor<16x16xi1>) -> (tensor<16x16xf32>, tensor<16xf32>, tensor<16x16xi1>) {
  %0 = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x16xf32>) outs(%y : tensor<16x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<16x16xf32>
  %1 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<16x16xf32>) outs(%r : tensor<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x16xf32>) outs(%c : tensor<16x16xi1>) {
  ^bb0(%v: f32, %o: i1):
    %zero = arith.constant 0.0 : f32
    %g = arith.cmpf ogt, %v, %zero : f32
    linalg.yield %g : i1
  } -> tensor<16x16xi1>
  return %0, %1, %2 : tensor<16x16xf32>, tensor<16xf32>, tensor<16x16xi1>
}

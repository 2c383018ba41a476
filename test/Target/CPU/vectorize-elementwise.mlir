// RUN: mlc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(mithril-vectorize-elementwise{lanes=16}))" | FileCheck %s

// A bias add and ReLU on [N, 64] buffers: one row and 16 columns at a time,
// the bias read along the same dim.
#id = affine_map<(i, j) -> (i, j)>
#bias = affine_map<(i, j) -> (j)>
// CHECK-LABEL: func.func @bias_relu
// CHECK: scf.for
// CHECK: scf.for
// CHECK-DAG: vector.transfer_read {{.*}} : memref<1x16xf32, strided<[64, 1], offset: ?>>, vector<1x16xf32>
// CHECK-DAG: vector.transfer_read {{.*}} : memref<16xf32, strided<[1], offset: ?>>, vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<1x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x16xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.generic
func.func @bias_relu(%x: memref<?x64xf32>, %b: memref<64xf32>, %y: memref<?x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id, #bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<?x64xf32>, memref<64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A static innermost dim narrower than a vector is taken whole.
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @narrow
// CHECK: math.exp {{.*}} : vector<1x10xf32>
func.func @narrow(%x: memref<8x10xf32>, %y: memref<8x10xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x10xf32>) outs(%y : memref<8x10xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// Left alone: a transpose-like read (the input does not follow the
// innermost loop), a reduction along an outer dim, bools, and ops on
// tensors (vectorised after bufferisation only).
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
#row = affine_map<(i, j) -> (i)>
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.
func.func @left_alone(%x: memref<16x16xf32>, %y: memref<16x16xf32>, %r: memref<16xf32>,
                      %c: memref<16x16xi1>, %tx: tensor<16x16xf32>) -> tensor<16x16xf32> {
  linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  linalg.generic {indexing_maps = [#t, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x16xf32>) outs(%r : memref<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x16xf32>) outs(%c : memref<16x16xi1>) {
  ^bb0(%v: f32, %o: i1):
    %zero = arith.constant 0.0 : f32
    %g = arith.cmpf ogt, %v, %zero : f32
    linalg.yield %g : i1
  }
  %e = tensor.empty() : tensor<16x16xf32>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%tx : tensor<16x16xf32>) outs(%e : tensor<16x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<16x16xf32>
  return %t : tensor<16x16xf32>
}

// -----

// A transpose of the last two dims is vectorised on 16 x 16 tiles (one
// matrix of the batch at a time), masked where a tile is partial: a
// transposed read and a contiguous write of each tile.
// CHECK-LABEL: func.func @transpose_last_two
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c16
// CHECK: scf.for {{.*}} step %c16
// CHECK: vector.transfer_read {{.*}} : memref<1x?x?xf32, {{.*}}>, vector<1x16x16xf32>
// CHECK: vector.transpose
// CHECK: vector.transfer_write {{.*}} : vector<1x16x16xf32>
// CHECK-NOT: linalg.transpose
func.func @transpose_last_two(%x: memref<4x40x24xf32>, %y: memref<4x24x40xf32>) {
  linalg.transpose ins(%x : memref<4x40x24xf32>) outs(%y : memref<4x24x40xf32>)
                   permutation = [0, 2, 1]
  return
}

// -----

// A transpose that keeps the innermost dim (attention's heads) is an
// elementwise copy along it.
// CHECK-LABEL: func.func @transpose_heads
// CHECK: vector.transfer_read {{.*}} vector<1x1x1x16xf32>
// CHECK-NOT: linalg.transpose
func.func @transpose_heads(%x: memref<2x8x4x64xf32>, %y: memref<2x4x8x64xf32>) {
  linalg.transpose ins(%x : memref<2x8x4x64xf32>) outs(%y : memref<2x4x8x64xf32>)
                   permutation = [0, 2, 1, 3]
  return
}

// -----

// A strided memref.copy (bufferisation's copy into a padded buffer) becomes
// a vectorised linalg.copy; a copy between contiguous buffers stays (it is
// a memcpy).
// CHECK-LABEL: func.func @copies
// CHECK: vector.transfer_read {{.*}} vector<1x16xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.copy
// CHECK: memref.copy %arg0, %arg2 : memref<8x30xf32> to memref<8x30xf32>
func.func @copies(%x: memref<8x30xf32>, %padded: memref<10x32xf32>, %y: memref<8x30xf32>) {
  %inner = memref.subview %padded[1, 1] [8, 30] [1, 1] : memref<10x32xf32> to memref<8x30xf32, strided<[32, 1], offset: 33>>
  memref.copy %x, %inner : memref<8x30xf32> to memref<8x30xf32, strided<[32, 1], offset: 33>>
  memref.copy %x, %y : memref<8x30xf32> to memref<8x30xf32>
  return
}

// -----

// A reduction along the innermost dim (softmax's row sums, with the kept
// dim of its [N, T, 1] result) is vectorised one row at a time, in chunks
// of 8 vectors (128 floats: a row of 768 as one vector would not fit in
// registers); LLVM may reassociate each chunk's sum (a tree of vector adds).
#in = affine_map<(i, j, k) -> (i, j, k)>
#kept = affine_map<(i, j, k) -> (i, j, 0)>
// CHECK-LABEL: func.func @row_sums
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %[[C128]]
// CHECK: vector.transfer_read {{.*}} vector<1x1x128xf32>
// CHECK: math.exp {{.*}} : vector<1x1x128xf32>
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<128xf32> into f32
// CHECK-NOT: linalg.generic
func.func @row_sums(%x: memref<2x4x768xf32>, %sums: memref<2x4x1xf32>) {
  linalg.generic {indexing_maps = [#in, #kept], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<2x4x768xf32>) outs(%sums : memref<2x4x1xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %e = math.exp %v : f32
    %s = arith.addf %acc, %e : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// LayerNorm's normalisation reads its per-row statistics through a kept
// unit dim ([N, T, 1]), and a causal mask compares loop indices: both are
// elementwise, 16 columns at a time.
#in = affine_map<(i, j, k) -> (i, j, k)>
#kept = affine_map<(i, j, k) -> (i, j, 0)>
// CHECK-LABEL: func.func @kept_dims_and_indices
// CHECK: vector.transfer_read {{.*}} vector<1x1x16xf32>
// CHECK: arith.subf {{.*}} : vector<1x1x16xf32>
// CHECK: arith.cmpi ugt, {{.*}} : vector<1x1x16xindex>
// CHECK: arith.select {{.*}} : vector<1x1x16xi1>, vector<1x1x16xf32>
// CHECK-NOT: linalg.generic
func.func @kept_dims_and_indices(%x: memref<2x4x64xf32>, %mean: memref<2x4x1xf32>,
                                 %y: memref<2x4x64xf32>) {
  %masked = arith.constant -1.0e+30 : f32
  linalg.generic {indexing_maps = [#in, #kept, #in], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %mean : memref<2x4x64xf32>, memref<2x4x1xf32>) outs(%y : memref<2x4x64xf32>) {
  ^bb0(%v: f32, %m: f32, %out: f32):
    %centred = arith.subf %v, %m : f32
    %row = linalg.index 1 : index
    %column = linalg.index 2 : index
    %future = arith.cmpi ugt, %column, %row : index
    %r = arith.select %future, %masked, %centred : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A `linalg.map` (how bufferisation fills a padded buffer) is vectorised
// like a generic.
// CHECK-LABEL: func.func @padding_fill
// CHECK: vector.transfer_write {{.*}} : vector<1x1x16xf32>
// CHECK-NOT: linalg.map
func.func @padding_fill(%buffer: memref<?x3x230xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.map outs(%buffer : memref<?x3x230xf32>)
    (%out: f32) {
      linalg.yield %zero : f32
    }
  return
}

// -----

// An im2col copy (cols [C, KH, KW, N, OH, OW] of a stride-2 window) is
// tiled to one output row of 16 at a time; inside a tile the window's
// offsets are in the tile's view of the input, read as a row with the
// stride: a strided view and a projected permutation, vectorised.
#window = affine_map<(c, kh, kw, n, oh, ow) -> (n, c, oh * 2 + kh, ow * 2 + kw)>
#cols = affine_map<(c, kh, kw, n, oh, ow) -> (c, kh, kw, n, oh, ow)>
// CHECK-LABEL: func.func @im2col
// CHECK-COUNT-5: scf.for
// CHECK: %[[ROW:.*]] = memref.subview %{{.*}}[0, 0, 0, 0] [1, 1, 1, 16] [1, 1, 1, 2]
// CHECK: vector.transfer_read %[[ROW]]{{.*}} : memref<1x1x1x16xf32, strided<[3267, 1089, 33, 2], offset: ?>>, vector<16xf32>
// CHECK: vector.transfer_write {{.*}} vector<1x1x1x1x1x16xf32>
// CHECK-NOT: linalg.generic
func.func @im2col(%x: memref<2x3x33x33xf32>, %cols: memref<3x3x3x2x16x16xf32>) {
  linalg.generic {indexing_maps = [#window, #cols],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<2x3x33x33xf32>) outs(%cols : memref<3x3x3x2x16x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  return
}

// -----

// BatchNorm's per-channel sums ([N, C, H, W] to [C]) have their channel
// loop moved outermost and H * W folded into one row, reduced in vectors.
#in = affine_map<(n, c, h, w) -> (n, c, h, w)>
#channel = affine_map<(n, c, h, w) -> (c)>
// CHECK-LABEL: func.func @channel_sums
// CHECK: memref.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : memref<8x4x16x16xf32> into memref<8x4x256xf32>
// CHECK: scf.for %[[C:.*]] =
// CHECK: scf.for %[[N:.*]] =
// CHECK: vector.transfer_read {{.*}} vector<1x1x128xf32>
// CHECK: vector.reduction <add>
// CHECK-NOT: linalg.generic
func.func @channel_sums(%x: memref<8x4x16x16xf32>, %sums: memref<4xf32>) {
  linalg.generic {indexing_maps = [#in, #channel],
                  iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : memref<8x4x16x16xf32>) outs(%sums : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A scalar bool (an optimizer's first-step flag) is loaded once and
// broadcast: the select is vectorised.
#flag = affine_map<(i, j) -> ()>
#id = affine_map<(i, j) -> (i, j)>
// CHECK-LABEL: func.func @scalar_bool
// CHECK: vector.broadcast {{.*}} : vector<i1> to vector<1x16xi1>
// CHECK: arith.select {{.*}} : vector<1x16xi1>, vector<1x16xf32>
// CHECK-NOT: linalg.generic
func.func @scalar_bool(%first: memref<i1>, %g: memref<4x64xf32>, %buf: memref<4x64xf32>,
                       %out: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [#flag, #id, #id, #id],
                  iterator_types = ["parallel", "parallel"]}
      ins(%first, %g, %buf : memref<i1>, memref<4x64xf32>, memref<4x64xf32>)
      outs(%out : memref<4x64xf32>) {
  ^bb0(%f: i1, %gv: f32, %bv: f32, %o: f32):
    %m = arith.constant 0.9 : f32
    %s = arith.mulf %bv, %m : f32
    %a = arith.addf %s, %gv : f32
    %r = arith.select %f, %gv, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// An im2col of 1 x 1 outputs has rows of one element: left to loops.
#window = affine_map<(c, kh, kw, n, oh, ow) -> (n, c, oh + kh, ow + kw)>
#cols = affine_map<(c, kh, kw, n, oh, ow) -> (c, kh, kw, n, oh, ow)>
// CHECK-LABEL: func.func @im2col_of_points
// CHECK: linalg.generic
// CHECK-NOT: vector.
func.func @im2col_of_points(%x: memref<2x8x3x3xf32>, %cols: memref<8x3x3x2x1x1xf32>) {
  linalg.generic {indexing_maps = [#window, #cols],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<2x8x3x3xf32>) outs(%cols : memref<8x3x3x2x1x1xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  return
}

// -----

// A stride-2 pooling reads rows of every other column. Its 56 output
// columns are tiled as 4 x 14, not 3 x 16 and a masked 8: a masked
// strided read would become a branch per lane.
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
// CHECK-LABEL: func.func @strided_rows
// CHECK: vector.transfer_read {{.*}} vector<1x1x1x14xf32>
// CHECK-NOT: vector.create_mask
// CHECK: arith.maximumf {{.*}} : vector<1x1x1x14xf32>
func.func @strided_rows(%x: memref<2x4x8x112xf32>, %y: memref<2x4x8x56xf32>) {
  %even = memref.subview %x[0, 0, 0, 0] [2, 4, 8, 56] [1, 1, 1, 2] : memref<2x4x8x112xf32> to memref<2x4x8x56xf32, strided<[3584, 896, 112, 2]>>
  %odd = memref.subview %x[0, 0, 0, 1] [2, 4, 8, 56] [1, 1, 1, 2] : memref<2x4x8x112xf32> to memref<2x4x8x56xf32, strided<[3584, 896, 112, 2], offset: 1>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%even, %odd : memref<2x4x8x56xf32, strided<[3584, 896, 112, 2]>>, memref<2x4x8x56xf32, strided<[3584, 896, 112, 2], offset: 1>>)
      outs(%y : memref<2x4x8x56xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.maximumf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

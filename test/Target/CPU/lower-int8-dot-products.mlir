// RUN: mlc-opt %s --mithril-lower-int8-dot-products | FileCheck %s

// A register block of fours of K (2 rows, 32 columns): per row, its four
// bytes broadcast as one i32, and per 16 columns one vpdpbusd against the
// columns' fours, read from the panel as one contiguous vector.
// CHECK-LABEL: func.func @block
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1]] : memref<32x4xi8, strided<[4, 1], offset: ?>> into memref<128xi8, strided<[1], offset: ?>>
// CHECK: %[[RHS:.*]] = vector.transfer_read %[[FLAT]]{{.*}} : memref<128xi8, strided<[1], offset: ?>>, vector<128xi8>
// CHECK: %[[LOW:.*]] = vector.extract_strided_slice %[[RHS]] {offsets = [0], sizes = [64], strides = [1]}
// CHECK: %[[HIGH:.*]] = vector.extract_strided_slice %[[RHS]] {offsets = [64], sizes = [64], strides = [1]}
// CHECK: %[[ROWS:.*]] = vector.bitcast %{{.*}} : vector<2x4xi8> to vector<2x1xi32>
// CHECK: %[[FOUR:.*]] = vector.extract %[[ROWS]][0, 0]
// CHECK: %[[B:.*]] = vector.broadcast %[[FOUR]] : i32 to vector<16xi32>
// CHECK: %[[A:.*]] = vector.bitcast %[[B]] : vector<16xi32> to vector<64xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[A]], %[[LOW]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[A]], %[[HIGH]])
// CHECK-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK-NOT: vector.contract
#lhs = affine_map<(m, j, t) -> (m, t)>
#rhs = affine_map<(m, j, t) -> (j, t)>
#acc = affine_map<(m, j, t) -> (m, j)>
func.func @block(%left: memref<2x4xi8>, %panel: memref<32x4xi8, strided<[4, 1], offset: ?>>,
                 %acc: vector<2x32xi32>) -> vector<2x32xi32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0 : i8
  %l = vector.transfer_read %left[%c0, %c0], %pad {in_bounds = [true, true]} : memref<2x4xi8>, vector<2x4xi8>
  %r = vector.transfer_read %panel[%c0, %c0], %pad {in_bounds = [true, true]} : memref<32x4xi8, strided<[4, 1], offset: ?>>, vector<32x4xi8>
  %lw = arith.extui %l : vector<2x4xi8> to vector<2x4xi32>
  %rw = arith.extsi %r : vector<32x4xi8> to vector<32x4xi32>
  %0 = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %lw, %rw, %acc : vector<2x4xi32>, vector<32x4xi32> into vector<2x32xi32>
  return %0 : vector<2x32xi32>
}

// Signed left bytes are no vpdpbusd operand: left alone.
// CHECK-LABEL: func.func @signed
// CHECK: vector.contract
// CHECK-NOT: llvm.call_intrinsic
func.func @signed(%l: vector<2x4xi8>, %r: vector<32x4xi8>, %acc: vector<2x32xi32>) -> vector<2x32xi32> {
  %lw = arith.extsi %l : vector<2x4xi8> to vector<2x4xi32>
  %rw = arith.extsi %r : vector<32x4xi8> to vector<32x4xi32>
  %0 = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %lw, %rw, %acc : vector<2x4xi32>, vector<32x4xi32> into vector<2x32xi32>
  return %0 : vector<2x32xi32>
}

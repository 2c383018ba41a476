// RUN: mlc-opt %s --pass-pipeline="builtin.module(func.func(mithril-hoist-vector-transfers))" | FileCheck %s

// The accumulator read and written in every step of the loop becomes a
// loop-carried vector: one read before the loop, one write after.
// CHECK-LABEL: func.func @accumulate
// CHECK: vector.transfer_read %arg1
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: vector.transfer_write
// CHECK: scf.yield
// CHECK: vector.transfer_write {{.*}} %arg1
func.func @accumulate(%a: memref<64x16xf32>, %acc: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  scf.for %k = %c0 to %c64 step %c1 {
    %v = vector.transfer_read %a[%k, %c0], %pad {in_bounds = [true]} : memref<64x16xf32>, vector<16xf32>
    %s = vector.transfer_read %acc[%c0], %pad {in_bounds = [true]} : memref<16xf32>, vector<16xf32>
    %t = arith.addf %s, %v : vector<16xf32>
    vector.transfer_write %t, %acc[%c0] {in_bounds = [true]} : vector<16xf32>, memref<16xf32>
  }
  return
}

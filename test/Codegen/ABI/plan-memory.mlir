// RUN: mlc-opt %s --split-input-file --mithril-plan-memory | FileCheck %s

// A chain of five layers: each buffer lives from its allocation to the layer
// that reads it, so two places of 256 bytes serve all five (the naive sum
// is 1280 bytes). The output is planned too (the runtime copies it out);
// the deallocations go with the allocations.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: %[[ARENA:[a-z0-9]+]]: memref<?xi8>) -> memref<64xf32>
// CHECK-SAME: mithril.arena_buffer_bytes = 1280
// CHECK-SAME: mithril.arena_buffers = 5
// CHECK-SAME: mithril.arena_bytes = 512
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK-DAG: %[[OFF_A:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[OFF_B:.*]] = arith.constant 256 : index
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%[[OFF_A]]][]
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%[[OFF_B]]][]
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%[[OFF_A]]][]
// CHECK: %[[D:.*]] = memref.view %[[ARENA]][%[[OFF_B]]][]
// CHECK: %[[E:.*]] = memref.view %[[ARENA]][%[[OFF_A]]][]
// CHECK: return %[[E]]
func.func @chain(%x: memref<64xf32>) -> memref<64xf32> {
  %a = memref.alloc() : memref<64xf32>
  linalg.exp ins(%x : memref<64xf32>) outs(%a : memref<64xf32>)
  %b = memref.alloc() : memref<64xf32>
  linalg.exp ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
  memref.dealloc %a : memref<64xf32>
  %c = memref.alloc() : memref<64xf32>
  linalg.exp ins(%b : memref<64xf32>) outs(%c : memref<64xf32>)
  memref.dealloc %b : memref<64xf32>
  %d = memref.alloc() : memref<64xf32>
  linalg.exp ins(%c : memref<64xf32>) outs(%d : memref<64xf32>)
  memref.dealloc %c : memref<64xf32>
  %e = memref.alloc() : memref<64xf32>
  linalg.exp ins(%d : memref<64xf32>) outs(%e : memref<64xf32>)
  memref.dealloc %d : memref<64xf32>
  return %e : memref<64xf32>
}

// -----

// A buffer read through a view lives as long as the view is used: %a and
// %b overlap, and %c (live after %a's view is last read) takes %a's place,
// the smallest gap that fits (best fit), not the end.
// CHECK-LABEL: func.func @views
// CHECK-SAME: mithril.arena_buffer_bytes = 1792
// CHECK-SAME: mithril.arena_bytes = 1536
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: memref.view %{{.*}}[%[[C0]]][] : memref<?xi8> to memref<256xf32>
// CHECK: memref.view %{{.*}}[%[[C1024]]][] : memref<?xi8> to memref<128xf32>
// CHECK: memref.view %{{.*}}[%[[C0]]][] : memref<?xi8> to memref<64xf32>
func.func @views(%x: memref<256xf32>, %y: memref<64xf32>) {
  %a = memref.alloc() : memref<256xf32>
  linalg.exp ins(%x : memref<256xf32>) outs(%a : memref<256xf32>)
  %half = memref.subview %a[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  %b = memref.alloc() : memref<128xf32>
  linalg.exp ins(%half : memref<128xf32, strided<[1]>>) outs(%b : memref<128xf32>)
  %c = memref.alloc() : memref<64xf32>
  %bq = memref.subview %b[0] [64] [1] : memref<128xf32> to memref<64xf32, strided<[1]>>
  linalg.exp ins(%bq : memref<64xf32, strided<[1]>>) outs(%c : memref<64xf32>)
  linalg.exp ins(%c : memref<64xf32>) outs(%y : memref<64xf32>)
  memref.dealloc %a : memref<256xf32>
  memref.dealloc %b : memref<128xf32>
  memref.dealloc %c : memref<64xf32>
  return
}

// -----

// What stays with the allocator: dynamic dims, buffers passed to a call.
// Private functions are not entries: no arena.
// CHECK-LABEL: func.func @kept
// CHECK-SAME: mithril.arena_bytes = 0
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: memref.alloc() : memref<16xf32>
// CHECK: call @helper
// CHECK-LABEL: func.func private @helper(%{{.*}}: memref<16xf32>) {
// CHECK: memref.alloc() : memref<16xf32>
func.func @kept(%n: index) {
  %dynamic = memref.alloc(%n) : memref<?xf32>
  %passed = memref.alloc() : memref<16xf32>
  call @helper(%passed) : (memref<16xf32>) -> ()
  memref.dealloc %dynamic : memref<?xf32>
  memref.dealloc %passed : memref<16xf32>
  return
}
func.func private @helper(%buffer: memref<16xf32>) {
  %local = memref.alloc() : memref<16xf32>
  memref.copy %buffer, %local : memref<16xf32> to memref<16xf32>
  memref.dealloc %local : memref<16xf32>
  return
}

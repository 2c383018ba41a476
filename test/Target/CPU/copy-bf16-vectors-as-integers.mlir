// RUN: mlc-opt %s --mithril-copy-bf16-vectors-as-integers | FileCheck %s

// A copy of nine bf16 values (LLVM 22 cannot select it on AVX-512) moves
// i16 bits; accesses of other types are left.
// CHECK-LABEL: llvm.func @copy_row
// CHECK: %[[BITS:.*]] = llvm.load %arg0 {alignment = 2 : i64} : !llvm.ptr -> vector<9xi16>
// CHECK: %[[VALUES:.*]] = llvm.bitcast %[[BITS]] : vector<9xi16> to vector<9xbf16>
// CHECK: %[[BACK:.*]] = llvm.bitcast %[[VALUES]] : vector<9xbf16> to vector<9xi16>
// CHECK: llvm.store %[[BACK]], %arg1 {alignment = 2 : i64} : vector<9xi16>, !llvm.ptr
// CHECK: llvm.load %arg0 : !llvm.ptr -> vector<8xf32>
// CHECK: llvm.store %{{.*}}, %arg1 : vector<8xf32>, !llvm.ptr
llvm.func @copy_row(%from: !llvm.ptr, %to: !llvm.ptr) {
  %0 = llvm.load %from {alignment = 2 : i64} : !llvm.ptr -> vector<9xbf16>
  llvm.store %0, %to {alignment = 2 : i64} : vector<9xbf16>, !llvm.ptr
  %1 = llvm.load %from : !llvm.ptr -> vector<8xf32>
  llvm.store %1, %to : vector<8xf32>, !llvm.ptr
  llvm.return
}

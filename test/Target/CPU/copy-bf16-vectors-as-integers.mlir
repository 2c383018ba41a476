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

// A masked load of bf16 (without AVX-512 BF16, LLVM would move it through
// __truncsfbf2) loads i16 lanes, its pass-through bitcast too.
// CHECK-LABEL: llvm.func @masked_row
// CHECK: %[[PASS:.*]] = llvm.bitcast %arg2 : vector<4xbf16> to vector<4xi16>
// CHECK: %[[BITS:.*]] = llvm.intr.masked.load %arg0, %arg1, %[[PASS]] {alignment = 2 : i32} : (!llvm.ptr, vector<4xi1>, vector<4xi16>) -> vector<4xi16>
// CHECK: llvm.bitcast %[[BITS]] : vector<4xi16> to vector<4xbf16>
llvm.func @masked_row(%from: !llvm.ptr, %mask: vector<4xi1>, %pass: vector<4xbf16>) -> vector<4xbf16> {
  %0 = llvm.intr.masked.load %from, %mask, %pass {alignment = 2 : i32} : (!llvm.ptr, vector<4xi1>, vector<4xbf16>) -> vector<4xbf16>
  llvm.return %0 : vector<4xbf16>
}

// RUN: mlc-opt %s --mithril-expand-bf16-conversions | FileCheck %s

// f32 -> bf16 rounds to nearest even with integer ops, on scalars and
// vectors; bf16 -> f32 is a shift; other conversions are left.
// CHECK-LABEL: func.func @conversions
// CHECK-NOT: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK-NOT: arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK-DAG: arith.bitcast %{{.*}} : f32 to i32
// CHECK-DAG: arith.shrui %{{.*}} : vector<16xi32>
// CHECK-DAG: arith.shli %{{.*}} : vector<16xi32>
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @conversions(%x: f32, %v: vector<16xf32>, %w: vector<16xbf16>)
    -> (bf16, vector<16xbf16>, vector<16xf32>, f16) {
  %0 = arith.truncf %x : f32 to bf16
  %1 = arith.truncf %v : vector<16xf32> to vector<16xbf16>
  %2 = arith.extf %w : vector<16xbf16> to vector<16xf32>
  %3 = arith.truncf %x : f32 to f16
  return %0, %1, %2, %3 : bf16, vector<16xbf16>, vector<16xf32>, f16
}

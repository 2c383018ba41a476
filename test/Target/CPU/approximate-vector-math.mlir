// RUN: mlc-opt %s --mithril-approximate-vector-math | FileCheck %s

// tanh and exp of a vector become vector arithmetic (LLVM would call libm
// once per lane); the scalar exp keeps libm.
// CHECK-LABEL: func.func @gelu_parts
// CHECK-NOT: math.tanh
// CHECK-NOT: math.exp {{.*}} : vector
// CHECK: math.exp %{{.*}} : f32
// CHECK: return
func.func @gelu_parts(%v: vector<16xf32>, %s: f32) -> (vector<16xf32>, vector<16xf32>, f32) {
  %t = math.tanh %v : vector<16xf32>
  %e = math.exp %v : vector<16xf32>
  %x = math.exp %s : f32
  return %t, %e, %x : vector<16xf32>, vector<16xf32>, f32
}

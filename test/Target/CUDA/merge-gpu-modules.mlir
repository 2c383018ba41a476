// RUN: mlc-opt %s --mithril-merge-gpu-modules | FileCheck %s

// Outlined kernels, one module each and all named after their function,
// become one module; each kernel takes its old module's name.
// CHECK-LABEL: func.func @net
// CHECK: gpu.launch_func  @net_kernels::@net_kernel blocks
// CHECK: gpu.launch_func  @net_kernels::@net_kernel_0 blocks
// CHECK: gpu.module @net_kernels {
// CHECK-NEXT: gpu.func @net_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @net_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @net(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @net_kernel::@net_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @net_kernel_0::@net_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
  gpu.module @net_kernel {
    gpu.func @net_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @net_kernel_0 {
    gpu.func @net_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

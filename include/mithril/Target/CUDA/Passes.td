//===- Passes.td - Code generation for NVIDIA GPUs ------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The CUDA target's own passes (docs/cuda.md).
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CUDA_PASSES_TD
#define MITHRIL_TARGET_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def MergeGPUModules : Pass<"mithril-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Put every kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` gives each kernel a `gpu.module` of its own
    (named uniquely, the kernel after its function); a library ships one
    PTX module (one `.version`, one module load). This renames each kernel
    after its module, moves every kernel into the first module, renamed
    `<function>_kernels`, and points each `gpu.launch_func` there.

    ```mlir
    gpu.module @mlp_kernel { gpu.func @mlp_kernel(...) kernel {...} }
    gpu.module @mlp_kernel_0 { gpu.func @mlp_kernel(...) kernel {...} }
    gpu.launch_func @mlp_kernel_0::@mlp_kernel ...
    ```

    becomes

    ```mlir
    gpu.module @mlp_kernels { gpu.func @mlp_kernel(...) kernel {...}
                              gpu.func @mlp_kernel_0(...) kernel {...} }
    gpu.launch_func @mlp_kernels::@mlp_kernel_0 ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // MITHRIL_TARGET_CUDA_PASSES_TD

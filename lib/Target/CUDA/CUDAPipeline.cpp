//===- CUDAPipeline.cpp - The passes of the CUDA target's phases ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CUDA/CUDATarget.h"
#include "mithril/Target/CUDA/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::mithril;

/// Where the CUDA toolkit is: its libdevice links the kernels' math
/// (`__nv_expf`); without it the PTX keeps unresolved externs.
static constexpr llvm::StringLiteral kToolkit = "/usr/local/cuda";

/// Buffers across function boundaries (plain layouts at the boundary, as a
/// caller passes them), then every linalg op as parallel loops, tiled into
/// blocks of 32 x 8 threads (constant inner bounds, guarded, which the
/// mapping needs) and mapped to `gpu.launch`: outer loops onto blocks,
/// inner ones onto threads, reductions as loops inside a thread. Naive
/// kernels, correct for every op; the contractions' tiling comes next
/// (docs/cuda.md).
void mlir::mithril::addCUDABufferizePhase(OpPassManager &pm,
                                          const CUDAMachine &,
                                          const PipelineOptions &) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Self-copies left by bufferisation would stay in kernels, unlowerable.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({32, 8}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
}

/// Each `gpu.launch` outlined into a kernel, all kernels in one module.
void mlir::mithril::addCUDAGPUPhase(OpPassManager &pm, const CUDAMachine &,
                                    const PipelineOptions &) {
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createMergeGPUModules());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// The kernels to NVVM for the machine's architecture, then to PTX. The
/// PTX version is the one sm_80 and sm_90 need (upstream's default, 6.0,
/// is refused for them).
void mlir::mithril::addCUDALLVMPhase(OpPassManager &pm,
                                     const CUDAMachine &machine,
                                     const PipelineOptions &) {
  GpuNVVMAttachTargetOptions target;
  target.chip = machine.chip;
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = kToolkit.str();
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

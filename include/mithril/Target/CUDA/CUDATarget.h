//===- CUDATarget.h - NVIDIA GPUs through NVVM and PTX ----------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `--target=cuda[:sm_80|sm_90]` (docs/cuda.md): kernels from the linalg IR
// through upstream's GPU mapping, outlining, NVVM and the CUDA toolkit's
// PTX back end.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CUDA_CUDATARGET_H
#define MITHRIL_TARGET_CUDA_CUDATARGET_H

#include "mithril/Target/Target.h"

namespace mlir::mithril {

/// A GPU to compile for: its architecture (`sm_80`).
struct CUDAMachine {
  std::string chip = "sm_80";
};

/// The GPU `--target=NAME` names: `cuda` (sm_80), `cuda:sm_80` or
/// `cuda:sm_90`; none for any other name.
std::optional<CUDAMachine> parseCUDAMachine(llvm::StringRef name);

/// The passes of the CUDA target's own phases: buffers, loops tiled onto
/// blocks and threads and mapped to `gpu.launch` (`bufferize`); kernels
/// outlined into one `gpu.module` (`gpu`); kernels to NVVM and PTX
/// (`llvm`).
void addCUDABufferizePhase(OpPassManager &pm, const CUDAMachine &machine,
                           const PipelineOptions &options);
void addCUDAGPUPhase(OpPassManager &pm, const CUDAMachine &machine,
                     const PipelineOptions &options);
void addCUDALLVMPhase(OpPassManager &pm, const CUDAMachine &machine,
                      const PipelineOptions &options);

/// Registers the CUDA target family and its pipelines.
void registerCUDATarget();

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_CUDA_CUDATARGET_H

//===- Passes.h - Code generation for NVIDIA GPUs ---------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CUDA_PASSES_H
#define MITHRIL_TARGET_CUDA_PASSES_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mithril {

#define GEN_PASS_DECL
#include "mithril/Target/CUDA/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mithril/Target/CUDA/Passes.h.inc"

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_CUDA_PASSES_H

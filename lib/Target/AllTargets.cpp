//===- AllTargets.cpp - Every target Mithril has --------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/AllTargets.h"

#include "mithril/Target/CPU/CPUTarget.h"
#include "mithril/Target/CUDA/CUDATarget.h"

#include <mutex>

void mlir::mithril::registerAllTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerCommonPipelines();
    registerCPUTarget();
    registerCUDATarget();
  });
}

//===- Passes.h - Passes on the mithril dialect ----------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TRANSFORMS_PASSES_H
#define MITHRIL_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::mithril {

#define GEN_PASS_DECL
#include "mithril/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mithril/Transforms/Passes.h.inc"

} // namespace mlir::mithril

#endif // MITHRIL_TRANSFORMS_PASSES_H

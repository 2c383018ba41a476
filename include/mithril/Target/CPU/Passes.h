//===- Passes.h - Code generation for CPUs ----------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CPU_PASSES_H
#define MITHRIL_TARGET_CPU_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mithril {

#define GEN_PASS_DECL
#include "mithril/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mithril/Target/CPU/Passes.h.inc"

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_CPU_PASSES_H

//===- Passes.h - Target-independent code generation passes -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_PASSES_H
#define MITHRIL_CODEGEN_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mithril {

#define GEN_PASS_DECL
#include "mithril/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mithril/Codegen/Passes.h.inc"

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_PASSES_H

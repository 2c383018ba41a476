//===- WeightsChecker.h - Match parameters with a weights file --*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_WEIGHTSCHECKER_H
#define MITHRIL_LIB_FRONTEND_WEIGHTSCHECKER_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mithril {

/// Checks the parameters of the top model of `module` against the
/// safetensors file at `path`: each parameter must have a tensor of its
/// name, shape and dtype, and each tensor must name a parameter. Reports
/// each problem (a parameter's at the parameter, the file's at `fileLoc`)
/// and returns how many there were.
unsigned checkModelWeights(ModuleOp module, StringRef path, Location fileLoc);

} // namespace mlir::mithril

#endif // MITHRIL_LIB_FRONTEND_WEIGHTSCHECKER_H

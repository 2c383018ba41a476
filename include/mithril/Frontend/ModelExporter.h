//===- ModelExporter.h - The mithril dialect to model files -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_MODELEXPORTER_H
#define MITHRIL_FRONTEND_MODELEXPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::mithril {

/// Writes `module` as a model file (model-format.md): the top model is the
/// graph, every other model a block. Every node is written with its name,
/// so that importing the file gives `module` back (up to locations). Fails,
/// with a diagnostic at the op, on IR a model file cannot express.
LogicalResult exportModelFile(ModuleOp module, llvm::raw_ostream &os);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_MODELEXPORTER_H

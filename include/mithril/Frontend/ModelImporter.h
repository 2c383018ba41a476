//===- ModelImporter.h - Model files to the mithril dialect -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The importer of model files (model-format.md): JSON in, a module of
// `mithril.model`s out, one to one, with every op located at its JSON path.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_MODELIMPORTER_H
#define MITHRIL_FRONTEND_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::mithril {

/// Where a model's parameter values come from.
struct ModelImportOptions {
  /// A safetensors file that overrides the model file's `weights`.
  std::string weightsPath;
  /// PyTorch's default initialisers instead of weights (`--init=random`).
  bool randomInit = false;
  /// The seed of the random initialisers (`--seed`).
  uint64_t seed = 0;
};

/// Imports the model file in the main buffer of `sourceMgr`. Each problem is
/// reported as one diagnostic at the file and JSON path of the offending
/// value; returns null if there was any.
///
/// The top graph becomes the first `mithril.model` of the module, named by
/// the file's `name`; each block becomes a model of its own, imported once
/// for each distinct list of input types it is used with. When weights are
/// given (the file's `weights`, or `options.weightsPath`), every parameter
/// is matched against them by name, shape and dtype.
OwningOpRef<ModuleOp> importModelFile(llvm::SourceMgr &sourceMgr,
                                      MLIRContext *context,
                                      const ModelImportOptions &options = {});

/// Registers the dialects an imported module uses.
void registerImportedDialects(DialectRegistry &registry);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_MODELIMPORTER_H

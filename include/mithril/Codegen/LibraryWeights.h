//===- LibraryWeights.h - The weights a library carries ---------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The parameters of a library's entries as one safetensors image: read from
// the model's weights file (`mithril.weights`), or drawn by `--init=random`
// (`mithril.random_init`) with PyTorch's default initialisers. The image is
// embedded in the library or written beside it.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_LIBRARYWEIGHTS_H
#define MITHRIL_CODEGEN_LIBRARYWEIGHTS_H

#include "mithril/Frontend/RandomInit.h"
#include "mithril/Codegen/LibrarySignature.h"

#include "llvm/ADT/StringMap.h"

#include <string>

namespace mlir::mithril {

/// The initialiser of every parameter, by full name.
using InitRules = llvm::StringMap<InitRule>;

/// Whether the module says where parameter values come from.
bool hasWeightSource(ModuleOp module);

/// With `mithril.random_init`, the rule of each parameter of the top model,
/// read while the catalog ops that use them are still there (after
/// mithril-inline-blocks). Empty without `mithril.random_init`.
FailureOr<InitRules> collectInitRules(ModuleOp module);

/// The safetensors image of the parameters of `signature`, largest elements
/// first so that every tensor is naturally aligned. Fails, with a
/// diagnostic, if a value is missing or the file cannot be read.
FailureOr<std::string> buildWeightsImage(ModuleOp module,
                                         const LibrarySignature &signature,
                                         const InitRules &rules);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_LIBRARYWEIGHTS_H

//===- LibraryWeights.h - The weights a library carries ---------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The parameters of a library's entries as one safetensors image, read
// through a WeightSource, embedded in the library or written beside it.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_LIBRARYWEIGHTS_H
#define MITHRIL_CODEGEN_LIBRARYWEIGHTS_H

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Support/WeightSource.h"

#include <string>

namespace mlir::mithril {

/// The safetensors image of the parameters of `signature` (each once,
/// largest elements first so that every tensor is naturally aligned), read
/// from `source`. Fails, with a diagnostic at `loc`, if a value is missing
/// or there are parameters and no source.
FailureOr<std::string> buildWeightsImage(const LibrarySignature &signature,
                                         WeightSource *source, Location loc);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_LIBRARYWEIGHTS_H

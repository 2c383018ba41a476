//===- LibraryWeights.cpp - The weights a library carries -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryWeights.h"

#include "mithril/runtime/Safetensors.h"

#include "llvm/ADT/StringSet.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

/// The parameters of every entry, each once, largest elements first.
static std::vector<const rt::Port *>
distinctParameters(const LibrarySignature &signature) {
  std::vector<const rt::Port *> parameters;
  llvm::StringSet<> seen;
  for (const rt::Entry &entry : signature.entries)
    for (const rt::Port &parameter : entry.parameters)
      if (!parameter.initialValue && seen.insert(parameter.name).second)
        parameters.push_back(&parameter);
  std::stable_sort(parameters.begin(), parameters.end(),
                   [](const rt::Port *a, const rt::Port *b) {
                     return rt::dtypeSize(a->dtype) > rt::dtypeSize(b->dtype);
                   });
  return parameters;
}

FailureOr<std::string>
mlir::mithril::buildWeightsImage(const LibrarySignature &signature,
                                 WeightSource *source, Location loc) {
  std::vector<const rt::Port *> parameters = distinctParameters(signature);
  if (!parameters.empty() && !source)
    return emitError(loc) << "the model has parameters but no weights: "
                             "give --weights or --init=random";
  std::vector<rt::TensorToWrite> tensors;
  for (const rt::Port *parameter : parameters) {
    FailureOr<ArrayRef<uint8_t>> bytes = source->read(*parameter, loc);
    if (failed(bytes))
      return failure();
    tensors.push_back({parameter->name, parameter->dtype, parameter->shape,
                       bytes->data(), bytes->size()});
  }
  std::string image, error;
  if (!rt::serializeSafetensors(tensors, {{"format", "pt"}}, image, error))
    return emitError(loc) << "cannot build the weights: " << error;
  return image;
}

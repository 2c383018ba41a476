//===- LibraryWeights.cpp - The weights a library carries -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryWeights.h"

#include "mithril/runtime/Float16.h"
#include "mithril/runtime/Safetensors.h"

#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <list>

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

/// The value of `parameter` read from `source` in its model dtype and
/// converted, into `storage`, to the dtype the library stores it in.
static FailureOr<ArrayRef<uint8_t>>
readConverted(const rt::Port &parameter, WeightSource &source, Location loc,
              std::vector<uint8_t> &storage) {
  rt::Port asModel = parameter;
  asModel.dtype = *parameter.modelDtype;
  asModel.modelDtype.reset();
  FailureOr<ArrayRef<uint8_t>> bytes = source.read(asModel, loc);
  if (failed(bytes))
    return failure();
  size_t count = bytes->size() / rt::dtypeSize(asModel.dtype);
  storage.resize(count * rt::dtypeSize(parameter.dtype));
  if (!rt::convertFloats(asModel.dtype, bytes->data(), parameter.dtype,
                         storage.data(), count))
    return emitError(loc) << "cannot store parameter '" << parameter.name
                          << "' as " << rt::modelDTypeName(parameter.dtype)
                          << ": its model dtype is "
                          << rt::modelDTypeName(asModel.dtype);
  return ArrayRef<uint8_t>(storage);
}

FailureOr<std::string>
mlir::mithril::buildWeightsImage(const LibrarySignature &signature,
                                 WeightSource *source, Location loc) {
  std::vector<const rt::Port *> parameters = distinctParameters(signature);
  if (!parameters.empty() && !source)
    return emitError(loc) << "the model has parameters but no weights: "
                             "give --weights or --init=random";
  std::vector<rt::TensorToWrite> tensors;
  // Parameters stored in another dtype than the model's are converted here.
  std::list<std::vector<uint8_t>> converted; // stable addresses
  for (const rt::Port *parameter : parameters) {
    FailureOr<ArrayRef<uint8_t>> bytes =
        parameter->modelDtype
            ? readConverted(*parameter, *source, loc, converted.emplace_back())
            : source->read(*parameter, loc);
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

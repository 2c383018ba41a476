//===- LibraryWeights.cpp - The weights a library carries -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryWeights.h"

#include "mithril/runtime/Float16.h"
#include "mithril/runtime/Quantize.h"
#include "mithril/runtime/Safetensors.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <cstring>
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

/// The int8 values of the quantized `parameter` and of its `scale` from
/// `source`, into `values` and `scales`: read and checked where the source
/// holds them in int8, else read in f32 and quantized (docs/precision.md).
static LogicalResult readQuantized(const rt::Port &parameter,
                                   const rt::Port &scale, WeightSource &source,
                                   Location loc, std::vector<uint8_t> &values,
                                   std::vector<uint8_t> &scales) {
  int64_t axis = *parameter.quantizedAxis;
  std::string error;
  if (source.dtypeOf(parameter.name) == parameter.dtype) {
    FailureOr<ArrayRef<uint8_t>> read = source.read(parameter, loc);
    FailureOr<ArrayRef<uint8_t>> readScales;
    if (succeeded(read))
      readScales = source.read(scale, loc);
    if (failed(read) || failed(readScales))
      return failure();
    values.assign(read->begin(), read->end());
    scales.assign(readScales->begin(), readScales->end());
    error = rt::checkInt8(reinterpret_cast<const int8_t *>(values.data()),
                          reinterpret_cast<const float *>(scales.data()),
                          parameter.shape, axis);
  } else {
    rt::Port asModel = parameter;
    asModel.dtype = rt::DType::F32;
    asModel.modelDtype.reset();
    FailureOr<ArrayRef<uint8_t>> read = source.read(asModel, loc);
    if (failed(read))
      return failure();
    std::vector<float> floats(read->size() / sizeof(float));
    std::memcpy(floats.data(), read->data(), read->size());
    values.resize(floats.size());
    scales.resize(size_t(scale.numElements()) * sizeof(float));
    error = rt::quantizeInt8(floats.data(), parameter.shape, axis,
                             reinterpret_cast<int8_t *>(values.data()),
                             reinterpret_cast<float *>(scales.data()));
  }
  if (!error.empty())
    return emitError(loc) << "parameter '" << parameter.name << "' " << error;
  return success();
}

FailureOr<std::string>
mlir::mithril::buildWeightsImage(const LibrarySignature &signature,
                                 WeightSource *source, Location loc) {
  std::vector<const rt::Port *> parameters = distinctParameters(signature);
  if (!parameters.empty() && !source)
    return emitError(loc) << "the model has parameters but no weights: "
                             "give --weights or --init=random";
  // Parameters stored in another dtype than the model's are converted here,
  // int8 ones quantized (with their scales).
  std::list<std::vector<uint8_t>> converted; // stable addresses
  llvm::StringMap<ArrayRef<uint8_t>> bytesOf;
  for (const rt::Port *parameter : parameters) {
    if (!parameter->scaleOf.empty())
      continue; // made with the parameter it scales
    if (parameter->quantizedAxis) {
      std::string scaleName = parameter->name + ".scale";
      auto scale = llvm::find_if(
          parameters, [&](const rt::Port *p) { return p->name == scaleName; });
      if (scale == parameters.end())
        return emitError(loc) << "int8 parameter '" << parameter->name
                              << "' has no scale '" << scaleName << "'";
      std::vector<uint8_t> &values = converted.emplace_back();
      std::vector<uint8_t> &scales = converted.emplace_back();
      if (failed(
              readQuantized(*parameter, **scale, *source, loc, values, scales)))
        return failure();
      bytesOf[parameter->name] = values;
      bytesOf[scaleName] = scales;
      continue;
    }
    FailureOr<ArrayRef<uint8_t>> bytes =
        parameter->modelDtype
            ? readConverted(*parameter, *source, loc, converted.emplace_back())
            : source->read(*parameter, loc);
    if (failed(bytes))
      return failure();
    bytesOf[parameter->name] = *bytes;
  }
  std::vector<rt::TensorToWrite> tensors;
  for (const rt::Port *parameter : parameters) {
    ArrayRef<uint8_t> bytes = bytesOf.lookup(parameter->name);
    tensors.push_back({parameter->name, parameter->dtype, parameter->shape,
                       bytes.data(), bytes.size()});
  }
  std::string image, error;
  if (!rt::serializeSafetensors(tensors, {{"format", "pt"}}, image, error))
    return emitError(loc) << "cannot build the weights: " << error;
  return image;
}

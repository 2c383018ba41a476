//===- LibraryWeights.cpp - The weights a library carries -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryWeights.h"

#include "mithril/Frontend/ModelImporter.h"
#include "mithril/Frontend/OnnxImporter.h"
#include "mithril/IR/MithrilOps.h"
#include "mithril/runtime/Safetensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

bool mlir::mithril::hasWeightSource(ModuleOp module) {
  return module->hasAttr(kWeightsAttrName) ||
         module->hasAttr(kRandomInitSeedAttrName);
}

FailureOr<InitRules> mlir::mithril::collectInitRules(ModuleOp module) {
  InitRules rules;
  if (!module->hasAttr(kRandomInitSeedAttrName))
    return rules;
  ModelOp top = getTopModel(module);
  if (!top)
    return rules;
  for (ParameterOp parameter : top.getParameters()) {
    FailureOr<InitRule> rule = getDefaultInitRule(parameter);
    if (failed(rule))
      return failure();
    rules[parameter.getName()] = *rule;
  }
  return rules;
}

namespace {

/// The parameters of every entry, each once, largest elements first.
std::vector<const rt::Port *>
distinctParameters(const LibrarySignature &signature) {
  std::vector<const rt::Port *> parameters;
  llvm::StringSet<> seen;
  for (const rt::Entry &entry : signature.entries)
    for (const rt::Port &parameter : entry.parameters)
      if (seen.insert(parameter.name).second)
        parameters.push_back(&parameter);
  std::stable_sort(parameters.begin(), parameters.end(),
                   [](const rt::Port *a, const rt::Port *b) {
                     return rt::dtypeSize(a->dtype) > rt::dtypeSize(b->dtype);
                   });
  return parameters;
}

rt::TensorToWrite describe(const rt::Port &parameter, const void *data) {
  return {parameter.name, parameter.dtype, parameter.shape, data,
          size_t(parameter.numElements()) * rt::dtypeSize(parameter.dtype)};
}

} // namespace

FailureOr<std::string>
mlir::mithril::buildWeightsImage(ModuleOp module,
                                 const LibrarySignature &signature,
                                 const InitRules &rules) {
  std::vector<const rt::Port *> parameters = distinctParameters(signature);
  std::vector<rt::TensorToWrite> tensors;
  // Drawn values live here until the image is built.
  std::vector<std::vector<float>> drawn;
  std::unique_ptr<rt::SafetensorsFile> file;
  std::vector<OnnxParameter> onnxParameters;

  if (auto seed = module->getAttrOfType<IntegerAttr>(kRandomInitSeedAttrName)) {
    for (const rt::Port *parameter : parameters) {
      const InitRule *rule = rules.count(parameter->name)
                                 ? &rules.find(parameter->name)->second
                                 : nullptr;
      if (!rule || parameter->dtype != rt::DType::F32 ||
          parameter->numElements() < 0)
        return module.emitError()
               << "--init=random cannot draw parameter '" << parameter->name
               << "' (" << rt::modelDTypeName(parameter->dtype)
               << "): random values are drawn for static f32 parameters of "
                  "catalog ops only";
      drawn.emplace_back(parameter->numElements());
      fillParameter(*rule, seed.getValue().getZExtValue(), parameter->name,
                    drawn.back());
      tensors.push_back(describe(*parameter, drawn.back().data()));
    }
  } else if (auto path = module->getAttrOfType<StringAttr>(kWeightsAttrName);
             path && path.getValue().ends_with(".onnx")) {
    // An ONNX model's weights are its initializers.
    FailureOr<std::vector<OnnxParameter>> read =
        readOnnxParameters(path.getValue(), [&] { return module.emitError(); });
    if (failed(read))
      return failure();
    onnxParameters = std::move(*read);
    llvm::StringMap<const OnnxParameter *> byName;
    for (const OnnxParameter &parameter : onnxParameters)
      byName[parameter.name] = &parameter;
    for (const rt::Port *parameter : parameters) {
      const OnnxParameter *tensor = byName.lookup(parameter->name);
      rt::TensorToWrite expected = describe(*parameter, nullptr);
      if (!tensor || rt::parseModelDType(tensor->dtype) != parameter->dtype ||
          tensor->shape != parameter->shape ||
          tensor->bytes.size() != expected.size)
        return module.emitError()
               << "'" << path.getValue() << "' has no initializer for '"
               << parameter->name << "' of dtype "
               << rt::modelDTypeName(parameter->dtype)
               << " and the parameter's shape";
      expected.data = tensor->bytes.data();
      tensors.push_back(expected);
    }
  } else if (auto path = module->getAttrOfType<StringAttr>(kWeightsAttrName)) {
    std::string error;
    file = rt::SafetensorsFile::open(path.str(), error);
    if (!file)
      return module.emitError()
             << "cannot read weights '" << path.getValue() << "': " << error;
    for (const rt::Port *parameter : parameters) {
      const rt::TensorInfo *tensor = file->find(parameter->name);
      rt::TensorToWrite expected = describe(*parameter, nullptr);
      if (!tensor || tensor->dtype != parameter->dtype ||
          tensor->shape != parameter->shape)
        return module.emitError()
               << "weights '" << path.getValue() << "' have no tensor '"
               << parameter->name << "' of dtype "
               << rt::modelDTypeName(parameter->dtype)
               << " and the parameter's shape";
      expected.data = tensor->data;
      tensors.push_back(expected);
    }
  } else if (!parameters.empty()) {
    return module.emitError() << "the model has parameters but no weights: "
                                 "give --weights or --init=random";
  }

  std::string image, error;
  if (!rt::serializeSafetensors(tensors, {{"format", "pt"}}, image, error))
    return module.emitError() << "cannot build the weights: " << error;
  return image;
}

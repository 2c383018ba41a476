//===- OnnxWeights.cpp - Parameters from an ONNX model's initializers -----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OnnxImporter.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

namespace {

/// The initializers of an ONNX model, read whole when the source opens.
class OnnxWeights : public WeightSource {
public:
  OnnxWeights(std::string path, std::vector<OnnxParameter> parameters)
      : path(std::move(path)), parameters(std::move(parameters)) {
    for (const OnnxParameter &parameter : this->parameters)
      byName[parameter.name] = &parameter;
  }

  FailureOr<ArrayRef<uint8_t>> read(const rt::Port &parameter,
                                    Location loc) override {
    const OnnxParameter *tensor = byName.lookup(parameter.name);
    if (!tensor || rt::parseModelDType(tensor->dtype) != parameter.dtype ||
        tensor->shape != parameter.shape ||
        int64_t(tensor->bytes.size()) !=
            parameter.numElements() * int64_t(rt::dtypeSize(parameter.dtype)))
      return emitError(loc)
             << "'" << path << "' has no initializer for '" << parameter.name
             << "' of dtype " << rt::modelDTypeName(parameter.dtype)
             << " and the parameter's shape";
    return ArrayRef(reinterpret_cast<const uint8_t *>(tensor->bytes.data()),
                    tensor->bytes.size());
  }

private:
  std::string path;
  std::vector<OnnxParameter> parameters;
  llvm::StringMap<const OnnxParameter *> byName;
};

} // namespace

FailureOr<std::unique_ptr<WeightSource>>
mlir::mithril::openOnnxWeights(StringRef path, Location loc) {
  FailureOr<std::vector<OnnxParameter>> parameters =
      readOnnxParameters(path, [&] { return emitError(loc); });
  if (failed(parameters))
    return failure();
  return std::unique_ptr<WeightSource>(
      std::make_unique<OnnxWeights>(path.str(), std::move(*parameters)));
}

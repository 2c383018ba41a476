//===- SafetensorsWeights.cpp - Parameters from a safetensors file --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/Weights.h"
#include "mithril/runtime/Safetensors.h"

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

namespace {

/// The tensors of a file that the runtime's reader has checked (header,
/// offsets, dtypes, shapes) before any byte is used.
class SafetensorsWeights : public WeightSource {
public:
  SafetensorsWeights(std::string path,
                     std::unique_ptr<rt::SafetensorsFile> file)
      : path(std::move(path)), file(std::move(file)) {}

  FailureOr<ArrayRef<uint8_t>> read(const rt::Port &parameter,
                                    Location loc) override {
    const rt::TensorInfo *tensor = file->find(parameter.name);
    if (!tensor || tensor->dtype != parameter.dtype ||
        tensor->shape != parameter.shape)
      return emitError(loc)
             << "weights '" << path << "' have no tensor '" << parameter.name
             << "' of dtype " << rt::modelDTypeName(parameter.dtype)
             << " and the parameter's shape";
    return ArrayRef(static_cast<const uint8_t *>(tensor->data),
                    tensor->byteSize());
  }

  std::optional<rt::DType> dtypeOf(StringRef name) override {
    const rt::TensorInfo *tensor = file->find(std::string_view(name));
    return tensor ? std::optional(tensor->dtype) : std::nullopt;
  }

private:
  std::string path;
  std::unique_ptr<rt::SafetensorsFile> file;
};

} // namespace

FailureOr<std::unique_ptr<WeightSource>>
mlir::mithril::openSafetensorsWeights(StringRef path, Location loc) {
  std::string error;
  std::unique_ptr<rt::SafetensorsFile> file =
      rt::SafetensorsFile::open(path.str(), error);
  if (!file)
    return emitError(loc) << "cannot read weights '" << path << "': " << error;
  return std::unique_ptr<WeightSource>(
      std::make_unique<SafetensorsWeights>(path.str(), std::move(file)));
}
